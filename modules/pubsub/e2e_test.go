package pubsub_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

func TestPubSubGoRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("RESP"+strconv.Itoa(proto), func(t *testing.T) {
			ctx := context.Background()
			srv := redmodtest.Run(t)
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: proto})
			defer rdb.Close()
			ps := rdb.Subscribe(ctx, "news")
			defer ps.Close()
			if _, err := ps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if err := ps.PSubscribe(ctx, "n*"); err != nil {
				t.Fatal(err)
			}
			if _, err := ps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if n := rdb.Publish(ctx, "news", "hello").Val(); n != 2 {
				t.Fatalf("PUBLISH reached %d, want 2", n)
			}
			ch := ps.Channel()
			got := map[string]string{}
			for i := 0; i < 2; i++ {
				select {
				case m := <-ch:
					got[m.Pattern] = m.Channel + "/" + m.Payload
				case <-time.After(5 * time.Second):
					t.Fatal("message not received")
				}
			}
			if got[""] != "news/hello" || got["n*"] != "news/hello" {
				t.Fatalf("messages %v", got)
			}
			if err := ps.Ping(ctx, "x"); err != nil {
				t.Fatal(err)
			}
			if n := rdb.PubSubNumSub(ctx, "news").Val()["news"]; n != 1 {
				t.Fatalf("NUMSUB = %d", n)
			}
			if n := rdb.PubSubNumPat(ctx).Val(); n != 1 {
				t.Fatalf("NUMPAT = %d", n)
			}
			ss := rdb.SSubscribe(ctx, "shard")
			defer ss.Close()
			if _, err := ss.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if n := rdb.SPublish(ctx, "shard", "s").Val(); n != 1 {
				t.Fatalf("SPUBLISH reached %d", n)
			}
			if m, err := ss.ReceiveMessage(ctx); err != nil || m.Payload != "s" {
				t.Fatalf("smessage %v %v", m, err)
			}
			info := rdb.Info(ctx, "stats").Val()
			for _, f := range []string{"pubsub_channels:1", "pubsub_patterns:1", "pubsubshard_channels:1"} {
				if !contains(info, f) {
					t.Errorf("INFO stats lacks %s", f)
				}
			}
		})
	}
}

func contains(s, sub string) bool { return len(sub) == 0 || indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestPubSubLoad publishes as fast as possible to many subscribers, one of
// which never reads: every reader gets every message in order, the
// non-reader is disconnected at its output limit, and the others carry on.
func TestPubSubLoad(t *testing.T) {
	const readers, messages = 100, 500
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) {
		if err := c.Apply("client-output-buffer-limit", "pubsub 256kb 128kb 60"); err != nil {
			t.Fatal(err)
		}
	}))
	payload := make([]byte, 100)
	for i := range payload {
		payload[i] = 'x'
	}
	// The non-reader: subscribes, then never reads; a small receive buffer
	// makes the server's side fill up quickly.
	stalled, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	stalled.(*net.TCPConn).SetReadBuffer(4096)
	stalled.Write(resp.Encode("SUBSCRIBE", "load", "bulk"))

	var wg sync.WaitGroup
	errs := make(chan error, readers)
	ready := make(chan struct{}, readers)
	for i := 0; i < readers; i++ {
		c, err := resp.Dial(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Do("SUBSCRIBE", "load"); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready <- struct{}{}
			for j := 0; j < messages; j++ {
				m, err := c.Read()
				if err != nil {
					errs <- err
					return
				}
				if len(m.Elems) != 3 || m.Elems[2].Str != strconv.Itoa(j)+string(payload) {
					errs <- fmt.Errorf("message %d: %s", j, m)
					return
				}
			}
		}()
	}
	for i := 0; i < readers; i++ {
		<-ready
	}
	pub, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	// Pipelined in batches, as a publisher at full speed sends them.
	for j := 0; j < messages; j += 100 {
		var batch []byte
		for k := j; k < j+100; k++ {
			batch = append(batch, resp.Encode("PUBLISH", "load", strconv.Itoa(k)+string(payload))...)
		}
		if err := pub.Write(batch); err != nil {
			t.Fatal(err)
		}
		for k := j; k < j+100; k++ {
			if _, err := pub.Read(); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Then large messages to a channel only the non-reader follows, more
	// than the kernel's socket buffers hold: it goes over 256 KB behind and
	// is closed, while PUBLISH never waits for it.
	big := string(make([]byte, 1<<20))
	for i := 0; i < 32; i++ {
		if _, err := pub.Do("PUBLISH", "bulk", big); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, _ := pub.Do("PUBSUB", "NUMSUB", "load")
		if len(r.Elems) == 2 && r.Elems[1].Str == strconv.Itoa(readers) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stalled subscriber is still subscribed: %s", r)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
