package host_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/modules/admin"
	"github.com/redmod/redmod/modules/keys"
	rstrings "github.com/redmod/redmod/modules/strings"
	"github.com/redmod/redmod/redmodtest"
	"github.com/redmod/redmod/registry"
)

// readAll reads what the server sends until it closes the connection or
// stays silent for a while, and reports whether it closed.
func readAll(t *testing.T, c net.Conn, wait time.Duration) (string, bool) {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		c.SetReadDeadline(time.Now().Add(wait))
		n, err := c.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return b.String(), false
			}
			return b.String(), true
		}
	}
}

func dialRaw(t *testing.T, network, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Requests that crash or hang a naive RESP reader: the server answers them
// as Redis does, closes that connection, and keeps serving everyone else.
func TestHostileRequestsDoNotHurtOthers(t *testing.T) {
	srv := redmodtest.Run(t)
	other := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer other.Close()
	ctx := context.Background()
	if err := other.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	ref := ""
	if _, err := exec.LookPath("redis-server"); err == nil {
		ref = difftest.Redis(t)
	}
	cases := []struct{ in, want string }{
		{"*1\r\n$9223372036854775807\r\nabc", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*9223372036854775807\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\n+PING\r\n", "-ERR Protocol error: expected '$', got '+'\r\n"},
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
	}
	for _, tc := range cases {
		c := dialRaw(t, "tcp", srv.Addr())
		if _, err := io.WriteString(c, tc.in); err != nil {
			t.Fatal(err)
		}
		got, closed := readAll(t, c, 2*time.Second)
		if got != tc.want || !closed {
			t.Errorf("%q: got %q (closed %v), want %q and a close", tc.in, got, closed, tc.want)
		}
		if ref != "" {
			rc := dialRaw(t, "unix", ref)
			io.WriteString(rc, tc.in)
			rgot, rclosed := readAll(t, rc, 2*time.Second)
			if rgot != got || rclosed != closed {
				t.Errorf("%q: redis answers %q (closed %v), redmod %q (closed %v)", tc.in, rgot, rclosed, got, closed)
			}
		}
		if v, err := other.Get(ctx, "k").Result(); v != "v" || err != nil {
			t.Fatalf("after %q another client got %q, %v", tc.in, v, err)
		}
	}
	// Many hostile connections at once.
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				return
			}
			defer c.Close()
			io.WriteString(c, cases[i%len(cases)].in)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			io.ReadAll(c)
		}(i)
	}
	wg.Wait()
	if err := other.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
}

// boom is a module whose commands panic, to show that a bug in one command
// costs only that call.
type boom struct{}

func (boom) Name() string { return "boom" }

func (boom) Commands() []core.Command {
	return []core.Command{
		core.NewCommand(core.Spec{
			Name: "boom", Arity: -2, Flags: core.FlagWrite, FirstKey: 1, LastKey: -1, Step: 1,
			Summary: "Panics after changing its keys and starting a reply.",
		}, func(c *core.Ctx) error {
			for _, k := range c.Args[1:] {
				c.DB.Set(k, core.NewString([]byte("half-done")))
			}
			c.WriteArray(3)
			c.WriteBulkString("partial")
			panic("boom")
		}),
		core.NewCommand(core.Spec{
			Name: "boomall", Arity: 1, Flags: core.FlagWrite | core.FlagKeyspace,
			Summary: "Panics with every key locked.",
		}, func(c *core.Ctx) error {
			var m map[string]int
			m["x"]++ // a runtime error rather than a plain panic
			return nil
		}),
	}
}

