package hll_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

func TestHLLE2E(t *testing.T) {
	ctx := context.Background()
	srv := redmodtest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	if n := rdb.PFAdd(ctx, "a", "1", "2", "3").Val(); n != 1 {
		t.Fatalf("PFADD = %d", n)
	}
	rdb.PFAdd(ctx, "b", "3", "4")
	if n := rdb.PFCount(ctx, "a", "b").Val(); n != 4 {
		t.Fatalf("PFCOUNT a b = %d", n)
	}
	if err := rdb.PFMerge(ctx, "c", "a", "b").Err(); err != nil {
		t.Fatal(err)
	}
	if n := rdb.PFCount(ctx, "c").Val(); n != 4 {
		t.Fatalf("PFCOUNT c = %d", n)
	}
	if typ := rdb.Type(ctx, "c").Val(); typ != "string" {
		t.Fatalf("TYPE = %q", typ)
	}
	rdb.Set(ctx, "s", "not an hll", 0)
	if err := rdb.PFAdd(ctx, "s", "x").Err(); err == nil || err.Error() != "WRONGTYPE Key is not a valid HyperLogLog string value." {
		t.Fatalf("PFADD on a string: %v", err)
	}
}
