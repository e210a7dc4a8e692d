package keys_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

func pair(t *testing.T) *difftest.Pair {
	t.Helper()
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	return difftest.NewPair(t, srv.Addr(), ref)
}

func checkAll(p *difftest.Pair, cmds [][]string) {
	for _, c := range cmds {
		p.Check(c...)
	}
}

func TestDiffGenericCommands(t *testing.T) {
	p := pair(t)
	checkAll(p, [][]string{
		{"SET", "s", "1"}, {"SET", "big", "10000"}, {"SET", "neg", "-1"}, {"SET", "str", "hello"},
		{"HSET", "h", "a", "1"}, {"RPUSH", "l", "x"},
		{"TYPE", "s"}, {"TYPE", "h"}, {"TYPE", "l"}, {"TYPE", "nokey"},
		{"TOUCH", "s", "nokey", "s", "h"}, {"TOUCH", "nokey"},
		{"OBJECT", "ENCODING", "s"}, {"OBJECT", "ENCODING", "str"}, {"OBJECT", "ENCODING", "h"}, {"OBJECT", "ENCODING", "l"},
		{"OBJECT", "ENCODING", "nokey"}, {"OBJECT", "encoding"}, {"OBJECT", "ENCODING", "a", "b"},
		{"OBJECT", "REFCOUNT", "s"}, {"OBJECT", "REFCOUNT", "big"}, {"OBJECT", "REFCOUNT", "neg"}, {"OBJECT", "REFCOUNT", "str"},
		{"OBJECT", "REFCOUNT", "h"}, {"OBJECT", "REFCOUNT", "nokey"},
		{"SET", "app", "a"}, {"APPEND", "app", "b"}, {"COPY", "app", "app2"}, {"OBJECT", "ENCODING", "app2"},
		{"COPY", "s", "s2"}, {"OBJECT", "ENCODING", "s2"}, {"OBJECT", "REFCOUNT", "s2"}, {"RENAME", "s2", "s3"}, {"OBJECT", "REFCOUNT", "s3"},
		{"INCR", "counter"}, {"OBJECT", "REFCOUNT", "counter"},
		{"OBJECT", "FREQ", "s"}, {"OBJECT", "FREQ", "nokey"}, {"OBJECT", "IDLETIME", "s"}, {"OBJECT", "IDLETIME", "nokey"},
		{"OBJECT", "HELP"}, {"OBJECT", "help", "x"}, {"OBJECT"}, {"OBJECT", "foo"}, {"OBJECT", "foo", "bar"},
		{"EXPIRETIME", "s"}, {"PEXPIRETIME", "s"}, {"EXPIRETIME", "nokey"}, {"PEXPIRETIME", "nokey"},
		{"PEXPIREAT", "s", "4102444800123"}, {"EXPIRETIME", "s"}, {"PEXPIRETIME", "s"}, {"TTL", "nokey"}, {"PTTL", "nokey"}, {"PTTL", "h"},
		{"EXPIREAT", "h", "4102444800"}, {"PEXPIRETIME", "h"}, {"EXPIREAT", "h", "4102444801", "LT"}, {"EXPIREAT", "h", "4102444700", "LT"},
		{"EXPIRETIME", "h"}, {"EXPIREAT", "h", "4102444800", "GT"}, {"EXPIREAT", "h", "4102444800", "NX"}, {"EXPIREAT", "h", "4102444800", "XX"},
		{"EXPIRETIME", "h"}, {"EXPIREAT", "h", "x"}, {"EXPIREAT", "h", "1", "foo"}, {"EXPIREAT", "h", "1", "nx", "xx"},
		{"EXPIREAT", "h", "9223372036854775807"}, {"PEXPIREAT", "h", "9223372036854775807"}, {"EXPIREAT", "nokey", "1"},
		{"PEXPIRE", "h", "9223372036854775807"}, {"PEXPIRE", "h", "x"}, {"PEXPIRE", "nokey", "100"}, {"PEXPIRE", "h", "100", "GT", "LT"},
		{"PERSIST", "h"}, {"PERSIST", "h"}, {"PERSIST", "nokey"}, {"TTL", "h"}, {"EXPIRETIME", "h"},
		{"PEXPIRE", "l", "-1"}, {"EXISTS", "l"}, {"RPUSH", "l", "x"}, {"EXPIREAT", "l", "1"}, {"EXISTS", "l"}, {"RPUSH", "l", "x"},
		{"PEXPIREAT", "l", "0"}, {"EXISTS", "l"},
		{"UNLINK", "neg", "nokey", "str"}, {"EXISTS", "neg", "str"}, {"UNLINK", "nokey"},
		{"RENAME", "nokey", "x"}, {"RENAMENX", "nokey", "x"}, {"RENAME", "s", "s"}, {"RENAMENX", "s", "s"}, {"RENAME", "nokey", "nokey"},
		{"SET", "src", "v", "EX", "1000"}, {"RENAME", "src", "dst"}, {"EXISTS", "src"}, {"GET", "dst"}, {"TTL", "dst"},
		{"SET", "other", "o"}, {"RENAMENX", "dst", "other"}, {"RENAMENX", "dst", "fresh"}, {"TTL", "fresh"}, {"GET", "fresh"},
		{"SET", "withttl", "x", "EX", "500"}, {"RENAME", "other", "withttl"}, {"TTL", "withttl"}, {"GET", "withttl"},
		{"HSET", "hh", "f", "v"}, {"RENAME", "hh", "s"}, {"TYPE", "s"}, {"HGETALL", "s"},
		{"COPY", "s", "s"}, {"COPY", "s", "s", "DB", "0"}, {"COPY", "s", "t", "DB", "x"}, {"COPY", "s", "t", "DB", "100"},
		{"COPY", "s", "t", "DB", "-1"}, {"COPY", "s", "t", "DB", "4294967296"}, {"COPY", "s", "t", "DB"}, {"COPY", "s", "t", "foo"},
		{"COPY", "nokey", "t"}, {"COPY", "s", "t"}, {"COPY", "s", "t"}, {"HSET", "s", "f2", "v2"}, {"HGETALL", "t"},
		{"COPY", "s", "t", "REPLACE"}, {"HGETALL", "t"}, {"COPY", "fresh", "t2", "db", "1", "replace"}, {"COPY", "fresh", "t2", "DB", "1"},
		{"COPY", "s", "s", "DB", "1"}, {"COPY", "nokey", "s", "DB", "1", "REPLACE"},
		{"MOVE", "fresh", "x"}, {"MOVE", "fresh", "100"}, {"MOVE", "fresh", "-1"}, {"MOVE", "fresh", "0"}, {"MOVE", "fresh", "4294967296"},
		{"MOVE", "nokey", "1"}, {"MOVE", "s", "1"}, {"MOVE", "fresh", "2"}, {"EXISTS", "fresh"},
		{"SELECT", "1"}, {"TYPE", "s"}, {"HGETALL", "s"}, {"GET", "t2"}, {"TTL", "t2"}, {"SET", "fresh", "in1"}, {"SELECT", "2"},
		{"GET", "fresh"}, {"TTL", "fresh"}, {"MOVE", "fresh", "1"}, {"GET", "fresh"}, {"SELECT", "0"},
		{"RANDOMKEY", "x"}, {"TYPE"}, {"TOUCH"}, {"UNLINK"}, {"RENAME", "a"}, {"COPY", "a"}, {"MOVE", "a"}, {"PERSIST"},
		{"EXPIRETIME"}, {"PTTL"}, {"PEXPIRE", "a"}, {"EXPIREAT", "a"}, {"PEXPIREAT", "a"},
		{"FLUSHALL"}, {"RANDOMKEY"}, {"SET", "only", "1"}, {"RANDOMKEY"},
		{"SCAN", "x"}, {"SCAN", "0", "COUNT", "0"}, {"SCAN", "0", "COUNT", "x"}, {"SCAN", "0", "TYPE"}, {"SCAN", "0", "MATCH"},
		{"SCAN", "0", "foo", "bar"}, {"SCAN", "-"}, {"SCAN", " 1"}, {"SCAN", "18446744073709551616"}, {"SCAN", "0", "TYPE", "foo"},
		{"SCAN"},
	})
}

