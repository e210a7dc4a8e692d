package host_test

import (
	"testing"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

// The parameters accepted for compatibility read, validate and refuse
// exactly as Redis 7.0's: defaults, ranges, choices, units, immutability,
// and the older names sharing the value of the newer.
func TestCompatSettingsAsRedis(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	// Parameters whose default depends on how the reference was started.
	started := map[string]bool{"daemonize": true, "unixsocket": true, "pidfile": true, "logfile": true}
	for _, name := range host.SettingNames() {
		if !host.IsCompatSetting(name) || started[name] {
			continue
		}
		p.Check("CONFIG", "GET", name)
		for _, v := range []string{"yes", "no", "0", "-1", "1", "2mb", "maybe", "65536", "2147483648", "", "swapdb", "nosave now", "hostname"} {
			p.Check("CONFIG", "SET", name, v)
			p.Check("CONFIG", "GET", name)
		}
	}
	p.Check("CONFIG", "SET", "slave-priority", "7")
	p.Check("CONFIG", "GET", "replica-priority")
	p.Check("CONFIG", "GET", "slave-priority")
}

// The listpack limits of hashes and lists are module settings under
// Redis's names and its older ziplist names.
func TestListpackSettingsAsRedis(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, name := range []string{"hash-max-listpack-entries", "hash-max-ziplist-entries", "hash-max-listpack-value",
		"hash-max-ziplist-value", "list-max-listpack-size", "list-max-ziplist-size", "list-compress-depth"} {
		p.Check("CONFIG", "GET", name)
		for _, v := range []string{"-1", "3", "1kb", "x", "-2147483649"} {
			p.Check("CONFIG", "SET", name, v)
			p.Check("CONFIG", "GET", name)
		}
	}
	p.Check("CONFIG", "SET", "hash-max-ziplist-entries", "2")
	p.Check("CONFIG", "SET", "hash-max-listpack-value", "4")
	p.Check("HSET", "h", "a", "1", "b", "2")
	p.Check("OBJECT", "ENCODING", "h")
	p.Check("HSET", "h", "c", "3")
	p.Check("OBJECT", "ENCODING", "h")
	p.Check("HSET", "g", "a", "12345")
	p.Check("OBJECT", "ENCODING", "g")
	p.Check("CONFIG", "SET", "hash-max-ziplist-entries", "512", "hash-max-listpack-value", "64")
	p.Check("HSET", "k", "a", "12345")
	p.Check("OBJECT", "ENCODING", "k")
}
