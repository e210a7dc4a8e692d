package core

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// NumSlots is the number of lock slots the keyspace is divided into. A key
// belongs to slot hash(key) % NumSlots in every database, so a command locks
// only the slots of the keys it names, and commands on different keys run in
// parallel.
const NumSlots = 256

type slotLock struct {
	sync.RWMutex
	watch *slotWatch              // the slot's watched keys (watch.go); guarded by the lock
	claim atomic.Pointer[LockSet] // the command holding it, in checking mode (keycheck.go)
	// expired holds the deletions of keys a command found expired, until
	// the command's effects are taken (effects.go); guarded by the lock.
	// With it the struct fills a 64-byte cache line, so neighbouring locks
	// do not share one.
	expired []Effect
}

// Keyspace holds the databases and the locks that guard them.
type Keyspace struct {
	locks [NumSlots]slotLock
	dbs   []*DB
	seed  maphash.Seed

	clockOffset atomic.Int64 // milliseconds added to the wall clock (tests fast-forward)
	lruEpoch    int64        // the keyspace clock when the keyspace was made
	lruClock    atomic.Uint32
	dirty       atomic.Int64 // changes since the last save
	waiters     waiters      // clients blocked on keys (block.go)
	obs         observers    // told about changes (notify.go)
	obsList     atomic.Pointer[[]KeyObserver]
	watches     atomic.Int64 // number of WATCHed (client, key) pairs (watch.go)
	cutMu       sync.Mutex   // one point-in-time cut at a time (cut.go)
	cuts        atomic.Int64 // cuts being read
	check       keyCheck     // checking mode: undeclared keys (keycheck.go)
	mem         memory       // maxmemory: policy, eviction pool (evict.go)

	effects      EffectSink   // the effects stream, or nil (effects.go)
	pendingExp   atomic.Int64 // deletions waiting in slotLock.expired
	expireUnlink atomic.Bool  // propagate expiry as UNLINK (lazyfree-lazy-expire)
	replica      atomic.Bool  // expiry follows the master (replica.go)
	obeying      atomic.Bool  // the master's commands run (replica.go)
	expiryPaused atomic.Bool  // clients are paused: no key is deleted for its TTL

	// ExpiredKeys counts keys removed because their TTL passed (INFO
	// expired_keys).
	ExpiredKeys atomic.Int64
	// KeyspaceHits counts lookups of read commands that found their key
	// (INFO keyspace_hits).
	KeyspaceHits atomic.Int64
	// KeyspaceMisses counts lookups that did not (INFO keyspace_misses).
	KeyspaceMisses atomic.Int64
	// LazyFreed counts the values deleted lazily that Redis would have
	// freed in its background thread (INFO lazyfreed_objects); see
	// CountLazyFree.
	LazyFreed atomic.Int64
}

type entry struct {
	v   Value
	exp int64 // absolute unix time in milliseconds; 0: no expiry
	// atime is when the key was last accessed, on the LRU clock, for OBJECT
	// IDLETIME and LRU eviction; under an LFU policy it holds the access
	// counter instead (evict.go), as Redis's 24 bits of every object do.
	atime uint32
	// size is what the entry counts in the database's memory total
	// (evict.go), so that removing it subtracts exactly what was added.
	size uint32
}

type slot struct {
	m        map[string]entry
	volatile map[string]struct{} // keys with an expiry, sampled by the active cycle
	cut      *slotCut            // a snapshot's part not yet written (cut.go)
}

// DB is one numbered database. Its methods require the caller to hold the
// lock of every key it touches (the host does this for a command's keys),
// exclusively unless the method says otherwise.
type DB struct {
	ks       *Keyspace
	index    int
	slots    [NumSlots]slot
	volatile atomic.Int64 // number of keys with an expiry
	keys     atomic.Int64
	mem      atomic.Int64 // bytes the entries count (evict.go)
	avgTTL   atomic.Int64 // estimate from active expiry's samples, ms (AvgTTL)
}

