package admin_test

import (
	"strings"
	"testing"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// newPair connects to a fresh redmod and a real Redis; the test skips when
// redis-server is missing.
func newPair(t *testing.T) *difftest.Pair {
	t.Helper()
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	return difftest.NewPair(t, srv.Addr(), ref)
}

// TestDiffServerCommands sends the server and connection commands, with
// their error paths, to redmod and Redis and compares the replies byte for
// byte.
func TestDiffServerCommands(t *testing.T) {
	p := newPair(t)
	cases := [][]string{
		{"ECHO", "hello"}, {"ECHO"}, {"ECHO", "a", "b"},
		{"PING"}, {"PING", "x"}, {"PING", "x", "y"},
		{"SELECT", "1"}, {"SELECT", "16"}, {"SELECT", "-1"}, {"SELECT", "x"}, {"SELECT", "0"},
		{"SET", "a", "1"}, {"SELECT", "1"}, {"SET", "b", "2"}, {"SET", "c", "3"}, {"DBSIZE"},
		{"SWAPDB", "0", "1"}, {"DBSIZE"}, {"GET", "a"}, {"SELECT", "0"}, {"GET", "b"}, {"DBSIZE"},
		{"SWAPDB", "x", "1"}, {"SWAPDB", "0", "x"}, {"SWAPDB", "0", "16"}, {"SWAPDB", "-1", "0"}, {"SWAPDB", "0"},
		{"SWAPDB", "3", "3"}, {"SWAPDB", "0", "99999999999"},
		{"FLUSHDB", "x"}, {"FLUSHDB", "ASYNC", "x"}, {"FLUSHDB", "SYNC"}, {"DBSIZE"}, {"SELECT", "1"}, {"DBSIZE"},
		{"FLUSHDB", "async"}, {"DBSIZE"}, {"FLUSHDB"}, {"SELECT", "0"},
		{"HELLO", "4"}, {"HELLO", "1"}, {"HELLO", "foo"}, {"HELLO", "3", "foo"}, {"HELLO", "3", "AUTH", "default"},
		{"HELLO", "3", "SETNAME", "a b"}, {"HELLO", "2", "SETNAME"}, {"HELLO", "3", "AUTH", "nobody", "pw"},
		{"HELLO", "99999999999999999999"},
		{"CLIENT"}, {"CLIENT", "FOO"}, {"CLIENT", "SETNAME", "a b"}, {"CLIENT", "SETNAME", "a\nb"}, {"CLIENT", "SETNAME", "é"},
		{"CLIENT", "GETNAME"}, {"CLIENT", "SETNAME", "worker-1"}, {"CLIENT", "GETNAME"}, {"CLIENT", "SETNAME", ""}, {"CLIENT", "GETNAME"},
		{"CLIENT", "SETNAME"}, {"CLIENT", "GETNAME", "x"}, {"CLIENT", "ID", "x"},
		{"CLIENT", "KILL", "1.2.3.4:5"}, {"CLIENT", "KILL", "ID", "99"}, {"CLIENT", "KILL", "ID", "abc"}, {"CLIENT", "KILL", "ID", "0"},
		{"CLIENT", "KILL", "foo", "bar"}, {"CLIENT", "KILL", "SKIPME", "maybe"}, {"CLIENT", "KILL", "TYPE", "foo"},
		{"ACL", "SETUSER", "bob", "on", "nopass"}, {"CLIENT", "KILL", "USER", "bob"}, {"ACL", "DELUSER", "bob"}, {"CLIENT", "KILL", "USER", "bob"},
		{"CLIENT", "KILL", "TYPE", "master"}, {"CLIENT", "KILL", "TYPE", "pubsub"}, {"CLIENT", "KILL", "USER", "nobody"},
		{"CLIENT", "KILL", "ADDR", "1.1.1.1:1"}, {"CLIENT", "KILL", "ADDR", "1.1.1.1:1", "ID"}, {"CLIENT", "KILL"},
		{"CLIENT", "LIST", "TYPE", "foo"}, {"CLIENT", "LIST", "ID", "1", "abc"}, {"CLIENT", "LIST", "TYPE", "normal", "x"},
		{"CLIENT", "LIST", "TYPE", "master"}, {"CLIENT", "LIST", "TYPE", "pubsub"}, {"CLIENT", "LIST", "ID", "99999"}, {"CLIENT", "LIST", "x"},
		{"CLIENT", "PAUSE", "x"}, {"CLIENT", "PAUSE", "10", "foo"}, {"CLIENT", "PAUSE", "-1"}, {"CLIENT", "PAUSE", "10", "all", "x"},
		{"CLIENT", "UNPAUSE"}, {"CLIENT", "UNPAUSE", "x"},
		{"CLIENT", "NO-EVICT", "x"}, {"CLIENT", "NO-EVICT", "on"}, {"CLIENT", "NO-EVICT", "OFF"}, {"CLIENT", "NO-EVICT"},
		{"CLIENT", "REPLY", "foo"}, {"CLIENT", "REPLY", "ON"}, {"CLIENT", "REPLY", "on", "off"}, {"CLIENT", "INFO", "x"},
		{"CLIENT", "HELP", "x"},
		{"CLIENT", "UNBLOCK", "x"}, {"CLIENT", "UNBLOCK", "1", "foo"}, {"CLIENT", "UNBLOCK", "1", "timeout", "x"},
		{"CLIENT", "UNBLOCK", "999"}, {"CLIENT", "UNBLOCK", "-1", "ERROR"}, {"CLIENT", "UNBLOCK"},
		{"TIME", "x"}, {"LASTSAVE", "x"},
		{"MEMORY"}, {"MEMORY", "FOO"}, {"MEMORY", "USAGE"}, {"MEMORY", "USAGE", "nokey"}, {"SET", "k", "v"},
		{"MEMORY", "USAGE", "k", "SAMPLES", "-1"}, {"MEMORY", "USAGE", "k", "SAMPLES", "x"}, {"MEMORY", "USAGE", "k", "foo", "1"},
		{"MEMORY", "USAGE", "k", "SAMPLES"}, {"MEMORY", "USAGE", "nokey", "SAMPLES", "x"},
		{"MEMORY", "HELP"}, {"MEMORY", "HELP", "x"},
		{"CONFIG"}, {"CONFIG", "FOO"}, {"CONFIG", "HELP"}, {"CONFIG", "RESETSTAT"}, {"CONFIG", "RESETSTAT", "x"},
		{"CONFIG", "REWRITE", "x"}, {"CONFIG", "GET"}, {"CONFIG", "SET", "maxclients"}, {"CONFIG", "SET", "nosuch", "1"},
		{"CONFIG", "SET", "maxclients", "x"}, {"CONFIG", "SET", "databases", "1"}, {"CONFIG", "GET", "nosuch*"},
		{"CONFIG", "GET", "maxclients"}, {"CONFIG", "SET", "maxclients", "500", "maxclients", "600"},
		{"COMMAND", "HELP"}, {"COMMAND", "COUNT", "x"}, {"COMMAND", "INFO", "nosuch"}, {"COMMAND", "GETKEYS"},
		{"COMMAND", "GETKEYS", "nosuch", "x"}, {"COMMAND", "GETKEYS", "get"}, {"COMMAND", "GETKEYS", "ping", "x"},
		{"COMMAND", "GETKEYS", "get", "k"}, {"COMMAND", "GETKEYS", "set", "a", "b"}, {"COMMAND", "GETKEYS", "memory", "usage", "k"},
		{"COMMAND", "LIST", "FILTERBY"}, {"COMMAND", "LIST", "FILTERBY", "foo", "x"}, {"COMMAND", "LIST", "FILTERBY", "pattern", "nosuch*"},
		{"COMMAND", "DOCS", "nosuch"},
		{"BGSAVE", "x"}, {"BGSAVE", "SCHEDULE", "x"},
		{"SHUTDOWN", "foo"}, {"SHUTDOWN", "NOSAVE", "SAVE"}, {"SHUTDOWN", "ABORT"}, {"SHUTDOWN", "ABORT", "NOW"},
		{"RESET", "x"},
		{"INFO", "nosuchsection"},
	}
	for _, c := range cases {
		p.Check(c...)
	}
}

// TestDiffHelloRESP3 compares HELLO and the RESP3 shapes of replies,
// ignoring only the client id.
func TestDiffHelloRESP3(t *testing.T) {
	p := newPair(t)
	for _, args := range [][]string{{"HELLO"}, {"HELLO", "3"}, {"HELLO", "3", "AUTH", "default", "anything", "SETNAME", "me"}, {"HELLO", "2"}, {"HELLO", "3"}} {
		ours, ref := p.Do(args...)
		if got, want := dropID(ours), dropID(ref); got != want {
			t.Errorf("%q:\n redmod: %s\n  redis: %s", args, got, want)
		}
	}
	// Now in RESP3: every reply type in its RESP3 form.
	for _, c := range [][]string{
		{"CLIENT", "GETNAME"}, {"CLIENT", "SETNAME", ""}, {"CLIENT", "GETNAME"}, {"GET", "nokey"},
		{"SET", "s", "v"}, {"HSET", "h", "f", "v"}, {"HGETALL", "h"}, {"HGETALL", "nokey"}, {"LPUSH", "l", "a"},
		{"LPOP", "nokey"}, {"LPOP", "nokey", "2"}, {"LRANGE", "l", "0", "-1"}, {"CONFIG", "GET", "maxclients"},
		{"MEMORY", "USAGE", "nokey"}, {"COMMAND", "INFO", "get"}, {"COMMAND", "INFO", "nosuch"}, {"COMMAND", "DOCS", "echo"},
		{"COMMAND", "DOCS", "nosuch"}, {"COMMAND", "GETKEYS", "set", "a", "b"}, {"TTL", "s"}, {"EXISTS", "s"},
		{"PING"}, {"ECHO", "x"}, {"CLIENT", "REPLY", "ON"}, {"RESET"}, {"GET", "nokey"},
	} {
		p.Check(c...)
	}
}

// dropID removes the value of the "id" field of a HELLO reply.
func dropID(r resp.Reply) string {
	var b strings.Builder
	for i := 0; i < len(r.Elems); i++ {
		b.WriteString(r.Elems[i].Raw)
		if r.Elems[i].Str == "id" && i+1 < len(r.Elems) {
			i++
		}
	}
	if len(r.Elems) == 0 {
		return r.Raw
	}
	return string(r.Kind) + b.String()
}

// TestDiffConfigSettings compares CONFIG GET and CONFIG SET, error texts
// included, for the settings redmod shares with Redis.
func TestDiffConfigSettings(t *testing.T) {
	p := newPair(t)
	for _, c := range [][]string{
		{"CONFIG", "GET", "maxclients"}, {"CONFIG", "GET", "timeout"}, {"CONFIG", "GET", "databases"},
		{"CONFIG", "GET", "proto-max-bulk-len"}, {"CONFIG", "GET", "client-query-buffer-limit"}, {"CONFIG", "GET", "appendonly"},
		{"CONFIG", "GET", "hz"}, {"CONFIG", "GET", "MAXCLIENTS"}, {"CONFIG", "GET", "maxclient?"}, {"CONFIG", "GET", "max[c]lients"},
		{"CONFIG", "SET", "maxclients", "0"}, {"CONFIG", "SET", "maxclients", "x"}, {"CONFIG", "SET", "maxclients", "4294967296"},
		{"CONFIG", "SET", "maxclients", "2000"}, {"CONFIG", "GET", "maxclients"},
		{"CONFIG", "SET", "timeout", "-1"}, {"CONFIG", "SET", "timeout", "2147483648"}, {"CONFIG", "SET", "timeout", "1.5"},
		{"CONFIG", "SET", "timeout", "300"}, {"CONFIG", "GET", "timeout"}, {"CONFIG", "SET", "timeout", "0"},
		{"CONFIG", "SET", "hz", "0"}, {"CONFIG", "GET", "hz"}, {"CONFIG", "SET", "hz", "1000"}, {"CONFIG", "GET", "hz"},
		{"CONFIG", "SET", "hz", "-1"}, {"CONFIG", "SET", "hz", "10"},
		{"CONFIG", "SET", "save", "1 2 3"}, {"CONFIG", "SET", "save", "a b"}, {"CONFIG", "SET", "save", "100 5 200 6"},
		{"CONFIG", "GET", "save"}, {"CONFIG", "SET", "save", ""}, {"CONFIG", "GET", "save"},
		{"CONFIG", "SET", "proto-max-bulk-len", "10"}, {"CONFIG", "SET", "proto-max-bulk-len", "x"},
		{"CONFIG", "SET", "proto-max-bulk-len", "2mb"}, {"CONFIG", "GET", "proto-max-bulk-len"}, {"CONFIG", "SET", "proto-max-bulk-len", "512mb"},
		{"CONFIG", "SET", "client-query-buffer-limit", "1k"},
		{"CONFIG", "SET", "appendonly", "maybe"}, {"CONFIG", "SET", "appendonly", "no"},
		{"CONFIG", "SET", "databases", "4"}, {"CONFIG", "SET", "maxclients", "10", "timeout", "x"}, {"CONFIG", "GET", "maxclients"},
		{"CONFIG", "SET", "maxclients", "10000"},
		{"CONFIG", "SET", "loglevel", "foo"}, {"CONFIG", "SET", "loglevel", "notice"}, {"CONFIG", "GET", "loglevel"},
		{"CONFIG", "SET", "maxmemory-clients", "200%"}, {"CONFIG", "SET", "maxmemory-clients", "50.5%"},
		{"CONFIG", "SET", "maxmemory-clients", "-1"}, {"CONFIG", "SET", "maxmemory-clients", "abc"},
		{"CONFIG", "SET", "maxmemory-clients", "10%"}, {"CONFIG", "GET", "maxmemory-clients"},
		{"CONFIG", "SET", "maxmemory-clients", "1gb"}, {"CONFIG", "GET", "maxmemory-clients"},
		{"CONFIG", "SET", "maxmemory", "10000001", "maxmemory-clients", "200%"}, {"CONFIG", "GET", "maxmemory"},
		{"CONFIG", "SET", "maxmemory-clients", "0"},
		{"CONFIG", "SET", "loglevel", "verbose"}, {"CONFIG", "GET", "loglevel"},
		{"CONFIG", "SET", "loglevel", "debug"}, {"CONFIG", "GET", "loglevel"},
		{"CONFIG", "SET", "loglevel", "WARNING"}, {"CONFIG", "GET", "loglevel"},
	} {
		p.Check(c...)
	}
}

// TestDiffHelloWithPassword compares HELLO on a server that requires a
// password: refused without AUTH, and AUTH inside HELLO.
func TestDiffHelloWithPassword(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	p.Check("CONFIG", "SET", "requirepass", "secret")
	// New connections start unauthenticated.
	ours, theirs := dial(t, srv.Addr()), dial(t, ref)
	for _, c := range [][]string{
		{"HELLO", "3"}, {"HELLO"}, {"HELLO", "3", "AUTH", "default", "wrong"}, {"GET", "k"},
		{"HELLO", "2", "AUTH", "default", "secret", "SETNAME", "x"},
		{"CLIENT", "GETNAME"}, {"RESET"}, {"CLIENT", "GETNAME"}, {"GET", "k"},
	} {
		o, r := do(t, ours, c...), do(t, theirs, c...)
		if c[0] == "HELLO" && o.Kind == '*' {
			o.Raw, r.Raw = dropID(o), dropID(r)
		}
		if o.Raw != r.Raw {
			t.Errorf("%q:\n redmod: %q\n  redis: %q", c, o.Raw, r.Raw)
		}
	}
	p.Check("AUTH", "secret")
	p.Check("CONFIG", "SET", "requirepass", "")
}
