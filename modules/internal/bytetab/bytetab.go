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
// Neither grows all at once: a table of millions of members that doubled
// its index and its arena paid for copying both on the one insert that
// crossed a power of two (over a second at 10M members on a loaded
// machine). The index is split into segments of at most segSlots words,
// found through a directory by the top bits of the tag (extendible
// hashing, as Go's own maps since 1.24): a full segment splits in two, and
// only its words move. The arena is a list of chunks of at most chunkMax
// bytes, filled in order (a long record gets a chunk of its own): a new
// chunk copies nothing.
//
// A payload of the same length as the one it replaces is overwritten in
// place; otherwise the record is written again at the end of the arena and
// the old one counted dead. The arena is compacted (live records copied to
// new chunks) once half of it is dead, and a table of several segments
// whose index is less than an eighth full is rebuilt smaller: those two
// still copy the table at once, but a table that only grows never does.
// Slices returned by Get and All point into the arena: they are valid until
// the table is next changed, and a payload returned by Get may be
// overwritten in place (same length).
package bytetab

import (
	"encoding/binary"
	"hash/maphash"
	"math/rand/v2"
)

// Word layout: the tag in the top tagBits bits, the record's offset plus one
// in the rest (0: empty slot). An offset is a chunk number and a position
// in the chunk.
const (
	tagBits  = 28
	offBits  = 64 - tagBits
	offMask  = 1<<offBits - 1
	minSlots = 8
	// segSlots is the size a segment grows to before it splits; the
	// directory takes at most maxDepth top bits of the tag, the home slot
	// in a segment its low bits.
	segSlots = 1 << 12
	maxDepth = tagBits - 12
	// Chunks: small ones for a small table, doubling up to chunkMax; a
	// record longer than bigRecord gets a chunk of its own (position 0).
	chunkBits = 16
	chunkMax  = 1 << chunkBits
	chunkMin  = 256
	bigRecord = chunkMax / 4
	maxChunks = 1<<(offBits-chunkBits) - 1
)

var seed = maphash.MakeSeed()

// Hash returns the hash the table uses for key; callers that look the same
// key up in several tables may compute it once.
func Hash(key []byte) uint64 { return maphash.Bytes(seed, key) }

// Table is the hash table. The zero value is an empty table ready to use.
type Table struct {
	dir    []*segment // by the top depth bits of the tag
	depth  uint
	segs   []*segment // each segment once, by its pos
	maxSeg int        // no segment has more slots (Random)
	slots  int        // index words in all segments
	chunks [][]byte
	cur    int // the chunk being filled; -1: none (valid once chunks is non-nil)
	next   int // capacity of the next small chunk
	mem    int // bytes of the chunks' capacity
	total  int // bytes of records written to the chunks
	n      int // live entries
	dead   int // bytes of records no index word refers to
}

// segment is an open-addressed table of index words whose tags share
// their top depth bits.
type segment struct {
	idx   []uint64
	n     int
	depth uint
	pos   int // in Table.segs
}

func tagOf(h uint64) uint64 { return h >> offBits }

// Len returns the number of entries.
func (t *Table) Len() int { return t.n }

// MemoryUsage is the bytes the table holds: its index and its arena.
func (t *Table) MemoryUsage() int { return 8*(t.slots+len(t.dir)) + t.mem }

func record(a []byte, off int) (k0, k1, v1 int) {
	kl, n := binary.Uvarint(a[off:])
	vl, m := binary.Uvarint(a[off+n:])
	k0 = off + n + m
	k1 = k0 + int(kl)
	return k0, k1, k1 + int(vl)
}

// rec decodes the record of index word x: its chunk, where the record
// starts in it and the key's and payload's positions.
func rec(chunks [][]byte, x uint64) (b []byte, p, k0, k1, v1 int) {
	off := int(x&offMask) - 1
	b = chunks[off>>chunkBits]
	p = off & (chunkMax - 1)
	k0, k1, v1 = record(b, p)
	return b, p, k0, k1, v1
}

func (t *Table) segFor(tag uint64) *segment { return t.dir[tag>>(tagBits-t.depth)] }

