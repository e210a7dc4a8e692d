package sets_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/modules/sets"
	"github.com/redmod/redmod/redmodtest"
)

// BenchmarkSAddPipelined16 is redis-benchmark's SADD at -P 16: random
// members "element:N" of 100,000 into one set.
func BenchmarkSAddPipelined16(b *testing.B) {
	srv := redmodtest.Run(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 2})
	b.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	for b.Loop() {
		p := rdb.Pipeline()
		for range 16 {
			p.SAdd(ctx, "myset", "element:"+strconv.Itoa(rand.IntN(100000)))
		}
		if _, err := p.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetAddTable measures the set itself: adding to a large set.
func BenchmarkSetAddTable(b *testing.B) {
	s := sets.NewIntset()
	members := make([][]byte, 100000)
	for i := range members {
		members[i] = []byte("element:" + strconv.Itoa(i))
	}
	i := 0
	for b.Loop() {
		s.Add(members[i%len(members)], 512)
		i++
	}
}

// BenchmarkSetRandomRemove measures SPOP's work on a large set.
func BenchmarkSetRandomRemove(b *testing.B) {
	s := sets.NewIntset()
	for i := range 200000 {
		s.Add([]byte("element:"+strconv.Itoa(i)), 512)
	}
	for b.Loop() {
		if s.Len() == 0 {
			b.StopTimer()
			for i := range 200000 {
				s.Add([]byte("element:"+strconv.Itoa(i)), 512)
			}
			b.StartTimer()
		}
		s.Remove(s.Random())
	}
}

// BenchmarkSetPop measures SPOP's work on a large set of strings.
func BenchmarkSetPop(b *testing.B) {
	s := sets.NewIntset()
	fill := func() {
		for i := range 200000 {
			s.Add([]byte("element:"+strconv.Itoa(i)), 512)
		}
	}
	fill()
	for b.Loop() {
		if s.Len() == 0 {
			b.StopTimer()
			fill()
			b.StartTimer()
		}
		s.Pop()
	}
}
