package admin_test

import (
	"testing"
)

// TestDiffRESP3Shapes sends commands of every standard module over RESP3
// and compares the replies with Redis byte for byte: maps, sets, doubles,
// nulls and verbatim strings where Redis sends them, arrays elsewhere.
func TestDiffRESP3Shapes(t *testing.T) {
	p := newPair(t)
	for _, proto := range []string{"3", "2"} {
		p.Do("HELLO", proto)
		p.Do("FLUSHALL")
		cases := [][]string{
			// strings
			{"SET", "s", "10"}, {"GET", "s"}, {"GET", "nokey"}, {"INCRBYFLOAT", "s", "1.5"}, {"SET", "s", "v", "GET"},
			{"SET", "n", "v", "NX", "GET"}, {"GETDEL", "nokey"}, {"GETEX", "nokey"}, {"MGET", "s", "nokey"}, {"SETNX", "s", "x"},
			{"MSETNX", "a", "1", "s", "2"}, {"LCS", "s", "a"}, {"LCS", "s", "a", "IDX"}, {"LCS", "s", "a", "IDX", "WITHMATCHLEN"},
			{"SETBIT", "b", "3", "1"}, {"BITPOS", "b", "1"}, {"BITCOUNT", "b"}, {"GETRANGE", "nokey", "0", "1"},
			// hashes
			{"HSET", "h", "f1", "v1", "f2", "2"}, {"HGETALL", "h"}, {"HGETALL", "nokey"}, {"HMGET", "h", "f1", "nope"},
			{"HGET", "h", "nope"}, {"HKEYS", "h"}, {"HVALS", "h"}, {"HEXISTS", "h", "f1"}, {"HINCRBYFLOAT", "h", "f2", "0.5"},
			{"HRANDFIELD", "nokey"}, {"HRANDFIELD", "nokey", "2"}, {"HRANDFIELD", "nokey", "2", "WITHVALUES"},
			{"HSET", "h1", "f", "v"}, {"HRANDFIELD", "h1", "1", "WITHVALUES"}, {"HRANDFIELD", "h1", "-2", "WITHVALUES"},
			{"HSCAN", "h1", "0"}, {"HSETNX", "h", "f1", "x"}, {"HSTRLEN", "h", "f1"},
			// lists
			{"RPUSH", "l", "a", "b", "c", "a"}, {"LRANGE", "l", "0", "-1"}, {"LPOP", "nokey"}, {"LPOP", "nokey", "2"},
			{"LPOP", "l", "1"}, {"LINDEX", "l", "99"}, {"LPOS", "l", "a"}, {"LPOS", "l", "zz"}, {"LPOS", "l", "a", "COUNT", "0"},
			{"LMPOP", "1", "nokey", "LEFT"}, {"LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "2"}, {"RPOPLPUSH", "nokey", "x"},
			{"LMOVE", "nokey", "x", "LEFT", "RIGHT"}, {"BLPOP", "nokey", "0.01"}, {"BLMPOP", "0.01", "1", "nokey", "LEFT"},
			{"BRPOPLPUSH", "nokey", "x", "0.01"},
			// keys
			{"EXISTS", "s", "h"}, {"TYPE", "h"}, {"TTL", "s"}, {"EXPIRETIME", "s"}, {"FLUSHDB"}, {"RANDOMKEY"},
			{"SET", "k", "v"}, {"SCAN", "0"}, {"KEYS", "*"}, {"OBJECT", "ENCODING", "k"}, {"OBJECT", "ENCODING", "nokey"},
			{"OBJECT", "FREQ", "k"}, {"COPY", "k", "k2"}, {"MOVE", "k2", "1"}, {"RENAMENX", "k", "k3"},
			// server and connection
			{"CONFIG", "GET", "nosuch"}, {"CLIENT", "GETNAME"}, {"MEMORY", "USAGE", "nokey"},
			{"COMMAND", "INFO", "echo", "nosuch"}, {"COMMAND", "GETKEYSANDFLAGS", "get", "a"}, {"COMMAND", "GETKEYSANDFLAGS", "lmove", "a", "b", "left", "right"},
			{"COMMAND", "GETKEYSANDFLAGS", "lmpop", "2", "a", "b", "left"}, {"COMMAND", "GETKEYSANDFLAGS", "blpop", "a", "b", "0"},
			{"COMMAND", "GETKEYSANDFLAGS", "bitop", "and", "d", "s1", "s2"}, {"COMMAND", "GETKEYSANDFLAGS", "rename", "a", "b"},
			{"MEMORY", "HELP"}, {"CLIENT", "REPLY", "ON"}, {"ECHO", "x"}, {"PING"}, {"PING", "m"},
		}
		for _, c := range cases {
			p.Check(c...)
		}
		// Redis lists settings in its own dictionary's order.
		p.CheckUnordered("CONFIG", "GET", "maxclients", "timeout")
	}
}
