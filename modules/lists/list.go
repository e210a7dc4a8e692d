package lists

import (
	"bytes"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/redmod/redmod/core"
)

// List is the list type: a double-ended queue, so pushes and pops at
// either end are O(1) and indexing is O(1).
//
// The elements are one word each (a ref), in a ring: a short list's ring is
// one slice that doubles as it fills, up to blockLen words; a long list's a
// ring of blockLen-word blocks (blockRing), allocated as pushes reach them
// and let go of as pops empty them. Growing a long list then never copies
// it, nor asks for a region the size of the whole list that the kernel
// must first zero (Redis's quicklist likewise appends nodes): doubling the
// ring of blocks moves one block's worth of refs at most.
//
// The refs hold no pointers: a ref is an element of up to inlineMax bytes
// itself, or locates the element's bytes in the list's arena of chunks,
// pointer-free byte slices that neighbouring small elements share, or a
// large element's own bytes. A long list is then memory the collector never
// scans plus one pointer per block and chunk, and a short list of short
// elements is the List and its ring.
type List struct {
	ring  []uint64   // a short list's refs: length zero or a power of two up to blockLen
	big   *blockRing // a long list's refs, instead of ring
	head  int        // slot of the first element, counted over the ring
	n     int
	slots int    // words held for refs, a spare block included (MemoryUsage)
	a     *arena // the elements' bytes; nil while every element is held in its ref
}

// blockRing is the ring of a long list: slot g is slot g%blockLen of block
// g/blockLen.
type blockRing struct {
	blocks [][]uint64 // length a power of two; nil: holds no element
	spare  []uint64   // an emptied block, kept for the next one needed
}

// arena holds the bytes of the elements longer than inlineMax.
type arena struct {
	chunks [][]byte // by chunk number (see own)
	live   []int32  // elements held per chunk
	free   []uint32 // numbers of dropped chunks, to reuse
	cur    int32    // the chunk small elements are copied to, plus one; 0: none
	// bytes is the sum of the chunk-held elements' capacities, MemoryUsage's
	// part for them, kept as elements come and go: the keyspace re-measures
	// a list after every write.
	bytes int
}

const (
	blockShift    = 9 // a long list's blocks hold 1<<blockShift refs (4 kB)
	blockLen      = 1 << blockShift
	arenaChunk    = 4096 // the most a shared chunk holds
	arenaFirst    = 32   // the first shared chunk of a list; it doubles up to arenaChunk
	arenaMaxElem  = 128  // longer elements keep bytes of their own
	refWhole      = 0xffff
	refLenBits    = 16
	refOffBits    = 16
	refFieldMask  = 1<<16 - 1
	chunkNumShift = refLenBits + refOffBits
	refInline     = 1 << 63
)

// inlineMax is the longest element a ref holds itself: its bytes are the
// ref's low bytes in memory order, its length in the top byte (with
// refInline), so that the element can be read in place, which needs a
// little-endian machine; elsewhere every element goes to a chunk.
var inlineMax = func() int {
	x := uint16(1)
	if *(*byte)(unsafe.Pointer(&x)) == 1 {
		return 7
	}
	return 0
}()

// A chunk ref is a chunk number in its high 32 bits (below 1<<31), then the
// element's offset in the chunk and its length, 16 bits each; a length of
// refWhole means the whole chunk is the element (a large one).
func makeRef(c uint32, off, n int) uint64 {
	return uint64(c)<<chunkNumShift | uint64(off)<<refLenBits | uint64(n)
}

func inlineRef(v []byte) uint64 {
	r := refInline | uint64(len(v))<<56
	for i, c := range v {
		r |= uint64(c) << (8 * i)
	}
	return r
}

