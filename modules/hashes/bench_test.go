package hashes

import (
	"strconv"
	"testing"
)

// BenchmarkSetLargeHash is what HSET does to a hash table form hash of
// 100,000 fields: the write, then the keyspace's re-measure of the value.
func BenchmarkSetLargeHash(b *testing.B) {
	h := &Hash{}
	fields := make([][]byte, 100_000)
	for i := range fields {
		fields[i] = []byte("element:" + strconv.Itoa(i))
		h.Set(fields[i], []byte("xxx"))
	}
	i := 0
	for b.Loop() {
		h.Set(fields[i%len(fields)], []byte("yyy"))
		_ = h.EstimateMemory()
		i++
	}
}
