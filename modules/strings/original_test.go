package strings_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// The original string commands (SET, GET, INCR, DECR) in every form Redis 7
// accepts, and every error they give, compared with Redis.
func TestDiffOriginalStringCommands(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, args := range [][]string{
		{"GET", "k"}, {"SET", "k", "v"}, {"GET", "k"}, {"SET", "k", ""}, {"GET", "k"},
		{"SET", "bin", "a\x00b\r\n\xff"}, {"GET", "bin"},
		{"SET", "k", "v", "NX"}, {"SET", "new", "v", "NX"}, {"SET", "k", "w", "XX"}, {"SET", "nx2", "v", "XX"},
		{"GET", "k"}, {"GET", "nx2"}, {"SET", "k", "v", "nx", "GET"}, {"SET", "k", "x", "xx", "get"},
		{"SET", "g", "v", "GET"}, {"SET", "g", "w", "GET"}, {"SET", "g", "w", "GET", "GET"},
		{"SET", "k", "v", "EX", "100"}, {"SET", "k", "v", "PX", "100000"}, {"SET", "k", "v", "ex", "100", "nx"},
		{"SET", "k", "v", "EXAT", "4000000000"}, {"SET", "k", "v", "PXAT", "4000000000000"},
		{"SET", "k", "v", "KEEPTTL"}, {"SET", "k", "v", "KEEPTTL", "XX", "GET"},
		{"SET", "k", "v", "XX", "NX"}, {"SET", "k", "v", "NX", "XX"}, {"SET", "k", "v", "NX", "NX"},
		{"SET", "k", "v", "EX"}, {"SET", "k", "v", "EX", "10", "PX", "100"}, {"SET", "k", "v", "EX", "10", "EX", "10"},
		{"SET", "k", "v", "EX", "10", "KEEPTTL"}, {"SET", "k", "v", "KEEPTTL", "EX", "10"}, {"SET", "k", "v", "FOO"},
		{"SET", "k", "v", "PERSIST"}, {"SET", "k", "v", "EX", "0"}, {"SET", "k", "v", "EX", "-1"},
		{"SET", "k", "v", "PX", "0"}, {"SET", "k", "v", "PX", "-5"}, {"SET", "k", "v", "EXAT", "0"},
		{"SET", "k", "v", "PXAT", "-1"}, {"SET", "k", "v", "EX", "abc"}, {"SET", "k", "v", "EX", "1.5"},
		{"SET", "k", "v", "EX", "9223372036854775807"}, {"SET", "k", "v", "EX", "99999999999999999999"},
		{"SET", "k", "v", "EX", "abc", "FOO"}, {"SET", "k", "v", "FOO", "EX", "abc"}, {"SET", "k", "v", "EX", ""},
		{"SET", "k"}, {"SET"}, {"GET"}, {"GET", "a", "b"},
		// INCR and DECR.
		{"INCR", "n"}, {"INCR", "n"}, {"DECR", "n"}, {"DECR", "m"}, {"GET", "m"},
		{"SET", "n", "9223372036854775806"}, {"INCR", "n"}, {"INCR", "n"}, {"GET", "n"},
		{"SET", "n", "-9223372036854775807"}, {"DECR", "n"}, {"DECR", "n"}, {"GET", "n"},
		{"SET", "n", "abc"}, {"INCR", "n"}, {"SET", "n", " 1"}, {"INCR", "n"}, {"SET", "n", "1.0"}, {"DECR", "n"},
		{"SET", "n", "01"}, {"INCR", "n"}, {"SET", "n", "+1"}, {"INCR", "n"}, {"SET", "n", "-0"}, {"INCR", "n"},
		{"SET", "n", "9223372036854775808"}, {"INCR", "n"}, {"SET", "n", ""}, {"INCR", "n"},
		{"SET", "n", "-1"}, {"INCR", "n"}, {"INCR", "n"}, {"GET", "n"},
		{"SET", "n", "10", "EX", "100"}, {"INCR", "n"}, {"TTL", "n"},
		{"INCR"}, {"INCR", "a", "b"}, {"DECR"},
		// Wrong types.
		{"RPUSH", "list", "a"}, {"GET", "list"}, {"INCR", "list"}, {"DECR", "list"}, {"SET", "list", "v", "GET"},
		{"SET", "list", "v", "NX", "GET"}, {"LLEN", "list"}, {"SET", "list", "v"}, {"GET", "list"},
		{"HSET", "hash", "f", "v"}, {"SET", "hash", "x", "XX", "GET"}, {"HGET", "hash", "f"},
	} {
		p.Check(args...)
	}
}

