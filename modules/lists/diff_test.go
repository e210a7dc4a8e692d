package lists_test

import (
	"strings"
	"testing"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// setup is run before each case: a list L (a b c a b c), a string S.
var setup = [][]string{{"RPUSH", "L", "a", "b", "c", "a", "b", "c"}, {"SET", "S", "x"}}

// diffCases are command sequences sent to redmod and to a real Redis; every
// reply must match byte for byte. Each case starts from the setup above.
var diffCases = map[string][][]string{
	"lindex": {
		{"LINDEX", "L", "0"}, {"LINDEX", "L", "-1"}, {"LINDEX", "L", "5"}, {"LINDEX", "L", "6"},
		{"LINDEX", "L", "-6"}, {"LINDEX", "L", "-7"}, {"LINDEX", "L", "x"}, {"LINDEX", "L", "1.5"},
		{"LINDEX", "nokey", "0"}, {"LINDEX", "nokey", "x"}, {"LINDEX", "S", "0"}, {"LINDEX", "S", "x"},
		{"LINDEX", "L", "9223372036854775807"}, {"LINDEX", "L", "-9223372036854775808"},
		{"LINDEX", "L"}, {"LINDEX", "L", "0", "1"},
	},
	"linsert": {
		{"LINSERT", "L", "BEFORE", "a", "x"}, {"LRANGE", "L", "0", "-1"},
		{"LINSERT", "L", "after", "c", "y"}, {"LRANGE", "L", "0", "-1"},
		{"LINSERT", "L", "AFTER", "a", "z"}, {"LINSERT", "L", "before", "zz", "q"},
		{"LINSERT", "L", "middle", "a", "q"}, {"LINSERT", "S", "middle", "a", "q"},
		{"LINSERT", "S", "before", "a", "q"}, {"LINSERT", "nokey", "before", "a", "q"},
		{"LINSERT", "nokey", "up", "a", "q"}, {"EXISTS", "nokey"}, {"LRANGE", "L", "0", "-1"},
		{"RPUSH", "one", "p"}, {"LINSERT", "one", "AFTER", "p", "q"}, {"LINSERT", "one", "BEFORE", "p", "o"},
		{"LRANGE", "one", "0", "-1"}, {"LINSERT", "L", "before", "a"},
	},
	"lpos": {
		{"LPOS", "L", "a"}, {"LPOS", "L", "c"}, {"LPOS", "L", "zz"}, {"LPOS", "L", "a", "RANK", "2"},
		{"LPOS", "L", "a", "RANK", "3"}, {"LPOS", "L", "a", "RANK", "-1"}, {"LPOS", "L", "a", "RANK", "-2"},
		{"LPOS", "L", "a", "RANK", "-3"}, {"LPOS", "L", "a", "COUNT", "0"}, {"LPOS", "L", "a", "COUNT", "1"},
		{"LPOS", "L", "b", "COUNT", "5"}, {"LPOS", "L", "b", "COUNT", "0", "RANK", "-1"},
		{"LPOS", "L", "b", "COUNT", "0", "RANK", "2"}, {"LPOS", "L", "c", "MAXLEN", "3"},
		{"LPOS", "L", "c", "MAXLEN", "2"}, {"LPOS", "L", "a", "MAXLEN", "3", "COUNT", "0"},
		{"LPOS", "L", "a", "MAXLEN", "3", "COUNT", "0", "RANK", "-1"},
		{"LPOS", "L", "a", "RANK", "0"}, {"LPOS", "L", "a", "RANK", "x"}, {"LPOS", "L", "a", "RANK", "-9223372036854775808"},
		{"LPOS", "L", "a", "RANK", "9223372036854775807"}, {"LPOS", "L", "a", "COUNT", "-1"},
		{"LPOS", "L", "a", "MAXLEN", "-1"}, {"LPOS", "L", "a", "FOO"}, {"LPOS", "L", "a", "FOO", "1"},
		{"LPOS", "L", "a", "RANK"}, {"LPOS", "L", "a", "COUNT", "x"}, {"LPOS", "nokey", "a"},
		{"LPOS", "nokey", "a", "COUNT", "0"}, {"LPOS", "S", "a"}, {"LPOS", "S", "a", "RANK", "0"},
		{"LPOS", "nokey", "a", "RANK", "0"}, {"LPOS", "L", "a", "rank", "1", "rank", "2"},
		{"LPOS", "L", "a", "count", "1", "count", "0"}, {"LPOS", "L"},
	},
	"lrem": {
		{"LREM", "L", "1", "a"}, {"LRANGE", "L", "0", "-1"}, {"LREM", "L", "-1", "b"}, {"LRANGE", "L", "0", "-1"},
		{"LREM", "L", "0", "c"}, {"LRANGE", "L", "0", "-1"}, {"LREM", "L", "0", "zz"},
		{"LREM", "L", "x", "a"}, {"LREM", "S", "x", "a"}, {"LREM", "S", "1", "a"}, {"LREM", "nokey", "1", "a"},
		{"LREM", "L", "-9223372036854775808", "a"}, {"LREM", "L", "9223372036854775807", "b"}, {"EXISTS", "L"},
		{"RPUSH", "m", "a", "b", "a", "b", "a"}, {"LREM", "m", "-2", "a"}, {"LRANGE", "m", "0", "-1"},
		{"LREM", "m", "5", "b"}, {"LRANGE", "m", "0", "-1"},
	},
	"lset": {
		{"LSET", "L", "0", "x"}, {"LSET", "L", "-1", "y"}, {"LRANGE", "L", "0", "-1"},
		{"LSET", "L", "6", "z"}, {"LSET", "L", "-7", "z"}, {"LSET", "L", "x", "z"},
		{"LSET", "nokey", "0", "x"}, {"LSET", "nokey", "x", "x"}, {"LSET", "S", "0", "x"}, {"LSET", "S", "x", "x"},
	},
	"ltrim": {
		{"LTRIM", "L", "1", "-2"}, {"LRANGE", "L", "0", "-1"}, {"LTRIM", "L", "0", "100"}, {"LRANGE", "L", "0", "-1"},
		{"LTRIM", "L", "-100", "1"}, {"LRANGE", "L", "0", "-1"}, {"LTRIM", "L", "5", "1"}, {"EXISTS", "L"},
		{"LTRIM", "nokey", "0", "1"}, {"LTRIM", "S", "0", "1"}, {"LTRIM", "S", "x", "1"},
		{"LTRIM", "L", "x", "1"}, {"LTRIM", "L", "0", "y"},
		{"RPUSH", "m", "1", "2", "3"}, {"LTRIM", "m", "-1", "-1"}, {"LRANGE", "m", "0", "-1"},
		{"LTRIM", "m", "1", "0"}, {"EXISTS", "m"},
	},
	"pushx": {
		{"LPUSHX", "L", "x", "y"}, {"RPUSHX", "L", "z"}, {"LRANGE", "L", "0", "-1"},
		{"LPUSHX", "nokey", "x"}, {"RPUSHX", "nokey", "x"}, {"EXISTS", "nokey"},
		{"LPUSHX", "S", "x"}, {"RPUSHX", "S", "x"}, {"LPUSHX", "L"},
	},
	"lmove": {
		{"LMOVE", "L", "D", "LEFT", "RIGHT"}, {"LMOVE", "L", "D", "right", "left"}, {"LRANGE", "D", "0", "-1"},
		{"LMOVE", "L", "L", "LEFT", "RIGHT"}, {"LRANGE", "L", "0", "-1"}, {"LMOVE", "L", "D", "up", "left"},
		{"LMOVE", "L", "D", "left", "down"}, {"LMOVE", "nokey", "S", "left", "left"}, {"LMOVE", "nokey", "D", "left", "up"},
		{"LMOVE", "L", "S", "left", "left"}, {"LMOVE", "S", "L", "left", "left"}, {"LRANGE", "L", "0", "-1"},
		{"RPOPLPUSH", "L", "D"}, {"RPOPLPUSH", "S", "D"}, {"RPOPLPUSH", "L", "S"}, {"RPOPLPUSH", "nokey", "D"},
		{"RPUSH", "one", "x"}, {"RPOPLPUSH", "one", "one"}, {"LRANGE", "one", "0", "-1"},
		{"LMOVE", "one", "two", "RIGHT", "RIGHT"}, {"EXISTS", "one"}, {"LRANGE", "two", "0", "-1"},
	},
	"lmpop": {
		{"LMPOP", "0", "L", "left"}, {"LMPOP", "x", "L", "left"}, {"LMPOP", "-1", "L", "left"},
		{"LMPOP", "2", "L", "left"}, {"LMPOP", "1", "L", "middle"}, {"LMPOP", "1", "L", "left", "count", "0"},
		{"LMPOP", "1", "L", "left", "count", "-1"}, {"LMPOP", "1", "L", "left", "count", "x"},
		{"LMPOP", "1", "L", "left", "count", "1", "count", "1"}, {"LMPOP", "1", "L", "left", "foo"},
		{"LMPOP", "1", "L", "left", "count"}, {"LMPOP", "1", "S", "left"}, {"LMPOP", "2", "nokey", "S", "left"},
		{"LMPOP", "1", "nokey", "left"}, {"LMPOP", "2", "S", "nokey", "left"}, {"LMPOP", "9", "L", "left"},
		{"LMPOP", "1", "L", "LEFT"}, {"LMPOP", "1", "L", "RIGHT", "COUNT", "2"},
		{"LMPOP", "2", "nokey", "L", "left", "COUNT", "100"}, {"EXISTS", "L"},
		{"LMPOP", "9223372036854775807", "L", "left"}, {"LMPOP", "1", "nokey", "x", "count", "1"},
	},
	"sort_basic": {
		{"RPUSH", "n", "3", "1", "2", "10", "-5", "2.5", "1e2", "0x10", " 7", ""},
		{"SORT", "n"}, {"SORT", "n", "DESC"}, {"SORT", "n", "ALPHA"}, {"SORT", "n", "alpha", "desc"},
		{"SORT", "n", "LIMIT", "1", "3"}, {"SORT", "n", "LIMIT", "-5", "2"}, {"SORT", "n", "LIMIT", "0", "-1"},
		{"SORT", "n", "LIMIT", "8", "100"}, {"SORT", "n", "LIMIT", "100", "1"}, {"SORT", "n", "LIMIT", "5", "9223372036854775807"},
		{"SORT", "n", "LIMIT", "x", "1"}, {"SORT", "n", "LIMIT", "1"}, {"SORT", "n", "LIMIT", "1", "y"},
		{"SORT", "L"}, {"SORT", "L", "ALPHA"}, {"SORT", "L", "ALPHA", "DESC", "LIMIT", "1", "2"},
		{"SORT", "S"}, {"SORT", "nokey"}, {"SORT", "nokey", "STORE", "dst"}, {"SORT", "L", "FOO"},
		{"SORT", "L", "ASC", "DESC"}, {"SORT", "L", "BY"}, {"SORT", "L", "GET"}, {"SORT", "L", "STORE"},
		{"RPUSH", "bad", "1", "x", "2"}, {"SORT", "bad"}, {"SORT", "bad", "ALPHA"},
		// Redis does not reset errno before strtod, so after a value out of
		// range later SORTs may fail until errno changes: infinities go first.
		{"RPUSH", "inf", "inf", "-inf", "0", "+Infinity"}, {"SORT", "inf"},
		{"RPUSH", "nan", "nan"}, {"SORT", "nan"}, {"RPUSH", "ws", " "}, {"SORT", "ws"},
		{"RPUSH", "big", "1e400", "1"}, {"SORT", "big"}, {"RPUSH", "tiny", "1e-310", "1"}, {"SORT", "tiny"},
		{"RPUSH", "ties", "b", "a", "c", "aa"}, {"SORT", "ties", "BY", "w_*"}, {"SORT", "ties", "BY", "w_*", "DESC"},
		{"SORT", "ties", "BY", "w_*", "ALPHA"},
	},
	"sort_nosort": {
		{"SORT", "L", "BY", "nosort"}, {"SORT", "L", "BY", "nosort", "DESC"}, {"SORT", "L", "BY", "nosort", "LIMIT", "1", "2"},
		{"SORT", "L", "BY", "nosort", "DESC", "LIMIT", "1", "2"}, {"SORT", "L", "BY", "nosort", "LIMIT", "10", "2"},
		{"SORT", "L", "BY", "nosort", "GET", "#", "GET", "v_*"}, {"SET", "v_a", "A"}, {"SORT", "L", "BY", "x", "GET", "v_*", "GET", "nostar"},
		{"SORT", "L", "BY", "nosort", "STORE", "d"}, {"LRANGE", "d", "0", "-1"},
	},
	"sort_by_get": {
		{"MSET", "w_a", "3", "w_b", "1", "w_c", "2", "name_a", "Alice", "name_b", "Bob"},
		{"HSET", "h_a", "f", "30", "g", "x"}, {"HSET", "h_b", "f", "10"}, {"HSET", "h_c", "f", "20", "g", "z"},
		{"SORT", "L", "BY", "w_*"}, {"SORT", "L", "BY", "w_*", "DESC"}, {"SORT", "L", "BY", "w_*", "GET", "name_*"},
		{"SORT", "L", "BY", "w_*", "GET", "#", "GET", "name_*", "GET", "h_*->f", "GET", "h_*->g"},
		{"SORT", "L", "BY", "h_*->f"}, {"SORT", "L", "BY", "h_*->g", "ALPHA"}, {"SORT", "L", "BY", "h_*->g", "ALPHA", "DESC"},
		{"SORT", "L", "BY", "h_*->nofield"}, {"SORT", "L", "BY", "name_*", "ALPHA"}, {"SORT", "L", "BY", "name_*"},
		{"SORT", "L", "BY", "w_*->"}, {"SORT", "L", "GET", "h_*->"}, {"SORT", "L", "GET", "w_*->f"},
		{"SORT", "L", "BY", "*"}, {"SORT", "L", "GET", "*"}, {"SORT", "L", "GET", "**"}, {"SORT", "L", "GET", "h_*->f*"},
		{"RPUSH", "hl_a", "x"}, {"SORT", "L", "GET", "hl_*"}, {"SORT", "L", "BY", "hl_*", "LIMIT", "0", "2"},
		{"SORT", "L", "BY", "w_*", "LIMIT", "1", "1", "GET", "name_*"}, {"SORT", "L", "GET", "#", "GET", "#"},
		{"SORT_RO", "L", "BY", "w_*", "GET", "name_*"}, {"SORT_RO", "L", "STORE", "d"}, {"SORT_RO", "S"},
		{"SORT_RO", "L", "ALPHA", "LIMIT", "0", "2"},
	},
	"sort_store": {
		{"COMMAND", "GETKEYS", "SORT", "abc", "STORE", "def"}, {"COMMAND", "GETKEYS", "SORT_RO", "abc"},
		{"COMMAND", "GETKEYS", "SORT", "abc", "STORE", "invalid", "STORE", "stillbad", "STORE", "def"},
		{"COMMAND", "GETKEYS", "SORT", "abc", "BY", "store", "LIMIT", "0", "1", "GET", "x", "STORE"},
		{"SORT", "L", "ALPHA", "STORE", "d"}, {"LRANGE", "d", "0", "-1"}, {"TYPE", "d"},
		{"SET", "s", "x", "EX", "100"}, {"SORT", "L", "ALPHA", "STORE", "s"}, {"TTL", "s"}, {"LRANGE", "s", "0", "-1"},
		{"SORT", "L", "ALPHA", "GET", "v_*", "GET", "#", "STORE", "d"}, {"LRANGE", "d", "0", "-1"},
		{"SORT", "nokey", "STORE", "d"}, {"EXISTS", "d"}, {"SORT", "nokey", "STORE", "d"},
		{"SORT", "L", "ALPHA", "STORE", "L"}, {"LRANGE", "L", "0", "-1"}, {"SORT", "L", "ALPHA", "STORE", "a", "STORE", "b"},
		{"EXISTS", "a", "b"}, {"SORT", "L", "LIMIT", "100", "1", "ALPHA", "STORE", "b"}, {"EXISTS", "b"},
		// The stored list owns its bytes: changing the strings it read
		// afterwards does not change it.
		{"SET", "g_a", strings.Repeat("x", 200)}, {"SET", "g_b", "short"},
		{"SORT", "L", "ALPHA", "GET", "g_*", "STORE", "d"}, {"SETRANGE", "g_a", "0", "CHANGED"}, {"APPEND", "g_b", "!"},
		{"LRANGE", "d", "0", "-1"},
	},
	"blocking_ready": {
		{"BLPOP", "L", "0"}, {"BRPOP", "L", "0"}, {"BLPOP", "nokey", "L", "0"}, {"BRPOP", "nokey", "L", "0.5"},
		{"BLPOP", "L", "x"}, {"BLPOP", "L", "-1"}, {"BLPOP", "L", ""}, {"BLPOP", "L", " 1"}, {"BLPOP", "L", "nan"},
		{"BLPOP", "L", "inf"}, {"BLPOP", "L", "1e16"}, {"BLPOP", "L", "-inf"}, {"BLPOP", "L", "1e400"},
		{"BLPOP", "S", "L", "0"}, {"BLPOP", "nokey", "S", "0"}, {"BLPOP", "L"},
		{"BLMOVE", "L", "D", "LEFT", "RIGHT", "0"}, {"BLMOVE", "L", "D", "LEFT", "UP", "0"},
		{"BLMOVE", "L", "D", "LEFT", "RIGHT", "x"}, {"BLMOVE", "L", "S", "LEFT", "RIGHT", "0"},
		{"BLMOVE", "S", "D", "LEFT", "RIGHT", "0"}, {"BLMOVE", "nokey", "D", "LEFT", "UP", "x"},
		{"BRPOPLPUSH", "L", "D", "0"}, {"BRPOPLPUSH", "L", "D", "-1"}, {"BRPOPLPUSH", "S", "D", "0"},
		{"RPUSH", "L", "p", "q", "r", "s"}, {"BRPOPLPUSH", "L", "S", "0"}, {"LRANGE", "D", "0", "-1"},
		{"BLMPOP", "0", "1", "L", "LEFT"}, {"BLMPOP", "0", "2", "nokey", "L", "RIGHT", "COUNT", "10"},
		{"BLMPOP", "0", "0", "L", "left"}, {"BLMPOP", "x", "1", "L", "left"}, {"BLMPOP", "-1", "1", "L", "left"},
		{"BLMPOP", "x", "0", "L", "left"}, {"BLMPOP", "x", "1", "L", "up"}, {"BLMPOP", "0", "1", "S", "left"},
		{"BLMPOP", "0", "1", "L", "left", "count", "0"}, {"BLMPOP", "0", "1", "D", "left", "count", "2"},
	},
	"blocking_timeout": {
		{"BLPOP", "nokey", "0.01"}, {"BRPOP", "nokey", "other", "0.01"}, {"BLMOVE", "nokey", "D", "LEFT", "LEFT", "0.01"},
		{"BRPOPLPUSH", "nokey", "S", "0.01"}, {"BLMPOP", "0.01", "2", "nokey", "other", "LEFT"},
		{"BLPOP", "nokey", "1e-9"}, {"BLPOP", "nokey", "0x0.01"}, {"BLPOP", "nokey", "+.01"}, {"EXISTS", "D"},
		{"BLPOP", "nokey", "-0.5"},
	},
}

func TestDifferential(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	for name, cmds := range diffCases {
		t.Run(name, func(t *testing.T) {
			p := difftest.NewPair(t, srv.Addr(), ref)
			for _, cmd := range setup {
				p.Check(cmd...)
			}
			for _, cmd := range cmds {
				p.Check(cmd...)
			}
			p.Check("LRANGE", "L", "0", "-1")
		})
	}
}

// TestDifferentialRESP3 checks the replies whose shape depends on the
// protocol: nulls (LPOS, LINDEX, LMPOP, the timeouts of blocking commands)
// and nested arrays.
func TestDifferentialRESP3(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	if ours, theirs := p.Do("HELLO", "3"); ours.Kind != theirs.Kind {
		t.Skipf("HELLO 3 not served by this build: %s", ours)
	}
	for _, cmd := range [][]string{
		{"RPUSH", "L", "a", "b", "c"}, {"LPOS", "L", "zz"}, {"LPOS", "L", "b", "COUNT", "0"}, {"LINDEX", "L", "9"},
		{"LPOP", "nokey"}, {"LPOP", "nokey", "2"}, {"LMOVE", "nokey", "d", "LEFT", "LEFT"},
		{"LMPOP", "1", "nokey", "LEFT"}, {"LMPOP", "2", "nokey", "L", "RIGHT", "COUNT", "2"},
		{"BLPOP", "nokey", "0.01"}, {"BLMOVE", "nokey", "d", "LEFT", "LEFT", "0.01"}, {"BRPOPLPUSH", "nokey", "d", "0.01"},
		{"BLMPOP", "0.01", "1", "nokey", "LEFT"}, {"RPUSH", "L", "p", "q"}, {"BLPOP", "L", "0"}, {"BLMPOP", "0", "1", "L", "LEFT"},
		{"RPUSH", "L", "x", "y"}, {"SORT", "L", "ALPHA", "GET", "#", "GET", "missing_*"}, {"SORT", "nokey"},
	} {
		p.Check(cmd...)
	}
}

// TestDifferentialKeyspaceStats compares the keyspace hits and misses the
// list commands count: reads count them, writes (lookupKeyWrite) do not.
func TestDifferentialKeyspaceStats(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	stats := func(r resp.Reply) string {
		var out []string
		for _, line := range strings.Split(r.Str, "\r\n") {
			if strings.HasPrefix(line, "keyspace_") {
				out = append(out, line)
			}
		}
		return strings.Join(out, " ")
	}
	for _, cmd := range [][]string{
		{"RPUSH", "L", "3", "1", "2"}, {"LPUSH", "L", "0"}, {"LPUSHX", "nokey", "x"}, {"LRANGE", "L", "0", "-1"},
		{"LRANGE", "nokey", "0", "-1"}, {"LLEN", "L"}, {"LINDEX", "L", "0"}, {"LINDEX", "nokey", "0"},
		{"LPOS", "L", "1"}, {"LPOS", "nokey", "1"}, {"LPOP", "L"}, {"RPOP", "nokey"}, {"LSET", "L", "0", "9"},
		{"LINSERT", "L", "BEFORE", "9", "8"}, {"LREM", "L", "0", "8"}, {"LTRIM", "L", "0", "-1"},
		{"LMOVE", "L", "M", "LEFT", "LEFT"}, {"RPOPLPUSH", "nokey", "M"}, {"LMPOP", "2", "nokey", "L", "LEFT"},
		{"BLPOP", "nokey", "M", "0"}, {"BLMOVE", "nokey", "M", "LEFT", "LEFT", "0.01"},
		{"SET", "w_1", "1"}, {"RPUSH", "M", "1", "2"}, {"SORT", "M"}, {"SORT", "M", "BY", "w_*", "GET", "w_*"},
		{"SORT", "M", "BY", "w_*", "GET", "w_*", "STORE", "dst"}, {"SORT", "nokey"}, {"SORT", "nokey", "STORE", "d2"},
	} {
		p.Do("CONFIG", "RESETSTAT")
		p.Check(cmd...)
		ours, theirs := p.Do("INFO", "stats")
		if g, w := stats(ours), stats(theirs); g != w {
			t.Errorf("%q: redmod %s, redis %s", cmd, g, w)
		}
	}
}
