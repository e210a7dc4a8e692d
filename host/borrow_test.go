package host_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/redmodtest"
)

// borrowing is a module whose commands keep their arguments or not, with
// core.Spec.BorrowsArgs declared or not.
type borrowing struct {
	mu   sync.Mutex
	kept []byte // remember's argument, kept as it came
}

func (*borrowing) Name() string { return "borrowing" }

func (m *borrowing) Commands() []core.Command {
	w := core.FlagWrite
	return []core.Command{
		// keep stores its argument itself, without copying: allowed,
		// since it does not declare BorrowsArgs.
		core.NewCommand(core.Spec{Name: "keep", Arity: 3, Flags: w, FirstKey: 1, LastKey: 1, Step: 1}, func(c *core.Ctx) error {
			c.DB.Set(c.Args[1], core.NewString(c.Args[2]))
			c.WriteOK()
			return nil
		}),
		// remember keeps its argument in the module's state.
		core.NewCommand(core.Spec{Name: "remember", Arity: 2}, func(c *core.Ctx) error {
			m.mu.Lock()
			m.kept = c.Args[1]
			m.mu.Unlock()
			c.WriteOK()
			return nil
		}),
		core.NewCommand(core.Spec{Name: "recall", Arity: 1}, func(c *core.Ctx) error {
			m.mu.Lock()
			defer m.mu.Unlock()
			c.WriteBulk(m.kept)
			return nil
		}),
		// put borrows its arguments and copies what it stores.
		core.NewCommand(core.Spec{Name: "put", Arity: 3, Flags: w, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true}, func(c *core.Ctx) error {
			c.DB.SetString(c.Args[1], c.Args[2], 0, false)
			c.DB.Signal(c.Args[1])
			c.WriteOK()
			return nil
		}),
		// badput declares BorrowsArgs and keeps its argument anyway: the
		// checking mode's scribbling shows it.
		core.NewCommand(core.Spec{Name: "badput", Arity: 3, Flags: w, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true}, func(c *core.Ctx) error {
			c.DB.Set(c.Args[1], core.NewString(c.Args[2]))
			c.WriteOK()
			return nil
		}),
		// take borrows its arguments, blocks (without FlagBlocking) while
		// its key is missing, and replies with its key's name and value:
		// its arguments must survive the wait.
		core.NewCommand(core.Spec{Name: "take", Arity: 2, Flags: w, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true}, func(c *core.Ctx) error {
			v := c.DB.Get(c.Args[1])
			if v == nil {
				return c.Block([][]byte{c.Args[1]}, 0)
			}
			s, _ := v.(*core.String)
			c.DB.Delete(c.Args[1])
			c.WriteBulk(append(append(append([]byte(nil), c.Args[1]...), ':'), s.B...))
			return nil
		}),
	}
}

