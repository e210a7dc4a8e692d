package rdb_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/rdb"
	"github.com/redmod/redmod/redmodtest"
)

// Interchange with a real Redis 7.0: files and DUMP payloads written by one
// are read by the other with the same keys, values and expiry times. The
// tests skip without redis-server.

func load(t *testing.T, c *redis.Client)                       { difftest.Load(t, c) }
func contents(t *testing.T, c *redis.Client) map[string]string { return difftest.Contents(t, c) }
func same(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	difftest.Same(t, what, got, want)
}
func withoutEncodings(m map[string]string) map[string]string { return difftest.WithoutEncodings(m) }

func unixClient(t *testing.T, sock string) *redis.Client {
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: sock, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

func redmodClient(t *testing.T, srv *redmodtest.Server) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// checkRDB runs redis-check-rdb on a file when it is installed.
func checkRDB(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("redis-check-rdb")
	if err != nil {
		t.Log("redis-check-rdb not installed; file check skipped")
		return
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("redis-check-rdb refused the file: %v\n%s", err, out)
	}
}

func TestRedisLoadsRedmodFile(t *testing.T) {
	difftest.Redis(t) // skip early without redis-server
	dir := t.TempDir()
	srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	c := redmodClient(t, srv)
	load(t, c)
	want := contents(t, c)
	if err := c.Save(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	checkRDB(t, filepath.Join(dir, "dump.rdb"))
	got := contents(t, unixClient(t, difftest.RedisIn(t, dir)))
	same(t, "redis-server on redmod's dump.rdb", got, want)
}

func TestRedmodLoadsRedisFile(t *testing.T) {
	configs := map[string][]string{
		"defaults": nil,
		// Tiny limits: many quicklist nodes, hash tables, no compression.
		"small encodings":  {"--list-max-listpack-size", "3", "--hash-max-listpack-entries", "2", "--rdbcompression", "no"},
		"compressed nodes": {"--list-compress-depth", "1", "--list-max-listpack-size", "5"},
	}
	for name, args := range configs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			rc := unixClient(t, difftest.RedisIn(t, dir, args...))
			load(t, rc)
			want := contents(t, rc)
			if err := rc.Save(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
			srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
			got := contents(t, redmodClient(t, srv))
			if args != nil {
				// Encodings follow each server's own limits.
				got, want = withoutEncodings(got), withoutEncodings(want)
			}
			same(t, "redmod on Redis's dump.rdb", got, want)
		})
	}
}

func TestDumpRestoreBothWays(t *testing.T) {
	rc := unixClient(t, difftest.Redis(t))
	mc := redmodClient(t, redmodtest.Run(t))
	ctx := context.Background()
	load(t, rc)
	load(t, mc)
	want := contents(t, rc)
	// Values whose encoding has one form are serialized byte for byte as
	// Redis does (LZF output differs: each compressor finds its own
	// matches, and either decompresses the other's).
	for _, k := range []string{"int", "neg", "notint", "empty", "bin", "list", "hash", "zset"} {
		r, m := rc.Dump(ctx, k).Val(), mc.Dump(ctx, k).Val()
		if r != m {
			t.Errorf("DUMP %s differs from Redis's:\n redmod %q\n  redis %q", k, m[:min(len(m), 200)], r[:min(len(r), 200)])
		}
	}
	for _, dir := range []struct {
		name     string
		from, to *redis.Client
	}{{"redis to redmod", rc, mc}, {"redmod to redis", mc, rc}} {
		for key := range want {
			k, ok := strings.CutPrefix(key, "0/")
			if !ok {
				continue
			}
			payload, err := dir.from.Dump(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			if err := dir.to.RestoreReplace(ctx, k, 0, payload).Err(); err != nil {
				t.Fatalf("%s: RESTORE %s: %v", dir.name, k, err)
			}
		}
		// Expiry times were dropped by RESTORE with TTL 0: compare values.
		got := contents(t, dir.to)
		for k := range got {
			if strings.HasPrefix(k, "0/") {
				w := want[k]
				w = w[:strings.LastIndex(w, " exp=")]
				g := got[k][:strings.LastIndex(got[k], " exp=")]
				if g != w {
					t.Errorf("%s: key %s:\n got %.300s\nwant %.300s", dir.name, k, g, w)
				}
			}
		}
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

// SYNC sends the data set as an RDB file, as a Redis master does, which is
// how `redis-cli --rdb` fetches a server's dump.
func TestSyncSendsRDB(t *testing.T) {
	srv := redmodtest.Run(t)
	c := redmodClient(t, srv)
	load(t, c)
	want := len(contents(t, c))
	nc, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := nc.Write([]byte("REPLCONF rdb-only 1\r\nSYNC\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	if line, err := br.ReadString('\n'); err != nil || line != "+OK\r\n" {
		t.Fatalf("REPLCONF: %q %v", line, err)
	}
	line, err := br.ReadString('\n')
	if err != nil || line[0] != '$' {
		t.Fatalf("SYNC: %q %v", line, err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	data, err := io.ReadAll(br)
	if err != nil || len(data) != n {
		t.Fatalf("SYNC sent %d bytes of %d (%v), then should close", len(data), n, err)
	}
	keys := 0
	if _, err := rdb.Load(data, func(*rdb.Entry) error { keys++; return nil }); err != nil || keys != want {
		t.Fatalf("the RDB from SYNC: %d keys of %d, %v", keys, want, err)
	}
	if bin, err := exec.LookPath("redis-cli"); err == nil {
		h, p, _ := net.SplitHostPort(srv.Addr())
		path := filepath.Join(t.TempDir(), "out.rdb")
		if out, err := exec.Command(bin, "-h", h, "-p", p, "--rdb", path).CombinedOutput(); err != nil {
			t.Fatalf("redis-cli --rdb: %v\n%s", err, out)
		}
		checkRDB(t, path)
	}
}

// rdbcompression no and rdbchecksum no write what Redis writes with them:
// no LZF strings, a zero checksum; both servers load the file.
func TestCompressionAndChecksumSettings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	c := redmodClient(t, srv)
	long := strings.Repeat("abc", 1000)
	c.Set(ctx, "k", long, 0)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.ConfigSet(ctx, "rdbcompression", "no").Err())
	must(c.ConfigSet(ctx, "rdbchecksum", "no").Err())
	must(c.Save(ctx).Err())
	path := filepath.Join(dir, "dump.rdb")
	data, err := os.ReadFile(path)
	must(err)
	if !strings.Contains(string(data), long) || string(data[len(data)-8:]) != "\x00\x00\x00\x00\x00\x00\x00\x00" {
		t.Fatal("rdbcompression no / rdbchecksum no not applied")
	}
	must(srv.Close())
	if redmodClient(t, redmodtest.Run(t, redmodtest.WithPersistence(dir))).Get(ctx, "k").Val() != long {
		t.Fatal("redmod did not load its file without checksum")
	}
	if _, err := exec.LookPath("redis-server"); err == nil {
		if unixClient(t, difftest.RedisIn(t, dir)).Get(ctx, "k").Val() != long {
			t.Fatal("Redis did not load the file without checksum")
		}
	}
}
