package hashes

import (
	"fmt"
	"math/rand/v2"
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

// BenchmarkSetLargeHashRandom is redis-benchmark's HSET on one hash: an
// existing field of 100,000 drawn at random gets a new 3-byte value.
func BenchmarkSetLargeHashRandom(b *testing.B) {
	h := &Hash{}
	fields := make([][]byte, 100_000)
	for i := range fields {
		fields[i] = fmt.Appendf(nil, "element:%012d", i)
	}
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(len(fields)) {
		h.Set(fields[i], []byte("xxx"))
	}
	order := rand.New(rand.NewPCG(3, 4)).Perm(len(fields))
	i := 0
	for b.Loop() {
		h.Set(fields[order[i%len(order)]], []byte("yyy"))
		_ = h.EstimateMemory()
		i++
	}
}
