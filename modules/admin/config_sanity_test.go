package admin_test

import (
	"slices"
	"strings"
	"testing"

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
	if r := do(t, c, "CONFIG", "SET", "port", "1"); !strings.Contains(r.Str, "argument 'port'") {
		t.Errorf("CONFIG SET port 1 = %s", r)
	}
}
