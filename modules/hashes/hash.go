package hashes

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/modules/internal/bytetab"
)

// Redis keeps small hashes as a listpack, in insertion order, and converts
// them to a hash table past these limits (hash-max-listpack-entries 512 and
// hash-max-listpack-value); redmod does the same so that HGETALL on a small
// hash answers in the same order as Redis. The limits are settings
// (module.go), kept here for the conversion check every HSET makes.
var (
	maxListpackEntries atomic.Int64
	maxListpackValue   atomic.Int64
)

func init() {
	maxListpackEntries.Store(defaultListpackEntries)
	maxListpackValue.Store(defaultListpackValue)
}

// Hash is the hash type.
type Hash struct {
	// lp is the small form, as Redis's listpack: one byte slice of
	// records in insertion order, each the field's and the value's lengths
	// (uvarints) then their bytes, so a small hash is one heap object and
	// a lookup scans contiguous memory. n counts its fields.
	lp []byte
	n  int
	// m is the large form: fields and values packed in a table without a
	// heap object per field (a Go map cost HSET two cache misses per
	// lookup, an allocation per new field and the collector's scans).
	m *bytetab.Table
}

// lpRecord decodes the small form's record at off: where its field starts
// and ends and where its value ends (the next record's offset).
func (h *Hash) lpRecord(off int) (f0, f1, v1 int) {
	fl, a := binary.Uvarint(h.lp[off:])
	vl, b := binary.Uvarint(h.lp[off+a:])
	f0 = off + a + b
	f1 = f0 + int(fl)
	return f0, f1, f1 + int(vl)
}

// lpFind returns the offset of field's record in the small form, or -1.
func (h *Hash) lpFind(field []byte) int {
	for off := 0; off < len(h.lp); {
		f0, f1, v1 := h.lpRecord(off)
		if string(h.lp[f0:f1]) == string(field) {
			return off
		}
		off = v1
	}
	return -1
}

func appendRecord(dst, field, value []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(field)))
	dst = binary.AppendUvarint(dst, uint64(len(value)))
	return append(append(dst, field...), value...)
}

type pair struct{ field, value []byte }

// HashType is the descriptor of Hash values.
var HashType = &core.Type{Name: "hash", Decode: decodeHash,
	Native: &core.Native{Kind: core.NativeHash, Build: buildHash}}

// NativeContent implements core.NativeValue: the fields and values.
func (h *Hash) NativeContent() core.NativeContent {
	return core.HashContent(h.Len(), func(yield func(f, v []byte) bool) { h.Each(yield) })
}

// buildHash makes a hash from the fields of a Redis hash (RDB, RESTORE); a
// repeated field means damaged input, as Redis's loader decides.
func buildHash(c core.NativeContent) (core.Value, error) {
	if c.Kind != core.NativeHash {
		return nil, core.ErrCorrupt
	}
	h := &Hash{}
	for f, v := range c.Pairs {
		if !h.Set(f, v) {
			return nil, errors.New("duplicate hash field")
		}
	}
	return h, nil
}

// Type implements core.Value.
func (h *Hash) Type() *core.Type { return HashType }

// Encoding implements core.Value.
func (h *Hash) Encoding() string {
	if h.m != nil {
		return "hashtable"
	}
	return "listpack"
}

// MemoryUsage implements core.Value.
func (h *Hash) MemoryUsage() int {
	if h.m != nil {
		return 48 + h.m.MemoryUsage()
	}
	return 48 + cap(h.lp)
}

// Clone implements core.Value.
func (h *Hash) Clone() core.Value {
	if h.m != nil {
		return &Hash{m: h.m.Clone()}
	}
	return &Hash{lp: slices.Clone(h.lp), n: h.n}
}

// AppendSnapshot implements core.Value: the count, then field and value pairs.
func (h *Hash) AppendSnapshot(dst []byte) []byte {
	dst = core.AppendUvarint(dst, uint64(h.Len()))
	h.Each(func(f, v []byte) bool {
		dst = core.AppendBytes(dst, f)
		dst = core.AppendBytes(dst, v)
		return true
	})
	return dst
}

