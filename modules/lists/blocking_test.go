package lists_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/internal/resp"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

func newClient(t *testing.T, srv *redmodtest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ReadTimeout: -1, PoolSize: 4})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func dial(t *testing.T, srv *redmodtest.Server) *resp.Conn {
	t.Helper()
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitBlocked waits until n clients are blocked, as INFO reports them.
func waitBlocked(t *testing.T, rdb *redis.Client, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r\n", n)
	deadline := time.Now().Add(5 * time.Second)
	for {
		info := rdb.Info(context.Background(), "clients").Val()
		if strings.Contains(info, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %q; INFO clients:\n%s", want, info)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestBLPOPWokenByLPUSH(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	got := make(chan []string, 1)
	go func() { got <- rdb.BLPop(ctx, 0, "a", "q").Val() }()
	waitBlocked(t, rdb, 1)
	if n := rdb.LPush(ctx, "q", "v1").Val(); n != 1 {
		t.Fatalf("LPUSH = %d", n)
	}
	select {
	case v := <-got:
		if len(v) != 2 || v[0] != "q" || v[1] != "v1" {
			t.Fatalf("BLPOP = %q, want [q v1]", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("BLPOP was not woken")
	}
	if n := rdb.Exists(ctx, "q").Val(); n != 0 {
		t.Fatalf("the served list should be gone, EXISTS = %d", n)
	}
	waitBlocked(t, rdb, 0)
	if n := srv.Keyspace().NumWaiters(); n != 0 {
		t.Fatalf("%d waiters left", n)
	}
}

func TestBlockedClientsServedInOrder(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	const n = 3
	results := make([]chan string, n)
	for i := range results {
		results[i] = make(chan string, 1)
		c := newClient(t, srv)
		go func() { results[i] <- c.BRPop(ctx, 0, "q").Val()[1] }()
		waitBlocked(t, rdb, i+1) // each one blocks before the next
	}
	// One push serves the first waiter only.
	rdb.RPush(ctx, "q", "first")
	if v := <-results[0]; v != "first" {
		t.Fatalf("waiter 0 got %q", v)
	}
	waitBlocked(t, rdb, 2)
	// A push of two elements serves the next two, in order.
	rdb.LPush(ctx, "q", "second", "third")
	for i, want := range []string{"second", "third"} {
		select {
		case v := <-results[i+1]:
			if v != want {
				t.Fatalf("waiter %d got %q, want %q", i+1, v, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("waiter %d not served", i+1)
		}
	}
	waitBlocked(t, rdb, 0)
}

func TestBlockingTimeout(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	start := time.Now()
	// go-redis rounds durations up to seconds: send the 0.1 as it is.
	err := rdb.Do(ctx, "BLPOP", "nothing", "0.1").Err()
	elapsed := time.Since(start)
	if err != redis.Nil {
		t.Fatalf("BLPOP timeout: err = %v, want redis.Nil", err)
	}
	if elapsed < 100*time.Millisecond || elapsed > 3*time.Second {
		t.Fatalf("BLPOP 0.1 returned after %v", elapsed)
	}
	// The raw replies: a null array, in RESP2 and in RESP3.
	c := dial(t, srv)
	for _, cmd := range [][]string{
		{"BLPOP", "nothing", "0.01"}, {"BRPOPLPUSH", "nothing", "d", "0.01"},
		{"BLMOVE", "nothing", "d", "LEFT", "RIGHT", "0.01"}, {"BLMPOP", "0.01", "1", "nothing", "LEFT"},
	} {
		if r, err := c.Do(cmd...); err != nil || r.Raw != "*-1\r\n" {
			t.Fatalf("%q = %q, %v; want *-1", cmd, r.Raw, err)
		}
	}
	if r, err := c.Do("HELLO", "3"); err != nil {
		t.Fatal(err)
	} else if r.Raw[0] == '-' {
		t.Skipf("HELLO 3 not served by this build: %s", r)
	}
	if r, err := c.Do("BRPOP", "nothing", "0.01"); err != nil || r.Raw != "_\r\n" {
		t.Fatalf("RESP3 timeout = %q, %v; want _", r.Raw, err)
	}
	if n := srv.Keyspace().NumWaiters(); n != 0 {
		t.Fatalf("%d waiters left after timeouts", n)
	}
}

func TestDisconnectWhileBlocked(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ks := srv.Keyspace()
	var conns []*resp.Conn
	for i := 0; i < 3; i++ {
		c := dial(t, srv)
		if err := c.Write(resp.Encode("BLPOP", "k1", "k2", "0")); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		waitBlocked(t, rdb, i+1)
	}
	if n := ks.NumWaitingKeys(); n != 2 {
		t.Fatalf("waiting keys = %d, want 2", n)
	}
	// The first in line goes away: the second is now served first.
	conns[0].Close()
	waitBlocked(t, rdb, 2)
	ctx := context.Background()
	rdb.RPush(ctx, "k2", "v")
	r, err := conns[1].Read()
	if err != nil || r.Raw != "*2\r\n$2\r\nk2\r\n$1\r\nv\r\n" {
		t.Fatalf("second waiter got %q, %v", r.Raw, err)
	}
	conns[2].Close()
	waitBlocked(t, rdb, 0)
	deadline := time.Now().Add(5 * time.Second)
	for ks.NumWaiters() != 0 || ks.NumWaitingKeys() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("waiters %d, keys %d left", ks.NumWaiters(), ks.NumWaitingKeys())
		}
		time.Sleep(time.Millisecond)
	}
	// A push now is not swallowed by a departed client.
	rdb.RPush(ctx, "k1", "w")
	if n := rdb.LLen(ctx, "k1").Val(); n != 1 {
		t.Fatalf("LLEN = %d", n)
	}
}

func TestBLMOVEIntoWatchedList(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	popped := make(chan []string, 1)
	moved := make(chan string, 1)
	a, b := newClient(t, srv), newClient(t, srv)
	go func() { popped <- a.BLPop(ctx, 0, "dst").Val() }()
	waitBlocked(t, rdb, 1)
	go func() { moved <- b.BLMove(ctx, "src", "dst", "LEFT", "RIGHT", 0).Val() }()
	waitBlocked(t, rdb, 2)
	rdb.RPush(ctx, "src", "x")
	if v := <-moved; v != "x" {
		t.Fatalf("BLMOVE = %q", v)
	}
	if v := <-popped; len(v) != 2 || v[0] != "dst" || v[1] != "x" {
		t.Fatalf("BLPOP dst = %q", v)
	}
	if n := rdb.Exists(ctx, "src", "dst").Val(); n != 0 {
		t.Fatalf("EXISTS src dst = %d", n)
	}
	waitBlocked(t, rdb, 0)
}

// TestNoLockWhileBlocked: other clients use the key a client is blocked on;
// a value of another type does not serve (nor error) the blocked client, as
// in Redis 7.0.
func TestNoLockWhileBlocked(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	got := make(chan []string, 1)
	a := newClient(t, srv)
	go func() { got <- a.BRPop(ctx, 0, "k").Val() }()
	waitBlocked(t, rdb, 1)
	done := make(chan error, 1)
	go func() {
		if err := rdb.Set(ctx, "k", "string", 0).Err(); err != nil {
			done <- err
			return
		}
		if v := rdb.Get(ctx, "k").Val(); v != "string" {
			done <- fmt.Errorf("GET k = %q", v)
			return
		}
		if n := rdb.LLen(ctx, "other").Val(); n != 0 {
			done <- fmt.Errorf("LLEN other = %d", n)
			return
		}
		done <- rdb.Del(ctx, "k").Err()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("commands on the blocked key did not proceed")
	}
	waitBlocked(t, rdb, 1)
	rdb.RPush(ctx, "k", "a", "b")
	if v := <-got; len(v) != 2 || v[1] != "b" {
		t.Fatalf("BRPOP = %q", v)
	}
	if v := rdb.LRange(ctx, "k", 0, -1).Val(); len(v) != 1 || v[0] != "a" {
		t.Fatalf("LRANGE = %q", v)
	}
}

// TestPipelineAroundBlock: replies before the blocking command are sent
// before it waits, and commands pipelined after it run once it is served.
func TestPipelineAroundBlock(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	c := dial(t, srv)
	req := append(resp.Encode("RPUSH", "x", "1"), resp.Encode("BLPOP", "q", "0")...)
	req = append(req, resp.Encode("PING")...)
	if err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Read(); err != nil || r.Raw != ":1\r\n" {
		t.Fatalf("RPUSH reply %q, %v", r.Raw, err)
	}
	waitBlocked(t, rdb, 1)
	if err := c.Write(resp.Encode("LLEN", "x")); err != nil {
		t.Fatal(err)
	}
	if r, err := c.ReadTimeout(50 * time.Millisecond); err == nil {
		t.Fatalf("a blocked client answered %q", r.Raw)
	}
	rdb.LPush(context.Background(), "q", "v")
	for _, want := range []string{"*2\r\n$1\r\nq\r\n$1\r\nv\r\n", "+PONG\r\n", ":1\r\n"} {
		if r, err := c.Read(); err != nil || r.Raw != want {
			t.Fatalf("got %q, %v; want %q", r.Raw, err, want)
		}
	}
}

// TestBlockingStress: many consumers and producers; every element is
// delivered exactly once and nobody stays blocked.
func TestBlockingStress(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	const consumers, perProducer, producers = 8, 50, 4
	total := perProducer * producers
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < consumers; i++ {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ReadTimeout: -1, PoolSize: 1})
		defer c.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v, err := c.Do(ctx, "BLPOP", "q1", "q2", "0.05").StringSlice()
				if err == redis.Nil {
					select {
					case <-stop:
						return
					default:
						continue
					}
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[v[1]]++
				mu.Unlock()
			}
		}()
	}
	var pwg sync.WaitGroup
	for p := 0; p < producers; p++ {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			for i := 0; i < perProducer; i++ {
				key := []string{"q1", "q2"}[i%2]
				if err := rdb.RPush(ctx, key, fmt.Sprintf("%d-%d", p, i)).Err(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	pwg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == total || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if len(seen) != total {
		t.Fatalf("delivered %d distinct elements, want %d", len(seen), total)
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("%s delivered %d times", v, n)
		}
	}
	if n := srv.Keyspace().NumWaiters(); n != 0 {
		t.Fatalf("%d waiters left", n)
	}
}

func TestServerCloseWhileBlocked(t *testing.T) {
	srv, err := redmodtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(resp.Encode("BLPOP", "q", "0"))
	for srv.Keyspace().NumWaiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs with a blocked client")
	}
}

// TestBLMOVEWokenOntoWrongType: as in Redis 7.0, a BLMOVE woken while its
// destination holds another type answers WRONGTYPE and moves nothing.
func TestBLMOVEWokenOntoWrongType(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	c := dial(t, srv)
	if err := c.Write(resp.Encode("BLMOVE", "src", "dst", "LEFT", "LEFT", "0")); err != nil {
		t.Fatal(err)
	}
	waitBlocked(t, rdb, 1)
	rdb.Set(ctx, "dst", "str", 0)
	rdb.RPush(ctx, "src", "x")
	r, err := c.Read()
	if err != nil || r.Raw != "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" {
		t.Fatalf("BLMOVE = %q, %v", r.Raw, err)
	}
	if v := rdb.LRange(ctx, "src", 0, -1).Val(); len(v) != 1 || v[0] != "x" {
		t.Fatalf("src = %q", v)
	}
	waitBlocked(t, rdb, 0)
}
