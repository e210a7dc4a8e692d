package pubsub_test

import (
	"testing"
	"time"

	"github.com/redmod/redmod/internal/resp"
)

// TestDiffOwnEventsOrder: a RESP3 client subscribed to the events of the
// keys it writes gets the push messages and the replies of a pipeline in
// the same order as from Redis 7.0, byte for byte: an event after the
// replies of the commands before, inside EXEC's reply between the
// elements, a script's before its reply.
func TestDiffOwnEventsOrder(t *testing.T) {
	c := ownEventsClient(t, "SUBSCRIBE", "__keyspace@0__:foo", "__keyevent@0__:del")
	cmds := [][]string{
		{"SET", "foo", "bar"}, {"GET", "foo"}, {"DEL", "foo"}, {"PING"},
		{"MULTI"}, {"SET", "foo", "1"}, {"INCR", "foo"}, {"GET", "foo"}, {"DEL", "foo"}, {"EXEC"},
		{"EVAL", "redis.call('set','foo','2') redis.call('del','foo') return 7", "0"},
		{"PUBLISH", "__keyspace@0__:foo", "hi"},
		{"SET", "foo", "x"}, {"APPEND", "foo", "y"}, {"EXPIRE", "foo", "100"}, {"PERSIST", "foo"},
	}
	o, r := c.pipeline(cmds)
	if len(o) != len(r) {
		t.Fatalf("redmod sent %d values, Redis %d:\n%q\n%q", len(o), len(r), o, r)
	}
	for i := range o {
		if o[i] != r[i] {
			t.Errorf("value %d: redmod %q, Redis %q\nredmod %q\nRedis  %q", i, o[i], r[i], o, r)
			break
		}
	}
}

// ownEventsClient returns a RESP3 connection to each server with every
// keyspace event on, subscribed with the given command (SUBSCRIBE or
// PSUBSCRIBE and its channels).
func ownEventsClient(t *testing.T, subscribe ...string) *conns {
	t.Helper()
	ours, ref := servers(t)
	c := dial(t, ours, ref)
	for _, cn := range []*resp.Conn{c.ours, c.ref} {
		if _, err := cn.Do("HELLO", "3"); err != nil {
			t.Fatal(err)
		}
	}
	c.do(1, "CONFIG", "SET", "notify-keyspace-events", "KEA")
	c.do(len(subscribe)-1, subscribe...)
	return c
}

// pipeline sends cmds and an ECHO end to both servers in one write and
// returns every value each sent back (replies and pushes, raw) up to that
// ECHO's.
func (c *conns) pipeline(cmds [][]string) (ours, ref []string) {
	c.t.Helper()
	var pipe []byte
	for _, cmd := range cmds {
		pipe = append(pipe, resp.Encode(cmd...)...)
	}
	pipe = append(pipe, resp.Encode("ECHO", "end")...)
	read := func(cn *resp.Conn) []string {
		if err := cn.Write(pipe); err != nil {
			c.t.Fatal(err)
		}
		var got []string
		for {
			r, err := cn.ReadTimeout(10 * time.Second)
			if err != nil {
				c.t.Fatalf("%q: after %q: %v", cmds, got, err)
			}
			got = append(got, r.Raw)
			if r.Raw == "$3\r\nend\r\n" {
				return got
			}
		}
	}
	return read(c.ours), read(c.ref)
}
