package strings_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

// TestDifferentialRandom sends seeded random sequences of string and bit
// commands, valid and invalid, to redmod and to Redis, switching between
// RESP2 and RESP3 now and then. A few keys, a list among them, make
// collisions and wrong types frequent. Expiry times are far in the future,
// so no reply depends on the clock (EXPIRETIME after a relative TTL may
// differ by a second). REDMOD_SEED replays a seed; REDMOD_TRACE logs every
// command.
func TestDifferentialRandom(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("REDMOD_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 42))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	key := func() string { return pick("a", "b", "c", "d", "l") }
	val := func() string {
		return pick("", "0", "1", "-1", "12", "007", "3.5", "-0.25", "1e3", "abc", "hello world",
			"\x00\xff\x80", "9223372036854775807", "-9223372036854775808", "0x10", "inf", " 1")
	}
	num := func() string {
		return pick("0", "1", "2", "-1", "-2", "5", "-5", "100", "-100", "x", "1.5",
			"9223372036854775807", "-9223372036854775808", strconv.Itoa(rng.IntN(64)-32))
	}
	bitOff := func() string {
		return pick("0", "1", "7", "8", "15", "63", "100", "-1", "x", strconv.Itoa(rng.IntN(80)))
	}
	at := func() string { return strconv.FormatInt(4102444800+int64(rng.IntN(1000)), 10) }
	gens := []func() []string{
		func() []string { return []string{"SET", key(), val()} },
		func() []string { return []string{"GET", key()} },
		func() []string { return []string{"APPEND", key(), val()} },
		func() []string { return []string{"STRLEN", key()} },
		func() []string { return []string{pick("GETRANGE", "SUBSTR"), key(), num(), num()} },
		func() []string { return []string{"SETRANGE", key(), pick("0", "1", "3", "10", "-1", "x"), val()} },
		func() []string { return []string{pick("INCRBY", "DECRBY"), key(), num()} },
		func() []string { return []string{pick("INCR", "DECR"), key()} },
		func() []string { return []string{"INCRBYFLOAT", key(), pick(val(), num(), "0.1", "-0.3", "1e-5")} },
		func() []string { return []string{"GETSET", key(), val()} },
		func() []string { return []string{"GETDEL", key()} },
		func() []string {
			return append([]string{"GETEX", key()}, strings.Fields(pick("", "EX", "PX", "EXAT", "PXAT", "PERSIST", "EX 0", "FOO", "EXAT "+at(), "PXAT "+at()+"000", "EXAT 1"))...)
		},
		func() []string { return []string{"SETNX", key(), val()} },
		func() []string {
			return []string{pick("SETEX", "PSETEX"), key(), pick("0", "-1", "x", "100000", "9223372036854775807"), val()}
		},
		func() []string { return []string{"MGET", key(), key(), key()} },
		func() []string { return []string{pick("MSET", "MSETNX"), key(), val(), key(), val()} },
		func() []string { return []string{pick("MSET", "MSETNX"), key(), val(), key()} },
		func() []string { return []string{"SETBIT", key(), bitOff(), pick("0", "1", "2")} },
		func() []string { return []string{"GETBIT", key(), bitOff()} },
		func() []string { return []string{"BITCOUNT", key(), num(), num(), pick("BIT", "BYTE", "bit")} },
		func() []string { return []string{"BITCOUNT", key()} },
		func() []string {
			return []string{"BITPOS", key(), pick("0", "1", "2"), num(), num(), pick("BIT", "BYTE")}
		},
		func() []string { return []string{"BITPOS", key(), pick("0", "1"), num()} },
		func() []string { return []string{"BITOP", pick("AND", "OR", "XOR", "NOT", "FOO"), key(), key(), key()} },
		func() []string { return []string{"BITOP", "NOT", key(), key()} },
		func() []string {
			return []string{"LCS", key(), key(), pick("LEN", "IDX", "IDX", "FOO"), pick("WITHMATCHLEN", "MINMATCHLEN", "LEN")}
		},
		func() []string {
			return []string{"LCS", key(), key(), "IDX", "MINMATCHLEN", pick("0", "1", "2", "-1", "x")}
		},
		func() []string {
			cmd := []string{pick("BITFIELD", "BITFIELD", "BITFIELD_RO"), key()}
			for range rng.IntN(4) {
				typ := pick("i", "u") + strconv.Itoa(1+rng.IntN(64))
				off := pick("", "#") + strconv.Itoa(rng.IntN(40))
				switch rng.IntN(5) {
				case 0:
					cmd = append(cmd, "OVERFLOW", pick("WRAP", "SAT", "FAIL"))
				case 1:
					cmd = append(cmd, "GET", typ, off)
				case 2:
					cmd = append(cmd, "SET", typ, off, num())
				default:
					cmd = append(cmd, "INCRBY", typ, off, num())
				}
			}
			return cmd
		},
		func() []string { return []string{"RPUSH", "l", val()} },
		func() []string { return []string{"EXPIRETIME", key()} },
		func() []string { return []string{"OBJECT", "ENCODING", key()} },
		func() []string { return []string{"DEL", key()} },
	}
	const n = 5000
	for i := 0; i < n; i++ {
		cmd := gens[rng.IntN(len(gens))]()
		args := cmd
		if rng.IntN(300) == 0 {
			// Switch protocol now and then: replies differ in RESP3. HELLO's
			// own reply carries the client id, so it is not compared.
			p.Do("HELLO", pick("2", "3"))
		}
		if os.Getenv("REDMOD_TRACE") != "" {
			t.Log(args)
		}
		ours, theirs := p.Do(args...)
		if ours.Raw != theirs.Raw && !closeTimes(args[0], ours.Str, theirs.Str) {
			t.Fatalf("command %d %q (seed %d):\n redmod: %s\n  redis: %s", i, args, seed, ours, theirs)
		}
	}
}

// closeTimes accepts expiry times a second apart: a relative TTL (SETEX)
// becomes an absolute time from each server's clock, which may round to
// different seconds.
func closeTimes(cmd, a, b string) bool {
	if cmd != "EXPIRETIME" {
		return false
	}
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	return err1 == nil && err2 == nil && x > 0 && y > 0 && x-y <= 1 && y-x <= 1
}
