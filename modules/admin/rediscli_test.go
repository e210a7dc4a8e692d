package admin_test

import (
	"bytes"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
	"github.com/redmod/redmod/registry"
)

// hintModule provides a command Redis does not have, so that a redis-cli
// hint for it can only come from redmod's COMMAND DOCS.
type hintModule struct{}

func (hintModule) Name() string { return "clihint" }

func (hintModule) Commands() []core.Command {
	return []core.Command{core.NewCommand(core.Spec{
		Name: "zzhint", Arity: -3, Flags: core.FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1,
		Group: "string", Summary: "A command for the redis-cli hint test", Since: "1.0.0", Complexity: "O(1)",
		Args: []core.Arg{
			{Name: "key", Type: core.ArgKey},
			{Name: "amount", Type: core.ArgInteger},
			{Name: "unit", Type: core.ArgOneOf, Optional: true, Args: []core.Arg{
				{Name: "sec", Type: core.ArgPureToken, Token: "SEC"}, {Name: "ms", Type: core.ArgPureToken, Token: "MS"}}},
			{Name: "tag", Type: core.ArgString, Token: "TAG", Optional: true, Multiple: true},
		},
	}, func(c *core.Ctx) error { c.WriteOK(); return nil })}
}

func init() { registry.Register(hintModule{}) }

func redisCLI(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed")
	}
	return bin
}

// runCLI runs redis-cli with args and returns what it printed.
func runCLI(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestRedisCLINoRaw compares what redis-cli prints for redmod's replies
// and for Redis's, in its formatted (--no-raw) mode, over RESP2 and RESP3.
func TestRedisCLINoRaw(t *testing.T) {
	bin := redisCLI(t)
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	host, port, _ := net.SplitHostPort(srv.Addr())
	cmds := [][]string{
		{"FLUSHALL"}, {"SET", "k", "v"}, {"GET", "k"}, {"GET", "nokey"}, {"INCR", "n"}, {"HSET", "h", "f", "v", "g", "w"},
		{"HGETALL", "h"}, {"RPUSH", "l", "a", "b"}, {"LRANGE", "l", "0", "-1"}, {"LPOP", "nokey", "2"}, {"HINCRBYFLOAT", "h", "x", "1.5"},
		{"CONFIG", "GET", "maxclients"}, {"CLIENT", "GETNAME"}, {"CLIENT", "NOSUCH"}, {"ECHO", "multi\nline"},
		{"COMMAND", "INFO", "get"}, {"MEMORY", "USAGE", "nokey"}, {"HELLO", "9"}, {"PING"}, {"TTL", "k"}, {"EXISTS", "k"},
		{"LPOS", "l", "zz"}, {"HSET", "h1", "f", "v"}, {"HRANDFIELD", "h1", "-2", "WITHVALUES"}, {"HMGET", "h", "f", "nope"}, {"TYPE", "h"},
	}
	for _, proto := range [][]string{nil, {"-3"}} {
		for _, c := range cmds {
			want := runCLI(t, bin, append(append([]string{"-s", ref, "--no-raw"}, proto...), c...)...)
			got := runCLI(t, bin, append(append([]string{"-h", host, "-p", port, "--no-raw"}, proto...), c...)...)
			if got != want {
				t.Errorf("redis-cli %s %q:\n redmod: %q\n  redis: %q", strings.Join(proto, ""), c, got, want)
			}
		}
	}
	// INFO is printed as text in both modes.
	if out := runCLI(t, bin, "-h", host, "-p", port, "-3", "--no-raw", "INFO", "server"); !strings.Contains(out, "redis_version:7.0.15") {
		t.Errorf("redis-cli -3 INFO: %q", out)
	}
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRedisCLIHints types into an interactive redis-cli (on a pseudo
// terminal made by script(1)) and checks that it shows the inline hint it
// built from redmod's COMMAND DOCS for a command Redis does not have.
func TestRedisCLIHints(t *testing.T) {
	bin := redisCLI(t)
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) not installed; no pseudo terminal for redis-cli")
	}
	srv := redmodtest.Run(t)
	host, port, _ := net.SplitHostPort(srv.Addr())
	cmd := exec.Command(script, "-qfc", bin+" -h "+host+" -p "+port, "/dev/null")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	}()
	// The line editor asks the terminal where the cursor is (ESC[6n), twice,
	// to learn the width: answer each question as a terminal would.
	waitFor := func(what string, n int) bool {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if strings.Count(out.String(), what) >= n {
				return true
			}
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}
	if !waitFor("\x1b[6n", 1) {
		t.Fatalf("redis-cli did not start: %q", out.String())
	}
	io.WriteString(stdin, "\x1b[1;1R")
	if !waitFor("\x1b[6n", 2) {
		t.Fatalf("redis-cli did not ask for the width: %q", out.String())
	}
	io.WriteString(stdin, "\x1b[1;200R")
	if !waitFor("> ", 1) {
		t.Fatalf("no prompt: %q", out.String())
	}
	io.WriteString(stdin, "zzhint ")
	const hint = "key amount [SEC|MS] [TAG tag [tag ...]]"
	if !waitFor(hint, 1) {
		t.Fatalf("no hint %q for ZZHINT in:\n%q", hint, out.String())
	}
	io.WriteString(stdin, "k 5 ")
	if !waitFor("[SEC|MS] [TAG tag [tag ...]]", 2) {
		t.Errorf("hint does not follow the typed arguments:\n%q", out.String())
	}
}