// find returns the segment and slot of key, or nil.
func (t *Table) find(key []byte, h uint64) (*segment, int) {
	if t.n == 0 {
		return nil, -1
	}
	tag := tagOf(h)
	s := t.segFor(tag)
	mask := uint64(len(s.idx) - 1)
	for i := tag & mask; ; i = (i + 1) & mask {
		x := s.idx[i]
		if x == 0 {
			return nil, -1
		}
		if x>>offBits == tag {
			b, _, k0, k1, _ := rec(t.chunks, x)
			if string(b[k0:k1]) == string(key) {
				return s, int(i)
			}
		}
	}
}

// Get returns the payload of key.
func (t *Table) Get(key []byte) ([]byte, bool) { return t.GetHash(key, Hash(key)) }

// GetHash is Get with the key's Hash given.
func (t *Table) GetHash(key []byte, h uint64) ([]byte, bool) {
	s, i := t.find(key, h)
	if s == nil {
		return nil, false
	}
	b, _, _, k1, v1 := rec(t.chunks, s.idx[i])
	return b[k1:v1:v1], true
}

// Has reports whether key is present.
func (t *Table) Has(key []byte) bool {
	s, _ := t.find(key, Hash(key))
	return s != nil
}

// Set sets key's payload to val (both copied) and reports whether the key
// is new. old is the length of the payload replaced (0 when new).
func (t *Table) Set(key, val []byte) (added bool, old int) {
	return t.SetHash(key, val, Hash(key))
}