// view returns the bytes of the element whose ref is at p. The slice has
// no spare capacity, so an append copies. A chunk's bytes never change
// (chunks are only appended to); an inline element's are the slot's, valid
// until the slot is written again: a caller that keeps an element past the
// next change of the list copies it (see PopFront).
func (l *List) view(p *uint64) []byte {
	r := *p
	if r&refInline != 0 {
		n := int(r >> 56 & 7)
		return unsafe.Slice((*byte)(unsafe.Pointer(p)), n)
	}
	return l.chunkBytes(r)
}

func (l *List) chunkBytes(r uint64) []byte {
	b := l.a.chunks[r>>chunkNumShift]
	n := int(r & refFieldMask)
	if n == refWhole {
		return b
	}
	off := int(r >> refLenBits & refFieldMask)
	return b[off : off+n : off+n]
}

// own stores v and returns its ref. A command's arguments share one
// allocation with the command name and the key, which a stored element
// would keep alive; a short element goes into the ref itself, other small
// ones are copied into chunks shared by neighbouring elements, so a long
// list of short elements costs its bytes and a word each (a chunk is freed
// once all its elements are gone). A large element is kept as given, as a
// chunk of its own: a caller whose v is borrowed passes a copy (borrowed).
func (l *List) own(v []byte) uint64 {
	if len(v) <= inlineMax {
		return inlineRef(v)
	}
	a := l.a
	if a == nil {
		a = &arena{}
		l.a = a
	}
	if len(v) > arenaMaxElem {
		c := a.addChunk(v)
		a.live[c]++
		a.bytes += cap(v)
		return makeRef(c, 0, refWhole)
	}
	if a.cur == 0 || cap(a.chunks[a.cur-1])-len(a.chunks[a.cur-1]) < len(v) {
		a.nextChunk(len(v))
	}
	// The common push: the bytes go in place after the chunk's last
	// element. Only the chunk's length changes (x = x[:n] stores no
	// pointer, so no write barrier), and the element's share of
	// MemoryUsage is its length, the capacity chunkBytes gives it.
	c := a.cur - 1
	off := len(a.chunks[c])
	a.chunks[c] = a.chunks[c][:off+len(v)]
	copy(a.chunks[c][off:], v)
	a.live[c]++
	a.bytes += len(v)
	return makeRef(uint32(c), off, len(v))
}

// borrowed returns an element taken from a command's arguments ready for
// the list to store: a copy when own would keep v itself (longer than
// arenaMaxElem), v otherwise, since own copies the others. The commands
// that store their arguments declare core.Spec.BorrowsArgs and pass them
// through it: each element is copied once, as it is stored.
func borrowed(v []byte) []byte {
	if len(v) > arenaMaxElem {
		return bytes.Clone(v)
	}
	return v
}

// nextChunk makes room for an element of n bytes in the chunk being
// filled. A chunk smaller than arenaChunk grows by doubling, keeping its
// number, so a short list has one chunk about the size of its elements:
// refs locate bytes by offset, and a slice handed out before keeps the old
// copy, whose bytes never change. A full one is left for a new chunk.
func (a *arena) nextChunk(n int) {
	if old := a.cur - 1; old >= 0 {
		b := a.chunks[old]
		if len(b)+n <= arenaChunk {
			size := max(2*cap(b), len(b)+n)
			if size < arenaChunk {
				size = 1 << bits.Len(uint(size-1))
			}
			nb := make([]byte, len(b), min(size, arenaChunk))
			copy(nb, b)
			a.chunks[old] = nb
			return
		}
		a.cur = 0
		if a.live[old] == 0 {
			a.drop(uint32(old))
		}
		a.cur = int32(a.addChunk(make([]byte, 0, arenaChunk))) + 1
		return
	}
	a.cur = int32(a.addChunk(make([]byte, 0, max(arenaFirst, n)))) + 1
}

// release forgets the element at r, dropping its chunk once no element is
// left in it (the chunk being filled stays).
func (l *List) release(r uint64) {
	if r&refInline != 0 {
		return
	}
	a := l.a
	c := uint32(r >> chunkNumShift)
	a.bytes -= cap(l.chunkBytes(r))
	a.live[c]--
	if a.live[c] == 0 && int32(c)+1 != a.cur {
		a.drop(c)
	}
}

