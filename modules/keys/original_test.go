package keys_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

// The original generic commands (DEL, EXISTS, KEYS) in every form Redis 7
// accepts, compared with Redis. EXPIRE and TTL are in expiry_test.go.
func TestDiffOriginalKeyCommands(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, args := range [][]string{
		{"DEL", "a"}, {"EXISTS", "a"}, {"SET", "a", "1"}, {"RPUSH", "b", "x"}, {"HSET", "c", "f", "v"},
		{"EXISTS", "a"}, {"EXISTS", "a", "b", "c", "d"}, {"EXISTS", "a", "a", "a"}, {"EXISTS", "d", "d"},
		{"DEL", "a", "a"}, {"DEL", "b", "c", "d"}, {"EXISTS", "a", "b", "c"}, {"DEL"}, {"EXISTS"},
		{"SET", "", "empty"}, {"EXISTS", ""}, {"DEL", ""}, {"SET", "\x00", "v"}, {"DEL", "\x00", "\x00"},
		{"KEYS"}, {"KEYS", "*", "*"},
	} {
		p.Check(args...)
	}
	for _, k := range []string{"one", "two", "three", "four", "\xff"} {
		p.Check("SET", k, "v")
	}
	for _, pat := range []string{"*", "t*", "*o", "?o*", "[ot]*", "\xff", "nothing"} {
		p.CheckUnordered("KEYS", pat)
	}
	p.Check("SELECT", "1")
	p.Check("KEYS", "*")
	p.Check("EXISTS", "one")
	p.Check("DEL", "one")
	p.Check("SELECT", "0")
	p.Check("EXISTS", "one")
}

func TestOriginalKeyCommandsE2E(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	rdb.Set(ctx, "user:1", "a", 0)
	rdb.Set(ctx, "user:2", "b", 0)
	rdb.RPush(ctx, "queue", "x")
	rdb.HSet(ctx, "hash", "f", "v")
	if n := rdb.Exists(ctx, "user:1", "user:2", "queue", "hash", "nope").Val(); n != 4 {
		t.Errorf("EXISTS = %d", n)
	}
	got := rdb.Keys(ctx, "user:*").Val()
	sort.Strings(got)
	if strings.Join(got, ",") != "user:1,user:2" {
		t.Errorf("KEYS user:* = %q", got)
	}
	if n := len(rdb.Keys(ctx, "*").Val()); n != 4 {
		t.Errorf("KEYS * has %d keys", n)
	}
	if n := rdb.Del(ctx, "user:1", "queue", "hash", "nope").Val(); n != 3 {
		t.Errorf("DEL = %d", n)
	}
	if got := rdb.Keys(ctx, "*").Val(); len(got) != 1 || got[0] != "user:2" {
		t.Errorf("KEYS * after DEL = %q", got)
	}
	if err := rdb.Do(ctx, "del").Err(); err == nil || err.Error() != "ERR wrong number of arguments for 'del' command" {
		t.Errorf("DEL without keys: %v", err)
	}
}
