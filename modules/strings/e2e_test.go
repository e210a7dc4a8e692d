package strings_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/redmodtest"
)

func newClient(t *testing.T) (*redmodtest.Server, *redis.Client, context.Context) {
	t.Helper()
	srv := redmodtest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	return srv, rdb, context.Background()
}

// must fails the test on an unexpected error and returns the command's
// value.
func must[T any](t *testing.T, cmd interface{ Result() (T, error) }) T {
	t.Helper()
	v, err := cmd.Result()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	return v
}

// text returns the reply of a generic command as a string.
func text(t *testing.T, cmd *redis.Cmd) string {
	t.Helper()
	v, err := cmd.Text()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	return v
}

func wantNil(t *testing.T, err error) {
	t.Helper()
	if err != redis.Nil {
		t.Fatalf("error = %v, want nil reply", err)
	}
}

func wantErr(t *testing.T, err error, text string) {
	t.Helper()
	if err == nil || err.Error() != text {
		t.Fatalf("error = %v, want %q", err, text)
	}
}

func equal[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

const wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"

func TestGetSetGetDelGetEx(t *testing.T) {
	srv, rdb, ctx := newClient(t)
	wantNil(t, rdb.GetSet(ctx, "k", "a").Err())
	equal(t, must(t, rdb.GetSet(ctx, "k", "b")), "a")
	equal(t, must(t, rdb.GetDel(ctx, "k")), "b")
	equal(t, must(t, rdb.Exists(ctx, "k")), int64(0))
	wantNil(t, rdb.GetDel(ctx, "k").Err())

	must(t, rdb.Set(ctx, "k", "v", 0))
	equal(t, must(t, rdb.GetEx(ctx, "k", 100*time.Second)), "v")
	equal(t, must(t, rdb.TTL(ctx, "k")), 100*time.Second)
	equal(t, text(t, rdb.Do(ctx, "GETEX", "k", "PERSIST")), "v")
	equal(t, must(t, rdb.TTL(ctx, "k")), time.Duration(-1))
	must(t, rdb.Do(ctx, "GETEX", "k", "PX", "1500"))
	srv.FastForward(2 * time.Second)
	wantNil(t, rdb.Get(ctx, "k").Err())
	wantNil(t, rdb.Do(ctx, "GETEX", "missing", "EX", "0").Err()) // a missing key answers nil before the time is checked
	must(t, rdb.Set(ctx, "k", "v", 0))
	wantErr(t, rdb.Do(ctx, "GETEX", "k", "EX", "0").Err(), "ERR invalid expire time in 'getex' command")
	wantErr(t, rdb.Do(ctx, "GETEX", "k", "KEEPTTL").Err(), "ERR syntax error")
	equal(t, text(t, rdb.Do(ctx, "GETEX", "k", "EXAT", "1")), "v")
	equal(t, must(t, rdb.Exists(ctx, "k")), int64(0))

	must(t, rdb.RPush(ctx, "l", "x"))
	wantErr(t, rdb.GetSet(ctx, "l", "v").Err(), wrongType)
	wantErr(t, rdb.GetDel(ctx, "l").Err(), wrongType)
	wantErr(t, rdb.GetEx(ctx, "l", 0).Err(), wrongType)
	wantErr(t, rdb.Do(ctx, "GETDEL").Err(), "ERR wrong number of arguments for 'getdel' command")
}

func TestSetNXSetEXPSetEX(t *testing.T) {
	_, rdb, ctx := newClient(t)
	equal(t, must(t, rdb.SetNX(ctx, "k", "a", 0)), true)
	equal(t, must(t, rdb.SetNX(ctx, "k", "b", 0)), false)
	equal(t, must(t, rdb.Get(ctx, "k")), "a")
	equal(t, must(t, rdb.SetEx(ctx, "k", "b", 10*time.Second)), "OK")
	equal(t, must(t, rdb.TTL(ctx, "k")), 10*time.Second)
	equal(t, text(t, rdb.Do(ctx, "PSETEX", "k", "20000", "c")), "OK")
	equal(t, must(t, rdb.TTL(ctx, "k")), 20*time.Second)
	equal(t, must(t, rdb.Get(ctx, "k")), "c")
	wantErr(t, rdb.Do(ctx, "SETEX", "k", "0", "v").Err(), "ERR invalid expire time in 'setex' command")
	wantErr(t, rdb.Do(ctx, "PSETEX", "k", "-1", "v").Err(), "ERR invalid expire time in 'psetex' command")
	wantErr(t, rdb.Do(ctx, "SETEX", "k", "ten", "v").Err(), "ERR value is not an integer or out of range")
	wantErr(t, rdb.Do(ctx, "SETEX", "k", "9223372036854775807", "v").Err(), "ERR invalid expire time in 'setex' command")
}

func TestMultiKey(t *testing.T) {
	_, rdb, ctx := newClient(t)
	equal(t, must(t, rdb.MSet(ctx, "a", "1", "b", "2")), "OK")
	must(t, rdb.RPush(ctx, "l", "x"))
	vals := must(t, rdb.MGet(ctx, "a", "b", "missing", "l"))
	equal(t, len(vals), 4)
	equal(t, vals[0], any("1"))
	equal(t, vals[1], any("2"))
	equal(t, vals[2], nil)
	equal(t, vals[3], nil)
	equal(t, must(t, rdb.MSetNX(ctx, "c", "3", "a", "9")), false)
	equal(t, must(t, rdb.Exists(ctx, "c")), int64(0))
	equal(t, must(t, rdb.MSetNX(ctx, "c", "3", "d", "4")), true)
	equal(t, must(t, rdb.Get(ctx, "d")), "4")
	wantErr(t, rdb.Do(ctx, "MSET", "a", "1", "b").Err(), "ERR wrong number of arguments for 'mset' command")
	wantErr(t, rdb.Do(ctx, "MSETNX", "a", "1", "b").Err(), "ERR wrong number of arguments for 'msetnx' command")
}

func TestAppendRanges(t *testing.T) {
	_, rdb, ctx := newClient(t)
	equal(t, must(t, rdb.Append(ctx, "k", "Hello")), int64(5))
	equal(t, must(t, rdb.Append(ctx, "k", " World")), int64(11))
	equal(t, must(t, rdb.StrLen(ctx, "k")), int64(11))
	equal(t, must(t, rdb.GetRange(ctx, "k", -5, -1)), "World")
	equal(t, text(t, rdb.Do(ctx, "SUBSTR", "k", "0", "4")), "Hello")
	equal(t, must(t, rdb.GetRange(ctx, "k", 5, 1)), "")
	equal(t, must(t, rdb.GetRange(ctx, "missing", 0, -1)), "")
	equal(t, must(t, rdb.SetRange(ctx, "k", 6, "Redis")), int64(11))
	equal(t, must(t, rdb.Get(ctx, "k")), "Hello Redis")
	equal(t, must(t, rdb.SetRange(ctx, "z", 3, "x")), int64(4))
	equal(t, must(t, rdb.Get(ctx, "z")), "\x00\x00\x00x")
	equal(t, must(t, rdb.SetRange(ctx, "none", 3, "")), int64(0))
	equal(t, must(t, rdb.Exists(ctx, "none")), int64(0))
	wantErr(t, rdb.SetRange(ctx, "k", -1, "x").Err(), "ERR offset is out of range")
	wantErr(t, rdb.SetRange(ctx, "k", 512<<20, "x").Err(), "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
	must(t, rdb.RPush(ctx, "l", "x"))
	wantErr(t, rdb.Append(ctx, "l", "x").Err(), wrongType)
	wantErr(t, rdb.StrLen(ctx, "l").Err(), wrongType)
	wantErr(t, rdb.GetRange(ctx, "l", 0, 1).Err(), wrongType)
	wantErr(t, rdb.SetRange(ctx, "l", 0, "x").Err(), wrongType)
}

func TestIncrDecrBy(t *testing.T) {
	_, rdb, ctx := newClient(t)
	equal(t, must(t, rdb.IncrBy(ctx, "k", 10)), int64(10))
	equal(t, must(t, rdb.DecrBy(ctx, "k", 15)), int64(-5))
	wantErr(t, rdb.Do(ctx, "DECRBY", "k", "-9223372036854775808").Err(), "ERR decrement would overflow")
	must(t, rdb.Set(ctx, "m", "9223372036854775807", 0))
	wantErr(t, rdb.IncrBy(ctx, "m", 1).Err(), "ERR increment or decrement would overflow")
	wantErr(t, rdb.Do(ctx, "INCRBY", "k", "1.5").Err(), "ERR value is not an integer or out of range")

	equal(t, must(t, rdb.IncrByFloat(ctx, "f", 0.1)), 0.1)
	equal(t, text(t, rdb.Do(ctx, "INCRBYFLOAT", "f", "0.2")), "0.3")
	must(t, rdb.Set(ctx, "g", "10.5", 0))
	equal(t, text(t, rdb.Do(ctx, "INCRBYFLOAT", "g", "0.1")), "10.6")
	equal(t, text(t, rdb.Do(ctx, "INCRBYFLOAT", "g", "-10.6")), "0")
	equal(t, text(t, rdb.Do(ctx, "INCRBYFLOAT", "g", "5.0e3")), "5000")
	equal(t, text(t, rdb.Do(ctx, "INCRBYFLOAT", "h", "0x10")), "16")
	wantErr(t, rdb.Do(ctx, "INCRBYFLOAT", "g", "abc").Err(), "ERR value is not a valid float")
	wantErr(t, rdb.Do(ctx, "INCRBYFLOAT", "g", "inf").Err(), "ERR increment would produce NaN or Infinity")
	must(t, rdb.Set(ctx, "s", "text", 0))
	wantErr(t, rdb.Do(ctx, "INCRBYFLOAT", "s", "1").Err(), "ERR value is not a valid float")
}

func TestBits(t *testing.T) {
	_, rdb, ctx := newClient(t)
	equal(t, must(t, rdb.SetBit(ctx, "b", 7, 1)), int64(0))
	equal(t, must(t, rdb.SetBit(ctx, "b", 7, 0)), int64(1))
	equal(t, must(t, rdb.SetBit(ctx, "b", 9, 1)), int64(0))
	equal(t, must(t, rdb.GetBit(ctx, "b", 9)), int64(1))
	equal(t, must(t, rdb.GetBit(ctx, "b", 1000)), int64(0))
	equal(t, must(t, rdb.Get(ctx, "b")), "\x00\x40")
	wantErr(t, rdb.SetBit(ctx, "b", 1<<32, 1).Err(), "ERR bit offset is not an integer or out of range")
	wantErr(t, rdb.SetBit(ctx, "b", 1, 2).Err(), "ERR bit is not an integer or out of range")

	must(t, rdb.Set(ctx, "k", "foobar", 0))
	equal(t, must(t, rdb.BitCount(ctx, "k", nil)), int64(26))
	equal(t, must(t, rdb.BitCount(ctx, "k", &redis.BitCount{Start: 1, End: 1})), int64(6))
	equal(t, must(t, rdb.BitCount(ctx, "k", &redis.BitCount{Start: 5, End: 30, Unit: "BIT"})), int64(17))
	wantErr(t, rdb.Do(ctx, "BITCOUNT", "k", "0").Err(), "ERR syntax error")

	must(t, rdb.Set(ctx, "p", "\xff\xf0\x00", 0))
	equal(t, must(t, rdb.BitPos(ctx, "p", 0)), int64(12))
	equal(t, must(t, rdb.BitPos(ctx, "p", 1, 2, -1)), int64(-1))
	equal(t, must(t, rdb.BitPosSpan(ctx, "p", 1, 7, 15, "bit")), int64(7))
	equal(t, must(t, rdb.BitPos(ctx, "missing", 0)), int64(0))
	wantErr(t, rdb.Do(ctx, "BITPOS", "p", "2").Err(), "ERR The bit argument must be 1 or 0.")

	must(t, rdb.Set(ctx, "x", "abc", 0))
	must(t, rdb.Set(ctx, "y", "a", 0))
	equal(t, must(t, rdb.BitOpAnd(ctx, "d", "x", "y")), int64(3))
	equal(t, must(t, rdb.Get(ctx, "d")), "a\x00\x00")
	equal(t, must(t, rdb.BitOpOr(ctx, "d", "x", "y")), int64(3))
	equal(t, must(t, rdb.Get(ctx, "d")), "abc")
	equal(t, must(t, rdb.BitOpXor(ctx, "d", "x", "y")), int64(3))
	equal(t, must(t, rdb.Get(ctx, "d")), "\x00bc")
	equal(t, must(t, rdb.BitOpNot(ctx, "d", "y")), int64(1))
	equal(t, must(t, rdb.Get(ctx, "d")), "\x9e")
	equal(t, must(t, rdb.BitOpOr(ctx, "d", "m1", "m2")), int64(0))
	equal(t, must(t, rdb.Exists(ctx, "d")), int64(0))
	wantErr(t, rdb.Do(ctx, "BITOP", "NOT", "d", "x", "y").Err(), "ERR BITOP NOT must be called with a single source key.")
	wantErr(t, rdb.Do(ctx, "BITOP", "NAND", "d", "x").Err(), "ERR syntax error")
	must(t, rdb.RPush(ctx, "l", "x"))
	wantErr(t, rdb.BitOpOr(ctx, "d", "x", "l").Err(), wrongType)
	wantErr(t, rdb.BitCount(ctx, "l", nil).Err(), wrongType)
	wantErr(t, rdb.SetBit(ctx, "l", 1, 1).Err(), wrongType)
}

func TestBitfield(t *testing.T) {
	_, rdb, ctx := newClient(t)
	res := must(t, rdb.BitField(ctx, "b", "SET", "i8", 0, 100, "INCRBY", "i8", 0, 100, "GET", "u8", 0))
	equal(t, len(res), 3)
	equal(t, res[0], int64(0))
	equal(t, res[1], int64(-56)) // 200 wraps around in a signed byte
	equal(t, res[2], int64(200))
	res = must(t, rdb.BitField(ctx, "b", "OVERFLOW", "SAT", "INCRBY", "u4", "#1", 100))
	equal(t, res[0], int64(15))
	vals, err := rdb.Do(ctx, "BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u8", 0, 100).Slice()
	if err != nil || len(vals) != 1 || vals[0] != nil {
		t.Fatalf("OVERFLOW FAIL: %v %v, want [nil]", vals, err)
	}
	res = must(t, rdb.BitFieldRO(ctx, "b", "u8", 0, "u4", 4))
	equal(t, res[0], int64(207)) // 200 with its low nibble saturated
	equal(t, res[1], int64(15))
	wantErr(t, rdb.Do(ctx, "BITFIELD_RO", "b", "SET", "u8", 0, 1).Err(), "ERR BITFIELD_RO only supports the GET subcommand")
	wantErr(t, rdb.Do(ctx, "BITFIELD", "b", "GET", "u64", 0).Err(), "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
	wantErr(t, rdb.Do(ctx, "BITFIELD", "b", "OVERFLOW", "NONE").Err(), "ERR Invalid OVERFLOW type specified")
	wantErr(t, rdb.Do(ctx, "BITFIELD", "b", "GET", "u8", -1).Err(), "ERR bit offset is not an integer or out of range")
}

func TestLCS(t *testing.T) {
	_, rdb, ctx := newClient(t)
	must(t, rdb.MSet(ctx, "a", "ohmytext", "b", "mynewtext"))
	equal(t, must(t, rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b"})).MatchString, "mytext")
	equal(t, must(t, rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b", Len: true})).Len, int64(6))
	res := must(t, rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b", Idx: true, WithMatchLen: true}))
	equal(t, res.Len, int64(6))
	equal(t, len(res.Matches), 2)
	equal(t, res.Matches[0], redis.LCSMatchedPosition{Key1: redis.LCSPosition{Start: 4, End: 7}, Key2: redis.LCSPosition{Start: 5, End: 8}, MatchLen: 4})
	equal(t, res.Matches[1], redis.LCSMatchedPosition{Key1: redis.LCSPosition{Start: 2, End: 3}, Key2: redis.LCSPosition{Start: 0, End: 1}, MatchLen: 2})
	res = must(t, rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b", Idx: true, MinMatchLen: 4}))
	equal(t, len(res.Matches), 1)
	wantErr(t, rdb.Do(ctx, "LCS", "a", "b", "LEN", "IDX").Err(), "ERR If you want both the length and indexes, please just use IDX.")
	must(t, rdb.RPush(ctx, "l", "x"))
	wantErr(t, rdb.Do(ctx, "LCS", "a", "l").Err(), "ERR The specified keys must contain string values")
	// A table over proto-max-bulk-len is refused, not allocated.
	must(t, rdb.Set(ctx, "big1", strings.Repeat("a", 20000), 0))
	must(t, rdb.Set(ctx, "big2", strings.Repeat("b", 20000), 0))
	wantErr(t, rdb.Do(ctx, "LCS", "big1", "big2").Err(), "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
}

// TestEncodings checks what OBJECT ENCODING will report: commands that
// change a string in place or build it byte by byte make it "raw", as in
// Redis, while INCR makes it an integer again.
func TestEncodings(t *testing.T) {
	srv, rdb, ctx := newClient(t)
	encoding := func(key string) string {
		t.Helper()
		var enc string
		srv.Update(func(ks *core.Keyspace) error {
			s, err := core.Lookup[*core.String](ks.DB(0), []byte(key))
			if err != nil || s == nil {
				t.Fatalf("%s: %v %v", key, s, err)
			}
			enc = s.Encoding()
			return nil
		})
		return enc
	}
	must(t, rdb.Set(ctx, "a", "12", 0))
	equal(t, encoding("a"), "int")
	must(t, rdb.Append(ctx, "a", "3"))
	equal(t, encoding("a"), "raw")
	must(t, rdb.Incr(ctx, "a"))
	equal(t, encoding("a"), "int")
	must(t, rdb.Append(ctx, "new", "abc"))
	equal(t, encoding("new"), "embstr")
	must(t, rdb.SetRange(ctx, "r", 0, "abc"))
	equal(t, encoding("r"), "raw")
	must(t, rdb.Set(ctx, "s", "abc", 0))
	must(t, rdb.SetBit(ctx, "s", 0, 0))
	equal(t, encoding("s"), "raw")
	must(t, rdb.BitOpNot(ctx, "d", "a"))
	equal(t, encoding("d"), "raw")
	must(t, rdb.IncrByFloat(ctx, "f", 1.5))
	equal(t, encoding("f"), "embstr")
	must(t, rdb.MSet(ctx, "m", "7"))
	equal(t, encoding("m"), "int")
}

// TestWriteAccounting checks that commands which change nothing do not
// count as changes for auto-save.
func TestWriteAccounting(t *testing.T) {
	srv, rdb, ctx := newClient(t)
	must(t, rdb.Set(ctx, "k", "v", 0))
	must(t, rdb.SetBit(ctx, "b", 3, 1))
	before := srv.Keyspace().Dirty()
	for _, cmd := range [][]any{
		{"SETNX", "k", "x"}, {"MSETNX", "k", "x", "y", "z"}, {"GETDEL", "missing"}, {"GETEX", "k"},
		{"GETEX", "k", "PERSIST"}, {"GETEX", "missing", "EX", "10"}, {"SETRANGE", "k", "1", ""},
		{"SETBIT", "b", "3", "1"}, {"BITOP", "OR", "missing", "m1"},
	} {
		rdb.Do(ctx, cmd...)
	}
	equal(t, srv.Keyspace().Dirty(), before)
	must(t, rdb.Do(ctx, "SETBIT", "b", "3", "0"))
	equal(t, srv.Keyspace().Dirty(), before+1)
}
