package pubsub_test

import (
	"strings"
	"testing"
)

// TestDiffMonitor compares MONITOR's lines with Redis's, apart from the
// time and the client address: quoting, skipped admin commands, hidden
// AUTH arguments.
func TestDiffMonitor(t *testing.T) {
	ours, ref := servers(t)
	m, c := dial(t, ours, ref), dial(t, ours, ref)
	m.do(1, "MONITOR")
	for _, args := range [][]string{
		{"SET", "k", "a \"quoted\"\n\x01 value\\"},
		{"GET", "k"},
		{"CONFIG", "GET", "maxclients"}, // admin: not shown
		{"AUTH", "nosuchuser", "secret"},
		{"HELLO", "2", "AUTH", "default", "pw"},
		{"SELECT", "1"},
		{"DEL", "k"},
	} {
		c.send(args...)
		if _, err := c.ours.Read(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ref.Read(); err != nil {
			t.Fatal(err)
		}
	}
	c.do(1, "PING")
	strip := func(s string) string {
		if i := strings.Index(s, "]"); i >= 0 {
			return s[i:]
		}
		return s
	}
	for {
		r, err := m.ref.Read()
		if err != nil {
			t.Fatal(err)
		}
		o, err := m.ours.Read()
		if err != nil {
			t.Fatalf("redmod: %v (redis sent %q)", err, r.Raw)
		}
		if strip(o.Str) != strip(r.Str) || !strings.Contains(o.Str, " [") {
			t.Errorf("monitor line:\n redmod: %q\n  redis: %q", o.Str, r.Str)
		}
		if strings.Contains(r.Str, `"PING"`) || strings.Contains(r.Str, `"ping"`) {
			break
		}
	}
}
