package streams

import "testing"

// BenchmarkStreamAdd measures what XADD * f v does to the stream itself:
// entries of one field filling blocks of 100.
func BenchmarkStreamAdd(b *testing.B) {
	s := &Stream{}
	fv := [][]byte{[]byte("f"), []byte("v")}
	id := ID{Ms: 1}
	for b.Loop() {
		id.Seq++
		s.add(id, fv, 4096, 100)
		if s.length >= 1_000_000 {
			s = &Stream{}
		}
	}
}
