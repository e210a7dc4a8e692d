package admin_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/redmodtest"
)

// TestGoRedisTransactions runs go-redis's TxPipelined and Watch, as
// applications use them, in both protocols.
func TestGoRedisTransactions(t *testing.T) {
	srv := redmodtest.Run(t)
	for _, proto := range []int{2, 3} {
		ctx := context.Background()
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: proto})
		t.Cleanup(func() { rdb.Close() })
		rdb.FlushAll(ctx)

		cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "a", "1", 0)
			p.Incr(ctx, "a")
			p.LPush(ctx, "a", "x") // WRONGTYPE at run time: the others stay
			p.Get(ctx, "a")
			return nil
		})
		if err == nil || !strings.HasPrefix(err.Error(), "WRONGTYPE") || len(cmds) != 4 {
			t.Fatalf("proto %d: TxPipelined: %v %v", proto, cmds, err)
		}
		if v := cmds[3].(*redis.StringCmd).Val(); v != "2" {
			t.Fatalf("proto %d: GET in transaction = %q", proto, v)
		}

		// A queuing error discards the whole transaction.
		_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "b", "1", 0)
			p.Do(ctx, "nosuchcommand")
			return nil
		})
		if err == nil || !strings.HasPrefix(err.Error(), "EXECABORT") {
			t.Fatalf("proto %d: queuing error: %v", proto, err)
		}
		if n := rdb.Exists(ctx, "b").Val(); n != 0 {
			t.Fatalf("proto %d: a discarded transaction ran", proto)
		}

		// Watch: a write by another client makes EXEC fail with TxFailedErr.
		other := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: proto})
		t.Cleanup(func() { other.Close() })
		err = rdb.Watch(ctx, func(tx *redis.Tx) error {
			n, _ := tx.Get(ctx, "w").Int()
			other.Set(ctx, "w", "100", 0)
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "w", n+1, 0)
				return nil
			})
			return err
		}, "w")
		if !errors.Is(err, redis.TxFailedErr) {
			t.Fatalf("proto %d: Watch after a concurrent write: %v", proto, err)
		}
		if v := rdb.Get(ctx, "w").Val(); v != "100" {
			t.Fatalf("proto %d: w = %q", proto, v)
		}
		err = rdb.Watch(ctx, func(tx *redis.Tx) error {
			n, _ := tx.Get(ctx, "w").Int()
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "w", n+1, 0)
				return nil
			})
			return err
		}, "w")
		if err != nil || rdb.Get(ctx, "w").Val() != "101" {
			t.Fatalf("proto %d: Watch without interference: %v", proto, err)
		}
	}
}

// TestWatchCountersNoLostUpdate has 50 clients increment shared counters
// with WATCH/GET/MULTI/SET/EXEC: every counter must equal the number of
// EXECs that succeeded on it.
func TestWatchCountersNoLostUpdate(t *testing.T) {
	srv := redmodtest.Run(t)
	ctx := context.Background()
	const clients, rounds, counters = 50, 40, 3
	var mu sync.Mutex
	wins := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
			defer rdb.Close()
			for r := 0; r < rounds; r++ {
				key := fmt.Sprintf("counter:%d", (i+r)%counters)
				err := rdb.Watch(ctx, func(tx *redis.Tx) error {
					n, err := tx.Get(ctx, key).Int()
					if err != nil && err != redis.Nil {
						return err
					}
					_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Set(ctx, key, n+1, 0)
						return nil
					})
					return err
				}, key)
				switch {
				case err == nil:
					mu.Lock()
					wins[key]++
					mu.Unlock()
				case errors.Is(err, redis.TxFailedErr):
				default:
					errs <- err
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	total := 0
	for k, n := range wins {
		v, _ := rdb.Get(ctx, k).Int()
		if v != n {
			t.Errorf("%s = %d after %d successful EXECs (lost updates)", k, v, n)
		}
		total += n
	}
	if total == 0 {
		t.Fatal("no EXEC succeeded")
	}
	if n := srv.Keyspace().NumWatches(); n != 0 {
		t.Errorf("%d watches left after the clients left", n)
	}
}

