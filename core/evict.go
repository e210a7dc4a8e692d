package core

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Memory accounting and eviction (maxmemory), as Redis 7.0 does them.
//
// The keyspace keeps an estimate of the bytes its data occupies: every entry
// records its cost (the key, the map slot it sits in and EstimateMemory of
// its value) when it is stored, the host re-measures the keys of each write
// command after it ran (Keyspace.SettleMemory), so that values changed in
// place are counted, and a removal subtracts what the entry recorded. The
// sum is exact with respect to those costs and needs no walk of the data; it
// moves only when data does, unlike the Go heap, which also holds garbage
// until the collector runs. The host adds the clients' buffers and compares
// the total with maxmemory before each command; when it is over, Evict
// removes keys chosen by the policy, as Redis's performEvictions does.

// EvictionPolicy is the maxmemory-policy: which keys Evict removes.
type EvictionPolicy uint32

// The policies of maxmemory-policy.
const (
	// PolicyNoEviction removes nothing: denyoom commands fail with ErrOOM.
	PolicyNoEviction EvictionPolicy = iota
	// PolicyAllKeysLRU removes the least recently used keys.
	PolicyAllKeysLRU
	// PolicyVolatileLRU removes the least recently used keys with an expiry.
	PolicyVolatileLRU
	// PolicyAllKeysLFU removes the least frequently used keys.
	PolicyAllKeysLFU
	// PolicyVolatileLFU removes the least frequently used keys with an expiry.
	PolicyVolatileLFU
	// PolicyAllKeysRandom removes random keys.
	PolicyAllKeysRandom
	// PolicyVolatileRandom removes random keys with an expiry.
	PolicyVolatileRandom
	// PolicyVolatileTTL removes the keys with an expiry nearest in time.
	PolicyVolatileTTL
)

var policyNames = [...]string{"noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu", "allkeys-random", "volatile-random", "volatile-ttl"}

// String returns the policy's configuration name ("allkeys-lru").
func (p EvictionPolicy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return "noeviction"
}

// ParseEvictionPolicy parses a maxmemory-policy name, in any case.
func ParseEvictionPolicy(s string) (EvictionPolicy, bool) {
	for i, n := range policyNames {
		if EqualFold([]byte(s), n) {
			return EvictionPolicy(i), true
		}
	}
	return 0, false
}

// LFU reports whether the policy tracks access frequency (OBJECT FREQ)
// instead of access time (OBJECT IDLETIME).
func (p EvictionPolicy) LFU() bool { return p == PolicyAllKeysLFU || p == PolicyVolatileLFU }

func (p EvictionPolicy) volatileOnly() bool {
	return p == PolicyVolatileLRU || p == PolicyVolatileLFU || p == PolicyVolatileRandom || p == PolicyVolatileTTL
}

// ErrOOM is the refusal of a denyoom command while used memory is over
// maxmemory and eviction cannot bring it under.
var ErrOOM = NewError("OOM command not allowed when used memory > 'maxmemory'.")

// lfuInitVal is the access counter of a new key under an LFU policy, so that
// new keys are not evicted before they had a chance to be used.
const lfuInitVal = 5

// memory is the keyspace's part of maxmemory.
type memory struct {
	policy    atomic.Uint32
	logFactor atomic.Int32
	decayTime atomic.Int32
	samples   atomic.Int32
	limit     atomic.Int64

	mu   sync.Mutex // one eviction at a time; guards pool and runner
	pool []evictCandidate
	// runner is the client whose command the running eviction makes room
	// for (EvictFor): its own "evicted" events and invalidations reach it
	// in line, before its reply, as in Redis.
	runner *Client

	// EvictedKeys counts keys removed by eviction (INFO evicted_keys).
	evicted atomic.Int64
}

type evictCandidate struct {
	score uint64 // higher is evicted first
	atime uint32 // the entry's access field when sampled
	exp   int64  // its expiry
	db    int
	key   string
}

// evictionPoolSize is how many of the best candidates sampled so far are
// kept between evictions, as Redis's EVPOOL_SIZE.
const evictionPoolSize = 16

