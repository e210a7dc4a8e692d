package admin_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/redmodtest"
)

// clientField reads one numeric or text field of a CLIENT LIST line.
func clientField(t *testing.T, line, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?:^| )` + regexp.QuoteMeta(name) + `=(\S*)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no %s in %q", name, line)
	}
	return m[1]
}

func clientNum(t *testing.T, line, name string) int {
	t.Helper()
	n, err := strconv.Atoi(clientField(t, line, name))
	if err != nil {
		t.Fatalf("%s in %q: %v", name, line, err)
	}
	return n
}

// lineOf returns the CLIENT LIST line of the client with the given name.
func lineOf(t *testing.T, list, name string) string {
	t.Helper()
	for _, l := range strings.Split(list, "\n") {
		if strings.Contains(l, " name="+name+" ") {
			return l
		}
	}
	t.Fatalf("no client %s in %q", name, list)
	return ""
}

// TestClientBufferFields: CLIENT LIST and CLIENT INFO show the connection's
// buffers with real figures, as Redis 7.0 does: the running command's bytes
// and arguments (qbuf=26 argv-mem=10 for CLIENT LIST itself), a read buffer
// of Redis's size, one grown by a large value and given back after a small
// one, MULTI's queued bytes, and the O flag of a monitor.
func TestClientBufferFields(t *testing.T) {
	srv := redmodtest.Run(t)
	c := dial(t, srv.Addr())
	own := do(t, c, "CLIENT", "INFO").Str
	if q, a := clientNum(t, own, "qbuf"), clientNum(t, own, "argv-mem"); q != 26 || a != 10 {
		t.Errorf("own CLIENT INFO qbuf=%d argv-mem=%d, want 26 and 10: %s", q, a, own)
	}
	if total := clientNum(t, own, "qbuf") + clientNum(t, own, "qbuf-free"); total < 16384 || total >= 32768 {
		t.Errorf("own query buffer %d, want [16384, 32768)", total)
	}
	for _, f := range []string{"obl", "oll", "omem", "multi-mem"} {
		if n := clientNum(t, own, f); n != 0 {
			t.Errorf("own %s=%d, want 0", f, n)
		}
	}
	if n := clientNum(t, own, "tot-mem"); n < 16384 {
		t.Errorf("tot-mem=%d, want at least the query buffer", n)
	}

	big := dial(t, srv.Addr())
	do(t, big, "CLIENT", "SETNAME", "big")
	do(t, big, "SET", "x", strings.Repeat("A", 400000))
	qbuf := func() int {
		l := lineOf(t, do(t, c, "CLIENT", "LIST").Str, "big")
		return clientNum(t, l, "qbuf") + clientNum(t, l, "qbuf-free")
	}
	grown := qbuf()
	if grown <= 32768 {
		t.Fatalf("query buffer after a 400 kB value = %d, want > 32768", grown)
	}
	// The next, small request gives the large buffer back, once the
	// client's goroutine is back to reading (right after its reply).
	do(t, big, "SET", "x", "small")
	deadline := time.Now().Add(5 * time.Second)
	n := qbuf()
	for (n <= 0 || n >= grown) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		n = qbuf()
	}
	if n <= 0 || n >= grown {
		t.Errorf("query buffer after a small request = %d, want in (0, %d)", n, grown)
	}

	do(t, big, "MULTI")
	do(t, big, "SET", "k", "value")
	if n := clientNum(t, lineOf(t, do(t, c, "CLIENT", "LIST").Str, "big"), "multi-mem"); n < len("SETkvalue") {
		t.Errorf("multi-mem with one queued command = %d", n)
	}
	do(t, big, "DISCARD")

	mon := dial(t, srv.Addr())
	do(t, mon, "CLIENT", "SETNAME", "mon")
	do(t, mon, "MONITOR")
	if f := clientField(t, lineOf(t, do(t, c, "CLIENT", "LIST").Str, "mon"), "flags"); f != "O" {
		t.Errorf("monitor's flags = %s, want O", f)
	}
}

// TestClientEviction: past maxmemory-clients the client holding the most
// memory (here a large request still arriving) is closed and counted in
// evicted_clients; a client with CLIENT NO-EVICT on is spared.
func TestClientEviction(t *testing.T) {
	srv := redmodtest.Run(t)
	c := dial(t, srv.Addr())
	do(t, c, "CLIENT", "NO-EVICT", "ON")
	do(t, c, "CONFIG", "SET", "maxmemory-clients", "200kb")
	big := dial(t, srv.Addr())
	if err := big.Write([]byte("*2\r\n$4\r\nECHO\r\n$1000000\r\n" + strings.Repeat("x", 300000))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for infoField(t, c, "stats", "evicted_clients") != "1" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := infoField(t, c, "stats", "evicted_clients"); n != "1" {
		t.Fatalf("evicted_clients = %s", n)
	}
	if _, err := big.ReadTimeout(5 * time.Second); err == nil {
		t.Error("the evicted client's connection is still open")
	}
	if r := do(t, c, "PING"); r.Str != "PONG" {
		t.Errorf("no-evict client after eviction: %s", r)
	}
	do(t, c, "CONFIG", "SET", "maxmemory-clients", "0")
}
