package pubsub_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// conns is one client on each server; script steps run on both.
type conns struct {
	t         *testing.T
	ours, ref *resp.Conn
}

func servers(t *testing.T) (ours, ref string) {
	t.Helper()
	ref = difftest.Redis(t)
	return redmodtest.Run(t).Addr(), ref
}

func dial(t *testing.T, ours, ref string) *conns {
	t.Helper()
	o, err := resp.Dial(ours)
	if err != nil {
		t.Fatal(err)
	}
	r, err := resp.Dial(ref)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(); r.Close() })
	return &conns{t: t, ours: o, ref: r}
}

// send writes a command to both without reading.
func (c *conns) send(args ...string) {
	c.t.Helper()
	if err := c.ours.Write(resp.Encode(args...)); err != nil {
		c.t.Fatal(err)
	}
	if err := c.ref.Write(resp.Encode(args...)); err != nil {
		c.t.Fatal(err)
	}
}

// sendPipeline sends cmds to both in one write each.
func (c *conns) sendPipeline(cmds ...[]string) {
	c.t.Helper()
	var pipe []byte
	for _, cmd := range cmds {
		pipe = append(pipe, resp.Encode(cmd...)...)
	}
	for _, cn := range []*resp.Conn{c.ours, c.ref} {
		if err := cn.Write(pipe); err != nil {
			c.t.Fatal(err)
		}
	}
}

// expect reads n replies or messages from both and compares them.
func (c *conns) expect(n int, what string) {
	c.t.Helper()
	for i := 0; i < n; i++ {
		r, err := c.ref.Read()
		if err != nil {
			c.t.Fatalf("%s: redis: %v", what, err)
		}
		o, err := c.ours.Read()
		if err != nil {
			c.t.Fatalf("%s: redmod: %v (redis sent %s)", what, err, r)
		}
		if o.Raw != r.Raw {
			c.t.Errorf("%s #%d:\n redmod: %q\n  redis: %q", what, i, o.Raw, r.Raw)
		}
	}
}

// skip reads one reply from each without comparing them (HELLO's ids).
func (c *conns) skip(n int) {
	c.t.Helper()
	for i := 0; i < n; i++ {
		if _, err := c.ref.Read(); err != nil {
			c.t.Fatal(err)
		}
		if _, err := c.ours.Read(); err != nil {
			c.t.Fatal(err)
		}
	}
}

// expectUnordered compares one reply whose element order is undefined.
func (c *conns) expectUnordered(what string) {
	c.t.Helper()
	r, err1 := c.ref.Read()
	o, err2 := c.ours.Read()
	if err1 != nil || err2 != nil {
		c.t.Fatalf("%s: %v %v", what, err1, err2)
	}
	if o.Sorted().Raw != r.Sorted().Raw {
		c.t.Errorf("%s:\n redmod: %q\n  redis: %q", what, o.Raw, r.Raw)
	}
}

// do sends a command and compares the n replies or messages it produces.
func (c *conns) do(n int, args ...string) {
	c.t.Helper()
	c.send(args...)
	c.expect(n, strings.Join(args, " "))
}

// quiet checks that neither server sent anything more.
func (c *conns) quiet() {
	c.t.Helper()
	if r, err := c.ours.ReadTimeout(50 * time.Millisecond); err == nil {
		c.t.Errorf("redmod sent an unexpected %q", r.Raw)
	}
}

