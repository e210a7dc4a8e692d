package zsets

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/modules/internal/bytetab"
)

// Redis keeps a sorted set in a listpack (one block of memory, scanned
// linearly) while it has at most zset-max-listpack-entries members of at
// most zset-max-listpack-value bytes, and in a skip list plus a hash table
// beyond; OBJECT ENCODING tells which. redmod mirrors both forms: a packed
// byte slice for small sets and a counted B+tree plus a map for large ones.

// ZSet is the sorted-set type.
type ZSet struct {
	// Small form: entries sorted by (score, member), each an 8-byte score,
	// a uvarint length and the member's bytes.
	lp []byte
	n  int
	// Large form (t != nil).
	t *btree
	// dict maps members to scores (8 bytes, little-endian) in a table
	// without pointers: the collector neither scans nor marks it, and a
	// lookup costs about two cache lines.
	dict *bytetab.Table
}

// dictScore returns the score of m in the large form, and the table's bytes
// holding it (they may be overwritten with another score in place).
func (z *ZSet) dictScore(m []byte) (float64, []byte, bool) {
	v, ok := z.dict.Get(m)
	if !ok {
		return 0, nil, false
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(v)), v, true
}

// dictAdd records a new member's score.
func (z *ZSet) dictAdd(m []byte, s float64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(s))
	z.dict.Add(m, b[:])
}

// ZSetType is the descriptor of ZSet values.
var ZSetType = &core.Type{Name: "zset", Decode: decodeZSet,
	Native: &core.Native{Kind: core.NativeZSet, Build: buildZSetNative}}

// Type implements core.Value.
func (z *ZSet) Type() *core.Type { return ZSetType }

// Encoding implements core.Value.
func (z *ZSet) Encoding() string {
	if z.t != nil {
		return "skiplist"
	}
	return "listpack"
}

// MemoryUsage implements core.Value.
func (z *ZSet) MemoryUsage() int {
	if z.t == nil {
		return 16 + 48 + cap(z.lp)
	}
	size := 16 + 48 + z.t.root.nodes()*96
	z.Ascend(0, func(m []byte, _ float64) bool {
		size += len(m) + 24 + 40 + 16
		return true
	})
	return size
}

// Clone implements core.Value.
func (z *ZSet) Clone() core.Value {
	if z.t == nil {
		return &ZSet{lp: append([]byte(nil), z.lp...), n: z.n}
	}
	c := &ZSet{}
	c.toTree(z.Len())
	z.Ascend(0, func(m []byte, s float64) bool {
		c.add(m, s)
		return true
	})
	return c
}

// AppendSnapshot implements core.Value: the count, then member and score
// pairs in order.
func (z *ZSet) AppendSnapshot(dst []byte) []byte {
	dst = core.AppendUvarint(dst, uint64(z.Len()))
	z.Ascend(0, func(m []byte, s float64) bool {
		dst = core.AppendBytes(dst, m)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(s))
		return true
	})
	return dst
}

