package admin_test

import (
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redmod/redmod/redmodtest"
)

// TestConfigSetOwnValues: every setting CONFIG GET * lists accepts CONFIG
// SET of the value it has, as Redis's "CONFIG sanity" test requires, apart
// from those Redis cannot change at run time either (the test's skip list);
// a start-only setting refuses another value.
func TestConfigSetOwnValues(t *testing.T) {
	c := dial(t, redmodtest.Run(t).Addr())
	startOnly := []string{"rdbchecksum", "daemonize", "io-threads-do-reads", "tcp-backlog", "always-show-logo",
		"syslog-enabled", "cluster-enabled", "disable-thp", "aclfile", "unixsocket", "pidfile", "syslog-ident",
		"appendfilename", "appenddirname", "supervised", "syslog-facility", "databases", "io-threads", "logfile",
		"unixsocketperm", "replicaof", "slaveof", "requirepass", "server_cpulist", "bio_cpulist",
		"aof_rewrite_cpulist", "bgsave_cpulist", "set-proc-title", "cluster-config-file", "cluster-port",
		"oom-score-adj", "oom-score-adj-values", "enable-protected-configs", "enable-debug-command",
		"enable-module-command", "dbfilename", "dir", "socket-mark-id", "tls-port", "tls-cert-file",
		"tls-key-file", "tls-ca-cert-file"}
	all := do(t, c, "CONFIG", "GET", "*")
	for i := 0; i+1 < len(all.Elems); i += 2 {
		k, v := all.Elems[i].Str, all.Elems[i+1].Str
		if slices.Contains(startOnly, k) {
			continue
		}
		if r := do(t, c, "CONFIG", "SET", k, v); r.Raw != "+OK\r\n" {
			t.Errorf("CONFIG SET %s %q = %s", k, v, r)
		}
	}
}

// TestConfigSetPortMoves: CONFIG SET port moves the listener, keeping the
// connections open; a port in use is refused with Redis's error, and the
// other settings of the same CONFIG SET are rolled back.
func TestConfigSetPortMoves(t *testing.T) {
	srv := redmodtest.Run(t)
	c := dial(t, srv.Addr())
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, busyPort, _ := net.SplitHostPort(busy.Addr().String())
	before := do(t, c, "CONFIG", "GET", "maxmemory").Elems[1].Str
	r := do(t, c, "CONFIG", "SET", "maxmemory", "10000001", "port", busyPort)
	if r.Str != "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port" {
		t.Fatalf("CONFIG SET port in use = %s", r)
	}
	if got := do(t, c, "CONFIG", "GET", "maxmemory").Elems[1].Str; got != before {
		t.Errorf("maxmemory after a refused CONFIG SET = %s, want %s", got, before)
	}
	// A free port: the old connection stays, a new one reaches the new port.
	free, _ := net.Listen("tcp", "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(free.Addr().String())
	free.Close()
	if r := do(t, c, "CONFIG", "SET", "port", port); r.Raw != "+OK\r\n" {
		t.Fatalf("CONFIG SET port %s = %s", port, r)
	}
	if r := do(t, c, "PING"); r.Str != "PONG" {
		t.Errorf("old connection after the move: %s", r)
	}
	moved := dial(t, "127.0.0.1:"+port)
	if r := do(t, moved, "CONFIG", "GET", "port"); r.Elems[1].Str != port {
		t.Errorf("CONFIG GET port = %s, want %s", r, port)
	}
}

// TestKeyLoadDelayHidden: key-load-delay, Redis's setting for tests that
// need a slow load, answers CONFIG GET by its name but not a pattern, and
// slows DEBUG RELOAD down by that many microseconds a key.
func TestKeyLoadDelayHidden(t *testing.T) {
	c := dial(t, debugServer(t).Addr())
	if r := do(t, c, "CONFIG", "GET", "key-load-delay"); len(r.Elems) != 2 || r.Elems[1].Str != "0" {
		t.Errorf("CONFIG GET key-load-delay = %s", r)
	}
	for _, pattern := range []string{"*", "key-*"} {
		for _, e := range do(t, c, "CONFIG", "GET", pattern).Elems {
			if e.Str == "key-load-delay" {
				t.Errorf("CONFIG GET %s lists key-load-delay", pattern)
			}
		}
	}
	for i := 0; i < 20; i++ {
		do(t, c, "SET", "k"+strconv.Itoa(i), "v")
	}
	do(t, c, "CONFIG", "SET", "key-load-delay", "2000")
	start := time.Now()
	if r := do(t, c, "DEBUG", "RELOAD"); r.Raw != "+OK\r\n" {
		t.Fatalf("DEBUG RELOAD = %s", r)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("reload of 20 keys with key-load-delay 2000 took %v", d)
	}
	do(t, c, "CONFIG", "SET", "key-load-delay", "0")
}
