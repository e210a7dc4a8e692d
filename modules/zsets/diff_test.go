package zsets_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// The random differential test sends seeded random sorted-set commands to
// redmod and to a real Redis and requires byte-identical replies, in RESP2
// and RESP3. Keys are few so that commands collide; scores include
// infinities, ties and values that print with 17 digits; members are few so
// that updates and intersections happen. Lex commands run on keys whose
// members all have score 0, where Redis defines their result. REDMOD_SEED
// replays a run, REDMOD_RANDOM_STEPS lengthens it.

var (
	zKeys    = []string{"z1", "z2", "z3", "big", "big2", "str", "none"}
	lexKeys  = []string{"lx1", "lx2", "lxbig"}
	zMembers = []string{"a", "b", "c", "d", "e", "f", "g", "aa", "ab", "", "\x00", "é", "m10", "m11", "m200", "m201"}
	zScores  = []string{
		"0", "1", "-1", "2", "2", "3", "1.5", "-2.5", "0.1", "1e3", "1e+100", "-1e-100", "inf", "-inf", "+inf",
		"3.3333333333333335", "1e17", "123456789012345678", "x", "", "nan", "0x10", " 1", "1e400",
	}
	zBounds = []string{
		"-inf", "+inf", "inf", "0", "1", "(1", "2", "(2", "-1", "(-1", "3", "(3", "1.5", "(inf", "(-inf",
		"1e3", "x", "(", "((1", "nan",
	}
	lexBounds = []string{"-", "+", "[a", "(a", "[b", "(b", "[aa", "(ab", "[m2", "(m201", "[", "(", "a", "[\x00", "[z", "(z"}
	rankArgs  = []string{"0", "1", "-1", "2", "-2", "5", "-5", "100", "-100", "x", "9223372036854775807", "-9223372036854775808"}
)

type zgen struct{ r *rand.Rand }

func (g *zgen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }
func (g *zgen) key() string             { return g.pick(zKeys) }

func (g *zgen) scoreRange() []string { return []string{g.pick(zBounds), g.pick(zBounds)} }
func (g *zgen) lexRange() []string   { return []string{g.pick(lexBounds), g.pick(lexBounds)} }

func (g *zgen) limit(args []string) []string {
	if g.r.IntN(3) == 0 {
		return append(args, "LIMIT", g.pick([]string{"0", "1", "2", "-1", "5", "x"}), g.pick([]string{"0", "1", "2", "-1", "10", "x"}))
	}
	return args
}

func (g *zgen) maybe(args []string, opt ...string) []string {
	if g.r.IntN(3) == 0 {
		return append(args, opt...)
	}
	return args
}

func (g *zgen) keys(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, g.key())
	}
	return out
}

