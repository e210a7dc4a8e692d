package core

import "unsafe"

// Looking a key up costs a few dependent memory loads: the index word,
// the entry, the key's bytes in the arena and, for a value that is an
// object, the object and its bytes. In a keyspace larger than the caches
// each of them misses, and the CPU waits for one before it can ask for the
// next: profiles of INCR over 100,000 keys showed half the server's time
// in those waits. A pipelined batch names its keys before it runs, so the
// host hands them to a Prefetch, which loads the same memory for all the
// keys at once, one step of the chain per pass: the loads of one pass do
// not depend on each other, so their misses overlap, and when the commands
// run their lookups find the memory in the cache.
//
// It is only a hint: it changes nothing and returns nothing. It reads a
// table only under its slot's shared lock, taken without waiting (a slot
// that a running command holds is skipped), so that it never reads a
// slice a writer is replacing and never delays a writer for long.

// PrefetchMinKeys is the size of database below which a Prefetch is not
// worth its cost: the keys' memory then stays in the caches anyway (a
// 1000-key keyspace spent 3-8% more server CPU per INCR with it, one of
// 100,000 keys 10-25% less), and the host does not prefetch.
const PrefetchMinKeys = 32 << 10

// prefetchMax is the most keys one Run touches: a batch of redis-benchmark
// -P 16 is 16 commands, and more would be evicted again before they run.
const prefetchMax = 32

// prefetchProbes bounds the index words a pass reads for one key.
const prefetchProbes = 8

// Prefetch gathers the keys of commands about to run and loads their
// memory into the cache (Run). A connection keeps one and reuses it; it is
// not safe for concurrent use.
type Prefetch struct {
	keys []pfKey
	// sink takes every loaded byte (touch, without prefetch
	// instructions), so that the compiler keeps the loads.
	sink uint64
}

type pfKey struct {
	h    uint64
	t    *table
	lock *slotLock
	tag  uint32
	id   int32 // the entry found by tag, -1: none
	obj  Value // the entry's value object
	held bool  // the slot's shared lock is held
}

// Add records key, of database db, for the next Run. It reports false once
// the Prefetch holds as many keys as one Run touches.
func (p *Prefetch) Add(db *DB, key []byte) bool {
	if len(p.keys) >= prefetchMax {
		return false
	}
	h := db.ks.hash(key)
	t := &db.slots[h%NumSlots]
	if k := len(p.keys); k > 0 && p.keys[k-1].h == h && p.keys[k-1].t == t {
		// The same key again (a pipeline of commands on one key): its
		// memory is loaded once.
		return true
	}
	p.keys = append(p.keys, pfKey{
		h:    h,
		t:    t,
		lock: &db.ks.locks[h%NumSlots],
		tag:  tagOf(h),
		id:   -1,
	})
	return true
}

// Len returns the number of keys added since the last Run.
func (p *Prefetch) Len() int { return len(p.keys) }

// Reset forgets the keys added.
func (p *Prefetch) Reset() {
	clear(p.keys)
	p.keys = p.keys[:0]
}

// Run brings into the cache the memory the lookups of the keys added will
// read, then forgets the keys. Each pass asks for the memory the next pass
// reads: with prefetch instructions (amd64) it goes on without waiting, so
// that a pass waits for about one miss, not for every key's in turn (loads
// stall the CPU once the misses of a few keys fill its window of pending
// instructions: profiles of INCR over 100,000 keys found a fifth of the
// server's time in those stalls); elsewhere it loads.
func (p *Prefetch) Run() {
	keys := p.keys
	// The index words at the keys' home positions.
	for i := range keys {
		k := &keys[i]
		if !k.lock.TryRLock() {
			continue
		}
		k.held = true
		if len(k.t.idx) == 0 {
			continue
		}
		p.touch(unsafe.Pointer(&k.t.idx[k.tag&uint32(len(k.t.idx)-1)]))
	}
	// The entries the index words name with the key's tag.
	for i := range keys {
		k := &keys[i]
		t := k.t
		if !k.held || len(t.idx) == 0 {
			continue
		}
		mask := uint32(len(t.idx) - 1)
		for n, j := 0, k.tag&mask; n < prefetchProbes; n, j = n+1, (j+1)&mask {
			x := t.idx[j]
			if x == 0 {
				break
			}
			if uint32(x>>32) == k.tag {
				if id := int32(uint32(x) - 1); int(id) < len(t.ents) {
					k.id = id
					p.touch(unsafe.Pointer(&t.ents[id]))
				}
				break
			}
		}
	}
	// The keys' bytes (with an inline value after them) and the values'
	// places in objs.
	for i := range keys {
		k := &keys[i]
		if k.id < 0 {
			continue
		}
		t := k.t
		e := &t.ents[k.id]
		if e.klen == freeEnt {
			k.id = -1
			continue
		}
		if n := e.keyLen() + e.valLen(); n > 0 && int(e.chunk) < len(t.kv.chunks) {
			if c := t.kv.chunks[e.chunk]; int(e.off)+n <= len(c) {
				p.touch(unsafe.Pointer(&c[e.off]))
				if last := int(e.off) + n - 1; last&^63 != int(e.off)&^63 {
					// The record crosses into the next line (of 64 bytes,
					// relative to the chunk: at worst one prefetch too many).
					p.touch(unsafe.Pointer(&c[last]))
				}
			}
		}
		if e.obj != 0 && int(e.obj) <= len(t.objs) {
			p.touch(unsafe.Pointer(&t.objs[e.obj-1]))
		}
	}
	// A value object, then a string's bytes.
	for i := range keys {
		k := &keys[i]
		if k.id < 0 {
			continue
		}
		if e := &k.t.ents[k.id]; e.obj != 0 && int(e.obj) <= len(k.t.objs) {
			k.obj = k.t.objs[e.obj-1]
			if k.obj != nil {
				p.touch(dataOf(k.obj))
			}
		}
	}
	for i := range keys {
		if s, ok := keys[i].obj.(*String); ok && len(s.B) > 0 {
			p.touch(unsafe.Pointer(&s.B[0]))
		}
	}
	for i := len(keys) - 1; i >= 0; i-- {
		if keys[i].held {
			keys[i].lock.RUnlock()
		}
		keys[i] = pfKey{}
	}
	p.keys = keys[:0]
}

// touch brings the cache line at ptr in: a prefetch where there is one
// (hwPrefetch, a constant, so the other branch is compiled out), or a load
// whose byte goes to p.sink, so that the compiler keeps it.
func (p *Prefetch) touch(ptr unsafe.Pointer) {
	if hwPrefetch {
		prefetchLine(ptr)
		return
	}
	p.sink += uint64(*(*byte)(ptr))
}

// dataOf returns where an interface's value points: the object of a
// pointer type.
func dataOf(v Value) unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1]
}