func TestOriginalStringCommandsE2E(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	if err := rdb.Get(ctx, "k").Err(); err != redis.Nil {
		t.Fatalf("GET missing: %v", err)
	}
	if v := rdb.Set(ctx, "k", "v", 0).Val(); v != "OK" {
		t.Fatalf("SET = %q", v)
	}
	if v := rdb.Get(ctx, "k").Val(); v != "v" {
		t.Fatalf("GET = %q", v)
	}
	if ok := rdb.SetNX(ctx, "k", "x", 0).Val(); ok {
		t.Error("SET NX over an existing key")
	}
	if ok := rdb.SetXX(ctx, "k", "x", 0).Val(); !ok {
		t.Error("SET XX over an existing key refused")
	}
	if old := rdb.SetArgs(ctx, "k", "y", redis.SetArgs{Get: true}).Val(); old != "x" {
		t.Errorf("SET GET = %q", old)
	}
	rdb.SetArgs(ctx, "k", "z", redis.SetArgs{TTL: time.Minute})
	if d := rdb.TTL(ctx, "k").Val(); d != time.Minute {
		t.Errorf("TTL after SET EX 60 = %v", d)
	}
	rdb.SetArgs(ctx, "k", "w", redis.SetArgs{KeepTTL: true})
	if d := rdb.TTL(ctx, "k").Val(); d != time.Minute {
		t.Errorf("TTL after SET KEEPTTL = %v", d)
	}
	at := time.Now().Add(time.Hour).Truncate(time.Second)
	rdb.SetArgs(ctx, "k", "w", redis.SetArgs{ExpireAt: at})
	if d := rdb.TTL(ctx, "k").Val(); d < 59*time.Minute || d > time.Hour {
		t.Errorf("TTL after SET EXAT = %v", d)
	}
	srv.FastForward(2 * time.Hour)
	if err := rdb.Get(ctx, "k").Err(); err != redis.Nil {
		t.Errorf("GET after expiry: %v", err)
	}
	for want := int64(1); want <= 3; want++ {
		if n := rdb.Incr(ctx, "n").Val(); n != want {
			t.Fatalf("INCR = %d, want %d", n, want)
		}
	}
	if n := rdb.Decr(ctx, "n").Val(); n != 2 {
		t.Errorf("DECR = %d", n)
	}
	rdb.Set(ctx, "max", "9223372036854775807", 0)
	if err := rdb.Incr(ctx, "max").Err(); err == nil || err.Error() != "ERR increment or decrement would overflow" {
		t.Errorf("INCR at the maximum: %v", err)
	}
	rdb.Set(ctx, "s", "abc", 0)
	if err := rdb.Decr(ctx, "s").Err(); err == nil || err.Error() != "ERR value is not an integer or out of range" {
		t.Errorf("DECR of a non-number: %v", err)
	}
	rdb.RPush(ctx, "l", "a")
	if err := rdb.Get(ctx, "l").Err(); err == nil || err.Error() != "WRONGTYPE Operation against a key holding the wrong kind of value" {
		t.Errorf("GET of a list: %v", err)
	}
	if err := rdb.Do(ctx, "set", "k", "v", "ex", "0").Err(); err == nil || err.Error() != "ERR invalid expire time in 'set' command" {
		t.Errorf("SET EX 0: %v", err)
	}
	if err := rdb.Do(ctx, "set", "k", "v", "nx", "xx").Err(); err == nil || err.Error() != "ERR syntax error" {
		t.Errorf("SET NX XX: %v", err)
	}
	if err := rdb.Do(ctx, "get").Err(); err == nil || err.Error() != "ERR wrong number of arguments for 'get' command" {
		t.Errorf("GET without a key: %v", err)
	}
}