// SetEvictionPolicy sets maxmemory-policy.
func (ks *Keyspace) SetEvictionPolicy(p EvictionPolicy) { ks.mem.policy.Store(uint32(p)) }

// SetMaxMemory records maxmemory (0: none), which the keyspace itself only
// reports (MaxMemory); the host enforces it.
func (ks *Keyspace) SetMaxMemory(n int64) { ks.mem.limit.Store(n) }

// MaxMemory returns what SetMaxMemory recorded.
func (ks *Keyspace) MaxMemory() int64 { return ks.mem.limit.Load() }

// SharesIntegers reports whether Redis would use its shared small-integer
// objects for new values: not when maxmemory is set with an LRU or LFU
// policy, which needs an access field per value.
func (ks *Keyspace) SharesIntegers() bool {
	switch ks.EvictionPolicy() {
	case PolicyAllKeysLRU, PolicyVolatileLRU, PolicyAllKeysLFU, PolicyVolatileLFU:
		return ks.MaxMemory() == 0
	}
	return true
}

// EvictionPolicy returns maxmemory-policy.
func (ks *Keyspace) EvictionPolicy() EvictionPolicy { return EvictionPolicy(ks.mem.policy.Load()) }

// SetLFUParams sets lfu-log-factor and lfu-decay-time (minutes).
func (ks *Keyspace) SetLFUParams(logFactor, decayTime int) {
	ks.mem.logFactor.Store(int32(logFactor))
	ks.mem.decayTime.Store(int32(decayTime))
}

// SetEvictionSamples sets maxmemory-samples, the keys sampled per round.
func (ks *Keyspace) SetEvictionSamples(n int) { ks.mem.samples.Store(int32(n)) }

// EvictedKeys returns the number of keys evicted (INFO evicted_keys).
func (ks *Keyspace) EvictedKeys() int64 { return ks.mem.evicted.Load() }

// ResetEvictedKeys zeroes EvictedKeys (CONFIG RESETSTAT).
func (ks *Keyspace) ResetEvictedKeys() { ks.mem.evicted.Store(0) }

// UsedMemory returns the estimated bytes of every database's data.
func (ks *Keyspace) UsedMemory() int64 {
	var n int64
	for _, db := range ks.dbs {
		n += db.mem.Load()
	}
	return n
}

// MemoryEstimator is implemented by values whose MemoryUsage walks every
// element: EstimateMemory returns about the same figure in constant time (a
// few elements sampled and scaled by the count, as Redis's MEMORY USAGE
// does), for the keyspace's running total, which re-measures a value after
// each command that writes it.
type MemoryEstimator interface {
	EstimateMemory() int
}

// EstimateMemory returns v's EstimateMemory when it has one, else its
// MemoryUsage.
func EstimateMemory(v Value) int {
	if e, ok := v.(MemoryEstimator); ok {
		return e.EstimateMemory()
	}
	return v.MemoryUsage()
}

// EntryOverhead is what a key costs besides its value and its name's bytes:
// its 28-byte entry with the slice's spare room, its index word at the
// table's average load and its share of the arena's dead bytes (table.go,
// arena.go).
const EntryOverhead = 48

// entryCost is what the keyspace counts for key holding v.
func entryCost(key []byte, v Value) uint32 {
	n := EntryOverhead + (len(key)+7)&^7 + EstimateMemory(v)
	return uint32(min(int64(n), math.MaxUint32))
}

// EntryCost returns what the keyspace counts for key holding v, for MEMORY
// USAGE: the value's full MemoryUsage plus the key and its entry.
func EntryCost(key []byte, v Value) int {
	return EntryOverhead + (len(key)+7)&^7 + v.MemoryUsage()
}

// inlineCost is what the keyspace counts for key holding the inline string
// val: the entry and one allocation of both.
func inlineCost(key, val []byte) uint32 {
	return uint32(min(int64(EntryOverhead+(len(key)+len(val)+7)&^7), math.MaxUint32))
}