func (a *arena) addChunk(b []byte) uint32 {
	if k := len(a.free); k > 0 {
		c := a.free[k-1]
		a.free = a.free[:k-1]
		a.chunks[c] = b
		return c
	}
	a.chunks = append(a.chunks, b)
	a.live = append(a.live, 0)
	return uint32(len(a.chunks) - 1)
}

// drop lets the collector have chunk c once nothing outside the list (a
// reply, another list) refers to its bytes.
func (a *arena) drop(c uint32) {
	a.chunks[c] = nil
	a.free = append(a.free, c)
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
	m := 48 + 8*l.slots
	if l.big != nil {
		m += 24 * len(l.big.blocks)
	}
	if l.a != nil {
		m += 16*len(l.a.chunks) + l.a.bytes
	}
	return m
}

// Clone implements core.Value. It copies the refs block by block and
// shares the chunks, whose bytes never change: the copy's chunks are
// limited to their length, so that what either list adds later goes to
// memory of its own (nextChunk copies a chunk it grows). A pre-image kept
// for a snapshot of a long list then costs a copy of its words, not a
// push per element.
func (l *List) Clone() core.Value {
	c := &List{head: l.head, n: l.n}
	if l.big == nil {
		c.ring = slices.Clone(l.ring)
		c.slots = len(c.ring)
	} else {
		br := &blockRing{blocks: make([][]uint64, len(l.big.blocks))}
		for b, blk := range l.big.blocks {
			if blk != nil {
				br.blocks[b] = slices.Clone(blk)
				c.slots += len(blk)
			}
		}
		c.big = br
	}
	if a := l.a; a != nil {
		ca := &arena{chunks: make([][]byte, len(a.chunks)), live: slices.Clone(a.live),
			free: slices.Clone(a.free), cur: a.cur, bytes: a.bytes}
		for i, b := range a.chunks {
			if b != nil {
				ca.chunks[i] = b[:len(b):len(b)]
			}
		}
		c.a = ca
	}
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

// capacity is the number of slots in the ring.
func (l *List) capacity() int {
	if l.big != nil {
		return len(l.big.blocks) << blockShift
	}
	return len(l.ring)
}

// slot returns where the ref of the element in ring slot g is; in a long
// list its block must be in use.
func (l *List) slot(g int) *uint64 {
	if l.big != nil {
		return &l.big.blocks[g>>blockShift][g&(blockLen-1)]
	}
	return &l.ring[g]
}

// at returns where the ref of element i (0 is the head) is.
func (l *List) at(i int) *uint64 {
	return l.slot((l.head + i) & (l.capacity() - 1))
}

// fresh returns ring slot g for a new element, taking a block for it when
// its block is not in use.
func (l *List) fresh(g int) *uint64 {
	br := l.big
	if br == nil {
		return &l.ring[g]
	}
	b := g >> blockShift
	if br.blocks[b] == nil {
		if br.spare != nil {
			br.blocks[b], br.spare = br.spare, nil
		} else {
			br.blocks[b] = make([]uint64, blockLen)
			l.slots += blockLen
		}
	}
	return &br.blocks[b][g&(blockLen-1)]
}

// grow makes room for one more element; the list is full. A short list's
// ring doubles, up to blockLen; then the ring of blocks doubles, where only
// the block holding both the head and the tail is split (its tail part
// copied to a block of its own), so that the elements stay in one run of
// slots from the head.
func (l *List) grow() {
	if l.big == nil {
		if len(l.ring) < blockLen {
			l.moveTo(max(4, 2*len(l.ring)))
			return
		}
		l.big = &blockRing{blocks: [][]uint64{l.ring}}
		l.ring = nil
	}
	br := l.big
	nb := len(br.blocks)
	b0, s0 := l.head>>blockShift, l.head&(blockLen-1)
	ring := make([][]uint64, 2*nb)
	for k := range nb {
		ring[k] = br.blocks[(b0+k)&(nb-1)]
	}
	if s0 > 0 {
		tail := br.spare
		if tail == nil {
			tail = make([]uint64, blockLen)
			l.slots += blockLen
		}
		br.spare = nil
		copy(tail, ring[0][:s0])
		ring[nb] = tail
	}
	br.blocks, l.head = ring, s0
}

// moveTo copies the refs into a ring of size slots (a power of two, at
// least the length, at most blockLen), which becomes the list's ring.
func (l *List) moveTo(size int) {
	nr := make([]uint64, size)
	if l.big == nil {
		k := copy(nr, l.ring[l.head:min(l.head+l.n, len(l.ring))])
		copy(nr[k:l.n], l.ring[:l.n-k])
	} else {
		for i := range l.n {
			nr[i] = *l.at(i)
		}
	}
	l.ring, l.big, l.head, l.slots = nr, nil, 0, size
}

// inUse reports whether block b of a long list holds an element.
func (l *List) inUse(b int) bool {
	if l.n == 0 {
		return false
	}
	return (b<<blockShift-l.head)&(l.capacity()-1) < l.n || l.head>>blockShift == b
}

// retire lets block b of a long list go once its last element has left:
// it becomes the spare, or the collector's.
func (l *List) retire(b int) {
	br := l.big
	blk := br.blocks[b]
	br.blocks[b] = nil
	if br.spare == nil {
		br.spare = blk
	} else {
		l.slots -= len(blk)
	}
}

// retireEmpty retires the blocks no element is in, after a change of many
// elements at once, then shrinks.
func (l *List) retireEmpty() {
	if l.big != nil {
		for b, blk := range l.big.blocks {
			if blk != nil && !l.inUse(b) {
				l.retire(b)
			}
		}
	}
	l.shrink()
}

// shrink moves the elements to a small ring when the list has become
// short, so that a list that was once long does not keep its memory.
func (l *List) shrink() {
	c := l.capacity()
	if c > 16 && l.n < c/4 {
		size := c / 2
		for size > 16 && l.n < size/4 {
			size /= 2
		}
		if size <= blockLen {
			l.moveTo(size)
		}
	}
}

// PushFront adds v at the head.
func (l *List) PushFront(v []byte) {
	if l.n == l.capacity() {
		l.grow()
	}
	l.head = (l.head - 1) & (l.capacity() - 1)
	*l.fresh(l.head) = l.own(v)
	l.n++
}

// PushBack adds v at the tail.
func (l *List) PushBack(v []byte) {
	if l.n == l.capacity() {
		l.grow()
	}
	*l.fresh((l.head + l.n) & (l.capacity() - 1)) = l.own(v)
	l.n++
}

// Front returns the head without removing it; the list must not be empty.
// The slice is valid until the list next changes.
func (l *List) Front() []byte { return l.view(l.slot(l.head)) }

// Back returns the tail without removing it; the list must not be empty.
// The slice is valid until the list next changes.
func (l *List) Back() []byte { return l.view(l.at(l.n - 1)) }

// RemoveFront removes the head; the list must not be empty.
func (l *List) RemoveFront() {
	g := l.head
	l.release(*l.slot(g))
	l.head = (g + 1) & (l.capacity() - 1)
	l.n--
	if l.big != nil && (g&(blockLen-1) == blockLen-1 || l.n == 0) && !l.inUse(g>>blockShift) {
		l.retire(g >> blockShift)
	}
	l.shrink()
}

// RemoveBack removes the tail; the list must not be empty.
func (l *List) RemoveBack() {
	g := (l.head + l.n - 1) & (l.capacity() - 1)
	l.release(*l.slot(g))
	l.n--
	if l.big != nil && (g&(blockLen-1) == 0 || l.n == 0) && !l.inUse(g>>blockShift) {
		l.retire(g >> blockShift)
	}
	l.shrink()
}

// kept returns b, copied when it is held in its ref: a popped element may
// outlive its slot.
func kept(b []byte) []byte {
	if len(b) <= inlineMax {
		return append([]byte(nil), b...)
	}
	return b
}

// PopFront removes and returns the head; the list must not be empty.
func (l *List) PopFront() []byte {
	v := kept(l.Front())
	l.RemoveFront()
	return v
}

// PopBack removes and returns the tail; the list must not be empty.
func (l *List) PopBack() []byte {
	v := kept(l.Back())
	l.RemoveBack()
	return v
}

// At returns element i (0 is the head); i must be in range. The slice is
// valid until the list next changes.
func (l *List) At(i int) []byte { return l.view(l.at(i)) }

// SetAt replaces element i; i must be in range.
func (l *List) SetAt(i int, v []byte) {
	p := l.at(i)
	old := *p
	*p = l.own(v)
	l.release(old)
}

func (l *List) each(fn func([]byte) bool) {
	mask := l.capacity() - 1
	g := l.head
	for range l.n {
		if !fn(l.view(l.slot(g))) {
			return
		}
		g = (g + 1) & mask
	}
}

// Range calls fn for elements from..to inclusive (already clamped).
func (l *List) Range(from, to int, fn func([]byte)) {
	mask := l.capacity() - 1
	g := (l.head + from) & mask
	for i := from; i <= to; i++ {
		fn(l.view(l.slot(g)))
		g = (g + 1) & mask
	}
}

// Elements returns the elements in order, for commands such as SORT that
// read a list. The slices are valid until the list next changes.
func (l *List) Elements() [][]byte {
	out := make([][]byte, 0, l.n)
	l.each(func(b []byte) bool { out = append(out, b); return true })
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
	if l.n == l.capacity() {
		l.grow()
	}
	mask := l.capacity() - 1
	if i < l.n-i {
		l.head = (l.head - 1) & mask
		l.fresh(l.head)
		for j := 0; j < i; j++ {
			*l.at(j) = *l.at(j + 1)
		}
	} else {
		l.fresh((l.head + l.n) & mask)
		for j := l.n; j > i; j-- {
			*l.at(j) = *l.at(j - 1)
		}
	}
	*l.at(i) = l.own(v)
	l.n++
}

// Trim keeps elements from..to inclusive; from > to empties the list.
func (l *List) Trim(from, to int) {
	if from > to {
		*l = List{}
		return
	}
	for i := to + 1; i < l.n; i++ {
		l.release(*l.at(i))
	}
	for i := 0; i < from; i++ {
		l.release(*l.at(i))
	}
	l.head = (l.head + from) & (l.capacity() - 1)
	l.n = to + 1 - from
	l.retireEmpty()
}

// RemoveFunc removes up to limit elements for which match is true (limit 0:
// all), scanning from the head, or from the tail when fromTail is set, and
// returns how many it removed.
func (l *List) RemoveFunc(match func([]byte) bool, limit int, fromTail bool) int {
	removed := 0
	if !fromTail {
		w := 0
		for r := 0; r < l.n; r++ {
			p := l.at(r)
			ref := *p
			if (limit == 0 || removed < limit) && match(l.view(p)) {
				removed++
				l.release(ref)
				continue
			}
			*l.at(w) = ref
			w++
		}
		l.n = w
	} else {
		w := l.n - 1
		for r := l.n - 1; r >= 0; r-- {
			p := l.at(r)
			ref := *p
			if (limit == 0 || removed < limit) && match(l.view(p)) {
				removed++
				l.release(ref)
				continue
			}
			*l.at(w) = ref
			w--
		}
		l.head = (l.head + w + 1) & (l.capacity() - 1)
		l.n -= w + 1
	}
	if l.n == 0 {
		*l = List{}
	} else {
		l.retireEmpty()
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
