package core

// The bytes of a table's keys and inline values live in chunks: large
// pointer-free byte slices, filled in order, that entries refer to by
// chunk number and offset. Together with values held by number (table.objs)
// this leaves the entries without pointers, so the collector neither scans
// the entries nor marks an object per key: with 10M keys a collection
// marks a few thousand chunks instead of 10M allocations reached through
// 400 MB of entries (on a loaded 2-core machine, marking took seconds and
// a third of the CPU while loading).
//
// Bytes handed out are never changed, so strings and slices over them stay
// valid whatever the table does next: a chunk whose bytes are mostly dead
// is not reused but compacted, its live records copied to fresh chunks and
// the chunk dropped (the collector frees it once nothing outside refers to
// it). Keys never change; an inline value that was never handed out may be
// overwritten in place by one of its length (table.overwrite).

const (
	chunkMin = 256          // the first chunk of a table
	chunkMax = 32 << 10     // chunks grow to this size
	chunkBig = chunkMax / 4 // a record longer than this gets a chunk of its own
	// A table compacts when this fraction of its chunks' bytes is dead
	// (and at least compactMin bytes), copying the live records of the
	// chunks at least that dead.
	compactPart = 4
	compactMin  = 16 << 10
)

// arena is a table's chunks.
type arena struct {
	chunks [][]byte
	live   []uint32 // live bytes per chunk
	free   []uint32 // numbers of dropped chunks, to reuse
	cur    int32    // the chunk being filled; -1: none
	next   int      // capacity of the next small chunk
	total  int      // bytes in all chunks (their lengths)
	dead   int      // bytes no longer referred to
}

// bytes returns n bytes at (c, off).
func (a *arena) bytes(c, off uint32, n int) []byte {
	if n == 0 {
		return nil
	}
	return a.chunks[c][off : int(off)+n : int(off)+n]
}

// alloc copies key and val into the arena, one after the other, and
// returns where.
func (a *arena) alloc(key, val []byte) (c, off uint32) {
	n := len(key) + len(val)
	if n == 0 {
		return 0, 0
	}
	if a.chunks == nil {
		a.cur = -1
	}
	if n > chunkBig {
		b := make([]byte, 0, n)
		b = append(append(b, key...), val...)
		return a.add(b), 0
	}
	if a.cur < 0 || len(a.chunks[a.cur])+n > cap(a.chunks[a.cur]) {
		size := max(a.next, chunkMin)
		a.next = min(size*2, chunkMax)
		a.cur = int32(a.add(make([]byte, 0, size)))
	}
	b := a.chunks[a.cur]
	off = uint32(len(b))
	b = append(append(b, key...), val...)
	a.chunks[a.cur] = b
	a.live[a.cur] += uint32(n)
	a.total += n
	return uint32(a.cur), off
}

// add adds chunk b, whose bytes are all live, and returns its number.
func (a *arena) add(b []byte) uint32 {
	var c uint32
	if k := len(a.free); k > 0 {
		c = a.free[k-1]
		a.free = a.free[:k-1]
		a.chunks[c] = b
		a.live[c] = uint32(len(b))
	} else {
		c = uint32(len(a.chunks))
		a.chunks = append(a.chunks, b)
		a.live = append(a.live, uint32(len(b)))
	}
	a.total += len(b)
	return c
}

// release records that n bytes of chunk c are dead, and drops the chunk
// when none is left live. It reports whether the arena should compact.
func (a *arena) release(c uint32, n int) bool {
	if n == 0 {
		return false
	}
	a.live[c] -= uint32(n)
	a.dead += n
	if a.live[c] == 0 && int32(c) != a.cur {
		a.drop(c)
	}
	return a.dead >= compactMin && a.dead*compactPart >= a.total
}

func (a *arena) drop(c uint32) {
	l := len(a.chunks[c])
	a.total -= l
	a.dead -= l - int(a.live[c])
	a.chunks[c] = nil
	a.live[c] = 0
	a.free = append(a.free, c)
}

// victims marks the chunks compact should empty: those at least
// 1/compactPart dead. The chunk being filled is closed first, so that the
// copies go to new chunks.
func (a *arena) victims() []bool {
	a.cur = -1
	v := make([]bool, len(a.chunks))
	for c, b := range a.chunks {
		if b != nil && (len(b)-int(a.live[c]))*compactPart >= len(b) {
			v[c] = true
		}
	}
	return v
}

// compact moves the live records of the victim chunks to new ones: the
// entries are walked once, each in a victim chunk copied. Afterwards the
// victims hold nothing live and are dropped.
func (t *table) compactArena() {
	a := &t.kv
	v := a.victims()
	for i := range t.ents {
		e := &t.ents[i]
		if e.klen == freeEnt {
			continue
		}
		n := e.keyLen() + e.valLen()
		if n == 0 || int(e.chunk) >= len(v) || !v[e.chunk] {
			continue
		}
		b := a.bytes(e.chunk, e.off, n)
		a.live[e.chunk] -= uint32(n)
		a.dead += n
		e.chunk, e.off = a.alloc(b, nil)
	}
	for c, victim := range v {
		if victim && a.chunks[c] != nil {
			a.drop(uint32(c))
		}
	}
}
