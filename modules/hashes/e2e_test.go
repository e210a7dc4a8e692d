package hashes_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

func client(t *testing.T) *redis.Client {
	t.Helper()
	srv := redmodtest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestHashCommandsE2E(t *testing.T) {
	ctx := context.Background()
	rdb := client(t)
	if err := rdb.HMSet(ctx, "user", "name", "Ada", "lang", "Go", "age", "36").Err(); err != nil {
		t.Fatal(err)
	}
	if n := rdb.HLen(ctx, "user").Val(); n != 3 {
		t.Fatalf("HLEN = %d", n)
	}
	if !rdb.HExists(ctx, "user", "lang").Val() || rdb.HExists(ctx, "user", "nope").Val() {
		t.Fatal("HEXISTS")
	}
	if got := rdb.HKeys(ctx, "user").Val(); len(got) != 3 || got[0] != "name" || got[2] != "age" {
		t.Fatalf("HKEYS = %q (insertion order expected)", got)
	}
	if got := rdb.HVals(ctx, "user").Val(); len(got) != 3 || got[1] != "Go" {
		t.Fatalf("HVALS = %q", got)
	}
	vals := rdb.HMGet(ctx, "user", "name", "nope", "age").Val()
	if vals[0] != "Ada" || vals[1] != nil || vals[2] != "36" {
		t.Fatalf("HMGET = %v", vals)
	}
	if n := rdb.HIncrBy(ctx, "user", "age", 4).Val(); n != 40 {
		t.Fatalf("HINCRBY = %d", n)
	}
	if err := rdb.HIncrBy(ctx, "user", "name", 1).Err(); err == nil || err.Error() != "ERR hash value is not an integer" {
		t.Fatalf("HINCRBY on a word: %v", err)
	}
	rdb.HSet(ctx, "user", "score", "0.3")
	if !rdb.HSetNX(ctx, "user", "city", "London").Val() || rdb.HSetNX(ctx, "user", "city", "Paris").Val() {
		t.Fatal("HSETNX")
	}
	if n := rdb.HStrLen(ctx, "user", "city").Val(); n != 6 {
		t.Fatalf("HSTRLEN = %d", n)
	}
	f := rdb.HRandField(ctx, "user", 1).Val()
	if len(f) != 1 || !rdb.HExists(ctx, "user", f[0]).Val() {
		t.Fatalf("HRANDFIELD = %q", f)
	}
	all := rdb.HRandFieldWithValues(ctx, "user", 100).Val()
	if len(all) != 5 {
		t.Fatalf("HRANDFIELD 100 WITHVALUES = %v", all)
	}
	for _, kv := range all {
		if v := rdb.HGet(ctx, "user", kv.Key).Val(); v != kv.Value {
			t.Fatalf("HRANDFIELD pair %v, stored %q", kv, v)
		}
	}
	if rep := rdb.HRandField(ctx, "user", -20).Val(); len(rep) != 20 {
		t.Fatalf("HRANDFIELD -20 gave %d fields", len(rep))
	}
	distinct := map[string]bool{}
	for _, x := range rdb.HRandField(ctx, "user", 4).Val() {
		distinct[x] = true
	}
	if len(distinct) != 4 {
		t.Fatalf("HRANDFIELD 4 repeated a field: %v", distinct)
	}
	kv, cur, err := rdb.HScan(ctx, "user", 0, "*a*", 1).Result()
	if err != nil || cur != 0 || len(kv) != 6 { // name, lang, age
		t.Fatalf("HSCAN = %q %d %v", kv, cur, err)
	}
}

// TestHscanLargeGuarantee checks HSCAN over a hash past the listpack limits
// while fields come and go: every field present throughout is returned once.
func TestHscanLargeGuarantee(t *testing.T) {
	ctx := context.Background()
	rdb := client(t)
	args := []any{}
	for i := range 2000 {
		args = append(args, "f"+strconv.Itoa(i), i)
	}
	rdb.HSet(ctx, "big", args...)
	if enc := rdb.ObjectEncoding(ctx, "big").Val(); enc != "hashtable" {
		t.Fatalf("encoding %q", enc)
	}
	seen := map[string]int{}
	var cursor uint64
	calls := 0
	for {
		kv, next, err := rdb.HScan(ctx, "big", cursor, "", 10).Result()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(kv); i += 2 {
			seen[kv[i]]++
		}
		calls++
		rdb.HSet(ctx, "big", "added"+strconv.Itoa(calls), "x")
		rdb.HDel(ctx, "big", "f"+strconv.Itoa(1000+calls))
		if cursor = next; cursor == 0 {
			break
		}
	}
	for i := range 1000 {
		if f := "f" + strconv.Itoa(i); seen[f] != 1 {
			t.Fatalf("%s seen %d times", f, seen[f])
		}
	}
	for f, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", f, n)
		}
	}
	if calls < 5 {
		t.Fatalf("only %d calls: COUNT should keep replies well below the whole hash", calls)
	}
}

// TestHashWritesCountNoHits checks that the commands that change a hash
// look it up as Redis's lookupKeyWrite does: keyspace_hits and
// keyspace_misses stay at 0 (as on redis-server 7.0), while a read counts.
func TestHashWritesCountNoHits(t *testing.T) {
	ctx := context.Background()
	rdb := client(t)
	rdb.HSet(ctx, "h", "a", "1")
	rdb.HSet(ctx, "h", "b", "2")
	rdb.HDel(ctx, "h", "zz")
	rdb.HDel(ctx, "nokey", "zz")
	rdb.HIncrBy(ctx, "h", "c", 1)
	rdb.HIncrByFloat(ctx, "h", "d", 1.5)
	rdb.HSetNX(ctx, "h", "e", "x")
	rdb.HMSet(ctx, "h2", "f", "v")
	stat := func(name string) string {
		for _, line := range strings.Split(rdb.Info(ctx, "stats").Val(), "\r\n") {
			if v, ok := strings.CutPrefix(line, name+":"); ok {
				return v
			}
		}
		return ""
	}
	if h, m := stat("keyspace_hits"), stat("keyspace_misses"); h != "0" || m != "0" {
		t.Fatalf("after hash writes: keyspace_hits %s, keyspace_misses %s (Redis: 0, 0)", h, m)
	}
	rdb.HGet(ctx, "h", "a")
	if h := stat("keyspace_hits"); h != "1" {
		t.Fatalf("after HGET: keyspace_hits %s, want 1", h)
	}
}