func TestDiffScanWhole(t *testing.T) {
	p := pair(t)
	for i := range 20 {
		p.Check("SET", "k"+strconv.Itoa(i), "v")
		p.Check("HSET", "h"+strconv.Itoa(i), "f", "v")
	}
	// One call with a COUNT above the size returns everything with cursor 0,
	// as in Redis; the order of keys is undefined.
	for _, args := range [][]string{
		{"SCAN", "0", "COUNT", "1000"},
		{"SCAN", "0", "COUNT", "1000", "MATCH", "k1*"},
		{"SCAN", "0", "COUNT", "1000", "TYPE", "hash"},
		{"SCAN", "0", "COUNT", "1000", "TYPE", "STRING", "MATCH", "*2"},
		{"SCAN", "0", "COUNT", "1000", "TYPE", "list"},
	} {
		ours, ref := p.Do(args...)
		if len(ours.Elems) != 2 || len(ref.Elems) != 2 ||
			ours.Elems[0].Raw != ref.Elems[0].Raw || ours.Elems[1].Sorted().Raw != ref.Elems[1].Sorted().Raw {
			t.Errorf("%q:\n redmod: %s\n  redis: %s", args, ours, ref)
		}
	}
}

func TestDiffGenericRESP3(t *testing.T) {
	p := pair(t)
	if ours, _ := p.Do("HELLO", "3"); ours.Kind == '-' {
		t.Skip("HELLO not available")
	}
	checkAll(p, [][]string{
		{"RANDOMKEY"}, {"SET", "k", "1"}, {"RANDOMKEY"},
		{"OBJECT", "ENCODING", "nokey"}, {"OBJECT", "IDLETIME", "nokey"}, {"OBJECT", "FREQ", "nokey"},
		{"OBJECT", "REFCOUNT", "k"}, {"OBJECT", "HELP"}, {"TYPE", "k"}, {"TYPE", "nokey"},
		{"SCAN", "0"}, {"SCAN", "0", "TYPE", "string"}, {"EXPIRETIME", "k"}, {"PTTL", "nokey"}, {"TOUCH", "k"},
		{"COPY", "k", "k2"}, {"RENAME", "k2", "k3"}, {"RENAMENX", "k3", "k"}, {"MOVE", "k3", "1"}, {"PERSIST", "k"},
	})
}