// cost is what entry e of t counts now.
func (t *table) cost(e *ent) uint32 {
	if e.obj == 0 {
		return uint32(min(int64(EntryOverhead+(e.keyLen()+e.valLen()+7)&^7), math.MaxUint32))
	}
	// Only the key's length counts: its bytes are not read.
	n := EntryOverhead + (e.keyLen()+7)&^7 + EstimateMemory(t.objs[e.obj-1])
	return uint32(min(int64(n), math.MaxUint32))
}

// account adds n bytes to the database's total.
func (db *DB) account(n int64) {
	if n != 0 {
		db.mem.Add(n)
	}
}

// SettleMemory re-measures keys of db after a write command changed them in
// place, so that the memory total follows values that grow or shrink
// without being stored again. The caller holds the keys' locks. The host
// calls it after every write command with the command's keys.
//
// A value changes in place only through an object the keyspace handed out
// (Get, GetForWrite, GetStringForWrite), and each table records the entry
// it lent since it was last settled (table.lent): that entry is
// re-measured without finding the key, and a table that lent none is left
// alone (SET and INCR store a value whose cost they know). A table that
// lent more than one, or renumbered its entries, has the command's keys in
// it found and re-measured.
func (ks *Keyspace) SettleMemory(db *DB, args [][]byte, keyIdx []int) {
	ks.SettleMemoryHashed(db, args, keyIdx, nil)
}

// SettleMemoryHashed is SettleMemory for a caller that hashed the keys
// already (KeyHash): hashes[j] is the hash of args[keyIdx[j]]. With nil
// hashes the keys are hashed here.
func (ks *Keyspace) SettleMemoryHashed(db *DB, args [][]byte, keyIdx []int, hashes []uint64) {
	if db == nil {
		return
	}
	many := false
	for j, i := range keyIdx {
		key := args[i]
		var t *table
		var h uint64
		if j < len(hashes) {
			h = hashes[j]
			t = &db.slots[h%NumSlots]
			if ks.check.on {
				ks.checkKey(int(h%NumSlots), key)
			}
		} else {
			t, h = db.tableFor(key)
		}
		if t.lentMany {
			many = true
			if id := t.find(key, h); id >= 0 {
				db.settle(t, id)
			}
			continue
		}
		if t.lent != 0 {
			// Any live entry may be re-measured: if the one lent was
			// removed and its number reused, the new one's cost is
			// recorded again.
			if id := int32(t.lent - 1); int(id) < len(t.ents) && t.ents[id].klen != freeEnt {
				db.settle(t, id)
			}
			t.lent = 0
		}
	}
	if many {
		// Every key of the tables that lent many is measured: they start
		// again.
		for j, i := range keyIdx {
			var t *table
			if j < len(hashes) {
				t = &db.slots[hashes[j]%NumSlots]
			} else {
				t, _ = db.tableFor(args[i])
			}
			t.lent, t.lentMany = 0, false
		}
	}
}

// settle records the cost of entry id of t as it is now.
func (db *DB) settle(t *table, id int32) {
	e := &t.ents[id]
	if c := t.cost(e); c != e.size {
		db.account(int64(c) - int64(e.size))
		e.size = c
	}
}

// RecountMemory measures every key of every database again, taking one
// slot lock at a time, and corrects the totals: for values changed outside
// commands. The host calls it when maxmemory is first set.
func (ks *Keyspace) RecountMemory() {
	for _, db := range ks.dbs {
		for i := range db.slots {
			ks.locks[i].Lock()
			t := &db.slots[i]
			var delta int64
			for j := range t.ents {
				e := &t.ents[j]
				if e.klen == freeEnt {
					continue
				}
				if c := t.cost(e); c != e.size {
					delta += int64(c) - int64(e.size)
					e.size = c
				}
			}
			db.account(delta)
			ks.locks[i].Unlock()
		}
	}
}

// LFU access counter, packed in an entry's atime as Redis packs it in an
// object's lru field: the minutes clock of the last decrement in the high
// 16 bits, a logarithmic counter in the low 8.

func lfuMinutes(nowMs int64) uint32 { return uint32(nowMs/60000) & 0xffff }