func testPubSubScript(t *testing.T, proto string) {
	ours, ref := servers(t)
	sub, pub := dial(t, ours, ref), dial(t, ours, ref)
	sub.send("CLIENT", "ID")
	pub.send("CLIENT", "ID")
	sub.skip(1)
	pub.skip(1)
	if proto == "3" {
		sub.send("HELLO", "3")
		pub.send("HELLO", "3")
		sub.skip(1)
		pub.skip(1)
	}
	sub.do(1, "UNSUBSCRIBE")
	sub.do(1, "PUNSUBSCRIBE")
	sub.do(1, "SUNSUBSCRIBE")
	sub.do(2, "SUBSCRIBE", "ch1", "ch2")
	sub.do(1, "SUBSCRIBE", "ch1")
	sub.do(2, "PSUBSCRIBE", "ch*", "x?[ab]")
	sub.do(1, "SSUBSCRIBE", "sh")
	sub.do(1, "PING")
	sub.do(1, "PING", "hello")
	sub.do(1, "GET", "x")
	sub.do(1, "ECHO", "x")
	pub.do(1, "PUBLISH", "ch1", "m1")
	sub.expect(2, "message and pmessage of ch1")
	pub.do(1, "PUBLISH", "xya", "m2")
	sub.expect(1, "pmessage of xya")
	pub.do(1, "PUBLISH", "nobody", "m3")
	pub.do(1, "SPUBLISH", "sh", "m4")
	sub.expect(1, "smessage")
	pub.do(1, "PUBLISH", "sh", "m5")
	pub.send("PUBSUB", "CHANNELS")
	pub.expectUnordered("PUBSUB CHANNELS")
	pub.do(1, "PUBSUB", "CHANNELS", "ch[1]")
	pub.do(1, "PUBSUB", "CHANNELS", "a", "b")
	pub.do(1, "PUBSUB", "NUMSUB", "ch1", "ch2", "ch3")
	pub.do(1, "PUBSUB", "NUMSUB")
	pub.do(1, "PUBSUB", "NUMPAT")
	pub.do(1, "PUBSUB", "SHARDCHANNELS")
	pub.do(1, "PUBSUB", "SHARDNUMSUB", "sh", "x")
	pub.do(1, "PUBSUB", "HELP")
	pub.do(1, "PUBSUB", "FOO")
	pub.do(1, "PUBLISH", "ch1")
	sub.do(1, "UNSUBSCRIBE", "ch1")
	sub.do(1, "UNSUBSCRIBE", "nope")
	sub.do(1, "PUNSUBSCRIBE", "x?[ab]")
	pub.do(1, "PUBLISH", "ch1", "m6")
	sub.expect(1, "pmessage only")
	sub.do(1, "UNSUBSCRIBE")
	sub.do(1, "PUNSUBSCRIBE")
	sub.do(1, "SUNSUBSCRIBE")
	sub.do(1, "GET", "x")
	sub.do(1, "PING")
	sub.do(1, "SUBSCRIBE", "again")
	sub.do(1, "RESET")
	sub.do(1, "PING")
	pub.do(1, "PUBLISH", "again", "m7")
	sub.quiet()
}

func TestDiffPubSubRESP2(t *testing.T) { testPubSubScript(t, "2") }
func TestDiffPubSubRESP3(t *testing.T) { testPubSubScript(t, "3") }

func TestDiffPubSubACL(t *testing.T) {
	ours, ref := servers(t)
	a := dial(t, ours, ref)
	a.do(1, "ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*", "&news.*", "&exact")
	a.do(1, "ACL", "SETUSER", "v", "on", "nopass", "+@all", "~*")
	a.do(1, "ACL", "GETUSER", "v")
	a.do(1, "AUTH", "u", "x")
	a.do(1, "PUBLISH", "news.1", "x")
	a.do(1, "PUBLISH", "other", "x")
	a.do(1, "SPUBLISH", "other", "x")
	a.do(1, "PSUBSCRIBE", "news.1")
	a.do(1, "PSUBSCRIBE", "news.*")
	a.do(1, "SUBSCRIBE", "exact", "other")
	a.do(1, "SUBSCRIBE", "exact", "news.x")
	a.do(2, "UNSUBSCRIBE", "exact", "news.x")
	a.do(1, "PUNSUBSCRIBE")
	b := dial(t, ours, ref)
	b.do(1, "CONFIG", "SET", "acl-pubsub-default", "allchannels")
	b.do(1, "ACL", "SETUSER", "w", "on", "nopass", "+@all")
	b.do(1, "ACL", "GETUSER", "w")
	b.do(1, "CONFIG", "GET", "acl-pubsub-default")
	b.do(1, "CONFIG", "SET", "acl-pubsub-default", "resetchannels")
}

