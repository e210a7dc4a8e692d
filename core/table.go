package core

import "unsafe"

// The keyspace's own hash table, one per lock slot of a database. It exists
// because a Go map[string]entry costs, per small key, a key string of its
// own, a value object and the value's bytes (three heap objects) in buckets
// of 48-byte slots kept at most 7/8 full. Here a key costs one 28-byte ent
// without pointers in a dense slice (its expiry, if any, in a side map), 8
// bytes of index at most 4/5 full, and the key's bytes followed, for a
// small string value, by the value's bytes in the table's arena (arena.go):
// the value then has no heap object at all, and the collector has nothing
// per key to scan or mark.
//
// The index is open-addressed with linear probing. Each index word holds the
// entry's number plus one in its low 32 bits (0: empty) and the high 32 bits
// of the key's hash in its high bits; the home position is derived from
// those bits, so the index grows and deletes (by shifting back, without
// tombstones) without hashing a key again. The low bits of the same hash
// choose the lock slot (Keyspace.SlotOf), so one hash serves both.

// ent is one key, 28 bytes without a pointer (so the collector never
// scans the entries). A free ent has klen == freeEnt and its lru links the
// free list. The expiry is not here but in the table's vol map, which only
// keys with one pay for; a flag in klen says whether to look.
type ent struct {
	// chunk and off locate the key's bytes in the table's arena, followed
	// by the value's vlen bytes when the value is a string held inline.
	chunk, off uint32
	// klen is the key's length; its top bit (entVolatile) marks a key with
	// an expiry.
	klen uint32
	// vlen is the inline value's length; its top bit (valShared) marks
	// bytes handed out beyond the table (Get), which must then stay as they
	// are: the next value gets bytes of its own (overwrite).
	vlen uint32
	// obj is the value's number in the table's objs plus one; 0 when the
	// value is a string held inline.
	obj uint32
	// lru is the per-key access field, as Redis's 24-bit lru field of an
	// object: today the LRU clock (seconds) of the last access, read by
	// OBJECT IDLETIME. Eviction policies may keep an LFU counter here.
	lru uint32
	// size is what the entry counts in the database's memory total
	// (evict.go), so that removing it subtracts exactly what was added.
	size uint32
}

const (
	freeEnt     = ^uint32(0)
	entVolatile = 1 << 31
	valShared   = 1 << 31
)

func (e *ent) keyLen() int { return int(e.klen &^ entVolatile) }

// valLen is the length of e's inline value.
func (e *ent) valLen() int { return int(e.vlen &^ valShared) }

// share records that e's inline value bytes are handed out to a caller
// who may keep them: they are not overwritten in place from then on. Only
// a holder of the slot's exclusive lock may call it.
func (e *ent) share() {
	if e.obj == 0 && e.vlen != 0 {
		e.vlen |= valShared
	}
}

// volatile reports whether the key has an expiry (in the table's vol).
func (e *ent) volatile() bool { return e.klen&entVolatile != 0 && e.klen != freeEnt }

