package core

import (
	"hash/maphash"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// NumSlots is the number of lock slots the keyspace is divided into. A key
// belongs to slot hash(key) % NumSlots in every database, so a command locks
// only the slots of the keys it names, and commands on different keys run in
// parallel.
const NumSlots = 256

type slotLock struct {
	slotMutex
	watch *slotWatch              // the slot's watched keys (watch.go); guarded by the lock
	claim atomic.Pointer[LockSet] // the command holding it, in checking mode (keycheck.go)
	// expired holds the deletions of keys a command found expired, until
	// the command's effects are taken (effects.go); guarded by the lock.
	expired []Effect
	// The struct fills a 64-byte cache line, so neighbouring locks do not
	// share one.
	_ [8]byte
}

// Keyspace holds the databases and the locks that guard them.
type Keyspace struct {
	locks [NumSlots]slotLock
	// holders records, for a subscribed client's command, the client
	// holding each slot (allHolder: every slot, exclusively), so that an
	// event the keyspace itself announces while the command runs (a key it
	// reads expiring, a miss, a new key) reaches that client in line with
	// its replies, as in Redis. Each entry is guarded by its slot's lock;
	// they are kept apart from the locks, which only subscribers' commands
	// write them beside.
	holders   [NumSlots]*Client
	allHolder *Client
	dbs       []*DB
	seed      maphash.Seed

	clockOffset atomic.Int64 // milliseconds added to the wall clock (tests fast-forward)
	lruEpoch    int64        // the keyspace clock when the keyspace was made
	lruClock    atomic.Uint32
	// lruQuiet is armed by the host's LRU ticker (ArmLRUQuiet) to learn
	// whether keys are still accessed; the first access after clears it,
	// ticks the clock and leaves a token in lruWake for a ticker that
	// went to sleep (lruNow).
	lruQuiet   atomic.Bool
	lruWake    chan struct{}
	dirty      atomic.Int64 // changes since the last save
	waiters    waiters      // clients blocked on keys (block.go)
	obs        observers    // told about changes (notify.go)
	obsList    atomic.Pointer[[]KeyObserver]
	obsEvents  atomic.Uint32 // the event classes an observer wants (SetInterest)
	obsTouches atomic.Bool   // an observer wants KeyTouched
	watches    atomic.Int64  // number of WATCHed (client, key) pairs (watch.go)
	cutMu      sync.Mutex    // one point-in-time cut at a time (cut.go)
	cuts       atomic.Int64  // cuts being read
	check      keyCheck      // checking mode: undeclared keys (keycheck.go)
	mem        memory        // maxmemory: policy, eviction pool (evict.go)

	effects      EffectSink   // the effects stream, or nil (effects.go)
	pendingExp   atomic.Int64 // deletions waiting in slotLock.expired
	expireUnlink atomic.Bool  // propagate expiry as UNLINK (lazyfree-lazy-expire)
	evictUnlink  atomic.Bool  // propagate eviction as UNLINK (lazyfree-lazy-eviction)
	lazyOverwr   atomic.Bool  // an overwritten value is freed lazily (lazyfree-lazy-server-del)
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

// DB is one numbered database. Its methods require the caller to hold the
// lock of every key it touches (the host does this for a command's keys),
// exclusively unless the method says otherwise.
type DB struct {
	ks       *Keyspace
	index    int
	slots    [NumSlots]table
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
	ks := &Keyspace{seed: maphash.MakeSeed(), lruWake: make(chan struct{}, 1)}
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

// NowAt returns the keyspace's clock at t, for a caller that also needs t
// itself (a time.Now costs two clock reads).
func (ks *Keyspace) NowAt(t time.Time) int64 { return t.UnixMilli() + ks.clockOffset.Load() }

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

// ArmLRUQuiet, LRUQuiet and LRUAccessed let the host's ticker sleep while
// no key is accessed, rather than wake a hundred times a second on an idle
// server: it arms the check (ArmLRUQuiet), and a second later, if LRUQuiet
// still reports true, no key was read or written meanwhile and it may stop
// ticking until LRUAccessed delivers. The first access after ArmLRUQuiet
// ticks the clock itself before it reads it, so no key is stamped with a
// clock that stopped; ActiveExpire ticks it too, every cron period.
func (ks *Keyspace) ArmLRUQuiet() { ks.lruQuiet.Store(true) }

// LRUQuiet reports whether no key was accessed since ArmLRUQuiet.
func (ks *Keyspace) LRUQuiet() bool { return ks.lruQuiet.Load() }

// LRUAccessed delivers after an access found the quiet check armed: the
// clock was ticked by that access, and the ticker should tick again.
func (ks *Keyspace) LRUAccessed() <-chan struct{} { return ks.lruWake }

// lruNow returns the LRU clock for an access, first ending a quiet spell
// (see ArmLRUQuiet): one load of a flag no writer touches meanwhile.
func (ks *Keyspace) lruNow() uint32 {
	if ks.lruQuiet.Load() {
		ks.endQuiet()
	}
	return ks.lruClock.Load()
}

// endQuiet ends a quiet spell: the clock is ticked and a sleeping ticker
// woken, once.
func (ks *Keyspace) endQuiet() {
	if ks.lruQuiet.CompareAndSwap(true, false) {
		ks.TickLRU()
		select {
		case ks.lruWake <- struct{}{}:
		default: // a token waits already
		}
	}
}

// TickLRU advances the LRU clock, the clock that records when keys were last
// accessed. Like Redis's, it is cached rather than read from the system on
// every access; ActiveExpire ticks it, and the host every LRUTick while keys
// are accessed (ArmLRUQuiet).
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

// hash returns the hash of key: its low bits choose the lock slot
// (SlotOf), its high bits the place in the slot's table, so a key is hashed
// once per operation.
func (ks *Keyspace) hash(key []byte) uint64 { return maphash.Bytes(ks.seed, key) }

// KeyHash returns the hash the keyspace files key under: its lock slot is
// KeyHash(key) % NumSlots. A caller that hashes a command's keys to lock
// them passes the hashes on (SettleMemoryHashed) rather than have the keys
// hashed again.
func (ks *Keyspace) KeyHash(key []byte) uint64 { return ks.hash(key) }

// touch records an access to a live entry: the LRU clock, or under an LFU
// policy the access counter.
func (db *DB) touch(e *ent) { e.lru = db.ks.accessed(e.lru) }

// Touch records an access to key, as TOUCH does, and reports whether the key
// exists.
func (db *DB) Touch(key []byte) bool {
	t, id, _ := db.lookup(key)
	if id >= 0 {
		db.touch(&t.ents[id])
	}
	return id >= 0
}

// IdleTime returns the seconds since key was last read or written, as
// OBJECT IDLETIME reports it, without counting as an access.
func (db *DB) IdleTime(key []byte) (seconds int64, exists bool) {
	t, id, _ := db.lookup(key)
	if id < 0 {
		return 0, false
	}
	// The difference is taken modulo 2^32 and read as signed, so that an
	// access time set in the past by SetIdleTime (before the clock's epoch)
	// still gives the right idle time.
	return max(int64(int32(db.ks.lruNow()-t.ents[id].lru)), 0) * lruResolution / 1000, true
}

// SetIdleTime makes key look last accessed the given number of seconds ago,
// as RESTORE ... IDLETIME and loading an RDB file's LRU information do, and
// reports whether the key exists. Under an LFU policy, which tracks no
// access time, it does nothing, as in Redis.
func (db *DB) SetIdleTime(key []byte, seconds int64) bool {
	t, id, _ := db.lookup(key)
	if id < 0 {
		return false
	}
	if db.ks.EvictionPolicy().LFU() {
		return true
	}
	units := min(max(seconds, 0), (1<<31-1)/(1000/lruResolution)) * (1000 / lruResolution)
	t.ents[id].lru = db.ks.lruNow() - uint32(units)
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
func (ks *Keyspace) SlotOf(key []byte) int { return int(ks.hash(key) % NumSlots) }

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

// now is the time the keys of table t expire against: the clock, or the
// time a script running on the slot froze it at (LockSet.FreezeClock).
func (db *DB) now(t *table) int64 {
	if f := t.frozen; f != 0 {
		return f
	}
	return db.ks.Now()
}

// freezeSlot sets slot i's frozen time in every database (0 thaws it).
func (ks *Keyspace) freezeSlot(i int, now int64) {
	for _, db := range ks.dbs {
		db.slots[i].frozen = now
	}
}

// tableFor returns the table of key's slot and key's hash.
func (db *DB) tableFor(key []byte) (*table, uint64) {
	h := db.ks.hash(key)
	if db.ks.check.on {
		db.ks.checkKey(int(h%NumSlots), key)
	}
	return &db.slots[h%NumSlots], h
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
func (db *DB) lookupWrite(key []byte) (*table, int32, uint64) {
	if db.ks.replica.Load() && !db.ks.obeying.Load() || db.ks.expiryPaused.Load() {
		t, h := db.tableFor(key)
		if id := t.find(key, h); id >= 0 {
			if e := &t.ents[id]; e.volatile() && t.vol[uint32(id)] <= db.now(t) {
				db.remove(t, id, h)
				return t, -1, h
			}
		}
	}
	return db.lookup(key)
}

// holder returns the client whose command holds the slot of the key hashed
// to h, if it is recorded (holders): the caller holds that slot.
func (ks *Keyspace) holder(h uint64) *Client {
	if c := ks.holders[h%NumSlots]; c != nil {
		return c
	}
	return ks.allHolder
}

// PauseExpiry stops (or restarts) the deletion of expired keys while
// clients are paused (CLIENT PAUSE), as Redis 7.0 does: an expired key reads
// as missing but is neither deleted nor counted, nor propagated, until the
// pause ends. The host also skips active expiry meanwhile.
func (ks *Keyspace) PauseExpiry(on bool) { ks.expiryPaused.Store(on) }

// lookup returns the table of key's slot and the live entry of key (-1:
// none), removing the key if it has expired, and key's hash.
func (db *DB) lookup(key []byte) (*table, int32, uint64) {
	t, h := db.tableFor(key)
	id := t.find(key, h)
	if id < 0 {
		return t, -1, h
	}
	t.hot, t.hotTag = id+1, tagOf(h)
	if e := &t.ents[id]; e.volatile() && t.vol[uint32(id)] <= db.now(t) {
		if db.ks.replica.Load() {
			// A replica keeps the key for its master to delete
			// (replica.go).
			if db.ks.obeying.Load() {
				return t, id, h
			}
			return t, -1, h
		}
		if db.ks.expiryPaused.Load() {
			// Clients are paused (PauseExpiry): the key is gone for
			// readers but stays until the pause ends, as in Redis.
			return t, -1, h
		}
		k := t.key(e)
		db.countLazyExpired(t, id)
		db.remove(t, id, h)
		db.ks.ExpiredKeys.Add(1)
		db.propagateExpired(int(h%NumSlots), k, true)
		db.expired(k, db.ks.holder(h))
		if db.ks.Watching() {
			db.ks.touchRemoved(int(h%NumSlots), db.index, k)
		}
		return t, -1, h
	}
	return t, id, h
}

func (db *DB) remove(t *table, id int32, h uint64) {
	e := &t.ents[id]
	if t.cut != nil {
		db.keep(t, keyBytes(t.key(e)))
		e = &t.ents[id]
	}
	db.broadcastString(t.key(e))
	if e.volatile() {
		db.volatile.Add(-1)
	}
	db.account(-int64(e.size))
	t.remove(id, h)
	db.keys.Add(-1)
}

// Get returns the value of key, or nil when the key does not exist. An
// expired key is removed and reported missing. A small string stored with
// SetString comes back as a new *String over the stored bytes, which the
// caller must not change (GetForWrite returns one it may change).
func (db *DB) Get(key []byte) Value {
	t, id, h := db.lookup(key)
	if id < 0 {
		db.ks.KeyspaceMisses.Add(1)
		db.ks.notify(db.index, NotifyKeyMiss, "keymiss", key, db.ks.holder(h))
		return nil
	}
	db.ks.KeyspaceHits.Add(1)
	e := &t.ents[id]
	db.touch(e)
	if e.obj != 0 {
		// A value object read may still be changed in place by a
		// command that should have asked GetForWrite.
		t.lend(id)
	} else {
		e.share() // the caller may keep the String
	}
	return t.value(e)
}

// GetBytes returns the bytes of the string at key, as Get would find it,
// without building a value: nil and false when the key does not exist,
// ErrWrongType when it holds another type. The bytes are valid until the
// caller releases the key's lock and must not be changed.
func (db *DB) GetBytes(key []byte) ([]byte, bool, error) {
	t, id, h := db.lookup(key)
	if id < 0 {
		db.ks.KeyspaceMisses.Add(1)
		db.ks.notify(db.index, NotifyKeyMiss, "keymiss", key, db.ks.holder(h))
		return nil, false, nil
	}
	e := &t.ents[id]
	db.ks.KeyspaceHits.Add(1)
	db.touch(e)
	if e.obj == 0 {
		e.share()
		return t.inline(e), true, nil
	}
	if s, ok := t.object(e).(*String); ok {
		return s.B, true, nil
	}
	return nil, false, ErrWrongType
}

// GetForWrite returns the value of key like Get, for a command about to
// change it: as Redis's lookupKeyWrite, it records the access but does not
// count a keyspace hit or miss. A string held inline becomes a *String of
// its own, which the caller may change in place.
func (db *DB) GetForWrite(key []byte) Value {
	t, id, _ := db.lookupWrite(key)
	if id < 0 {
		return nil
	}
	db.keep(t, key)
	db.markWrite(key)
	e := &t.ents[id]
	db.touch(e)
	if e.obj == 0 {
		t.setObject(e, &String{B: append([]byte(nil), t.inline(e)...)})
		t.dropInline(e)
	}
	t.lend(id)
	return t.object(e)
}

// StringWrite is a string found for a change by GetStringForWrite.
type StringWrite struct {
	// Found reports whether the key exists.
	Found bool
	// Bytes are the string's bytes: valid until the caller releases the
	// key's lock or calls Replace, and not to be changed unless Object
	// holds them.
	Bytes []byte
	// Object is the string when it is an object of its own, which the
	// caller may change in place; nil for a string held inline.
	Object *String

	db  *DB
	t   *table
	id  int32
	key []byte
}

// GetStringForWrite is GetForWrite for a command that replaces a string
// with one it computes from the old (INCR): it does not move a string held
// inline into an object of its own, and StringWrite.Replace stores the new
// value without finding the key again. A key holding another type gives
// ErrWrongType.
func (db *DB) GetStringForWrite(key []byte) (StringWrite, error) {
	t, id, _ := db.lookupWrite(key)
	if id < 0 {
		return StringWrite{db: db, key: key, id: -1}, nil
	}
	db.keep(t, key)
	db.markWrite(key)
	e := &t.ents[id]
	db.touch(e)
	w := StringWrite{Found: true, db: db, t: t, id: id, key: key}
	if e.obj == 0 {
		w.Bytes = t.inline(e)
		return w, nil
	}
	s, ok := t.object(e).(*String)
	if !ok {
		return StringWrite{}, ErrWrongType
	}
	t.lend(id)
	w.Bytes, w.Object = s.B, s
	return w, nil
}

// Replace stores val (copied) as the string's new value, as SetString
// does, keeping the key's expiry; a key that was not found is created
// without one. Nothing else may change the keyspace between
// GetStringForWrite and Replace.
func (w *StringWrite) Replace(val []byte) {
	if !w.Found || len(val) > inlineMax {
		w.db.SetString(w.key, val, 0, w.Found)
		return
	}
	// What store does for an existing key keeping its expiry, less the
	// lookup: the access was recorded when the key was found, which is
	// what an overwrite keeps (LFU) or sets again (LRU).
	t, e := w.t, &w.t.ents[w.id]
	if w.db.ks.cuts.Load() == 0 && t.overwrite(e, val) {
		// As long as the old value: its place and cost stay.
		w.db.broadcastString(t.key(e))
		return
	}
	size := inlineCost(w.key, val)
	w.db.account(int64(size) - int64(e.size))
	e.size = size
	w.db.broadcastString(t.key(e))
	t.setObject(e, nil)
	t.setKV(e, w.key, val, true)
}

// Peek returns the value of key like Get but without touching statistics or
// removing an expired key, so that it is safe under a shared lock.
func (db *DB) Peek(key []byte) Value {
	t, h := db.tableFor(key)
	id := t.find(key, h)
	if id < 0 {
		return nil
	}
	e := &t.ents[id]
	if db.ks.gone(t.expOf(e, id), db.now(t)) {
		return nil
	}
	if e.obj == 0 {
		// Under a shared lock share may not mark the entry: a copy.
		return &String{B: t.inlineCopy(e)}
	}
	return t.value(e)
}

// PeekStored returns the value stored under key even when its expiry has
// passed and it awaits deletion, without touching statistics: DEBUG OBJECT
// describes what is stored, as Redis's does.
func (db *DB) PeekStored(key []byte) Value {
	t, h := db.tableFor(key)
	id := t.find(key, h)
	if id < 0 {
		return nil
	}
	if e := &t.ents[id]; e.obj == 0 {
		return &String{B: t.inlineCopy(e)}
	}
	return t.value(&t.ents[id])
}

// ValueAddress returns an identity of the value stored under key (0 when
// there is none), for DEBUG OBJECT's "at:" field, which Redis fills with
// the value's address: the object's address, or for a small string held
// inline beside its key, the key's entry. Like Redis's, it stays while the
// value is changed in place (INCR) and may change when it is replaced or
// the table grows.
func (db *DB) ValueAddress(key []byte) uintptr {
	t, h := db.tableFor(key)
	id := t.find(key, h)
	if id < 0 {
		return 0
	}
	e := &t.ents[id]
	if v := t.object(e); v != nil {
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
			return rv.Pointer()
		}
	}
	return uintptr(unsafe.Pointer(e))
}

// Exists reports whether key exists.
func (db *DB) Exists(key []byte) bool {
	_, id, _ := db.lookup(key)
	return id >= 0
}

// Set stores v under key and clears any expiry, as SET does.
func (db *DB) Set(key []byte, v Value) { db.SetWithExpiry(key, v, 0) }

// SetWithExpiry stores v under key with an absolute expiry in unix
// milliseconds (0: none). The keyspace keeps v itself, so the caller may go
// on changing it.
func (db *DB) SetWithExpiry(key []byte, v Value, expireAt int64) {
	db.store(key, v, nil, expireAt, false)
}

// SetKeepTTL stores v under key keeping its expiry, as SET KEEPTTL does.
func (db *DB) SetKeepTTL(key []byte, v Value) { db.store(key, v, nil, 0, true) }

// inlineMax is the longest string value SetString holds inline, after the
// key, rather than as a *String of its own.
const inlineMax = 64

// SetString stores a string value under key, as SET does, with an absolute
// expiry in unix milliseconds (0: none; keepTTL keeps the key's). It copies
// val, so the caller may reuse it. A small value is held with the key in one
// allocation, without an object of its own: the way for commands that make
// a new string from their arguments (SET, MSET, GETSET, ...) to store it.
func (db *DB) SetString(key, val []byte, expireAt int64, keepTTL bool) {
	if len(val) > inlineMax {
		db.store(key, &String{B: append([]byte(nil), val...)}, nil, expireAt, keepTTL)
		return
	}
	if val == nil {
		val = []byte{}
	}
	db.store(key, nil, val, expireAt, keepTTL)
}

// Adopt stores v under key like SetWithExpiry, for a caller that keeps no
// reference to v (a value just decoded from a snapshot or a RESTORE
// payload): a small string is then held inline, as SetString holds it.
func (db *DB) Adopt(key []byte, v Value, expireAt int64) {
	if s, ok := v.(*String); ok && s.plain() && len(s.B) <= inlineMax {
		db.SetString(key, s.B, expireAt, false)
		return
	}
	db.SetWithExpiry(key, v, expireAt)
}

// store sets key to the object v or, when v is nil, to the inline string
// val.
func (db *DB) store(key []byte, v Value, val []byte, expireAt int64, keepTTL bool) {
	// lookup removes an expired key first, announcing "expired" as Redis's
	// lookupKeyWrite does before an overwrite.
	db.markWrite(key)
	t, id, h := db.lookupWrite(key)
	db.keep(t, key)
	if keepTTL && id < 0 {
		keepTTL = false
	}
	lru := db.ks.newAccess()
	var size uint32
	if v == nil {
		size = inlineCost(key, val)
	} else {
		size = entryCost(key, v)
	}
	if id >= 0 {
		e := &t.ents[id]
		if db.ks.EvictionPolicy().LFU() {
			lru = e.lru // an overwrite keeps the access counter, as in Redis
		}
		db.account(int64(size) - int64(e.size))
		e.size = size
		if old := t.object(e); old == nil || old != v {
			db.broadcastString(t.key(e))
			if old != nil && db.ks.lazyOverwr.Load() {
				db.ks.CountLazyFree(old)
			}
		}
		if !keepTTL {
			if e.volatile() && expireAt == 0 {
				db.volatile.Add(-1)
			} else if !e.volatile() && expireAt != 0 {
				db.volatile.Add(1)
			}
			t.setExp(id, expireAt)
		}
		e.lru = lru
		t.setObject(e, v)
		if v == nil {
			if db.ks.cuts.Load() != 0 || !t.overwrite(e, val) {
				t.setKV(e, key, val, true)
			}
		} else {
			t.dropInline(e)
			t.lend(id) // the command may go on changing the value it stored
		}
		return
	}
	db.account(int64(size))
	if v != nil {
		val = nil
	}
	id = t.insert(h, ent{lru: lru, size: size}, key, val, v)
	if v != nil {
		// A command that stores a new value object often fills it after
		// (SADD, LPUSH, HSET on a new key): its cost is settled after the
		// command, as for a value taken with GetForWrite.
		t.lend(id)
	}
	db.keys.Add(1)
	if expireAt != 0 {
		t.setExp(id, expireAt)
		db.volatile.Add(1)
	}
	db.ks.notify(db.index, NotifyNew, "new", key, db.ks.holder(h))
}

// Delete removes key and reports whether it existed.
func (db *DB) Delete(key []byte) bool {
	t, id, h := db.lookupWrite(key)
	if id < 0 {
		return false
	}
	db.markWrite(key)
	db.remove(t, id, h)
	return true
}

// Remove removes key like Delete and returns the value it held, nil when
// the key did not exist.
func (db *DB) Remove(key []byte) Value {
	t, id, h := db.lookup(key)
	if id < 0 {
		return nil
	}
	db.markWrite(key)
	v := t.value(&t.ents[id])
	db.remove(t, id, h)
	return v
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

// countLazyExpired counts an expired entry about to be removed in
// LazyFreed when lazyfree-lazy-expire frees it lazily.
func (db *DB) countLazyExpired(t *table, id int32) {
	if db.ks.expireUnlink.Load() {
		db.ks.CountLazyFree(t.value(&t.ents[id]))
	}
}

// Expiry returns the absolute expiry of key in unix milliseconds (0: none)
// and whether the key exists.
func (db *DB) Expiry(key []byte) (expireAt int64, exists bool) {
	t, id, _ := db.lookup(key)
	if id < 0 {
		return 0, false
	}
	return t.exp(id), true
}

// SetExpiry sets the absolute expiry of an existing key (0 removes it) and
// reports whether the key exists. An expiry not in the future deletes the
// key, as Redis does.
func (db *DB) SetExpiry(key []byte, expireAt int64) bool {
	t, id, h := db.lookupWrite(key)
	if id < 0 {
		return false
	}
	db.markWrite(key)
	db.keep(t, key)
	if expireAt != 0 && expireAt <= db.now(t) {
		db.remove(t, id, h)
		return true
	}
	e := &t.ents[id]
	if !e.volatile() && expireAt != 0 {
		db.volatile.Add(1)
	} else if e.volatile() && expireAt == 0 {
		db.volatile.Add(-1)
	}
	t.setExp(id, expireAt)
	return true
}

// Len returns the number of keys, counting expired keys not yet removed as
// Redis's DBSIZE does. It needs no lock.
func (db *DB) Len() int { return int(db.keys.Load()) }

// VolatileLen returns the number of keys with an expiry. It needs no lock.
func (db *DB) VolatileLen() int { return int(db.volatile.Load()) }

// Range calls fn for every live key until fn returns false. The caller holds
// every slot, shared at least; fn must not change the database. The bytes
// of a small string handed to fn are valid while the caller holds the
// locks: a later write may overwrite them in place (Get's are not).
func (db *DB) Range(fn func(key string, v Value, expireAt int64) bool) {
	for i := range db.slots {
		if !db.rangeSlot(i, fn) {
			return
		}
	}
}

// RangeSlot calls fn for every live key in one slot, for commands such as
// SCAN that walk the keyspace a slot at a time, with Range's rules.
func (db *DB) RangeSlot(slot int, fn func(key string, v Value, expireAt int64) bool) {
	db.rangeSlot(slot, fn)
}

func (db *DB) rangeSlot(slot int, fn func(key string, v Value, expireAt int64) bool) bool {
	now := db.ks.Now()
	t := &db.slots[slot]
	for i := range t.ents {
		e := &t.ents[i]
		if e.klen == freeEnt {
			continue
		}
		exp := t.expOf(e, int32(i))
		if db.ks.gone(exp, now) {
			continue
		}
		if !fn(t.key(e), t.value(e), exp) {
			return false
		}
	}
	return true
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
	seed := maphash.Comparable(db.ks.seed, time.Now().UnixNano())
	start := int(seed % NumSlots)
	now := db.ks.Now()
	for i := 0; i < NumSlots; i++ {
		t := &db.slots[(start+i)%NumSlots]
		if t.n == 0 {
			continue
		}
		// Start at a random entry of the slot, so that every key can come
		// up.
		first := int(seed>>8) % len(t.ents)
		for j := range t.ents {
			id := int32((first + j) % len(t.ents))
			e := &t.ents[id]
			if e.klen == freeEnt {
				continue
			}
			if db.ks.gone(t.expOf(e, id), now) {
				// A replica leaves them to its master (replica.go).
				if len(expired) < max && !db.ks.replica.Load() {
					expired = append(expired, t.key(e))
				}
				continue
			}
			return t.key(e), true, expired
		}
	}
	return "", false, expired
}

// ExpiredIn appends to dst the keys of one slot whose time to live has
// passed; the caller holds the slot, shared or not.
func (db *DB) ExpiredIn(slot int, dst []string) []string {
	t := &db.slots[slot]
	if len(t.vol) == 0 || db.ks.replica.Load() {
		return dst
	}
	now := db.ks.Now()
	for id, exp := range t.vol {
		if exp <= now {
			dst = append(dst, t.key(&t.ents[id]))
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
		h := db.ks.hash(keyBytes(k))
		i := int(h % NumSlots)
		db.ks.locks[i].Lock()
		t := &db.slots[i]
		if id := t.findString(k, h); id >= 0 {
			if exp := t.exp(id); exp != 0 && exp <= db.ks.Now() {
				db.expireEntry(i, t, id, h)
				db.ks.ExpiredKeys.Add(1)
				removed++
			}
		}
		db.ks.locks[i].Unlock()
	}
	return removed
}

// expireEntry removes an expired key found outside a command, whose slot
// the caller holds exclusively.
func (db *DB) expireEntry(slot int, t *table, id int32, h uint64) {
	k := t.key(&t.ents[id])
	db.countLazyExpired(t, id)
	db.remove(t, id, h)
	db.propagateExpired(slot, k, false)
	db.expired(k, nil)
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
		db.slots[i] = table{}
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

// entryAt returns the stored entry of key in slot i, expired or not, or
// nil, and its expiry (0: none).
func (db *DB) entryAt(i int, key string) (*ent, int64) {
	t := &db.slots[i]
	id := t.findString(key, db.ks.hash(unsafe.Slice(unsafe.StringData(key), len(key))))
	if id < 0 {
		return nil, 0
	}
	return &t.ents[id], t.exp(id)
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
			t := &db.slots[i]
			for len(t.vol) > 0 {
				now := ks.Now()
				checked := 0
				var expired [sample]string
				n := 0
				for id, exp := range t.vol {
					if checked == sample {
						break
					}
					checked++
					if exp > now {
						ttlSum += exp - now
						ttlN++
					} else {
						expired[n] = t.key(&t.ents[id])
						n++
					}
				}
				// Remove the sampled keys after the walk of t.vol, by key:
				// a removal may compact the table, which renumbers entries.
				for _, k := range expired[:n] {
					h := ks.hash(unsafe.Slice(unsafe.StringData(k), len(k)))
					if id := t.findString(k, h); id >= 0 {
						db.countLazyExpired(t, id)
						db.remove(t, id, h)
					}
					db.propagateExpired(i, k, false)
					db.expired(k, nil)
					if ks.Watching() {
						ks.touchRemoved(i, db.index, k)
					}
				}
				removed += n
				ks.ExpiredKeys.Add(int64(n))
				// Like Redis: keep going on this slot only while more than a
				// tenth of the sample was expired.
				if n*10 <= checked || time.Now().After(deadline) {
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