func decodeZSet(p []byte) (core.Value, error) {
	r := core.NewSnapshotReader(p)
	n := r.Count(9)
	var members [][]byte
	var scores []float64
	maxLen := 0
	for i := 0; i < n && r.Err() == nil; i++ {
		m := r.Bytes()
		var b [8]byte
		for j := range b {
			b[j] = r.Byte()
		}
		s := math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
		if math.IsNaN(s) {
			return nil, core.ErrCorrupt
		}
		members = append(members, m)
		scores = append(scores, s)
		maxLen = max(maxLen, len(m))
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	z := newZSet(n, maxLen)
	for i, m := range members {
		if _, ok := z.Score(m); ok {
			return nil, core.ErrCorrupt
		}
		z.add(m, scores[i])
	}
	if z.Len() == 0 {
		return nil, core.ErrCorrupt
	}
	return z, nil
}

// newZSet returns an empty sorted set in the form Redis would pick for
// sizeHint members of up to maxLen bytes.
func newZSet(sizeHint, maxLen int) *ZSet {
	z := &ZSet{}
	entries, value := limits()
	if int64(sizeHint) > entries || int64(maxLen) > value {
		z.toTree(sizeHint)
	}
	return z
}

// Len returns the number of members.
func (z *ZSet) Len() int {
	if z.t != nil {
		return z.t.len()
	}
	return z.n
}

func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// lpEntry decodes the listpack entry at offset off: its member, score and
// the offset of the next entry.
func (z *ZSet) lpEntry(off int) (m []byte, s float64, next int) {
	s = math.Float64frombits(binary.LittleEndian.Uint64(z.lp[off:]))
	l, k := binary.Uvarint(z.lp[off+8:])
	start := off + 8 + k
	return z.lp[start : start+int(l)], s, start + int(l)
}

// lpFind returns the offset of member m and its score.
func (z *ZSet) lpFind(m []byte) (off int, s float64, ok bool) {
	for off < len(z.lp) {
		em, es, next := z.lpEntry(off)
		if string(em) == string(m) {
			return off, es, true
		}
		off = next
	}
	return 0, 0, false
}

// Score returns the score of member m.
func (z *ZSet) Score(m []byte) (float64, bool) {
	if z.t != nil {
		s, _, ok := z.dictScore(m)
		return s, ok
	}
	_, s, ok := z.lpFind(m)
	return s, ok
}

// toTree converts to the large form.
func (z *ZSet) toTree(hint int) {
	if z.t != nil {
		return
	}
	t := newBtree()
	z.dict = &bytetab.Table{}
	z.dict.Grow(max(hint, z.n))
	for off := 0; off < len(z.lp); {
		m, s, next := z.lpEntry(off)
		z.dictAdd(m, s)
		t.insert(item{member: string(m), score: s})
		off = next
	}
	z.t, z.lp, z.n = t, nil, 0
}

// maybeShrink converts a large set back to the small form when Redis would
// hold it as a listpack (results of stores, loaded values).
func (z *ZSet) maybeShrink() {
	entries, value := limits()
	if z.t == nil || int64(z.Len()) > entries {
		return
	}
	maxLen := 0
	z.dict.All(func(k, _ []byte) bool {
		maxLen = max(maxLen, len(k))
		return true
	})
	if int64(maxLen) > value {
		return
	}
	var lp []byte
	n := 0
	z.t.ascend(0, func(it *item) bool {
		lp = appendEntry(lp, bytesOf(it.member), it.score)
		n++
		return true
	})
	z.lp, z.n, z.t, z.dict = lp, n, nil, nil
}

func appendEntry(dst, m []byte, s float64) []byte {
	if s == 0 {
		s = 0 // a listpack stores an integral score as an integer: -0 becomes 0
	}
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(s))
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	return append(dst, m...)
}

// add sets member m's score, inserting it when missing; added reports an
// insertion. It converts to the large form when the small one would grow
// past its limits.
func (z *ZSet) add(m []byte, s float64) (added bool) {
	if z.t == nil {
		// A new member that breaks a limit converts the set, as in Redis;
		// an update never does.
		entries, value := limits()
		if int64(len(m)) > value || int64(z.n+1) > entries {
			if _, ok := z.Score(m); !ok {
				z.toTree(z.n + 1)
			}
		}
	}
	if z.t != nil {
		old, at, ok := z.dictScore(m)
		if ok {
			if old == s {
				return false
			}
			// The member string the tree held goes back in with the new
			// score, which overwrites the old one in the table: no
			// allocation, one lookup.
			k := z.t.remove(item{member: string(m), score: old})
			z.t.insert(item{member: k, score: s})
			binary.LittleEndian.PutUint64(at, math.Float64bits(s))
			return false
		}
		z.dictAdd(m, s)
		z.t.insert(item{member: string(m), score: s})
		return true
	}
	if off, old, ok := z.lpFind(m); ok {
		if old == s {
			return false
		}
		z.lpDelete(off)
		z.lpInsert(m, s)
		return false
	}
	z.lpInsert(m, s)
	return true
}

func (z *ZSet) lpDelete(off int) {
	_, _, next := z.lpEntry(off)
	z.lp = append(z.lp[:off], z.lp[next:]...)
	z.n--
}

func (z *ZSet) lpInsert(m []byte, s float64) {
	x := item{member: string(m), score: s}
	off := 0
	for off < len(z.lp) {
		em, es, next := z.lpEntry(off)
		if es > s || (es == s && string(em) > x.member) {
			break
		}
		off = next
	}
	var tmp [80]byte
	e := appendEntry(tmp[:0], m, s)
	z.lp = append(z.lp, e...)
	copy(z.lp[off+len(e):], z.lp[off:len(z.lp)-len(e)])
	copy(z.lp[off:], e)
	z.n++
}

