package strings_test

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// diffCases are command sequences sent to redmod and to a real Redis; every
// reply must match byte for byte. Each case starts from empty databases.
var diffCases = map[string][][]string{
	"getset_getdel": {
		{"GETSET", "k", "a"}, {"GETSET", "k", "b"}, {"GET", "k"},
		{"SET", "t", "v", "EX", "100"}, {"GETSET", "t", "w"}, {"TTL", "t"},
		{"RPUSH", "l", "x"}, {"GETSET", "l", "v"}, {"GETDEL", "l"},
		{"GETDEL", "k"}, {"GETDEL", "k"}, {"EXISTS", "k"},
		{"GETSET", "k"}, {"GETDEL"}, {"GETDEL", "a", "b"},
	},
	"getex": {
		{"GETEX", "missing"}, {"GETEX", "missing", "EX", "-1"}, {"GETEX", "missing", "FOO"},
		{"SET", "k", "v"}, {"GETEX", "k"}, {"TTL", "k"},
		{"GETEX", "k", "EX", "100"}, {"TTL", "k"},
		{"GETEX", "k", "PX", "200000"}, {"TTL", "k"},
		{"GETEX", "k", "EXAT", "99999999999"}, {"TTL", "k"},
		{"GETEX", "k", "PXAT", "99999999999000"}, {"TTL", "k"},
		{"GETEX", "k", "PERSIST"}, {"TTL", "k"}, {"GETEX", "k", "persist"},
		{"GETEX", "k", "EX", "0"}, {"GETEX", "k", "EX", "-5"}, {"GETEX", "k", "PX", "0"},
		{"GETEX", "k", "EX", "abc"}, {"GETEX", "k", "EX", "9223372036854775807"},
		{"GETEX", "k", "PX", "9223372036854775807"}, {"GETEX", "k", "EXAT", "0"},
		{"GETEX", "k", "EX"}, {"GETEX", "k", "EX", "10", "PX", "10"}, {"GETEX", "k", "EX", "10", "PERSIST"},
		{"GETEX", "k", "PERSIST", "EX", "10"}, {"GETEX", "k", "NX"}, {"GETEX", "k", "KEEPTTL"},
		{"GETEX", "k", "GET"}, {"GETEX", "k", "EX", "10", "EX", "20"}, {"TTL", "k"},
		{"GETEX", "k", "EXAT", "1"}, {"EXISTS", "k"},
		{"SET", "k", "v"}, {"GETEX", "k", "PXAT", "1000"}, {"EXISTS", "k"},
		{"RPUSH", "l", "x"}, {"GETEX", "l"}, {"GETEX", "l", "EX", "0"}, {"GETEX", "l", "BAD"},
		{"GETEX"},
	},
	"setnx_setex_psetex": {
		{"SETNX", "k", "a"}, {"SETNX", "k", "b"}, {"GET", "k"},
		{"RPUSH", "l", "x"}, {"SETNX", "l", "v"},
		{"SETEX", "k", "100", "v"}, {"TTL", "k"}, {"GET", "k"},
		{"SETEX", "k", "0", "v"}, {"SETEX", "k", "-1", "v"}, {"SETEX", "k", "x", "v"},
		{"SETEX", "k", "9223372036854775807", "v"}, {"SETEX", "k", "9223372036854775", "v"},
		{"SETEX", "l", "10", "v"}, {"GET", "l"}, {"TTL", "l"},
		{"PSETEX", "k", "100000", "v"}, {"TTL", "k"}, {"PSETEX", "k", "0", "v"},
		{"PSETEX", "k", "-1", "v"}, {"PSETEX", "k", "1.5", "v"}, {"PSETEX", "k", "9223372036854775807", "v"},
		{"SETEX", "k", "10"}, {"PSETEX", "k"}, {"SETNX", "k"},
	},
	"mget_mset_msetnx": {
		{"MSET", "a", "1", "b", "2", "a", "3"}, {"MGET", "a", "b", "c"},
		{"RPUSH", "l", "x"}, {"MGET", "l", "a", "l"}, {"MSET", "a"}, {"MSET", "a", "1", "b"},
		{"MSET", "l", "v"}, {"GET", "l"},
		{"SET", "t", "v", "EX", "100"}, {"MSET", "t", "w"}, {"TTL", "t"},
		{"MSETNX", "x", "1", "y", "2"}, {"MGET", "x", "y"}, {"MSETNX", "y", "3", "z", "4"}, {"MGET", "y", "z"},
		{"MSETNX", "x"}, {"MSETNX", "x", "1", "y"}, {"MSETNX", "n1", "1", "n1", "2"}, {"GET", "n1"},
		{"MGET"},
	},
	"append_strlen": {
		{"APPEND", "k", "hello"}, {"APPEND", "k", " world"}, {"GET", "k"}, {"STRLEN", "k"},
		{"STRLEN", "missing"}, {"APPEND", "k", ""}, {"STRLEN", "k"},
		{"SET", "n", "10"}, {"APPEND", "n", "5"}, {"INCR", "n"}, {"GET", "n"},
		{"SET", "t", "v", "EX", "100"}, {"APPEND", "t", "w"}, {"TTL", "t"},
		{"RPUSH", "l", "x"}, {"APPEND", "l", "v"}, {"STRLEN", "l"},
		{"APPEND", "bin", "a\x00b\r\n"}, {"APPEND", "bin", "\xff"}, {"GET", "bin"}, {"STRLEN", "bin"},
		{"APPEND", "k"}, {"STRLEN"},
	},
	"getrange": {
		{"SET", "k", "Hello World"},
		{"GETRANGE", "k", "0", "4"}, {"GETRANGE", "k", "-5", "-1"}, {"GETRANGE", "k", "0", "-1"},
		{"GETRANGE", "k", "-1", "-5"}, {"GETRANGE", "k", "5", "2"}, {"GETRANGE", "k", "100", "200"},
		{"GETRANGE", "k", "-100", "2"}, {"GETRANGE", "k", "-100", "-50"}, {"GETRANGE", "k", "3", "1000"},
		{"GETRANGE", "k", "-9223372036854775808", "9223372036854775807"},
		{"GETRANGE", "k", "9223372036854775807", "-9223372036854775808"},
		{"GETRANGE", "k", "a", "1"}, {"GETRANGE", "k", "1", "b"}, {"GETRANGE", "k", "1.5", "2"},
		{"GETRANGE", "missing", "0", "-1"}, {"GETRANGE", "missing", "x", "1"},
		{"SET", "n", "12345"}, {"GETRANGE", "n", "1", "3"}, {"SUBSTR", "n", "1", "3"},
		{"SET", "e", ""}, {"GETRANGE", "e", "0", "-1"}, {"GETRANGE", "e", "0", "0"},
		{"RPUSH", "l", "x"}, {"GETRANGE", "l", "0", "1"}, {"SUBSTR", "l", "0", "1"},
		{"SUBSTR", "k", "-3", "-1"}, {"GETRANGE", "k", "0"}, {"SUBSTR", "k"},
	},
	"setrange": {
		{"SETRANGE", "k", "0", "Hello"}, {"SETRANGE", "k", "6", "World"}, {"GET", "k"},
		{"SETRANGE", "k", "1", "a"}, {"GET", "k"}, {"SETRANGE", "k", "-1", "x"}, {"SETRANGE", "k", "x", "x"},
		{"SETRANGE", "missing", "5", ""}, {"EXISTS", "missing"}, {"SETRANGE", "k", "100", ""},
		{"STRLEN", "k"}, {"SETRANGE", "k", "536870912", "x"},
		{"SETRANGE", "k", "536870911", ""}, {"SETRANGE", "k", "9223372036854775807", "x"},
		{"SETRANGE", "n", "536870912", "x"}, {"SETRANGE", "n", "-1", ""}, {"EXISTS", "n"},
		{"SET", "i", "1234"}, {"SETRANGE", "i", "2", "x"}, {"GET", "i"},
		{"SET", "t", "v", "EX", "100"}, {"SETRANGE", "t", "3", "w"}, {"GET", "t"}, {"TTL", "t"},
		{"RPUSH", "l", "x"}, {"SETRANGE", "l", "0", "v"}, {"SETRANGE", "l", "-1", "v"}, {"SETRANGE", "l", "0", ""},
		{"SETRANGE", "k", "0"},
	},
	"incrby_decrby": {
		{"INCRBY", "k", "5"}, {"INCRBY", "k", "-10"}, {"DECRBY", "k", "3"}, {"DECRBY", "k", "-3"},
		{"INCRBY", "k", "x"}, {"INCRBY", "k", "1.5"}, {"INCRBY", "k", " 1"}, {"INCRBY", "k", "+1"},
		{"DECRBY", "k", "-9223372036854775808"}, {"DECRBY", "n", "-9223372036854775808"},
		{"SET", "m", "9223372036854775807"}, {"INCRBY", "m", "1"}, {"DECRBY", "m", "-1"},
		{"SET", "m", "-9223372036854775808"}, {"DECRBY", "m", "1"}, {"INCRBY", "m", "-1"}, {"DECRBY", "m", "9223372036854775807"},
		{"SET", "s", "abc"}, {"INCRBY", "s", "1"}, {"DECRBY", "s", "1"},
		{"SET", "s", "1 "}, {"INCRBY", "s", "1"}, {"SET", "s", "01"}, {"INCRBY", "s", "1"},
		{"RPUSH", "l", "x"}, {"INCRBY", "l", "1"}, {"DECRBY", "l", "1"}, {"INCRBY", "l", "x"},
		{"SET", "t", "1", "EX", "100"}, {"INCRBY", "t", "2"}, {"TTL", "t"},
		{"INCRBY", "k"}, {"DECRBY", "k", "1", "2"},
	},
	"incrbyfloat_errors": {
		{"INCRBYFLOAT", "k", "abc"}, {"INCRBYFLOAT", "k", ""}, {"INCRBYFLOAT", "k", " 1"}, {"INCRBYFLOAT", "k", "1 "},
		{"INCRBYFLOAT", "k", "nan"}, {"INCRBYFLOAT", "k", "inf"}, {"INCRBYFLOAT", "k", "-inf"},
		{"INCRBYFLOAT", "k", "Infinity"}, {"INCRBYFLOAT", "k", "1e5000"}, {"INCRBYFLOAT", "k", "1e-5000"},
		{"INCRBYFLOAT", "k", "1e"}, {"INCRBYFLOAT", "k", "0x"}, {"INCRBYFLOAT", "k", "1_0"}, {"INCRBYFLOAT", "k", "0b1"},
		{"INCRBYFLOAT", "k", "."}, {"INCRBYFLOAT", "k", "-"}, {"INCRBYFLOAT", "k", "+"}, {"INCRBYFLOAT", "k", "1e+"},
		{"INCRBYFLOAT", "k", "1\x00abc"}, {"INCRBYFLOAT", "z", "\x00"}, {"INCRBYFLOAT", "k", "\t1"},
		{"INCRBYFLOAT", "k", "1e99999999999"}, {"INCRBYFLOAT", "k", "0e99999999999"}, {"INCRBYFLOAT", "k", "1e-99999999999"},
		{"SET", "s", "abc"}, {"INCRBYFLOAT", "s", "1"}, {"SET", "s", ""}, {"INCRBYFLOAT", "s", "1"},
		{"SET", "s", "inf"}, {"INCRBYFLOAT", "s", "1"}, {"SET", "s", "1e4932"}, {"INCRBYFLOAT", "s", "1e4932"},
		{"RPUSH", "l", "x"}, {"INCRBYFLOAT", "l", "1"}, {"INCRBYFLOAT", "l", "x"},
		{"SET", "t", "1.5", "EX", "100"}, {"INCRBYFLOAT", "t", "2"}, {"TTL", "t"},
		{"INCRBYFLOAT", "k"},
	},
	"bits_set_get": {
		{"SETBIT", "k", "7", "1"}, {"SETBIT", "k", "7", "1"}, {"SETBIT", "k", "7", "0"}, {"GET", "k"},
		{"SETBIT", "k", "100", "1"}, {"GET", "k"}, {"GETBIT", "k", "100"}, {"GETBIT", "k", "99"}, {"GETBIT", "k", "10000"},
		{"SETBIT", "k", "-1", "1"}, {"SETBIT", "k", "x", "1"}, {"SETBIT", "k", "1", "2"}, {"SETBIT", "k", "1", "-1"},
		{"SETBIT", "k", "1", "x"}, {"SETBIT", "k", "4294967296", "1"}, {"SETBIT", "k", "9223372036854775807", "1"},
		{"GETBIT", "k", "4294967296"}, {"GETBIT", "k", "4294967295"}, {"GETBIT", "k", "-1"}, {"GETBIT", "missing", "5"},
		{"SET", "n", "1"}, {"GETBIT", "n", "2"}, {"GETBIT", "n", "3"}, {"SETBIT", "n", "6", "1"}, {"GET", "n"},
		{"RPUSH", "l", "x"}, {"SETBIT", "l", "0", "1"}, {"GETBIT", "l", "0"}, {"SETBIT", "l", "-1", "1"}, {"SETBIT", "l", "1", "5"},
		{"SET", "t", "v", "EX", "100"}, {"SETBIT", "t", "0", "1"}, {"TTL", "t"},
		{"SETBIT", "k", "1"}, {"GETBIT", "k"},
	},
	"bitop": {
		{"SET", "a", "foobar"}, {"SET", "b", "abcdef"}, {"SET", "c", "ab"},
		{"BITOP", "AND", "d", "a", "b"}, {"GET", "d"}, {"BITOP", "or", "d", "a", "c"}, {"GET", "d"},
		{"BITOP", "Xor", "d", "a", "b", "c"}, {"GET", "d"}, {"BITOP", "NOT", "d", "c"}, {"GET", "d"},
		{"BITOP", "AND", "d", "a", "c"}, {"GET", "d"}, {"BITOP", "AND", "d", "a", "missing"}, {"GET", "d"},
		{"BITOP", "AND", "d", "missing", "a"}, {"GET", "d"}, {"BITOP", "OR", "d", "missing", "a"}, {"GET", "d"},
		{"BITOP", "NOT", "d", "a", "b"}, {"BITOP", "NAND", "d", "a"}, {"BITOP", "AND", "d"},
		{"BITOP", "OR", "d", "m1", "m2"}, {"EXISTS", "d"}, {"BITOP", "OR", "d", "m1"},
		{"SET", "e", ""}, {"BITOP", "OR", "d", "e"}, {"EXISTS", "d"},
		{"RPUSH", "l", "x"}, {"BITOP", "OR", "d", "a", "l"}, {"BITOP", "OR", "l", "a"}, {"GET", "l"},
		{"SET", "d", "v", "EX", "100"}, {"BITOP", "OR", "d", "a"}, {"TTL", "d"},
		{"SET", "n", "123"}, {"BITOP", "NOT", "d", "n"}, {"GET", "d"},
		{"BITOP", "AND", "a", "a", "b"}, {"GET", "a"},
		{"BITOP", "NOT", "d"}, {"BITOP", "AND"},
	},
	"bitcount": {
		{"SET", "k", "foobar"},
		{"BITCOUNT", "k"}, {"BITCOUNT", "k", "0", "0"}, {"BITCOUNT", "k", "1", "1"}, {"BITCOUNT", "k", "0", "-1"},
		{"BITCOUNT", "k", "-2", "-1"}, {"BITCOUNT", "k", "-1", "-2"}, {"BITCOUNT", "k", "5", "30"},
		{"BITCOUNT", "k", "1", "1", "BYTE"}, {"BITCOUNT", "k", "5", "30", "BIT"}, {"BITCOUNT", "k", "5", "30", "bit"},
		{"BITCOUNT", "k", "0", "0", "BIT"}, {"BITCOUNT", "k", "1", "6", "BIT"}, {"BITCOUNT", "k", "-5", "-1", "BIT"},
		{"BITCOUNT", "k", "-100", "100", "BIT"}, {"BITCOUNT", "k", "9", "10", "BIT"}, {"BITCOUNT", "k", "10", "9", "BIT"},
		{"BITCOUNT", "k", "0", "47", "BIT"}, {"BITCOUNT", "k", "7", "8", "BIT"},
		{"BITCOUNT", "k", "0"}, {"BITCOUNT", "k", "0", "1", "BITS"}, {"BITCOUNT", "k", "0", "1", "BIT", "x"},
		{"BITCOUNT", "k", "a", "1"}, {"BITCOUNT", "k", "1", "a"}, {"BITCOUNT", "k", "-1", "-5", "FOO"},
		{"BITCOUNT", "k", "x", "1", "FOO"}, {"BITCOUNT", "k", "1", "2", "FOO"},
		{"BITCOUNT", "missing"}, {"BITCOUNT", "missing", "0"}, {"BITCOUNT", "missing", "a", "b", "c"},
		{"SET", "n", "12345"}, {"BITCOUNT", "n"}, {"BITCOUNT", "n", "1", "2"},
		{"SET", "e", ""}, {"BITCOUNT", "e"}, {"BITCOUNT", "e", "0", "-1"}, {"BITCOUNT", "e", "0", "-1", "BIT"},
		{"RPUSH", "l", "x"}, {"BITCOUNT", "l"}, {"BITCOUNT", "l", "0"},
		{"BITCOUNT"},
	},
	"bitpos": {
		{"SET", "k", "\xff\xf0\x00"},
		{"BITPOS", "k", "0"}, {"BITPOS", "k", "1"}, {"BITPOS", "k", "0", "2"}, {"BITPOS", "k", "1", "2"},
		{"BITPOS", "k", "0", "0", "0"}, {"BITPOS", "k", "1", "0", "-1"}, {"BITPOS", "k", "0", "-1", "-1"},
		{"BITPOS", "k", "0", "0", "1"}, {"BITPOS", "k", "1", "1", "0"},
		{"BITPOS", "k", "0", "0", "-1", "BIT"}, {"BITPOS", "k", "1", "7", "15", "BIT"}, {"BITPOS", "k", "0", "7", "15", "BIT"},
		{"BITPOS", "k", "0", "2", "6", "BIT"}, {"BITPOS", "k", "1", "13", "14", "BIT"}, {"BITPOS", "k", "0", "3", "3", "BIT"},
		{"BITPOS", "k", "1", "12", "23", "BIT"}, {"BITPOS", "k", "0", "12", "23", "BIT"}, {"BITPOS", "k", "1", "-10", "-1", "BIT"},
		{"BITPOS", "k", "0", "1", "1", "BYTE"}, {"BITPOS", "k", "0", "5", "3"}, {"BITPOS", "k", "0", "100"},
		{"SET", "f", "\xff\xff\xff"}, {"BITPOS", "f", "0"}, {"BITPOS", "f", "0", "0"}, {"BITPOS", "f", "0", "0", "-1"},
		{"BITPOS", "f", "0", "1", "-1", "BIT"}, {"BITPOS", "f", "0", "3"}, {"BITPOS", "f", "1", "3"},
		{"SET", "z", "\x00\x00\x00"}, {"BITPOS", "z", "1"}, {"BITPOS", "z", "0"}, {"BITPOS", "z", "1", "0", "-1", "BIT"},
		{"BITPOS", "k", "2"}, {"BITPOS", "k", "-1"}, {"BITPOS", "k", "x"}, {"BITPOS", "missing", "x"},
		{"BITPOS", "missing", "1"}, {"BITPOS", "missing", "0"}, {"BITPOS", "missing", "0", "x"}, {"BITPOS", "missing", "2"},
		{"BITPOS", "k", "1", "x"}, {"BITPOS", "k", "1", "0", "x"}, {"BITPOS", "k", "1", "0", "1", "FOO"},
		{"BITPOS", "k", "1", "x", "1", "FOO"}, {"BITPOS", "k", "1", "0", "x", "FOO"}, {"BITPOS", "k", "1", "0", "1", "BIT", "x"},
		{"SET", "n", "12"}, {"BITPOS", "n", "1"}, {"BITPOS", "n", "0", "1"},
		{"SET", "e", ""}, {"BITPOS", "e", "0"}, {"BITPOS", "e", "1"}, {"BITPOS", "e", "0", "0", "-1"},
		{"RPUSH", "l", "x"}, {"BITPOS", "l", "1"}, {"BITPOS", "l", "3"},
		{"BITPOS", "k"},
	},
	"encodings": {
		{"SET", "i", "123"}, {"OBJECT", "ENCODING", "i"}, {"APPEND", "i", "4"}, {"OBJECT", "ENCODING", "i"},
		{"INCR", "i"}, {"OBJECT", "ENCODING", "i"}, {"INCRBY", "i", "5"}, {"OBJECT", "ENCODING", "i"},
		{"APPEND", "a", "12"}, {"OBJECT", "ENCODING", "a"}, {"APPEND", "b", "abc"}, {"OBJECT", "ENCODING", "b"},
		{"INCRBYFLOAT", "f", "1"}, {"OBJECT", "ENCODING", "f"}, {"INCRBYFLOAT", "f", "1.5"}, {"OBJECT", "ENCODING", "f"},
		{"INCRBYFLOAT", "i", "1"}, {"OBJECT", "ENCODING", "i"},
		{"SETRANGE", "r", "0", "12"}, {"OBJECT", "ENCODING", "r"}, {"SET", "s", "abc"}, {"SETRANGE", "s", "0", "x"}, {"OBJECT", "ENCODING", "s"},
		{"SET", "s", "abc"}, {"SETRANGE", "s", "0", ""}, {"OBJECT", "ENCODING", "s"},
		{"SETBIT", "bt", "3", "1"}, {"OBJECT", "ENCODING", "bt"}, {"SET", "s", "abc"}, {"SETBIT", "s", "0", "0"}, {"OBJECT", "ENCODING", "s"},
		{"SET", "s", "12"}, {"GETBIT", "s", "0"}, {"OBJECT", "ENCODING", "s"}, {"SETBIT", "s", "0", "0"}, {"OBJECT", "ENCODING", "s"},
		{"BITOP", "NOT", "d", "s"}, {"OBJECT", "ENCODING", "d"},
		{"GETSET", "g", "77"}, {"OBJECT", "ENCODING", "g"}, {"SETNX", "n", "88"}, {"OBJECT", "ENCODING", "n"},
		{"SETEX", "e", "100", "99"}, {"OBJECT", "ENCODING", "e"}, {"PSETEX", "p", "100000", "x"}, {"OBJECT", "ENCODING", "p"},
		{"MSET", "m1", "1", "m2", "abc", "m3", strings.Repeat("x", 45)}, {"OBJECT", "ENCODING", "m1"}, {"OBJECT", "ENCODING", "m2"}, {"OBJECT", "ENCODING", "m3"},
		{"MSETNX", "x1", "5", "x2", strings.Repeat("y", 44)}, {"OBJECT", "ENCODING", "x1"}, {"OBJECT", "ENCODING", "x2"},
		{"SET", "gx", "42"}, {"GETEX", "gx", "EX", "100"}, {"OBJECT", "ENCODING", "gx"},
		{"INCR", "f"}, {"OBJECT", "ENCODING", "f"}, {"INCRBYFLOAT", "f", "1"}, {"COPY", "f", "fc"}, {"OBJECT", "ENCODING", "fc"},
		{"COPY", "s", "sc"}, {"OBJECT", "ENCODING", "sc"}, {"COPY", "m1", "m1c"}, {"OBJECT", "ENCODING", "m1c"},
		{"SET", "big", "123456789012345678901"}, {"OBJECT", "ENCODING", "big"}, {"INCRBYFLOAT", "big", "0"}, {"OBJECT", "ENCODING", "big"},
	},
	"bitfield": {
		{"BITFIELD", "k", "SET", "i8", "0", "100", "GET", "i8", "0", "GET", "u4", "0", "GET", "u4", "4"},
		{"GET", "k"}, {"BITFIELD", "k", "INCRBY", "i8", "0", "27", "INCRBY", "i8", "0", "1"},
		{"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100", "INCRBY", "i8", "0", "-1000"},
		{"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1", "INCRBY", "i8", "0", "-1000", "GET", "i8", "0"},
		{"BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "u2", "100", "1", "INCRBY", "u2", "100", "5", "INCRBY", "u2", "100", "-7"},
		{"BITFIELD", "k", "SET", "u8", "#1", "255", "SET", "u8", "#2", "256", "SET", "u8", "#3", "-1", "GET", "u8", "#1", "GET", "u8", "#2", "GET", "u8", "#3"},
		{"BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "#2", "256", "SET", "u8", "#3", "-1", "SET", "i8", "#4", "200", "SET", "i8", "#5", "-200"},
		{"BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "#2", "256", "SET", "i4", "40", "8", "SET", "i4", "40", "7"},
		{"BITFIELD", "k", "SET", "i64", "64", "-9223372036854775808", "INCRBY", "i64", "64", "-1", "OVERFLOW", "SAT", "INCRBY", "i64", "64", "-1"},
		{"BITFIELD", "k", "SET", "i64", "64", "9223372036854775807", "INCRBY", "i64", "64", "1", "OVERFLOW", "SAT", "INCRBY", "i64", "64", "9223372036854775807"},
		{"BITFIELD", "k", "SET", "u63", "3", "9223372036854775807", "INCRBY", "u63", "3", "1", "OVERFLOW", "SAT", "INCRBY", "u63", "3", "-9223372036854775808"},
		{"BITFIELD", "k", "SET", "i1", "5", "1", "GET", "i1", "5", "SET", "u1", "6", "1", "GET", "u1", "6", "INCRBY", "i1", "5", "1"},
		{"GET", "k"}, {"STRLEN", "k"}, {"BITFIELD", "k", "GET", "i64", "1000", "GET", "u63", "1"},
		{"BITFIELD", "k"}, {"BITFIELD", "k", "OVERFLOW", "SAT"}, {"BITFIELD", "missing"}, {"BITFIELD", "missing", "GET", "u8", "0"},
		{"EXISTS", "missing"}, {"BITFIELD", "new", "OVERFLOW", "FAIL", "SET", "u2", "0", "9"}, {"GET", "new"},
		{"BITFIELD", "k", "GET", "u64", "0"}, {"BITFIELD", "k", "GET", "i65", "0"}, {"BITFIELD", "k", "GET", "I8", "0"},
		{"BITFIELD", "k", "GET", "i0", "0"}, {"BITFIELD", "k", "GET", "i", "0"}, {"BITFIELD", "k", "GET", "u-1", "0"},
		{"BITFIELD", "k", "GET", "i8", "-1"}, {"BITFIELD", "k", "GET", "i8", "x"}, {"BITFIELD", "k", "GET", "i8", "#x"},
		{"BITFIELD", "k", "GET", "i8", "#-1"}, {"BITFIELD", "k", "GET", "i8", "4294967296"}, {"BITFIELD", "k", "GET", "i8", "#536870912"},
		{"BITFIELD", "k", "GET", "i8", "#1152921504606846976"}, {"BITFIELD", "k", "GET", "i8", "4294967295"},
		{"BITFIELD", "k", "SET", "i8", "0", "x"}, {"BITFIELD", "k", "INCRBY", "i8", "0", "1.5"}, {"BITFIELD", "k", "SET", "i8", "0"},
		{"BITFIELD", "k", "GET", "i8"}, {"BITFIELD", "k", "OVERFLOW"}, {"BITFIELD", "k", "OVERFLOW", "BAD", "GET", "i8", "0"},
		{"BITFIELD", "k", "FOO", "i8", "0"}, {"BITFIELD", "k", "GET", "i8", "0", "SET", "x8", "0", "1"},
		{"BITFIELD_RO", "k", "GET", "i8", "0", "GET", "u16", "#1"}, {"BITFIELD_RO", "k", "SET", "i8", "0", "1"},
		{"BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "i8", "0"}, {"BITFIELD_RO", "k", "INCRBY", "i8", "0", "1"},
		{"BITFIELD_RO", "missing", "GET", "i8", "0"}, {"BITFIELD_RO", "k"},
		{"SET", "n", "123"}, {"BITFIELD", "n", "GET", "u8", "0"}, {"OBJECT", "ENCODING", "n"}, {"BITFIELD", "n", "SET", "u8", "0", "50"}, {"GET", "n"}, {"OBJECT", "ENCODING", "n"},
		{"SET", "m", "abc"}, {"BITFIELD", "m", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000"}, {"OBJECT", "ENCODING", "m"},
		{"RPUSH", "l", "x"}, {"BITFIELD", "l", "GET", "i8", "0"}, {"BITFIELD", "l", "SET", "i8", "0", "1"}, {"BITFIELD_RO", "l", "GET", "i8", "0"},
		{"BITFIELD", "l", "GET", "i99", "0"}, {"BITFIELD"},
	},
	"lcs": {
		{"MSET", "a", "ohmytext", "b", "mynewtext"},
		{"LCS", "a", "b"}, {"LCS", "a", "b", "LEN"}, {"LCS", "a", "b", "IDX"}, {"LCS", "a", "b", "idx", "minmatchlen", "4"},
		{"LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}, {"LCS", "a", "b", "IDX", "WITHMATCHLEN"},
		{"LCS", "a", "b", "WITHMATCHLEN"}, {"LCS", "a", "b", "LEN", "MINMATCHLEN", "-3"}, {"LCS", "a", "b", "IDX", "MINMATCHLEN", "-3"},
		{"LCS", "a", "b", "LEN", "IDX"}, {"LCS", "a", "b", "MINMATCHLEN"}, {"LCS", "a", "b", "MINMATCHLEN", "x"},
		{"LCS", "a", "b", "FOO"}, {"LCS", "a", "missing"}, {"LCS", "missing", "b", "IDX"}, {"LCS", "m1", "m2", "LEN"},
		{"LCS", "b", "a", "IDX", "WITHMATCHLEN"}, {"LCS", "a", "a", "IDX"},
		{"RPUSH", "l", "x"}, {"LCS", "a", "l"}, {"LCS", "l", "missing", "FOO"},
		{"MSET", "x", "GTAATTACAGTACGATTACAGTTA", "y", "ACGATTACGTTAGTCAGTACGTCA"},
		{"LCS", "x", "y"}, {"LCS", "x", "y", "IDX", "WITHMATCHLEN"}, {"LCS", "x", "y", "IDX", "MINMATCHLEN", "3"},
		{"LCS", "a"},
	},
}

// TestDifferential runs every case in RESP2 and again in RESP3, where nulls,
// maps (LCS IDX) and doubles are encoded differently.
func TestDifferential(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	for _, proto := range []string{"2", "3"} {
		for name, cmds := range diffCases {
			t.Run("resp"+proto+"/"+name, func(t *testing.T) {
				p := difftest.NewPair(t, srv.Addr(), ref)
				if ours, theirs := p.Do("HELLO", proto); ours.Kind != theirs.Kind {
					t.Fatalf("HELLO %s: %s vs %s", proto, ours, theirs)
				}
				for _, cmd := range cmds {
					p.Check(cmd...)
				}
			})
		}
	}
}

// TestDifferentialRESP3 checks the replies whose shape depends on the
// protocol: LCS IDX is a map, the nulls of GETEX, GETDEL and MGET are _.
func TestDifferentialRESP3(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	ours, theirs := p.Do("HELLO", "3")
	if ours.Kind != theirs.Kind {
		t.Fatalf("HELLO 3: %s vs %s", ours, theirs)
	}
	for _, cmd := range [][]string{
		{"MSET", "a", "ohmytext", "b", "mynewtext"},
		{"LCS", "a", "b", "IDX"}, {"LCS", "a", "b", "IDX", "WITHMATCHLEN"}, {"LCS", "a", "b", "LEN"},
		{"GETEX", "missing"}, {"GETDEL", "missing"}, {"GETSET", "missing", "v"}, {"MGET", "a", "missing"},
		{"INCRBYFLOAT", "f", "1.5"}, {"GETRANGE", "missing", "0", "1"},
	} {
		p.Check(cmd...)
	}
}

// floatInputs are increments and starting values for INCRBYFLOAT: tiny,
// huge, negative, exponents, hexadecimal, infinities and malformed ones.
var floatInputs = []string{
	"0", "-0", "0.1", "0.2", "0.3", "10.5", "-10.5", "1", "-1", "3.0", "1.5e10", "1e-10", "-1e-10",
	"1e308", "-1e308", "1.7976931348623157e308", "1e309", "1e4000", "-1e4000", "1.18e4932", "1.19e4932",
	"1e-300", "5e-324", "1e-4940", "4e-4951", "3e-4951", "1e-4950", "123456789012345678901234567890",
	"0.1234567890123456789", "9007199254740993", "18446744073709551615", "18446744073709551617",
	"0x10", "0x1p-3", "0X1.8P3", "-0x.8", "0x1p16383", "0x1p16384", "0xfffffffffffffffffp0",
	" 1", "1 ", "1.", ".5", "+.5", "+1", "5e", "1e+2", "1E-2", "inf", "-inf", "+Inf", "INFINITY", "nan",
	"3.14159265358979323846264338327950288", "-123.456", "1e17", "12345678.9", "0.000001", "1e-17", "1e-18",
	"2.5e-18", "7.5e-18", "5e-18", "4.99e-18", "5.01e-18", "3.4e-18", "3.5e-18", "-4.9e-18", "0x1p-58", "0x1p-57",
	"0x1.fffp-58", "-0x1p-58", "9999999999999999.5", "0.99999999999999999", "-0.000000000000000001",
}

func TestDifferentialIncrByFloat(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, start := range floatInputs {
		for _, incr := range floatInputs {
			p.Do("SET", "k", start)
			p.Check("INCRBYFLOAT", "k", incr)
			p.Check("INCRBYFLOAT", "k", incr)
		}
	}
	// A chain of small steps accumulates rounding exactly as long double does.
	p.Do("DEL", "k")
	for i := 0; i < 200; i++ {
		p.Check("INCRBYFLOAT", "k", "0.1")
	}
	for i := 0; i < 50; i++ {
		p.Check("INCRBYFLOAT", "k", strconv.Itoa(i)+".0"+strings.Repeat("7", i%20))
	}
}

// TestDifferentialMaxBulk lowers proto-max-bulk-len on both servers: the
// size limits of SETRANGE, APPEND, SETBIT, GETBIT and LCS follow it.
func TestDifferentialMaxBulk(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	big := strings.Repeat("a", 600)
	for _, cmd := range [][]string{
		{"CONFIG", "SET", "proto-max-bulk-len", "1mb"},
		{"SETRANGE", "k", "1048575", "x"}, {"STRLEN", "k"}, {"SETRANGE", "k", "1048576", "x"},
		{"SETRANGE", "k", "1048575", "xy"}, {"APPEND", "k", "y"}, {"APPEND", "k", ""},
		{"SETRANGE", "n", "1048576", "x"}, {"EXISTS", "n"},
		{"SETBIT", "b", "8388607", "1"}, {"STRLEN", "b"}, {"SETBIT", "b", "8388608", "1"},
		{"GETBIT", "b", "8388607"}, {"GETBIT", "b", "8388608"},
		{"SET", "x", big}, {"SET", "y", big}, {"LCS", "x", "y", "LEN"}, {"SET", "y", big[:400]},
		{"LCS", "x", "y", "LEN"}, {"LCS", "x", "missing", "LEN"},
		{"CONFIG", "SET", "proto-max-bulk-len", "512mb"},
		{"LCS", "x", "y", "LEN"}, {"SETRANGE", "k", "1048576", "x"},
		{"SET", "x", strings.Repeat("a", 20000)}, {"SET", "y", strings.Repeat("b", 20000)},
		{"LCS", "x", "y"}, {"LCS", "x", "y", "IDX"},
	} {
		p.Check(cmd...)
	}
}

// TestDifferentialLCSRandom compares LCS on random strings over small
// alphabets, where many answers of the same length exist and only Redis's
// way of walking the table back gives the same string and ranges.
func TestDifferentialLCSRandom(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	rng := rand.New(rand.NewPCG(1, 2))
	randString := func(n int, alphabet string) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for i := 0; i < 60; i++ {
		alphabet := []string{"ab", "acgt", "abcdefghij"}[i%3]
		p.Do("SET", "a", randString(rng.IntN(300), alphabet))
		p.Do("SET", "b", randString(rng.IntN(300), alphabet))
		p.Check("LCS", "a", "b")
		p.Check("LCS", "a", "b", "LEN")
		p.Check("LCS", "a", "b", "IDX", "WITHMATCHLEN")
		p.Check("LCS", "b", "a", "IDX", "MINMATCHLEN", strconv.Itoa(i%5))
	}
}

// TestDifferentialRangesRandom compares BITCOUNT, BITPOS and GETRANGE over
// random strings and random (often out of range, often negative) ranges in
// bytes and in bits.
func TestDifferentialRangesRandom(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	rng := rand.New(rand.NewPCG(3, 4))
	bytePool := []byte{0x00, 0xff, 0x80, 0x01, 0x0f, 0xf0, 0x55, 0x7f, 0xfe}
	idx := func(lim int) string { return strconv.Itoa(rng.IntN(2*lim+1) - lim) }
	for i := 0; i < 150; i++ {
		b := make([]byte, rng.IntN(20))
		for j := range b {
			b[j] = bytePool[rng.IntN(len(bytePool))]
		}
		p.Do("SET", "k", string(b))
		for j := 0; j < 6; j++ {
			s, e := idx(25), idx(25)
			sb, eb := idx(170), idx(170)
			bit := strconv.Itoa(rng.IntN(2))
			p.Check("BITCOUNT", "k", s, e)
			p.Check("BITCOUNT", "k", sb, eb, "BIT")
			p.Check("BITPOS", "k", bit, s)
			p.Check("BITPOS", "k", bit, s, e)
			p.Check("BITPOS", "k", bit, s, e, "BYTE")
			p.Check("BITPOS", "k", bit, sb, eb, "BIT")
			p.Check("GETRANGE", "k", s, e)
		}
	}
}

// TestDifferentialCommandInfo compares COMMAND INFO of every string and bit
// command with Redis's: arity, flags, key positions, ACL categories, tips
// and key specs.
func TestDifferentialCommandInfo(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, name := range []string{
		"get", "set", "incr", "decr", "append", "decrby", "getdel", "getex", "getrange", "getset",
		"incrby", "incrbyfloat", "lcs", "mget", "mset", "msetnx", "psetex", "setex", "setnx",
		"setrange", "strlen", "substr", "setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield", "bitfield_ro",
	} {
		p.Check("COMMAND", "INFO", name)
	}
}

// TestDifferentialKeyspaceStats checks INFO's keyspace_hits and
// keyspace_misses after every string command: reads count, while commands
// that change a value (APPEND, INCR, SETBIT, ...) look it up without
// counting, as Redis's lookupKeyWrite does.
func TestDifferentialKeyspaceStats(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	stats := func(c *resp.Conn) string {
		r, err := c.Do("INFO", "stats")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, line := range strings.Split(r.Str, "\r\n") {
			if strings.HasPrefix(line, "keyspace_hits:") || strings.HasPrefix(line, "keyspace_misses:") {
				out = append(out, line)
			}
		}
		return strings.Join(out, " ")
	}
	for _, cmd := range [][]string{
		{"SET", "k", "1"}, {"GET", "k"}, {"GET", "m"}, {"APPEND", "k", "2"}, {"APPEND", "m1", "x"},
		{"INCR", "k"}, {"INCRBY", "m2", "3"}, {"DECRBY", "k", "1"}, {"INCRBYFLOAT", "k", "1.5"}, {"INCRBYFLOAT", "m3", "1"},
		{"SETRANGE", "k", "1", "x"}, {"SETRANGE", "m4", "1", "x"}, {"STRLEN", "k"}, {"STRLEN", "m"},
		{"GETRANGE", "k", "0", "1"}, {"SUBSTR", "m", "0", "1"}, {"SETBIT", "k", "3", "1"}, {"SETBIT", "m5", "3", "1"},
		{"GETBIT", "k", "1"}, {"GETBIT", "m", "1"}, {"BITCOUNT", "k"}, {"BITCOUNT", "m"}, {"BITPOS", "k", "1"},
		{"BITPOS", "m", "1"}, {"BITOP", "OR", "d", "k", "m"}, {"GETSET", "k", "v"}, {"GETSET", "m6", "v"},
		{"GETDEL", "m6"}, {"GETDEL", "m"}, {"GETEX", "k"}, {"GETEX", "m"}, {"SETNX", "k", "v"}, {"SETNX", "m7", "v"},
		{"SETEX", "k", "100", "v"}, {"PSETEX", "k", "100000", "v"}, {"MSET", "k", "v", "m8", "v"},
		{"MSETNX", "k", "v", "m9", "v"}, {"MGET", "k", "m", "d"}, {"LCS", "k", "d"}, {"LCS", "m", "k"},
		{"SET", "k", "v", "GET"}, {"SET", "m10", "v", "GET"}, {"SET", "k", "v", "NX"}, {"SET", "k", "v", "XX"},
	} {
		p.Check(cmd...)
		if o, r := stats(p.Ours), stats(p.Ref); o != r || o == "" {
			t.Errorf("after %q: redmod %s, redis %s", cmd, o, r)
		}
	}
}

// TestDifferentialCommandDocs compares COMMAND DOCS, which redis-cli uses
// for its hints. GETSET and SUBSTR (deprecation fields) and BITCOUNT and
// BITPOS (history) carry fields core.Spec cannot express and are left out.
func TestDifferentialCommandDocs(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, name := range []string{
		"append", "decrby", "getdel", "getex", "getrange", "incrby", "incrbyfloat", "lcs", "mget",
		"mset", "msetnx", "psetex", "setex", "setnx", "setrange", "strlen", "setbit", "getbit", "bitop",
	} {
		p.Check("COMMAND", "DOCS", name)
	}
}

// TestDifferentialBitDirty compares how much SETBIT and BITFIELD add to
// rdb_changes_since_last_save: a write that changes nothing counts only
// when it creates or lengthens the key, each write of such a key counts.
func TestDifferentialBitDirty(t *testing.T) {
	p := difftest.NewPair(t, redmodtest.Run(t).Addr(), difftest.Redis(t))
	dirty := func(c *resp.Conn) int {
		r, err := c.Do("INFO", "persistence")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(r.Str, "\r\n") {
			if v, ok := strings.CutPrefix(line, "rdb_changes_since_last_save:"); ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
		t.Fatal("no rdb_changes_since_last_save")
		return 0
	}
	for _, cmd := range [][]string{
		{"SETBIT", "a", "0", "0"}, {"SETBIT", "a", "0", "0"}, {"SETBIT", "a", "0", "1"}, {"SETBIT", "a", "90", "0"},
		{"BITFIELD", "b", "SET", "i5", "0", "0"}, {"BITFIELD", "b", "SET", "i5", "0", "0"}, {"BITFIELD", "b", "SET", "i5", "0", "1"},
		{"BITFIELD", "c", "INCRBY", "i5", "0", "1"}, {"BITFIELD", "c", "INCRBY", "i5", "0", "1"}, {"BITFIELD", "c", "INCRBY", "i5", "0", "0"},
		{"BITFIELD", "d", "SET", "u8", "0", "0", "SET", "u8", "8", "0", "GET", "u8", "0"},
		{"BITFIELD", "d", "SET", "u8", "0", "1", "SET", "u8", "8", "0", "SET", "u8", "40", "0"},
		{"BITFIELD", "c", "OVERFLOW", "FAIL", "INCRBY", "i5", "0", "100"},
		{"BITFIELD", "e", "OVERFLOW", "FAIL", "INCRBY", "i5", "0", "100", "SET", "u4", "0", "1"},
	} {
		before := [2]int{dirty(p.Ours), dirty(p.Ref)}
		p.Check(cmd...)
		if o, r := dirty(p.Ours)-before[0], dirty(p.Ref)-before[1]; o != r {
			t.Errorf("%q: redmod counted %d changes, redis %d", cmd, o, r)
		}
	}
}
