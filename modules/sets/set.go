package sets

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/modules/internal/bytetab"
)

// A set has one of three forms. Redis 7.0 has two encodings: an intset (a
// sorted array of integers, up to set-max-intset-entries members) and a
// hash table. redmod keeps the intset as Redis does, so that small integer
// sets answer in the same (ascending) order, and has two forms behind
// "hashtable":
//
//   - packed: up to packMaxEntries members of up to packMaxLen bytes in one
//     byte slice (a length byte, then the bytes), so a small set of strings
//     is one heap object rather than one per member;
//   - table: a Go map of integers (members that are canonical decimal
//     integers, 8 bytes each without a heap object) and a bytetab.Table of
//     strings (packed in one arena: no heap object per member, one hash
//     and two cache lines per lookup, where a map[string] cost two misses,
//     an allocation per new member and the collector's scans).
//
// OBJECT ENCODING reports "intset" or "hashtable", as Redis 7.0 does.
const (
	packMaxEntries = 128
	packMaxLen     = 64
)

type form uint8

const (
	formIntset form = iota
	formPacked
	formTable
)

// Set is the set type.
type Set struct {
	form   form
	ints   []int64 // intset: sorted ascending
	packed []byte  // packed: members as <len byte><bytes>
	n      int     // packed: number of members
	ti     map[int64]struct{}
	ts     *bytetab.Table
	peak   int // table: largest size of ti since it was made, to shrink it
}

// SetType is the descriptor of Set values.
var SetType = &core.Type{Name: "set", Decode: decodeSet,
	Native: &core.Native{Kind: core.NativeSet, Build: buildSet}}

// NewIntset returns an empty set in the intset form, as Redis creates a set
// whose first member is an integer.
func NewIntset() *Set { return &Set{form: formIntset} }

// newFor returns an empty set in the form Redis would create for a first
// member m (setTypeCreate).
func newFor(m []byte) *Set {
	if _, ok := core.ParseInt(m); ok {
		return &Set{form: formIntset}
	}
	return &Set{form: formPacked}
}

// Type implements core.Value.
func (s *Set) Type() *core.Type { return SetType }

// Encoding implements core.Value.
func (s *Set) Encoding() string {
	if s.form == formIntset {
		return "intset"
	}
	return "hashtable"
}

// MemoryUsage implements core.Value.
func (s *Set) MemoryUsage() int {
	switch s.form {
	case formIntset:
		return 48 + 8*cap(s.ints)
	case formPacked:
		return 48 + cap(s.packed)
	}
	return 96 + 12*len(s.ti) + s.ts.MemoryUsage()
}

// Clone implements core.Value: a copy in the same form.
func (s *Set) Clone() core.Value {
	c := &Set{form: s.form, n: s.n, peak: s.peak}
	switch s.form {
	case formIntset:
		c.ints = slices.Clone(s.ints)
	case formPacked:
		c.packed = slices.Clone(s.packed)
	default:
		c.ti = make(map[int64]struct{}, len(s.ti))
		for k := range s.ti {
			c.ti[k] = struct{}{}
		}
		c.ts = s.ts.Clone()
	}
	return c
}

// AppendSnapshot implements core.Value: the form, the count, then the
// members, so that a reloaded set keeps its encoding.
func (s *Set) AppendSnapshot(dst []byte) []byte {
	dst = append(dst, byte(s.form))
	dst = core.AppendUvarint(dst, uint64(s.Len()))
	s.Each(func(m []byte) bool {
		dst = core.AppendBytes(dst, m)
		return true
	})
	return dst
}

