package ratelimit_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	_ "example.com/ratelimit"
	"github.com/redmod/redmod/host"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

func connect(t *testing.T, srv *redmodtest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func ints(t *testing.T, cmd *redis.Cmd) []int64 {
	t.Helper()
	v, err := cmd.Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, x.(int64))
	}
	return out
}

// equal compares a reply of RL.TAKE or RL.PEEK with the expected one,
// allowing the two times to be up to 50 ms shorter: the clock runs between
// the calls of a test.
func equal(got, want []int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if got[i] != want[i] && (i < 2 || want[i] <= 0 || got[i] > want[i] || got[i] < want[i]-50) {
			return false
		}
	}
	return true
}

func TestTakeAndRefill(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory())
	ctx := context.Background()
	rdb := connect(t, srv)
	if err := rdb.Do(ctx, "RL.SETUP", "api:ada", 2, 1, 1000).Err(); err != nil {
		t.Fatal(err)
	}
	take := func(args ...any) []int64 {
		return ints(t, rdb.Do(ctx, append([]any{"RL.TAKE", "api:ada"}, args...)...))
	}
	for i, want := range [][]int64{{1, 1, 0, 1000}, {1, 0, 0, 2000}, {0, 0, 1000, 2000}} {
		if got := take(); !equal(got, want) {
			t.Fatalf("take %d = %v, want %v", i, got, want)
		}
	}
	srv.FastForward(time.Second)
	if got := take(); !equal(got, []int64{1, 0, 0, 2000}) {
		t.Fatalf("after a second: %v", got)
	}
	if got := take(3); !equal(got, []int64{0, 0, -1, 2000}) {
		t.Fatalf("more than the capacity: %v", got)
	}
	if got := ints(t, rdb.Do(ctx, "RL.PEEK", "api:ada")); !equal(got, []int64{0, 0, 1000, 2000}) {
		t.Fatalf("RL.PEEK = %v", got)
	}
	if n := rdb.Do(ctx, "RL.RESET", "api:ada").Val(); n != int64(1) {
		t.Fatalf("RL.RESET = %v", n)
	}
	info := rdb.Do(ctx, "RL.INFO", "api:ada").Val()
	if got, want := info, map[any]any{"capacity": int64(2), "rate": int64(1), "period": int64(1000), "tokens": int64(2)}; !sameMap(got, want) {
		t.Fatalf("RL.INFO = %v", got)
	}
	if err := rdb.Do(ctx, "RL.PEEK", "nosuch").Err(); err != redis.Nil {
		t.Fatalf("RL.PEEK of a missing key: %v", err)
	}
	if n := rdb.Do(ctx, "RL.RESET", "nosuch").Val(); n != int64(0) {
		t.Fatalf("RL.RESET of a missing key = %v", n)
	}
	// The generic commands of the keys and admin modules know the type
	// through core.Value.
	if typ := rdb.Type(ctx, "api:ada").Val(); typ != "ratelimit" {
		t.Fatalf("TYPE = %q", typ)
	}
	if enc := rdb.ObjectEncoding(ctx, "api:ada").Val(); enc != "gcra" {
		t.Fatalf("OBJECT ENCODING = %q", enc)
	}
	if mem := rdb.MemoryUsage(ctx, "api:ada").Val(); mem < 48 {
		t.Fatalf("MEMORY USAGE = %d", mem)
	}
	if err := rdb.Copy(ctx, "api:ada", "api:copy", 0, false).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Do(ctx, "RL.TAKE", "api:copy", 2)
	orig := rdb.Do(ctx, "RL.INFO", "api:ada").Val()
	if !sameMap(orig, map[any]any{"capacity": int64(2), "rate": int64(1), "period": int64(1000), "tokens": int64(2)}) {
		t.Fatalf("taking from a copy changed the original: %v", orig)
	}
}

func sameMap(got any, want map[any]any) bool {
	var m map[any]any
	switch g := got.(type) {
	case map[any]any:
		m = g
	case []any: // RESP2: a flat array
		m = map[any]any{}
		for i := 0; i+1 < len(g); i += 2 {
			m[g[i]] = g[i+1]
		}
	default:
		return false
	}
	if len(m) != len(want) {
		return false
	}
	for k, v := range want {
		if m[k] != v {
			return false
		}
	}
	return true
}

