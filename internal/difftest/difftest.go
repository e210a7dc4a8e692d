// Package difftest compares redmod with a real redis-server: the same
// commands go to both, and the replies must match byte for byte. Tests
// using it skip when redis-server is not installed.
package difftest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/resp"
)

// Redis starts a redis-server for the test, listening only on a unix socket
// in a temporary folder (no TCP port, so parallel runs never collide), and
// returns the socket path. It skips the test when redis-server is missing.
func Redis(t testing.TB) string {
	t.Helper()
	return RedisIn(t, t.TempDir())
}

// RedisIfInstalled is Redis for tests that also run without Redis: it
// returns "" instead of skipping when redis-server is missing.
func RedisIfInstalled(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		return ""
	}
	return Redis(t)
}

// RedisIn starts a redis-server as Redis does, with dir as its working
// folder (where it loads and saves dump.rdb) and more configuration
// arguments ("--list-max-listpack-size", "4"). It skips the test when
// redis-server is missing and fails it when the server does not start (a
// file it refuses to load, for example).
func RedisIn(t testing.TB, dir string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed; differential test skipped")
	}
	sock := filepath.Join(t.TempDir(), "redis.sock")
	cmd := exec.Command(bin, append([]string{"--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--loglevel", "warning", "--enable-debug-command", "yes"}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("difftest: starting redis-server: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// Ready once it answers PING: while it loads a data folder it accepts
	// connections but answers -LOADING.
	for i := 0; i < 1000; i++ {
		if c, err := resp.Dial(sock); err == nil {
			r, err := c.Do("PING")
			c.Close()
			if err == nil && r.Raw == "+PONG\r\n" {
				return sock
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("difftest: redis-server did not start")
	return ""
}

// RedisTCP starts a redis-server like RedisIn but listening on a loopback
// TCP port as well (for tests where a server connects to it, as MIGRATE
// does), and returns its host:port. It skips without redis-server.
func RedisTCP(t testing.TB, args ...string) string {
	t.Helper()
	for attempt := 0; ; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		// The port was free a moment ago; another process may take it
		// first, so check the server answers there.
		RedisIn(t, t.TempDir(), append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, args...)...)
		if c, err := resp.Dial(addr); err == nil {
			c.Close()
			return addr
		}
		if attempt == 3 {
			t.Fatalf("difftest: redis-server did not listen on %s", addr)
		}
	}
}

// Pair holds one connection to redmod and one to Redis.
type Pair struct {
	t         testing.TB
	Ours, Ref *resp.Conn
}

// NewPair connects to both servers and empties both.
func NewPair(t testing.TB, ours, ref string) *Pair {
	t.Helper()
	p := Connect(t, ours, ref)
	p.Do("FLUSHALL")
	return p
}

// Connect connects to both servers, as a further client of each (a second
// client of a test that watches keys, say), without emptying them.
func Connect(t testing.TB, ours, ref string) *Pair {
	t.Helper()
	o, err := resp.Dial(ours)
	if err != nil {
		t.Fatalf("difftest: dial redmod: %v", err)
	}
	r, err := resp.Dial(ref)
	if err != nil {
		t.Fatalf("difftest: dial redis: %v", err)
	}
	t.Cleanup(func() { o.Close(); r.Close() })
	return &Pair{t: t, Ours: o, Ref: r}
}

// Do sends args to both and returns both replies, failing the test on an
// I/O error.
func (p *Pair) Do(args ...string) (ours, ref resp.Reply) {
	p.t.Helper()
	var err error
	if ours, err = p.Ours.Do(args...); err != nil {
		p.t.Fatalf("redmod %q: %v", args, err)
	}
	if ref, err = p.Ref.Do(args...); err != nil {
		p.t.Fatalf("redis %q: %v", args, err)
	}
	return ours, ref
}

// Check sends args to both and fails the test unless the replies are equal.
func (p *Pair) Check(args ...string) resp.Reply {
	p.t.Helper()
	ours, ref := p.Do(args...)
	if ours.Raw != ref.Raw {
		p.t.Errorf("%q:\n redmod: %s\n  redis: %s", args, ours, ref)
	}
	return ours
}

// CheckUnordered is Check for replies whose element order Redis does not
// define.
func (p *Pair) CheckUnordered(args ...string) resp.Reply {
	p.t.Helper()
	ours, ref := p.Do(args...)
	if ours.Sorted().Raw != ref.Sorted().Raw {
		p.t.Errorf("%q (unordered):\n redmod: %s\n  redis: %s", args, ours, ref)
	}
	return ours
}
