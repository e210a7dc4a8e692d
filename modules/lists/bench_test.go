package lists_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/modules/lists"
	"github.com/redmod/redmod/redmodtest"
)

// benchClient starts a server with a list "big" of 100,000 elements.
func benchClient(b *testing.B) (*redis.Client, context.Context) {
	srv := redmodtest.Run(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 2})
	b.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	vals := make([]any, 1000)
	for i := 0; i < 100; i++ {
		for j := range vals {
			vals[j] = "element-" + strconv.Itoa(i*1000+j)
		}
		rdb.RPush(ctx, "big", vals...)
	}
	return rdb, ctx
}

func BenchmarkLPush(b *testing.B) {
	rdb, ctx := benchClient(b)
	for b.Loop() {
		if err := rdb.LPush(ctx, "q", "some element").Err(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLPushPipelined100(b *testing.B) {
	rdb, ctx := benchClient(b)
	for b.Loop() {
		pipe := rdb.Pipeline()
		for range 100 {
			pipe.LPush(ctx, "q", "some element")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLRange100(b *testing.B) {
	rdb, ctx := benchClient(b)
	for b.Loop() {
		if err := rdb.LRange(ctx, "big", 50000, 50099).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLIndexMiddle(b *testing.B) {
	rdb, ctx := benchClient(b)
	for b.Loop() {
		if err := rdb.LIndex(ctx, "big", 50000).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListType measures the list type alone: push at both ends, index
// and pop, without the network.
func BenchmarkListType(b *testing.B) {
	v := []byte("some element")
	b.Run("PushBack", func(b *testing.B) {
		l := &lists.List{}
		for b.Loop() {
			l.PushBack(v)
		}
	})
	b.Run("PushPop", func(b *testing.B) {
		l := &lists.List{}
		for range 1000 {
			l.PushBack(v)
		}
		for b.Loop() {
			l.PushFront(l.PopBack())
		}
	})
	b.Run("At", func(b *testing.B) {
		l := &lists.List{}
		for range 100000 {
			l.PushBack(v)
		}
		i := 0
		for b.Loop() {
			_ = l.At(i % 100000)
			i += 7919
		}
	})
}
