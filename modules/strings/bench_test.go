package strings_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

// benchClient starts a server with a 64 KB string "s" and 100 small keys.
func benchClient(b *testing.B) (*redis.Client, context.Context) {
	srv := redmodtest.Run(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 2})
	b.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	rdb.Set(ctx, "s", strings.Repeat("redmod\x00\xff", 8192), 0)
	for i := range 100 {
		rdb.Set(ctx, "k"+strconv.Itoa(i), "value"+strconv.Itoa(i), 0)
	}
	return rdb, ctx
}

func BenchmarkGetRange(b *testing.B) {
	rdb, ctx := benchClient(b)
	for b.Loop() {
		if err := rdb.GetRange(ctx, "s", 1000, 1100).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBitCount(b *testing.B) {
	rdb, ctx := benchClient(b)
	for b.Loop() {
		if err := rdb.BitCount(ctx, "s", nil).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMGet(b *testing.B) {
	rdb, ctx := benchClient(b)
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	for b.Loop() {
		if err := rdb.MGet(ctx, keys...).Err(); err != nil {
			b.Fatal(err)
		}
	}
}