// TestDiffScanRandomKeyExpire: SCAN and RANDOMKEY delete the expired keys
// they meet, as Redis does (with active expiry off, nothing else would):
// the keys leave DBSIZE, count in expired_keys and notify "expired". One
// key only: the order two are met in is the hash tables' own.
func TestDiffScanRandomKeyExpire(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.EnableDebugCommand = "yes" }))
	e := difftest.NewEvents(t, srv.Addr(), difftest.Redis(t), "KEA")
	expiredKeys := func(c *resp.Conn) string {
		r, _ := c.Do("INFO", "stats")
		for _, line := range strings.Split(r.Str, "\r\n") {
			if v, ok := strings.CutPrefix(line, "expired_keys:"); ok {
				return v
			}
		}
		return ""
	}
	e.Check("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	for _, cmd := range []string{"SCAN", "RANDOMKEY"} {
		e.Check("FLUSHALL")
		e.Check("SET", "foo1", "bar", "PX", "1")
		time.Sleep(5 * time.Millisecond)
		e.Pair.Check("DBSIZE")
		if cmd == "SCAN" {
			e.Check("SCAN", "0")
		} else {
			e.Check("RANDOMKEY")
		}
		e.Pair.Check("DBSIZE")
		if o, r := expiredKeys(e.Ours), expiredKeys(e.Ref); o != r {
			t.Errorf("after %s: expired_keys %s, Redis %s", cmd, o, r)
		}
	}
	// Clients paused for writes: the key reads as missing but stays.
	e.Check("FLUSHALL")
	e.Check("SET", "foo1", "bar", "PX", "1")
	time.Sleep(5 * time.Millisecond)
	e.Pair.Check("CLIENT", "PAUSE", "10000", "WRITE")
	// (Through the pair alone: the events' marker, a PUBLISH, would wait.)
	e.Pair.Check("SCAN", "0")
	e.Pair.Check("DBSIZE")
	e.Pair.Check("CLIENT", "UNPAUSE")
	e.Check("DEBUG", "SET-ACTIVE-EXPIRE", "1")
}