func TestDefaultsFromConfig(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory(), redmodtest.WithConfig(func(c *host.Config) {
		c.Modules = map[string]string{"ratelimit.capacity": "1"}
	}))
	ctx := context.Background()
	rdb := connect(t, srv)
	allowed0, denied0 := counters(t, rdb)
	if got := ints(t, rdb.Do(ctx, "RL.TAKE", "new")); !equal(got, []int64{1, 0, 0, 100}) {
		t.Fatalf("RL.TAKE on a new key = %v", got)
	}
	if got := rdb.ConfigGet(ctx, "ratelimit.*").Val(); got["ratelimit.capacity"] != "1" || got["ratelimit.rate"] != "10" || got["ratelimit.period"] != "1000" {
		t.Fatalf("CONFIG GET ratelimit.* = %v", got)
	}
	if err := rdb.ConfigSet(ctx, "ratelimit.capacity", "5").Err(); err != nil {
		t.Fatal(err)
	}
	if got := ints(t, rdb.Do(ctx, "RL.TAKE", "newer")); !equal(got, []int64{1, 4, 0, 100}) {
		t.Fatalf("RL.TAKE after CONFIG SET = %v", got)
	}
	err := rdb.ConfigSet(ctx, "ratelimit.rate", "zero").Err()
	if err == nil || err.Error() != "ERR CONFIG SET failed (possibly related to argument 'ratelimit.rate') - argument must be a positive integer" {
		t.Fatalf("CONFIG SET ratelimit.rate zero: %v", err)
	}
	// A denied RL.TAKE on a missing key keeps nothing.
	rdb.ConfigSet(ctx, "ratelimit.capacity", "1")
	if got := ints(t, rdb.Do(ctx, "RL.TAKE", "big", 2)); got[0] != 0 || rdb.Exists(ctx, "big").Val() != 0 {
		t.Fatalf("denied take on a new key = %v, exists %d", got, rdb.Exists(ctx, "big").Val())
	}
	// INFO ratelimit counts decisions since the process started.
	if allowed, denied := counters(t, rdb); allowed-allowed0 != 2 || denied-denied0 != 1 {
		t.Fatalf("INFO ratelimit: %d allowed, %d denied; want 2 and 1", allowed-allowed0, denied-denied0)
	}
}

func counters(t *testing.T, rdb *redis.Client) (allowed, denied int64) {
	t.Helper()
	info := rdb.Info(context.Background(), "ratelimit").Val()
	if !strings.HasPrefix(info, "# Ratelimit\r\n") {
		t.Fatalf("INFO ratelimit = %q", info)
	}
	for _, line := range strings.Split(info, "\r\n") {
		name, v, _ := strings.Cut(line, ":")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch name {
		case "ratelimit_allowed":
			allowed = n
		case "ratelimit_denied":
			denied = n
		}
	}
	return allowed, denied
}

func TestInvalidConfigStopsStart(t *testing.T) {
	_, err := redmodtest.Start(redmodtest.WithConfig(func(c *host.Config) {
		c.Modules = map[string]string{"ratelimit.rate": "5000", "ratelimit.period": "1"}
	}))
	if err == nil || !strings.Contains(err.Error(), "rate is too high") {
		t.Fatalf("start with an impossible rate: %v", err)
	}
	_, err = redmodtest.Start(redmodtest.WithConfig(func(c *host.Config) {
		c.Modules = map[string]string{"ratelimit.burst": "5"}
	}))
	if err == nil || !strings.Contains(err.Error(), "no such setting") {
		t.Fatalf("start with a misspelt setting: %v", err)
	}
}

