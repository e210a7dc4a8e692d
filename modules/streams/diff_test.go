package streams_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// setup runs before each case: a stream S of five entries with explicit
// IDs and a string K.
var setup = [][]string{
	{"XADD", "S", "1-1", "a", "1"}, {"XADD", "S", "1-2", "b", "2", "c", "3"}, {"XADD", "S", "2-0", "a", "4"},
	{"XADD", "S", "3-5", "a", "5"}, {"XADD", "S", "5-0", "d", "6"}, {"SET", "K", "x"},
}

// diffCases are command sequences sent to redmod and to a real Redis; the
// replies must match byte for byte. Nothing depends on the clock: every ID
// is explicit and idle times are not compared.
var diffCases = map[string][][]string{
	"xadd": {
		{"XADD", "S", "5-0", "x", "y"}, {"XADD", "S", "4-0", "x", "y"}, {"XADD", "S", "5-1", "x", "y"},
		{"XADD", "S", "5-*", "x", "y"}, {"XADD", "S", "6-*", "x", "y"}, {"XADD", "S", "7", "x", "y"},
		{"XADD", "n", "0-0", "x", "y"}, {"XADD", "n", "0", "x", "y"}, {"XADD", "n", "0-*", "x", "y"}, {"XADD", "n", "0-*", "x", "y"},
		{"XADD", "S", "8-0", "x"}, {"XADD", "S", "8-0", "x", "y", "z"}, {"XADD", "S", "bad", "x", "y"},
		{"XADD", "S", "8-x", "x", "y"}, {"XADD", "S", "-", "x", "y"}, {"XADD", "S", "+", "x", "y"},
		{"XADD", "S", "+9-0", "x", "y"}, {"XADD", "S", " 10-0", "x", "y"}, {"XADD", "S", "18446744073709551616-0", "x", "y"},
		{"XADD", "S", "18446744073709551615-18446744073709551615", "x", "y"}, {"XADD", "S", "*", "x", "y"},
		{"XADD", "S", "18446744073709551615-*", "x", "y"},
		{"XADD", "nomk", "NOMKSTREAM", "1-1", "x", "y"}, {"EXISTS", "nomk"}, {"XADD", "K", "1-1", "x", "y"},
		{"XADD", "K", "NOMKSTREAM", "1-1", "x", "y"}, {"XADD", "S"}, {"XADD", "S", "1-1"},
		{"XLEN", "S"}, {"XLEN", "n"}, {"XLEN", "nokey"}, {"XLEN", "K"},
		{"XADD", "t", "MAXLEN", "2", "1-1", "a", "b"}, {"XADD", "t", "MAXLEN", "=", "2", "2-1", "a", "b"},
		{"XADD", "t", "MAXLEN", "2", "3-1", "a", "b"}, {"XRANGE", "t", "-", "+"},
		{"XADD", "t", "MINID", "3", "4-1", "a", "b"}, {"XRANGE", "t", "-", "+"},
		{"XADD", "t", "MAXLEN", "-1", "5-1", "a", "b"}, {"XADD", "t", "MAXLEN", "x", "5-1", "a", "b"},
		{"XADD", "t", "MAXLEN", "1", "MINID", "1", "5-1", "a", "b"}, {"XADD", "t", "LIMIT", "10", "5-1", "a", "b"},
		{"XADD", "t", "MAXLEN", "1", "LIMIT", "10", "5-1", "a", "b"}, {"XADD", "t", "MAXLEN", "~", "1", "LIMIT", "-1", "5-1", "a", "b"},
		{"XADD", "t", "MAXLEN", "~", "1", "LIMIT", "10", "5-1", "a", "b"}, {"XLEN", "t"},
		{"XADD", "t", "MINID", "bad", "6-1", "a", "b"}, {"XADD", "t", "MAXLEN"}, {"XADD", "t", "MAXLEN", "1"},
		{"XADD", "t", "nomkstream", "maxlen", "~", "0", "7-1", "a", "b"}, {"XLEN", "t"},
	},
	"xrange": {
		{"XRANGE", "S", "-", "+"}, {"XRANGE", "S", "1", "2"}, {"XRANGE", "S", "1-2", "3-5"}, {"XRANGE", "S", "(1-1", "(5-0"},
		{"XRANGE", "S", "(1", "+"}, {"XRANGE", "S", "-", "(2"}, {"XRANGE", "S", "-", "+", "COUNT", "2"},
		{"XRANGE", "S", "-", "+", "COUNT", "0"}, {"XRANGE", "S", "-", "+", "COUNT", "-1"}, {"XRANGE", "S", "-", "+", "COUNT"},
		{"XRANGE", "S", "-", "+", "COUNT", "x"}, {"XRANGE", "S", "-", "+", "FOO", "1"}, {"XRANGE", "S", "5", "1"},
		{"XRANGE", "S", "(-", "+"}, {"XRANGE", "S", "-", "(+"}, {"XRANGE", "S", "(18446744073709551615-18446744073709551615", "+"},
		{"XRANGE", "S", "-", "(0-0"}, {"XRANGE", "S", "(", "+"}, {"XRANGE", "S", "x", "+"}, {"XRANGE", "S", "-", "x"},
		{"XRANGE", "nokey", "-", "+"}, {"XRANGE", "K", "-", "+"}, {"XRANGE", "nokey", "-", "+", "COUNT", "0"},
		{"XREVRANGE", "S", "+", "-"}, {"XREVRANGE", "S", "+", "-", "COUNT", "2"}, {"XREVRANGE", "S", "(5", "(1-1"},
		{"XREVRANGE", "S", "3", "1-2"}, {"XREVRANGE", "S", "-", "+"}, {"XREVRANGE", "S", "+", "-", "COUNT", "0"},
		{"XREVRANGE", "K", "+", "-"}, {"XRANGE", "S", "1-1", "1-1"}, {"XRANGE", "S", "3-5", "3-5"},
	},
	"xdel": {
		{"XDEL", "S", "1-2", "3-5", "9-9"}, {"XRANGE", "S", "-", "+"}, {"XLEN", "S"}, {"XDEL", "S", "1-2"},
		{"XDEL", "S", "bad"}, {"XDEL", "S", "2-0", "bad"}, {"XLEN", "S"}, {"XDEL", "nokey", "bad"}, {"XDEL", "K", "1-1"},
		{"XDEL", "S", "1-1", "2-0", "5-0"}, {"XLEN", "S"}, {"XRANGE", "S", "-", "+"}, {"EXISTS", "S"},
		{"XADD", "S", "5-0", "x", "y"}, {"XADD", "S", "6-0", "x", "y"}, {"XREVRANGE", "S", "+", "-"},
		{"XDEL", "S", "-"}, {"XDEL", "S", "+"},
	},
	"xtrim": {
		{"XTRIM", "S", "MAXLEN", "3"}, {"XRANGE", "S", "-", "+"}, {"XTRIM", "S", "MINID", "5"}, {"XRANGE", "S", "-", "+"},
		{"XTRIM", "S", "MAXLEN", "~", "0"}, {"XLEN", "S"}, {"XTRIM", "S"}, {"XTRIM", "S", "FOO", "1"},
		{"XTRIM", "S", "MAXLEN", "=", "0"}, {"XLEN", "S"}, {"EXISTS", "S"}, {"XTRIM", "nokey", "MAXLEN", "0"},
		{"XTRIM", "nokey", "FOO"}, {"XTRIM", "nokey", "MINID", "=", "+"}, {"XTRIM", "nokey", "MAXLEN", "x"},
		{"XTRIM", "nokey", "LIMIT", "5"}, {"XTRIM", "K", "MINID", "bad"}, {"XTRIM", "K", "MAXLEN", "0"}, {"XTRIM", "S", "LIMIT", "1"},
		{"XTRIM", "S", "MAXLEN", "1", "LIMIT", "1"}, {"XTRIM", "S", "MAXLEN", "~", "1", "LIMIT", "1"},
		{"XTRIM", "S", "MINID", "~", "1-1", "LIMIT", "0"},
	},
	"xsetid": {
		{"XSETID", "S", "4-0"}, {"XSETID", "S", "5-0"}, {"XSETID", "S", "9-0"}, {"XADD", "S", "9-0", "a", "b"},
		{"XADD", "S", "9-*", "a", "b"}, {"XSETID", "nokey", "1-1"}, {"XSETID", "K", "1-1"}, {"XSETID", "S", "bad"},
		{"XSETID", "S", "100-0", "ENTRIESADDED", "3"}, {"XSETID", "S", "100-0", "ENTRIESADDED", "-1"},
		{"XSETID", "S", "100-0", "ENTRIESADDED", "100", "MAXDELETEDID", "200-0"},
		{"XSETID", "S", "100-0", "ENTRIESADDED", "100", "MAXDELETEDID", "50-0"}, {"XINFO", "STREAM", "S"},
		// An ID below the last deleted one is accepted while entries remain.
		{"XADD", "T", "5-1", "f", "v"}, {"XADD", "T", "6-1", "f", "v"}, {"XDEL", "T", "6-1"}, {"XSETID", "T", "5-5"}, {"XINFO", "STREAM", "T"},
		{"XSETID", "S", "60-0"}, {"XSETID", "S", "100-0", "FOO"}, {"XSETID", "S", "100-0", "ENTRIESADDED"},
	},
	"groups": {
		{"XGROUP", "CREATE", "S", "g", "0"}, {"XGROUP", "CREATE", "S", "g", "0"}, {"XGROUP", "CREATE", "S", "h", "$"},
		{"XGROUP", "CREATE", "nokey", "g", "$"}, {"XGROUP", "CREATE", "nokey", "g", "$", "MKSTREAM"}, {"TYPE", "nokey"},
		{"XGROUP", "CREATE", "K", "g", "$"}, {"XGROUP", "CREATE", "S", "i", "bad"}, {"XGROUP", "CREATE", "S", "i", "-"},
		{"XGROUP", "CREATE", "S", "i", "1", "ENTRIESREAD", "-3"}, {"XGROUP", "CREATE", "S", "i", "1", "ENTRIESREAD", "2"},
		{"XGROUP", "CREATE", "S", "j", "1", "FOO"}, {"XGROUP", "CREATE", "S", "j", "1", "MKSTREAM", "ENTRIESREAD", "1", "x"},
		{"XINFO", "GROUPS", "S"}, {"XINFO", "GROUPS", "nokey"}, {"XINFO", "GROUPS", "K"},
		{"XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "S", ">"}, {"XINFO", "GROUPS", "S"},
		{"XREADGROUP", "GROUP", "g", "c2", "STREAMS", "S", ">"}, {"XREADGROUP", "GROUP", "g", "c2", "STREAMS", "S", ">"},
		{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "S", "0"}, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "S", "1-1"},
		{"XPENDING", "S", "g"}, {"XINFO", "GROUPS", "S"}, {"XACK", "S", "g", "1-1", "9-9"}, {"XACK", "S", "g", "1-1"},
		{"XACK", "S", "g", "bad"}, {"XACK", "S", "nogroup", "bad"}, {"XACK", "nokey", "g", "1-1"}, {"XACK", "K", "g", "1-1"},
		{"XPENDING", "S", "g"}, {"XPENDING", "S", "nogroup"}, {"XPENDING", "nokey", "g"}, {"XPENDING", "K", "g"},
		{"XPENDING", "S", "g", "-", "+"}, {"XPENDING", "S", "g", "-", "+", "x"}, {"XPENDING", "S", "g", "x", "+", "10"},
		{"XPENDING", "S", "g", "IDLE", "x", "-", "+", "10"}, {"XPENDING", "S", "g", "IDLE", "0", "-", "+"},
		{"XDEL", "S", "2-0"}, {"XREADGROUP", "GROUP", "g", "c2", "STREAMS", "S", "0"}, {"XINFO", "GROUPS", "S"},
		{"XGROUP", "SETID", "S", "g", "0"}, {"XREADGROUP", "GROUP", "g", "c3", "COUNT", "1", "STREAMS", "S", ">"},
		{"XPENDING", "S", "g"}, {"XINFO", "GROUPS", "S"},
		{"XGROUP", "SETID", "S", "g", "$", "ENTRIESREAD", "3"}, {"XINFO", "GROUPS", "S"}, {"XGROUP", "SETID", "S", "g", "$", "FOO", "3"},
		{"XGROUP", "SETID", "S", "nogroup", "$"}, {"XGROUP", "SETID", "nokey", "g", "$"}, {"XGROUP", "SETID", "S", "g", "bad"},
		{"XGROUP", "SETID", "S", "g", "-"}, {"XGROUP", "SETID", "S", "g", "0", "ENTRIESREAD"},
		{"XGROUP", "CREATECONSUMER", "S", "g", "c9"}, {"XGROUP", "CREATECONSUMER", "S", "g", "c9"},
		{"XGROUP", "CREATECONSUMER", "S", "nogroup", "c9"}, {"XGROUP", "DELCONSUMER", "S", "g", "c3"},
		{"XGROUP", "DELCONSUMER", "S", "g", "nobody"}, {"XPENDING", "S", "g"},
		{"XGROUP", "DESTROY", "S", "h"}, {"XGROUP", "DESTROY", "S", "h"}, {"XGROUP", "DESTROY", "nokey2", "h"},
		{"XGROUP", "DESTROY", "S"}, {"XGROUP", "FOO"}, {"XGROUP", "FOO", "S", "g"}, {"XGROUP", "HELP"}, {"XINFO", "HELP"},
		{"XINFO", "GROUPS", "S"},
	},
	"xreadgroup-errors": {
		{"XGROUP", "CREATE", "S", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "S"}, {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "S", "S", ">"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "S", "$"}, {"XREADGROUP", "GROUP", "nog", "c", "STREAMS", "S", ">"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">"}, {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "K", ">"},
		{"XREADGROUP", "GROUPS", "g", "c", "STREAMS", "S", ">"}, {"XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", "S", ">"},
		{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "x", "STREAMS", "S", ">"}, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "-1", "STREAMS", "S", ">"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "S", "bad"}, {"XREADGROUP", "COUNT", "1", "STREAMS", "S", ">"},
		{"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "S", ">"}, {"XPENDING", "S", "g"}, {"XINFO", "GROUPS", "S"},
		{"XREAD", "STREAMS", "S", ">"}, {"XREAD", "GROUP", "g", "c", "STREAMS", "S", "0"}, {"XREAD", "NOACK", "STREAMS", "S", "0"},
		{"XREAD", "STREAMS", "S"}, {"XREAD", "COUNT", "1"}, {"XREAD", "STREAMS", "S", "K", "0", "0"},
		{"XREAD", "FOO", "STREAMS", "S", "0"}, {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "S", "0", "BLOCK", "0"},
	},
	"xread": {
		{"XREAD", "STREAMS", "S", "0"}, {"XREAD", "COUNT", "2", "STREAMS", "S", "1-1"}, {"XREAD", "STREAMS", "S", "$"},
		{"XREAD", "STREAMS", "S", "5-0"}, {"XREAD", "STREAMS", "S", "nokey", "0", "0"}, {"XREAD", "STREAMS", "nokey", "S", "0", "3"},
		{"XADD", "T", "1-1", "f", "v"}, {"XREAD", "COUNT", "1", "STREAMS", "S", "T", "0", "0"},
		{"XREAD", "STREAMS", "S", "T", "5", "1"}, {"XREAD", "BLOCK", "10", "STREAMS", "S", "$"},
		{"XREAD", "STREAMS", "S", "bad"}, {"XREAD", "COUNT", "-5", "STREAMS", "S", "4"}, {"XREAD", "STREAMS", "K", "0"},
		{"XREAD", "STREAMS", "S", "18446744073709551615-18446744073709551615"},
	},
	"claim": {
		{"XGROUP", "CREATE", "S", "g", "0"}, {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "S", ">"},
		{"XCLAIM", "S", "g", "bob", "0", "1-1", "1-2"}, {"XPENDING", "S", "g"},
		{"XCLAIM", "S", "g", "bob", "0", "1-1", "JUSTID"}, {"XCLAIM", "S", "g", "carol", "0", "2-0", "RETRYCOUNT", "7", "JUSTID"},
		{"XPENDING", "S", "g", "-", "+", "10", "carol"}, {"XDEL", "S", "3-5"}, {"XCLAIM", "S", "g", "bob", "0", "3-5", "5-0"},
		{"XPENDING", "S", "g"}, {"XCLAIM", "S", "g", "bob", "0", "9-9"}, {"XCLAIM", "S", "g", "bob", "0", "2-0", "FORCE"},
		{"XACK", "S", "g", "1-2"}, {"XCLAIM", "S", "g", "dan", "0", "1-2", "FORCE", "JUSTID"},
		{"XCLAIM", "S", "g", "dan", "0", "1-2", "FORCE", "RETRYCOUNT", "3"},
		{"XCLAIM", "S", "g", "bob", "x", "1-1"}, {"XCLAIM", "S", "g", "bob", "0", "1-1", "IDLE", "x"},
		{"XCLAIM", "S", "g", "bob", "0", "1-1", "TIME", "x"}, {"XCLAIM", "S", "g", "bob", "0", "1-1", "RETRYCOUNT", "x"},
		{"XCLAIM", "S", "g", "bob", "0", "1-1", "LASTID", "x"}, {"XCLAIM", "S", "g", "bob", "0", "1-1", "FOO"},
		{"XCLAIM", "S", "g", "bob", "0", "1-1", "JUSTID", "2-0"}, {"XCLAIM", "S", "nog", "bob", "0", "1-1"},
		{"XCLAIM", "nokey", "g", "bob", "0", "1-1"}, {"XCLAIM", "K", "g", "bob", "0", "1-1"},
		{"XCLAIM", "S", "g", "bob", "0", "1-1", "LASTID", "100-0", "JUSTID"}, {"XINFO", "GROUPS", "S"},
		{"XCLAIM", "S", "g", "bob", "100000000", "1-1"}, {"XCLAIM", "S", "g", "bob", "-5", "1-1", "JUSTID"},
		{"XPENDING", "S", "g", "-", "+", "10"}, {"XPENDING", "S", "g", "(1-1", "+", "2"}, {"XPENDING", "S", "g", "IDLE", "100000", "-", "+", "10"},
	},
	"autoclaim": {
		{"XGROUP", "CREATE", "S", "g", "0"}, {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "S", ">"},
		{"XAUTOCLAIM", "S", "g", "bob", "0", "0", "COUNT", "2"}, {"XAUTOCLAIM", "S", "g", "bob", "0", "1-2", "COUNT", "2", "JUSTID"},
		{"XDEL", "S", "3-5", "5-0"}, {"XAUTOCLAIM", "S", "g", "carol", "0", "0"}, {"XPENDING", "S", "g"},
		{"XAUTOCLAIM", "S", "g", "carol", "0", "(1-1", "JUSTID"}, {"XAUTOCLAIM", "S", "g", "bob", "100000000", "0"},
		{"XAUTOCLAIM", "S", "g", "bob", "x", "0"}, {"XAUTOCLAIM", "S", "g", "bob", "0", "x"},
		{"XAUTOCLAIM", "S", "g", "bob", "0", "0", "COUNT", "0"}, {"XAUTOCLAIM", "S", "g", "bob", "0", "0", "COUNT", "x"},
		{"XAUTOCLAIM", "S", "g", "bob", "0", "0", "FOO"}, {"XAUTOCLAIM", "S", "nog", "bob", "0", "0"},
		{"XAUTOCLAIM", "nokey", "g", "bob", "0", "0"}, {"XAUTOCLAIM", "K", "g", "bob", "0", "0"},
		{"XAUTOCLAIM", "S", "g", "bob", "0", "0", "COUNT", "1"}, {"XAUTOCLAIM", "S", "g", "bob", "0", "(18446744073709551615-18446744073709551615"},
	},
	"lag": {
		{"DEL", "S"}, {"XADD", "S", "1-0", "data", "a"}, {"XADD", "S", "2-0", "data", "b"}, {"XADD", "S", "3-0", "data", "c"},
		{"XADD", "S", "4-0", "data", "d"}, {"XADD", "S", "5-0", "data", "e"}, {"XDEL", "S", "3-0"},
		{"XGROUP", "CREATE", "S", "g1", "0"}, {"XGROUP", "CREATE", "S", "g2", "0"}, {"XINFO", "GROUPS", "S"},
		{"XREADGROUP", "GROUP", "g1", "c11", "COUNT", "1", "STREAMS", "S", ">"}, {"XINFO", "GROUPS", "S"},
		{"XREADGROUP", "GROUP", "g1", "c11", "COUNT", "1", "STREAMS", "S", ">"}, {"XINFO", "GROUPS", "S"},
		{"XREADGROUP", "GROUP", "g1", "c11", "COUNT", "1", "STREAMS", "S", ">"}, {"XINFO", "GROUPS", "S"},
		{"XREADGROUP", "GROUP", "g1", "c11", "COUNT", "1", "STREAMS", "S", ">"}, {"XINFO", "GROUPS", "S"},
		{"XADD", "S", "6-0", "data", "f"}, {"XINFO", "GROUPS", "S"},
		{"XREADGROUP", "GROUP", "g2", "c21", "COUNT", "2", "STREAMS", "S", ">"}, {"XINFO", "GROUPS", "S"},
		{"XTRIM", "S", "MINID", "=", "3-0"}, {"XINFO", "GROUPS", "S"}, {"XTRIM", "S", "MAXLEN", "=", "0"}, {"XINFO", "GROUPS", "S"},
		{"XADD", "S", "7-0", "data", "g"}, {"XINFO", "GROUPS", "S"}, {"XGROUP", "SETID", "S", "g1", "$"}, {"XINFO", "GROUPS", "S"},
		{"XGROUP", "SETID", "S", "g2", "1-0", "ENTRIESREAD", "1"}, {"XINFO", "GROUPS", "S"},
		{"XSETID", "S", "8-0", "ENTRIESADDED", "10", "MAXDELETEDID", "7-5"}, {"XINFO", "GROUPS", "S"},
		{"XADD", "S", "9-0", "a", "b"}, {"XDEL", "S", "9-0"}, {"XINFO", "GROUPS", "S"}, {"XADD", "S", "10-0", "a", "b"},
		{"XREADGROUP", "GROUP", "g2", "c21", "STREAMS", "S", ">"}, {"XINFO", "GROUPS", "S"},
		{"XGROUP", "CREATE", "S", "g3", "$", "ENTRIESREAD", "3"}, {"XGROUP", "CREATE", "S", "g4", "9-0"}, {"XINFO", "GROUPS", "S"},
	},
	"xinfo": {
		{"XINFO", "STREAM", "nokey"}, {"XINFO", "STREAM", "K"}, {"XINFO", "STREAM", "S", "FOO"},
		{"XINFO", "STREAM", "S", "FULL", "COUNT"}, {"XINFO", "STREAM", "S", "FULL", "FOO", "1"}, {"XINFO", "STREAM", "S", "FULL", "COUNT", "x"},
		{"XINFO", "CONSUMERS", "S", "nog"}, {"XINFO", "CONSUMERS", "nokey", "g"}, {"XINFO", "FOO", "S"}, {"XINFO", "CONSUMERS", "S"},
		{"XGROUP", "CREATE", "S", "g", "0"}, {"XINFO", "CONSUMERS", "S", "g"}, {"TYPE", "S"}, {"OBJECT", "ENCODING", "S"},
	},
}

