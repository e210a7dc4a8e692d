package effects_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/effects"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// redisStream is a redis-server 7.0 with the append-only file on and
// `appendfsync always`: after each reply, its incremental file holds the
// stream a replica would receive (the same feed, without PINGs).
type redisStream struct {
	t    *testing.T
	c    *resp.Conn
	file string
	off  int
	sock string
}

func newRedisStream(t *testing.T) *redisStream {
	dir := t.TempDir()
	sock := difftest.RedisIn(t, dir, "--appendonly", "yes", "--appendfsync", "always")
	c, err := resp.Dial(sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &redisStream{t: t, c: c, sock: sock}
	for i := 0; i < 200 && r.file == ""; i++ {
		m, _ := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
		if len(m) == 1 {
			r.file = m[0]
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if r.file == "" {
		t.Fatal("redis-server wrote no incremental AOF file")
	}
	return r
}

// since returns the commands Redis logged since the last call.
func (r *redisStream) since() [][]string {
	b, err := os.ReadFile(r.file)
	if err != nil {
		r.t.Fatal(err)
	}
	cmds, err := effects.ParseCommands(b[r.off:])
	if err != nil {
		r.t.Fatalf("redis AOF: %v", err)
	}
	r.off = len(b)
	return cmds
}

// ourStream is a redmod server with a Recorder attached.
type ourStream struct {
	srv *redmodtest.Server
	c   *resp.Conn
	rec *effects.Recorder
	off int
}

func newOurStream(t *testing.T) *ourStream {
	srv := redmodtest.Run(t)
	rec := &effects.Recorder{}
	srv.Effects().Attach(rec)
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &ourStream{srv: srv, c: c, rec: rec}
}

func (o *ourStream) since() [][]string {
	b := o.rec.Bytes()
	cmds, _ := effects.ParseCommands(b[o.off:])
	o.off = len(b)
	return cmds
}

var (
	// Unix times in milliseconds (and stream IDs made of them) differ
	// between the two servers by the moments the commands ran.
	reMillis = regexp.MustCompile(`^1[0-9]{12}(-[0-9]+)?$`)
)

// normalise renders commands one per line with times replaced, and with
// the command names upper-cased (Redis keeps the client's spelling for
// commands it propagates as received, and so does redmod).
func normalise(cmds [][]string) string {
	var b strings.Builder
	for _, c := range cmds {
		for i, a := range c {
			if i > 0 {
				b.WriteByte(' ')
			}
			switch {
			case i == 0:
				a = strings.ToUpper(a)
			case reMillis.MatchString(a):
				a = "<ms>" + a[13:]
			}
			b.WriteString(a)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// streamCase is a run of commands whose streams must match: setup runs
// first (its stream is compared too), then each step.
type streamCase struct {
	name  string
	steps [][]string
}

func runStreamCases(t *testing.T, cases []streamCase) {
	ref := newRedisStream(t)
	ours := newOurStream(t)
	for _, tc := range cases {
		for _, step := range append([][]string{{"flushall"}}, tc.steps...) {
			or, err := ours.c.Do(step...)
			if err != nil {
				t.Fatalf("%s: redmod %q: %v", tc.name, step, err)
			}
			rr, err := ref.c.Do(step...)
			if err != nil {
				t.Fatalf("%s: redis %q: %v", tc.name, step, err)
			}
			if strings.HasPrefix(rr.Raw, "-") != strings.HasPrefix(or.Raw, "-") {
				t.Errorf("%s: %q replies differ: redmod %s, redis %s", tc.name, step, or, rr)
			}
			got, want := normalise(ours.since()), normalise(ref.since())
			if got != want {
				t.Errorf("%s: %q propagates\n%s\nwant (redis 7.0)\n%s", tc.name, step, got, want)
			}
		}
	}
}

// TestStreamDiffBasics compares what redmod and Redis 7.0 propagate for the
// generic cases: verbatim writes, no-ops, transactions, scripts, databases.
func TestStreamDiffBasics(t *testing.T) {
	runStreamCases(t, []streamCase{
		{"verbatim", [][]string{{"set", "a", "1"}, {"append", "a", "x"}, {"del", "a", "b"}, {"del", "a"}, {"get", "a"}}},
		{"multi", [][]string{{"multi"}, {"set", "a", "1"}, {"incr", "a"}, {"get", "a"}, {"exec"}, {"multi"}, {"get", "a"}, {"exec"}, {"multi"}, {"del", "zz"}, {"set", "b", "2"}, {"exec"}}},
		{"multi-select", [][]string{{"multi"}, {"set", "a", "1"}, {"select", "3"}, {"set", "a", "1"}, {"exec"}, {"set", "c", "1"}, {"select", "0"}, {"set", "d", "1"}}},
		{"eval", [][]string{{"eval", "redis.call('set', KEYS[1], '1') return redis.call('incr', KEYS[1])", "1", "k"}, {"eval", "return redis.call('get', 'k')", "0"}, {"eval", "redis.call('set', 'x', '1')", "0"}}},
		{"keyspace", [][]string{{"set", "a", "1"}, {"swapdb", "0", "1"}, {"move", "a", "1"}, {"select", "1"}, {"move", "a", "0"}, {"select", "0"}, {"copy", "a", "b"}, {"copy", "a", "b", "db", "2"}, {"flushdb"}}},
	})
}

func future(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).UnixMilli(), 10) }
func futureSec(d time.Duration) string {
	return strconv.FormatInt(time.Now().Add(d).Unix(), 10)
}

// TestStreamDiffRewrites compares Redis 7.0's rewrites of commands that do
// not replay as received: relative times, floats, random and blocking pops.
func TestStreamDiffRewrites(t *testing.T) {
	past := strconv.FormatInt(time.Now().Add(-time.Hour).UnixMilli(), 10)
	pastSec := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	runStreamCases(t, []streamCase{
		{"set-expiry", [][]string{
			{"set", "k", "v", "ex", "100"}, {"set", "k", "v", "px", "100000"}, {"set", "k", "v", "exat", futureSec(time.Hour)},
			{"set", "k", "v", "pxat", future(time.Hour)}, {"set", "k", "v", "ex", "100", "nx"}, {"set", "k", "w", "ex", "100", "get"},
			{"set", "k", "v", "xx", "px", "5000", "get"}, {"set", "k", "v", "keepttl"}, {"setex", "k", "100", "v"}, {"psetex", "k", "100000", "v"},
			// A SET with a time in the past stores an expired key, which either
			// server's active expiry may remove at any moment: not compared.
		}},
		{"getex", [][]string{
			{"set", "k", "v"}, {"getex", "k"}, {"getex", "k", "ex", "100"}, {"getex", "k", "px", "100000"}, {"getex", "k", "exat", futureSec(time.Hour)},
			{"getex", "k", "pxat", future(time.Hour)}, {"getex", "k", "persist"}, {"getex", "k", "persist"}, {"getex", "nokey", "ex", "100"},
			{"getex", "k", "pxat", past}, {"set", "k", "v"}, {"getex", "k", "exat", pastSec}, {"getdel", "k"}, {"getdel", "k"},
		}},
		{"expire", [][]string{
			{"set", "k", "v"}, {"expire", "k", "100"}, {"pexpire", "k", "100000"}, {"expireat", "k", futureSec(time.Hour)},
			{"pexpireat", "k", future(time.Hour)}, {"expire", "k", "100", "nx"}, {"expire", "k", "100", "xx"}, {"expire", "k", "1000", "gt"},
			{"persist", "k"}, {"persist", "k"}, {"expire", "nokey", "100"}, {"expire", "k", "-1"}, {"set", "k", "v"}, {"pexpireat", "k", past},
			{"set", "k", "v"}, {"expireat", "k", pastSec},
		}},
		{"floats", [][]string{
			{"incrbyfloat", "f", "1.5"}, {"set", "f", "3", "ex", "100"}, {"incrbyfloat", "f", "0.1"},
			{"hincrbyfloat", "h", "a", "1.5"}, {"hincrbyfloat", "h", "a", "2.0e1"},
		}},
		{"blocking-pops-served-at-once", [][]string{
			{"rpush", "l", "a", "b", "c", "d", "e", "f"}, {"blpop", "l", "0"}, {"brpop", "nol", "l", "0"},
			{"blmove", "l", "m", "left", "right", "0"}, {"brpoplpush", "l", "m", "0"}, {"blmpop", "0", "2", "nol", "l", "right", "count", "2"},
			{"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d"}, {"bzpopmin", "z", "0"}, {"bzpopmax", "z", "0"}, {"bzmpop", "0", "1", "z", "min", "count", "5"},
			{"rpush", "l", "a", "b", "c"}, {"lmpop", "1", "l", "left", "count", "2"}, {"lmpop", "1", "l", "left"}, {"lmpop", "1", "l", "left"},
			{"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d"}, {"zpopmin", "z"}, {"zpopmax", "z", "1"}, {"zmpop", "1", "z", "max", "count", "9"},
		}},
		{"spop", [][]string{
			{"sadd", "s", "a"}, {"spop", "s"}, {"spop", "s"}, {"sadd", "s", "a", "b", "c"}, {"spop", "s", "3"},
			{"sadd", "s", "1", "2", "3", "4", "5"}, {"spop", "s", "0"}, {"spop", "s", "10"},
		}},
	})
}

// TestStreamDiffStreams compares the propagation of stream commands: IDs
// the server chose, approximate trimming, consumer groups.
func TestStreamDiffStreams(t *testing.T) {
	runStreamCases(t, []streamCase{
		{"xadd", [][]string{
			{"xadd", "s", "*", "f", "v"}, {"xadd", "s", "99999999999999-*", "f", "v"}, {"xadd", "s", "99999999999999-7", "f", "v"},
			{"xadd", "s", "maxlen", "~", "2", "*", "f", "v"}, {"xadd", "s", "maxlen", "1", "*", "f", "v"},
			{"xadd", "s", "nomkstream", "*", "f", "v"}, {"xadd", "nos", "nomkstream", "*", "f", "v"},
			{"xtrim", "s", "maxlen", "~", "0"}, {"xtrim", "s", "maxlen", "0"}, {"xtrim", "s", "minid", "~", "0"},
		}},
		{"approx-trim", [][]string{
			{"config", "set", "stream-node-max-entries", "4"},
			{"xadd", "t", "1-1", "f", "v"}, {"xadd", "t", "1-2", "f", "v"}, {"xadd", "t", "1-3", "f", "v"}, {"xadd", "t", "1-4", "f", "v"},
			{"xadd", "t", "1-5", "f", "v"}, {"xadd", "t", "1-6", "f", "v"}, {"xadd", "t", "1-7", "f", "v"}, {"xadd", "t", "1-8", "f", "v"}, {"xadd", "t", "1-9", "f", "v"},
			{"xadd", "t", "maxlen", "~", "3", "1-10", "f", "v"},
			{"xadd", "t", "maxlen", "~", "3", "1-11", "f", "v"},
			{"xtrim", "t", "minid", "~", "1-9"}, {"xtrim", "t", "maxlen", "~", "1", "limit", "1"},
			{"config", "set", "stream-node-max-entries", "100"},
		}},
		{"groups", [][]string{
			{"xadd", "s", "1-1", "f", "v"}, {"xadd", "s", "1-2", "f", "v"}, {"xadd", "s", "1-3", "f", "v"},
			{"xgroup", "create", "s", "g", "0"}, {"xgroup", "createconsumer", "s", "g", "c0"},
			{"xreadgroup", "group", "g", "c1", "count", "2", "streams", "s", ">"},
			{"xreadgroup", "group", "g", "c1", "streams", "s", "0"},
			{"xreadgroup", "group", "g", "c2", "noack", "streams", "s", ">"},
			{"xreadgroup", "group", "g", "c2", "streams", "s", ">"},
			{"xclaim", "s", "g", "c3", "0", "1-1"}, {"xclaim", "s", "g", "c3", "0", "1-2", "justid"},
			{"xclaim", "s", "g", "c3", "0", "1-2", "idle", "5000", "retrycount", "7"},
			{"xdel", "s", "1-2"}, {"xautoclaim", "s", "g", "c4", "0", "0"},
			{"xack", "s", "g", "1-1"}, {"xgroup", "setid", "s", "g", "$"}, {"xgroup", "delconsumer", "s", "g", "c4"},
			{"xgroup", "destroy", "s", "g"}, {"xsetid", "s", "5-5"},
		}},
	})
}

// TestStreamDiffMore compares the remaining commands with rules of their
// own: RESTORE's TTL, PFCOUNT's cached cardinality, functions, and a set of
// deterministic writes that must go as received.
func TestStreamDiffMore(t *testing.T) {
	lib := "#!lua name=effl\nredis.register_function('setit', function(keys, args) redis.call('set', keys[1], args[1]) return redis.call('incr', keys[1]) end)"
	// A DUMP payload of the string "v".
	payload := "\x00\x01v\n\x00\x91\b\xce\xb2\x198\x8a\xce"
	runStreamCases(t, []streamCase{
		{"restore", [][]string{
			{"restore", "r", "0", payload}, {"restore", "r", "100000", payload, "replace"},
			{"restore", "r", future(time.Hour), payload, "replace", "absttl"}, {"restore", "r", past(), payload, "replace", "absttl"},
			{"restore", "r2", "5000", payload, "idletime", "10"},
		}},
		{"pfcount", [][]string{
			{"pfadd", "h", "a", "b", "c"}, {"pfcount", "h"}, {"pfcount", "h"}, {"pfadd", "h", "a"}, {"pfadd", "h2", "x"},
			{"pfcount", "h", "h2"}, {"pfmerge", "h3", "h", "h2"}, {"pfcount", "h3"},
		}},
		{"functions", [][]string{
			{"function", "load", "replace", lib}, {"fcall", "setit", "1", "fk", "5"}, {"fcall_ro", "setit", "1", "fk", "5"},
			{"function", "delete", "effl"}, {"function", "flush"},
			{"script", "load", "return 1"}, {"script", "flush"},
		}},
		{"deterministic", [][]string{
			{"rpush", "l", "3", "1", "2"}, {"sort", "l", "store", "l2"}, {"rename", "l2", "l3"}, {"lmove", "l", "l3", "left", "right"},
			{"setrange", "s", "3", "x"}, {"zincrby", "z", "1.5", "m"}, {"hsetnx", "hh", "f", "v"}, {"hsetnx", "hh", "f", "v"},
			{"xadd", "st", "1-1", "f", "v"}, {"xgroup", "create", "st", "g", "$"}, {"xgroup", "setid", "st", "g", "$"},
			{"getdel", "s"}, {"persist", "nokey"}, {"expire", "nokey", "10"}, {"setnx", "n", "1"}, {"setnx", "n", "1"},
			{"msetnx", "a", "1", "b", "2"}, {"msetnx", "a", "1", "c", "2"}, {"unlink", "a", "b"}, {"getset", "g", "1"},
			{"sadd", "s1", "a", "b"}, {"smove", "s1", "s2", "a"}, {"sinterstore", "s3", "s1", "s2"}, {"geoadd", "geo", "13.36", "38.11", "p"},
			{"object", "freq", "geo"}, {"touch", "geo"},
		}},
	})
}

func past() string { return strconv.FormatInt(time.Now().Add(-time.Hour).UnixMilli(), 10) }

// TestStreamDiffWoken compares blocking commands served after a wait: the
// push, then the non-blocking form of what the woken client did.
func TestStreamDiffWoken(t *testing.T) {
	ref := newRedisStream(t)
	ours := newOurStream(t)
	dial := func(addr string) *resp.Conn {
		c, err := resp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	refAddr := ref.sock
	for _, tc := range []struct{ block, push []string }{
		{[]string{"blpop", "l", "0"}, []string{"rpush", "l", "a", "b"}},
		{[]string{"brpop", "x", "l", "0"}, []string{"rpush", "l", "a", "b"}},
		{[]string{"blmove", "l", "m", "left", "right", "0"}, []string{"rpush", "l", "a"}},
		{[]string{"brpoplpush", "l", "m", "0"}, []string{"rpush", "l", "a"}},
		{[]string{"blmpop", "0", "1", "l", "left", "count", "5"}, []string{"rpush", "l", "a", "b"}},
		{[]string{"bzpopmin", "z", "0"}, []string{"zadd", "z", "1", "a", "2", "b"}},
		{[]string{"bzmpop", "0", "1", "z", "max", "count", "5"}, []string{"zadd", "z", "1", "a", "2", "b"}},
		{[]string{"xreadgroup", "group", "g", "c", "block", "0", "streams", "st", ">"}, []string{"xadd", "st", "5-1", "f", "v"}},
	} {
		for _, side := range []struct {
			main *resp.Conn
			addr string
		}{{ours.c, ours.srv.Addr()}, {ref.c, refAddr}} {
			side.main.Do("flushall")
			side.main.Do("xgroup", "create", "st", "g", "$", "mkstream")
			blocked := dial(side.addr)
			if err := blocked.Write(resp.Encode(tc.block...)); err != nil {
				t.Fatal(err)
			}
			// Wait until the client is blocked before pushing.
			for i := 0; ; i++ {
				r, _ := side.main.Do("info", "clients")
				if strings.Contains(r.Str, "blocked_clients:1") || i == 500 {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			side.main.Do(tc.push...)
			if _, err := blocked.ReadTimeout(5 * time.Second); err != nil {
				t.Fatalf("%q: %v", tc.block, err)
			}
		}
		got, want := normalise(ours.since()), normalise(ref.since())
		if got != want {
			t.Errorf("%q woken by %q propagates\n%s\nwant (redis 7.0)\n%s", tc.block, tc.push, got, want)
		}
	}
}

// TestStreamDiffLazyfree compares what the lazyfree settings change in the
// stream: DEL stays DEL under lazyfree-lazy-user-del and FLUSHALL stays as
// sent under lazyfree-lazy-user-flush; under lazyfree-lazy-expire a key an
// expiry in the past removes is propagated as UNLINK (while a key SPOP
// empties stays DEL under lazyfree-lazy-server-del, as in 7.0).
func TestStreamDiffLazyfree(t *testing.T) {
	past := strconv.FormatInt(time.Now().Add(-time.Hour).UnixMilli(), 10)
	pastSec := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	runStreamCases(t, []streamCase{
		{"user-del", [][]string{{"config", "set", "lazyfree-lazy-user-del", "yes"}, {"rpush", "l", "a", "b"}, {"del", "l"}, {"set", "s", "1"}, {"unlink", "s"}, {"config", "set", "lazyfree-lazy-user-del", "no"}}},
		{"user-flush", [][]string{{"config", "set", "lazyfree-lazy-user-flush", "yes"}, {"set", "a", "1"}, {"flushall"}, {"set", "a", "1"}, {"flushdb"}, {"config", "set", "lazyfree-lazy-user-flush", "no"}}},
		{"expire", [][]string{{"config", "set", "lazyfree-lazy-expire", "yes"},
			{"set", "k", "v"}, {"pexpireat", "k", past}, {"set", "k", "v"}, {"expireat", "k", pastSec}, {"set", "k", "v"}, {"expire", "k", "-1"},
			{"set", "k", "v"}, {"getex", "k", "pxat", past}, {"set", "k", "v"}, {"getex", "k", "exat", pastSec},
			{"config", "set", "lazyfree-lazy-expire", "no"}, {"set", "k", "v"}, {"pexpireat", "k", past}}},
		{"server-del", [][]string{{"config", "set", "lazyfree-lazy-server-del", "yes"},
			{"sadd", "s", "a", "b"}, {"spop", "s", "5"}, {"config", "set", "lazyfree-lazy-server-del", "no"}, {"sadd", "s", "a"}, {"spop", "s", "5"}}},
	})
}
