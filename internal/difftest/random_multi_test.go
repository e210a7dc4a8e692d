package difftest_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// TestRandomTransactions sends seeded random transactions to redmod and to
// Redis: MULTI, random commands of the random test (valid and invalid,
// unknown commands and bad arities among them, which make EXEC abort),
// then EXEC or DISCARD; before MULTI the client sometimes WATCHes keys and
// another client sometimes writes (or only reads) some of them; in RESP2
// or RESP3, as the seed decides. Every
// reply, the EXEC arrays included, must be the same. REDMOD_SEED replays a
// run.
func TestRandomTransactions(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) {
		c.Dir = t.TempDir()
		c.DBFilename = "dump.rdb"
	}))
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REDMOD_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	rounds := 600
	if testing.Short() {
		rounds = 150
	}
	t.Logf("seed %d (replay with REDMOD_SEED=%d), %d transactions", seed, seed, rounds)
	g := &generator{
		r:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		absBase:   time.Now().Unix() + 50000,
		relExpire: map[string]int64{},
	}
	p := difftest.NewPair(t, srv.Addr(), ref)
	other := difftest.Connect(t, srv.Addr(), ref)
	if g.r.IntN(2) == 0 {
		p.Do("HELLO", "3") // the server descriptions differ; the replies after it are compared
		t.Log("RESP3")
	}

	var history []string
	var queued [][]string // the commands of the open transaction that were queued
	same := func(args []string, ours, theirs resp.Reply) bool {
		if equivalent(args, ours, theirs) {
			return true
		}
		// EXEC: element by element, with the rules for each queued command.
		if !strings.EqualFold(args[0], "EXEC") || ours.Kind != '*' || theirs.Kind != '*' ||
			len(ours.Elems) != len(theirs.Elems) || len(ours.Elems) != len(queued) {
			return false
		}
		for i := range queued {
			if !equivalent(queued[i], ours.Elems[i], theirs.Elems[i]) {
				return false
			}
		}
		return true
	}
	do := func(pp *difftest.Pair, who string, args ...string) resp.Reply {
		t.Helper()
		ours, theirs := pp.Do(args...)
		history = append(history, fmt.Sprintf("%s %q", who, args))
		if len(history) > 40 {
			history = history[1:]
		}
		if !same(args, ours, theirs) {
			t.Fatalf("seed %d: %s %q:\n redmod: %s\n  redis: %s\nlast commands:\n%s",
				seed, who, args, ours, theirs, strings.Join(history, "\n"))
		}
		return ours
	}
	outcomes := map[string]int{}
	for i := 0; i < rounds; i++ {
		if g.r.IntN(3) == 0 {
			keys := g.keys(3)
			do(p, "client", append([]string{"WATCH"}, keys...)...)
			switch g.r.IntN(3) {
			case 0:
				do(other, "other", g.next()...)
			case 1:
				// A command on a watched key: a write that may or may not
				// change it, or a read.
				k := keys[g.r.IntN(len(keys))]
				w := [][]string{{"SET", k, g.value()}, {"DEL", k}, {"EXPIRE", k, "1000"}, {"PERSIST", k},
					{"LPUSH", k, g.value()}, {"LPOP", k}, {"HSET", k, "f", g.value()}, {"HDEL", k, "f"},
					{"INCR", k}, {"GET", k}, {"LRANGE", k, "0", "-1"}, {"EXISTS", k}, {"SET", k, "v", "NX"}}
				do(other, "other", w[g.r.IntN(len(w))]...)
			}
		}
		do(p, "client", "MULTI")
		queued = queued[:0]
		for n := g.r.IntN(6); n > 0; n-- {
			args := g.next()
			if strings.EqualFold(args[0], "FLUSHALL") && len(args) == 2 && args[1] == "" {
				args = args[:1]
			}
			if r := do(p, "client", args...); r.Kind == '+' && r.Str == "QUEUED" {
				queued = append(queued, args)
			}
		}
		if g.r.IntN(10) == 0 {
			do(p, "client", "DISCARD")
			outcomes["discarded"]++
			continue
		}
		switch r := do(p, "client", "EXEC"); {
		case r.Null:
			outcomes["watch failed"]++
		case r.Kind == '-':
			outcomes["aborted"]++
		default:
			outcomes["ran"]++
		}
	}
	t.Logf("transactions: %v", outcomes)
	for _, k := range append(rndKeys, "nokey") {
		for _, cmd := range [][]string{{"GET", k}, {"LRANGE", k, "0", "-1"}, {"TTL", k}} {
			do(p, "final", cmd...)
		}
	}
}