func (g *zgen) command() []string {
	k := g.key()
	m := g.pick(zMembers)
	switch g.r.IntN(34) {
	case 0, 1, 2:
		args := []string{"ZADD", k}
		for _, f := range []string{"NX", "XX", "GT", "LT", "CH", "INCR"} {
			if g.r.IntN(6) == 0 {
				args = append(args, f)
			}
		}
		for i := 0; i < 1+g.r.IntN(4); i++ {
			args = append(args, g.pick(zScores), g.pick(zMembers))
		}
		return args
	case 3:
		return []string{"ZINCRBY", k, g.pick(zScores), m}
	case 4:
		return []string{"ZSCORE", k, m}
	case 5:
		return []string{"ZMSCORE", k, m, g.pick(zMembers), g.pick(zMembers)}
	case 6:
		return []string{"ZCARD", k}
	case 7:
		return append([]string{"ZCOUNT", k}, g.scoreRange()...)
	case 8:
		return append([]string{"ZLEXCOUNT", g.pick(lexKeys)}, g.lexRange()...)
	case 9:
		args := []string{"ZRANGE", k, g.pick(rankArgs), g.pick(rankArgs)}
		return g.limit(g.maybe(g.maybe(args, "REV"), "WITHSCORES"))
	case 10:
		args := append([]string{"ZRANGE", k}, g.scoreRange()...)
		args = append(args, "BYSCORE")
		return g.limit(g.maybe(g.maybe(args, "REV"), "WITHSCORES"))
	case 11:
		args := append([]string{"ZRANGE", g.pick(lexKeys)}, g.lexRange()...)
		args = append(args, "BYLEX")
		return g.limit(g.maybe(args, "REV"))
	case 12:
		return g.limit(g.maybe(append([]string{g.pick([]string{"ZRANGEBYSCORE", "ZREVRANGEBYSCORE"}), k}, g.scoreRange()...), "WITHSCORES"))
	case 13:
		return g.limit(append([]string{g.pick([]string{"ZRANGEBYLEX", "ZREVRANGEBYLEX"}), g.pick(lexKeys)}, g.lexRange()...))
	case 14:
		return g.maybe([]string{"ZREVRANGE", k, g.pick(rankArgs), g.pick(rankArgs)}, "WITHSCORES")
	case 15:
		return []string{g.pick([]string{"ZRANK", "ZREVRANK"}), k, m}
	case 16:
		return []string{"ZREM", k, m, g.pick(zMembers)}
	case 17:
		return []string{"ZREMRANGEBYRANK", k, g.pick(rankArgs), g.pick(rankArgs)}
	case 18:
		return append([]string{"ZREMRANGEBYSCORE", k}, g.scoreRange()...)
	case 19:
		return append([]string{"ZREMRANGEBYLEX", g.pick(lexKeys)}, g.lexRange()...)
	case 20:
		return g.maybe([]string{g.pick([]string{"ZPOPMIN", "ZPOPMAX"}), k}, g.pick([]string{"0", "1", "2", "5", "-1", "x"}))
	case 21:
		n := 1 + g.r.IntN(3)
		args := append([]string{"ZMPOP", strconv.Itoa(n)}, g.keys(n)...)
		args = append(args, g.pick([]string{"MIN", "MAX", "min", "foo"}))
		return g.maybe(args, "COUNT", g.pick([]string{"1", "3", "0", "-1"}))
	case 22, 23, 24:
		n := 1 + g.r.IntN(3)
		op := g.pick([]string{"ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"})
		args := []string{op}
		store := len(op) > 6
		if store {
			args = append(args, g.key())
		}
		args = append(args, strconv.Itoa(n))
		args = append(args, g.keys(n)...)
		if g.r.IntN(3) == 0 {
			args = append(args, "WEIGHTS")
			for i := 0; i < n; i++ {
				args = append(args, g.pick([]string{"1", "2", "0", "-1", "0.5", "inf", "-inf", "x"}))
			}
		}
		if g.r.IntN(3) == 0 {
			args = append(args, "AGGREGATE", g.pick([]string{"SUM", "MIN", "MAX", "max", "avg"}))
		}
		if !store {
			args = g.maybe(args, "WITHSCORES")
		}
		return args
	case 25:
		n := 1 + g.r.IntN(3)
		args := append([]string{"ZINTERCARD", strconv.Itoa(n)}, g.keys(n)...)
		return g.maybe(args, "LIMIT", g.pick([]string{"0", "1", "2", "-1", "x"}))
	case 26:
		args := []string{"ZRANGESTORE", g.key(), k}
		switch g.r.IntN(3) {
		case 0:
			args = append(args, g.pick(rankArgs), g.pick(rankArgs))
		case 1:
			args = append(append(args, g.scoreRange()...), "BYSCORE")
			args = g.limit(args)
		case 2:
			args[2] = g.pick(lexKeys)
			args = append(append(args, g.lexRange()...), "BYLEX")
			args = g.limit(args)
		}
		return g.maybe(args, "REV")
	case 27:
		return []string{"ZADD", g.pick(lexKeys), "0", m, "0", g.pick(zMembers)}
	case 28:
		return []string{"TYPE", k}
	case 29:
		return []string{"OBJECT", "ENCODING", k}
	case 30:
		return []string{"ZRANGE", k, "0", "-1", "WITHSCORES"}
	case 31:
		return []string{"ZRANGE", g.pick(lexKeys), "0", "-1"}
	case 32:
		return []string{"EXISTS", k}
	default:
		return []string{"ZRANGE", k, g.pick(rankArgs), g.pick(rankArgs), g.pick([]string{"BYSCORE", "BYLEX", "REV", "LIMIT", "WITHSCORES", "foo"})}
	}
}

// fill gives the big keys enough members for the large encoding.
func fill(p *difftest.Pair, r *rand.Rand) {
	for _, k := range []string{"big", "big2"} {
		args := []string{"ZADD", k}
		for i := 0; i < 300; i++ {
			args = append(args, strconv.Itoa(r.IntN(50)), "m"+strconv.Itoa(i))
		}
		p.Check(args...)
	}
	args := []string{"ZADD", "lxbig"}
	for i := 0; i < 300; i++ {
		args = append(args, "0", fmt.Sprintf("%c%d", 'a'+r.IntN(26), i))
	}
	p.Check(args...)
	p.Check("SET", "str", "x")
	p.Check("ZADD", "z1", "1", "a", "2", "b", "3", "c", "inf", "d", "-inf", "e", "2", "aa")
}