func decodeSet(p []byte) (core.Value, error) {
	if len(p) == 0 || p[0] > byte(formTable) {
		return nil, errBadSnapshot
	}
	f := form(p[0])
	r := core.NewSnapshotReader(p[1:])
	n := r.Count(1)
	s := &Set{form: f}
	if f == formTable {
		s.toTable(n)
	}
	for i := 0; i < n && r.Err() == nil; i++ {
		m := r.Bytes()
		if r.Err() != nil {
			break
		}
		if f == formIntset {
			if _, ok := core.ParseInt(m); !ok {
				return nil, errBadSnapshot
			}
		}
		s.add(m, -1)
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return s, nil
}

var errBadSnapshot = core.NewError("ERR malformed set in snapshot")

// Len returns the number of members.
func (s *Set) Len() int {
	switch s.form {
	case formIntset:
		return len(s.ints)
	case formPacked:
		return s.n
	}
	return len(s.ti) + s.ts.Len()
}

// Contains reports whether m is a member.
func (s *Set) Contains(m []byte) bool {
	switch s.form {
	case formIntset:
		v, ok := core.ParseInt(m)
		if !ok {
			return false
		}
		_, found := slices.BinarySearch(s.ints, v)
		return found
	case formPacked:
		return s.packedIndex(m) >= 0
	}
	if v, ok := core.ParseInt(m); ok {
		_, found := s.ti[v]
		return found
	}
	return s.ts.Has(m)
}

// packedIndex returns the offset of m in the packed form, or -1.
func (s *Set) packedIndex(m []byte) int {
	if len(m) > packMaxLen {
		return -1
	}
	p := s.packed
	for i := 0; i < len(p); {
		l := int(p[i])
		if l == len(m) && bytes.Equal(p[i+1:i+1+l], m) {
			return i
		}
		i += 1 + l
	}
	return -1
}

// Add adds m and reports whether it is new; maxIntset is the
// set-max-intset-entries limit. m is not kept.
func (s *Set) Add(m []byte, maxIntset int) bool { return s.add(m, maxIntset) }

// add is Add; a negative maxIntset never converts an intset for its size
// (snapshot loading keeps the form that was saved).
func (s *Set) add(m []byte, maxIntset int) bool {
	switch s.form {
	case formIntset:
		v, ok := core.ParseInt(m)
		if !ok {
			s.convert(len(s.ints) + 1)
			return s.add(m, maxIntset)
		}
		i, found := slices.BinarySearch(s.ints, v)
		if found {
			return false
		}
		s.ints = slices.Insert(s.ints, i, v)
		if maxIntset >= 0 && len(s.ints) > min(maxIntset, 1<<30) {
			s.convert(len(s.ints))
		}
		return true
	case formPacked:
		if s.packedIndex(m) >= 0 {
			return false
		}
		if len(m) > packMaxLen || s.n >= packMaxEntries {
			s.toTable(s.n + 1)
			return s.add(m, maxIntset)
		}
		s.packed = append(append(s.packed, byte(len(m))), m...)
		s.n++
		return true
	}
	if v, ok := core.ParseInt(m); ok {
		if _, found := s.ti[v]; found {
			return false
		}
		s.ti[v] = struct{}{}
		s.peak = max(s.peak, len(s.ti))
		return true
	}
	return s.ts.Add(m, nil)
}

// convert leaves the intset form for the hash table ones, sized for n
// members.
func (s *Set) convert(n int) {
	ints := s.ints
	s.ints = nil
	if n <= packMaxEntries {
		s.form = formPacked
		s.packed = make([]byte, 0, len(ints)*4)
		for _, v := range ints {
			at := len(s.packed)
			s.packed = strconv.AppendInt(append(s.packed, 0), v, 10)
			s.packed[at] = byte(len(s.packed) - at - 1)
		}
		s.n = len(ints)
		return
	}
	s.form = formTable
	s.ti = make(map[int64]struct{}, n)
	s.ts = &bytetab.Table{}
	for _, v := range ints {
		s.ti[v] = struct{}{}
	}
	s.peak = len(ints)
}

// toTable moves the packed form (or an empty set) to the maps.
func (s *Set) toTable(n int) {
	old := s.packed
	s.form = formTable
	s.ti = map[int64]struct{}{}
	s.ts = &bytetab.Table{}
	s.ts.Grow(n)
	s.packed, s.n = nil, 0
	for i := 0; i < len(old); {
		l := int(old[i])
		m := old[i+1 : i+1+l]
		if v, ok := core.ParseInt(m); ok {
			s.ti[v] = struct{}{}
		} else {
			s.ts.Add(m, nil)
		}
		i += 1 + l
	}
	s.peak = len(s.ti)
}

// Remove removes m and reports whether it was a member.
func (s *Set) Remove(m []byte) bool {
	switch s.form {
	case formIntset:
		v, ok := core.ParseInt(m)
		if !ok {
			return false
		}
		i, found := slices.BinarySearch(s.ints, v)
		if !found {
			return false
		}
		s.ints = slices.Delete(s.ints, i, i+1)
		return true
	case formPacked:
		i := s.packedIndex(m)
		if i < 0 {
			return false
		}
		s.packed = slices.Delete(s.packed, i, i+1+int(s.packed[i]))
		s.n--
		return true
	}
	// A deletion that changed the length found the member: one lookup
	// rather than a test then a deletion.
	if v, ok := core.ParseInt(m); ok {
		n := len(s.ti)
		if delete(s.ti, v); len(s.ti) == n {
			return false
		}
		s.maybeShrink()
		return true
	}
	return s.ts.Delete(m)
}

// maybeShrink rebuilds the integers' map once most of its members are
// gone: Go maps never give memory back, and a random pick from a sparse map
// walks empty slots. Redis shrinks its tables the same way (the strings'
// table shrinks itself).
func (s *Set) maybeShrink() {
	n := len(s.ti)
	if s.peak < 1024 || n*4 > s.peak {
		return
	}
	ti := make(map[int64]struct{}, n)
	for k := range s.ti {
		ti[k] = struct{}{}
	}
	s.ti, s.peak = ti, n
}

// Each calls fn for every member until it returns false: ascending for an
// intset, in insertion order for a small set of strings, in no particular
// order otherwise. The slice is valid only during the call, and fn must
// not change it: a member of a large set is passed without a copy.
func (s *Set) Each(fn func(m []byte) bool) {
	var buf [24]byte
	switch s.form {
	case formIntset:
		for _, v := range s.ints {
			if !fn(strconv.AppendInt(buf[:0], v, 10)) {
				return
			}
		}
	case formPacked:
		p := s.packed
		for i := 0; i < len(p); {
			l := int(p[i])
			if !fn(p[i+1 : i+1+l : i+1+l]) {
				return
			}
			i += 1 + l
		}
	default:
		for v := range s.ti {
			if !fn(strconv.AppendInt(buf[:0], v, 10)) {
				return
			}
		}
		s.ts.All(func(m, _ []byte) bool { return fn(m) })
	}
}

// Members returns copies of the members, in Each's order.
func (s *Set) Members() [][]byte {
	out := make([][]byte, 0, s.Len())
	s.Each(func(m []byte) bool {
		out = append(out, bytes.Clone(m))
		return true
	})
	return out
}

// SortElements implements core.Sortable: SORT sorts a set's members.
func (s *Set) SortElements() ([][]byte, bool) { return s.Members(), false }

// Random returns a random member (a copy); the set must not be empty. A
// large set answers from Go's map iteration, which starts at a random place,
// without copying the set.
func (s *Set) Random() []byte {
	switch s.form {
	case formIntset:
		return strconv.AppendInt(nil, s.ints[rand.IntN(len(s.ints))], 10)
	case formPacked:
		k := rand.IntN(s.n)
		var out []byte
		s.Each(func(m []byte) bool {
			if k == 0 {
				out = bytes.Clone(m)
				return false
			}
			k--
			return true
		})
		return out
	}
	// Pick the map in proportion to its size, then a member of it. The
	// iteration starts at a random slot, so members that follow empty slots
	// would come up more often; walking a few members further evens that
	// out. Each step is a likely cache miss in a large map, so the walk is
	// short, and maybeShrink keeps the maps at least a quarter full.
	if rand.IntN(s.Len()) < len(s.ti) {
		skip := rand.IntN(min(len(s.ti), randomWalk))
		for v := range s.ti {
			if skip == 0 {
				return strconv.AppendInt(nil, v, 10)
			}
			skip--
		}
	}
	m, _ := s.ts.Random()
	return bytes.Clone(m)
}

// Pop removes and returns a random member; the set must not be empty. It
// draws as Random does, and removes the member it drew without looking it
// up again. The slice may share memory with the set's former member: it
// must not be changed.
func (s *Set) Pop() []byte {
	if s.form != formTable {
		m := s.Random()
		s.Remove(m)
		return m
	}
	if rand.IntN(s.Len()) < len(s.ti) {
		skip := rand.IntN(min(len(s.ti), randomWalk))
		for v := range s.ti {
			if skip == 0 {
				delete(s.ti, v)
				s.maybeShrink()
				return strconv.AppendInt(nil, v, 10)
			}
			skip--
		}
	}
	// The table never changes a removed member's bytes: they are handed
	// out without a copy.
	m, _ := s.ts.PopRandom()
	return m
}

// randomWalk bounds how many members Random walks past its starting point.
const randomWalk = 8

// scanPosSeed seeds the SSCAN positions of a large set's members; it is
// fixed for the life of the process so that positions stay put.
var scanPosSeed = maphash.MakeSeed()

// memberPos is a member's SSCAN position. It is never 0, so that a cursor
// pointing at a member is never mistaken for the end of an iteration.
func memberPos(m []byte) uint64 { return maphash.Bytes(scanPosSeed, m) | 1 }

// FreeEffort implements core.FreeEffort: Redis frees an intset at once
// and a hash table member by member.
func (s *Set) FreeEffort() int {
	if s.form == formIntset {
		return 1
	}
	return s.Len()
}
