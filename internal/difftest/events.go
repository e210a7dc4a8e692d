package difftest

import (
	"strings"
	"testing"

	"github.com/redmod/redmod/internal/resp"
)

// Events compares keyspace notifications: both servers publish every event
// (notify-keyspace-events KEA plus the given classes) and a subscriber on
// each, subscribed to __key*__:*, collects them.
type Events struct {
	*Pair
	subOurs, subRef *resp.Conn
}

// marker is published after each command; its message ends the events the
// command caused.
const marker = "__keymarker__:end"

// NewEvents connects a command client and a subscriber to each server and
// turns keyspace notifications on with classes ("KEA").
func NewEvents(t testing.TB, ours, ref, classes string) *Events {
	t.Helper()
	p := NewPair(t, ours, ref)
	p.Do("CONFIG", "SET", "notify-keyspace-events", classes)
	e := &Events{Pair: p}
	for _, s := range []struct {
		addr string
		c    **resp.Conn
	}{{ours, &e.subOurs}, {ref, &e.subRef}} {
		c, err := resp.Dial(s.addr)
		if err != nil {
			t.Fatalf("difftest: dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := c.Do("PSUBSCRIBE", "__key*__:*"); err != nil {
			t.Fatalf("difftest: PSUBSCRIBE: %v", err)
		}
		*s.c = c
	}
	return e
}

// Do runs a command on both servers and returns the replies and the events
// it caused on each, as "channel message" strings in order.
func (e *Events) Do(args ...string) (ours, ref resp.Reply, evOurs, evRef []string) {
	e.t.Helper()
	ours, ref = e.Pair.Do(args...)
	e.Pair.Do("PUBLISH", marker, "x")
	evOurs = e.collect(e.subOurs, "redmod")
	evRef = e.collect(e.subRef, "redis")
	return ours, ref, evOurs, evRef
}

// Check runs a command on both servers and fails the test unless both
// caused the same events in the same order. It returns the number of events.
// When one server fails the command and the other does not (a difference of
// the command, not of its events) it logs it, empties both servers so that
// they agree again, and compares nothing.
func (e *Events) Check(args ...string) int {
	e.t.Helper()
	ours, ref, o, r := e.Do(args...)
	if (ours.Kind == '-') != (ref.Kind == '-') {
		e.t.Logf("%q replies differ, servers emptied: redmod %s, redis %s", args, ours, ref)
		e.Do("FLUSHALL")
		return 0
	}
	if strings.Join(o, "\n") != strings.Join(r, "\n") {
		e.t.Errorf("%q events:\n redmod: %q\n  redis: %q\n(replies: redmod %s, redis %s)", args, o, r, ours, ref)
	}
	return len(r)
}

func (e *Events) collect(c *resp.Conn, who string) []string {
	e.t.Helper()
	var out []string
	for {
		m, err := c.Read()
		if err != nil {
			e.t.Fatalf("difftest: %s events: %v", who, err)
		}
		if len(m.Elems) != 4 {
			e.t.Fatalf("difftest: %s sent %s", who, m)
		}
		if m.Elems[2].Str == marker {
			return out
		}
		out = append(out, m.Elems[2].Str+" "+m.Elems[3].Str)
	}
}
