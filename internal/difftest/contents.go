package difftest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The interchange tests' data set and its canonical reading: files written
// by one server (dump.rdb, the append-only folder) are read by the other
// with the same keys, values and expiry times.

// Dataset is the writes both servers receive: every encoding the writer
// and the reader choose between (int, short, compressible and long
// strings; small and multi-node lists; listpack and hash-table hashes),
// expiry times and several databases.
func Dataset() [][]any {
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

// Load runs the dataset on a client.
func Load(t testing.TB, c *redis.Client) {
	t.Helper()
	ctx := context.Background()
	// SELECT needs one connection: use a pinned one.
	conn := c.Conn()
	defer conn.Close()
	for _, args := range Dataset() {
		if err := conn.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("%v: %v", args[:min(3, len(args))], err)
		}
	}
}

// Contents reads every key of databases 0-15 in a canonical form: type,
// value (members sorted where the order is not defined) and absolute
// expiry.
func Contents(t testing.TB, c *redis.Client) map[string]string {
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

func describe(t testing.TB, c *redis.Conn, k string) string {
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

// Same compares two readings of Contents key by key.
func Same(t testing.TB, what string, got, want map[string]string) {
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

// WithoutEncodings drops the OBJECT ENCODING word of contents' entries.
func WithoutEncodings(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		f := strings.SplitN(v, " ", 3)
		out[k] = f[0] + " " + f[2]
	}
	return out
}
