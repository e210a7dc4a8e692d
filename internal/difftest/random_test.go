package difftest_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// The random differential test sends seeded random sequences of the
// original 25 commands to redmod and to a real Redis and requires the same
// replies. Alphabets are small so that keys collide, types clash and counters
// hit their limits; arguments are valid and invalid alike. REDMOD_SEED
// replays a seed, REDMOD_RANDOM_STEPS changes the length of a run.

var (
	rndKeys   = []string{"a", "b", "c", "k:1", "k:2", "\x00bin\xff", "big"}
	rndFields = []string{"f", "g", "h", "1", "", "\xfe"}
	rndValues = []string{
		"", "v", "abc", "0", "1", "-1", "10", "42", "01", "+1", " 1", "1.5", "1e3", "0x10",
		"9223372036854775807", "9223372036854775806", "-9223372036854775808", "-9223372036854775807",
		"9223372036854775808", "-9223372036854775809", "99999999999999999999", "\x00\r\n", "é",
	}
	rndInts = []string{
		"0", "1", "-1", "2", "3", "-2", "-3", "5", "100", "-100", "abc", "", "1.5", "+1", "01", " 1",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
		"4611686018427387904", "-4611686018427387904",
	}
	// Relative expiry times in seconds: large, so no key expires during a
	// run, with gaps so two servers never order them differently. Zero,
	// negative and overflowing values exercise the error and delete paths.
	rndSeconds = []string{
		"1000", "2000", "5000", "100000", "0", "-1", "-100", "abc", "1.5", "",
		"9223372036854775807", "-9223372036854775808", "9223372036854775", "9223372036854776", "92233720368547758",
	}
	rndMillis = []string{
		"3000000", "7000000", "0", "-1", "abc", "9223372036854775807", "9223372036854775000",
	}
	rndPatterns = []string{"*", "?", "k:*", "[ab]", "[^a]*", "*b*", "\\*", "k:[1-2]", "[", "\x00*", "*\xff", "big", "{a,b}"}
	rndCommands = []string{
		"PING", "ECHO", "SET", "GET", "DEL", "EXISTS", "EXPIRE", "TTL", "INCR", "DECR",
		"LPUSH", "RPUSH", "LPOP", "RPOP", "LLEN", "LRANGE", "HSET", "HGET", "HGETALL", "HDEL",
		"KEYS", "DBSIZE", "FLUSHALL", "SAVE", "INFO",
	}
)

// generator produces random commands and remembers what it needs to keep
// the sequence deterministic on both servers.
type generator struct {
	r *rand.Rand
	// absBase is a unix time in seconds well in the future, for EXAT/PXAT
	// values that both servers see alike.
	absBase int64
	// relExpire records, per database and key, the relative expiry last
	// given in milliseconds, so that EXPIRE GT/LT never compares two equal
	// relative times (whose order depends on the millisecond they ran in).
	relExpire map[string]int64
	db        int
	// queue holds commands to send before generating new ones.
	queue [][]string
}

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

// casing returns s in random letter case: commands and options are
// case-insensitive.
func (g *generator) casing(s string) string {
	switch g.r.IntN(4) {
	case 0:
		return strings.ToLower(s)
	case 1:
		b := []byte(s)
		for i := range b {
			if g.r.IntN(2) == 0 {
				b[i] = byte(strings.ToLower(string(b[i]))[0])
			}
		}
		return string(b)
	}
	return s
}

func (g *generator) key() string {
	if g.r.IntN(40) == 0 {
		return "nokey"
	}
	return g.pick(rndKeys)
}

func (g *generator) value() string {
	if g.r.IntN(30) == 0 {
		return strings.Repeat("x", 65)
	}
	return g.pick(rndValues)
}

// hashValue is a value for HSET: values longer than 64 bytes turn a small
// hash into a hash table, whose order Redis does not define, so only the
// key "big" gets them and HGETALL of it is compared unordered.
func (g *generator) hashValue(key string) string {
	if key == "big" && g.r.IntN(10) == 0 {
		return strings.Repeat("y", 65)
	}
	return g.pick(rndValues)
}

