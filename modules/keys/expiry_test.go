package keys_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

func expiryClient(t *testing.T) (*redmodtest.Server, *redis.Client) {
	t.Helper()
	srv := redmodtest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return srv, rdb
}

func statField(t *testing.T, rdb *redis.Client, name string) int64 {
	t.Helper()
	info := rdb.Info(context.Background(), "stats").Val()
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in INFO stats", name)
	return 0
}

// An expired key is invisible to every command, whatever its type, and is
// counted in expired_keys when a command removes it.
func TestLazyExpiry(t *testing.T) {
	srv, rdb := expiryClient(t)
	ctx := context.Background()
	setup := func() {
		rdb.Set(ctx, "s", "v", 10*time.Second)
		rdb.Set(ctx, "n", "41", 10*time.Second)
		rdb.RPush(ctx, "l", "a", "b")
		rdb.Expire(ctx, "l", 10*time.Second)
		rdb.HSet(ctx, "h", "f", "v")
		rdb.Expire(ctx, "h", 10*time.Second)
		rdb.Set(ctx, "keep", "v", 0)
	}
	setup()
	before := statField(t, rdb, "expired_keys")
	srv.FastForward(11 * time.Second)

	if err := rdb.Get(ctx, "s").Err(); err != redis.Nil {
		t.Errorf("GET of an expired key: %v", err)
	}
	if n := rdb.Exists(ctx, "s", "n", "l", "h", "keep").Val(); n != 1 {
		t.Errorf("EXISTS counts %d keys, want 1", n)
	}
	if d := rdb.TTL(ctx, "l").Val(); d != -2 {
		t.Errorf("TTL of an expired key = %v", d)
	}
	if got := rdb.Keys(ctx, "*").Val(); len(got) != 1 || got[0] != "keep" {
		t.Errorf("KEYS * = %q", got)
	}
	if got := statField(t, rdb, "expired_keys") - before; got != 4 {
		t.Errorf("expired_keys grew by %d, want 4", got)
	}

	setup()
	srv.FastForward(11 * time.Second)
	for _, check := range []struct {
		name string
		got  any
		want any
	}{
		{"INCR", rdb.Incr(ctx, "n").Val(), int64(1)},
		{"LLEN", rdb.LLen(ctx, "l").Val(), int64(0)},
		{"LRANGE", len(rdb.LRange(ctx, "l", 0, -1).Val()), 0},
		{"HGET", rdb.HGet(ctx, "h", "f").Err(), redis.Nil},
		{"HGETALL", len(rdb.HGetAll(ctx, "h").Val()), 0},
		{"SET NX", rdb.SetNX(ctx, "s", "new", 0).Val(), true},
		{"TTL after SET", rdb.TTL(ctx, "s").Val(), time.Duration(-1)},
		{"LPUSH", rdb.LPush(ctx, "l", "x").Val(), int64(1)},
		{"HSET", rdb.HSet(ctx, "h", "g", "w").Val(), int64(1)},
		{"DBSIZE", rdb.DBSize(ctx).Val(), int64(5)},
	} {
		if check.got != check.want {
			t.Errorf("%s on an expired key: %v, want %v", check.name, check.got, check.want)
		}
	}
	if d := rdb.TTL(ctx, "l").Val(); d != -1 {
		t.Errorf("a list pushed after expiry has TTL %v", d)
	}
	rdb.Set(ctx, "x", "old", time.Second)
	srv.FastForward(2 * time.Second)
	if v, err := rdb.SetArgs(ctx, "x", "new", redis.SetArgs{Get: true}).Result(); err != redis.Nil {
		t.Errorf("SET GET of an expired key returned %q, %v", v, err)
	}
	if v, err := rdb.Do(ctx, "set", "x", "v", "xx").Result(); err != nil || v != "OK" {
		t.Errorf("SET XX of a live key: %v %v", v, err)
	}
	rdb.Set(ctx, "y", "v", time.Second)
	srv.FastForward(2 * time.Second)
	if err := rdb.Do(ctx, "set", "y", "v", "xx").Err(); err != redis.Nil {
		t.Errorf("SET XX of an expired key: %v", err)
	}
	if n := rdb.Del(ctx, "y").Val(); n != 0 {
		t.Errorf("DEL of an expired key = %d", n)
	}
}

