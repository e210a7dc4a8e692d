package ratelimit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redmod/redmod/redmodtest"
)

// TestFromScripts calls the module's commands from Lua: scripts reach every
// registered command with its own arity, flags and key checks, with nothing
// done by the module.
func TestFromScripts(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory())
	ctx := context.Background()
	rdb := connect(t, srv)
	got, err := rdb.Eval(ctx, "redis.call('rl.setup', KEYS[1], 2, 1, 1000); local a = redis.call('rl.take', KEYS[1]); return {a[1], redis.call('type', KEYS[1])}", []string{"api:ada"}).Result()
	if err != nil {
		t.Fatal(err)
	}
	if r := got.([]any); r[0].(int64) != 1 || r[1].(string) != "ratelimit" {
		t.Fatalf("script reply %v", r)
	}
	// The module's own arity error, worded for scripts.
	if err := rdb.Eval(ctx, "return redis.call('rl.peek')", nil).Err(); err == nil || !strings.Contains(err.Error(), "Wrong number of args calling Redis command from script") {
		t.Fatalf("arity: %v", err)
	}
	// A read-only script may not run the module's write command.
	if err := rdb.EvalRO(ctx, "return redis.call('rl.take', KEYS[1])", []string{"api:ada"}).Err(); err == nil || !strings.Contains(err.Error(), "Write commands are not allowed from read-only scripts") {
		t.Fatalf("EVAL_RO: %v", err)
	}
	if n, err := rdb.EvalRO(ctx, "return redis.call('rl.peek', KEYS[1])[1]", []string{"api:ada"}).Int(); err != nil || n != 1 {
		t.Fatalf("EVAL_RO peek: %d %v", n, err)
	}
}