// AvgTTL returns an estimate of the average time to live of the keys with
// an expiry, in milliseconds, as INFO keyspace's avg_ttl: active expiry
// updates it from the keys it samples, each cycle moving it by a fiftieth
// of the distance, as Redis does; 0 when no key has an expiry.
func (db *DB) AvgTTL() int64 {
	if db.volatile.Load() == 0 {
		return 0
	}
	return db.avgTTL.Load()
}

// NewKeyspace returns a keyspace with n empty databases.
func NewKeyspace(n int) *Keyspace {
	if n < 1 {
		n = 1
	}
	ks := &Keyspace{seed: maphash.MakeSeed()}
	ks.lruEpoch = ks.Now()
	ks.dbs = make([]*DB, n)
	for i := range ks.dbs {
		ks.dbs[i] = &DB{ks: ks, index: i}
	}
	return ks
}

// NumDBs returns the number of databases.
func (ks *Keyspace) NumDBs() int { return len(ks.dbs) }

// DB returns database i, or nil when i is out of range.
func (ks *Keyspace) DB(i int) *DB {
	if i < 0 || i >= len(ks.dbs) {
		return nil
	}
	return ks.dbs[i]
}

// Now returns the keyspace's clock in unix milliseconds: the wall clock plus
// any fast-forward. Every expiry decision uses it.
func (ks *Keyspace) Now() int64 { return time.Now().UnixMilli() + ks.clockOffset.Load() }

// FastForward moves the keyspace's clock forward, so that tests can expire
// keys without sleeping.
func (ks *Keyspace) FastForward(d time.Duration) {
	ks.clockOffset.Add(d.Milliseconds())
	ks.TickLRU()
}

// lruResolution is the LRU clock's unit in milliseconds. Redis counts
// seconds; a finer clock lets LRU eviction tell apart keys written within
// the same second, which a fast server holding a small cache needs to keep
// the most recent ones. Idle times up to 248 days are told apart (Redis's
// 24-bit clock wraps at 194).
const lruResolution = 10

// LRUTick is how often the host should call TickLRU.
const LRUTick = lruResolution * time.Millisecond

// TickLRU advances the LRU clock, the clock that records when keys were last
// accessed. Like Redis's, it is cached rather than read from the system on
// every access; ActiveExpire ticks it, and the host every LRUTick.
func (ks *Keyspace) TickLRU() {
	now := uint32((ks.Now() - ks.lruEpoch) / lruResolution)
	// Several goroutines tick it: it only moves forward, so that no key is
	// stamped later than the clock reads.
	for {
		old := ks.lruClock.Load()
		if int32(now-old) <= 0 || ks.lruClock.CompareAndSwap(old, now) {
			return
		}
	}
}

// touch records an access to a live entry, writing the map only when the LRU
// clock (or the LFU counter) has moved since the last access.
func (db *DB) touch(s *slot, key []byte, e entry) {
	if a := db.ks.accessed(e.atime); e.atime != a {
		e.atime = a
		s.m[string(key)] = e
	}
}

// Touch records an access to key, as TOUCH does, and reports whether the key
// exists.
func (db *DB) Touch(key []byte) bool {
	s := db.slotFor(key)
	e, ok := db.lookup(s, key)
	if ok {
		db.touch(s, key, e)
	}
	return ok
}

// IdleTime returns the seconds since key was last read or written, as
// OBJECT IDLETIME reports it, without counting as an access.
func (db *DB) IdleTime(key []byte) (seconds int64, exists bool) {
	e, ok := db.lookup(db.slotFor(key), key)
	if !ok {
		return 0, false
	}
	// The difference is taken modulo 2^32 and read as signed, so that an
	// access time set in the past by SetIdleTime (before the clock's epoch)
	// still gives the right idle time.
	return max(int64(int32(db.ks.lruClock.Load()-e.atime)), 0) * lruResolution / 1000, true
}

// SetIdleTime makes key look last accessed the given number of seconds ago,
// as RESTORE ... IDLETIME and loading an RDB file's LRU information do, and
// reports whether the key exists. Under an LFU policy, which tracks no
// access time, it does nothing, as in Redis.
func (db *DB) SetIdleTime(key []byte, seconds int64) bool {
	s := db.slotFor(key)
	e, ok := db.lookup(s, key)
	if !ok {
		return false
	}
	if db.ks.EvictionPolicy().LFU() {
		return true
	}
	units := min(max(seconds, 0), (1<<31-1)/(1000/lruResolution)) * (1000 / lruResolution)
	e.atime = db.ks.lruClock.Load() - uint32(units)
	s.m[string(key)] = e
	return true
}