func borrowServer(t *testing.T, opts ...redmodtest.Option) *redis.Client {
	opts = append([]redmodtest.Option{redmodtest.WithModules("strings", "keys", "admin"), redmodtest.WithModule(&borrowing{})}, opts...)
	srv := redmodtest.Run(t, opts...)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// overwrite sends commands whose bytes cover those of the commands before
// them in the read buffer: a pipeline of the same shape with other bytes.
func overwrite(t *testing.T, rdb *redis.Client, n int) {
	t.Helper()
	ctx := context.Background()
	p := rdb.Pipeline()
	for i := 0; i < n; i++ {
		p.Do(ctx, "echo", strings.Repeat("z", 30))
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestArgumentsKeptWithoutDeclaration(t *testing.T) {
	for _, checks := range []bool{true, false} {
		rdb := borrowServerChecks(t, checks)
		ctx := context.Background()
		p := rdb.Pipeline()
		p.Do(ctx, "keep", "k1", "value-one")
		p.Do(ctx, "remember", "kept-by-module")
		p.Do(ctx, "put", "k2", "value-two")
		p.Do(ctx, "set", "k3", "value-three")
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		overwrite(t, rdb, 200)
		for k, want := range map[string]string{"k1": "value-one", "k2": "value-two", "k3": "value-three"} {
			if got, err := rdb.Get(ctx, k).Result(); err != nil || got != want {
				t.Errorf("checks %v: GET %s = %q, %v; want %q", checks, k, got, err, want)
			}
		}
		if got, err := rdb.Do(ctx, "recall").Text(); err != nil || got != "kept-by-module" {
			t.Errorf("checks %v: RECALL = %q, %v", checks, got, err)
		}
	}
}

// TestBorrowedArgumentKeptIsCaught checks the checking mode's guard: a
// command that declares BorrowsArgs and keeps an argument stores bytes
// that change after it returns.
func TestBorrowedArgumentKeptIsCaught(t *testing.T) {
	rdb := borrowServer(t)
	ctx := context.Background()
	if err := rdb.Do(ctx, "badput", "k", "value").Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := rdb.Get(ctx, "k").Result(); got == "value" {
		t.Errorf("a kept borrowed argument still reads %q: the checking mode did not overwrite it", got)
	}
}

// TestBorrowedArgumentsQueuedByMulti checks that MULTI queues copies: the
// queued command runs at EXEC, after later reads overwrote the buffer.
func TestBorrowedArgumentsQueuedByMulti(t *testing.T) {
	for _, checks := range []bool{true, false} {
		rdb := borrowServerChecks(t, checks)
		ctx := context.Background()
		for _, cmd := range [][]any{{"multi"}, {"put", "k", "queued-value"}, {"set", "k2", "queued-too"}} {
			if err := rdb.Do(ctx, cmd...).Err(); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 20; i++ {
			if err := rdb.Do(ctx, "echo", strings.Repeat("y", 40)).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if err := rdb.Do(ctx, "exec").Err(); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{"k": "queued-value", "k2": "queued-too"} {
			if got, err := rdb.Get(ctx, k).Result(); err != nil || got != want {
				t.Errorf("checks %v: GET %s = %q, %v; want %q", checks, k, got, err, want)
			}
		}
	}
}

// TestBorrowedArgumentsSurviveBlocking checks a command that borrows its
// arguments and blocks: the connection reads on during the wait (here a
// request larger than the buffer, which shifts it), and the command's run
// after the wake-up must see its own arguments.
func TestBorrowedArgumentsSurviveBlocking(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithModules("strings", "keys", "admin"), redmodtest.WithModule(&borrowing{}))
	// No retry: a TAKE that lost its arguments would stay blocked, and a
	// retried pipeline would hide it.
	a := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1, MaxRetries: -1})
	b := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	big := strings.Repeat("b", 40<<10)
	done := make(chan []redis.Cmder, 1)
	go func() {
		p := a.Pipeline()
		p.Do(ctx, "take", "waited-key")
		p.Do(ctx, "echo", big)
		cmds, _ := p.Exec(ctx)
		done <- cmds
	}()
	await(t, "the client blocked", func() bool {
		info, _ := b.Info(ctx, "clients").Result()
		return strings.Contains(info, "blocked_clients:1\r\n")
	})
	if err := b.Do(ctx, "put", "waited-key", "its-value").Err(); err != nil {
		t.Fatal(err)
	}
	cmds := <-done
	if got, err := cmds[0].(*redis.Cmd).Text(); err != nil || got != "waited-key:its-value" {
		t.Errorf("TAKE after the wait = %q, %v; want %q", got, err, "waited-key:its-value")
	}
	if got, err := cmds[1].(*redis.Cmd).Text(); err != nil || got != big {
		t.Errorf("ECHO after the wait: %d bytes, %v", len(got), err)
	}
}

// borrowServerChecks is borrowServer with the checking mode on or off.
func borrowServerChecks(t *testing.T, checks bool) *redis.Client {
	if checks {
		return borrowServer(t)
	}
	return borrowServer(t, redmodtest.WithoutKeyChecks())
}
