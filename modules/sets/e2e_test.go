package sets_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

func TestSetCommandsE2E(t *testing.T) {
	ctx := context.Background()
	srv := redmodtest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	if n := rdb.SAdd(ctx, "s", "a", "b", "c", "a").Val(); n != 3 {
		t.Fatalf("SADD = %d", n)
	}
	rdb.SAdd(ctx, "t", "b", "c", "d")
	got := rdb.SInter(ctx, "s", "t").Val()
	slices.Sort(got)
	if !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("SINTER = %q", got)
	}
	if n := rdb.SInterCard(ctx, 1, "s", "t").Val(); n != 1 {
		t.Fatalf("SINTERCARD LIMIT 1 = %d", n)
	}
	if n := rdb.SUnionStore(ctx, "u", "s", "t").Val(); n != 4 {
		t.Fatalf("SUNIONSTORE = %d", n)
	}
	if ok := rdb.SMove(ctx, "u", "v", "a").Val(); !ok {
		t.Fatal("SMOVE")
	}
	if got := rdb.SMIsMember(ctx, "u", "a", "b").Val(); !slices.Equal(got, []bool{false, true}) {
		t.Fatalf("SMISMEMBER = %v", got)
	}
	if got := rdb.SRandMemberN(ctx, "u", -10).Val(); len(got) != 10 {
		t.Fatalf("SRANDMEMBER -10 = %q", got)
	}
	popped := rdb.SPopN(ctx, "u", 2).Val()
	if len(popped) != 2 || rdb.SCard(ctx, "u").Val() != 1 {
		t.Fatalf("SPOP 2 = %q, SCARD %d", popped, rdb.SCard(ctx, "u").Val())
	}
	if err := rdb.SAdd(ctx, "s", "x").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, "str", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.SAdd(ctx, "str", "a").Err(); err == nil || err.Error() != "WRONGTYPE Operation against a key holding the wrong kind of value" {
		t.Fatalf("SADD on a string: %v", err)
	}
	// SSCAN over a large set returns every member exactly once.
	var members []any
	for i := range 2000 {
		members = append(members, "m"+strconv.Itoa(i))
	}
	rdb.SAdd(ctx, "big", members...)
	seen := map[string]int{}
	cursor := uint64(0)
	for {
		keys, next, err := rdb.SScan(ctx, "big", cursor, "", 100).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			seen[k]++
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	if len(seen) != 2000 {
		t.Fatalf("SSCAN saw %d members", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("SSCAN returned %q %d times", k, n)
		}
	}
}

// TestSetRestart saves sets of every form and loads them again with their
// members and encodings.
func TestSetRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	rdb.SAdd(ctx, "ints", 5, 1, 3)
	rdb.SAdd(ctx, "words", "a", "b", 7)
	var big []any
	for i := range 1000 {
		big = append(big, i, "w"+strconv.Itoa(i))
	}
	rdb.SAdd(ctx, "big", big...)
	want := map[string][]string{}
	for _, k := range []string{"ints", "words", "big"} {
		want[k] = rdb.SMembers(ctx, k).Val()
		slices.Sort(want[k])
	}
	if err := rdb.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Close()
	srv.Close()
	srv2 := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb2 := redis.NewClient(&redis.Options{Addr: srv2.Addr()})
	defer rdb2.Close()
	for k, w := range want {
		got := rdb2.SMembers(ctx, k).Val()
		slices.Sort(got)
		if !slices.Equal(got, w) {
			t.Errorf("%s after restart: %d members, want %d", k, len(got), len(w))
		}
	}
	if enc := rdb2.ObjectEncoding(ctx, "ints").Val(); enc != "intset" {
		t.Errorf("ints encoding after restart = %q", enc)
	}
	if enc := rdb2.ObjectEncoding(ctx, "words").Val(); enc != "hashtable" {
		t.Errorf("words encoding after restart = %q", enc)
	}
	if got := rdb2.Type(ctx, "big").Val(); got != "set" {
		t.Errorf("TYPE = %q", got)
	}
	if keys, _, _ := rdb2.ScanType(ctx, 0, "*", 100, "set").Result(); len(keys) != 3 {
		t.Errorf("SCAN TYPE set = %q", keys)
	}
}

// TestIntsetLimitPerServer checks that each server of a process follows its
// own set-max-intset-entries, read through a cache that a CONFIG SET in
// either server renews.
func TestIntsetLimitPerServer(t *testing.T) {
	ctx := context.Background()
	a, b := redmodtest.Run(t), redmodtest.Run(t)
	ra := redis.NewClient(&redis.Options{Addr: a.Addr()})
	rb := redis.NewClient(&redis.Options{Addr: b.Addr()})
	t.Cleanup(func() { ra.Close(); rb.Close() })
	encodingAfter := func(rdb *redis.Client, key string, n int) string {
		t.Helper()
		for i := range n {
			rdb.SAdd(ctx, key, i)
		}
		return rdb.ObjectEncoding(ctx, key).Val()
	}
	if err := ra.ConfigSet(ctx, "set-max-intset-entries", "4").Err(); err != nil {
		t.Fatal(err)
	}
	for round, key := range []string{"s1", "s2"} {
		if got := encodingAfter(ra, key, 5); got != "hashtable" {
			t.Fatalf("round %d: server with limit 4: %s", round, got)
		}
		if got := encodingAfter(rb, key, 5); got != "intset" {
			t.Fatalf("round %d: server with limit 512: %s", round, got)
		}
	}
	if err := ra.ConfigSet(ctx, "set-max-intset-entries", "8").Err(); err != nil {
		t.Fatal(err)
	}
	if got := encodingAfter(ra, "s3", 5); got != "intset" {
		t.Fatalf("after CONFIG SET 8: %s", got)
	}
}
