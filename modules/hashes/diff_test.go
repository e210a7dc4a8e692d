package hashes_test

import (
	"strconv"
	"testing"

	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

func pair(t *testing.T) *difftest.Pair {
	t.Helper()
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	return difftest.NewPair(t, srv.Addr(), ref)
}

func TestDiffHashCommands(t *testing.T) {
	p := pair(t)
	cmds := [][]string{
		{"HSET", "h", "a", "1", "b", "x", "c", "-5", "d", "007", "e", "9223372036854775806", "f", "1.5"},
		{"SET", "s", "v"},
		{"HEXISTS", "h", "a"}, {"HEXISTS", "h", "zz"}, {"HEXISTS", "nokey", "a"}, {"HEXISTS", "s", "a"},
		{"HLEN", "h"}, {"HLEN", "nokey"}, {"HLEN", "s"},
		{"HSTRLEN", "h", "b"}, {"HSTRLEN", "h", "e"}, {"HSTRLEN", "h", "zz"}, {"HSTRLEN", "nokey", "a"}, {"HSTRLEN", "s", "a"},
		{"HKEYS", "h"}, {"HVALS", "h"}, {"HKEYS", "nokey"}, {"HVALS", "nokey"}, {"HKEYS", "s"}, {"HVALS", "s"},
		{"HMGET", "h", "a", "zz", "b"}, {"HMGET", "nokey", "a", "b"}, {"HMGET", "s", "a"},
		{"HMSET", "h", "g", "1"}, {"HMSET", "h", "g"}, {"HMSET", "h2", "x", "1", "y", "2"}, {"HMSET", "s", "a", "1"},
		{"HGETALL", "h2"},
		{"HSETNX", "h", "a", "new"}, {"HSETNX", "h", "new", "v"}, {"HSETNX", "h3", "f", "v"}, {"HSETNX", "s", "f", "v"},
		{"HGETALL", "h"}, {"HGETALL", "h3"},
		{"HINCRBY", "h", "a", "10"}, {"HINCRBY", "h", "a", "-100"}, {"HINCRBY", "h", "b", "1"},
		{"HINCRBY", "h", "d", "1"}, {"HINCRBY", "h", "f", "1"}, {"HINCRBY", "h", "e", "1"}, {"HINCRBY", "h", "e", "1"},
		{"HINCRBY", "h", "c", "-9223372036854775803"}, {"HINCRBY", "h", "c", "-9223372036854775804"},
		{"HINCRBY", "h", "a", "x"}, {"HINCRBY", "h", "a", "1.5"}, {"HINCRBY", "h", "a", "99999999999999999999"},
		{"HINCRBY", "h", "newf", "5"}, {"HINCRBY", "h4", "f", "-3"}, {"HINCRBY", "s", "f", "1"}, {"HINCRBY", "s", "f", "x"},
		{"HGETALL", "h"}, {"HGETALL", "h4"}, {"TYPE", "h4"},
		{"HRANDFIELD", "nokey"}, {"HRANDFIELD", "nokey", "3"}, {"HRANDFIELD", "nokey", "3", "WITHVALUES"},
		{"HRANDFIELD", "s"}, {"HRANDFIELD", "s", "1"}, {"HRANDFIELD", "s", "x"},
		{"HRANDFIELD", "h", "0"}, {"HRANDFIELD", "h", "0", "withvalues"}, {"HRANDFIELD", "h", "100"}, {"HRANDFIELD", "h", "100", "WITHVALUES"},
		{"HRANDFIELD", "h", "x"}, {"HRANDFIELD", "h", "1", "foo"}, {"HRANDFIELD", "h", "1", "withvalues", "x"},
		{"HRANDFIELD", "h", "-9223372036854775808"}, {"HRANDFIELD", "h", "-9223372036854775807", "withvalues"},
		{"HRANDFIELD", "h", "4611686018427387904", "withvalues"}, {"HRANDFIELD", "nokey", "-9223372036854775808"},
		{"HRANDFIELD", "h3", "-3"}, {"HRANDFIELD", "h3", "-2", "withvalues"}, {"HRANDFIELD", "h3", "1", "withvalues"}, {"HRANDFIELD", "h3"},
		{"HSCAN", "h", "0"}, {"HSCAN", "h", "0", "COUNT", "1"}, {"HSCAN", "h", "123", "MATCH", "*a*"}, {"HSCAN", "h", "0", "match", "[a-c]", "count", "2"},
		{"HSCAN", "h", ""}, {"HSCAN", "h", "-1"}, {"HSCAN", "h", "+5"}, {"HSCAN", "h", "18446744073709551615"},
		{"HSCAN", "h", "18446744073709551616"}, {"HSCAN", "h", "x"}, {"HSCAN", "h", " 1"}, {"HSCAN", "h", "-"}, {"HSCAN", "h", "1x"},
		{"HSCAN", "h", "0", "COUNT", "0"}, {"HSCAN", "h", "0", "COUNT", "-1"}, {"HSCAN", "h", "0", "COUNT", "x"},
		{"HSCAN", "h", "0", "COUNT"}, {"HSCAN", "h", "0", "MATCH"}, {"HSCAN", "h", "0", "TYPE", "hash"}, {"HSCAN", "h", "0", "foo", "bar"},
		{"HSCAN", "nokey", "0", "COUNT", "0"}, {"HSCAN", "nokey", "x"}, {"HSCAN", "s", "0"}, {"HSCAN", "s", "0", "COUNT", "0"},
		{"HEXISTS", "h"}, {"HLEN"}, {"HMGET", "h"}, {"HSETNX", "h", "a"}, {"HSTRLEN", "h"}, {"HINCRBY", "h", "a"},
		{"HKEYS"}, {"HVALS", "a", "b"}, {"HRANDFIELD"}, {"HSCAN", "h"}, {"HMSET", "h", "a"},
	}
	for _, c := range cmds {
		p.Check(c...)
	}
}

// TestDiffHashRESP3 compares the RESP3 shapes (HRANDFIELD WITHVALUES pairs,
// nulls); it skips while the server has no HELLO.
func TestDiffHashRESP3(t *testing.T) {
	p := pair(t)
	p.Check("HSET", "h", "a", "1", "b", "2")
	p.Check("HSET", "h3", "f", "v")
	if ours, _ := p.Do("HELLO", "3"); ours.Kind == '-' {
		t.Skip("HELLO not available")
	}
	for _, c := range [][]string{
		{"HRANDFIELD", "h3", "5", "WITHVALUES"}, {"HRANDFIELD", "h3", "-1", "WITHVALUES"}, {"HRANDFIELD", "nokey"},
		{"HRANDFIELD", "nokey", "2", "WITHVALUES"}, {"HSCAN", "h", "0"}, {"HEXISTS", "h", "a"}, {"HMGET", "h", "a", "zz"},
		{"HKEYS", "h"},
	} {
		p.Check(c...)
	}
}

// Hashes past the listpack limits are unordered in Redis, so the large-hash
// replies are compared as sets.
func TestDiffLargeHash(t *testing.T) {
	p := pair(t)
	args := []string{"HSET", "big"}
	for i := range 600 {
		args = append(args, "f"+strconv.Itoa(i), strconv.Itoa(i))
	}
	p.Check(args...)
	p.Check("HLEN", "big")
	p.CheckUnordered("HKEYS", "big")
	p.CheckUnordered("HVALS", "big")
	p.CheckUnordered("HRANDFIELD", "big", "600")
	p.CheckUnordered("HRANDFIELD", "big", "2000")
	p.Check("HSET", "edge", "x", "y")
	for i := range 511 {
		p.Check("HSET", "edge", "f"+strconv.Itoa(i), "v")
	}
	p.Check("OBJECT", "ENCODING", "edge")
	p.Check("HSETNX", "edge", "one-more", "v")
	p.Check("OBJECT", "ENCODING", "edge")
	p.Check("HINCRBY", "big", "f7", "3")
	p.Check("HSET", "long", "f", string(make([]byte, 65)))
	p.Check("OBJECT", "ENCODING", "big")
	p.Check("OBJECT", "ENCODING", "long")
	p.Check("HSCAN", "long", "0")
}