func TestDiffSubscriberClientList(t *testing.T) {
	ours, ref := servers(t)
	a := dial(t, ours, ref)
	a.do(2, "SUBSCRIBE", "a", "b")
	a.do(1, "PSUBSCRIBE", "p*")
	a.do(1, "SSUBSCRIBE", "s")
	b := dial(t, ours, ref)
	o, r := b.ours.Do("CLIENT", "LIST", "TYPE", "pubsub")
	rr, _ := b.ref.Do("CLIENT", "LIST", "TYPE", "pubsub")
	_ = r
	for _, f := range []string{"flags=P", "sub=2 ", "psub=1 ", "ssub=1 "} {
		if !strings.Contains(o.Str, f) || !strings.Contains(rr.Str, f) {
			t.Errorf("CLIENT LIST TYPE pubsub lacks %q:\n redmod: %s\n  redis: %s", f, o.Str, rr.Str)
		}
	}
	b.do(1, "CLIENT", "KILL", "TYPE", "pubsub")
	if _, err := a.ours.ReadTimeout(2 * time.Second); err == nil {
		t.Errorf("the subscriber was not disconnected")
	}
}

// testSubscribeInMulti compares subscriptions made in a transaction with
// Redis 7.0: SUBSCRIBE and PSUBSCRIBE run (their confirmations inline in
// EXEC's reply, one per channel), SSUBSCRIBE is refused, and a message the
// client publishes to itself follows the replies before it.
func testSubscribeInMulti(t *testing.T, proto string) {
	ours, ref := servers(t)
	a, b := dial(t, ours, ref), dial(t, ours, ref)
	if proto == "3" {
		a.send("HELLO", "3")
		a.skip(1)
	}
	a.do(1, "MULTI")
	a.do(1, "SUBSCRIBE", "a", "b")
	a.do(1, "PSUBSCRIBE", "p*")
	a.do(1, "SSUBSCRIBE", "s")
	a.do(1, "PING")
	a.do(1, "PUBLISH", "a", "hi")
	a.do(1, "SET", "k", "v")
	// EXEC counts SUBSCRIBE a b as one of its values though it sends two
	// confirmations: the PING after it makes the stream whole. Both go in
	// one write, so that the PING has run (in Redis as here) before b's
	// PUBLISH below, whose message follows its reply.
	a.sendPipeline([]string{"EXEC"}, []string{"PING"})
	a.expect(3, "EXEC of subscriptions, then PING")
	b.do(1, "PUBLISH", "pq", "x")
	a.expect(1, "pmessage")
	a.do(1, "UNSUBSCRIBE", "a")
	a.do(1, "UNSUBSCRIBE", "b")
	a.do(1, "PUNSUBSCRIBE")
	a.do(1, "PING")
	a.expect(1, "the last PING (the stream is one value behind)")
	a.quiet()
}

func TestDiffSubscribeInMultiRESP2(t *testing.T) { testSubscribeInMulti(t, "2") }
func TestDiffSubscribeInMultiRESP3(t *testing.T) { testSubscribeInMulti(t, "3") }

