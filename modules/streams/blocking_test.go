package streams_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

func newClient(t *testing.T, srv *redmodtest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ReadTimeout: -1, PoolSize: 8})
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
	deadline := time.Now().Add(10 * time.Second)
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

// blockingRead sends a command on its own connection and returns a channel
// with its reply.
func blockingRead(t *testing.T, srv *redmodtest.Server, args ...string) <-chan resp.Reply {
	t.Helper()
	c := dial(t, srv)
	if err := c.Write(resp.Encode(args...)); err != nil {
		t.Fatal(err)
	}
	ch := make(chan resp.Reply, 1)
	go func() {
		r, err := c.ReadTimeout(20 * time.Second)
		if err != nil {
			r = resp.Reply{Kind: '!', Str: err.Error()}
		}
		ch <- r
	}()
	return ch
}

func await(t *testing.T, ch <-chan resp.Reply) resp.Reply {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no reply")
	}
	return resp.Reply{}
}

func TestXReadBlockWokenByXAdd(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-1", Values: []string{"a", "1"}})
	// "$" is the last ID when the client blocks: 1-1, so 2-1 is served
	// even though it is the stream's last ID at the wake.
	ch := blockingRead(t, srv, "XREAD", "BLOCK", "0", "STREAMS", "s", "nokey", "$", "$")
	other := blockingRead(t, srv, "XREAD", "BLOCK", "0", "STREAMS", "s", "1-1")
	waitBlocked(t, rdb, 2)
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "2-1", Values: []string{"b", "2"}})
	want := `*[*["s" *[*["2-1" *["b" "2"]]]]]`
	if r := await(t, ch); r.String() != want {
		t.Fatalf("XREAD = %s, want %s", r, want)
	}
	if r := await(t, other); r.String() != want {
		t.Fatalf("second XREAD = %s, want %s", r, want)
	}
	waitBlocked(t, rdb, 0)
	if n := srv.Keyspace().NumWaiters(); n != 0 {
		t.Fatalf("%d waiters left", n)
	}
}

func TestXReadBlockTimeoutAndUnblock(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	if r := await(t, blockingRead(t, srv, "XREAD", "BLOCK", "20", "STREAMS", "s", "$")); !r.Null {
		t.Fatalf("timeout reply %s", r)
	}
	c := dial(t, srv)
	id, _ := c.Do("CLIENT", "ID")
	if err := c.Write(resp.Encode("XREAD", "BLOCK", "0", "STREAMS", "s", "$")); err != nil {
		t.Fatal(err)
	}
	waitBlocked(t, rdb, 1)
	// A key of another type keeps XREAD waiting.
	rdb.Set(ctx, "s", "x", 0)
	rdb.Del(ctx, "s")
	// SET and DEL wake the waiter, which looks again and waits on: until
	// its goroutine is back in the wait, CLIENT UNBLOCK finds it running
	// and answers 0, so ask until it is taken.
	deadline := time.Now().Add(10 * time.Second)
	for rdb.ClientUnblockWithError(ctx, parseInt(t, id.Str)).Val() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("CLIENT UNBLOCK never found the client waiting")
		}
		time.Sleep(time.Millisecond)
	}
	r, err := c.ReadTimeout(10 * time.Second)
	if err != nil || r.Str != "UNBLOCKED client unblocked via CLIENT UNBLOCK" {
		t.Fatalf("unblocked reply %s %v", r, err)
	}
	waitBlocked(t, rdb, 0)
}

func parseInt(t *testing.T, s string) int64 {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestXReadGroupBlocking(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	setup := func() {
		rdb.Del(ctx, "s")
		rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "666", Values: []string{"f", "v"}})
		rdb.XGroupCreate(ctx, "s", "g", "$")
	}
	cases := []struct {
		name   string
		change func()
		want   string
	}{
		{"served", func() { rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "667", Values: []string{"a", "b"}}) },
			`*[*["s" *[*["667-0" *["a" "b"]]]]]`},
		{"deleted", func() { rdb.Del(ctx, "s") }, `-UNBLOCKED the stream key no longer exists`},
		{"type changed", func() { rdb.Set(ctx, "s", "x", 0) }, `-UNBLOCKED the stream key no longer exists`},
		{"group destroyed", func() { rdb.XGroupDestroy(ctx, "s", "g") },
			`-NOGROUP the consumer group this client was blocked on no longer exists`},
		{"flushall", func() { rdb.FlushAll(ctx) }, `-UNBLOCKED the stream key no longer exists`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setup()
			ch := blockingRead(t, srv, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
			waitBlocked(t, rdb, 1)
			tc.change()
			if r := await(t, ch); r.String() != tc.want {
				t.Fatalf("reply %s, want %s", r, tc.want)
			}
			waitBlocked(t, rdb, 0)
		})
	}
	// An entry added and deleted does not wake the reader with nothing.
	setup()
	ch := blockingRead(t, srv, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "50", "STREAMS", "s", ">")
	waitBlocked(t, rdb, 1)
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "667", Values: []string{"a", "b"}})
	rdb.XDel(ctx, "s", "667")
	if r := await(t, ch); !r.Null && r.String() != `*[*["s" *[*["667-0" *["a" "b"]]]]]` {
		t.Fatalf("reply %s", r)
	}
}

// TestXReadBlockSameStreamTwice: a woken client is served from one stream
// once, even when it named the stream several times.
func TestXReadBlockSameStreamTwice(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s2", ID: "1-1", Values: []string{"old", "x"}})
	ch := blockingRead(t, srv, "XREAD", "BLOCK", "20000", "STREAMS", "s2", "s2", "s2", "$", "$", "$")
	waitBlocked(t, rdb, 1)
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s2", ID: "2-1", Values: []string{"new", "y"}})
	if r, want := await(t, ch), `*[*["s2" *[*["2-1" *["new" "y"]]]]]`; r.String() != want {
		t.Fatalf("XREAD = %s, want %s", r, want)
	}
}
