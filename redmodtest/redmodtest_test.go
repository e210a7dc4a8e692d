package redmodtest_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

func client(t *testing.T, srv *redmodtest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestRunServesOverTCP(t *testing.T) {
	srv := redmodtest.Run(t)
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") || strings.HasSuffix(srv.Addr(), ":0") {
		t.Fatalf("Addr() = %q, want a loopback address with a chosen port", srv.Addr())
	}
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := rdb.Get(ctx, "k").Val(); got != "v" {
		t.Fatalf("GET = %q", got)
	}
}

func TestInMemory(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory())
	if srv.Addr() != "pipe" {
		t.Fatalf("Addr() = %q, want pipe", srv.Addr())
	}
	ctx := context.Background()
	rdb := client(t, srv)
	// A pipeline much larger than any buffer: the client writes it all
	// before reading a reply, which must not deadlock.
	big := strings.Repeat("x", 4096)
	const n = 2000
	pipe := rdb.Pipeline()
	for i := 0; i < n; i++ {
		pipe.Set(ctx, fmt.Sprint("k", i), big, 0)
		pipe.Get(ctx, fmt.Sprint("k", i))
	}
	cmds, err := pipe.Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 2*n || cmds[2*n-1].(*redis.StringCmd).Val() != big {
		t.Fatalf("pipeline: %d replies, last %q...", len(cmds), cmds[len(cmds)-1].String()[:20])
	}
	// Several connections at once.
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() { errs <- rdb.Incr(ctx, "counter").Err() }()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := rdb.Get(ctx, "counter").Val(); got != "8" {
		t.Fatalf("counter = %s", got)
	}
}

func TestPipeListenerClose(t *testing.T) {
	ln := redmodtest.NewPipeListener()
	ln.Close()
	if _, err := ln.Accept(); err == nil {
		t.Fatal("Accept after Close succeeded")
	}
	if _, err := ln.Dial(context.Background(), "", ""); err == nil {
		t.Fatal("Dial after Close succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := redmodtest.NewPipeListener().Dial(ctx, "", ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial with a cancelled context: %v", err)
	}
}

func TestWithModules(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithModules("admin", "strings"), redmodtest.InMemory())
	ctx := context.Background()
	rdb := client(t, srv)
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	err := rdb.HSet(ctx, "h", "f", "v").Err()
	if err == nil || !strings.HasPrefix(err.Error(), "ERR unknown command 'hset'") {
		t.Fatalf("HSET without the hashes module: %v", err)
	}
	if mods := srv.Info([]string{"modules"}); !strings.Contains(mods, "name=strings") || strings.Contains(mods, "name=hashes") {
		t.Fatalf("INFO modules:\n%s", mods)
	}
	if _, err := redmodtest.Start(redmodtest.WithModules("nosuch")); err == nil {
		t.Fatal("WithModules with an unknown module started")
	}
}

// counter is a minimal module for WithModule.
type counter struct{ calls int }

func (*counter) Name() string { return "counter" }

func (m *counter) Commands() []core.Command {
	return []core.Command{core.NewCommand(core.Spec{
		Name: "count", Arity: 1, Flags: core.FlagFast, Summary: "Counts its calls.",
	}, func(c *core.Ctx) error {
		m.calls++ // arity 1 and no keys: one caller at a time is not guaranteed, but this test is serial
		c.WriteInt(int64(m.calls))
		return nil
	})}
}

func TestWithModule(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithModule(&counter{}), redmodtest.InMemory())
	ctx := context.Background()
	rdb := client(t, srv)
	for want := int64(1); want <= 3; want++ {
		if got, err := rdb.Do(ctx, "COUNT").Int64(); err != nil || got != want {
			t.Fatalf("COUNT = %d, %v; want %d", got, err, want)
		}
	}
	// The standard modules are still there.
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	// The module was not added to the binary's default registry.
	other := redmodtest.Run(t, redmodtest.InMemory())
	if err := client(t, other).Do(ctx, "COUNT").Err(); err == nil {
		t.Fatal("COUNT exists on a server started without WithModule")
	}
}

func TestFastForwardAndUpdate(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory())
	ctx := context.Background()
	rdb := client(t, srv)
	err := srv.Update(func(ks *core.Keyspace) error {
		ks.DB(0).SetWithExpiry([]byte("session"), core.NewString([]byte("abc")), ks.Now()+int64(time.Hour/time.Millisecond))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rdb.Get(ctx, "session").Val(); got != "abc" {
		t.Fatalf("GET session = %q", got)
	}
	srv.FastForward(time.Hour + time.Second)
	if err := rdb.Get(ctx, "session").Err(); err != redis.Nil {
		t.Fatalf("GET after the TTL: %v, want nil", err)
	}
}

func TestWithPersistenceRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := redmodtest.Start(redmodtest.WithPersistence(dir), redmodtest.InMemory())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: first.Addr(), Dialer: first.Dial})
	if err := rdb.RPush(ctx, "list", "a", "b").Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := redmodtest.Run(t, redmodtest.WithPersistence(dir), redmodtest.InMemory())
	if got := client(t, second).LRange(ctx, "list", 0, -1).Val(); strings.Join(got, ",") != "a,b" {
		t.Fatalf("after restart: %q", got)
	}
}

func TestWithConfigAndLogs(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithLogs(), redmodtest.WithConfig(func(c *host.Config) { c.Databases = 2 }))
	if n := srv.Keyspace().NumDBs(); n != 2 {
		t.Fatalf("databases = %d", n)
	}
}

func TestCloseBeforeServe(t *testing.T) {
	cfg := host.DefaultConfig()
	cfg.DBFilename = ""
	cfg.LogLevel = "error"
	srv, err := host.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	ln := redmodtest.NewPipeListener()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve after Close did not return")
	}
	if _, err := ln.Accept(); err == nil {
		t.Fatal("the listener was left open")
	}
}

// An embedded server leaves the program's GOMAXPROCS as it found it, even
// on a machine small enough that a standalone server would lower it.
func TestRunKeepsGOMAXPROCS(t *testing.T) {
	// Two is what a standalone server would lower to one.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	before := runtime.GOMAXPROCS(0)
	srv := redmodtest.Run(t)
	c := client(t, srv)
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Fatalf("GOMAXPROCS %d with an embedded server, %d before", got, before)
	}
}
