package admin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// The original server commands (PING, ECHO, DBSIZE, FLUSHALL, SAVE, INFO)
// compared with Redis where their replies are deterministic.
func TestDiffOriginalServerCommands(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t, redmodtest.WithPersistence(t.TempDir()))
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, args := range [][]string{
		{"PING"}, {"ping"}, {"PING", "hello"}, {"PING", ""}, {"PING", "a\r\nb"}, {"PING", "a", "b"},
		{"ECHO", "x"}, {"ECHO", ""}, {"ECHO", "\x00\xff"}, {"ECHO"}, {"ECHO", "a", "b"},
		{"DBSIZE"}, {"SET", "a", "1"}, {"RPUSH", "b", "1"}, {"HSET", "c", "f", "v"}, {"DBSIZE"}, {"DBSIZE", "x"},
		{"SELECT", "2"}, {"SET", "z", "1"}, {"DBSIZE"}, {"SELECT", "0"}, {"DBSIZE"},
		{"INFO", "keyspace"}, {"INFO", "KeySpace"}, {"INFO", "nosuchsection"},
		{"SAVE"}, {"SAVE", "x"},
		{"FLUSHALL", "x"}, {"FLUSHALL", "ASYNC", "SYNC"}, {"FLUSHALL", "SYNC", "x"}, {"DBSIZE"},
		{"FLUSHALL"}, {"DBSIZE"}, {"SELECT", "2"}, {"DBSIZE"}, {"SET", "k", "v"},
		{"FLUSHALL", "async"}, {"DBSIZE"}, {"SET", "k", "v"}, {"FLUSHALL", "SYNC"}, {"DBSIZE"},
		{"INFO", "keyspace"}, {"SELECT", "0"},
	} {
		p.Check(args...)
	}
}

func TestOriginalServerCommandsE2E(t *testing.T) {
	dir := t.TempDir()
	srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	if v := rdb.Ping(ctx).Val(); v != "PONG" {
		t.Errorf("PING = %q", v)
	}
	if v := rdb.Do(ctx, "ping", "hi").Val(); v != "hi" {
		t.Errorf("PING hi = %q", v)
	}
	if v := rdb.Echo(ctx, "\x00x").Val(); v != "\x00x" {
		t.Errorf("ECHO = %q", v)
	}
	rdb.Set(ctx, "a", "1", 0)
	rdb.RPush(ctx, "b", "x")
	if n := rdb.DBSize(ctx).Val(); n != 2 {
		t.Errorf("DBSIZE = %d", n)
	}
	if v := rdb.Save(ctx).Val(); v != "OK" {
		t.Errorf("SAVE = %q", v)
	}
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Errorf("no snapshot after SAVE: %v", err)
	}
	info := rdb.Info(ctx).Val()
	for _, want := range []string{"# Server\r\n", "redis_version:7.0.15\r\n", "# Clients\r\n", "# Memory\r\n",
		"# Persistence\r\n", "rdb_changes_since_last_save:0\r\n", "# Stats\r\n", "# Replication\r\n",
		"# CPU\r\n", "# Keyspace\r\n", "db0:keys=2,expires=0,"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO lacks %q", want)
		}
	}
	if strings.Contains(info, "# Commandstats") {
		t.Error("INFO without arguments includes commandstats")
	}
	if s := rdb.Info(ctx, "server", "keyspace").Val(); !strings.HasPrefix(s, "# Server\r\n") || !strings.Contains(s, "# Keyspace\r\n") || strings.Contains(s, "# Memory") {
		t.Errorf("INFO server keyspace:\n%s", s)
	}
	if s := rdb.Info(ctx, "all").Val(); !strings.Contains(s, "# Commandstats\r\n") || !strings.Contains(s, "cmdstat_save:calls=") {
		t.Errorf("INFO all lacks commandstats:\n%s", s)
	}
	if v := rdb.FlushAll(ctx).Val(); v != "OK" {
		t.Errorf("FLUSHALL = %q", v)
	}
	if n := rdb.DBSize(ctx).Val(); n != 0 {
		t.Errorf("DBSIZE after FLUSHALL = %d", n)
	}
	// FLUSHALL saves the emptied data set, as Redis does with save rules,
	// so a restart does not bring the keys back.
	srv.Close()
	srv2 := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb2 := redis.NewClient(&redis.Options{Addr: srv2.Addr()})
	defer rdb2.Close()
	if n := rdb2.DBSize(ctx).Val(); n != 0 {
		t.Errorf("DBSIZE after FLUSHALL and restart = %d", n)
	}
	if err := rdb2.Do(ctx, "flushall", "lazy").Err(); err == nil || err.Error() != "ERR syntax error" {
		t.Error("FLUSHALL lazy accepted")
	}
}