// Dirty returns the number of changes since the last successful save.
func (ks *Keyspace) Dirty() int64 { return ks.dirty.Load() }

// AddDirty records n changes for auto-save. The host calls it for every
// successful write command.
func (ks *Keyspace) AddDirty(n int64) { ks.dirty.Add(n) }

// ResetDirty subtracts the changes a save has covered.
func (ks *Keyspace) ResetDirty(saved int64) { ks.dirty.Add(-saved) }

// SlotOf returns the lock slot of a key.
func (ks *Keyspace) SlotOf(key []byte) int {
	return int(maphash.Bytes(ks.seed, key) % NumSlots)
}

// LockSlots locks the given slots, which must be sorted ascending without
// repeats (the order prevents deadlocks), exclusively or shared.
func (ks *Keyspace) LockSlots(slots []int, exclusive bool) {
	for _, s := range slots {
		if exclusive {
			ks.locks[s].Lock()
		} else {
			ks.locks[s].RLock()
		}
	}
}

// UnlockSlots releases what LockSlots took.
func (ks *Keyspace) UnlockSlots(slots []int, exclusive bool) {
	for i := len(slots) - 1; i >= 0; i-- {
		if exclusive {
			ks.locks[slots[i]].Unlock()
		} else {
			ks.locks[slots[i]].RUnlock()
		}
	}
}

// LockAll locks every slot, for commands that touch the whole keyspace.
func (ks *Keyspace) LockAll(exclusive bool) {
	for i := range ks.locks {
		if exclusive {
			ks.locks[i].Lock()
		} else {
			ks.locks[i].RLock()
		}
	}
	if ks.check.on {
		ks.check.all.Add(1)
	}
}

// UnlockAll releases what LockAll took.
func (ks *Keyspace) UnlockAll(exclusive bool) {
	if ks.check.on {
		ks.check.all.Add(-1)
	}
	for i := len(ks.locks) - 1; i >= 0; i-- {
		if exclusive {
			ks.locks[i].Unlock()
		} else {
			ks.locks[i].RUnlock()
		}
	}
}

// Update runs fn with every slot locked exclusively: the way for code outside
// a command (a module's background work, a test setting up state) to change
// data safely.
func (ks *Keyspace) Update(fn func(ks *Keyspace) error) error {
	ks.LockAll(true)
	defer ks.UnlockAll(true)
	defer ks.settleAll()
	return fn(ks)
}

// View runs fn with every slot locked shared; fn must not change anything.
func (ks *Keyspace) View(fn func(ks *Keyspace) error) error {
	ks.LockAll(false)
	defer ks.UnlockAll(false)
	return fn(ks)
}

// SwapDBs exchanges the contents of two databases, as SWAPDB does. The
// caller holds every lock exclusively.
func (ks *Keyspace) SwapDBs(i, j int) {
	a, b := ks.dbs[i], ks.dbs[j]
	if ks.Watching() {
		ks.touchFlush(a, b)
		ks.touchFlush(b, a)
	}
	a.slots, b.slots = b.slots, a.slots
	movedCuts(a, b)
	av, bv := a.volatile.Load(), b.volatile.Load()
	a.volatile.Store(bv)
	b.volatile.Store(av)
	ak, bk := a.keys.Load(), b.keys.Load()
	a.keys.Store(bk)
	b.keys.Store(ak)
	am, bm := a.mem.Load(), b.mem.Load()
	a.mem.Store(bm)
	b.mem.Store(am)
}

// Index returns the database's number.
func (db *DB) Index() int { return db.index }

// Keyspace returns the keyspace the database belongs to.
func (db *DB) Keyspace() *Keyspace { return db.ks }

func (db *DB) slotFor(key []byte) *slot {
	i := db.ks.SlotOf(key)
	if db.ks.check.on {
		db.ks.checkKey(i, key)
	}
	return &db.slots[i]
}

