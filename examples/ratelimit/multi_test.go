package ratelimit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

// TestCommandsInTransactions runs the module's commands inside MULTI/EXEC
// and checks that WATCH notices their writes, though the module calls
// nothing for it: RL.TAKE changes its bucket in place, RL.SETUP replaces it,
// RL.RESET refills it, and a denied RL.TAKE (which changes nothing) does
// not touch it.
func TestCommandsInTransactions(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.InMemory())
	ctx := context.Background()
	rdb, other := connect(t, srv), connect(t, srv)
	if err := rdb.Do(ctx, "RL.SETUP", "b", 2, 1, 60000).Err(); err != nil {
		t.Fatal(err)
	}
	cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Do(ctx, "RL.TAKE", "b")
		p.Do(ctx, "RL.TAKE", "b")
		p.Do(ctx, "RL.TAKE", "b")
		p.Do(ctx, "RL.TAKE", "b", "x") // an error at run time: the others stay
		p.Do(ctx, "RL.PEEK", "b")
		return nil
	})
	if err == nil || len(cmds) != 5 {
		t.Fatalf("TxPipelined: %v %v", cmds, err)
	}
	allowed := []int64{1, 1, 0}
	for i, want := range allowed {
		if got := ints(t, cmds[i].(*redis.Cmd)); got[0] != want {
			t.Errorf("RL.TAKE #%d in EXEC = %v", i+1, got)
		}
	}
	if cmds[3].Err() == nil {
		t.Errorf("RL.TAKE b x in EXEC did not fail")
	}

	// A write by another client through each command makes EXEC fail.
	for _, w := range [][]any{{"RL.RESET", "b"}, {"RL.TAKE", "b"}, {"RL.SETUP", "b", 5, 1, 1000}, {"RL.TAKE", "new"}} {
		err := rdb.Watch(ctx, func(tx *redis.Tx) error {
			if err := other.Do(ctx, w...).Err(); err != nil {
				return err
			}
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Do(ctx, "RL.PEEK", "b")
				p.Do(ctx, "RL.PEEK", "new")
				return nil
			})
			return err
		}, "b", "new")
		if !errors.Is(err, redis.TxFailedErr) {
			t.Errorf("WATCH after %v by another client: %v", w, err)
		}
	}
	// Reads and a denied take change nothing: EXEC runs.
	if err := rdb.Do(ctx, "RL.SETUP", "d", 1, 1, 3600000).Err(); err != nil {
		t.Fatal(err)
	}
	other.Do(ctx, "RL.TAKE", "d")
	err = rdb.Watch(ctx, func(tx *redis.Tx) error {
		other.Do(ctx, "RL.PEEK", "d")
		other.Do(ctx, "RL.INFO", "d")
		other.Do(ctx, "RL.TAKE", "d") // denied: the bucket is empty
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Do(ctx, "RL.PEEK", "d")
			return nil
		})
		return err
	}, "d")
	if err != nil {
		t.Errorf("WATCH after reads and a denied take: %v", err)
	}
}