// checkInfo compares an XINFO STREAM reply field by field, except
// radix-tree-nodes, a detail of Redis's radix tree.
func checkInfo(t *testing.T, p *difftest.Pair, args ...string) {
	t.Helper()
	ours, ref := p.Do(args...)
	if len(ours.Elems) != len(ref.Elems) || ours.Kind != ref.Kind {
		t.Errorf("%q:\n redmod: %s\n  redis: %s", args, ours, ref)
		return
	}
	for i := 0; i+1 < len(ref.Elems); i += 2 {
		if ref.Elems[i].Str == "radix-tree-nodes" {
			continue
		}
		if ours.Elems[i].Raw != ref.Elems[i].Raw || ours.Elems[i+1].Raw != ref.Elems[i+1].Raw {
			t.Errorf("%q field %s:\n redmod: %s\n  redis: %s", args, ref.Elems[i].Str, ours.Elems[i+1], ref.Elems[i+1])
		}
	}
}

// checkPending compares an extended XPENDING reply without the idle
// times, which depend on the clock.
func checkPending(t *testing.T, p *difftest.Pair, args ...string) {
	t.Helper()
	ours, ref := p.Do(args...)
	mask := func(r resp.Reply) string {
		for i := range r.Elems {
			if len(r.Elems[i].Elems) == 4 {
				r.Elems[i].Elems[2] = resp.Reply{}
			}
		}
		return r.String()
	}
	if ref.Kind == '-' || ours.Kind == '-' {
		if ours.Raw != ref.Raw {
			t.Errorf("%q:\n redmod: %s\n  redis: %s", args, ours, ref)
		}
		return
	}
	if mask(ours) != mask(ref) {
		t.Errorf("%q:\n redmod: %s\n  redis: %s", args, ours, ref)
	}
}