// markWrite tells WATCH that the running command reached key to change it.
func (db *DB) markWrite(key []byte) {
	if db.ks.Watching() {
		db.ks.mark(db.ks.SlotOf(key), db.index, key)
	}
}

// lookupWrite is lookup for a change to key: on a replica written by its
// own clients (replica-read-only no) an expired key is removed first,
// silently, as Redis 7.0 does, so that the write starts from nothing.
func (db *DB) lookupWrite(s *slot, key []byte) (entry, bool) {
	if db.ks.replica.Load() && !db.ks.obeying.Load() || db.ks.expiryPaused.Load() {
		if e, ok := s.m[string(key)]; ok && e.exp != 0 && e.exp <= db.ks.Now() {
			db.remove(s, string(key), e)
			return entry{}, false
		}
	}
	return db.lookup(s, key)
}

// PauseExpiry stops (or restarts) the deletion of expired keys while
// clients are paused (CLIENT PAUSE), as Redis 7.0 does: an expired key reads
// as missing but is neither deleted nor counted, nor propagated, until the
// pause ends. The host also skips active expiry meanwhile.
func (ks *Keyspace) PauseExpiry(on bool) { ks.expiryPaused.Store(on) }

// lookup returns the live entry of key, removing it if it has expired.
func (db *DB) lookup(s *slot, key []byte) (entry, bool) {
	e, ok := s.m[string(key)]
	if !ok {
		return e, false
	}
	if e.exp != 0 && e.exp <= db.ks.Now() {
		if db.ks.replica.Load() {
			// A replica keeps the key for its master to delete
			// (replica.go).
			if db.ks.obeying.Load() {
				return e, true
			}
			return entry{}, false
		}
		if db.ks.expiryPaused.Load() {
			// Clients are paused (PauseExpiry): the key is gone for
			// readers but stays until the pause ends, as in Redis.
			return entry{}, false
		}
		db.remove(s, string(key), e)
		db.ks.ExpiredKeys.Add(1)
		db.propagateExpired(db.ks.SlotOf(key), string(key), true)
		db.expired(string(key))
		if db.ks.Watching() {
			db.ks.touchRemoved(db.ks.SlotOf(key), db.index, string(key))
		}
		return entry{}, false
	}
	return e, true
}

func (db *DB) remove(s *slot, key string, e entry) {
	if s.cut != nil {
		db.keep(s, []byte(key))
	}
	db.broadcastString(key)
	delete(s.m, key)
	db.keys.Add(-1)
	db.account(-int64(e.size))
	if e.exp != 0 {
		delete(s.volatile, key)
		db.volatile.Add(-1)
	}
}

// Get returns the value of key, or nil when the key does not exist. An
// expired key is removed and reported missing.
func (db *DB) Get(key []byte) Value {
	s := db.slotFor(key)
	e, ok := db.lookup(s, key)
	if !ok {
		db.ks.KeyspaceMisses.Add(1)
		db.ks.Notify(db.index, NotifyKeyMiss, "keymiss", key)
		return nil
	}
	db.ks.KeyspaceHits.Add(1)
	db.touch(s, key, e)
	return e.v
}

// GetForWrite returns the value of key like Get, for a command about to
// change it: as Redis's lookupKeyWrite, it records the access but does not
// count a keyspace hit or miss.
func (db *DB) GetForWrite(key []byte) Value {
	s := db.slotFor(key)
	e, ok := db.lookupWrite(s, key)
	if !ok {
		return nil
	}
	db.keep(s, key)
	db.markWrite(key)
	db.touch(s, key, e)
	return e.v
}

// Peek returns the value of key like Get but without touching statistics or
// removing an expired key, so that it is safe under a shared lock.
func (db *DB) Peek(key []byte) Value {
	e, ok := db.slotFor(key).m[string(key)]
	if !ok || db.ks.gone(e.exp, db.ks.Now()) {
		return nil
	}
	return e.v
}

// Exists reports whether key exists.
func (db *DB) Exists(key []byte) bool {
	_, ok := db.lookup(db.slotFor(key), key)
	return ok
}

