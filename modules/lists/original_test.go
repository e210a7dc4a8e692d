package lists_test

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

// The original list commands (LPUSH, RPUSH, LPOP, RPOP, LLEN, LRANGE) in
// every form Redis 7 accepts, and every error they give, compared with Redis.
func TestDiffOriginalListCommands(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	cases := [][]string{
		{"LLEN", "l"}, {"LRANGE", "l", "0", "-1"}, {"LPOP", "l"}, {"RPOP", "l"}, {"LPOP", "l", "2"},
		{"RPOP", "l", "0"}, {"LPOP", "l", "-1"}, {"LPOP", "l", "abc"},
		{"LPUSH", "l", "a"}, {"LPUSH", "l", "b", "c", "d"}, {"RPUSH", "l", "x", "y"}, {"RPUSH", "l", "", "\x00\xff"},
		{"LLEN", "l"}, {"LRANGE", "l", "0", "-1"},
		{"LPOP", "l", "0"}, {"RPOP", "l", "0"}, {"LPOP", "l", "-1"}, {"RPOP", "l", "abc"}, {"LPOP", "l", "1.5"},
		{"LPOP", "l", "9223372036854775807"}, {"LPOP", "l", "99999999999999999999"}, {"LPOP", "l", ""},
		{"LPOP", "l", "1", "2"}, {"RPOP", "l", "1", "x"}, {"LPOP"}, {"RPOP"},
		{"LPOP", "l"}, {"RPOP", "l"}, {"LPOP", "l", "2"}, {"RPOP", "l", "1"}, {"LRANGE", "l", "0", "-1"},
		{"RPOP", "l", "100"}, {"EXISTS", "l"}, {"LLEN", "l"},
		{"RPUSH", "l", "only"}, {"LPOP", "l"}, {"EXISTS", "l"},
		{"RPUSH", "l"}, {"LPUSH"}, {"LLEN"}, {"LLEN", "a", "b"}, {"LRANGE", "l", "0"}, {"LRANGE", "l", "0", "1", "2"},
		// LRANGE indexes.
		{"RPUSH", "r", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
		{"LRANGE", "r", "0", "0"}, {"LRANGE", "r", "-1", "-1"}, {"LRANGE", "r", "-3", "-1"}, {"LRANGE", "r", "-100", "2"},
		{"LRANGE", "r", "5", "100"}, {"LRANGE", "r", "5", "4"}, {"LRANGE", "r", "10", "20"}, {"LRANGE", "r", "-1", "-2"},
		{"LRANGE", "r", "-100", "-50"}, {"LRANGE", "r", "9223372036854775807", "-9223372036854775808"},
		{"LRANGE", "r", "-9223372036854775808", "9223372036854775807"}, {"LRANGE", "r", "a", "1"},
		{"LRANGE", "r", "1", "b"}, {"LRANGE", "r", "1.0", "2"}, {"LRANGE", "r", " 1", "2"}, {"LRANGE", "r", "", "2"},
		{"LRANGE", "missing", "a", "b"}, {"LRANGE", "r", "+1", "2"}, {"LRANGE", "r", "-0", "2"},
		// Wrong types.
		{"SET", "s", "v"}, {"LPUSH", "s", "a"}, {"RPUSH", "s", "a"}, {"LPOP", "s"}, {"RPOP", "s", "1"},
		{"LPOP", "s", "-1"}, {"LLEN", "s"}, {"LRANGE", "s", "0", "-1"}, {"LRANGE", "s", "a", "b"}, {"GET", "s"},
	}
	for _, args := range cases {
		p.Check(args...)
	}
	// A long list, pushed and popped from both ends.
	var args []string
	for i := 0; i < 1000; i++ {
		args = append(args, strconv.Itoa(i))
	}
	p.Check(append([]string{"RPUSH", "long"}, args...)...)
	p.Check(append([]string{"LPUSH", "long"}, args...)...)
	for _, r := range [][2]string{{"0", "-1"}, {"990", "1010"}, {"-5", "-1"}, {"1500", "1499"}} {
		p.Check("LRANGE", "long", r[0], r[1])
	}
	p.Check("LPOP", "long", "700")
	p.Check("RPOP", "long", "700")
	p.Check("LLEN", "long")
	p.Check("LRANGE", "long", "0", "-1")
}

func TestOriginalListCommandsE2E(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	if n := rdb.RPush(ctx, "l", "b", "c").Val(); n != 2 {
		t.Fatalf("RPUSH = %d", n)
	}
	if n := rdb.LPush(ctx, "l", "a", "z").Val(); n != 4 {
		t.Fatalf("LPUSH = %d", n)
	}
	if got := strings.Join(rdb.LRange(ctx, "l", 0, -1).Val(), ","); got != "z,a,b,c" {
		t.Fatalf("LRANGE = %s", got)
	}
	if got := strings.Join(rdb.LRange(ctx, "l", -2, 100).Val(), ","); got != "b,c" {
		t.Errorf("LRANGE -2 100 = %s", got)
	}
	if n := rdb.LLen(ctx, "l").Val(); n != 4 {
		t.Errorf("LLEN = %d", n)
	}
	if v := rdb.LPop(ctx, "l").Val(); v != "z" {
		t.Errorf("LPOP = %q", v)
	}
	if v := rdb.RPop(ctx, "l").Val(); v != "c" {
		t.Errorf("RPOP = %q", v)
	}
	if got := rdb.LPopCount(ctx, "l", 5).Val(); strings.Join(got, ",") != "a,b" {
		t.Errorf("LPOP 5 = %q", got)
	}
	if n := rdb.Exists(ctx, "l").Val(); n != 0 {
		t.Error("a list emptied by LPOP still exists")
	}
	if err := rdb.LPop(ctx, "l").Err(); err != redis.Nil {
		t.Errorf("LPOP of a missing key: %v", err)
	}
	if err := rdb.RPopCount(ctx, "l", 2).Err(); err != redis.Nil {
		t.Errorf("RPOP count of a missing key: %v", err)
	}
	rdb.RPush(ctx, "l", "x")
	if err := rdb.Do(ctx, "lpop", "l", "-1").Err(); err == nil || err.Error() != "ERR value is out of range, must be positive" {
		t.Errorf("LPOP -1: %v", err)
	}
	if err := rdb.Do(ctx, "lrange", "l", "a", "1").Err(); err == nil || err.Error() != "ERR value is not an integer or out of range" {
		t.Errorf("LRANGE a 1: %v", err)
	}
	rdb.Set(ctx, "s", "v", 0)
	if err := rdb.LPush(ctx, "s", "a").Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGTYPE") {
		t.Errorf("LPUSH on a string: %v", err)
	}
	if err := rdb.Do(ctx, "rpush", "l").Err(); err == nil || err.Error() != "ERR wrong number of arguments for 'rpush' command" {
		t.Errorf("RPUSH without values: %v", err)
	}
}
