package ratelimit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/effects"
	"github.com/redmod/redmod/redmodtest"
)

// TestPropagatesState: RL.TAKE and RL.SETUP depend on the clock, so the
// effects stream (the append-only file, replicas) carries the state they
// leave, and replaying it elsewhere, later, gives the same bucket.
func TestPropagatesState(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory())
	rec := &effects.Recorder{}
	srv.Effects().Attach(rec)
	ctx := context.Background()
	rdb := connect(t, srv)
	rdb.Do(ctx, "RL.SETUP", "b", 3, 1, 60000)
	rdb.Do(ctx, "RL.TAKE", "b")
	rdb.Do(ctx, "RL.TAKE", "b", 2)
	rdb.Do(ctx, "RL.TAKE", "b") // denied: propagates nothing
	srv.FastForward(time.Minute)
	rdb.Do(ctx, "RL.TAKE", "new")
	rdb.Do(ctx, "RL.RESET", "b") // deterministic: verbatim
	rdb.Do(ctx, "RL.TAKE", "b")

	var names []string
	for _, c := range rec.Commands() {
		if len(c) > 5 && c[0] == "RL.SETUP" && c[5] != "TAT" {
			t.Errorf("propagated without TAT: %q", c)
		}
		names = append(names, strings.ToLower(c[0]))
	}
	if got := strings.Join(names, " "); got != "select rl.setup rl.setup rl.setup rl.setup rl.reset rl.setup" {
		t.Fatalf("stream: %s", got)
	}

	// Replayed into another server, the buckets are the same.
	other := redmodtest.Run(t, redmodtest.InMemory())
	ordb := connect(t, other)
	for _, c := range rec.Commands() {
		args := make([]any, len(c))
		for i, a := range c {
			args[i] = a
		}
		if err := ordb.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("replay %q: %v", c, err)
		}
	}
	for _, k := range []string{"b", "new"} {
		want, _ := rdb.Dump(ctx, k).Result()
		got, _ := ordb.Dump(ctx, k).Result()
		if want == "" || got != want {
			t.Errorf("%s: replayed %q, live %q", k, got, want)
		}
	}
}
