// Package bytetab is a hash table from byte strings to small byte payloads
// for the large forms of the collection types (hash fields and values, set
// members, sorted-set members and scores), built so that an entry costs no
// heap object and a lookup touches two cache lines.
//
// A Go map[string]V keeps each key as a string header pointing at a
// separately allocated string: a lookup reads the map's group and then the
// key's bytes elsewhere in the heap, the collector scans every slot and
// marks every key, and each new key is an allocation. Here the keys and
// payloads are records packed one after the other in one pointer-free byte
// slice (the arena), and the index is a slice of words without pointers,
// open-addressed with linear probing: each word holds the top bits of the
// key's hash (the tag, from which the word's home slot is derived, so the
// index grows and deletes without hashing a key again) and the record's
// offset in the arena. A lookup hashes the key once, reads index words
// (usually one cache line) and compares the record whose tag matches.
//
// A payload of the same length as the one it replaces is overwritten in
// place; otherwise the record is written again at the end of the arena and
// the old one counted dead. The arena is compacted (live records copied in
// index order) once half of it is dead. Slices returned by Get and All point
// into the arena: they are valid until the table is next changed, and a
// payload returned by Get may be overwritten in place (same length).
package bytetab

import (
	"encoding/binary"
	"hash/maphash"
	"math/rand/v2"
)

// Word layout: the tag in the top tagBits bits, the record's offset plus one
// in the rest (0: empty slot).
const (
	tagBits  = 28
	offBits  = 64 - tagBits
	offMask  = 1<<offBits - 1
	minSlots = 8
)

var seed = maphash.MakeSeed()

// Hash returns the hash the table uses for key; callers that look the same
// key up in several tables may compute it once.
func Hash(key []byte) uint64 { return maphash.Bytes(seed, key) }

// Table is the hash table. The zero value is an empty table ready to use.
type Table struct {
	idx   []uint64
	arena []byte
	n     int // live entries
	dead  int // bytes of the arena no record in the index refers to
}

func tagOf(h uint64) uint64 { return h >> offBits }

// Len returns the number of entries.
func (t *Table) Len() int { return t.n }

// MemoryUsage is the bytes the table holds: its index and its arena.
func (t *Table) MemoryUsage() int { return 8*cap(t.idx) + cap(t.arena) }

// record decodes the record at off: the key's and the payload's positions.
func (t *Table) record(off int) (k0, k1, v1 int) { return record(t.arena, off) }

func record(a []byte, off int) (k0, k1, v1 int) {
	kl, n := binary.Uvarint(a[off:])
	vl, m := binary.Uvarint(a[off+n:])
	k0 = off + n + m
	k1 = k0 + int(kl)
	return k0, k1, k1 + int(vl)
}

// find returns the slot of key, or -1.
func (t *Table) find(key []byte, h uint64) int {
	if t.n == 0 {
		return -1
	}
	tag := tagOf(h)
	mask := uint64(len(t.idx) - 1)
	for i := tag & mask; ; i = (i + 1) & mask {
		x := t.idx[i]
		if x == 0 {
			return -1
		}
		if x>>offBits == tag {
			k0, k1, _ := t.record(int(x&offMask) - 1)
			if string(t.arena[k0:k1]) == string(key) {
				return int(i)
			}
		}
	}
}

// Get returns the payload of key.
func (t *Table) Get(key []byte) ([]byte, bool) { return t.GetHash(key, Hash(key)) }

// GetHash is Get with the key's Hash given.
func (t *Table) GetHash(key []byte, h uint64) ([]byte, bool) {
	i := t.find(key, h)
	if i < 0 {
		return nil, false
	}
	_, k1, v1 := t.record(int(t.idx[i]&offMask) - 1)
	return t.arena[k1:v1:v1], true
}

// Has reports whether key is present.
func (t *Table) Has(key []byte) bool { return t.find(key, Hash(key)) >= 0 }

// Set sets key's payload to val (both copied) and reports whether the key
// is new. old is the length of the payload replaced (0 when new).
func (t *Table) Set(key, val []byte) (added bool, old int) {
	return t.SetHash(key, val, Hash(key))
}

// SetHash is Set with the key's Hash given.
func (t *Table) SetHash(key, val []byte, h uint64) (added bool, old int) {
	if i := t.find(key, h); i >= 0 {
		off := int(t.idx[i]&offMask) - 1
		_, k1, v1 := t.record(off)
		if old = v1 - k1; old == len(val) {
			copy(t.arena[k1:v1], val)
			return false, old
		}
		t.dead += v1 - off
		t.idx[i] = t.idx[i]&^offMask | uint64(t.append(key, val)+1)
		t.maybeCompact()
		return false, old
	}
	t.insert(h, t.append(key, val))
	return true, 0
}

// Add adds key with payload val when it is absent, and reports whether it
// was.
func (t *Table) Add(key, val []byte) bool { return t.AddHash(key, val, Hash(key)) }

// AddHash is Add with the key's Hash given.
func (t *Table) AddHash(key, val []byte, h uint64) bool {
	if t.find(key, h) >= 0 {
		return false
	}
	t.insert(h, t.append(key, val))
	return true
}

