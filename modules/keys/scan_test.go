package keys_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

func client(t *testing.T) (*redmodtest.Server, *redis.Client) {
	t.Helper()
	srv := redmodtest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	return srv, rdb
}

// TestScanGuarantee checks SCAN's promise while the keyspace changes
// between calls: every key present for the whole iteration is returned, and
// none is returned twice.
func TestScanGuarantee(t *testing.T) {
	ctx := context.Background()
	_, rdb := client(t)
	const stable = 3000
	for i := 0; i < stable; i += 500 {
		pipe := rdb.Pipeline()
		for j := i; j < i+500; j++ {
			pipe.Set(ctx, "stable:"+strconv.Itoa(j), "v", 0)
			pipe.Set(ctx, "doomed:"+strconv.Itoa(j), "v", 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	var cursor uint64
	calls, added := 0, 0
	for {
		keys, next, err := rdb.Scan(ctx, cursor, "", 20).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			seen[k]++
		}
		calls++
		// Grow and shrink the keyspace between calls.
		for j := 0; j < 30; j++ {
			rdb.Set(ctx, "new:"+strconv.Itoa(added), "v", 0)
			added++
		}
		rdb.Del(ctx, "doomed:"+strconv.Itoa(calls), "doomed:"+strconv.Itoa(calls+stable/2))
		if cursor = next; cursor == 0 {
			break
		}
	}
	for i := range stable {
		if k := "stable:" + strconv.Itoa(i); seen[k] != 1 {
			t.Fatalf("%s returned %d times", k, seen[k])
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("%s returned %d times", k, n)
		}
	}
	if calls < 20 {
		t.Fatalf("a full iteration took only %d calls; COUNT should keep replies small", calls)
	}
	// MATCH and TYPE filter without ending the iteration early.
	rdb.HSet(ctx, "stable:hash", "f", "v")
	var found []string
	for cursor = 0; ; {
		keys, next, err := rdb.ScanType(ctx, cursor, "stable:*", 50, "hash").Result()
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, keys...)
		if cursor = next; cursor == 0 {
			break
		}
	}
	if len(found) != 1 || found[0] != "stable:hash" {
		t.Fatalf("SCAN MATCH stable:* TYPE hash = %q", found)
	}
}

// TestScanExpired checks that expired keys are not returned.
func TestScanExpired(t *testing.T) {
	ctx := context.Background()
	srv, rdb := client(t)
	rdb.Set(ctx, "live", "v", 0)
	rdb.Set(ctx, "dying", "v", 10*time.Second)
	srv.FastForward(20 * time.Second)
	keys, cur, err := rdb.Scan(ctx, 0, "", 100).Result()
	if err != nil || cur != 0 || len(keys) != 1 || keys[0] != "live" {
		t.Fatalf("SCAN = %q %d %v", keys, cur, err)
	}
}
