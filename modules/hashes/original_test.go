package hashes_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// The original hash commands (HSET, HGET, HGETALL, HDEL) in every form Redis
// 7 accepts, and every error they give, compared with Redis.
func TestDiffOriginalHashCommands(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, args := range [][]string{
		{"HGET", "h", "f"}, {"HGETALL", "h"}, {"HDEL", "h", "f"},
		{"HSET", "h", "f", "v"}, {"HSET", "h", "f", "w"}, {"HSET", "h", "g", "1", "h", "2", "g", "3"},
		{"HSET", "h", "", ""}, {"HSET", "h", "\x00\xff", "bin\r\n"}, {"HGETALL", "h"},
		{"HGET", "h", "f"}, {"HGET", "h", ""}, {"HGET", "h", "nope"}, {"HGET", "nokey", "f"},
		{"HDEL", "h", "g"}, {"HDEL", "h", "g"}, {"HDEL", "h", "f", "f", "nope"}, {"HGETALL", "h"},
		{"HSET", "h", "f"}, {"HSET", "h", "f", "v", "g"}, {"HSET", "h"}, {"HSET"}, {"HGET", "h"},
		{"HGET", "h", "f", "g"}, {"HGETALL"}, {"HGETALL", "h", "x"}, {"HDEL", "h"}, {"HDEL"},
		{"HDEL", "h", "", "\x00\xff", "h"}, {"EXISTS", "h"}, {"HGETALL", "h"}, {"HDEL", "h", "x"},
		// Insertion order of a small hash, kept across updates and deletes.
		{"HSET", "o", "c", "1", "a", "2", "b", "3"}, {"HSET", "o", "a", "9"}, {"HDEL", "o", "c"},
		{"HSET", "o", "c", "4"}, {"HGETALL", "o"},
		// Wrong types.
		{"SET", "s", "v"}, {"HSET", "s", "f", "v"}, {"HGET", "s", "f"}, {"HGETALL", "s"}, {"HDEL", "s", "f"},
		{"HSET", "s", "f"}, {"RPUSH", "l", "a"}, {"HGETALL", "l"},
	} {
		p.Check(args...)
	}
	// A hash past the listpack limits has no defined order.
	big := []string{"HSET", "big"}
	for i := 0; i < 600; i++ {
		big = append(big, "field"+strconv.Itoa(i), strconv.Itoa(i))
	}
	p.Check(big...)
	p.CheckUnordered("HGETALL", "big")
	p.Check("HSET", "long", "f", strings.Repeat("v", 65), "g", "w")
	p.CheckUnordered("HGETALL", "long")
	p.Check("HDEL", "big", "field1", "field2", "nope")
	p.CheckUnordered("HGETALL", "big")
}

func TestOriginalHashCommandsE2E(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	if n := rdb.HSet(ctx, "h", "a", "1", "b", "2").Val(); n != 2 {
		t.Fatalf("HSET = %d", n)
	}
	if n := rdb.HSet(ctx, "h", "a", "3", "c", "4").Val(); n != 1 {
		t.Errorf("HSET with one new field = %d", n)
	}
	if v := rdb.HGet(ctx, "h", "a").Val(); v != "3" {
		t.Errorf("HGET = %q", v)
	}
	if err := rdb.HGet(ctx, "h", "zz").Err(); err != redis.Nil {
		t.Errorf("HGET of a missing field: %v", err)
	}
	all := rdb.HGetAll(ctx, "h").Val()
	if len(all) != 3 || all["a"] != "3" || all["b"] != "2" || all["c"] != "4" {
		t.Errorf("HGETALL = %v", all)
	}
	if n := rdb.HDel(ctx, "h", "a", "zz").Val(); n != 1 {
		t.Errorf("HDEL = %d", n)
	}
	if n := rdb.HDel(ctx, "h", "b", "c").Val(); n != 2 {
		t.Errorf("HDEL = %d", n)
	}
	if n := rdb.Exists(ctx, "h").Val(); n != 0 {
		t.Error("a hash without fields still exists")
	}
	if all := rdb.HGetAll(ctx, "h").Val(); len(all) != 0 {
		t.Errorf("HGETALL of a missing key = %v", all)
	}
	if err := rdb.Do(ctx, "hset", "h", "f").Err(); err == nil || err.Error() != "ERR wrong number of arguments for 'hset' command" {
		t.Errorf("HSET without a value: %v", err)
	}
	if err := rdb.Do(ctx, "hset", "h", "f", "v", "g").Err(); err == nil || err.Error() != "ERR wrong number of arguments for 'hset' command" {
		t.Errorf("HSET with an odd count: %v", err)
	}
	rdb.Set(ctx, "s", "v", 0)
	if err := rdb.HGet(ctx, "s", "f").Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGTYPE") {
		t.Errorf("HGET on a string: %v", err)
	}
}
