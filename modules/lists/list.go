package lists

import (
	"github.com/redmod/redmod/core"
)

// List is the list type: a double-ended queue kept in a ring buffer, so
// pushes and pops at either end are O(1) and indexing is O(1).
//
// The ring holds no pointers: each element is one word (a ref) locating its
// bytes in the list's chunks, pointer-free byte slices that neighbouring
// small elements share, or a large element's own bytes. A long list is then
// a ring the collector never scans plus one pointer per chunk, instead of a
// 24-byte slice header per element that every collection scanned (and every
// store of which paid a write barrier while one ran), and growing the ring
// copies a third of the bytes.
type List struct {
	ring   []uint64 // the elements' refs; length zero or a power of two
	head   int      // index of the first element in ring
	n      int
	chunks [][]byte // the elements' bytes, by chunk number (see own)
	live   []int32  // elements held per chunk
	free   []uint32 // numbers of dropped chunks, to reuse
	cur    int32    // the chunk small elements are copied to, plus one; 0: none
	// bytes is the sum of the elements' capacities, MemoryUsage's part for
	// them, kept as elements come and go: the keyspace re-measures a list
	// after every write.
	bytes int
}

const (
	arenaChunk    = 4096 // the most a shared chunk holds
	arenaFirst    = 64   // the first shared chunk of a list; each next one doubles
	arenaMaxElem  = 128  // longer elements keep bytes of their own
	refWhole      = 0xffff
	refLenBits    = 16
	refOffBits    = 16
	refFieldMask  = 1<<16 - 1
	chunkNumShift = refLenBits + refOffBits
)

// A ref is a chunk number in its high 32 bits, then the element's offset in
// the chunk and its length, 16 bits each; a length of refWhole means the
// whole chunk is the element (a large one).
func makeRef(c uint32, off, n int) uint64 {
	return uint64(c)<<chunkNumShift | uint64(off)<<refLenBits | uint64(n)
}

// bytesOf returns the bytes of the element at r. The slice has no spare
// capacity for a shared chunk's element, so an append copies, and its
// bytes never change: chunks are only appended to.
func (l *List) bytesOf(r uint64) []byte {
	b := l.chunks[r>>chunkNumShift]
	n := int(r & refFieldMask)
	if n == refWhole {
		return b
	}
	off := int(r >> refLenBits & refFieldMask)
	return b[off : off+n : off+n]
}

// own stores v and returns its ref. A command's arguments share one
// allocation with the command name and the key, which a stored element
// would keep alive; small elements are copied instead into chunks shared by
// neighbouring elements, so a long list of short elements costs its bytes
// and a word each (a chunk is freed once all its elements are gone). A
// large element is kept as given, as a chunk of its own.
func (l *List) own(v []byte) uint64 {
	var r uint64
	if len(v) > arenaMaxElem {
		c := l.addChunk(v)
		r = makeRef(c, 0, refWhole)
	} else {
		if l.cur == 0 || cap(l.chunks[l.cur-1])-len(l.chunks[l.cur-1]) < len(v) {
			size := arenaFirst
			if old := l.cur - 1; old >= 0 {
				size = min(2*cap(l.chunks[old]), arenaChunk)
				l.cur = 0
				if l.live[old] == 0 {
					l.drop(uint32(old))
				}
			}
			l.cur = int32(l.addChunk(make([]byte, 0, size))) + 1
		}
		c := uint32(l.cur - 1)
		b := l.chunks[c]
		r = makeRef(c, len(b), len(v))
		l.chunks[c] = append(b, v...)
	}
	l.live[r>>chunkNumShift]++
	l.bytes += cap(l.bytesOf(r))
	return r
}

// release forgets the element at r, dropping its chunk once no element is
// left in it (the chunk being filled stays).
func (l *List) release(r uint64) {
	c := uint32(r >> chunkNumShift)
	l.bytes -= cap(l.bytesOf(r))
	l.live[c]--
	if l.live[c] == 0 && int32(c)+1 != l.cur {
		l.drop(c)
	}
}

func (l *List) addChunk(b []byte) uint32 {
	if k := len(l.free); k > 0 {
		c := l.free[k-1]
		l.free = l.free[:k-1]
		l.chunks[c] = b
		return c
	}
	l.chunks = append(l.chunks, b)
	l.live = append(l.live, 0)
	return uint32(len(l.chunks) - 1)
}