// lfuDecr returns the counter of a packed LFU field, decayed by the periods
// of lfu-decay-time that passed since its last decrement.
func (ks *Keyspace) lfuDecr(field uint32) uint32 {
	ldt, counter := field>>8&0xffff, field&0xff
	now := lfuMinutes(ks.Now())
	var elapsed uint32
	if now >= ldt {
		elapsed = now - ldt
	} else {
		elapsed = 65535 - ldt + now
	}
	if d := uint32(max(ks.mem.decayTime.Load(), 0)); d > 0 {
		periods := elapsed / d
		if periods > counter {
			return 0
		}
		return counter - periods
	}
	return counter
}

// lfuIncr increments a counter logarithmically: the higher it is, the less
// likely an access increments it (lfu-log-factor).
func (ks *Keyspace) lfuIncr(counter uint32) uint32 {
	if counter == 255 {
		return 255
	}
	base := float64(counter) - lfuInitVal
	if base < 0 {
		base = 0
	}
	if rand.Float64() < 1/(base*float64(ks.mem.logFactor.Load())+1) {
		counter++
	}
	return counter
}

// newAccess returns the access field of a new key: the LRU clock, or under
// an LFU policy the initial counter.
func (ks *Keyspace) newAccess() uint32 {
	if ks.EvictionPolicy().LFU() {
		return lfuMinutes(ks.Now())<<8 | lfuInitVal
	}
	return ks.lruNow()
}

// accessed returns the access field after one more access.
func (ks *Keyspace) accessed(field uint32) uint32 {
	if ks.EvictionPolicy().LFU() {
		return lfuMinutes(ks.Now())<<8 | ks.lfuIncr(ks.lfuDecr(field))
	}
	return ks.lruNow()
}

// Freq returns the access frequency counter of key, as OBJECT FREQ reports
// it under an LFU policy, without counting as an access.
func (db *DB) Freq(key []byte) (freq int64, exists bool) {
	t, id, _ := db.lookup(key)
	if id < 0 {
		return 0, false
	}
	return int64(db.ks.lfuDecr(t.ents[id].lru)), true
}

// SetFreq sets the access frequency counter of key (0-255), as RESTORE ...
// FREQ and loading an RDB file's LFU information do, and reports whether the
// key exists. Outside LFU policies it does nothing, as in Redis.
func (db *DB) SetFreq(key []byte, freq int64) bool {
	t, id, _ := db.lookup(key)
	if id < 0 {
		return false
	}
	if db.ks.EvictionPolicy().LFU() {
		t.ents[id].lru = lfuMinutes(db.ks.Now())<<8 | uint32(min(max(freq, 0), 255))
	}
	return true
}

// EvictResult says how Evict ended.
type EvictResult int

const (
	// EvictOK: used memory is under the limit.
	EvictOK EvictResult = iota
	// EvictRunning: the time budget ran out with memory still over the
	// limit; the caller lets the command run and evicts more later.
	EvictRunning
	// EvictFail: nothing more can be evicted (noeviction, or no candidate
	// key) and memory is over the limit.
	EvictFail
)

// Evict removes keys chosen by the eviction policy while over reports a
// positive number of bytes over the limit, until the time budget passed or
// no key qualifies. It takes each victim's slot lock itself, so the caller
// must hold none; one eviction runs at a time. Each evicted key is announced
// ("evicted" keyspace event, modified for WATCH and client-side caching) and
// counted in EvictedKeys. It returns how it ended and the keys it evicted.
func (ks *Keyspace) Evict(over func() int64, budget time.Duration) (res EvictResult, evicted int) {
	return ks.EvictFor(nil, over, budget)
}

// EvictFor is Evict on the goroutine of client cl, before its command runs:
// the evicted keys' events and invalidations that are cl's own reach it in
// line with its replies.
func (ks *Keyspace) EvictFor(cl *Client, over func() int64, budget time.Duration) (res EvictResult, evicted int) {
	policy := ks.EvictionPolicy()
	if over() <= 0 {
		return EvictOK, 0
	}
	if policy == PolicyNoEviction {
		return EvictFail, 0
	}
	ks.mem.mu.Lock()
	defer ks.mem.mu.Unlock()
	if cl != nil {
		ks.mem.runner = cl
		defer func() { ks.mem.runner = nil }()
	}
	start := time.Now()
	for over() > 0 {
		db, key, ok := ks.pickVictim(policy)
		if !ok {
			return EvictFail, evicted
		}
		if ks.evictKey(db, key) {
			evicted++
		}
		if evicted%16 == 0 && time.Since(start) > budget && over() > 0 {
			return EvictRunning, evicted
		}
	}
	return EvictOK, evicted
}

