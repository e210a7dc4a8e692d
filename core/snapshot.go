package core

import (
	"encoding/binary"
	"errors"
)

// ErrCorrupt reports a snapshot encoding that cannot be decoded.
var ErrCorrupt = errors.New("corrupt snapshot data")

// AppendUvarint appends n in the varint encoding snapshots use.
func AppendUvarint(dst []byte, n uint64) []byte { return binary.AppendUvarint(dst, n) }

// AppendVarint appends a signed n.
func AppendVarint(dst []byte, n int64) []byte { return binary.AppendVarint(dst, n) }

// AppendBytes appends b prefixed with its length.
func AppendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// SnapshotReader reads what the Append functions wrote. Every read checks
// the remaining input, so a damaged encoding gives ErrCorrupt rather than a
// panic or a huge allocation.
type SnapshotReader struct {
	b   []byte
	err error
}

// NewSnapshotReader returns a reader over b.
func NewSnapshotReader(b []byte) *SnapshotReader { return &SnapshotReader{b: b} }

// Uvarint reads an unsigned varint.
func (r *SnapshotReader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.err = ErrCorrupt
		return 0
	}
	r.b = r.b[k:]
	return n
}

// Byte reads one byte.
func (r *SnapshotReader) Byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.err = ErrCorrupt
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Varint reads a signed varint.
func (r *SnapshotReader) Varint() int64 {
	if r.err != nil {
		return 0
	}
	n, k := binary.Varint(r.b)
	if k <= 0 {
		r.err = ErrCorrupt
		return 0
	}
	r.b = r.b[k:]
	return n
}

// Count reads a count of items each at least minSize bytes long, rejecting
// counts the remaining input cannot hold, so callers may size slices by it.
func (r *SnapshotReader) Count(minSize int) int {
	n := r.Uvarint()
	if minSize < 1 {
		minSize = 1
	}
	if r.err == nil && n > uint64(len(r.b)/minSize) {
		r.err = ErrCorrupt
		return 0
	}
	return int(n)
}

// Bytes reads a length-prefixed byte string. The result is a copy the
// caller may keep.
func (r *SnapshotReader) Bytes() []byte {
	n := r.Uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = ErrCorrupt
		return nil
	}
	out := make([]byte, n)
	copy(out, r.b)
	r.b = r.b[n:]
	return out
}

// Err returns the first error met.
func (r *SnapshotReader) Err() error { return r.err }

// Done returns the first error met, or ErrCorrupt when input is left over.
func (r *SnapshotReader) Done() error {
	if r.err == nil && len(r.b) != 0 {
		return ErrCorrupt
	}
	return r.err
}