// TestWatchExpiry follows Redis 7.0's rules for watched keys and expiry:
// a key that expires after WATCH fails EXEC (lazily, before anything removes
// it, and once active expiry removed it); a key already expired when watched
// does not, even when it is then removed, flushed or swapped away.
func TestWatchExpiry(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.Hz = 500 }))
	c := dial(t, srv.Addr())
	ff := func() { srv.FastForward(time.Hour) }
	execReply := func() string {
		t.Helper()
		do(t, c, "MULTI")
		do(t, c, "PING")
		return do(t, c, "EXEC").String()
	}
	// Live when watched, expired at EXEC (before active expiry got to it:
	// the clock jumps, and EXEC comes at once).
	do(t, c, "SET", "k", "1", "PX", "100000")
	do(t, c, "WATCH", "k")
	ff()
	if r := execReply(); r != "(nil)" {
		t.Errorf("EXEC after the watched key expired: %s", r)
	}
	// Expired already when watched: no change, whatever removes it.
	for _, remove := range [][]string{nil, {"EXISTS", "s"}, {"FLUSHDB"}, {"SWAPDB", "0", "1"}} {
		do(t, c, "FLUSHALL")
		do(t, c, "SET", "s", "1", "PX", "100000")
		ff()
		do(t, c, "WATCH", "s")
		if remove != nil {
			do(t, c, remove...)
		}
		if r := execReply(); r != "*[+PONG]" {
			t.Errorf("stale watched key, then %q: EXEC = %s", remove, r)
		}
	}
	// A stale key replaced by a new value is a change.
	do(t, c, "SET", "s", "1", "PX", "100000")
	ff()
	do(t, c, "WATCH", "s")
	do(t, c, "SET", "s", "2")
	if r := execReply(); r != "(nil)" {
		t.Errorf("stale watched key set again: EXEC = %s", r)
	}
	// Removed by active expiry while watched.
	do(t, c, "FLUSHALL")
	do(t, c, "SET", "x", "1", "PX", "50")
	do(t, c, "WATCH", "x")
	deadline := time.Now().Add(5 * time.Second)
	for srv.Keyspace().DB(0).Len() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if r := execReply(); r != "(nil)" {
		t.Errorf("EXEC after active expiry removed the watched key: %s", r)
	}
}

// TestWatchOtherClientsAndModules checks that writes by other clients touch
// watched keys, including writes made in place by module code and through
// Keyspace.Update, and that clients that watch nothing leave no trace.
func TestWatchOtherClientsAndModules(t *testing.T) {
	srv := redmodtest.Run(t)
	a, b := dial(t, srv.Addr()), dial(t, srv.Addr())
	check := func(what, want string) {
		t.Helper()
		do(t, a, "MULTI")
		do(t, a, "PING")
		if r := do(t, a, "EXEC").String(); r != want {
			t.Errorf("%s: EXEC = %s, want %s", what, r, want)
		}
	}
	writes := [][]string{
		{"SET", "k", "v"}, {"APPEND", "k", "x"}, {"DEL", "k"}, {"RPUSH", "k", "a"}, {"LPOP", "k"},
		{"HSET", "k", "f", "v"}, {"HINCRBY", "k", "n", "1"}, {"EXPIRE", "k", "100"}, {"PERSIST", "k"},
		{"RENAME", "k", "k2"}, {"RENAME", "k2", "k"}, {"COPY", "k", "k3"}, {"MOVE", "k3", "1"},
	}
	for _, w := range writes {
		do(t, a, "WATCH", "k", "k3")
		do(t, b, w...)
		check(strings.Join(w, " "), "(nil)")
	}
	do(t, a, "WATCH", "k")
	do(t, b, "HGET", "k", "f")
	do(t, b, "SET", "other", "1")
	do(t, b, "HSETNX", "k", "f", "v") // changes nothing
	check("reads, other keys and a write that changed nothing", "*[+PONG]")

	do(t, a, "WATCH", "k")
	srv.Update(func(ks *core.Keyspace) error { ks.DB(0).Delete([]byte("k")); return nil })
	check("Keyspace.Update", "(nil)")

	cl := do(t, b, "CLIENT", "LIST").Str
	if !strings.Contains(cl, "multi=-1") {
		t.Errorf("CLIENT LIST: %s", cl)
	}
	do(t, a, "WATCH", "k")
	do(t, b, "SET", "k", "1")
	do(t, a, "MULTI")
	do(t, a, "PING")
	list := do(t, b, "CLIENT", "LIST").Str
	if !strings.Contains(list, "flags=xd ") || !strings.Contains(list, "multi=1 ") {
		t.Errorf("CLIENT LIST of a client in MULTI with a touched key: %s", list)
	}
	do(t, a, "DISCARD")
	if n := srv.Keyspace().NumWatches(); n != 0 {
		t.Errorf("%d watches after DISCARD", n)
	}
}

