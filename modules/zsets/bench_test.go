package zsets

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// BenchmarkAddLarge adds random members to a set of a million, the cost
// ZADD pays on a large sorted set.
func BenchmarkAddLarge(b *testing.B) {
	z := newZSet(1<<20, 0)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1<<20; i++ {
		z.add([]byte("member:"+strconv.Itoa(i)), r.Float64())
	}
	keys := make([][]byte, 4096)
	for i := range keys {
		keys[i] = []byte("new:" + strconv.Itoa(i))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		z.add(keys[i%len(keys)], r.Float64())
	}
}

// BenchmarkRankLarge finds ranks in a set of a million members.
func BenchmarkRankLarge(b *testing.B) {
	z := newZSet(1<<20, 0)
	for i := 0; i < 1<<20; i++ {
		z.add([]byte("member:"+strconv.Itoa(i)), float64(i))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		z.Rank([]byte("member:" + strconv.Itoa(i&(1<<20-1))))
	}
}
