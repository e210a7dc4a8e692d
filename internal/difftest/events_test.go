package difftest_test

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

// eventCommand builds one random command for the keyspace events test.
type eventCommand func(g *evGen) []string

type evGen struct{ r *rand.Rand }

func (g *evGen) pick(l ...string) string { return l[g.r.IntN(len(l))] }
func (g *evGen) key() string             { return g.pick("a", "b", "c") }
func (g *evGen) val() string             { return g.pick("1", "2", "x", "10", "") }
func (g *evGen) num() string             { return g.pick("0", "1", "-1", "2", "5") }

// eventCommands covers the write commands of every standard module, with
// arguments valid and invalid, on three keys so that types clash.
var eventCommands = []eventCommand{
	func(g *evGen) []string {
		return append([]string{"SET", g.key(), g.val()}, strings.Fields(g.pick("", "EX 100", "PX 100000", "KEEPTTL", "NX", "XX", "GET", "EX 100 GET"))...)
	},
	func(g *evGen) []string { return []string{"SETNX", g.key(), g.val()} },
	func(g *evGen) []string { return []string{"SETEX", g.key(), g.pick("100", "0"), g.val()} },
	func(g *evGen) []string { return []string{"PSETEX", g.key(), "100000", g.val()} },
	func(g *evGen) []string { return []string{"GETSET", g.key(), g.val()} },
	func(g *evGen) []string { return []string{"GETDEL", g.key()} },
	func(g *evGen) []string {
		return append([]string{"GETEX", g.key()}, strings.Fields(g.pick("", "EX 100", "PERSIST", "EXAT 1", "PXAT 100"))...)
	},
	func(g *evGen) []string { return []string{"MSET", g.key(), g.val(), g.key(), g.val()} },
	func(g *evGen) []string { return []string{"MSETNX", g.key(), g.val(), g.key(), g.val()} },
	func(g *evGen) []string { return []string{"APPEND", g.key(), g.val()} },
	func(g *evGen) []string { return []string{"SETRANGE", g.key(), g.num(), g.val()} },
	func(g *evGen) []string { return []string{g.pick("INCR", "DECR"), g.key()} },
	func(g *evGen) []string { return []string{g.pick("INCRBY", "DECRBY", "INCRBYFLOAT"), g.key(), g.num()} },
	func(g *evGen) []string { return []string{"SETBIT", g.key(), g.num(), g.pick("0", "1")} },
	func(g *evGen) []string { return []string{"BITOP", g.pick("AND", "OR", "NOT"), g.key(), g.key()} },
	func(g *evGen) []string {
		return []string{"BITFIELD", g.key(), g.pick("SET", "INCRBY"), "u8", g.num(), g.num()}
	},
	func(g *evGen) []string { return []string{g.pick("DEL", "UNLINK"), g.key(), g.key()} },
	func(g *evGen) []string {
		return []string{g.pick("EXPIRE", "PEXPIRE"), g.key(), g.pick("100000", "-1", "0")}
	},
	func(g *evGen) []string {
		return []string{g.pick("EXPIREAT", "PEXPIREAT"), g.key(), g.pick("1", "99999999999")}
	},
	func(g *evGen) []string { return []string{"EXPIRE", g.key(), "100000", g.pick("NX", "XX", "GT", "LT")} },
	func(g *evGen) []string { return []string{"PERSIST", g.key()} },
	func(g *evGen) []string { return []string{g.pick("RENAME", "RENAMENX"), g.key(), g.key()} },
	func(g *evGen) []string {
		return append([]string{"COPY", g.key(), g.key()}, strings.Fields(g.pick("", "REPLACE", "DB 1", "DB 1 REPLACE"))...)
	},
	func(g *evGen) []string { return []string{"MOVE", g.key(), "1"} },
	func(g *evGen) []string {
		return []string{g.pick("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"), g.key(), g.val(), g.val()}
	},
	func(g *evGen) []string {
		return append([]string{g.pick("LPOP", "RPOP"), g.key()}, g.pick("", "0", "1", "3"))
	},
	func(g *evGen) []string {
		return []string{"LINSERT", g.key(), g.pick("BEFORE", "AFTER"), g.val(), g.val()}
	},
	func(g *evGen) []string { return []string{"LSET", g.key(), g.num(), g.val()} },
	func(g *evGen) []string { return []string{"LREM", g.key(), g.num(), g.val()} },
	func(g *evGen) []string { return []string{"LTRIM", g.key(), g.num(), g.num()} },
	func(g *evGen) []string {
		return []string{"LMOVE", g.key(), g.key(), g.pick("LEFT", "RIGHT"), g.pick("LEFT", "RIGHT")}
	},
	func(g *evGen) []string { return []string{"RPOPLPUSH", g.key(), g.key()} },
	func(g *evGen) []string {
		return []string{"LMPOP", "2", g.key(), g.key(), g.pick("LEFT", "RIGHT"), "COUNT", "2"}
	},
	func(g *evGen) []string { return []string{"BLPOP", g.key(), g.key(), "0.01"} },
	func(g *evGen) []string { return []string{"SORT", g.key(), "ALPHA", "STORE", g.key()} },
	func(g *evGen) []string { return []string{g.pick("HSET", "HMSET"), g.key(), g.val(), g.val()} },
	func(g *evGen) []string { return []string{"HSETNX", g.key(), g.val(), g.val()} },
	func(g *evGen) []string { return []string{"HDEL", g.key(), g.val(), g.val()} },
	func(g *evGen) []string { return []string{g.pick("HINCRBY", "HINCRBYFLOAT"), g.key(), g.val(), g.num()} },
	func(g *evGen) []string { return []string{"SADD", g.key(), g.val(), g.val()} },
	func(g *evGen) []string { return []string{"SREM", g.key(), g.val(), g.val()} },
	func(g *evGen) []string { return []string{"SMOVE", g.key(), g.key(), g.val()} },
	func(g *evGen) []string { return []string{"SPOP", g.key(), "100"} },
	func(g *evGen) []string {
		return []string{g.pick("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), g.key(), g.key(), g.key()}
	},
	func(g *evGen) []string { return []string{"PFADD", g.key(), g.val()} },
	func(g *evGen) []string { return []string{"PFMERGE", g.key(), g.key()} },
	func(g *evGen) []string {
		return append(append([]string{"XADD", g.key()}, strings.Fields(g.pick("", "MAXLEN 1", "NOMKSTREAM"))...), "*", "f", g.val())
	},
	func(g *evGen) []string { return []string{"XTRIM", g.key(), "MAXLEN", g.pick("0", "1", "5")} },
	func(g *evGen) []string {
		return append([]string{"XGROUP", "CREATE", g.key(), "g", "$"}, g.pick("", "MKSTREAM"))
	},
	func(g *evGen) []string { return []string{"XGROUP", "DESTROY", g.key(), "g"} },
	func(g *evGen) []string {
		return []string{"XGROUP", g.pick("CREATECONSUMER", "DELCONSUMER"), g.key(), "g", g.pick("c1", "c2")}
	},
	func(g *evGen) []string {
		return []string{"XREADGROUP", "GROUP", "g", g.pick("c1", "c2"), "STREAMS", g.key(), ">"}
	},
	func(g *evGen) []string { return []string{"XSETID", g.key(), "99999999999999-0"} },
	func(g *evGen) []string {
		return []string{g.pick("ZADD", "ZINCRBY"), g.key(), g.num(), g.val()}
	},
	func(g *evGen) []string {
		return append([]string{"ZADD", g.key()}, strings.Fields(g.pick("NX 1 x", "XX 2 x", "GT CH 3 y", "INCR 1 z"))...)
	},
	func(g *evGen) []string { return []string{"ZREM", g.key(), g.val(), g.val()} },
	func(g *evGen) []string {
		return []string{g.pick("ZREMRANGEBYRANK", "ZREMRANGEBYSCORE"), g.key(), g.num(), g.num()}
	},
	func(g *evGen) []string { return []string{"ZREMRANGEBYLEX", g.key(), "-", "+"} },
	func(g *evGen) []string {
		return append([]string{g.pick("ZPOPMIN", "ZPOPMAX"), g.key()}, g.pick("", "0", "2"))
	},
	func(g *evGen) []string { return []string{"ZMPOP", "2", g.key(), g.key(), g.pick("MIN", "MAX")} },
	func(g *evGen) []string { return []string{"BZPOPMIN", g.key(), "0.01"} },
	func(g *evGen) []string {
		return []string{g.pick("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"), g.key(), "2", g.key(), g.key()}
	},
	func(g *evGen) []string { return []string{"ZRANGESTORE", g.key(), g.key(), "0", g.num()} },
	func(g *evGen) []string { return []string{"GET", g.key()} },
	func(g *evGen) []string { return []string{g.pick("FLUSHDB", "SWAPDB"), "0", "1"}[:1+g.r.IntN(1)] },
}

// TestRandomKeyspaceEvents sends random sequences of write commands of
// every module to redmod and Redis, both publishing every keyspace event
// (KEA), and requires the same events in the same order after each
// command. REDMOD_SEED replays a run; REDMOD_RANDOM_STEPS lengthens it.
func TestRandomKeyspaceEvents(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	e := difftest.NewEvents(t, srv.Addr(), ref, "KEA")
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REDMOD_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	steps := 600
	if s := os.Getenv("REDMOD_RANDOM_STEPS"); s != "" {
		steps, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (REDMOD_SEED=%d replays it)", seed, seed)
	g := &evGen{r: rand.New(rand.NewPCG(seed, seed))}
	events := 0
	for i := 0; i < steps && !t.Failed(); i++ {
		args := eventCommands[g.r.IntN(len(eventCommands))](g)
		events += e.Check(args...)
	}
	t.Logf("%d steps, %d events", steps, events)
}

// TestRandomKeyspaceEventsNew adds a class outside 'A': new keys (n).
func TestRandomKeyspaceEventsNew(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	e := difftest.NewEvents(t, srv.Addr(), ref, "KEAn")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := &evGen{r: rand.New(rand.NewPCG(seed, seed))}
	for i := 0; i < 300 && !t.Failed(); i++ {
		e.Check(eventCommands[g.r.IntN(len(eventCommands))](g)...)
	}
}