func TestDifferential(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	for name, cmds := range diffCases {
		t.Run(name, func(t *testing.T) {
			p := difftest.NewPair(t, srv.Addr(), ref)
			for _, c := range setup {
				p.Check(c...)
			}
			for _, c := range cmds {
				if len(c) >= 3 && c[0] == "XINFO" && c[1] == "STREAM" && len(c) == 3 {
					checkInfo(t, p, c...)
					continue
				}
				if c[0] == "XPENDING" && len(c) > 3 {
					checkPending(t, p, c...)
					continue
				}
				p.Check(c...)
			}
			for _, k := range []string{"S", "T", "t", "n", "nokey"} {
				p.Check("XRANGE", k, "-", "+")
				checkInfo(t, p, "XINFO", "STREAM", k)
			}
		})
	}
}

// TestDifferentialRESP3 compares the map replies (XREAD, XINFO) in RESP3.
func TestDifferentialRESP3(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	p.Do("HELLO", "3")
	for _, c := range setup {
		p.Check(c...)
	}
	for _, c := range [][]string{
		{"XREAD", "STREAMS", "S", "0"}, {"XREAD", "STREAMS", "nokey", "0"}, {"XGROUP", "CREATE", "S", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "S", ">"}, {"XINFO", "GROUPS", "S"},
		{"XPENDING", "S", "g"}, {"XPENDING", "S", "nog"}, {"XAUTOCLAIM", "S", "g", "d", "0", "0", "JUSTID"},
		{"XCLAIM", "S", "g", "d", "0", "1-1"}, {"XADD", "S", "NOMKSTREAM", "9-9", "a", "b"}, {"XADD", "x", "NOMKSTREAM", "9-9", "a", "b"},
		{"XRANGE", "S", "-", "+", "COUNT", "0"}, {"XREAD", "STREAMS", "S", "$"}, {"XPENDING", "S", "g", "-", "+", "0"},
	} {
		p.Check(c...)
	}
	ours, theirs := p.Do("XINFO", "STREAM", "S", "FULL")
	if len(ours.Elems) != len(theirs.Elems) || ours.Kind != theirs.Kind {
		t.Errorf("XINFO STREAM FULL:\n redmod: %s\n  redis: %s", ours, theirs)
	}
	_ = resp.Reply{}
}