// SetHash is Set with the key's Hash given.
func (t *Table) SetHash(key, val []byte, h uint64) (added bool, old int) {
	if s, i := t.find(key, h); s != nil {
		b, p, _, k1, v1 := rec(t.chunks, s.idx[i])
		if old = v1 - k1; old == len(val) {
			copy(b[k1:v1], val)
			return false, old
		}
		t.dead += v1 - p
		s.idx[i] = s.idx[i]&^offMask | uint64(t.append(key, val)+1)
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
	if s, _ := t.find(key, h); s != nil {
		return false
	}
	t.insert(h, t.append(key, val))
	return true
}

// append writes a record at the end of the arena and returns its offset.
func (t *Table) append(key, val []byte) int {
	var hdr [2 * binary.MaxVarintLen64]byte
	h := binary.AppendUvarint(hdr[:0], uint64(len(key)))
	h = binary.AppendUvarint(h, uint64(len(val)))
	c, b := t.reserve(len(h) + len(key) + len(val))
	p := len(b)
	b = append(append(append(b, h...), key...), val...)
	t.chunks[c] = b
	return c<<chunkBits | p
}

// appendRecord copies an encoded record to the end of the arena and
// returns its offset.
func (t *Table) appendRecord(r []byte) int {
	c, b := t.reserve(len(r))
	p := len(b)
	t.chunks[c] = append(b, r...)
	return c<<chunkBits | p
}

// reserve returns the chunk that takes the next record of n bytes.
func (t *Table) reserve(n int) (int, []byte) {
	if t.chunks == nil {
		t.cur = -1
	}
	if len(t.chunks) >= maxChunks {
		panic("bytetab: table larger than its offsets reach")
	}
	t.total += n
	if n > bigRecord {
		t.chunks = append(t.chunks, make([]byte, 0, n))
		t.mem += n
		return len(t.chunks) - 1, t.chunks[len(t.chunks)-1]
	}
	if t.cur < 0 || len(t.chunks[t.cur])+n > cap(t.chunks[t.cur]) {
		size := max(t.next, chunkMin)
		t.next = min(size*2, chunkMax)
		t.chunks = append(t.chunks, make([]byte, 0, size))
		t.mem += size
		t.cur = len(t.chunks) - 1
	}
	return t.cur, t.chunks[t.cur]
}

// insert places a word for a new record at off.
func (t *Table) insert(h uint64, off int) {
	t.placeWord(tagOf(h)<<offBits | uint64(off+1))
	t.n++
}

// placeWord adds index word x, growing or splitting its segment first
// when it is full.
func (t *Table) placeWord(x uint64) {
	if t.dir == nil {
		t.addSeg(&segment{idx: make([]uint64, minSlots)})
		t.dir = []*segment{t.segs[0]}
	}
	tag := x >> offBits
	s := t.segFor(tag)
	if (s.n+1)*4 > len(s.idx)*3 {
		if len(s.idx) < segSlots || s.depth >= maxDepth {
			t.resizeSeg(s, len(s.idx)*2)
		} else {
			t.split(s)
			s = t.segFor(tag)
		}
	}
	s.place(x)
	s.n++
}

func (t *Table) addSeg(s *segment) {
	s.pos = len(t.segs)
	t.segs = append(t.segs, s)
	t.slots += len(s.idx)
	t.maxSeg = max(t.maxSeg, len(s.idx))
}

// place puts word x in the first free slot from its home.
func (s *segment) place(x uint64) {
	mask := uint64(len(s.idx) - 1)
	i := (x >> offBits) & mask
	for s.idx[i] != 0 {
		i = (i + 1) & mask
	}
	s.idx[i] = x
}

// resizeSeg rebuilds segment s with size slots (a power of two).
func (t *Table) resizeSeg(s *segment, size int) {
	old := s.idx
	s.idx = make([]uint64, size)
	for _, x := range old {
		if x != 0 {
			s.place(x)
		}
	}
	t.slots += size - len(old)
	if len(t.segs) == 1 {
		t.maxSeg = size
	} else {
		t.maxSeg = max(t.maxSeg, size)
	}
}

// split divides the full segment s in two by the next bit of the tag,
// doubling the directory first when s is the only segment of its prefix at
// the directory's depth.
func (t *Table) split(s *segment) {
	if s.depth == t.depth {
		d := make([]*segment, 2*len(t.dir))
		for i, x := range t.dir {
			d[2*i], d[2*i+1] = x, x
		}
		t.dir = d
		t.depth++
	}
	a := &segment{idx: make([]uint64, len(s.idx)), depth: s.depth + 1, pos: s.pos}
	b := &segment{idx: make([]uint64, len(s.idx)), depth: s.depth + 1}
	bit := tagBits - 1 - s.depth
	var tag uint64
	for _, x := range s.idx {
		if x == 0 {
			continue
		}
		tag = x >> offBits
		if tag>>bit&1 == 0 {
			a.place(x)
			a.n++
		} else {
			b.place(x)
			b.n++
		}
	}
	// s held the directory's run of entries that share its prefix (a
	// full segment has words, the last one's tag gives the prefix).
	span := 1 << (t.depth - s.depth)
	start := int(tag>>(tagBits-s.depth)) << (t.depth - s.depth)
	for i := range span {
		if i < span/2 {
			t.dir[start+i] = a
		} else {
			t.dir[start+i] = b
		}
	}
	t.segs[s.pos] = a
	t.slots -= len(s.idx)
	t.slots += len(a.idx)
	t.addSeg(b)
}

// Delete removes key and reports whether it was present.
func (t *Table) Delete(key []byte) bool {
	s, i := t.find(key, Hash(key))
	if s == nil {
		return false
	}
	t.deleteSlot(s, i)
	return true
}

// deleteSlot removes the entry in slot i of s: the words after it that
// would no longer be found from their home shift back (no tombstones).
func (t *Table) deleteSlot(s *segment, i int) {
	_, p, _, _, v1 := rec(t.chunks, s.idx[i])
	t.dead += v1 - p
	t.n--
	s.n--
	mask := len(s.idx) - 1
	for j := (i + 1) & mask; s.idx[j] != 0; j = (j + 1) & mask {
		home := int(s.idx[j]>>offBits) & mask
		// The word at j may move to i when i lies on its probe path, that
		// is between its home and j (cyclically).
		if (j-home)&mask >= (j-i)&mask {
			s.idx[i] = s.idx[j]
			i = j
		}
	}
	s.idx[i] = 0
	if t.n == 0 {
		*t = Table{}
		return
	}
	switch {
	case len(t.segs) == 1:
		if len(s.idx) > minSlots && s.n*4 < len(s.idx) {
			t.resizeSeg(s, len(s.idx)/2)
		}
	case t.n*8 < t.slots:
		t.rebuild()
	}
	t.maybeCompact()
}

// rebuild places every word again in a new index sized for the entries.
func (t *Table) rebuild() {
	old := t.segs
	size := minSlots
	for t.n*4 > size*3 && size < segSlots {
		size *= 2
	}
	t.dir, t.segs, t.depth, t.slots, t.maxSeg = nil, nil, 0, 0, 0
	t.addSeg(&segment{idx: make([]uint64, size)})
	t.dir = []*segment{t.segs[0]}
	for _, s := range old {
		for _, x := range s.idx {
			if x != 0 {
				t.placeWord(x)
			}
		}
	}
}

// maybeCompact copies the live records to new chunks once half of the
// arena is dead.
func (t *Table) maybeCompact() {
	if t.dead < 1024 || t.dead*2 < t.total {
		return
	}
	old := t.chunks
	t.chunks, t.cur, t.next, t.mem, t.total, t.dead = nil, -1, 0, 0, 0, 0
	for _, s := range t.segs {
		for i, x := range s.idx {
			if x == 0 {
				continue
			}
			b, p, _, _, v1 := rec(old, x)
			s.idx[i] = x&^offMask | uint64(t.appendRecord(b[p:v1])+1)
		}
	}
}

// All calls fn for every entry, in no particular order, until it returns
// false. The table must not change during the walk.
func (t *Table) All(fn func(key, val []byte) bool) {
	for _, s := range t.segs {
		for _, x := range s.idx {
			if x == 0 {
				continue
			}
			b, _, k0, k1, v1 := rec(t.chunks, x)
			if !fn(b[k0:k1:k1], b[k1:v1:v1]) {
				return
			}
		}
	}
}

// Random returns an entry drawn uniformly; the table must not be empty.
func (t *Table) Random() (key, val []byte) {
	s, i := t.randomSlot()
	b, _, k0, k1, v1 := rec(t.chunks, s.idx[i])
	return b[k0:k1:k1], b[k1:v1:v1]
}

// randomSlot draws a segment and a slot below maxSeg until the slot is in
// the segment and occupied: every slot of the index is equally likely. The
// index is kept at least an eighth full (and the segments of a table of
// several are as large as maxSeg), so that takes a few draws.
func (t *Table) randomSlot() (*segment, int) {
	for {
		s := t.segs[rand.IntN(len(t.segs))]
		i := rand.IntN(t.maxSeg)
		if i < len(s.idx) && s.idx[i] != 0 {
			return s, i
		}
	}
}

// PopRandom removes an entry drawn as Random draws and returns it. The
// slices stay valid after the removal (the record's bytes are not reused
// before a compaction copies the arena to new memory).
func (t *Table) PopRandom() (key, val []byte) {
	s, i := t.randomSlot()
	b, _, k0, k1, v1 := rec(t.chunks, s.idx[i])
	key, val = b[k0:k1:k1], b[k1:v1:v1]
	t.deleteSlot(s, i)
	return key, val
}

// Clone returns a copy of the table, its arena without dead records.
func (t *Table) Clone() *Table {
	c := &Table{n: t.n, depth: t.depth, maxSeg: t.maxSeg, slots: t.slots}
	if t.n == 0 {
		return &Table{}
	}
	c.segs = make([]*segment, len(t.segs))
	for i, s := range t.segs {
		cs := &segment{idx: make([]uint64, len(s.idx)), n: s.n, depth: s.depth, pos: i}
		for j, x := range s.idx {
			if x != 0 {
				b, p, _, _, v1 := rec(t.chunks, x)
				cs.idx[j] = x&^offMask | uint64(c.appendRecord(b[p:v1])+1)
			}
		}
		c.segs[i] = cs
	}
	c.dir = make([]*segment, len(t.dir))
	for i, s := range t.dir {
		c.dir[i] = c.segs[s.pos]
	}
	return c
}

// Grow makes room for n more entries without resizing the index, as far
// as one segment goes: a larger table grows a segment at a time anyway.
func (t *Table) Grow(n int) {
	if len(t.segs) > 1 {
		return
	}
	need := t.n + n
	size := minSlots
	if len(t.segs) == 1 {
		size = len(t.segs[0].idx)
	}
	for need*4 > size*3 && size < segSlots {
		size *= 2
	}
	switch {
	case t.dir == nil:
		t.addSeg(&segment{idx: make([]uint64, size)})
		t.dir = []*segment{t.segs[0]}
	case size != len(t.segs[0].idx):
		t.resizeSeg(t.segs[0], size)
	}
}