// Set stores v under key and clears any expiry, as SET does.
func (db *DB) Set(key []byte, v Value) { db.SetWithExpiry(key, v, 0) }

// SetWithExpiry stores v under key with an absolute expiry in unix
// milliseconds (0: none).
func (db *DB) SetWithExpiry(key []byte, v Value, expireAt int64) {
	db.markWrite(key)
	s := db.slotFor(key)
	// lookup removes an expired key first, announcing "expired" as Redis's
	// lookupKeyWrite does before an overwrite.
	old, existed := db.lookupWrite(s, key)
	db.keep(s, key)
	k := string(key)
	if existed && old.exp != 0 {
		delete(s.volatile, k)
		db.volatile.Add(-1)
	}
	atime := db.ks.newAccess()
	if existed && db.ks.EvictionPolicy().LFU() {
		atime = old.atime // an overwrite keeps the access counter, as in Redis
	}
	size := entryCost(key, v)
	db.account(int64(size) - int64(old.size))
	if existed && old.v != v {
		db.broadcastString(k)
	}
	if !existed {
		if s.m == nil {
			s.m = make(map[string]entry)
		}
		db.keys.Add(1)
	}
	s.m[k] = entry{v: v, exp: expireAt, atime: atime, size: size}
	if expireAt != 0 {
		db.addVolatile(s, k)
	}
	if !existed {
		db.ks.Notify(db.index, NotifyNew, "new", key)
	}
}

// SetKeepTTL stores v under key keeping its expiry, as SET KEEPTTL does.
func (db *DB) SetKeepTTL(key []byte, v Value) {
	s := db.slotFor(key)
	if e, ok := db.lookupWrite(s, key); ok {
		db.keep(s, key)
		if e.v != v {
			db.broadcastString(string(key))
		}
		db.markWrite(key)
		e.v = v
		if !db.ks.EvictionPolicy().LFU() {
			e.atime = db.ks.lruClock.Load()
		}
		size := entryCost(key, v)
		db.account(int64(size) - int64(e.size))
		e.size = size
		s.m[string(key)] = e
		return
	}
	db.SetWithExpiry(key, v, 0)
}

func (db *DB) addVolatile(s *slot, k string) {
	if s.volatile == nil {
		s.volatile = make(map[string]struct{})
	}
	s.volatile[k] = struct{}{}
	db.volatile.Add(1)
}

// Delete removes key and reports whether it existed.
func (db *DB) Delete(key []byte) bool {
	s := db.slotFor(key)
	e, ok := db.lookupWrite(s, key)
	if !ok {
		return false
	}
	db.markWrite(key)
	db.remove(s, string(key), e)
	return true
}

// Remove removes key like Delete and returns the value it held, nil when
// the key did not exist.
func (db *DB) Remove(key []byte) Value {
	s := db.slotFor(key)
	e, ok := db.lookup(s, key)
	if !ok {
		return nil
	}
	db.markWrite(key)
	db.remove(s, string(key), e)
	return e.v
}

// CountLazyFree records a value removed by a lazy deletion (UNLINK, DEL
// with lazyfree-lazy-user-del, ...): one whose FreeEffort passes
// LazyFreeThreshold counts in LazyFreed, as Redis counts the values it
// hands to its background thread. Go's collector frees every value off
// the command's path anyway; the count tells operators and Redis's tests
// which deletions were lazy.
func (ks *Keyspace) CountLazyFree(v Value) {
	if v != nil && freeEffort(v) > LazyFreeThreshold {
		ks.LazyFreed.Add(1)
	}
}

// Expiry returns the absolute expiry of key in unix milliseconds (0: none)
// and whether the key exists.
func (db *DB) Expiry(key []byte) (expireAt int64, exists bool) {
	e, ok := db.lookup(db.slotFor(key), key)
	return e.exp, ok
}