// TestDiffPubSubACLRevoked compares with Redis 7.0 which subscribers are
// disconnected when ACL SETUSER takes channel permissions away: those with
// a subscription the user may no longer make, not the others; ACL DELUSER
// disconnects every client of the user.
func TestDiffPubSubACLRevoked(t *testing.T) {
	ours, ref := servers(t)
	adm := dial(t, ours, ref)
	adm.do(1, "ACL", "SETUSER", "psuser", "on", "nopass", "+@all", "~*", "&foo*", "&bar", "&sh")
	subs := map[string]*conns{}
	for _, sub := range [][]string{{"SUBSCRIBE", "bar"}, {"PSUBSCRIBE", "foo*"}, {"SUBSCRIBE", "foo1"}, {"SSUBSCRIBE", "sh"}, {"PING"}} {
		c := dial(t, ours, ref)
		c.do(1, "AUTH", "psuser", "x")
		c.do(1, sub...)
		subs[strings.Join(sub, " ")] = c
	}
	adm.do(1, "ACL", "SETUSER", "psuser", "&more") // adds only: nobody goes
	adm.do(1, "ACL", "SETUSER", "psuser", "resetchannels", "&foo*", "&more")
	for _, c := range []*resp.Conn{adm.ours, adm.ref} {
		r, err := c.Do("CLIENT", "LIST")
		if n := strings.Count(r.Str, "user=psuser"); err != nil || n != 3 {
			t.Errorf("%d clients of psuser listed right after the revocation, want 3 (%v)", n, err)
		}
	}
	alive := func(name string, want bool) {
		t.Helper()
		c := subs[name]
		for _, conn := range []*resp.Conn{c.ref, c.ours} {
			_, err := conn.ReadTimeout(time.Millisecond) // nothing, or the close
			if err == nil || !strings.Contains(err.Error(), "timeout") {
				if want {
					t.Errorf("%s: disconnected (%v)", name, err)
				}
				continue
			}
			if err := conn.Write(resp.Encode("PING")); err != nil {
				t.Fatal(err)
			}
			_, err = conn.ReadTimeout(2 * time.Second)
			if got := err == nil; got != want {
				t.Errorf("%s: alive %v, want %v (%v)", name, got, want, err)
			}
		}
	}
	alive("SUBSCRIBE bar", false)
	alive("SSUBSCRIBE sh", false)
	alive("PSUBSCRIBE foo*", true)
	alive("SUBSCRIBE foo1", true)
	alive("PING", true)
	adm.do(1, "ACL", "SETUSER", "psuser", "resetchannels", "&foo1")
	alive("PSUBSCRIBE foo*", false)
	alive("SUBSCRIBE foo1", true)
	adm.do(1, "ACL", "DELUSER", "psuser")
	if r, err := adm.ours.Do("CLIENT", "LIST"); err != nil || strings.Contains(r.Str, "user=psuser") {
		t.Errorf("a deleted user's clients are still listed: %q %v", r.Str, err)
	}
	alive("SUBSCRIBE foo1", false)
	alive("PING", false)
}

// TestClientListOutput checks CLIENT LIST's output figures and flags for
// the new client states: a MONITOR client has flag O and type normal, as in
// Redis; a subscriber that does not read shows its pending output in omem
// and oll, and is closed once it passes the pubsub class's hard limit.
func TestClientListOutput(t *testing.T) {
	ours, ref := servers(t)
	m := dial(t, ours, ref)
	m.do(1, "MONITOR")
	a := dial(t, ours, ref)
	for _, c := range []*resp.Conn{a.ours, a.ref} {
		r, err := c.Do("CLIENT", "LIST", "TYPE", "normal")
		if err != nil || !strings.Contains(r.Str, "flags=O") || !strings.Contains(r.Str, "cmd=monitor") {
			t.Errorf("monitor's CLIENT LIST line: %q %v", r.Str, err)
		}
	}

	srv := redmodtest.Run(t)
	sub, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if _, err := sub.Do("SUBSCRIBE", "ch"); err != nil {
		t.Fatal(err)
	}
	pub, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	msg := strings.Repeat("x", 64<<10)
	omem := 0
	for i := 0; i < 1000 && omem < 1<<20; i++ {
		if _, err := pub.Do("PUBLISH", "ch", msg); err != nil {
			t.Fatal(err)
		}
		r, err := pub.Do("CLIENT", "LIST", "TYPE", "pubsub")
		if err != nil {
			t.Fatal(err)
		}
		omem = 0
		oll := 0
		for _, f := range strings.Fields(r.Str) {
			if v, ok := strings.CutPrefix(f, "omem="); ok {
				omem, _ = strconv.Atoi(v)
			}
			if v, ok := strings.CutPrefix(f, "oll="); ok {
				oll, _ = strconv.Atoi(v)
			}
		}
		if (omem == 0) != (oll == 0) {
			t.Fatalf("omem=%d with oll=%d", omem, oll)
		}
	}
	if omem < 1<<20 {
		t.Fatalf("omem stayed at %d for a subscriber that does not read", omem)
	}
	if _, err := pub.Do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 512kb 0 0"); err != nil {
		t.Fatal(err)
	}
	if r, err := pub.Do("PUBLISH", "ch", msg); err != nil || r.Str != "1" {
		t.Fatalf("PUBLISH: %v %v", r, err)
	}
	// The subscriber is closed by its own goroutine once the limit is
	// passed: await its leaving the list rather than race with it.
	var r resp.Reply
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		r, err = pub.Do("CLIENT", "LIST", "TYPE", "pubsub")
		if err != nil || r.Str == "" || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || r.Str != "" {
		t.Errorf("the subscriber over its hard limit is still listed: %q %v", r.Str, err)
	}
}
