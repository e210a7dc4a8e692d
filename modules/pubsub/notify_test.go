package pubsub_test

import (
	"testing"
	"time"

	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// TestExpiredEvents checks that keys removed by lazy expiry (a command
// touching them) and by the active cycle both announce "expired".
func TestExpiredEvents(t *testing.T) {
	srv := redmodtest.Run(t)
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sub, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if r, _ := c.Do("CONFIG", "SET", "notify-keyspace-events", "KEx"); r.Str != "OK" {
		t.Fatalf("CONFIG SET: %s", r)
	}
	if r, _ := c.Do("CONFIG", "GET", "notify-keyspace-events"); len(r.Elems) != 2 || r.Elems[1].Str != "xKE" {
		t.Fatalf("CONFIG GET: %s", r)
	}
	sub.Do("PSUBSCRIBE", "*")
	expect := func(channel, msg string) {
		t.Helper()
		m, err := sub.ReadTimeout(5 * time.Second)
		if err != nil {
			t.Fatalf("waiting for %s %s: %v", channel, msg, err)
		}
		if len(m.Elems) != 4 || m.Elems[2].Str != channel || m.Elems[3].Str != msg {
			t.Fatalf("got %s, want %s %s", m, channel, msg)
		}
	}
	// Lazy: the key is found expired by GET.
	c.Do("PSETEX", "lazy", "100000", "v")
	srv.FastForward(time.Hour)
	if r, _ := c.Do("GET", "lazy"); !r.Null {
		t.Fatalf("GET of an expired key: %s", r)
	}
	expect("__keyspace@0__:lazy", "expired")
	expect("__keyevent@0__:expired", "lazy")
	// Active: nothing touches the key; the background cycle removes it.
	c.Do("PSETEX", "active", "100", "v")
	expect("__keyspace@0__:active", "expired")
	expect("__keyevent@0__:expired", "active")
	// Masking: string events are not enabled.
	c.Do("SET", "masked", "v")
	c.Do("PEXPIRE", "masked", "1")
	srv.FastForward(time.Hour)
	c.Do("EXISTS", "masked")
	expect("__keyspace@0__:masked", "expired")
}