// append writes a record at the end of the arena and returns its offset.
func (t *Table) append(key, val []byte) int {
	off := len(t.arena)
	if uint64(off+len(key)+len(val)+20) >= offMask {
		panic("bytetab: table larger than its offsets reach")
	}
	a := binary.AppendUvarint(t.arena, uint64(len(key)))
	a = binary.AppendUvarint(a, uint64(len(val)))
	a = append(append(a, key...), val...)
	t.arena = a
	return off
}

// insert places a word for a new record at off.
func (t *Table) insert(h uint64, off int) {
	if (t.n+1)*4 > len(t.idx)*3 {
		t.resize(max(minSlots, len(t.idx)*2))
	}
	t.place(tagOf(h)<<offBits | uint64(off+1))
	t.n++
}

// place puts word x in the first free slot from its home.
func (t *Table) place(x uint64) {
	mask := uint64(len(t.idx) - 1)
	i := (x >> offBits) & mask
	for t.idx[i] != 0 {
		i = (i + 1) & mask
	}
	t.idx[i] = x
}

// resize rebuilds the index with size slots (a power of two).
func (t *Table) resize(size int) {
	old := t.idx
	t.idx = make([]uint64, size)
	for _, x := range old {
		if x != 0 {
			t.place(x)
		}
	}
}

// Delete removes key and reports whether it was present.
func (t *Table) Delete(key []byte) bool {
	i := t.find(key, Hash(key))
	if i < 0 {
		return false
	}
	t.deleteSlot(i)
	return true
}

// deleteSlot removes the entry in slot i: the words after it that would no
// longer be found from their home shift back (no tombstones).
func (t *Table) deleteSlot(i int) {
	off := int(t.idx[i]&offMask) - 1
	_, _, v1 := t.record(off)
	t.dead += v1 - off
	t.n--
	mask := len(t.idx) - 1
	for j := (i + 1) & mask; t.idx[j] != 0; j = (j + 1) & mask {
		home := int(t.idx[j]>>offBits) & mask
		// The word at j may move to i when i lies on its probe path, that
		// is between its home and j (cyclically).
		if (j-home)&mask >= (j-i)&mask {
			t.idx[i] = t.idx[j]
			i = j
		}
	}
	t.idx[i] = 0
	if t.n == 0 {
		*t = Table{}
		return
	}
	if len(t.idx) > minSlots && t.n*4 < len(t.idx) {
		t.resize(len(t.idx) / 2)
	}
	t.maybeCompact()
}

// maybeCompact copies the live records to a new arena once half of it is
// dead.
func (t *Table) maybeCompact() {
	if t.dead < 1024 || t.dead*2 < len(t.arena) {
		return
	}
	old := t.arena
	t.arena = make([]byte, 0, (len(old)-t.dead)*5/4)
	for i, x := range t.idx {
		if x == 0 {
			continue
		}
		off := int(x&offMask) - 1
		_, _, v1 := record(old, off)
		at := len(t.arena)
		t.arena = append(t.arena, old[off:v1]...)
		t.idx[i] = x&^offMask | uint64(at+1)
	}
	t.dead = 0
}

// All calls fn for every entry, in no particular order, until it returns
// false. The table must not change during the walk.
func (t *Table) All(fn func(key, val []byte) bool) {
	for _, x := range t.idx {
		if x == 0 {
			continue
		}
		k0, k1, v1 := t.record(int(x&offMask) - 1)
		if !fn(t.arena[k0:k1:k1], t.arena[k1:v1:v1]) {
			return
		}
	}
}

// Random returns an entry drawn uniformly; the table must not be empty.
// It draws slots until one is occupied: the index is kept at least a
// quarter full, so that takes a few draws.
func (t *Table) Random() (key, val []byte) {
	i := t.randomSlot()
	k0, k1, v1 := t.record(int(t.idx[i]&offMask) - 1)
	return t.arena[k0:k1:k1], t.arena[k1:v1:v1]
}

func (t *Table) randomSlot() int {
	for {
		i := rand.IntN(len(t.idx))
		if t.idx[i] != 0 {
			return i
		}
	}
}

// PopRandom removes an entry drawn as Random draws and returns it. The
// slices stay valid after the removal (the record's bytes are not reused
// before a compaction copies the arena to new memory).
func (t *Table) PopRandom() (key, val []byte) {
	i := t.randomSlot()
	k0, k1, v1 := t.record(int(t.idx[i]&offMask) - 1)
	key, val = t.arena[k0:k1:k1], t.arena[k1:v1:v1]
	t.deleteSlot(i)
	return key, val
}

// Clone returns a copy of the table, its arena without dead records.
func (t *Table) Clone() *Table {
	c := &Table{n: t.n}
	if t.n == 0 {
		return c
	}
	c.idx = append([]uint64(nil), t.idx...)
	c.arena = make([]byte, 0, len(t.arena)-t.dead)
	for i, x := range c.idx {
		if x == 0 {
			continue
		}
		off := int(x&offMask) - 1
		_, _, v1 := t.record(off)
		at := len(c.arena)
		c.arena = append(c.arena, t.arena[off:v1]...)
		c.idx[i] = x&^offMask | uint64(at+1)
	}
	return c
}

// Grow makes room for n more entries without resizing the index.
func (t *Table) Grow(n int) {
	need := t.n + n
	size := max(minSlots, len(t.idx))
	for need*4 > size*3 {
		size *= 2
	}
	if size != len(t.idx) {
		t.resize(size)
	}
}
