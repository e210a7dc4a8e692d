package hll_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

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

func TestDiffHLLCommands(t *testing.T) {
	p := pair(t)
	cmds := [][]string{
		{"PFADD", "h"}, {"GET", "h"}, {"PFADD", "h"}, {"PFCOUNT", "h"}, {"GET", "h"},
		{"PFADD", "h", "a", "b", "c"}, {"GET", "h"}, {"PFCOUNT", "h"}, {"GET", "h"}, {"OBJECT", "ENCODING", "h"},
		{"PFADD", "h", "a", "b", "c"}, {"GETRANGE", "h", "15", "15"}, {"PFADD", "h", ""}, {"GETRANGE", "h", "15", "15"},
		{"PFDEBUG", "DECODE", "h"}, {"PFDEBUG", "ENCODING", "h"}, {"PFDEBUG", "foo", "h"}, {"PFDEBUG", "encoding", "nokey"},
		{"PFADD", "h2", "b", "c", "d"}, {"PFADD", "h3", "c", "d", "e"},
		{"PFMERGE", "m", "h", "h2", "h3"}, {"GET", "m"}, {"PFCOUNT", "m"}, {"PFCOUNT", "h", "h2", "h3"}, {"PFCOUNT", "h", "nokey"},
		{"PFMERGE", "empty"}, {"GET", "empty"}, {"PFMERGE", "empty2", "nokey"}, {"GET", "empty2"}, {"PFMERGE", "h", "h"}, {"GET", "h"},
		{"PFCOUNT", "nokey"}, {"PFCOUNT", "nokey", "nokey2"},
		{"SET", "str", "bar"}, {"PFADD", "str", "1"}, {"PFCOUNT", "str"}, {"PFMERGE", "str", "h"}, {"PFMERGE", "h", "str"},
		{"PFCOUNT", "h", "str"}, {"PFDEBUG", "getreg", "str"}, {"RPUSH", "l", "a"}, {"PFADD", "l", "a"}, {"PFCOUNT", "l"},
		{"SET", "num", "12345678901234567"}, {"PFADD", "num", "a"},
		{"PFADD", "d", "x"}, {"PFDEBUG", "TODENSE", "d"}, {"PFDEBUG", "TODENSE", "d"}, {"GET", "d"}, {"PFDEBUG", "DECODE", "d"},
		{"PFADD", "d", "y", "z"}, {"GET", "d"}, {"PFCOUNT", "d"}, {"GET", "d"}, {"PFMERGE", "md", "h", "d"}, {"GET", "md"},
		{"PFADD", "g", "1", "2"}, {"PFDEBUG", "GETREG", "g"}, {"PFDEBUG", "ENCODING", "g"}, {"GET", "g"},
		{"PFADD"}, {"PFCOUNT"}, {"PFMERGE"}, {"PFDEBUG", "getreg"}, {"PFSELFTEST", "x"},
	}
	for _, c := range cmds {
		p.Check(c...)
	}
	// Corrupted values: a tail after the code, a broken magic, an unknown
	// encoding, a dense value of the wrong length, codes that do not cover
	// the registers.
	for _, corrupt := range [][]string{
		{"APPEND", "c", "hello"}, {"SETRANGE", "c", "0", "0123"}, {"SETRANGE", "c", "4", "x"}, {"SETRANGE", "c", "4", "\x00"},
		{"SETRANGE", "c", "17", "\xff"}, {"SETRANGE", "c", "16", "\x7f\xff\x7f\xff"}, {"APPEND", "c", "\x7f"},
	} {
		p.Check("DEL", "c")
		p.Check("PFADD", "c", "a", "b", "c")
		p.Check(corrupt...)
		p.Check("PFCOUNT", "c")
		p.Check("PFADD", "c", "zz", "yy", "xx", "ww")
		p.Check("GET", "c")
		p.Check("PFCOUNT", "c", "h")
		p.Check("PFMERGE", "c2", "c")
		p.Check("PFDEBUG", "GETREG", "c")
	}
}

