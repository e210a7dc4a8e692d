package zsets

import (
	"fmt"
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

// BenchmarkAddUpdateBench is redis-benchmark's ZADD: a random member of
// 100,000 ("element:%012d") gets a random integer score below 100,000,
// mostly moving a member already there.
func BenchmarkAddUpdateBench(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	members := make([][]byte, n)
	for i := range members {
		members[i] = fmt.Appendf(nil, "element:%012d", i)
	}
	z := newZSet(0, 0)
	for range n {
		z.add(members[r.IntN(n)], float64(r.IntN(n)))
	}
	b.ReportAllocs()
	for b.Loop() {
		z.add(members[r.IntN(n)], float64(r.IntN(n)))
	}
}

// BenchmarkPopMinLarge pops the lowest member of a set of 100,000 (refilled
// when it empties): redis-benchmark's ZPOPMIN after its ZADD.
func BenchmarkPopMinLarge(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	fill := func() *ZSet {
		z := newZSet(n, 0)
		for i := 0; i < n; i++ {
			z.add([]byte(fmt.Sprintf("element:%012d", i)), float64(r.IntN(n)))
		}
		return z
	}
	z := fill()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if z.Len() == 0 {
			b.StopTimer()
			z = fill()
			b.StartTimer()
		}
		z.popOne(false)
	}
}