func decodeHash(p []byte) (core.Value, error) {
	r := core.NewSnapshotReader(p)
	n := r.Count(2)
	h := &Hash{}
	for i := 0; i < n && r.Err() == nil; i++ {
		f := r.Bytes()
		v := r.Bytes()
		if r.Err() == nil {
			h.Set(f, v)
		}
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return h, nil
}

// Len returns the number of fields.
func (h *Hash) Len() int {
	if h.m != nil {
		return h.m.Len()
	}
	return h.n
}

// Get returns the value of a field.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	if h.m != nil {
		return h.m.Get(field)
	}
	if off := h.lpFind(field); off >= 0 {
		_, f1, v1 := h.lpRecord(off)
		return h.lp[f1:v1:v1], true
	}
	return nil, false
}

// GetField implements the field lookup SORT's BY and GET patterns use.
func (h *Hash) GetField(field []byte) ([]byte, bool) { return h.Get(field) }

// reserve makes room in the small form for pairs of fields and values
// (field, value, field, value, ...) about to be set, so that a hash made by
// one HSET of several fields gets its slice at its size in one allocation
// rather than through the doublings of append (which left up to half of it
// unused).
func (h *Hash) reserve(pairs [][]byte) {
	if h.m != nil {
		return
	}
	need := 0
	for _, b := range pairs {
		need += len(b) + 1
	}
	if len(h.lp)+need > cap(h.lp) {
		h.lp = slices.Grow(h.lp, need)
	}
}

// Set sets a field and reports whether it is new. Both forms copy the
// bytes.
func (h *Hash) Set(field, value []byte) bool {
	if h.m != nil {
		added, _ := h.m.Set(field, value)
		return added
	}
	if off := h.lpFind(field); off >= 0 {
		_, f1, v1 := h.lpRecord(off)
		if v1-f1 == len(value) {
			copy(h.lp[f1:v1], value)
		} else {
			// The field keeps its place, as in a listpack.
			var tmp [64]byte
			rec := appendRecord(tmp[:0], field, value)
			h.lp = append(h.lp[:off], append(rec, h.lp[v1:]...)...)
		}
		h.maybeConvert(field, value)
		return false
	}
	h.lp = appendRecord(h.lp, field, value)
	h.n++
	h.maybeConvert(field, value)
	return true
}

func (h *Hash) maybeConvert(field, value []byte) {
	if n := maxListpackValue.Load(); int64(h.n) <= maxListpackEntries.Load() && int64(len(field)) <= n && int64(len(value)) <= n {
		return
	}
	m := &bytetab.Table{}
	m.Grow(h.n)
	h.Each(func(f, v []byte) bool {
		m.Set(f, v)
		return true
	})
	h.m, h.lp, h.n = m, nil, 0
}

// Delete removes a field and reports whether it existed.
func (h *Hash) Delete(field []byte) bool {
	if h.m != nil {
		return h.m.Delete(field)
	}
	off := h.lpFind(field)
	if off < 0 {
		return false
	}
	_, _, v1 := h.lpRecord(off)
	h.lp = append(h.lp[:off], h.lp[v1:]...)
	h.n--
	return true
}

// Each calls fn for every field until it returns false: in insertion order
// for a small hash, in no particular order for a large one.
func (h *Hash) Each(fn func(field, value []byte) bool) {
	if h.m != nil {
		h.m.All(fn)
		return
	}
	for off := 0; off < len(h.lp); {
		f0, f1, v1 := h.lpRecord(off)
		if !fn(h.lp[f0:f1:f1], h.lp[f1:v1:v1]) {
			return
		}
		off = v1
	}
}

// pairList returns the fields and values as a slice, for commands that pick
// fields by index (HRANDFIELD). The slices point into the hash: the caller
// must not change them, and they are valid until the hash changes.
func (h *Hash) pairList() []pair {
	out := make([]pair, 0, h.Len())
	h.Each(func(f, v []byte) bool {
		out = append(out, pair{f, v})
		return true
	})
	return out
}

// randomPair returns a random field and its value, drawn uniformly; the
// hash must not be empty.
func (h *Hash) randomPair() pair {
	if h.m == nil {
		k := rand.IntN(h.n)
		var p pair
		h.Each(func(f, v []byte) bool {
			if k == 0 {
				p = pair{f, v}
				return false
			}
			k--
			return true
		})
		return p
	}
	f, v := h.m.Random()
	return pair{f, v}
}

// FreeEffort implements core.FreeEffort: Redis frees a listpack at once
// and a hash table field by field.
func (h *Hash) FreeEffort() int {
	if h.m == nil {
		return 1
	}
	return h.m.Len()
}
