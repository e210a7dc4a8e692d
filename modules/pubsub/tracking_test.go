package pubsub_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// TestDiffTracking compares client-side caching with Redis: option errors,
// CLIENT TRACKINGINFO, RESP3 invalidations (after the writer's own reply),
// BCAST, NOLOOP, FLUSHALL's null invalidation and RESP2 redirection.
func TestDiffTracking(t *testing.T) {
	ours, ref := servers(t)
	a, b := dial(t, ours, ref), dial(t, ours, ref)
	for _, args := range [][]string{
		{"CLIENT", "TRACKING", "on", "redirect", "999999"},
		{"CLIENT", "TRACKING", "on", "prefix", "a"},
		{"CLIENT", "TRACKING", "on", "optin", "optout"},
		{"CLIENT", "TRACKING", "on", "bcast", "optin"},
		{"CLIENT", "TRACKING", "on", "foo"},
		{"CLIENT", "TRACKING", "maybe"},
		{"CLIENT", "TRACKING", "on", "bcast", "prefix", "a", "prefix", "ab"},
		{"CLIENT", "CACHING", "yes"},
		{"CLIENT", "GETREDIR"},
		{"CLIENT", "TRACKINGINFO"},
		{"CLIENT", "TRACKING", "on", "optin"},
		{"CLIENT", "CACHING", "no"},
		{"CLIENT", "CACHING", "maybe"},
		{"CLIENT", "CACHING", "yes"},
		{"CLIENT", "TRACKINGINFO"},
		{"CLIENT", "TRACKING", "on", "bcast"},
		{"CLIENT", "TRACKING", "on", "optout"},
		{"CLIENT", "TRACKING", "off"},
		{"CLIENT", "TRACKINGINFO"},
		{"CLIENT", "GETREDIR"},
	} {
		a.do(1, args...)
	}
	// RESP3: reads are tracked, writes by anyone invalidate, after the
	// writer's reply when it is the tracking client itself.
	a.send("HELLO", "3")
	a.skip(1)
	a.do(1, "CLIENT", "TRACKING", "on")
	a.do(1, "GET", "k1")
	b.do(1, "SET", "k1", "v")
	a.expect(1, "invalidation of k1")
	a.do(1, "MGET", "k1", "k2")
	a.do(2, "SET", "k2", "x")
	b.do(1, "FLUSHALL")
	a.expect(1, "null invalidation")
	a.do(1, "GET", "k3")
	b.do(1, "SET", "k3", "1")
	a.expect(1, "invalidation of k3")
	b.do(1, "SET", "k3", "2") // no longer tracked: nothing
	a.do(1, "CLIENT", "TRACKING", "off")
	a.do(1, "CLIENT", "TRACKING", "on", "bcast", "prefix", "p:", "noloop")
	a.do(1, "CLIENT", "TRACKINGINFO")
	a.do(1, "SET", "p:own", "1") // NOLOOP: no invalidation for its own write
	b.do(1, "SET", "p:other", "1")
	a.expect(1, "BCAST invalidation")
	b.do(1, "SET", "q:other", "1")
	a.do(1, "PING")
	// BCAST batches: one message per prefix listing every key the command
	// (here EXEC, and MSET) changed, sorted.
	a.do(1, "CLIENT", "TRACKING", "off")
	a.do(1, "CLIENT", "TRACKING", "on", "bcast", "prefix", "b:", "prefix", "a:")
	b.do(1, "MULTI")
	for _, k := range []string{"b:2", "a:2", "a:1", "b:1", "c:1"} {
		b.do(1, "INCR", k)
	}
	b.do(1, "EXEC")
	a.expect(2, "BCAST invalidations of a transaction, one per prefix")
	a.do(1, "CLIENT", "TRACKING", "off")
	a.do(1, "CLIENT", "TRACKING", "on", "bcast")
	b.do(1, "MSET", "m3", "1", "m1", "2", "m2", "3")
	a.expect(1, "BCAST invalidation of an MSET")
	a.do(1, "MSET", "m3", "1", "m1", "2") // its own: after its reply
	a.expect(1, "BCAST invalidation of its own MSET")
	a.do(1, "RESET")

	// RESP2 with redirection to a subscriber of __redis__:invalidate.
	c := dial(t, ours, ref)
	r1, _ := c.ours.Do("CLIENT", "ID")
	r2, _ := c.ref.Do("CLIENT", "ID")
	c.do(1, "SUBSCRIBE", "__redis__:invalidate")
	if _, err := a.ours.Do("CLIENT", "TRACKING", "on", "REDIRECT", strconv.FormatInt(mustInt(t, r1.Str), 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ref.Do("CLIENT", "TRACKING", "on", "REDIRECT", strconv.FormatInt(mustInt(t, r2.Str), 10)); err != nil {
		t.Fatal(err)
	}
	a.do(1, "GET", "r")
	b.do(1, "SET", "r", "1")
	c.expect(1, "redirected invalidation")
	b.do(1, "FLUSHDB")
	c.expect(1, "redirected null invalidation")
}

func mustInt(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDiffTrackingScripts compares tracking through scripts with Redis: a
// script that calls a read-only command tracks the keys it declared for its
// caller (EVAL_RO only through such a call), and the script's writes are
// the caller's for NOLOOP and come after its reply.
func TestDiffTrackingScripts(t *testing.T) {
	ours, ref := servers(t)
	a, b := dial(t, ours, ref), dial(t, ours, ref)
	a.send("HELLO", "3")
	a.skip(1)
	a.do(1, "CLIENT", "TRACKING", "on")
	a.do(1, "EVAL", "redis.call('set', 'k3', 'bar')", "2", "k1", "k2")
	b.do(1, "MSET", "k2", "1", "k1", "1")
	a.do(1, "EVAL", "redis.call('get', 'k3')", "2", "k1", "k2")
	b.do(1, "MSET", "k2", "2", "k1", "2")
	a.expect(2, "invalidations of a script's declared keys")
	a.do(1, "EVAL_RO", "redis.call('ping')", "2", "k1", "k2")
	b.do(1, "MSET", "k2", "2", "k1", "2")
	a.do(1, "EVAL_RO", "return redis.call('get', 'k1')", "2", "k1", "k2")
	b.do(1, "MSET", "k2", "3", "k1", "3")
	a.expect(2, "invalidations after EVAL_RO")
	a.do(1, "GET", "k1")
	a.do(2, "EVAL", "return redis.call('set', 'k1', '2')", "1", "k1")
	a.do(1, "CLIENT", "TRACKING", "off")
	a.do(1, "CLIENT", "TRACKING", "on", "NOLOOP")
	a.do(1, "GET", "k1")
	a.do(1, "EVAL", "return redis.call('set', 'k1', '3')", "1", "k1")
	a.do(1, "PING")
	a.quiet()
}

// TestDiffTrackingRedirBroken compares the tracking-redir-broken push a
// RESP3 client gets when its redirection client has quit.
func TestDiffTrackingRedirBroken(t *testing.T) {
	ours, ref := servers(t)
	a, b, c := dial(t, ours, ref), dial(t, ours, ref), dial(t, ours, ref)
	a.send("HELLO", "3")
	a.skip(1)
	r1, _ := c.ours.Do("CLIENT", "ID")
	r2, _ := c.ref.Do("CLIENT", "ID")
	if _, err := a.ours.Do("CLIENT", "TRACKING", "on", "REDIRECT", r1.Str); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ref.Do("CLIENT", "TRACKING", "on", "REDIRECT", r2.Str); err != nil {
		t.Fatal(err)
	}
	a.do(1, "GET", "k")
	c.do(1, "QUIT")
	b.do(1, "SET", "k", "1")
	a.send("PING")
	o, err1 := a.ours.Read()
	r, err2 := a.ref.Read()
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	want := strings.Replace(r.Raw, r2.Str, r1.Str, 1)
	if o.Raw != want {
		t.Errorf("redmod %q, redis %q", o.Raw, r.Raw)
	}
	a.expect(1, "PING")
}

// TestDiffTrackingOrder compares where a client's own invalidations go with
// Redis: after the reply of the command that caused them (a lazy expiry in
// an MGET, a transaction, a flush in a transaction); and the tracking table
// after a flush and under a lowered tracking-table-max-keys.
func TestDiffTrackingOrder(t *testing.T) {
	a, b := debugPairs(t)
	b.do(1, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
	a.do(1, "CLIENT", "TRACKING", "on")
	a.do(1, "SET", "x", "1")
	a.do(1, "SET", "y", "2", "PX", "30")
	a.do(1, "GET", "y")
	time.Sleep(50 * time.Millisecond) // y's TTL passes
	a.do(2, "MGET", "x", "y")
	b.do(1, "DEBUG", "SET-ACTIVE-EXPIRE", "1")
	a.do(1, "GET", "x")
	a.do(1, "MULTI")
	a.do(1, "INCR", "x")
	a.do(1, "GET", "y")
	a.do(2, "EXEC")
	a.do(1, "MULTI")
	a.do(1, "FLUSHDB")
	a.do(2, "EXEC")
	// SWAPDB tells tracking clients nothing in Redis 7.0.
	a.do(1, "GET", "x")
	b.do(1, "SWAPDB", "0", "1")
	a.do(1, "SWAPDB", "0", "1")
	a.do(1, "MULTI")
	a.do(1, "SWAPDB", "0", "1")
	a.do(1, "EXEC")
	a.do(1, "PING")
	// A flush forgets keys read by clients that no longer track.
	a.do(1, "GET", "x")
	a.do(1, "CLIENT", "TRACKING", "off")
	b.do(1, "FLUSHALL")
	a.do(1, "CLIENT", "TRACKING", "on")
	b.do(1, "SET", "x", "1")
	a.do(1, "PING")
	// A lowered tracking-table-max-keys applies before the next command,
	// even one queued in a transaction.
	b.do(1, "DEBUG", "PAUSE-CRON", "1")
	a.do(1, "MGET", "k1", "k2")
	a.do(1, "MULTI")
	b.do(1, "CONFIG", "SET", "tracking-table-max-keys", "1")
	a.send("PING")
	// Which key goes is random: either is an invalidation of one key.
	for _, conn := range []*resp.Conn{a.ours, a.ref} {
		r, err := conn.Read()
		if err != nil || !strings.Contains(r.Raw, "invalidate\r\n*1\r\n$2\r\nk") {
			t.Errorf("want an invalidation of k1 or k2, got %q, %v", r.Raw, err)
		}
	}
	a.expect(1, "QUEUED")
	b.do(1, "CONFIG", "SET", "tracking-table-max-keys", "0")
	b.do(1, "DEBUG", "PAUSE-CRON", "0")
	a.do(1, "EXEC")
	a.quiet()
}

// TestDiffTrackingInvalidationAfterBatch: another client's write to a key
// this client read earlier in a pipelined batch invalidates it after the
// batch's replies, as Redis sends it (its commands run one at a time): a
// client never sees the invalidation ahead of the reply holding the value
// it invalidates.
func TestDiffTrackingInvalidationAfterBatch(t *testing.T) {
	a, b := debugPairs(t)
	a.do(1, "CLIENT", "TRACKING", "on")
	a.do(1, "SET", "k", "v")
	var pipe []byte
	for _, cmd := range [][]string{{"GET", "k"}, {"DEBUG", "SLEEP", "0.3"}, {"PING"}} {
		pipe = append(pipe, resp.Encode(cmd...)...)
	}
	for _, cn := range []*resp.Conn{a.ours, a.ref} {
		if err := cn.Write(pipe); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond) // while a's batch sleeps
	b.send("SET", "k", "v2")
	a.expect(4, "GET k, DEBUG SLEEP, PING, then the invalidation")
	b.expect(1, "SET k v2")
}

// debugServers starts a redmod that allows DEBUG beside the reference
// redis-server.
func debugServers(t *testing.T) (ours, ref string) {
	t.Helper()
	ref = difftest.Redis(t)
	ours = redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.EnableDebugCommand = "yes" })).Addr()
	return ours, ref
}

// debugPairs starts a redmod that allows DEBUG beside the reference
// redis-server and returns two connections to each, the first in RESP3.
func debugPairs(t *testing.T) (a, b *conns) {
	t.Helper()
	ours, ref := debugServers(t)
	a, b = dial(t, ours, ref), dial(t, ours, ref)
	a.send("HELLO", "3")
	a.skip(1)
	return a, b
}
