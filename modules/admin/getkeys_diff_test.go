package admin_test

import "testing"

// TestDiffGetKeys compares COMMAND GETKEYS and GETKEYSANDFLAGS with Redis for
// the cases its introspection unit checks: variable key flags resolved per
// call (SET with and without GET, BITFIELD reading only, SORT ... STORE),
// commands whose keys are optional (EVAL with no keys: an empty list), and
// the order of Redis's errors.
func TestDiffGetKeys(t *testing.T) {
	p := newPair(t)
	for _, proto := range []string{"2", "3"} {
		p.Do("HELLO", proto)
		for _, c := range [][]string{
			{"COMMAND", "GETKEYSANDFLAGS", "set", "k1", "v1"},
			{"COMMAND", "GETKEYSANDFLAGS", "set", "k1", "v1", "nx", "get"},
			{"COMMAND", "GETKEYSANDFLAGS", "mset", "k1", "v1", "k2", "v2"},
			{"COMMAND", "GETKEYSANDFLAGS", "sort", "k1", "store", "k2"},
			{"COMMAND", "GETKEYSANDFLAGS", "sort", "k1", "by", "w*", "get", "#"},
			{"COMMAND", "GETKEYSANDFLAGS", "bitfield", "k", "get", "u8", "0"},
			{"COMMAND", "GETKEYSANDFLAGS", "bitfield", "k", "get", "u8", "0", "incrby", "u8", "0", "1"},
			{"COMMAND", "GETKEYS", "eval", "return 1", "0"},
			{"COMMAND", "GETKEYS", "eval", "return 1", "1", "key"},
			{"COMMAND", "GETKEYS", "lcs", "key1", "key2"},
			{"COMMAND", "GETKEYS", "ping", "x"},
			{"COMMAND", "GETKEYS", "zunionstore", "d", "0"},
			{"COMMAND", "GETKEYS", "get"},
			{"COMMAND", "GETKEYS", "nosuch", "x"},
		} {
			p.Check(c...)
		}
	}
}