func (g *generator) keys(max int) []string {
	n := 1 + g.r.IntN(max)
	out := make([]string, n)
	for i := range out {
		out[i] = g.key()
	}
	return out
}

func (g *generator) slotKey(key string) string { return strconv.Itoa(g.db) + "/" + key }

// setOptions builds the options of SET: mostly valid combinations, sometimes
// conflicting, repeated, incomplete or unknown ones.
func (g *generator) setOptions(key string) []string {
	var out []string
	n := g.r.IntN(4)
	for i := 0; i < n; i++ {
		switch g.r.IntN(14) {
		case 0, 1:
			out = append(out, g.casing("NX"))
		case 2, 3:
			out = append(out, g.casing("XX"))
		case 4, 5:
			out = append(out, g.casing("GET"))
		case 6:
			out = append(out, g.casing("KEEPTTL"))
		case 7, 8:
			s := g.pick(rndSeconds)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1e9 {
				g.relExpire[g.slotKey(key)] = n * 1000
			}
			out = append(out, g.casing("EX"), s)
		case 9:
			s := g.pick(rndMillis)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1e12 {
				g.relExpire[g.slotKey(key)] = n
			}
			out = append(out, g.casing("PX"), s)
		case 10:
			// EXAT: future absolute times, one in the past, invalid ones.
			vals := []string{strconv.FormatInt(g.absBase, 10), strconv.FormatInt(g.absBase+777, 10), "1", "0", "-5", "x"}
			v := g.pick(vals)
			out = append(out, g.casing("EXAT"), v)
			if v == "1" {
				g.touchLater(key)
			}
		case 11:
			vals := []string{strconv.FormatInt(g.absBase*1000+1234, 10), "1", "0", "9223372036854775807"}
			v := g.pick(vals)
			out = append(out, g.casing("PXAT"), v)
			if v == "1" {
				g.touchLater(key)
			}
		case 12:
			out = append(out, g.pick([]string{"EX", "PX", "FOO", "PERSIST", "EXAT"})) // incomplete or unknown
		case 13:
			out = append(out, g.pick([]string{"NX", "XX", "KEEPTTL"}))
		}
	}
	return out
}

// touchLater queues an EXISTS of a key that a SET with a time in the past
// leaves expired but present: both servers then remove it at once, rather
// than in their active cycles at moments that differ.
func (g *generator) touchLater(key string) {
	g.queue = append(g.queue, []string{"EXISTS", key})
}

// expire builds EXPIRE key seconds [options].
func (g *generator) expire() []string {
	key := g.key()
	args := []string{g.casing("EXPIRE"), key}
	var opts []string
	for i := g.r.IntN(3); i > 0; i-- {
		opts = append(opts, g.casing(g.pick([]string{"NX", "XX", "GT", "LT", "GT", "LT", "FOO"})))
	}
	compares := false
	for _, o := range opts {
		u := strings.ToUpper(o)
		compares = compares || u == "GT" || u == "LT"
	}
	var s string
	for tries := 0; ; tries++ {
		s = g.pick(rndSeconds)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n > 1e9 {
			break
		}
		if !compares || g.relExpire[g.slotKey(key)] != n*1000 || tries > 10 {
			g.relExpire[g.slotKey(key)] = n * 1000
			break
		}
	}
	return append(append(args, s), opts...)
}

