package admin_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// TestBgsaveAndLastsave checks BGSAVE's replies, that the snapshot appears
// and that LASTSAVE moves.
func TestBgsaveAndLastsave(t *testing.T) {
	dir := t.TempDir()
	srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	c := dial(t, srv.Addr())
	before, _ := strconv.ParseInt(do(t, c, "LASTSAVE").Str, 10, 64)
	do(t, c, "SET", "k", "v")
	if r := do(t, c, "BGSAVE"); r.Raw != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE = %s", r)
	}
	// Commands are served while the snapshot is written.
	if r := do(t, c, "GET", "k"); r.Str != "v" {
		t.Errorf("GET during BGSAVE = %s", r)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		info := do(t, c, "INFO", "persistence").Str
		if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err == nil && !strings.Contains(info, "rdb_bgsave_in_progress:1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("BGSAVE did not finish: %s", info)
		}
		time.Sleep(10 * time.Millisecond)
	}
	after, _ := strconv.ParseInt(do(t, c, "LASTSAVE").Str, 10, 64)
	if after < before {
		t.Errorf("LASTSAVE went from %d to %d", before, after)
	}
	if r := do(t, c, "BGSAVE", "SCHEDULE"); r.Kind != '+' {
		t.Errorf("BGSAVE SCHEDULE = %s", r)
	}
}

// TestShutdown checks that SHUTDOWN SAVE writes the snapshot and stops the
// server without a reply, and that SHUTDOWN NOSAVE does not save.
func TestShutdown(t *testing.T) {
	for _, mode := range []string{"SAVE", "NOSAVE"} {
		dir := t.TempDir()
		srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
		c := dial(t, srv.Addr())
		do(t, c, "SET", "k", "v")
		if err := c.Write(resp.Encode("SHUTDOWN", mode)); err != nil {
			t.Fatal(err)
		}
		if r, err := c.ReadTimeout(5 * time.Second); err == nil {
			t.Errorf("SHUTDOWN %s replied %s", mode, r)
		}
		select {
		case <-srv.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("SHUTDOWN %s did not stop the server", mode)
		}
		_, err := os.Stat(filepath.Join(dir, "dump.rdb"))
		if saved := err == nil; saved != (mode == "SAVE") {
			t.Errorf("SHUTDOWN %s: snapshot written = %v", mode, saved)
		}
	}
}

// TestSwapdbWakesBlockedClient checks that a client blocked on a key in
// one database is served when SWAPDB brings a list under that key.
func TestSwapdbWakesBlockedClient(t *testing.T) {
	srv := redmodtest.Run(t)
	waiter, other := dial(t, srv.Addr()), dial(t, srv.Addr())
	do(t, other, "SELECT", "1")
	do(t, other, "RPUSH", "q", "job")
	if err := waiter.Write(resp.Encode("BLPOP", "q", "5")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(do(t, other, "INFO", "clients").Str, "blocked_clients:1") {
		if time.Now().After(deadline) {
			t.Fatal("BLPOP did not block")
		}
		time.Sleep(5 * time.Millisecond)
	}
	do(t, other, "SWAPDB", "0", "1")
	r, err := waiter.ReadTimeout(3 * time.Second)
	if err != nil || len(r.Elems) != 2 || r.Elems[1].Str != "job" {
		t.Fatalf("BLPOP after SWAPDB = %s, %v", r, err)
	}
}

// TestClientUnblock checks both ways CLIENT UNBLOCK ends a BLPOP, and that
// CLIENT LIST shows the waiting client with flag b.
func TestClientUnblock(t *testing.T) {
	srv := redmodtest.Run(t)
	waiter, admin := dial(t, srv.Addr()), dial(t, srv.Addr())
	id := do(t, waiter, "CLIENT", "ID").Str
	for _, reason := range []string{"TIMEOUT", "ERROR"} {
		if err := waiter.Write(resp.Encode("BLPOP", "q", "0")); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(do(t, admin, "CLIENT", "LIST", "ID", id).Str, "flags=b") {
			if time.Now().After(deadline) {
				t.Fatal("BLPOP did not block")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if r := do(t, admin, "CLIENT", "UNBLOCK", id, reason); r.Raw != ":1\r\n" {
			t.Fatalf("CLIENT UNBLOCK %s = %s", reason, r)
		}
		r, err := waiter.ReadTimeout(3 * time.Second)
		want := "*-1\r\n"
		if reason == "ERROR" {
			want = "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
		}
		if err != nil || r.Raw != want {
			t.Errorf("BLPOP after CLIENT UNBLOCK %s = %q, %v; want %q", reason, r.Raw, err, want)
		}
	}
	if r := do(t, admin, "CLIENT", "UNBLOCK", id); r.Raw != ":0\r\n" {
		t.Errorf("CLIENT UNBLOCK of a client that does not wait = %s", r)
	}
}