// TestDiffHLLRandom adds random elements to HLLs on both servers, through
// the sparse encoding, the promotion and the dense one, and requires the
// same bytes and estimates, with merges and several sparse limits.
func TestDiffHLLRandom(t *testing.T) {
	p := pair(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REDMOD_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (replay with REDMOD_SEED=%d)", seed, seed)
	r := rand.New(rand.NewPCG(seed, 1))
	keys := []string{"a", "b", "c"}
	for _, v := range []string{"1kb", "2K", "5b", "abc", "-1", "", "kb", "1.5kb", " 5", "+5", "007", "1Gb", "99999999999999999999", "9223372036854775808", "3000"} {
		p.Check("CONFIG", "SET", "hll-sparse-max-bytes", v)
		p.Check("CONFIG", "GET", "hll-sparse-max-bytes")
	}
	for round := range 6 {
		p.Check("CONFIG", "SET", "hll-sparse-max-bytes", []string{"3000", "500", "100", "0", "12000", "3000"}[round])
		p.Do("DEL", "a", "b", "c", "m")
		for range 60 {
			k := keys[r.IntN(len(keys))]
			args := []string{"PFADD", k}
			for range r.IntN(60) {
				args = append(args, strconv.Itoa(r.IntN(1<<(4+r.IntN(20)))))
			}
			p.Check(args...)
			switch r.IntN(5) {
			case 0:
				p.Check("PFCOUNT", k)
			case 1:
				p.Check("PFCOUNT", "a", "b", "c")
			case 2:
				p.Check("PFMERGE", "m", keys[r.IntN(3)], keys[r.IntN(3)])
				p.Check("GET", "m")
			case 3:
				p.Check("PFDEBUG", "ENCODING", k)
			}
			if t.Failed() {
				t.Fatalf("seed %d round %d", seed, round)
			}
		}
		for _, k := range keys {
			p.Check("GET", k)
			p.Check("PFCOUNT", k)
			p.Check("GET", k)
		}
	}
}

// TestDiffHLLTruncatedXZero: a sparse code that ends in the first byte of an
// XZERO opcode (a corruption the random test found) is updated without a
// crash, with Redis's replies. The bytes are not compared: Redis writes past
// the string's end there, which no encoding can reproduce exactly.
func TestDiffHLLTruncatedXZero(t *testing.T) {
	p := pair(t)
	header := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	for _, code := range []string{"\x7f", "\x40", "\x80\x7f", "\x3f\x41", "\x7e"} {
		p.Do("DEL", "t")
		p.Check("SET", "t", header+code)
		for _, ele := range []string{"a", "b", "c", "hello", "1", "2"} {
			p.Check("PFADD", "t", ele)
		}
		p.Check("PFCOUNT", "t")
	}
}

// TestDiffHLLCorruptionFuzz corrupts HLLs at random places, as Redis's
// "Fuzzing dense/sparse encoding" test does, and requires the same replies
// as Redis (errors included) from every command, never a crash.
func TestDiffHLLCorruptionFuzz(t *testing.T) {
	p := pair(t)
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("REDMOD_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (REDMOD_SEED repeats it)", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	for j := range 40 {
		p.Do("DEL", "hll", "m")
		args := []string{"PFADD", "hll"}
		// Sparse (a few hundred elements) or dense (thousands).
		for range r.IntN([]int{300, 3000}[j%2]) {
			args = append(args, strconv.FormatFloat(r.Float64(), 'f', -1, 64))
		}
		p.Check(args...)
		for range 5 {
			n, _ := p.Ours.Do("STRLEN", "hll")
			size, _ := strconv.Atoi(n.Str)
			p.Check("SETRANGE", "hll", strconv.Itoa(r.IntN(max(size, 1))), string([]byte{byte(r.IntN(256))}))
			if r.IntN(2) == 0 {
				break
			}
		}
		for _, c := range [][]string{
			{"PFCOUNT", "hll"}, {"PFADD", "hll", "x", "y", strconv.Itoa(j)}, {"GET", "hll"}, {"PFCOUNT", "hll", "m"},
			{"PFMERGE", "m", "hll"}, {"GET", "m"}, {"PFDEBUG", "DECODE", "hll"}, {"PFDEBUG", "TODENSE", "hll"}, {"GET", "hll"},
		} {
			p.Check(c...)
		}
		if t.Failed() {
			t.Fatalf("seed %d, round %d", seed, j)
		}
	}
}