// evictKey removes key from db if it still exists.
func (ks *Keyspace) evictKey(db *DB, key string) bool {
	i := ks.SlotOf([]byte(key))
	ks.locks[i].Lock()
	defer ks.locks[i].Unlock()
	t := &db.slots[i]
	h := ks.hash(keyBytes(key))
	id := t.find(keyBytes(key), h)
	if id < 0 {
		return false
	}
	if ks.evictUnlink.Load() {
		ks.CountLazyFree(t.value(&t.ents[id]))
	}
	db.remove(t, id, h)
	ks.mem.evicted.Add(1)
	// Replicas and the append-only file delete it too, while its lock is
	// held so the DEL takes its place in the stream's order.
	ks.Evicted(db.index, []byte(key))
	db.evicted(key, ks.mem.runner)
	if ks.Watching() {
		ks.touchRemoved(i, db.index, key)
	}
	return true
}

// evicted announces a key removed by eviction, made for the command of
// runner (nil: in the background).
func (db *DB) evicted(key string, runner *Client) {
	if len(db.ks.observerList()) == 0 {
		return
	}
	k := []byte(key)
	db.ks.notify(db.index, NotifyEvicted, "evicted", k, runner)
	db.ks.touched(db.index, k, nil, runner)
}

// pickVictim chooses the next key to evict.
func (ks *Keyspace) pickVictim(policy EvictionPolicy) (*DB, string, bool) {
	volatile := policy.volatileOnly()
	if policy == PolicyAllKeysRandom || policy == PolicyVolatileRandom {
		// Random: a random key of the next database that has candidates.
		start := rand.IntN(len(ks.dbs))
		for j := range ks.dbs {
			db := ks.dbs[(start+j)%len(ks.dbs)]
			if cands := ks.sample(db, volatile, 1, nil); len(cands) > 0 {
				return db, cands[0].key, true
			}
		}
		return nil, "", false
	}
	for {
		total := 0
		var buf [64]evictCandidate
		for _, db := range ks.dbs {
			var have int64
			if volatile {
				have = db.volatile.Load()
			} else {
				have = db.keys.Load()
			}
			if have == 0 {
				continue
			}
			total += int(have)
			samples := int(min(max(ks.mem.samples.Load(), 1), 64))
			for _, c := range ks.sample(db, volatile, samples, buf[:0]) {
				c.score = ks.score(policy, c)
				ks.poolInsert(c)
			}
		}
		if total == 0 {
			return nil, "", false
		}
		// The best candidate that still exists; stale ones are dropped.
		for len(ks.mem.pool) > 0 {
			c := ks.mem.pool[len(ks.mem.pool)-1]
			ks.mem.pool = ks.mem.pool[:len(ks.mem.pool)-1]
			db := ks.dbs[c.db]
			i := ks.SlotOf([]byte(c.key))
			ks.locks[i].RLock()
			e, exp := db.entryAt(i, c.key)
			exists := e != nil && (!volatile || exp != 0)
			ks.locks[i].RUnlock()
			if exists {
				return db, c.key, true
			}
		}
	}
}