func TestErrors(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory())
	ctx := context.Background()
	rdb := connect(t, srv)
	rdb.Set(ctx, "str", "x", 0)
	rdb.Do(ctx, "RL.SETUP", "b", 1, 1, 1)
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"RL.TAKE"}, "ERR wrong number of arguments for 'rl.take' command"},
		{[]any{"RL.SETUP", "k", 1, 1}, "ERR wrong number of arguments for 'rl.setup' command"},
		{[]any{"RL.TAKE", "str"}, "WRONGTYPE Operation against a key holding the wrong kind of value"},
		{[]any{"RL.PEEK", "str"}, "WRONGTYPE Operation against a key holding the wrong kind of value"},
		{[]any{"RL.SETUP", "str", 1, 1, 1}, "WRONGTYPE Operation against a key holding the wrong kind of value"},
		{[]any{"GET", "b"}, "WRONGTYPE Operation against a key holding the wrong kind of value"},
		{[]any{"RL.TAKE", "b", "x"}, "ERR value is not an integer or out of range"},
		{[]any{"RL.TAKE", "b", 0}, "ERR count must be positive"},
		{[]any{"RL.TAKE", "b", 1, 2}, "ERR syntax error"},
		{[]any{"RL.SETUP", "k", 0, 1, 1}, "ERR capacity must be positive"},
		{[]any{"RL.SETUP", "k", 1, -1, 1}, "ERR rate must be positive"},
		{[]any{"RL.SETUP", "k", 1, 1, "x"}, "ERR value is not an integer or out of range"},
		{[]any{"RL.SETUP", "k", 1, 2000, 1}, "ERR rate is too high for the period: at most one token per microsecond"},
		{[]any{"RL.SETUP", "k", 1, 1, 1, "TAT"}, "ERR syntax error"},
		{[]any{"RL.SETUP", "k", 1, 1, 1, "TOT", 5}, "ERR syntax error"},
		{[]any{"RL.SETUP", "k", 1, 1, 1, "TAT", "x"}, "ERR value is not an integer or out of range"},
	} {
		if err := rdb.Do(ctx, tc.args...).Err(); err == nil || err.Error() != tc.want {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestSetupKeepsTokens(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory())
	ctx := context.Background()
	rdb := connect(t, srv)
	rdb.Do(ctx, "RL.SETUP", "k", 10, 1, 1000)
	rdb.Do(ctx, "RL.TAKE", "k", 7)
	rdb.Expire(ctx, "k", time.Hour)
	rdb.Do(ctx, "RL.SETUP", "k", 5, 1, 1000) // 3 tokens left, capacity 5
	info := rdb.Do(ctx, "RL.INFO", "k").Val()
	if !sameMap(info, map[any]any{"capacity": int64(5), "rate": int64(1), "period": int64(1000), "tokens": int64(3)}) {
		t.Fatalf("after reconfiguring: %v", info)
	}
	if ttl := rdb.TTL(ctx, "k").Val(); ttl <= 0 {
		t.Fatalf("RL.SETUP dropped the TTL: %v", ttl)
	}
}

// The metadata gives the commands COMMAND INFO, key extraction and write
// accounting without code in the module.
func TestMetadata(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory())
	ctx := context.Background()
	rdb := connect(t, srv)
	info, err := rdb.Command(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if c := info["rl.take"]; c == nil || c.Arity != -2 || c.FirstKeyPos != 1 || c.LastKeyPos != 1 || c.ReadOnly {
		t.Fatalf("COMMAND INFO rl.take = %+v", c)
	}
	if c := info["rl.peek"]; c == nil || !c.ReadOnly {
		t.Fatalf("COMMAND INFO rl.peek = %+v", c)
	}
	keys := rdb.CommandGetKeys(ctx, "RL.TAKE", "user:1", "3").Val()
	if len(keys) != 1 || keys[0] != "user:1" {
		t.Fatalf("COMMAND GETKEYS = %v", keys)
	}
	before := srv.Keyspace().Dirty()
	rdb.Do(ctx, "RL.SETUP", "k", 1, 1, 1000)
	rdb.Do(ctx, "RL.TAKE", "k")
	rdb.Do(ctx, "RL.TAKE", "k") // denied: no change
	rdb.Do(ctx, "RL.PEEK", "k")
	if d := srv.Keyspace().Dirty() - before; d != 2 {
		t.Fatalf("changes counted: %d, want 2", d)
	}
}

// The module's own ACL category works as Redis's do.
func TestACLCategory(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory())
	ctx := context.Background()
	rdb := connect(t, srv)
	cats, err := rdb.ACLCat(ctx).Result()
	if err != nil || cats[len(cats)-1] != "ratelimit" {
		t.Fatalf("ACL CAT = %v, %v", cats, err)
	}
	cmds, err := rdb.ACLCatArgs(ctx, &redis.ACLCatArgs{Category: "ratelimit"}).Result()
	if err != nil || strings.Join(cmds, " ") != "rl.info rl.peek rl.reset rl.setup rl.take" {
		t.Fatalf("ACL CAT ratelimit = %v, %v", cmds, err)
	}
	if err := rdb.Do(ctx, "ACL", "SETUSER", "app", "on", ">pw", "~*", "+@ratelimit", "-rl.reset").Err(); err != nil {
		t.Fatal(err)
	}
	if r, err := rdb.ACLDryRun(ctx, "app", "RL.TAKE", "k").Result(); err != nil || r != "OK" {
		t.Errorf("ACL DRYRUN app RL.TAKE = %v, %v", r, err)
	}
	if r, _ := rdb.ACLDryRun(ctx, "app", "RL.RESET", "k").Result(); !strings.Contains(fmt.Sprint(r), "no permissions") {
		t.Errorf("ACL DRYRUN app RL.RESET = %v", r)
	}
	app := redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial, Username: "app", Password: "pw"})
	defer app.Close()
	if err := app.Do(ctx, "RL.SETUP", "k", 1, 1, 1000).Err(); err != nil {
		t.Fatal(err)
	}
	if err := app.Get(ctx, "k").Err(); err == nil || !strings.HasPrefix(err.Error(), "NOPERM") {
		t.Errorf("GET as app: %v", err)
	}
}

// Buckets survive a restart through the snapshot, and keep refilling while
// the server is down since their state is an absolute time.
func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := redmodtest.Start(redmodtest.WithPersistence(dir), redmodtest.InMemory())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: first.Addr(), Dialer: first.Dial})
	rdb.Do(ctx, "RL.SETUP", "k", 5, 1, 3_600_000) // one token an hour
	rdb.Do(ctx, "RL.TAKE", "k", 4)
	rdb.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := redmodtest.Run(t, redmodtest.WithPersistence(dir), redmodtest.InMemory())
	rdb2 := connect(t, second)
	info := rdb2.Do(ctx, "RL.INFO", "k").Val()
	if !sameMap(info, map[any]any{"capacity": int64(5), "rate": int64(1), "period": int64(3_600_000), "tokens": int64(1)}) {
		t.Fatalf("after restart: %v", info)
	}
	got := ints(t, rdb2.Do(ctx, "RL.TAKE", "k", 2))
	if got[0] != 0 || got[2] < 3_599_000 || got[2] > 3_600_000 {
		t.Fatalf("RL.TAKE 2 after restart = %v", got)
	}
}
