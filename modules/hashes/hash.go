package hashes

import (
	"errors"
	"math/rand/v2"
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
	pairs []pair // small form, in insertion order
	// m is the large form: fields and values packed in a table without a
	// heap object per field (a Go map cost HSET two cache misses per
	// lookup, an allocation per new field and the collector's scans).
	m *bytetab.Table
	// cost is the small form's fields' part of MemoryUsage, kept as fields
	// come and go: the keyspace re-measures a hash after every write, and a
	// walk cost HSET more than the write.
	cost int
}

// fieldCost is what one field and its value count in MemoryUsage.
func fieldCost(field, value []byte) int { return len(field) + cap(value) + 48 }

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
	return 48 + h.cost
}

// Clone implements core.Value.
func (h *Hash) Clone() core.Value {
	c := &Hash{}
	h.Each(func(f, v []byte) bool {
		c.Set(append([]byte(nil), f...), append([]byte(nil), v...))
		return true
	})
	return c
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
	return len(h.pairs)
}

// Get returns the value of a field.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	if h.m != nil {
		return h.m.Get(field)
	}
	for _, p := range h.pairs {
		if string(p.field) == string(field) {
			return p.value, true
		}
	}
	return nil, false
}

// GetField implements the field lookup SORT's BY and GET patterns use.
func (h *Hash) GetField(field []byte) ([]byte, bool) { return h.Get(field) }

// Set sets a field and reports whether it is new. The small form keeps
// both slices; the large one copies them.
func (h *Hash) Set(field, value []byte) bool {
	if h.m != nil {
		added, _ := h.m.Set(field, value)
		return added
	}
	for i := range h.pairs {
		if string(h.pairs[i].field) == string(field) {
			h.cost += cap(value) - cap(h.pairs[i].value)
			h.pairs[i].value = value
			h.maybeConvert(field, value)
			return false
		}
	}
	h.cost += fieldCost(field, value)
	h.pairs = append(h.pairs, pair{field, value})
	h.maybeConvert(field, value)
	return true
}

func (h *Hash) maybeConvert(field, value []byte) {
	if n := maxListpackValue.Load(); int64(len(h.pairs)) <= maxListpackEntries.Load() && int64(len(field)) <= n && int64(len(value)) <= n {
		return
	}
	h.m = &bytetab.Table{}
	h.m.Grow(len(h.pairs))
	for _, p := range h.pairs {
		h.m.Set(p.field, p.value)
	}
	h.pairs, h.cost = nil, 0
}

// Delete removes a field and reports whether it existed.
func (h *Hash) Delete(field []byte) bool {
	if h.m != nil {
		return h.m.Delete(field)
	}
	for i := range h.pairs {
		if string(h.pairs[i].field) == string(field) {
			h.cost -= fieldCost(field, h.pairs[i].value)
			h.pairs = append(h.pairs[:i], h.pairs[i+1:]...)
			return true
		}
	}
	return false
}

// Each calls fn for every field until it returns false: in insertion order
// for a small hash, in no particular order for a large one.
func (h *Hash) Each(fn func(field, value []byte) bool) {
	if h.m != nil {
		h.m.All(fn)
		return
	}
	for _, p := range h.pairs {
		if !fn(p.field, p.value) {
			return
		}
	}
}

// pairList returns the fields and values as a slice, for commands that pick
// fields by index (HRANDFIELD): the hash's own slice in the small form, a
// copy in the large one. The caller must not change it.
func (h *Hash) pairList() []pair {
	if h.m == nil {
		return h.pairs
	}
	out := make([]pair, 0, h.m.Len())
	h.m.All(func(f, v []byte) bool {
		out = append(out, pair{f, v})
		return true
	})
	return out
}

// randomPair returns a random field and its value, drawn uniformly; the
// hash must not be empty.
func (h *Hash) randomPair() pair {
	if h.m == nil {
		return h.pairs[rand.IntN(len(h.pairs))]
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