// TestPauseWriteHoldsWritingExec checks CLIENT PAUSE WRITE against
// transactions, as Redis 7.0 does: an EXEC whose queued commands may write
// waits for the pause to end; one that only reads runs.
func TestPauseWriteHoldsWritingExec(t *testing.T) {
	srv := redmodtest.Run(t)
	admin, a := dial(t, srv.Addr()), dial(t, srv.Addr())
	do(t, a, "MULTI")
	do(t, a, "GET", "k")
	do(t, a, "PING")
	do(t, admin, "CLIENT", "PAUSE", "60000", "WRITE")
	if r := do(t, a, "EXEC").String(); !strings.Contains(r, "PONG") {
		t.Fatalf("read-only EXEC during PAUSE WRITE: %s", r)
	}
	do(t, admin, "CLIENT", "UNPAUSE")
	// Queued before the pause (a write sent during it waits, as in Redis).
	do(t, a, "MULTI")
	do(t, a, "SET", "k", "v")
	do(t, admin, "CLIENT", "PAUSE", "60000", "WRITE")
	done := make(chan string, 1)
	go func() {
		r, err := a.Do("EXEC")
		if err != nil {
			done <- err.Error()
			return
		}
		done <- r.String()
	}()
	select {
	case r := <-done:
		t.Fatalf("EXEC with a write ran during PAUSE WRITE: %s", r)
	case <-time.After(100 * time.Millisecond):
	}
	do(t, admin, "CLIENT", "UNPAUSE")
	select {
	case r := <-done:
		if !strings.Contains(r, "OK") {
			t.Fatalf("EXEC after UNPAUSE: %s", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("EXEC still held after UNPAUSE")
	}
}

// TestGoRedisTxCases covers what go-redis's own Tx tests exercise: 100
// goroutines incrementing one key through Watch with retries (exactly 100),
// a transaction of 20000 commands, and an empty one.
func TestGoRedisTxCases(t *testing.T) {
	// Its 10,000-command transaction runs long enough under the race
	// detector without the key checks' atomic loads on every access.
	srv := redmodtest.Run(t, redmodtest.WithoutKeyChecks())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	var incr func(key string) error
	incr = func(key string) error {
		err := rdb.Watch(ctx, func(tx *redis.Tx) error {
			n, err := tx.Get(ctx, key).Int64()
			if err != nil && err != redis.Nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, n+1, 0)
				return nil
			})
			return err
		}, key)
		if errors.Is(err, redis.TxFailedErr) {
			return incr(key)
		}
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := incr("key"); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, _ := rdb.Get(ctx, "key").Int64(); n != 100 {
		t.Fatalf("key = %d after 100 transactional increments", n)
	}

	const bulk = 20000
	cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < bulk; i++ {
			p.Incr(ctx, "bulk")
		}
		return nil
	})
	if err != nil || len(cmds) != bulk {
		t.Fatalf("bulk transaction: %d replies, %v", len(cmds), err)
	}
	if n, _ := rdb.Get(ctx, "bulk").Int64(); n != bulk {
		t.Fatalf("bulk = %d", n)
	}
	if err := rdb.Watch(ctx, func(tx *redis.Tx) error {
		_, err := tx.TxPipelined(ctx, func(redis.Pipeliner) error { return nil })
		return err
	}); err != nil {
		t.Fatalf("empty transaction: %v", err)
	}
}