// next returns the next command.
func (g *generator) next() []string {
	if len(g.queue) > 0 {
		c := g.queue[0]
		g.queue = g.queue[1:]
		return c
	}
	if g.r.IntN(60) == 0 {
		// Unknown commands and bad arities of known ones.
		switch g.r.IntN(3) {
		case 0:
			return []string{g.pick([]string{"FOOBAR", "gett", "LPUSHX2"}), g.key(), g.value()}
		case 1:
			return []string{g.casing(g.pick(rndCommands))}
		default:
			args := []string{g.casing(g.pick(rndCommands))}
			for i := g.r.IntN(6); i > 0; i-- {
				args = append(args, g.value())
			}
			return args
		}
	}
	name := g.pick(rndCommands)
	c := g.casing(name)
	switch name {
	case "PING":
		switch g.r.IntN(3) {
		case 0:
			return []string{c}
		case 1:
			return []string{c, g.value()}
		}
		return []string{c, "a", "b"}
	case "ECHO":
		return []string{c, g.value()}
	case "SET":
		key := g.key()
		if g.r.IntN(3) == 0 {
			delete(g.relExpire, g.slotKey(key))
		}
		return append([]string{c, key, g.value()}, g.setOptions(key)...)
	case "GET", "TTL", "INCR", "DECR", "LLEN", "HGETALL":
		return []string{c, g.key()}
	case "DEL", "EXISTS":
		return append([]string{c}, g.keys(4)...)
	case "EXPIRE":
		return g.expire()
	case "LPUSH", "RPUSH":
		args := []string{c, g.key()}
		n := 1 + g.r.IntN(4)
		if g.r.IntN(50) == 0 {
			n = 50 + g.r.IntN(200) // long lists for LRANGE and counted pops
		}
		for i := 0; i < n; i++ {
			args = append(args, g.value())
		}
		return args
	case "LPOP", "RPOP":
		switch g.r.IntN(4) {
		case 0, 1:
			return []string{c, g.key()}
		case 2:
			return []string{c, g.key(), g.pick(rndInts)}
		}
		return []string{c, g.key(), "1", "2"}
	case "LRANGE":
		return []string{c, g.key(), g.pick(rndInts), g.pick(rndInts)}
	case "HSET":
		key := g.key()
		args := []string{c, key}
		n := 1 + g.r.IntN(3)
		for i := 0; i < n; i++ {
			args = append(args, g.pick(rndFields), g.hashValue(key))
		}
		if key == "big" && g.r.IntN(10) == 0 {
			// Hundreds of fields: past 512 the hash becomes a hash table.
			for i := 100 + g.r.IntN(300); i > 0; i-- {
				args = append(args, "f"+strconv.Itoa(g.r.IntN(700)), g.pick(rndValues))
			}
		}
		if g.r.IntN(8) == 0 {
			args = args[:len(args)-1] // a field without a value
		}
		return args
	case "HGET":
		return []string{c, g.key(), g.pick(rndFields)}
	case "HDEL":
		args := []string{c, g.key()}
		if args[1] == "big" && g.r.IntN(5) == 0 {
			for i := 50 + g.r.IntN(200); i > 0; i-- {
				args = append(args, "f"+strconv.Itoa(g.r.IntN(700)))
			}
		}
		for i := 1 + g.r.IntN(3); i > 0; i-- {
			args = append(args, g.pick(rndFields))
		}
		return args
	case "KEYS":
		return []string{c, g.pick(rndPatterns)}
	case "DBSIZE":
		return []string{c}
	case "FLUSHALL":
		if g.r.IntN(4) != 0 {
			return []string{"DBSIZE"} // keep state long-lived most of the time
		}
		g.relExpire = map[string]int64{}
		return append([]string{c}, []string{"", "ASYNC", "sync", "FOO", "ASYNC SYNC"}[g.r.IntN(5)]) // "" is an argument too
	case "SAVE":
		if g.r.IntN(10) != 0 {
			return []string{"PING"}
		}
		if g.r.IntN(4) == 0 {
			return []string{c, "now"}
		}
		return []string{c}
	case "INFO":
		return []string{c, g.pick([]string{"keyspace", "KEYSPACE", "nosuchsection"})}
	}
	panic("unreachable " + name)
}

var avgTTL = regexp.MustCompile(`avg_ttl=\d+`)