// SetExpiry sets the absolute expiry of an existing key (0 removes it) and
// reports whether the key exists. An expiry not in the future deletes the
// key, as Redis does.
func (db *DB) SetExpiry(key []byte, expireAt int64) bool {
	s := db.slotFor(key)
	e, ok := db.lookupWrite(s, key)
	if !ok {
		return false
	}
	db.markWrite(key)
	db.keep(s, key)
	k := string(key)
	if expireAt != 0 && expireAt <= db.ks.Now() {
		db.remove(s, k, e)
		return true
	}
	if e.exp == 0 && expireAt != 0 {
		db.addVolatile(s, k)
	} else if e.exp != 0 && expireAt == 0 {
		delete(s.volatile, k)
		db.volatile.Add(-1)
	}
	e.exp = expireAt
	s.m[k] = e
	return true
}

// Len returns the number of keys, counting expired keys not yet removed as
// Redis's DBSIZE does. It needs no lock.
func (db *DB) Len() int { return int(db.keys.Load()) }

// VolatileLen returns the number of keys with an expiry. It needs no lock.
func (db *DB) VolatileLen() int { return int(db.volatile.Load()) }

// Range calls fn for every live key until fn returns false. The caller holds
// every slot, shared at least; fn must not change the database.
func (db *DB) Range(fn func(key string, v Value, expireAt int64) bool) {
	now := db.ks.Now()
	for i := range db.slots {
		for k, e := range db.slots[i].m {
			if db.ks.gone(e.exp, now) {
				continue
			}
			if !fn(k, e.v, e.exp) {
				return
			}
		}
	}
}

// RangeSlot calls fn for every live key in one slot, for commands such as
// SCAN that walk the keyspace a slot at a time.
func (db *DB) RangeSlot(slot int, fn func(key string, v Value, expireAt int64) bool) {
	now := db.ks.Now()
	for k, e := range db.slots[slot].m {
		if db.ks.gone(e.exp, now) {
			continue
		}
		if !fn(k, e.v, e.exp) {
			return
		}
	}
}

// RandomKey returns a random live key, or "" and false when there is none.
// The caller holds every slot.
func (db *DB) RandomKey() (string, bool) {
	k, ok, _ := db.RandomKeyExpiring(0)
	return k, ok
}

// RandomKeyExpiring is RandomKey for RANDOMKEY: it also returns up to max
// of the expired keys it stepped over, which Redis deletes as it meets
// them; the caller removes them with DeleteExpired once its locks are
// released. The caller holds every slot, shared or not.
func (db *DB) RandomKeyExpiring(max int) (key string, ok bool, expired []string) {
	if db.keys.Load() == 0 {
		return "", false, nil
	}
	start := int(maphash.Comparable(db.ks.seed, time.Now().UnixNano()) % NumSlots)
	now := db.ks.Now()
	for i := 0; i < NumSlots; i++ {
		s := &db.slots[(start+i)%NumSlots]
		for k, e := range s.m {
			if db.ks.gone(e.exp, now) {
				// A replica leaves them to its master (replica.go).
				if len(expired) < max && !db.ks.replica.Load() {
					expired = append(expired, k)
				}
				continue
			}
			return k, true, expired
		}
	}
	return "", false, expired
}

// ExpiredIn appends to dst the keys of one slot whose time to live has
// passed; the caller holds the slot, shared or not.
func (db *DB) ExpiredIn(slot int, dst []string) []string {
	s := &db.slots[slot]
	if len(s.volatile) == 0 || db.ks.replica.Load() {
		return dst
	}
	now := db.ks.Now()
	for k := range s.volatile {
		if e := s.m[k]; e.exp != 0 && e.exp <= now {
			dst = append(dst, k)
		}
	}
	return dst
}

// DeleteExpired removes those of keys whose time to live has passed, as
// the active expiry does: each under its slot's lock, which the caller
// must not hold, counted in ExpiredKeys, notified and propagated as DEL
// (UNLINK with lazyfree-lazy-expire). Commands that meet expired keys
// under shared locks (SCAN, RANDOMKEY) remove them this way once they
// have released their locks, as Redis deletes the keys they meet. It
// returns the number of keys removed.
func (db *DB) DeleteExpired(keys []string) int {
	removed := 0
	if db.ks.replica.Load() || db.ks.expiryPaused.Load() {
		return 0 // the master deletes them (replica.go), or after the pause
	}
	for _, k := range keys {
		i := db.ks.SlotOf([]byte(k))
		db.ks.locks[i].Lock()
		s := &db.slots[i]
		if e, ok := s.m[k]; ok && e.exp != 0 && e.exp <= db.ks.Now() {
			db.expireEntry(i, s, k, e)
			db.ks.ExpiredKeys.Add(1)
			removed++
		}
		db.ks.locks[i].Unlock()
	}
	return removed
}

