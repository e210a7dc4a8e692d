package aof_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// Interchange with a real Redis 7.0: an append-only folder written by one
// is loaded by the other with the same keys, values and expiry times, and
// redis-check-aof accepts redmod's. The tests skip without redis-server.

func withAOF(dir string, more ...func(c *host.Config)) redmodtest.Option {
	return redmodtest.WithConfig(func(c *host.Config) {
		c.Dir = dir
		c.DBFilename = "dump.rdb"
		c.Save = nil
		c.AppendOnly = true
		for _, f := range more {
			f(c)
		}
	})
}

func redmodClient(t *testing.T, srv *redmodtest.Server) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

func unixClient(t *testing.T, sock string) *redis.Client {
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: sock, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// rewrite runs BGREWRITEAOF and waits for it to end.
func rewrite(t *testing.T, c *redis.Client) {
	t.Helper()
	ctx := context.Background()
	if err := c.BgRewriteAOF(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	waitRewrite(t, c)
}

func waitRewrite(t *testing.T, c *redis.Client) {
	t.Helper()
	for range 1000 {
		info := c.Info(context.Background(), "persistence").Val()
		if strings.Contains(info, "aof_rewrite_in_progress:0") && !strings.Contains(info, "aof_rewrite_scheduled:1") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the rewrite did not finish")
}

// checkAOF runs redis-check-aof on a manifest when it is installed.
func checkAOF(t *testing.T, manifest string) {
	t.Helper()
	bin, err := exec.LookPath("redis-check-aof")
	if err != nil {
		t.Log("redis-check-aof not installed; check skipped")
		return
	}
	out, err := exec.Command(bin, manifest).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "is valid") {
		t.Fatalf("redis-check-aof refused the folder: %v\n%s", err, out)
	}
}

// extra writes more after the data set, so that the incremental file has
// commands of several kinds, in another database too.
func extra(t *testing.T, c *redis.Client) {
	t.Helper()
	ctx := context.Background()
	conn := c.Conn()
	defer conn.Close()
	for _, args := range [][]any{
		{"set", "after", "1", "pxat", time.Now().Add(time.Hour).UnixMilli()}, {"incr", "after2"}, {"incrbyfloat", "fl", "1.5"},
		{"rpush", "list", "late"}, {"hset", "hash", "late", "v"}, {"del", "int"}, {"pexpireat", "after2", time.Now().Add(time.Hour).UnixMilli()},
		{"select", "5"}, {"set", "in5", "x"}, {"sadd", "s5", "a", "b"}, {"srem", "s5", "a"},
		{"multi"}, {"incr", "tx"}, {"rpush", "txl", "a"}, {"exec"},
		// Requests that replay differently: propagated as their effects.
		{"set", "ex", "v", "ex", "3600"}, {"sadd", "pop", "a", "b", "c"}, {"spop", "pop"}, {"expire", "in5", "7200"},
		{"select", "0"},
	} {
		if err := conn.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
}

func TestRedmodLoadsRedisAOF(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble "+preamble, func(t *testing.T) {
			dir := t.TempDir()
			rc := unixClient(t, difftest.RedisIn(t, dir, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble))
			difftest.Load(t, rc)
			rewrite(t, rc)
			extra(t, rc)
			want := difftest.Contents(t, rc)
			rc.Shutdown(context.Background()) // flushes the log; the error is the closed connection
			srv := redmodtest.Run(t, withAOF(dir))
			got := difftest.Contents(t, redmodClient(t, srv))
			difftest.Same(t, "redmod on Redis's appendonlydir", got, want)
		})
	}
}

func TestRedisLoadsRedmodAOF(t *testing.T) {
	difftest.Redis(t) // skip early without redis-server
	for _, preamble := range []bool{true, false} {
		name := "preamble yes"
		if !preamble {
			name = "preamble no"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			srv := redmodtest.Run(t, withAOF(dir, func(c *host.Config) { c.AOFUseRDBPreamble = preamble }))
			c := redmodClient(t, srv)
			difftest.Load(t, c)
			rewrite(t, c)
			extra(t, c)
			want := difftest.Contents(t, c)
			srv.Close()
			checkAOF(t, filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
			rc := unixClient(t, difftest.RedisIn(t, dir, "--appendonly", "yes"))
			got := difftest.Contents(t, rc)
			difftest.Same(t, "redis-server on redmod's appendonlydir", got, want)
		})
	}
}
