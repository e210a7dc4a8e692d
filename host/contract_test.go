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

// buggy is a module whose commands break the contracts the host keeps.
type buggy struct{}

func (buggy) Name() string { return "buggy" }

func (buggy) Commands() []core.Command {
	w := core.FlagWrite
	return []core.Command{
		core.NewCommand(core.Spec{Name: "noreply", Arity: 1}, func(c *core.Ctx) error { return nil }),
		core.NewCommand(core.Spec{Name: "tworeplies", Arity: 1}, func(c *core.Ctx) error {
			c.WriteInt(1)
			c.WriteArray(2)
			c.WriteInt(2)
			c.WriteInt(3)
			return nil
		}),
		core.NewCommand(core.Spec{Name: "replyanderror", Arity: 1}, func(c *core.Ctx) error {
			c.WriteOK()
			return core.ErrSyntax
		}),
		core.NewCommand(core.Spec{Name: "halfreply", Arity: 1}, func(c *core.Ctx) error {
			c.WriteArray(3)
			c.WriteInt(1)
			return nil
		}),
		core.NewCommand(core.Spec{Name: "halfanderror", Arity: 1}, func(c *core.Ctx) error {
			c.WriteArray(3)
			return core.ErrSyntax
		}),
		// stray declares its first argument and writes its second.
		core.NewCommand(core.Spec{Name: "stray", Arity: 3, Flags: w, FirstKey: 1, LastKey: 1, Step: 1}, func(c *core.Ctx) error {
			c.DB.Set(c.Args[2], core.NewString([]byte("x")))
			c.WriteOK()
			return nil
		}),
		// fine declares both keys it writes.
		core.NewCommand(core.Spec{Name: "fine", Arity: 3, Flags: w, FirstKey: 1, LastKey: 2, Step: 1}, func(c *core.Ctx) error {
			c.DB.Set(c.Args[1], core.NewString([]byte("x")))
			c.DB.Set(c.Args[2], core.NewString([]byte("y")))
			c.WriteOK()
			return nil
		}),
	}
}

// bugServer serves the buggy module and collects the bugs the host reports.
func bugServer(t *testing.T) (*redis.Client, func() []string) {
	var mu sync.Mutex
	var bugs []string
	srv := redmodtest.Run(t, redmodtest.WithModules("strings", "admin"), redmodtest.WithModule(buggy{}),
		redmodtest.OnBug(func(msg string) {
			mu.Lock()
			bugs = append(bugs, msg)
			mu.Unlock()
		}))
	// One connection, so that a desynchronised reply would show in the
	// next command's.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1, MinIdleConns: 0})
	t.Cleanup(func() { rdb.Close() })
	return rdb, func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := bugs
		bugs = nil
		return out
	}
}

// inSync checks that the connection still pairs requests with replies.
func inSync(t *testing.T, rdb *redis.Client) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if v, err := rdb.Echo(ctx, "sync").Result(); err != nil || v != "sync" {
			t.Fatalf("connection out of sync: ECHO got %q, %v", v, err)
		}
	}
}

func TestHostKeepsReplyContract(t *testing.T) {
	rdb, bugs := bugServer(t)
	ctx := context.Background()
	cases := []struct {
		cmd, wantErr string // wantErr empty: the reply stands
		want         any
		bug          string
	}{
		{"noreply", "ERR command 'noreply' sent no reply (a bug in module buggy)", nil, "wrote no reply"},
		{"tworeplies", "", int64(1), "wrote 2 replies"},
		{"replyanderror", "", "OK", "wrote a reply and returned an error"},
		{"halfreply", "ERR command 'halfreply' sent an incomplete reply (a bug in module buggy)", nil, "incomplete reply"},
		{"halfanderror", "ERR syntax error", nil, "returned an error"},
	}
	for _, tc := range cases {
		for _, proto := range []int{2, 3} {
			rdb.Do(ctx, "HELLO", proto)
			got, err := rdb.Do(ctx, tc.cmd).Result()
			switch {
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Errorf("%s (RESP%d): got %v, %v; want error %q", tc.cmd, proto, got, err, tc.wantErr)
			case tc.wantErr == "" && (err != nil || got != tc.want):
				t.Errorf("%s (RESP%d): got %v, %v; want %v", tc.cmd, proto, got, err, tc.want)
			}
			inSync(t, rdb)
			b := bugs()
			if len(b) != 1 || !strings.Contains(b[0], "'"+tc.cmd+"'") || !strings.Contains(b[0], tc.bug) {
				t.Errorf("%s (RESP%d): bugs reported %q, want one naming the command and %q", tc.cmd, proto, b, tc.bug)
			}
		}
	}
	// Pipelined, and inside a transaction: each command still gets one reply.
	cmds, _ := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Do(ctx, "noreply")
		p.Do(ctx, "tworeplies")
		p.Echo(ctx, "after")
		return nil
	})
	if len(cmds) != 3 || cmds[2].(*redis.StringCmd).Val() != "after" {
		t.Errorf("pipeline: %v", cmds)
	}
	tx, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Do(ctx, "noreply")
		p.Do(ctx, "tworeplies")
		p.Do(ctx, "replyanderror")
		p.Echo(ctx, "last")
		return nil
	})
	if len(tx) != 4 || tx[3].(*redis.StringCmd).Val() != "last" || tx[1].(*redis.Cmd).Val() != int64(1) || tx[2].(*redis.Cmd).Val() != "OK" {
		t.Errorf("transaction: %v, %v", tx, err)
	}
	if e := tx[0].Err(); e == nil || !strings.Contains(e.Error(), "sent no reply") {
		t.Errorf("transaction: noreply got %v", e)
	}
	inSync(t, rdb)
	if b := bugs(); len(b) != 5 {
		t.Errorf("pipeline and transaction: %d bugs reported, want 5: %q", len(b), b)
	}
	// From a script too.
	if v, err := rdb.Eval(ctx, "return redis.pcall('noreply')", nil).Result(); err == nil {
		t.Errorf("script: noreply gave %v", v)
	}
	inSync(t, rdb)
	bugs()
}

func TestHostReportsUndeclaredKey(t *testing.T) {
	rdb, bugs := bugServer(t)
	ctx := context.Background()
	if err := rdb.Do(ctx, "fine", "a", "b").Err(); err != nil {
		t.Fatal(err)
	}
	if b := bugs(); len(b) != 0 {
		t.Errorf("fine: bugs %q", b)
	}
	if err := rdb.Do(ctx, "stray", "a", "other").Err(); err != nil {
		t.Fatal(err)
	}
	b := bugs()
	if len(b) != 1 || !strings.Contains(b[0], "'stray'") || !strings.Contains(b[0], `key "other"`) {
		t.Errorf("stray: bugs reported %q, want one naming the command and the key", b)
	}
	// Many declared keys (a set of them is built) and one undeclared.
	rdb.Do(ctx, "mset", "k1", "1", "k2", "2", "k3", "3", "k4", "4", "k5", "5", "k6", "6", "k7", "7", "k8", "8", "k9", "9", "k10", "10", "k11", "11", "k12", "12", "k13", "13", "k14", "14", "k15", "15", "k16", "16", "k17", "17")
	if b := bugs(); len(b) != 0 {
		t.Errorf("mset: bugs %q", b)
	}
	inSync(t, rdb)
}