func TestRandomDiff(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REDMOD_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	steps := 3000
	if s := os.Getenv("REDMOD_RANDOM_STEPS"); s != "" {
		steps, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (REDMOD_SEED=%d replays it)", seed, seed)
	for _, proto := range []string{"2", "3"} {
		p := difftest.NewPair(t, srv.Addr(), ref)
		p.Do("HELLO", proto)
		r := rand.New(rand.NewPCG(seed, 7))
		g := &zgen{r: r}
		fill(p, r)
		var hist []string
		for i := 0; i < steps && !t.Failed(); i++ {
			cmd := g.command()
			hist = append(hist, fmt.Sprintf("%q", cmd))
			p.Check(cmd...)
		}
		if t.Failed() {
			for _, k := range zKeys {
				o, r := p.Do("ZRANGE", k, "0", "-1", "WITHSCORES")
				t.Logf("%s:\n redmod: %s\n  redis: %s", k, o, r)
			}
			t.Logf("last commands:\n%s", strings.Join(hist[max(0, len(hist)-400):], "\n"))
		}
	}
}

// TestDumpRestoreWithRedis moves sorted sets of both encodings between
// redmod and Redis with DUMP and RESTORE, in both directions.
func TestDumpRestoreWithRedis(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	big := []string{"ZADD", "big"}
	for i := 0; i < 300; i++ {
		big = append(big, strconv.Itoa(i%7)+".5", "m"+strconv.Itoa(i))
	}
	p.Check(big...)
	p.Check("ZADD", "small", "1", "a", "-inf", "b", "inf", "c", "0.1", "d")
	for _, k := range []string{"big", "small"} {
		ours, theirs := p.Do("DUMP", k)
		if ours.Null || theirs.Null {
			t.Fatalf("DUMP %s: %s / %s", k, ours, theirs)
		}
		if r, err := p.Ours.Do("RESTORE", k+":fromredis", "0", theirs.Str); err != nil || r.Str != "OK" {
			t.Fatalf("redmod RESTORE of Redis's %s: %v %s", k, err, r)
		}
		if r, err := p.Ref.Do("RESTORE", k+":fromredmod", "0", ours.Str); err != nil || r.Str != "OK" {
			t.Fatalf("Redis RESTORE of redmod's %s: %v %s", k, err, r)
		}
		a, _ := p.Ours.Do("ZRANGE", k+":fromredis", "0", "-1", "WITHSCORES")
		b, _ := p.Ref.Do("ZRANGE", k+":fromredmod", "0", "-1", "WITHSCORES")
		c, _ := p.Ref.Do("ZRANGE", k, "0", "-1", "WITHSCORES")
		if a.Raw != c.Raw || b.Raw != c.Raw {
			t.Fatalf("%s changed on the way:\n redmod: %s\n  redis: %s\n  orig: %s", k, a, b, c)
		}
		e1, _ := p.Ours.Do("OBJECT", "ENCODING", k+":fromredis")
		e2, _ := p.Ref.Do("OBJECT", "ENCODING", k)
		if e1.Raw != e2.Raw {
			t.Errorf("%s: encoding %s after RESTORE, Redis has %s", k, e1, e2)
		}
	}
}

// TestEncodingSettings checks OBJECT ENCODING against Redis as the listpack
// limits change under both of their names.
func TestEncodingSettings(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	p.CheckUnordered("CONFIG", "GET", "zset-max-*")
	p.Check("CONFIG", "SET", "zset-max-ziplist-entries", "4")
	p.Check("CONFIG", "GET", "zset-max-listpack-entries")
	p.Check("CONFIG", "SET", "zset-max-listpack-value", "8")
	p.Check("CONFIG", "GET", "zset-max-ziplist-value")
	p.Check("CONFIG", "SET", "zset-max-listpack-entries", "x")
	p.Check("CONFIG", "SET", "zset-max-listpack-entries", "-1")
	p.Check("CONFIG", "SET", "zset-max-listpack-value", "x")
	p.Check("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
	p.Check("OBJECT", "ENCODING", "z")
	p.Check("ZADD", "z", "5", "e")
	p.Check("OBJECT", "ENCODING", "z")
	p.Check("ZADD", "long", "1", "123456789")
	p.Check("OBJECT", "ENCODING", "long")
	p.Check("ZADD", "five", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
	p.Check("OBJECT", "ENCODING", "five")
	p.Check("ZREM", "z", "e", "d")
	p.Check("OBJECT", "ENCODING", "z")
	p.Check("ZUNIONSTORE", "u", "1", "z")
	p.Check("OBJECT", "ENCODING", "u")
	p.Check("ZRANGESTORE", "r", "five", "0", "1")
	p.Check("OBJECT", "ENCODING", "r")
	p.Check("CONFIG", "SET", "zset-max-ziplist-entries", "0")
	p.Check("ZADD", "zero", "1", "a")
	p.Check("OBJECT", "ENCODING", "zero")
	p.Check("CONFIG", "SET", "zset-max-ziplist-entries", "128", "zset-max-ziplist-value", "64")
}

// TestSetOpsReadSets checks that the ZUNION family reads sets as sorted
// sets whose members score 1, as Redis does.
func TestSetOpsReadSets(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	p.Check("SADD", "s", "a", "b", "c")
	p.Check("SADD", "n", "1", "2", "3")
	p.Check("ZADD", "z", "2", "b", "3", "c", "4", "d", "5", "1")
	p.Check("ZUNION", "3", "s", "z", "n", "WITHSCORES")
	p.Check("ZINTER", "2", "s", "z", "WEIGHTS", "2", "3", "WITHSCORES")
	p.Check("ZDIFF", "2", "s", "z", "WITHSCORES")
	p.Check("ZDIFF", "2", "z", "s", "WITHSCORES")
	p.Check("ZINTERCARD", "2", "n", "z")
	p.Check("ZUNIONSTORE", "d", "2", "s", "n", "AGGREGATE", "MAX")
	p.Check("ZRANGE", "d", "0", "-1", "WITHSCORES")
	p.Check("OBJECT", "ENCODING", "d")
	p.Check("TYPE", "s")
}