// Keys that are never read again still disappear: the active cycle finds
// them.
func TestActiveExpiry(t *testing.T) {
	srv, rdb := expiryClient(t)
	ctx := context.Background()
	for i := 0; i < 300; i++ {
		rdb.Set(ctx, "tmp:"+strconv.Itoa(i), "v", 10*time.Second)
	}
	for i := 0; i < 20; i++ {
		rdb.Set(ctx, "keep:"+strconv.Itoa(i), "v", time.Hour)
	}
	rdb1 := redis.NewClient(&redis.Options{Addr: srv.Addr(), DB: 1})
	defer rdb1.Close()
	for i := 0; i < 50; i++ {
		rdb1.RPush(ctx, "l:"+strconv.Itoa(i), "x")
		rdb1.Expire(ctx, "l:"+strconv.Itoa(i), 5*time.Second)
	}
	if n := rdb.DBSize(ctx).Val(); n != 320 {
		t.Fatalf("DBSIZE = %d before expiry", n)
	}
	before := statField(t, rdb, "expired_keys")
	srv.FastForward(11 * time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for rdb.DBSize(ctx).Val() != 20 || rdb1.DBSize(ctx).Val() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("DBSIZE still %d and %d after the active cycle had time to run", rdb.DBSize(ctx).Val(), rdb1.DBSize(ctx).Val())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := statField(t, rdb, "expired_keys") - before; got != 350 {
		t.Errorf("expired_keys grew by %d, want 350", got)
	}
	if info := rdb.Info(ctx, "keyspace").Val(); !strings.Contains(info, "db0:keys=20,expires=20,") || strings.Contains(info, "db1:") {
		t.Errorf("INFO keyspace after expiry:\n%s", info)
	}
}

func TestTTLRounding(t *testing.T) {
	srv, rdb := expiryClient(t)
	ctx := context.Background()
	// TTL rounds to the nearest second: (ms + 500) / 1000.
	for _, c := range []struct {
		ms   int
		want time.Duration
	}{{400, 0}, {1100, time.Second}, {1900, 2 * time.Second}, {100_100, 100 * time.Second}} {
		// Margins of 400 ms or more from the rounding point, so a slow
		// machine between SET and TTL does not change the answer.
		rdb.Do(ctx, "set", "k", "v", "px", c.ms)
		if got := rdb.TTL(ctx, "k").Val(); got != c.want {
			t.Errorf("TTL after PX %d = %v, want %v", c.ms, got, c.want)
		}
	}
	rdb.Set(ctx, "k", "v", 100*time.Second)
	srv.FastForward(59*time.Second + 900*time.Millisecond)
	if got := rdb.TTL(ctx, "k").Val(); got != 40*time.Second {
		t.Errorf("TTL after 59.9 s of 100 s = %v", got)
	}
}

func TestDiffExpiry(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, args := range [][]string{
		// EXPIRE in the past or at zero deletes and returns 1.
		{"SET", "k", "v"}, {"EXPIRE", "k", "-1"}, {"EXISTS", "k"}, {"TTL", "k"},
		{"SET", "k", "v"}, {"EXPIRE", "k", "0"}, {"EXISTS", "k"},
		{"EXPIRE", "missing", "10"}, {"EXPIRE", "missing", "-10"},
		// SET clears a TTL, KEEPTTL keeps it; INCR, LPUSH and HSET keep it.
		{"SET", "k", "v", "EX", "100"}, {"TTL", "k"}, {"SET", "k", "v2"}, {"TTL", "k"},
		{"SET", "k", "v", "EX", "100"}, {"SET", "k", "v3", "KEEPTTL"}, {"TTL", "k"}, {"GET", "k"},
		{"SET", "k", "v", "KEEPTTL"}, {"TTL", "k"},
		{"SET", "n", "1", "EX", "100"}, {"INCR", "n"}, {"DECR", "n"}, {"TTL", "n"},
		{"RPUSH", "l", "a"}, {"EXPIRE", "l", "100"}, {"LPUSH", "l", "b"}, {"LPOP", "l"}, {"TTL", "l"},
		{"HSET", "h", "f", "v"}, {"EXPIRE", "h", "100"}, {"HSET", "h", "g", "w"}, {"HDEL", "h", "f"}, {"TTL", "h"},
		{"HDEL", "h", "g"}, {"TTL", "h"}, {"EXISTS", "h"},
		// NX, XX, GT, LT.
		{"SET", "e", "v"}, {"EXPIRE", "e", "100", "XX"}, {"EXPIRE", "e", "100", "GT"}, {"TTL", "e"},
		{"EXPIRE", "e", "100", "LT"}, {"TTL", "e"}, {"EXPIRE", "e", "200", "NX"}, {"EXPIRE", "e", "50", "GT"},
		{"EXPIRE", "e", "300", "GT"}, {"TTL", "e"}, {"EXPIRE", "e", "400", "LT"}, {"EXPIRE", "e", "150", "lt"},
		{"TTL", "e"}, {"EXPIRE", "e", "500", "XX", "GT"}, {"TTL", "e"}, {"EXPIRE", "e", "-1", "LT"}, {"EXISTS", "e"},
		{"SET", "e", "v"}, {"EXPIRE", "e", "-1", "GT"}, {"EXISTS", "e"}, {"EXPIRE", "e", "-1", "XX"}, {"EXISTS", "e"},
		{"EXPIRE", "e", "-1", "NX"}, {"EXISTS", "e"},
		{"EXPIRE", "e", "10", "NX", "XX"}, {"EXPIRE", "e", "10", "GT", "LT"}, {"EXPIRE", "e", "10", "NX", "GT"},
		{"EXPIRE", "e", "10", "FOO"}, {"EXPIRE", "e", "10", "NX", "FOO"}, {"EXPIRE", "e", "10", "GT", "GT"},
		{"EXPIRE", "missing", "10", "FOO"}, {"EXPIRE", "e", "abc", "FOO"}, {"EXPIRE", "e", "abc"},
		{"EXPIRE", "e", "1.5"}, {"EXPIRE", "e", ""}, {"EXPIRE", "e", "+1"},
		// Overflow.
		{"SET", "o", "v"}, {"EXPIRE", "o", "9223372036854775807"}, {"EXPIRE", "o", "-9223372036854775808"},
		{"EXPIRE", "o", "9223372036854775"}, {"EXPIRE", "o", "9223372036854776"}, {"EXPIRE", "o", "9223372036853"},
		{"EXISTS", "o"}, {"EXPIRE", "o", "-9223372036854775"}, {"EXISTS", "o"},
		{"SET", "o", "v", "EX", "9223372036854775"}, {"SET", "o", "v", "EX", "9223372036854776"},
		{"SET", "o", "v", "PX", "9223372036854775807"}, {"SET", "o", "v", "EXAT", "9223372036854775"},
		{"SET", "o", "v", "EXAT", "9223372036854776"}, {"SET", "o", "v", "PXAT", "9223372036854775807"}, {"TTL", "o"},
		// A past EXAT/PXAT stores a key that is already gone.
		{"SET", "p", "v", "EXAT", "1"}, {"GET", "p"}, {"SET", "p", "v", "PXAT", "1", "GET"}, {"EXISTS", "p"},
	} {
		p.Check(args...)
	}
	// Rounding, with margins of 400 ms or more from the half second.
	for _, ms := range []string{"400", "1100", "1900", "2100", "99900"} {
		p.Check("SET", "r", "v", "PX", ms)
		p.Check("TTL", "r")
	}
}
