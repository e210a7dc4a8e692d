package streams_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

// consumerEntries is how many entries the consumer-group test produces:
// 100k, or 10k under the race detector, which slows every step about
// tenfold, so that the test runs in seconds on a loaded machine.
func consumerEntries() int {
	if raceEnabled || testing.Short() {
		return 10000
	}
	return 100000
}

// TestConsumerGroupDeliversEachEntryOnce runs 20 consumers of one group
// reading with BLOCK while 4 producers add entries: every entry must be
// delivered exactly once and acknowledged, leaving nothing pending.
func TestConsumerGroupDeliversEachEntryOnce(t *testing.T) {
	srv := redmodtest.Run(t)
	ctx := context.Background()
	n := consumerEntries()
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer admin.Close()
	if err := admin.XGroupCreateMkStream(ctx, "jobs", "g", "$").Err(); err != nil {
		t.Fatal(err)
	}
	var delivered sync.Map
	var count, dups atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ReadTimeout: -1, PoolSize: 1})
			defer rdb.Close()
			for {
				select {
				case <-done:
					return
				default:
				}
				res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: name,
					Streams: []string{"jobs", ">"}, Count: 50, Block: 200 * time.Millisecond}).Result()
				if err == redis.Nil {
					continue
				}
				if err != nil {
					t.Errorf("%s: XREADGROUP: %v", name, err)
					return
				}
				var ids []string
				for _, m := range res[0].Messages {
					if _, dup := delivered.LoadOrStore(m.ID, name); dup {
						dups.Add(1)
					}
					ids = append(ids, m.ID)
				}
				if err := rdb.XAck(ctx, "jobs", "g", ids...).Err(); err != nil {
					t.Errorf("XACK: %v", err)
					return
				}
				if count.Add(int64(len(ids))) >= int64(n) {
					select {
					case <-done:
					default:
						close(done)
					}
				}
			}
		}("consumer-" + strconv.Itoa(i))
	}
	var pwg sync.WaitGroup
	for p := 0; p < 4; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
			defer rdb.Close()
			for sent := 0; sent < n/4; {
				pipe := rdb.Pipeline()
				for j := 0; j < 100 && sent < n/4; j++ {
					pipe.XAdd(ctx, &redis.XAddArgs{Stream: "jobs", Values: []string{"producer", strconv.Itoa(p), "n", strconv.Itoa(sent)}})
					sent++
				}
				if _, err := pipe.Exec(ctx); err != nil {
					t.Errorf("XADD: %v", err)
					return
				}
			}
		}(p)
	}
	pwg.Wait()
	select {
	case <-done:
	case <-time.After(120 * time.Second):
		t.Fatalf("only %d of %d entries delivered", count.Load(), n)
	}
	wg.Wait()
	if d := dups.Load(); d != 0 {
		t.Fatalf("%d entries delivered twice", d)
	}
	if c := count.Load(); c != int64(n) {
		t.Fatalf("%d deliveries for %d entries", c, n)
	}
	if l := admin.XLen(ctx, "jobs").Val(); l != int64(n) {
		t.Fatalf("XLEN = %d", l)
	}
	p := admin.XPending(ctx, "jobs", "g").Val()
	if p.Count != 0 {
		t.Fatalf("XPENDING = %+v", p)
	}
	g := admin.XInfoGroups(ctx, "jobs").Val()
	if len(g) != 1 || g[0].EntriesRead != int64(n) || g[0].Lag != 0 || g[0].Consumers != 20 {
		t.Fatalf("XINFO GROUPS = %+v", g)
	}
}

// TestRestartKeepsAcknowledgements saves while consumers acknowledge,
// restarts, and checks that no acknowledgement made before the save is
// lost and that the rest of the work can still be finished.
func TestRestartKeepsAcknowledgements(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	n := consumerEntries() / 10
	srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	rdb.XGroupCreateMkStream(ctx, "jobs", "g", "$")
	pipe := rdb.Pipeline()
	for i := 0; i < n; i++ {
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: "jobs", ID: "1-" + strconv.Itoa(i+1), Values: []string{"n", strconv.Itoa(i)}})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// Four consumers read and acknowledge while a save happens midway.
	var mu sync.Mutex
	ackedBeforeSave := map[string]bool{}
	var saving atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
			defer c.Close()
			for k := 0; k < n/8/10; k++ {
				res, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: name, Streams: []string{"jobs", ">"}, Count: 10, Block: -1}).Result()
				if err != nil {
					return
				}
				var ids []string
				for _, m := range res[0].Messages {
					ids = append(ids, m.ID)
				}
				before := !saving.Load()
				c.XAck(ctx, "jobs", "g", ids...)
				if before {
					mu.Lock()
					for _, id := range ids {
						ackedBeforeSave[id] = true
					}
					mu.Unlock()
				}
			}
		}("c" + strconv.Itoa(i))
	}
	// Save once some acknowledgements are in, while the rest go on.
	for deadline := time.Now().Add(20 * time.Second); ; {
		mu.Lock()
		k := len(ackedBeforeSave)
		mu.Unlock()
		if k >= n/20 || time.Now().After(deadline) {
			break
		}
		runtime.Gosched()
	}
	saving.Store(true)
	if err := rdb.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	rdb.Close()
	srv.Close()

	srv2 := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb2 := redis.NewClient(&redis.Options{Addr: srv2.Addr()})
	defer rdb2.Close()
	if l := rdb2.XLen(ctx, "jobs").Val(); l != int64(n) {
		t.Fatalf("XLEN after restart = %d, want %d", l, n)
	}
	pend := rdb2.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "jobs", Group: "g", Start: "-", End: "+", Count: int64(n)}).Val()
	for _, p := range pend {
		if ackedBeforeSave[p.ID] {
			t.Fatalf("%s was acknowledged before the save but is pending after the restart", p.ID)
		}
	}
	// Finish the work: claim what is pending, read what is new.
	acked := 0
	for {
		res, _, err := rdb2.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: "jobs", Group: "g", Consumer: "late", Start: "0", Count: 100}).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(res) == 0 {
			break
		}
		for _, m := range res {
			acked += int(rdb2.XAck(ctx, "jobs", "g", m.ID).Val())
		}
	}
	for {
		res, err := rdb2.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "late", Streams: []string{"jobs", ">"}, Count: 100, Block: -1}).Result()
		if err == redis.Nil {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res[0].Messages {
			acked += int(rdb2.XAck(ctx, "jobs", "g", m.ID).Val())
		}
	}
	if p := rdb2.XPending(ctx, "jobs", "g").Val(); p.Count != 0 {
		t.Fatalf("pending after finishing: %+v", p)
	}
	if g := rdb2.XInfoGroups(ctx, "jobs").Val(); len(g) != 1 || g[0].LastDeliveredID != "1-"+strconv.Itoa(n) {
		t.Fatalf("XINFO GROUPS = %+v", g)
	}
	if acked == 0 {
		t.Fatal("nothing was left to finish after the restart")
	}
}