// remove deletes member m and reports whether it was there.
func (z *ZSet) remove(m []byte) bool {
	if z.t != nil {
		s, _, ok := z.dictScore(m)
		if !ok {
			return false
		}
		z.dict.Delete(m)
		z.t.remove(item{member: string(m), score: s})
		return true
	}
	off, _, ok := z.lpFind(m)
	if ok {
		z.lpDelete(off)
	}
	return ok
}

// Rank returns the 0-based rank of member m in ascending order.
func (z *ZSet) Rank(m []byte) (int, bool) {
	if z.t != nil {
		s, _, ok := z.dictScore(m)
		if !ok {
			return 0, false
		}
		return z.t.rank(item{member: string(m), score: s}), true
	}
	r := 0
	for off := 0; off < len(z.lp); r++ {
		em, _, next := z.lpEntry(off)
		if string(em) == string(m) {
			return r, true
		}
		off = next
	}
	return 0, false
}

// Ascend calls fn for the members from rank r on in ascending order until
// fn returns false. fn must not change the set.
func (z *ZSet) Ascend(r int, fn func(m []byte, s float64) bool) {
	if z.t != nil {
		z.t.ascend(r, func(it *item) bool { return fn(bytesOf(it.member), it.score) })
		return
	}
	i := 0
	for off := 0; off < len(z.lp); i++ {
		m, s, next := z.lpEntry(off)
		if i >= r && !fn(m, s) {
			return
		}
		off = next
	}
}

// Descend calls fn for the members from rank r down to rank 0 until fn
// returns false.
func (z *ZSet) Descend(r int, fn func(m []byte, s float64) bool) {
	if r < 0 {
		return
	}
	if z.t != nil {
		z.t.descend(r, func(it *item) bool { return fn(bytesOf(it.member), it.score) })
		return
	}
	var offs [256]int
	all := offs[:0]
	for off := 0; off < len(z.lp); {
		all = append(all, off)
		_, _, off = z.lpEntry(off)
	}
	if r >= len(all) {
		r = len(all) - 1
	}
	for i := r; i >= 0; i-- {
		m, s, _ := z.lpEntry(all[i])
		if !fn(m, s) {
			return
		}
	}
}

// At returns the member and score at rank r, which must exist.
func (z *ZSet) At(r int) ([]byte, float64) {
	if z.t != nil {
		it := z.t.at(r)
		return bytesOf(it.member), it.score
	}
	var m []byte
	var s float64
	z.Ascend(r, func(em []byte, es float64) bool { m, s = em, es; return false })
	return m, s
}

// countBefore returns the number of members, from the lowest, for which
// before holds up to the first for which it does not: for a predicate that
// holds on a prefix of the order, the rank where it stops holding.
func (z *ZSet) countBefore(before func(m []byte, s float64) bool) int {
	if z.t != nil {
		return z.t.countBefore(func(it *item) bool { return before(bytesOf(it.member), it.score) })
	}
	r := 0
	for off := 0; off < len(z.lp); r++ {
		m, s, next := z.lpEntry(off)
		if !before(m, s) {
			break
		}
		off = next
	}
	return r
}

// removeRanks deletes the members of ranks [from, to] and calls fn (when
// not nil) for each before it goes.
func (z *ZSet) removeRanks(from, to int) {
	if z.t == nil {
		start, end := -1, len(z.lp)
		i := 0
		for off := 0; off < len(z.lp); i++ {
			if i == from {
				start = off
			}
			_, _, next := z.lpEntry(off)
			if i == to {
				end = next
				break
			}
			off = next
		}
		if start < 0 {
			return
		}
		z.lp = append(z.lp[:start], z.lp[end:]...)
		z.n -= to - from + 1
		return
	}
	victims := make([]item, 0, to-from+1)
	z.t.ascend(from, func(it *item) bool {
		victims = append(victims, *it)
		return len(victims) < to-from+1
	})
	for _, it := range victims {
		z.dict.Delete(bytesOf(it.member))
		z.t.remove(it)
	}
}

// FreeEffort implements core.FreeEffort: Redis frees a listpack at once
// and a skip list node by node.
func (z *ZSet) FreeEffort() int {
	if z.t == nil {
		return 1
	}
	return z.Len()
}