func TestPanickingCommandCostsOnlyItsCall(t *testing.T) {
	reg := registry.New()
	for _, m := range []core.Module{admin.Module{}, rstrings.Module{}, keys.Module{}, boom{}} {
		if err := reg.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	cfg := host.DefaultConfig()
	cfg.Port = 0
	cfg.DBFilename = ""
	cfg.LogLevel = "error"
	cfg.Logger = hclog.NewNullLogger()
	srv, err := host.New(cfg, reg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	c, err := resp.Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 3; i++ {
		r, err := c.Do("BOOM", "k1", "k2")
		if err != nil {
			t.Fatal(err)
		}
		if r.Raw != "-ERR internal error in 'boom' command\r\n" {
			t.Fatalf("panic answered %q", r.Raw)
		}
		// The same connection goes on, and the keys the command held are
		// free at once.
		for _, cmd := range [][]string{{"SET", "k1", "v"}, {"GET", "k1"}, {"DEL", "k2"}, {"PING"}} {
			if r, err := c.Do(cmd...); err != nil || r.Kind == '-' {
				t.Fatalf("%q after a panic: %v %v", cmd, r, err)
			}
		}
		r, _ = c.Do("BOOMALL")
		if r.Raw != "-ERR internal error in 'boomall' command\r\n" {
			t.Fatalf("panic answered %q", r.Raw)
		}
		if r, _ := c.Do("KEYS", "*"); r.Kind != '*' {
			t.Fatalf("KEYS after a panic with every key locked: %v", r)
		}
	}
	if r, _ := c.Do("INFO", "errorstats"); !strings.Contains(r.Str, "errorstat_ERR:count=6\r\n") {
		t.Errorf("errorstats after 6 panics:\n%s", r.Str)
	}
	// Other clients too.
	rdb := redis.NewClient(&redis.Options{Addr: ln.Addr().String()})
	defer rdb.Close()
	if v := rdb.Get(context.Background(), "k1").Val(); v != "v" {
		t.Fatalf("GET k1 = %q", v)
	}
}

// Unknown commands and wrong arities are answered exactly as Redis does,
// for every one of the original commands.
func TestDiffUnknownCommandAndArity(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	long := strings.Repeat("x", 200)
	for _, args := range [][]string{
		{"FOOBAR"}, {"foobar", "abc", "def"}, {"FooBar", ""}, {long}, {"x", long}, {"x", long, "y"},
		{"x", strings.Repeat("a", 120), "bcdefgh", "ijk"}, {"x", "a\r\nb", "c\nd"}, {"x\r\ny"},
		{"x", "a\x00b", "c"}, {"\x00x", "a"}, {"x", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30"},
		{"GETT", "k"}, {""}, {"", ""}, {"\xff\xfe", "\xc3\xa9"}, {"CONFIG2", "GET"},
	} {
		p.Check(args...)
	}
	arity := map[string]int{
		"ping": -1, "echo": 2, "set": -3, "get": 2, "del": -2, "exists": -2, "expire": -3, "ttl": 2,
		"incr": 2, "decr": 2, "lpush": -3, "rpush": -3, "lpop": -2, "rpop": -2, "llen": 2,
		"lrange": 4, "hset": -4, "hget": 3, "hgetall": 2, "hdel": -3, "keys": 2, "dbsize": 1,
		"flushall": -1, "save": 1, "info": -1,
	}
	for name, a := range arity {
		for _, n := range []int{1, 2, 3, 4, 5, 6} {
			ok := a > 0 && n == a || a < 0 && n >= -a
			if ok {
				continue // the right arity is exercised elsewhere
			}
			args := []string{name}
			for len(args) < n {
				args = append(args, "nokey")
			}
			for _, form := range []string{name, strings.ToUpper(name)} {
				args[0] = form
				p.Check(args...)
			}
		}
	}
	// Commands whose extra arguments Redis checks itself.
	for _, args := range [][]string{
		{"PING", "a", "b"}, {"HSET", "h", "f"}, {"HSET", "h", "f", "v", "g"}, {"LPOP", "l", "1", "2"},
		{"RPOP", "l", "1", "2"}, {"FLUSHALL", "ASYNC", "SYNC"}, {"FLUSHALL", "x"}, {"SET", "k", "v", "EX"},
	} {
		p.Check(args...)
	}
}

// Commands run in parallel; each is atomic, so concurrent INCRs add up.
func TestConcurrentIncrementsAddUp(t *testing.T) {
	srv := redmodtest.Run(t)
	ctx := context.Background()
	const clients, per = 16, 250
	var wg sync.WaitGroup
	errc := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
			defer rdb.Close()
			own := "own:" + strconv.Itoa(i)
			for j := 0; j < per; j++ {
				if err := rdb.Incr(ctx, "shared").Err(); err != nil {
					errc <- err
					return
				}
				if err := rdb.Decr(ctx, own).Err(); err != nil {
					errc <- err
					return
				}
				if j%10 == 0 {
					rdb.RPush(ctx, "list", "x")
					rdb.HSet(ctx, "hash", own, j)
					rdb.Keys(ctx, "own:*")
					rdb.DBSize(ctx)
				}
			}
		}(i)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	if v := rdb.Get(ctx, "shared").Val(); v != strconv.Itoa(clients*per) {
		t.Errorf("shared = %s, want %d", v, clients*per)
	}
	for i := 0; i < clients; i++ {
		if v := rdb.Get(ctx, "own:"+strconv.Itoa(i)).Val(); v != strconv.Itoa(-per) {
			t.Errorf("own:%d = %s", i, v)
		}
	}
	if n := rdb.LLen(ctx, "list").Val(); n != clients*per/10 {
		t.Errorf("list has %d elements, want %d", n, clients*per/10)
	}
	if n := len(rdb.HGetAll(ctx, "hash").Val()); n != clients {
		t.Errorf("hash has %d fields, want %d", n, clients)
	}
}