// expireEntry removes an expired key found outside a command, whose slot
// the caller holds exclusively.
func (db *DB) expireEntry(slot int, s *slot, k string, e entry) {
	db.remove(s, k, e)
	db.propagateExpired(slot, k, false)
	db.expired(k)
	if db.ks.Watching() {
		db.ks.touchRemoved(slot, db.index, k)
	}
}

// Flush removes every key. The caller holds every slot exclusively.
func (db *DB) Flush() {
	db.broadcastAll()
	if db.ks.Watching() {
		db.ks.touchFlush(db, nil)
	}
	for i := range db.slots {
		db.slots[i].handOver()
		db.slots[i] = slot{}
	}
	db.keys.Store(0)
	db.volatile.Store(0)
	db.mem.Store(0)
}

func (db *DB) updateAvgTTL(sum, n int64) {
	if n == 0 {
		return
	}
	avg := sum / n
	if old := db.avgTTL.Load(); old != 0 {
		avg = old/50*49 + avg/50
	}
	db.avgTTL.Store(avg)
}

// ActiveExpire removes expired keys by sampling keys with an expiry, as
// Redis's active expiry cycle does, until the budget is spent. It takes the
// slot locks itself, one at a time, so commands keep running meanwhile. It
// returns the number of keys removed.
func (ks *Keyspace) ActiveExpire(budget time.Duration, cursor *int) int {
	const sample = 20
	ks.TickLRU()
	if ks.replica.Load() {
		return 0 // the master expires keys (replica.go)
	}
	deadline := time.Now().Add(budget)
	removed := 0
	for _, db := range ks.dbs {
		if db.volatile.Load() == 0 {
			db.avgTTL.Store(0)
			continue
		}
		var ttlSum, ttlN int64
		for n := 0; n < NumSlots; n++ {
			i := (*cursor + n) % NumSlots
			ks.locks[i].Lock()
			s := &db.slots[i]
			for len(s.volatile) > 0 {
				now := ks.Now()
				checked, expired := 0, 0
				for k := range s.volatile {
					if checked == sample {
						break
					}
					checked++
					if e := s.m[k]; e.exp > now {
						ttlSum += e.exp - now
						ttlN++
					} else {
						db.expireEntry(i, s, k, e)
						expired++
					}
				}
				removed += expired
				ks.ExpiredKeys.Add(int64(expired))
				// Like Redis: keep going on this slot only while more than a
				// tenth of the sample was expired.
				if expired*10 <= checked || time.Now().After(deadline) {
					break
				}
			}
			ks.locks[i].Unlock()
			if time.Now().After(deadline) {
				db.updateAvgTTL(ttlSum, ttlN)
				*cursor = (i + 1) % NumSlots
				return removed
			}
		}
		db.updateAvgTTL(ttlSum, ttlN)
	}
	*cursor = (*cursor + 1) % NumSlots
	return removed
}

// LookupWrite is Lookup for a command about to change the value: it does not
// count a keyspace hit or miss (see DB.GetForWrite).
func LookupWrite[T Value](db *DB, key []byte) (T, error) {
	var zero T
	v := db.GetForWrite(key)
	if v == nil {
		return zero, nil
	}
	t, ok := v.(T)
	if !ok {
		return zero, ErrWrongType
	}
	return t, nil
}

// Lookup returns the value of key as a T. A missing key gives the zero T and
// a nil error; a key holding another type gives ErrWrongType.
func Lookup[T Value](db *DB, key []byte) (T, error) {
	var zero T
	v := db.Get(key)
	if v == nil {
		return zero, nil
	}
	t, ok := v.(T)
	if !ok {
		return zero, ErrWrongType
	}
	return t, nil
}
