package rdb_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
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

// dataset is the writes both servers receive: every encoding the writer
// and the reader choose between (int, short, compressible and long
// strings; small and multi-node lists; listpack and hash-table hashes),
// expiry times and several databases.
func dataset() [][]any {
	long := strings.Repeat("abcdefghij", 1000)
	var cmds [][]any
	add := func(args ...any) { cmds = append(cmds, args) }
	add("set", "int", "12345")
	add("set", "neg", "-98765432")
	add("set", "bigint", "4611686018427387904")
	add("set", "notint", "007")
	add("set", "empty", "")
	add("set", "bin", "a\x00b\xffc\r\n")
	add("set", "compressible", long)
	add("set", "ttl", "v", "pxat", time.Now().Add(time.Hour).UnixMilli())
	add("rpush", "list", "a", "1", "-5", "5000", "70000", "-3000000", "9000000000", "b")
	big := []any{"rpush", "biglist"}
	for i := 0; i < 3000; i++ {
		big = append(big, strconv.Itoa(i)+strings.Repeat("x", i%50))
	}
	cmds = append(cmds, big)
	add("rpush", "hugeelem", strings.Repeat("y", 20000), "small")
	add("hset", "hash", "f", "v", "n", "17", "e", "")
	bh := []any{"hset", "bighash"}
	for i := 0; i < 700; i++ {
		bh = append(bh, "field"+strconv.Itoa(i), strconv.Itoa(i*i))
	}
	cmds = append(cmds, bh)
	add("hset", "longhash", "f", strings.Repeat("z", 100))
	add("pexpire", "hash", 7200000)
	add("sadd", "intset", "3", "-1", "100000", "5000000000")
	add("sadd", "strset", "a", "b", "1", "")
	bs := []any{"sadd", "bigset"}
	for i := 0; i < 600; i++ {
		bs = append(bs, strconv.Itoa(i*7))
	}
	cmds = append(cmds, bs)
	add("sadd", "longset", strings.Repeat("m", 100), "x")
	add("zadd", "zset", "1", "a", "2.5", "b", "-3", "c", "1e300", "big", "-inf", "low", "+inf", "high", "0.1", "tenth")
	bz := []any{"zadd", "bigzset"}
	for i := 0; i < 300; i++ {
		bz = append(bz, float64(i)/7, "member"+strconv.Itoa(i))
	}
	cmds = append(cmds, bz)
	add("zadd", "longzset", "1", strings.Repeat("q", 100))
	bigStream := []any{}
	for i := 1; i <= 300; i++ {
		if i%50 == 0 {
			add("xadd", "stream", fmt.Sprintf("%d-%d", 1000+i/3, i%3), "other", i)
		} else {
			add("xadd", "stream", fmt.Sprintf("%d-%d", 1000+i/3, i%3), "f", i, "g", strings.Repeat("s", i%20))
		}
	}
	_ = bigStream
	add("xdel", "stream", "1010-0", "1020-1")
	add("xgroup", "create", "stream", "g", "0")
	add("xgroup", "create", "stream", "g2", "$")
	add("xreadgroup", "group", "g", "alice", "count", "5", "streams", "stream", ">")
	add("xreadgroup", "group", "g", "bob", "count", "3", "streams", "stream", ">")
	add("xack", "stream", "g", "1000-1")
	add("xgroup", "createconsumer", "stream", "g", "carol")
	add("xadd", "emptystream", "1-1", "a", "b")
	add("xdel", "emptystream", "1-1")
	add("select", "3")
	add("set", "indb3", "yes")
	add("rpush", "list3", "x")
	add("select", "0")
	return cmds
}

// load runs the dataset on a client.
func load(t *testing.T, c *redis.Client) {
	t.Helper()
	ctx := context.Background()
	// SELECT needs one connection: use a pinned one.
	conn := c.Conn()
	defer conn.Close()
	for _, args := range dataset() {
		if err := conn.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("%v: %v", args[:min(3, len(args))], err)
		}
	}
}

// contents reads every key of databases 0-15 in a canonical form: type,
// value (members sorted where the order is not defined) and absolute
// expiry.
func contents(t *testing.T, c *redis.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	conn := c.Conn()
	defer conn.Close()
	defer conn.Do(ctx, "select", 0) // the connection goes back to the pool
	out := map[string]string{}
	for db := 0; db < 16; db++ {
		if err := conn.Do(ctx, "select", db).Err(); err != nil {
			t.Fatal(err)
		}
		keys, err := conn.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			out[fmt.Sprintf("%d/%s", db, k)] = describe(t, conn, k)
		}
	}
	return out
}

func describe(t *testing.T, c *redis.Conn, k string) string {
	t.Helper()
	ctx := context.Background()
	typ := c.Type(ctx, k).Val()
	var val string
	switch typ {
	case "string":
		val = c.Get(ctx, k).Val()
	case "list":
		val = strings.Join(c.LRange(ctx, k, 0, -1).Val(), "|")
	case "hash":
		m := c.HGetAll(ctx, k).Val()
		var fs []string
		for f, v := range m {
			fs = append(fs, f+"="+v)
		}
		sort.Strings(fs)
		val = strings.Join(fs, "|")
	case "set":
		ms := c.SMembers(ctx, k).Val()
		sort.Strings(ms)
		val = strings.Join(ms, "|")
	case "zset":
		for _, z := range c.ZRangeWithScores(ctx, k, 0, -1).Val() {
			val += fmt.Sprintf("%v=%v|", z.Member, z.Score)
		}
	case "stream":
		// Entries, counters and groups, without the times of deliveries
		// (each server's own clock).
		val = fmt.Sprint(c.Do(ctx, "xrange", k, "-", "+").Val())
		info := c.Do(ctx, "xinfo", "stream", k).Val()
		m, _ := info.(map[any]any)
		if m == nil {
			t.Fatalf("XINFO STREAM: %T", info)
		}
		for _, f := range []string{"length", "last-generated-id", "max-deleted-entry-id", "entries-added", "recorded-first-entry-id", "groups"} {
			val += fmt.Sprint(f, m[f])
		}
		val += fmt.Sprint(c.Do(ctx, "xinfo", "groups", k).Val())
		val += fmt.Sprint(c.Do(ctx, "xpending", k, "g").Val())
	default:
		t.Fatalf("key %q has type %q", k, typ)
	}
	exp := c.Do(ctx, "pexpiretime", k).Val()
	enc := c.ObjectEncoding(ctx, k).Val()
	return fmt.Sprintf("%s %s %q exp=%v", typ, enc, val, exp)
}

func same(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(want) < 10 {
		t.Fatalf("%s: only %d keys to compare", what, len(want))
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d keys, want %d", what, len(got), len(want))
	}
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: key %s missing", what, k)
		} else if g != w {
			t.Errorf("%s: key %s:\n got %.300s\nwant %.300s", what, k, g, w)
		}
	}
}

// withoutEncodings drops the OBJECT ENCODING word of contents' entries.
func withoutEncodings(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		f := strings.SplitN(v, " ", 3)
		out[k] = f[0] + " " + f[2]
	}
	return out
}

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
