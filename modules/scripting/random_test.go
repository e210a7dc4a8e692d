package scripting_test

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

// TestRandomScripts sends seeded random scripts — commands called with
// call and pcall, on declared and undeclared keys, errors raised and caught,
// replies of every Lua type — to redmod and to Redis, in RESP2 and RESP3
// (with and without redis.setresp(3)), and requires identical replies.
// REDMOD_SEED replays a run; REDMOD_RANDOM_STEPS lengthens it.
func TestRandomScripts(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REDMOD_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	steps := 400
	if s := os.Getenv("REDMOD_RANDOM_STEPS"); s != "" {
		steps, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (replay with REDMOD_SEED=%d)", seed, seed)
	r := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	for _, proto := range []string{"2", "3"} {
		p := difftest.NewPair(t, srv.Addr(), ref)
		p.Do("HELLO", proto)
		for i := 0; i < steps; i++ {
			p.Check(randomScript(r)...)
		}
	}
}

var (
	scriptKeys   = []string{"KEYS[1]", "KEYS[2]", "'u1'", "'u2'", "'list'", "'hash'"}
	scriptValues = []string{"'v'", "'10'", "'-3'", "'1.5'", "'abc'", "7", "2.5", "-1", "''", "'9223372036854775807'"}
	scriptCalls  = []func(r *rand.Rand, k, v string) string{
		func(r *rand.Rand, k, v string) string { return "'set'," + k + "," + v },
		func(r *rand.Rand, k, v string) string { return "'get'," + k },
		func(r *rand.Rand, k, v string) string { return "'incr'," + k },
		func(r *rand.Rand, k, v string) string { return "'incrby'," + k + "," + v },
		func(r *rand.Rand, k, v string) string { return "'incrbyfloat'," + k + "," + v },
		func(r *rand.Rand, k, v string) string { return "'del'," + k },
		func(r *rand.Rand, k, v string) string { return "'exists'," + k },
		func(r *rand.Rand, k, v string) string { return "'rpush'," + k + "," + v + "," + v },
		func(r *rand.Rand, k, v string) string { return "'lrange'," + k + ",0,-1" },
		func(r *rand.Rand, k, v string) string { return "'lpop'," + k },
		func(r *rand.Rand, k, v string) string { return "'hset'," + k + ",'f'," + v },
		func(r *rand.Rand, k, v string) string { return "'hgetall'," + k },
		func(r *rand.Rand, k, v string) string { return "'hincrby'," + k + ",'f'," + v },
		func(r *rand.Rand, k, v string) string { return "'type'," + k },
		func(r *rand.Rand, k, v string) string { return "'mget'," + k + ",'u1','u2'" },
		func(r *rand.Rand, k, v string) string { return "'nosuchcmd'," + k },
		func(r *rand.Rand, k, v string) string { return "'get'," + k + "," + v },
		func(r *rand.Rand, k, v string) string { return "'ping'" },
		func(r *rand.Rand, k, v string) string { return "'echo'," + v },
	}
	scriptReturns = []string{
		"x", "{x}", "{x, x}", "type(x)", "{1, 2.9, -3.7, 'a', true, false}", "{1, nil, 3}",
		"{ok='fine'}", "{err='MY error'}", "redis.error_reply('oops')", "redis.status_reply('STATUS')",
		"{double=1.25}", "{map={a=1, b='c'}}", "{set={x=true}}", "nil", "true", "false", "3.99", "-0.5",
		"type(x) == 'table' and x.err or false", "type(x) == 'table' and x.ok or false",
		"type(x) ~= 'table' and tostring(x) or x", "{{1, {2, {3}}}, 'z'}",
	}
)

func randomScript(r *rand.Rand) []string {
	var b strings.Builder
	if r.IntN(5) == 0 {
		b.WriteString("redis.setresp(3) ")
	}
	n := 1 + r.IntN(3)
	for i := 0; i < n; i++ {
		k := scriptKeys[r.IntN(len(scriptKeys))]
		v := scriptValues[r.IntN(len(scriptValues))]
		call := scriptCalls[r.IntN(len(scriptCalls))](r, k, v)
		fn := "redis.pcall"
		if r.IntN(3) == 0 {
			fn = "redis.call"
		}
		if i == 0 {
			b.WriteString("local x = " + fn + "(" + call + ") ")
		} else {
			b.WriteString("x = " + fn + "(" + call + ") ")
		}
	}
	if r.IntN(8) == 0 {
		b.WriteString("error('boom') ")
	}
	b.WriteString("return " + scriptReturns[r.IntN(len(scriptReturns))])
	return []string{"EVAL", b.String(), "2", "k1", "k2"}
}