// key returns e's key. Its bytes never change (arena.go).
func (t *table) key(e *ent) string {
	b := t.kv.bytes(e.chunk, e.off, e.keyLen())
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// inline returns the bytes of e's inline value. The slice has no spare
// capacity, so an append copies; its bytes never change.
func (t *table) inline(e *ent) []byte {
	if e.valLen() == 0 {
		return []byte{}
	}
	return t.kv.bytes(e.chunk, e.off, e.keyLen()+e.valLen())[e.keyLen():]
}

// inlineCopy is inline for a caller that may keep the bytes without the
// exclusive lock that share needs: a copy of them.
func (t *table) inlineCopy(e *ent) []byte {
	return append([]byte{}, t.inline(e)...)
}

// overwrite stores val over e's inline value in place when that is safe,
// and reports whether it did: the value has as many bytes (so the entry's
// place and cost stay), none of which were handed out (share), and no
// cut is open (a cut's reader reads inline bytes outside the slot's lock:
// cut.go). A counter or a cache entry rewritten with values of one length
// (INCR, SET) then neither copies its key again nor fills chunks that
// compaction must copy out later.
func (t *table) overwrite(e *ent, val []byte) bool {
	if e.obj != 0 || e.vlen != uint32(len(val)) || len(val) == 0 || t.cut != nil {
		return false
	}
	copy(t.kv.chunks[e.chunk][int(e.off)+e.keyLen():], val)
	return true
}

// object returns e's value object, nil for an inline string.
func (t *table) object(e *ent) Value {
	if e.obj == 0 {
		return nil
	}
	return t.objs[e.obj-1]
}

// value returns e's value, building a String over the inline bytes when
// there is no object.
func (t *table) value(e *ent) Value {
	if e.obj != 0 {
		return t.objs[e.obj-1]
	}
	return &String{B: t.inline(e)}
}

// setObject makes v (nil: none) e's value object, keeping e's bytes.
func (t *table) setObject(e *ent, v Value) {
	switch {
	case v == nil && e.obj != 0:
		t.objs[e.obj-1] = nil
		t.objFree = append(t.objFree, e.obj-1)
		e.obj = 0
	case v != nil && e.obj != 0:
		t.objs[e.obj-1] = v
	case v != nil:
		if k := len(t.objFree); k > 0 {
			e.obj = t.objFree[k-1] + 1
			t.objFree = t.objFree[:k-1]
			t.objs[e.obj-1] = v
		} else {
			t.objs = append(t.objs, v)
			e.obj = uint32(len(t.objs))
		}
	}
}

// dropInline forgets e's inline value bytes (the value becomes an object).
func (t *table) dropInline(e *ent) {
	if e.valLen() != 0 {
		n := e.valLen()
		e.vlen = 0
		if t.kv.release(e.chunk, n) {
			t.compactArena()
		}
	}
}

// setKV stores key and the inline value val (nil: none) for e, releasing
// the bytes it had. The caller sets or clears e's object.
func (t *table) setKV(e *ent, key, val []byte, had bool) {
	var oc, on uint32
	if had {
		oc, on = e.chunk, uint32(e.keyLen()+e.valLen())
	}
	e.chunk, e.off = t.kv.alloc(key, val)
	e.klen = e.klen&entVolatile | uint32(len(key))
	e.vlen = uint32(len(val))
	if had && t.kv.release(oc, int(on)) {
		t.compactArena()
	}
}

type table struct {
	idx  []uint64
	ents []ent
	n    int   // live entries
	free int32 // first free ent, -1: none (valid once ents is non-nil)
	kv   arena // the keys' and inline values' bytes
	// objs holds the values that are objects, by ent.obj-1; objFree the
	// numbers free for reuse.
	objs    []Value
	objFree []uint32
	// vol holds the expiry (absolute unix time in milliseconds) of the
	// entries that have one, by entry number; the active expiry cycle
	// samples it. Only keys with an expiry cost a place here.
	vol map[uint32]int64
	cut *slotCut // a snapshot's part not yet written (cut.go)
	// frozen, when not 0, is the time (unix ms) the slot's keys expire
	// against instead of the clock: a script running on the slot froze it
	// (LockSet.FreezeClock). It changes only under the slot's exclusive
	// lock and is read under its lock.
	frozen int64
	// lent is the entry (plus one; 0: none) whose value object was handed
	// out (Get, GetForWrite) since the memory was last settled, so that
	// SettleMemory re-measures it without finding a key; lentMany says
	// more than one was, or entries were renumbered since: SettleMemory
	// then finds the command's keys (evict.go).
	lent     uint32
	lentMany bool
	// hot is the entry (plus one; 0: none) the last lookup for a command
	// found, and hotTag its key's tag: find tries it before probing. A
	// pipeline on one key (a queue's pushes and pops) then finds it with
	// one comparison, where probing for a key inserted after the table
	// filled up walks the run of keys placed before it (at the index's
	// 4/5 fill, nine words on average). It is only a hint: find checks the
	// entry's key, so a stale one (the entry freed, reused or renumbered)
	// costs nothing but the comparison. Only lookup, under the slot's
	// exclusive lock, sets it.
	hot    int32
	hotTag uint32
}

// lend records that entry id's value object was handed out, to be changed
// perhaps (see lent).
func (t *table) lend(id int32) {
	if l := uint32(id) + 1; t.lent == 0 {
		t.lent = l
	} else if t.lent != l && !t.lentMany {
		t.lentMany = true
	}
}

func tagOf(h uint64) uint32 { return uint32(h >> 32) }

// find returns the entry of key, or -1.
func (t *table) find(key []byte, h uint64) int32 {
	if t.n == 0 {
		return -1
	}
	tag := tagOf(h)
	if t.hotTag == tag && t.hot > 0 && int(t.hot) <= len(t.ents) {
		id := t.hot - 1
		if e := &t.ents[id]; e.klen != freeEnt && t.key(e) == string(key) {
			return id
		}
	}
	mask := uint32(len(t.idx) - 1)
	for i := tag & mask; ; i = (i + 1) & mask {
		x := t.idx[i]
		if x == 0 {
			return -1
		}
		if uint32(x>>32) == tag {
			id := int32(uint32(x) - 1)
			if t.key(&t.ents[id]) == string(key) {
				return id
			}
		}
	}
}

// findString is find for a key held as a string.
func (t *table) findString(key string, h uint64) int32 {
	return t.find(unsafe.Slice(unsafe.StringData(key), len(key)), h)
}

// insert adds a new entry for a key that is not present and returns it:
// e's lru and size as given, the key with the inline value val, or the
// object v when not nil.
func (t *table) insert(h uint64, e ent, key, val []byte, v Value) int32 {
	if (t.n+1)*5 > len(t.idx)*4 {
		t.grow()
	}
	var id int32
	if t.free >= 0 && t.ents != nil {
		id = t.free
		t.free = int32(t.ents[id].lru)
	} else {
		if t.ents == nil {
			t.free = -1
		}
		id = int32(len(t.ents))
		t.ents = append(t.ents, ent{})
	}
	t.ents[id] = e
	ep := &t.ents[id]
	t.setKV(ep, key, val, false)
	t.setObject(ep, v)
	t.place(tagOf(h), id)
	t.n++
	return id
}

func (t *table) place(tag uint32, id int32) {
	mask := uint32(len(t.idx) - 1)
	i := tag & mask
	for t.idx[i] != 0 {
		i = (i + 1) & mask
	}
	t.idx[i] = uint64(tag)<<32 | uint64(uint32(id)+1)
}

func (t *table) grow() {
	n := max(len(t.idx)*2, 8)
	old := t.idx
	t.idx = make([]uint64, n)
	for _, x := range old {
		if x != 0 {
			t.place(uint32(x>>32), int32(uint32(x)-1))
		}
	}
}

// remove deletes entry id, whose key hashes to h.
func (t *table) remove(id int32, h uint64) {
	tag := tagOf(h)
	mask := uint32(len(t.idx) - 1)
	want := uint64(tag)<<32 | uint64(uint32(id)+1)
	i := tag & mask
	for t.idx[i] != want {
		i = (i + 1) & mask
	}
	// Shift back the entries of the probe run that follows, so that no
	// tombstone is needed: an entry moves into the hole when its home is not
	// cyclically between the hole and its position.
	for {
		j := i
		for {
			j = (j + 1) & mask
			x := t.idx[j]
			if x == 0 {
				t.idx[i] = 0
				goto freed
			}
			home := uint32(x>>32) & mask
			if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
				t.idx[i] = x
				i = j
				break
			}
		}
	}
freed:
	e := &t.ents[id]
	if e.volatile() {
		delete(t.vol, uint32(id))
	}
	t.setObject(e, nil)
	if n := e.keyLen() + e.valLen(); n > 0 && t.n > 1 {
		t.kv.release(e.chunk, n) // compacted below if need be
	}
	t.ents[id] = ent{klen: freeEnt, lru: uint32(t.free)}
	t.free = id
	t.n--
	if t.n == 0 {
		*t = table{cut: t.cut, frozen: t.frozen}
	} else if len(t.idx) > 64 && t.n*8 < len(t.idx) {
		t.compact()
	} else if t.kv.dead >= compactMin && t.kv.dead*compactPart >= t.kv.total {
		t.compactArena()
	}
}

