package scripting_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

// TestPauseWriteHoldsWritingScripts: CLIENT PAUSE WRITE holds a script
// that may write (no shebang, or a shebang without no-writes; an EVALSHA
// or FCALL of such), queued ones too, and lets through EVAL_RO and
// scripts and functions flagged no-writes, as Redis 7.0 does with the
// flags of each call (core.Spec.FlagsFor).
func TestPauseWriteHoldsWritingScripts(t *testing.T) {
	srv := redmodtest.Run(t)
	ctx := context.Background()
	admin := client(t, srv)
	admin.FunctionLoad(ctx, "#!lua name=pl\n"+
		"redis.register_function{function_name='pw', callback=function() return 'w' end}\n"+
		"redis.register_function{function_name='pr', callback=function() return 'r' end, flags={'no-writes'}}")
	shaW := admin.ScriptLoad(ctx, "#!lua\nreturn 'w'").Val()
	shaR := admin.ScriptLoad(ctx, "#!lua flags=no-writes\nreturn 'r'").Val()
	blocked := func() int64 {
		info := admin.Info(ctx, "clients").Val()
		for _, l := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(l, "blocked_clients:"); ok {
				var n int64
				for _, c := range v {
					n = n*10 + int64(c-'0')
				}
				return n
			}
		}
		return -1
	}
	// Queued before the pause: a write queued during it waits, as in Redis.
	tx2 := slowClient(t, srv).Conn()
	defer tx2.Close()
	tx2.Do(ctx, "MULTI")
	tx2.Do(ctx, "EVAL", "return 'w'", 0)
	if err := admin.Do(ctx, "CLIENT", "PAUSE", 60000, "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	// Not held: they answer during the pause.
	for _, args := range [][]any{
		{"EVAL", "#!lua flags=no-writes\nreturn 'r'", 0},
		{"EVAL_RO", "return 'r'", 0},
		{"EVALSHA", shaR, 0},
		{"FCALL", "pr", 0},
		{"FCALL_RO", "pr", 0},
	} {
		c := client(t, srv)
		if v, err := c.Do(ctx, args...).Text(); err != nil || v != "r" {
			t.Fatalf("%v during PAUSE WRITE: %q %v", args, v, err)
		}
	}
	tx := client(t, srv).Conn()
	defer tx.Close()
	tx.Do(ctx, "MULTI")
	tx.Do(ctx, "EVAL", "#!lua flags=no-writes\nreturn 'r'", 0)
	if v, err := tx.Do(ctx, "EXEC").Slice(); err != nil || len(v) != 1 {
		t.Fatalf("EXEC of a no-writes script during PAUSE WRITE: %v %v", v, err)
	}
	// Held until CLIENT UNPAUSE.
	held := [][]any{
		{"EVAL", "return 'w'", 0},
		{"EVAL", "#!lua\nreturn 'w'", 0},
		{"EVALSHA", shaW, 0},
		{"FCALL", "pw", 0},
	}
	done := make(chan string, len(held)+1)
	for _, args := range held {
		c := slowClient(t, srv)
		go func() {
			v, err := c.Do(ctx, args...).Text()
			if err != nil {
				v = err.Error()
			}
			done <- v
		}()
	}
	go func() {
		v, err := tx2.Do(ctx, "EXEC").Slice()
		if err != nil || len(v) != 1 {
			done <- "EXEC: " + err.Error()
			return
		}
		done <- v[0].(string)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for blocked() != int64(len(held)+1) {
		if time.Now().After(deadline) {
			t.Fatalf("%d clients held, want %d", blocked(), len(held)+1)
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case v := <-done:
		t.Fatalf("a writing script answered during PAUSE WRITE: %q", v)
	default:
	}
	admin.Do(ctx, "CLIENT", "UNPAUSE")
	for range len(held) + 1 {
		if v := <-done; v != "w" {
			t.Errorf("after UNPAUSE: %q", v)
		}
	}
}

// slowClient is a client whose replies may take long: held by a pause.
func slowClient(t *testing.T, srv *redmodtest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 2, ReadTimeout: time.Minute})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}
