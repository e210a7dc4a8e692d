package pubsub_test

import (
	"strings"
	"testing"
)

// TestDiffMonitor compares MONITOR's lines with Redis's, apart from the
// time and the client address: quoting, skipped admin commands, hidden
// AUTH and MIGRATE arguments, the database after SELECT, a transaction's
// commands before its EXEC, and a script's commands after it, shown from
// "lua".
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
		{"MIGRATE", "127.0.0.1", "1", "nokey", "9", "5000", "AUTH", "secret"},
		{"MIGRATE", "127.0.0.1", "1", "nokey", "9", "5000", "AUTH2", "user", "secret"},
		{"MULTI"}, {"SET", "t", "1"}, {"EXEC"},
		{"EVAL", "redis.call('select', 5) redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", "1", "foo", "bar"},
		{"SELECT", "0"},
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
	// The time and the client's address differ; the database and the
	// "lua" of a script's commands are compared.
	strip := func(s string) string {
		i, j := strings.Index(s, "["), strings.Index(s, "]")
		if i < 0 || j < i {
			return s
		}
		db, addr, _ := strings.Cut(s[i+1:j], " ")
		if addr != "lua" {
			addr = "client"
		}
		return db + " " + addr + s[j:]
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