// compact rebuilds a table that deletions left mostly empty, so that a
// database that shrank gives its memory back: entries, objects and bytes.
// Entry numbers change.
func (t *table) compact() {
	ents := make([]ent, 0, t.n)
	remap := make([]int32, len(t.ents))
	var vol map[uint32]int64
	var objs []Value
	var kv arena
	for i := range t.ents {
		e := &t.ents[i]
		if e.klen == freeEnt {
			continue
		}
		remap[i] = int32(len(ents))
		if e.volatile() {
			if vol == nil {
				vol = make(map[uint32]int64, len(t.vol))
			}
			vol[uint32(len(ents))] = t.vol[uint32(i)]
		}
		c := *e
		c.chunk, c.off = kv.alloc(t.kv.bytes(e.chunk, e.off, e.keyLen()+e.valLen()), nil)
		if e.obj != 0 {
			objs = append(objs, t.objs[e.obj-1])
			c.obj = uint32(len(objs))
		}
		ents = append(ents, c)
	}
	size := 8
	for t.n*5 > size*4/2 {
		size *= 2
	}
	old := t.idx
	if t.lent != 0 {
		t.lentMany = true // the entry lent has another number now
	}
	t.ents, t.vol, t.free = ents, vol, -1
	t.kv, t.objs, t.objFree = kv, objs, nil
	t.idx = make([]uint64, size)
	for _, x := range old {
		if x != 0 {
			t.place(uint32(x>>32), remap[uint32(x)-1])
		}
	}
}

// expOf returns the expiry of entry e, number id: 0 for none.
func (t *table) expOf(e *ent, id int32) int64 {
	if !e.volatile() {
		return 0
	}
	return t.vol[uint32(id)]
}

// exp returns the expiry of entry id (0: none).
func (t *table) exp(id int32) int64 { return t.expOf(&t.ents[id], id) }

// setExp changes the expiry of entry id, keeping vol and the entry's flag
// in step.
func (t *table) setExp(id int32, exp int64) {
	e := &t.ents[id]
	if exp != 0 {
		if t.vol == nil {
			t.vol = make(map[uint32]int64)
		}
		t.vol[uint32(id)] = exp
		e.klen |= entVolatile
	} else if e.volatile() {
		delete(t.vol, uint32(id))
		e.klen &^= entVolatile
	}
}

// keyBytes returns the bytes of a key held as a string, which the caller
// must not change.
func keyBytes(k string) []byte { return unsafe.Slice(unsafe.StringData(k), len(k)) }