// equivalent compares two replies to the same command, allowing only what
// Redis itself leaves undefined or what depends on the moment each server
// ran the command.
func equivalent(args []string, ours, ref resp.Reply) bool {
	if ours.Raw == ref.Raw {
		return true
	}
	name := strings.ToUpper(args[0])
	switch {
	case name == "KEYS":
		return ours.Sorted().Raw == ref.Sorted().Raw
	case name == "HGETALL" && len(args) == 2 && args[1] == "big":
		// The only key that gets values longer than 64 bytes, which turn
		// the hash into a hash table whose order Redis does not define.
		return ours.Sorted().Raw == ref.Sorted().Raw
	case name == "TTL" && ours.Kind == ':' && ref.Kind == ':':
		// Rounding to seconds may differ when the two servers ran the
		// command on either side of a half second.
		a, _ := strconv.ParseInt(ours.Str, 10, 64)
		b, _ := strconv.ParseInt(ref.Str, 10, 64)
		return a > 0 && b > 0 && (a-b == 1 || b-a == 1)
	case name == "INFO" && len(args) == 2 && strings.EqualFold(args[1], "keyspace"):
		// avg_ttl is an estimate Redis updates as it samples keys.
		return avgTTL.ReplaceAllString(ours.Str, "") == avgTTL.ReplaceAllString(ref.Str, "")
	case name == "INFO":
		// Server statistics differ by nature; the reply must be a string.
		return ours.Kind == ref.Kind
	}
	return false
}

func TestRandomCommands(t *testing.T) {
	steps := 20000
	if testing.Short() {
		steps = 3000
	}
	runRandom(t, os.Getenv("REDMOD_RESP3") != "", steps)
}

// TestRandomCommandsRESP3 runs shorter sequences on connections that
// switched to RESP3 with HELLO 3.
func TestRandomCommandsRESP3(t *testing.T) {
	runRandom(t, true, 4000)
}

func runRandom(t *testing.T, resp3 bool, steps int) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) {
		c.Dir = t.TempDir()
		c.DBFilename = "dump.rdb"
	}))
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REDMOD_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("REDMOD_SEED: %v", err)
		}
	}
	if s := os.Getenv("REDMOD_RANDOM_STEPS"); s != "" {
		steps, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (replay with REDMOD_SEED=%d), %d commands, RESP3 %v", seed, seed, steps, resp3)
	g := &generator{
		r:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		absBase:   time.Now().Unix() + 50000,
		relExpire: map[string]int64{},
	}
	p := difftest.NewPair(t, srv.Addr(), ref)
	if resp3 {
		p.Do("HELLO", "3") // the server descriptions differ; the protocol switch is what matters
	}
	var history []string
	compared := 0
	for i := 0; i < steps; i++ {
		args := g.next()
		if strings.EqualFold(args[0], "FLUSHALL") && len(args) == 2 && args[1] == "" {
			args = args[:1]
		}
		ours, theirs := p.Do(args...)
		compared++
		history = append(history, fmt.Sprintf("%d db%d %q", i, g.db, args))
		if len(history) > 30 {
			history = history[1:]
		}
		if !equivalent(args, ours, theirs) {
			t.Fatalf("seed %d, command %d %q:\n redmod: %s\n  redis: %s\nlast commands:\n%s",
				seed, i, args, ours, theirs, strings.Join(history, "\n"))
		}
		// Switch databases now and then so several are in use (not while
		// a queued command must reach a key of this database).
		if len(g.queue) == 0 && g.r.IntN(200) == 0 {
			g.db = g.r.IntN(3)
			p.Check("SELECT", strconv.Itoa(g.db))
		}
	}
	// The final state must match too, in every database used.
	for db := 0; db < 3; db++ {
		p.Check("SELECT", strconv.Itoa(db))
		p.Check("DBSIZE")
		p.CheckUnordered("KEYS", "*")
		for _, k := range append(rndKeys, "nokey") {
			for _, cmd := range [][]string{{"GET", k}, {"LRANGE", k, "0", "-1"}, {"TTL", k}} {
				if ours, ref := p.Do(cmd...); !equivalent(cmd, ours, ref) {
					t.Errorf("final %q:\n redmod: %s\n  redis: %s", cmd, ours, ref)
				}
			}
			if k == "big" {
				p.CheckUnordered("HGETALL", k)
			} else {
				p.Check("HGETALL", k)
			}
		}
	}
	t.Logf("compared %d random commands", compared)
}
