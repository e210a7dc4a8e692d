package streams_test

import (
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

// TestRandomDifferential sends seeded random sequences of stream and
// consumer-group commands to redmod and to Redis, with explicit IDs so that
// the replies can be compared (valid and invalid IDs, trimming exact and
// approximate with small blocks, deletions, groups, reads, claims, acks).
// REDMOD_SEED replays a seed; REDMOD_RANDOM_STEPS lengthens a run;
// REDMOD_CHECK_ALL compares XINFO STREAM and the PEL after every step
// rather than every 50th, to find where a run first diverges.
func TestRandomDifferential(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	seed := time.Now().UnixNano()
	if s := os.Getenv("REDMOD_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	steps := 3000
	if s := os.Getenv("REDMOD_RANDOM_STEPS"); s != "" {
		steps, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (replay with REDMOD_SEED=%d), %d steps", seed, seed, steps)
	r := rand.New(rand.NewSource(seed))
	p.Check("CONFIG", "SET", "stream-node-max-entries", "7")
	defer p.Do("CONFIG", "SET", "stream-node-max-entries", "100")
	keys := []string{"s1", "s2"}
	groups := []string{"g1", "g2"}
	consumers := []string{"alice", "bob", "carol"}
	ms := map[string]int{}
	key := func() string { return keys[r.Intn(len(keys))] }
	id := func(k string) string {
		switch r.Intn(10) {
		case 0:
			return strconv.Itoa(r.Intn(ms[k] + 2))
		case 1:
			return strconv.Itoa(r.Intn(ms[k]+2)) + "-" + strconv.Itoa(r.Intn(4))
		case 2:
			return []string{"-", "+", "0", "0-0", "bad", "18446744073709551615-18446744073709551615"}[r.Intn(6)]
		}
		return strconv.Itoa(r.Intn(ms[k]+2)) + "-" + strconv.Itoa(r.Intn(3))
	}
	bound := func(k string) string {
		if r.Intn(5) == 0 {
			return "(" + id(k)
		}
		return id(k)
	}
	fields := func() []string {
		n := 1 + r.Intn(2)
		var f []string
		for i := 0; i < n; i++ {
			f = append(f, []string{"a", "b", "f"}[r.Intn(3)], strconv.Itoa(r.Intn(1000)))
		}
		return f
	}
	for step := 0; step < steps; step++ {
		k := key()
		g := groups[r.Intn(len(groups))]
		c := consumers[r.Intn(len(consumers))]
		var cmd []string
		switch r.Intn(20) {
		case 0, 1, 2, 3:
			ms[k] += r.Intn(3)
			newID := strconv.Itoa(ms[k]) + "-" + strconv.Itoa(r.Intn(3))
			if r.Intn(4) == 0 {
				newID = strconv.Itoa(ms[k]) + "-*"
			}
			cmd = []string{"XADD", k}
			if r.Intn(5) == 0 {
				cmd = append(cmd, "NOMKSTREAM")
			}
			switch r.Intn(8) {
			case 0:
				cmd = append(cmd, "MAXLEN", []string{"=", "~"}[r.Intn(2)], strconv.Itoa(r.Intn(30)))
			case 1:
				cmd = append(cmd, "MINID", "~", id(k), "LIMIT", strconv.Itoa(r.Intn(20)))
			}
			cmd = append(cmd, newID)
			cmd = append(cmd, fields()...)
		case 4:
			cmd = []string{"XDEL", k, id(k), id(k)}
		case 5:
			if r.Intn(2) == 0 {
				cmd = []string{"XTRIM", k, "MAXLEN", []string{"=", "~"}[r.Intn(2)], strconv.Itoa(r.Intn(40))}
			} else {
				cmd = []string{"XTRIM", k, "MINID", []string{"=", "~"}[r.Intn(2)], id(k)}
			}
		case 6:
			cmd = []string{"XRANGE", k, bound(k), bound(k)}
			if r.Intn(2) == 0 {
				cmd = append(cmd, "COUNT", strconv.Itoa(r.Intn(5)))
			}
		case 7:
			cmd = []string{"XREVRANGE", k, bound(k), bound(k), "COUNT", strconv.Itoa(r.Intn(6))}
		case 8:
			cmd = []string{"XREAD", "COUNT", strconv.Itoa(1 + r.Intn(4)), "STREAMS", "s1", "s2", id("s1"), id("s2")}
		case 9:
			cmd = []string{"XGROUP", "CREATE", k, g, []string{"$", "0", id(k)}[r.Intn(3)]}
			if r.Intn(3) == 0 {
				cmd = append(cmd, "MKSTREAM")
			}
			if r.Intn(4) == 0 {
				cmd = append(cmd, "ENTRIESREAD", strconv.Itoa(r.Intn(10)-1))
			}
		case 10:
			switch r.Intn(4) {
			case 0:
				cmd = []string{"XGROUP", "SETID", k, g, []string{"$", "0", id(k)}[r.Intn(3)]}
			case 1:
				cmd = []string{"XGROUP", "DESTROY", k, g}
			case 2:
				cmd = []string{"XGROUP", "CREATECONSUMER", k, g, c}
			default:
				cmd = []string{"XGROUP", "DELCONSUMER", k, g, c}
			}
		case 11, 12, 13:
			cmd = []string{"XREADGROUP", "GROUP", g, c, "COUNT", strconv.Itoa(1 + r.Intn(3))}
			if r.Intn(6) == 0 {
				cmd = append(cmd, "NOACK")
			}
			last := ">"
			if r.Intn(4) == 0 {
				last = id(k)
			}
			cmd = append(cmd, "STREAMS", k, last)
		case 14:
			cmd = []string{"XACK", k, g, id(k), id(k)}
		case 15:
			cmd = []string{"XCLAIM", k, g, c, "0", id(k), id(k)}
			switch r.Intn(4) {
			case 0:
				cmd = append(cmd, "JUSTID")
			case 1:
				cmd = append(cmd, "RETRYCOUNT", strconv.Itoa(r.Intn(5)))
			case 2:
				cmd = append(cmd, "FORCE")
			}
		case 16:
			cmd = []string{"XAUTOCLAIM", k, g, c, "0", id(k), "COUNT", strconv.Itoa(1 + r.Intn(3))}
			if r.Intn(2) == 0 {
				cmd = append(cmd, "JUSTID")
			}
		case 17:
			cmd = []string{"XPENDING", k, g}
		case 18:
			cmd = []string{"XINFO", "GROUPS", k}
		default:
			cmd = []string{"XSETID", k, id(k)}
			if r.Intn(3) == 0 {
				cmd = append(cmd, "ENTRIESADDED", strconv.Itoa(r.Intn(50)))
			}
		}
		p.Check(cmd...)
		if t.Failed() {
			t.Fatalf("step %d of seed %d", step, seed)
		}
		if step%50 == 0 || os.Getenv("REDMOD_CHECK_ALL") != "" {
			checkInfo(t, p, "XINFO", "STREAM", k)
			checkPending(t, p, "XPENDING", k, g, "-", "+", "100")
		}
	}
}