// TestDumpRestoreWithRedis moves a stream with groups both ways between
// redmod and Redis with DUMP and RESTORE: Redis's encoding of streams.
func TestDumpRestoreWithRedis(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, c := range setup {
		p.Check(c...)
	}
	for _, c := range [][]string{
		{"XDEL", "S", "2-0"}, {"XGROUP", "CREATE", "S", "g", "0"}, {"XGROUP", "CREATE", "S", "h", "$"},
		{"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "S", ">"},
		{"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "S", ">"},
		{"XCLAIM", "S", "g", "carol", "0", "1-1", "RETRYCOUNT", "5", "TIME", "1000"},
	} {
		p.Do(c...)
	}
	compare := func(from, to *resp.Conn) {
		t.Helper()
		d, err := from.Do("DUMP", "S")
		if err != nil || d.Kind != '$' {
			t.Fatalf("DUMP: %s %v", d, err)
		}
		if r, err := to.Do("RESTORE", "R", "0", d.Str, "REPLACE"); err != nil || r.Str != "OK" {
			t.Fatalf("RESTORE: %s %v", r, err)
		}
		for _, args := range [][]string{{"XRANGE", "%s", "-", "+"}, {"XINFO", "GROUPS", "%s"}, {"XPENDING", "%s", "g"}, {"XLEN", "%s"}} {
			a := append([]string(nil), args...)
			b := append([]string(nil), args...)
			for i := range a {
				if a[i] == "%s" {
					a[i], b[i] = "S", "R"
				}
			}
			x, _ := from.Do(a...)
			y, _ := to.Do(b...)
			if x.Raw != y.Raw {
				t.Errorf("%q after RESTORE:\n from: %s\n   to: %s", args, x, y)
			}
		}
		x, _ := from.Do("XINFO", "STREAM", "S", "FULL")
		y, _ := to.Do("XINFO", "STREAM", "R", "FULL")
		for i := 0; i+1 < len(x.Elems) && i+1 < len(y.Elems); i += 2 {
			if f := x.Elems[i].Str; f != "radix-tree-nodes" && f != "radix-tree-keys" && x.Elems[i+1].Raw != y.Elems[i+1].Raw {
				t.Errorf("XINFO STREAM FULL %s after RESTORE:\n from: %s\n   to: %s", f, x.Elems[i+1], y.Elems[i+1])
			}
		}
	}
	compare(p.Ref, p.Ours)
	compare(p.Ours, p.Ref)
}

// TestDifferentialNodeLimits checks that blocks split where Redis's nodes
// do (stream-node-max-entries, stream-node-max-bytes), which decides what
// trimming with ~ removes.
func TestDifferentialNodeLimits(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	defer p.Do("CONFIG", "SET", "stream-node-max-entries", "100")
	defer p.Do("CONFIG", "SET", "stream-node-max-bytes", "4096")
	p.CheckUnordered("CONFIG", "GET", "stream-node-max-*")
	p.Check("CONFIG", "SET", "stream-node-max-entries", "10")
	p.Check("CONFIG", "SET", "stream-node-max-entries", "-1")
	p.Check("CONFIG", "SET", "stream-node-max-bytes", "1kb")
	p.Check("CONFIG", "GET", "stream-node-max-bytes")
	p.Check("CONFIG", "SET", "stream-node-max-bytes", "4096")
	for j := 1; j <= 100; j++ {
		p.Check("XADD", "s", "1-"+itoa(j), "xitem", "v")
	}
	p.Check("XADD", "s", "MAXLEN", "~", "55", "LIMIT", "30", "2-1", "xitem", "v")
	p.Check("XLEN", "s")
	p.Check("XADD", "s", "MAXLEN", "~", "55", "LIMIT", "30", "2-2", "xitem", "v")
	p.Check("XLEN", "s")
	p.Check("XTRIM", "s", "MAXLEN", "~", "20")
	p.Check("XTRIM", "s", "MINID", "~", "1-95")
	p.Check("XRANGE", "s", "-", "+", "COUNT", "3")
	checkInfo(t, p, "XINFO", "STREAM", "s")
	p.Check("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "0")
	checkInfo(t, p, "XINFO", "STREAM", "s")
	// Large values split blocks by size.
	p.Check("CONFIG", "SET", "stream-node-max-entries", "100")
	big := make([]byte, 700)
	for i := range big {
		big[i] = 'a' + byte(i%26)
	}
	for j := 1; j <= 40; j++ {
		p.Check("XADD", "b", "1-"+itoa(j), "f", string(big[:100+j*13]), "n", itoa(j*1000))
	}
	checkInfo(t, p, "XINFO", "STREAM", "b")
	p.Check("XTRIM", "b", "MAXLEN", "~", "10")
	checkInfo(t, p, "XINFO", "STREAM", "b")
	for j := 1; j <= 300; j++ {
		p.Check("XADD", "c", "1-"+itoa(j), "field", itoa(j*7919))
	}
	checkInfo(t, p, "XINFO", "STREAM", "c")
	p.Check("XTRIM", "c", "MAXLEN", "~", "150")
	checkInfo(t, p, "XINFO", "STREAM", "c")
}

// TestDifferentialNotifications compares the keyspace events of the stream
// commands with Redis's.
func TestDifferentialNotifications(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	p.Check("CONFIG", "SET", "notify-keyspace-events", "KEA")
	defer p.Do("CONFIG", "SET", "notify-keyspace-events", "")
	events := func(addr string) (*resp.Conn, func() []string) {
		c, err := resp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := c.Do("PSUBSCRIBE", "__key*__:*"); err != nil {
			t.Fatal(err)
		}
		return c, func() []string {
			var out []string
			for {
				r, err := c.ReadTimeout(10 * time.Second)
				if err != nil {
					t.Fatalf("reading events: %v", err)
				}
				if len(r.Elems) == 4 {
					out = append(out, r.Elems[2].Str+" "+r.Elems[3].Str)
					if r.Elems[3].Str == "end" {
						return out
					}
				}
			}
		}
	}
	_, ours := events(srv.Addr())
	_, theirs := events(ref)
	for _, c := range [][]string{
		{"XADD", "s", "1-1", "a", "b"}, {"XADD", "s", "MAXLEN", "1", "2-1", "a", "b"}, {"XADD", "s", "NOMKSTREAM", "3-1", "a", "b"},
		{"XADD", "x", "NOMKSTREAM", "3-1", "a", "b"}, {"XDEL", "s", "2-1"}, {"XDEL", "s", "9-9"}, {"XTRIM", "s", "MAXLEN", "0"},
		{"XTRIM", "s", "MAXLEN", "0"}, {"XSETID", "s", "10-0"}, {"XGROUP", "CREATE", "s", "g", "0"},
		{"XGROUP", "CREATE", "m", "g", "$", "MKSTREAM"}, {"XGROUP", "SETID", "s", "g", "0"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "c"}, {"XGROUP", "CREATECONSUMER", "s", "g", "c"},
		{"XADD", "s", "11-0", "a", "b"}, {"XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", ">"},
		{"XCLAIM", "s", "g", "e", "0", "11-0"}, {"XAUTOCLAIM", "s", "g", "f", "0", "0"}, {"XACK", "s", "g", "11-0"},
		{"XGROUP", "DELCONSUMER", "s", "g", "c"}, {"XGROUP", "DELCONSUMER", "s", "g", "zz"},
		{"XGROUP", "DESTROY", "s", "g"}, {"XGROUP", "DESTROY", "s", "g"}, {"XADD", "end", "1-1", "a", "b"},
	} {
		p.Do(c...)
	}
	o, r := ours(), theirs()
	if strings.Join(o, "\n") != strings.Join(r, "\n") {
		t.Fatalf("events:\nredmod: %q\n redis: %q", o, r)
	}
}

// TestDifferentialScripts checks the stream commands called from Lua.
func TestDifferentialScripts(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, c := range setup {
		p.Check(c...)
	}
	p.Check("XGROUP", "CREATE", "S", "g", "0")
	for _, script := range []string{
		"return redis.call('xread','block','0','streams','S','$')",
		"return redis.call('xreadgroup','group','g','c','block','0','streams','S','>')",
		"return redis.call('xread','count','2','streams','S','0')",
		"return redis.call('xreadgroup','group','g','c','count','1','streams','S','>')",
		"return redis.call('xadd','S','9-1','f','v')",
		"return redis.call('xinfo','groups','S')",
	} {
		ours, theirs := p.Do("EVAL", script, "0")
		// Error texts carry the script's SHA and line, the same on both.
		if ours.Raw != theirs.Raw {
			t.Errorf("%s:\n redmod: %s\n  redis: %s", script, ours, theirs)
		}
	}
}

// TestDifferentialLegacyRestore restores a stream DUMPed by Redis 5 (no
// entries-added, tombstone or entries-read in the payload) into both
// servers: the counters redmod derives must be Redis's.
func TestDifferentialLegacyRestore(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	// XADD x 1-0 .. 6-0 data a..f, XDEL x 3-0, XGROUP CREATE x g1 0,
	// XGROUP CREATE x g2 0, XREADGROUP GROUP g1 c11 COUNT 4 STREAMS x >,
	// XTRIM x MAXLEN = 2, DUMP x on Redis 5.
	payload := "\x0F\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\xC3\x40\x4A\x40\x57\x16\x57\x00\x00\x00\x23\x00\x02\x01\x04\x01\x01\x01\x84\x64\x61\x74\x61\x05\x00\x01\x03\x01\x00\x20\x01\x03\x81\x61\x02\x04\x20\x0A\x00\x01\x40\x0A\x00\x62\x60\x0A\x00\x02\x40\x0A\x00\x63\x60\x0A\x40\x22\x01\x81\x64\x20\x0A\x40\x39\x20\x0A\x00\x65\x60\x0A\x00\x05\x40\x0A\x00\x66\x20\x0A\x00\xFF\x02\x06\x00\x02\x02\x67\x31\x05\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x00"
	p.Check("RESTORE", "x", "0", payload)
	for _, c := range [][]string{
		{"XINFO", "GROUPS", "x"}, {"XRANGE", "x", "-", "+"}, {"XADD", "x", "7-0", "data", "g"}, {"XINFO", "GROUPS", "x"},
		{"XREADGROUP", "GROUP", "g2", "c", "STREAMS", "x", ">"}, {"XINFO", "GROUPS", "x"},
	} {
		p.Check(c...)
	}
	checkInfo(t, p, "XINFO", "STREAM", "x")
}