// drop lets the collector have chunk c once nothing outside the list (a
// reply, another list) refers to its bytes.
func (l *List) drop(c uint32) {
	l.chunks[c] = nil
	l.free = append(l.free, c)
}

// ListType is the descriptor of List values.
var ListType = &core.Type{Name: "list", Decode: decodeList,
	Native: &core.Native{Kind: core.NativeList, Build: buildList}}

// NativeContent implements core.NativeValue: the elements from head to tail.
func (l *List) NativeContent() core.NativeContent {
	return core.ListContent(l.n, func(yield func([]byte) bool) { l.each(yield) })
}

// buildList makes a list from the elements of a Redis list (RDB, RESTORE).
func buildList(c core.NativeContent) (core.Value, error) {
	if c.Kind != core.NativeList {
		return nil, core.ErrCorrupt
	}
	l := &List{}
	for e := range c.Elements {
		l.PushBack(e)
	}
	return l, nil
}

// Type implements core.Value.
func (l *List) Type() *core.Type { return ListType }

// Encoding implements core.Value; Redis 7.0 reports every list as a quicklist.
func (l *List) Encoding() string { return "quicklist" }

// MemoryUsage implements core.Value.
func (l *List) MemoryUsage() int {
	return 48 + 8*len(l.ring) + 16*len(l.chunks) + l.bytes
}

// Clone implements core.Value.
func (l *List) Clone() core.Value {
	c := &List{}
	l.each(func(b []byte) bool {
		if len(b) > arenaMaxElem {
			b = append([]byte(nil), b...)
		}
		c.PushBack(b) // small elements are copied by own
		return true
	})
	return c
}

// AppendSnapshot implements core.Value: the count, then each element.
func (l *List) AppendSnapshot(dst []byte) []byte {
	dst = core.AppendUvarint(dst, uint64(l.n))
	l.each(func(b []byte) bool { dst = core.AppendBytes(dst, b); return true })
	return dst
}

