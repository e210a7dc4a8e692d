package lists

import (
	"github.com/redmod/redmod/core"
)

// List is the list type: a double-ended queue kept in a ring buffer, so
// pushes and pops at either end are O(1) and indexing is O(1).
type List struct {
	buf   [][]byte // length is zero or a power of two
	head  int      // index of the first element in buf
	n     int
	arena []byte // where small elements are copied (see own)
	// bytes is the sum of the elements' capacities, MemoryUsage's part for
	// them, kept as elements come and go: the keyspace re-measures a list
	// after every write.
	bytes int
}

const (
	arenaChunk   = 4096
	arenaMaxElem = 128
)

// own returns the bytes the list keeps for v. A command's arguments share
// one allocation with the command name and the key, which a stored element
// would keep alive; small elements are copied instead into chunks shared by
// neighbouring elements, so a long list of short elements costs its bytes
// and a slice header each (a chunk is freed once all its elements are gone).
func (l *List) own(v []byte) []byte {
	if len(v) > arenaMaxElem {
		return v
	}
	if cap(l.arena)-len(l.arena) < len(v) {
		l.arena = make([]byte, 0, arenaChunk)
	}
	n := len(l.arena)
	l.arena = append(l.arena, v...)
	return l.arena[n : n+len(v) : n+len(v)]
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
	return 48 + 24*len(l.buf) + l.bytes
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
	size := 2 * len(l.buf)
	if size == 0 {
		size = 4
	}
	l.moveTo(make([][]byte, size))
}

// moveTo copies the elements into nb from its start, as two runs of the
// ring (a bulk copy, not one write barrier per element), and makes it the
// buffer.
func (l *List) moveTo(nb [][]byte) {
	if l.n > 0 {
		k := copy(nb, l.buf[l.head:min(l.head+l.n, len(l.buf))])
		copy(nb[k:l.n], l.buf[:l.n-k])
	}
	l.buf, l.head = nb, 0
}

// shrink halves the buffer when it is mostly empty, so that a list that was
// once long does not keep its memory.
func (l *List) shrink() {
	if len(l.buf) > 16 && l.n < len(l.buf)/4 {
		size := len(l.buf) / 2
		for size > 16 && l.n < size/4 {
			size /= 2
		}
		l.moveTo(make([][]byte, size))
	}
}

// PushFront adds v at the head.
func (l *List) PushFront(v []byte) {
	if l.n == len(l.buf) {
		l.grow()
	}
	l.head = (l.head - 1) & (len(l.buf) - 1)
	v = l.own(v)
	l.buf[l.head] = v
	l.bytes += cap(v)
	l.n++
}

// PushBack adds v at the tail.
func (l *List) PushBack(v []byte) {
	if l.n == len(l.buf) {
		l.grow()
	}
	v = l.own(v)
	l.buf[(l.head+l.n)&(len(l.buf)-1)] = v
	l.bytes += cap(v)
	l.n++
}

// PopFront removes and returns the head; the list must not be empty.
func (l *List) PopFront() []byte {
	v := l.buf[l.head]
	l.buf[l.head] = nil
	l.bytes -= cap(v)
	l.head = (l.head + 1) & (len(l.buf) - 1)
	l.n--
	l.shrink()
	return v
}

// PopBack removes and returns the tail; the list must not be empty.
func (l *List) PopBack() []byte {
	i := (l.head + l.n - 1) & (len(l.buf) - 1)
	v := l.buf[i]
	l.buf[i] = nil
	l.bytes -= cap(v)
	l.n--
	l.shrink()
	return v
}

// At returns element i (0 is the head); i must be in range.
func (l *List) At(i int) []byte { return l.buf[(l.head+i)&(len(l.buf)-1)] }

// SetAt replaces element i; i must be in range.
func (l *List) SetAt(i int, v []byte) {
	p := &l.buf[(l.head+i)&(len(l.buf)-1)]
	v = l.own(v)
	l.bytes += cap(v) - cap(*p)
	*p = v
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
	if l.n == len(l.buf) {
		l.grow()
	}
	mask := len(l.buf) - 1
	if i < l.n-i {
		l.head = (l.head - 1) & mask
		for j := 0; j < i; j++ {
			l.buf[(l.head+j)&mask] = l.buf[(l.head+j+1)&mask]
		}
	} else {
		for j := l.n; j > i; j-- {
			l.buf[(l.head+j)&mask] = l.buf[(l.head+j-1)&mask]
		}
	}
	v = l.own(v)
	l.buf[(l.head+i)&mask] = v
	l.bytes += cap(v)
	l.n++
}

// Trim keeps elements from..to inclusive; from > to empties the list.
func (l *List) Trim(from, to int) {
	if from > to {
		*l = List{}
		return
	}
	for l.n > to+1 {
		i := (l.head + l.n - 1) & (len(l.buf) - 1)
		l.bytes -= cap(l.buf[i])
		l.buf[i] = nil
		l.n--
	}
	for ; from > 0; from-- {
		l.bytes -= cap(l.buf[l.head])
		l.buf[l.head] = nil
		l.head = (l.head + 1) & (len(l.buf) - 1)
		l.n--
	}
	l.shrink()
}

// RemoveFunc removes up to limit elements for which match is true (limit 0:
// all), scanning from the head, or from the tail when fromTail is set, and
// returns how many it removed.
func (l *List) RemoveFunc(match func([]byte) bool, limit int, fromTail bool) int {
	mask := len(l.buf) - 1
	removed := 0
	if !fromTail {
		w := 0
		for r := 0; r < l.n; r++ {
			v := l.buf[(l.head+r)&mask]
			if (limit == 0 || removed < limit) && match(v) {
				removed++
				l.bytes -= cap(v)
				continue
			}
			l.buf[(l.head+w)&mask] = v
			w++
		}
		for j := w; j < l.n; j++ {
			l.buf[(l.head+j)&mask] = nil
		}
		l.n = w
	} else {
		w := l.n - 1
		for r := l.n - 1; r >= 0; r-- {
			v := l.buf[(l.head+r)&mask]
			if (limit == 0 || removed < limit) && match(v) {
				removed++
				l.bytes -= cap(v)
				continue
			}
			l.buf[(l.head+w)&mask] = v
			w--
		}
		for j := 0; j <= w; j++ {
			l.buf[(l.head+j)&mask] = nil
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