// sample appends up to n keys of db (with an expiry when volatile), from
// consecutive entries of random slots, as Redis's dictGetSomeKeys takes
// them.
func (ks *Keyspace) sample(db *DB, volatile bool, n int, dst []evictCandidate) []evictCandidate {
	start := rand.IntN(NumSlots)
	got := 0
	for j := 0; j < NumSlots && got < n; j++ {
		i := (start + j) % NumSlots
		ks.locks[i].RLock()
		t := &db.slots[i]
		if volatile {
			for id, exp := range t.vol {
				if got == n {
					break
				}
				e := &t.ents[id]
				dst = append(dst, evictCandidate{atime: e.lru, exp: exp, db: db.index, key: t.key(e)})
				got++
			}
		} else if len(t.ents) > 0 {
			// Consecutive entries from a random place, as Redis's
			// dictGetSomeKeys takes them.
			first := rand.IntN(len(t.ents))
			for j := 0; j < len(t.ents) && got < n; j++ {
				id := int32((first + j) % len(t.ents))
				e := &t.ents[id]
				if e.klen == freeEnt {
					continue
				}
				dst = append(dst, evictCandidate{atime: e.lru, exp: t.expOf(e, id), db: db.index, key: t.key(e)})
				got++
			}
		}
		ks.locks[i].RUnlock()
		// Visiting many slots costs locks; a few give enough keys.
		if j >= 8 && got > 0 {
			break
		}
	}
	return dst
}

// score returns a sampled candidate's eviction score: higher is evicted
// first (Redis's idle time, 255 - frequency, or the inverse of the expiry).
func (ks *Keyspace) score(policy EvictionPolicy, c evictCandidate) uint64 {
	switch policy {
	case PolicyAllKeysLRU, PolicyVolatileLRU:
		return uint64(max(int32(ks.lruNow()-c.atime), 0))
	case PolicyAllKeysLFU, PolicyVolatileLFU:
		return uint64(255 - ks.lfuDecr(c.atime))
	case PolicyVolatileTTL:
		return math.MaxUint64 - uint64(c.exp)
	}
	return 0
}

// poolInsert keeps the evictionPoolSize best candidates, ascending by score.
func (ks *Keyspace) poolInsert(c evictCandidate) {
	p := ks.mem.pool
	for j, o := range p {
		if o.db == c.db && o.key == c.key {
			p = append(p[:j], p[j+1:]...)
			break
		}
	}
	at := len(p)
	for at > 0 && p[at-1].score > c.score {
		at--
	}
	if len(p) == evictionPoolSize {
		if at == 0 {
			ks.mem.pool = p
			return // worse than every pooled candidate
		}
		// Drop the worst to make room.
		copy(p, p[1:at])
		at--
		p[at] = c
		ks.mem.pool = p
		return
	}
	p = append(p, evictCandidate{})
	copy(p[at+1:], p[at:])
	p[at] = c
	ks.mem.pool = p
}

// OutOfMemory reports whether used memory was over maxmemory, with eviction
// unable to bring it under, when the client's command began (Redis's
// pre-command OOM state). A command that runs others, as a script does,
// refuses their denyoom commands with ErrOOM while it is true and it has
// written nothing yet.
func (c *Ctx) OutOfMemory() bool { return c.oom }

// SetOutOfMemory records the state OutOfMemory reports; the host sets it
// before each command.
func (c *Ctx) SetOutOfMemory(oom bool) { c.oom = oom }

// WriteRefusal returns the error the server gives writes when the client's
// command began (NOREPLICAS while min-replicas-to-write is not met), nil
// when it accepts them. A command that runs others, as a script does,
// refuses their writes with it, and a script that declares it writes is
// refused up front.
func (c *Ctx) WriteRefusal() error { return c.writeRefusal }

// SetWriteRefusal records what WriteRefusal reports; the host sets it
// before each command.
func (c *Ctx) SetWriteRefusal(err error) { c.writeRefusal = err }

// estimateSamples is how many elements SampleMemory averages, as Redis's
// MEMORY USAGE samples five by default (a few more here: the running total
// re-measures on every write).
const estimateSamples = 8

// SampleMemory estimates a collection for MemoryEstimator: base plus n times
// the average cost of the first elements each yields (it stops the
// iteration after a few).
func SampleMemory(base, n int, each func(yield func(cost int) bool)) int {
	got, sum := 0, 0
	each(func(cost int) bool {
		sum += cost
		got++
		return got < estimateSamples
	})
	if got == 0 {
		return base
	}
	return base + int(int64(sum)*int64(n)/int64(got))
}