func decodeList(p []byte) (core.Value, error) {
	r := core.NewSnapshotReader(p)
	n := r.Count(1)
	l := &List{}
	for i := 0; i < n && r.Err() == nil; i++ {
		l.PushBack(r.Bytes())
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return l, nil
}

// Len returns the number of elements.
func (l *List) Len() int { return l.n }

func (l *List) grow() {
	size := 2 * len(l.ring)
	if size == 0 {
		size = 4
	}
	l.moveTo(make([]uint64, size))
}

// moveTo copies the refs into nr from its start, as two runs of the ring,
// and makes it the ring.
func (l *List) moveTo(nr []uint64) {
	if l.n > 0 {
		k := copy(nr, l.ring[l.head:min(l.head+l.n, len(l.ring))])
		copy(nr[k:l.n], l.ring[:l.n-k])
	}
	l.ring, l.head = nr, 0
}

// shrink halves the ring when it is mostly empty, so that a list that was
// once long does not keep its memory.
func (l *List) shrink() {
	if len(l.ring) > 16 && l.n < len(l.ring)/4 {
		size := len(l.ring) / 2
		for size > 16 && l.n < size/4 {
			size /= 2
		}
		l.moveTo(make([]uint64, size))
	}
}

// slot returns the ring index of element i.
func (l *List) slot(i int) int { return (l.head + i) & (len(l.ring) - 1) }

// PushFront adds v at the head.
func (l *List) PushFront(v []byte) {
	if l.n == len(l.ring) {
		l.grow()
	}
	l.head = (l.head - 1) & (len(l.ring) - 1)
	l.ring[l.head] = l.own(v)
	l.n++
}

// PushBack adds v at the tail.
func (l *List) PushBack(v []byte) {
	if l.n == len(l.ring) {
		l.grow()
	}
	l.ring[l.slot(l.n)] = l.own(v)
	l.n++
}

// PopFront removes and returns the head; the list must not be empty.
func (l *List) PopFront() []byte {
	r := l.ring[l.head]
	v := l.bytesOf(r)
	l.release(r)
	l.head = (l.head + 1) & (len(l.ring) - 1)
	l.n--
	l.shrink()
	return v
}

// PopBack removes and returns the tail; the list must not be empty.
func (l *List) PopBack() []byte {
	r := l.ring[l.slot(l.n-1)]
	v := l.bytesOf(r)
	l.release(r)
	l.n--
	l.shrink()
	return v
}

// At returns element i (0 is the head); i must be in range.
func (l *List) At(i int) []byte { return l.bytesOf(l.ring[l.slot(i)]) }

// SetAt replaces element i; i must be in range.
func (l *List) SetAt(i int, v []byte) {
	p := &l.ring[l.slot(i)]
	old := *p
	*p = l.own(v)
	l.release(old)
}

func (l *List) each(fn func([]byte) bool) {
	for i := 0; i < l.n; i++ {
		if !fn(l.At(i)) {
			return
		}
	}
}

// Range calls fn for elements from..to inclusive (already clamped).
func (l *List) Range(from, to int, fn func([]byte)) {
	for i := from; i <= to; i++ {
		fn(l.At(i))
	}
}

// Elements returns the elements in order, for commands such as SORT that
// read a list.
func (l *List) Elements() [][]byte {
	out := make([][]byte, l.n)
	for i := range out {
		out[i] = l.At(i)
	}
	return out
}

// SortElements implements core.Sortable: the elements in order.
func (l *List) SortElements() ([][]byte, bool) { return l.Elements(), true }

// Replace sets the elements to items, in order.
func (l *List) Replace(items [][]byte) {
	*l = List{}
	for _, it := range items {
		l.PushBack(it)
	}
}

// Insert puts v before element i (0 <= i <= Len), moving the shorter side
// of the list by one.
func (l *List) Insert(i int, v []byte) {
	if l.n == len(l.ring) {
		l.grow()
	}
	mask := len(l.ring) - 1
	if i < l.n-i {
		l.head = (l.head - 1) & mask
		for j := 0; j < i; j++ {
			l.ring[(l.head+j)&mask] = l.ring[(l.head+j+1)&mask]
		}
	} else {
		for j := l.n; j > i; j-- {
			l.ring[(l.head+j)&mask] = l.ring[(l.head+j-1)&mask]
		}
	}
	l.ring[(l.head+i)&mask] = l.own(v)
	l.n++
}

// Trim keeps elements from..to inclusive; from > to empties the list.
func (l *List) Trim(from, to int) {
	if from > to {
		*l = List{}
		return
	}
	for l.n > to+1 {
		l.release(l.ring[l.slot(l.n-1)])
		l.n--
	}
	for ; from > 0; from-- {
		l.release(l.ring[l.head])
		l.head = (l.head + 1) & (len(l.ring) - 1)
		l.n--
	}
	l.shrink()
}

// RemoveFunc removes up to limit elements for which match is true (limit 0:
// all), scanning from the head, or from the tail when fromTail is set, and
// returns how many it removed.
func (l *List) RemoveFunc(match func([]byte) bool, limit int, fromTail bool) int {
	mask := len(l.ring) - 1
	removed := 0
	if !fromTail {
		w := 0
		for r := 0; r < l.n; r++ {
			ref := l.ring[(l.head+r)&mask]
			if (limit == 0 || removed < limit) && match(l.bytesOf(ref)) {
				removed++
				l.release(ref)
				continue
			}
			l.ring[(l.head+w)&mask] = ref
			w++
		}
		l.n = w
	} else {
		w := l.n - 1
		for r := l.n - 1; r >= 0; r-- {
			ref := l.ring[(l.head+r)&mask]
			if (limit == 0 || removed < limit) && match(l.bytesOf(ref)) {
				removed++
				l.release(ref)
				continue
			}
			l.ring[(l.head+w)&mask] = ref
			w--
		}
		l.head = (l.head + w + 1) & mask
		l.n -= w + 1
	}
	if l.n == 0 {
		*l = List{}
	} else {
		l.shrink()
	}
	return removed
}

// FreeEffort implements core.FreeEffort: the nodes a Redis quicklist of
// these elements would have with its default 8 kB nodes, estimated from
// a sample of the elements' sizes.
func (l *List) FreeEffort() int {
	if l.n == 0 {
		return 1
	}
	const samples = 16
	step := max(1, l.n/samples)
	var bytes, seen int
	for i := 0; i < l.n; i += step {
		bytes += len(l.At(i)) + 2 // an entry's header and back-length
		seen++
	}
	return 1 + l.n/seen*bytes/8192
}
