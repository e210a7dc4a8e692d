package admin_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// debugServer runs a server that allows DEBUG, as Redis's own test
// configuration does.
func debugServer(t *testing.T, more ...func(*host.Config)) *redmodtest.Server {
	t.Helper()
	return redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) {
		c.EnableDebugCommand = "yes"
		for _, f := range more {
			f(c)
		}
	}))
}

// TestDiffDiagCommands compares the deterministic replies of SLOWLOG,
// LATENCY and DEBUG, and their errors, with Redis's.
func TestDiffDiagCommands(t *testing.T) {
	ref := difftest.Redis(t)
	p := difftest.NewPair(t, debugServer(t).Addr(), ref)
	for _, args := range [][]string{
		{"SLOWLOG", "HELP"}, {"SLOWLOG", "HELP", "x"}, {"SLOWLOG"}, {"SLOWLOG", "FOO"},
		{"SLOWLOG", "GET", "-2"}, {"SLOWLOG", "GET", "x"}, {"SLOWLOG", "GET", "1", "2"}, {"SLOWLOG", "LEN", "x"},
		{"SLOWLOG", "RESET"}, {"SLOWLOG", "LEN"}, {"SLOWLOG", "GET", "0"},
		{"LATENCY", "HELP"}, {"LATENCY", "HELP", "x"}, {"LATENCY", "FOO"}, {"LATENCY", "HISTORY", "nosuch"},
		{"LATENCY", "RESET", "nosuch"}, {"LATENCY", "GRAPH", "nosuch"}, {"LATENCY", "LATEST"}, {"LATENCY", "RESET"},
		{"LATENCY", "HISTORY"}, {"LATENCY", "HISTOGRAM", "nosuch"},
		{"DEBUG"}, {"DEBUG", "FOO"}, {"DEBUG", "OBJECT", "nokey"}, {"DEBUG", "DIGEST"}, {"DEBUG", "DIGEST-VALUE", "nokey"},
		{"DEBUG", "SET-ACTIVE-EXPIRE", "1"}, {"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1b"}, {"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"}, {"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "x"}, {"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1k"}, {"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "4gb"}, {"DEBUG", "SLEEP", "0"}, {"DEBUG", "LOG", "hello"}, {"DEBUG", "ERROR", "ERR oops"},
		{"DEBUG", "PROTOCOL", "nosuch"},
		{"DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "abc"}, {"DEBUG", "REPLYBUFFER", "foo", "1"}, {"DEBUG", "REPLYBUFFER", "resizing"},
		{"DEBUG", "REPLYBUFFER", "resizing", "0"}, {"DEBUG", "REPLYBUFFER", "resizing", "1"}, {"DEBUG", "REPLYBUFFER", "peak-reset-time", "never"},
		{"DEBUG", "REPLYBUFFER", "peak-reset-time", "-5"}, {"DEBUG", "REPLYBUFFER", "peak-reset-time", "100"}, {"DEBUG", "REPLYBUFFER", "peak-reset-time", "reset"},
		{"CONFIG", "SET", "dir", "/tmp"}, {"CONFIG", "SET", "dbfilename", "x.rdb"}, {"CONFIG", "SET", "enable-debug-command", "no"},
		{"CONFIG", "GET", "latency-tracking"}, {"CONFIG", "GET", "latency-monitor-threshold"},
		{"CONFIG", "GET", "latency-tracking-info-percentiles"}, {"CONFIG", "SET", "latency-tracking-info-percentiles", "10 a"},
		{"CONFIG", "SET", "latency-tracking-info-percentiles", "101"}, {"CONFIG", "SET", "slowlog-max-len", "-1"},
		{"CONFIG", "SET", "slowlog-log-slower-than", "-2"}, {"CONFIG", "SET", "latency-tracking-info-percentiles", "0.0 50.0 100.0"},
		{"CONFIG", "GET", "latency-tracking-info-percentiles"},
	} {
		p.Check(args...)
	}
	p.CheckUnordered("CONFIG", "GET", "slowlog-*")
	p.CheckUnordered("CONFIG", "GET", "enable-*")
	for _, typ := range []string{"string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "push", "verbatim", "true", "false"} {
		p.Check("DEBUG", "PROTOCOL", typ)
	}
	p.Do("HELLO", "3")
	for _, typ := range []string{"string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "verbatim", "true", "false"} {
		p.Check("DEBUG", "PROTOCOL", typ)
	}
}

// TestSlowlog checks what the slow log keeps of a command: trimmed
// arguments, redacted secrets, the client's address and name, and no EXEC.
func TestSlowlog(t *testing.T) {
	srv := debugServer(t)
	c := dial(t, srv.Addr())
	do(t, c, "CONFIG", "SET", "slowlog-log-slower-than", "0")
	do(t, c, "CLIENT", "SETNAME", "me")
	do(t, c, "SLOWLOG", "RESET")
	args := []string{"SADD", "s"}
	for i := 0; i < 40; i++ {
		args = append(args, strconv.Itoa(i))
	}
	do(t, c, args...)
	do(t, c, "SET", "k", strings.Repeat("A", 130))
	do(t, c, "CONFIG", "SET", "requirepass", "")
	do(t, c, "ACL", "SETUSER", "u", ">secret", "on")
	do(t, c, "MULTI")
	do(t, c, "PING")
	do(t, c, "EXEC")
	r := do(t, c, "SLOWLOG", "GET", "-1")
	var got []string
	for _, e := range r.Elems {
		if len(e.Elems) != 6 {
			t.Fatalf("entry %s: want 6 fields", e)
		}
		var a []string
		for _, x := range e.Elems[3].Elems {
			a = append(a, x.Str)
		}
		got = append(got, strings.Join(a, " "))
		if e.Elems[5].Str != "me" || !strings.HasPrefix(e.Elems[4].Str, "127.0.0.1:") {
			t.Errorf("entry %s: client %q %q", e, e.Elems[4].Str, e.Elems[5].Str)
		}
	}
	long := "SADD s " + strings.Join(args[2:31], " ") + " ... (11 more arguments)"
	want := []string{"PING", "MULTI", "ACL SETUSER (redacted) (redacted) (redacted)", "CONFIG SET requirepass (redacted)",
		"SET k " + strings.Repeat("A", 128) + "... (2 more bytes)", long, "SLOWLOG RESET"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("slow log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	do(t, c, "CONFIG", "SET", "slowlog-max-len", "2")
	if n := do(t, c, "SLOWLOG", "LEN"); n.Str != "2" {
		t.Errorf("SLOWLOG LEN after slowlog-max-len 2 = %s", n)
	}
	do(t, c, "CONFIG", "SET", "slowlog-log-slower-than", "-1")
	do(t, c, "SLOWLOG", "RESET")
	do(t, c, "PING")
	if n := do(t, c, "SLOWLOG", "LEN"); n.Str != "0" {
		t.Errorf("SLOWLOG LEN with the log off = %s", n)
	}
}

// TestLatencyMonitorAndHistogram records a spike with DEBUG SLEEP and reads
// it back through LATENCY, and the per-command histograms.
func TestLatencyMonitorAndHistogram(t *testing.T) {
	srv := debugServer(t)
	c := dial(t, srv.Addr())
	do(t, c, "CONFIG", "SET", "latency-monitor-threshold", "5")
	do(t, c, "DEBUG", "SLEEP", "0.02")
	latest := do(t, c, "LATENCY", "LATEST")
	if len(latest.Elems) != 1 || latest.Elems[0].Elems[0].Str != "command" {
		t.Fatalf("LATENCY LATEST = %s", latest)
	}
	if ms, _ := strconv.Atoi(latest.Elems[0].Elems[2].Str); ms < 20 {
		t.Errorf("latency %d ms, want >= 20", ms)
	}
	if h := do(t, c, "LATENCY", "HISTORY", "command"); len(h.Elems) != 1 {
		t.Errorf("LATENCY HISTORY = %s", h)
	}
	if g := do(t, c, "LATENCY", "GRAPH", "command"); !strings.HasPrefix(g.Str, "command - high") {
		t.Errorf("LATENCY GRAPH = %q", g.Str)
	}
	if d := do(t, c, "LATENCY", "DOCTOR"); !strings.Contains(d.Str, "command") {
		t.Errorf("LATENCY DOCTOR = %q", d.Str)
	}
	if n := do(t, c, "LATENCY", "RESET"); n.Str != "1" {
		t.Errorf("LATENCY RESET = %s", n)
	}

	do(t, c, "CONFIG", "RESETSTAT")
	do(t, c, "SET", "a", "1")
	do(t, c, "SET", "b", "1")
	do(t, c, "CLIENT", "ID")
	h := do(t, c, "LATENCY", "HISTOGRAM", "set", "client", "nosuch")
	if len(h.Elems) != 4 || h.Elems[0].Str != "set" || h.Elems[2].Str != "client|id" {
		t.Fatalf("LATENCY HISTOGRAM = %s", h)
	}
	set := h.Elems[1]
	if set.Elems[0].Str != "calls" || set.Elems[1].Str != "2" || set.Elems[2].Str != "histogram_usec" || len(set.Elems[3].Elems) == 0 {
		t.Errorf("histogram of set = %s", set)
	}
	// Cumulative counts end at the number of calls.
	b := set.Elems[3].Elems
	if b[len(b)-1].Str != "2" {
		t.Errorf("last bucket = %s, want 2", b[len(b)-1])
	}
	info := do(t, c, "INFO", "latencystats").Str
	if !strings.Contains(info, "latency_percentiles_usec_set:p50=") || !strings.Contains(info, ",p99.9=") {
		t.Errorf("INFO latencystats:\n%s", info)
	}
	do(t, c, "CONFIG", "SET", "latency-tracking", "no")
	do(t, c, "CONFIG", "RESETSTAT")
	do(t, c, "GET", "a")
	if h := do(t, c, "LATENCY", "HISTOGRAM"); len(h.Elems) != 0 {
		t.Errorf("LATENCY HISTOGRAM with tracking off = %s", h)
	}
}

// TestCommandStatsPerServer runs two servers in one process: each counts
// only its own commands.
func TestCommandStatsPerServer(t *testing.T) {
	a, b := dial(t, redmodtest.Run(t).Addr()), dial(t, redmodtest.Run(t).Addr())
	do(t, a, "CONFIG", "RESETSTAT")
	do(t, b, "CONFIG", "RESETSTAT")
	for i := 0; i < 3; i++ {
		do(t, a, "SET", "k", "v")
	}
	if s := do(t, a, "INFO", "commandstats").Str; !strings.Contains(s, "cmdstat_set:calls=3,") {
		t.Errorf("server a:\n%s", s)
	}
	if s := do(t, b, "INFO", "commandstats").Str; strings.Contains(s, "cmdstat_set:") {
		t.Errorf("server b counts server a's SETs:\n%s", s)
	}
}

// TestProtectedActions: DEBUG and CONFIG SET of dir/dbfilename are refused
// unless enable-debug-command / enable-protected-configs allow them; "local"
// allows loopback clients.
func TestProtectedActions(t *testing.T) {
	c := dial(t, redmodtest.Run(t).Addr())
	if r := do(t, c, "DEBUG", "HELP"); r.Kind != '-' || !strings.Contains(r.Str, "DEBUG command not allowed") {
		t.Errorf("DEBUG by default = %s", r)
	}
	if r := do(t, c, "CONFIG", "SET", "dbfilename", "x.rdb"); !strings.Contains(r.Str, "can't set protected config") {
		t.Errorf("CONFIG SET dbfilename by default = %s", r)
	}
	if r := do(t, c, "CONFIG", "SET", "enable-debug-command", "yes"); !strings.Contains(r.Str, "can't set immutable config") {
		t.Errorf("CONFIG SET enable-debug-command = %s", r)
	}
	local := dial(t, debugServer(t, func(c *host.Config) {
		c.EnableDebugCommand = "local"
		c.EnableProtectedConfigs = "local"
		c.DBFilename = ""
	}).Addr())
	if r := do(t, local, "DEBUG", "SLEEP", "0"); r.Raw != "+OK\r\n" {
		t.Errorf("DEBUG from loopback with local = %s", r)
	}
	if r := do(t, local, "CONFIG", "SET", "dbfilename", "x.rdb"); r.Raw != "+OK\r\n" {
		t.Errorf("CONFIG SET dbfilename from loopback with local = %s", r)
	}
}

// TestDebugDigestAndReload: the dataset's digest survives DEBUG RELOAD and
// changes with any value; DIGEST-VALUE digests one value; active expiry
// can be switched off.
func TestDebugDigestAndReload(t *testing.T) {
	for _, persist := range []bool{false, true} {
		srv := debugServer(t, func(c *host.Config) {
			if persist {
				c.Dir = t.TempDir()
				c.DBFilename = "dump.rdb"
				c.Save = nil
			}
		})
		c := dial(t, srv.Addr())
		zero := strings.Repeat("0", 40)
		if d := do(t, c, "DEBUG", "DIGEST"); d.Str != zero {
			t.Fatalf("digest of nothing = %s", d)
		}
		do(t, c, "SADD", "s", "a", "b", "c")
		do(t, c, "HSET", "h", "f", "v", "g", "w")
		do(t, c, "RPUSH", "l", "1", "2", "3")
		do(t, c, "ZADD", "z", "1", "a", "2", "b")
		do(t, c, "SET", "k", "v", "PX", "100000")
		do(t, c, "XADD", "x", "1-1", "f", "v")
		before := do(t, c, "DEBUG", "DIGEST").Str
		sv := do(t, c, "DEBUG", "DIGEST-VALUE", "s", "nokey")
		if r := do(t, c, "DEBUG", "RELOAD"); r.Raw != "+OK\r\n" {
			t.Fatalf("DEBUG RELOAD = %s", r)
		}
		if after := do(t, c, "DEBUG", "DIGEST").Str; after != before || before == zero {
			t.Errorf("digest %s after reload, %s before", after, before)
		}
		if sv2 := do(t, c, "DEBUG", "DIGEST-VALUE", "s", "nokey"); sv2.Raw != sv.Raw || sv.Elems[1].Str != zero {
			t.Errorf("DIGEST-VALUE %s after reload, %s before", sv2, sv)
		}
		do(t, c, "HSET", "h", "f", "x")
		if d := do(t, c, "DEBUG", "DIGEST").Str; d == before {
			t.Error("digest did not change with a value")
		}
		if o := do(t, c, "DEBUG", "OBJECT", "h").Str; !strings.Contains(o, "encoding:listpack") || !strings.Contains(o, "lru_seconds_idle:") {
			t.Errorf("DEBUG OBJECT = %q", o)
		}
	}
}

// infoField reads one field of INFO.
func infoField(t *testing.T, c *resp.Conn, section, name string) string {
	t.Helper()
	for _, line := range strings.Split(do(t, c, "INFO", section).Str, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO %s has no %s", section, name)
	return ""
}

// TestInfoOperatorFields: the identifiers are new at each start, the
// sampled and derived figures are there, the default INFO has the Cluster
// section, and avg_ttl estimates the keys' time to live.
func TestInfoOperatorFields(t *testing.T) {
	srv := redmodtest.Run(t)
	a, b := dial(t, srv.Addr()), dial(t, redmodtest.Run(t).Addr())
	for _, f := range []string{"run_id"} {
		x, y := infoField(t, a, "server", f), infoField(t, b, "server", f)
		if len(x) != 40 || x == y {
			t.Errorf("%s: %q and %q", f, x, y)
		}
	}
	if id := infoField(t, a, "replication", "master_replid"); len(id) != 40 || id == infoField(t, b, "replication", "master_replid") {
		t.Errorf("master_replid %q", id)
	}
	used, _ := strconv.ParseInt(infoField(t, a, "memory", "used_memory"), 10, 64)
	peak, _ := strconv.ParseInt(infoField(t, a, "memory", "used_memory_peak"), 10, 64)
	if peak < used || used == 0 {
		t.Errorf("used_memory %d, used_memory_peak %d", used, peak)
	}
	if !strings.Contains(do(t, a, "INFO").Str, "# Cluster\r\ncluster_enabled:0\r\n") {
		t.Error("INFO has no # Cluster section")
	}
	for _, f := range []string{"instantaneous_ops_per_sec", "instantaneous_input_kbps", "instantaneous_output_kbps"} {
		infoField(t, a, "stats", f)
	}
	infoField(t, a, "cpu", "used_cpu_user_children")
	// avg_ttl follows the keys active expiry samples.
	do(t, a, "SET", "k", "v", "EX", "1000")
	do(t, a, "SET", "j", "v", "EX", "1000")
	deadline := time.Now().Add(10 * time.Second)
	for {
		ks := infoField(t, a, "keyspace", "db0")
		_, avg, _ := strings.Cut(ks, "avg_ttl=")
		if ms, _ := strconv.ParseInt(avg, 10, 64); ms > 900_000 && ms <= 1_000_000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("keyspace: %s", ks)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDebugForScriptsAndReloadOptions: DEBUG SET-DISABLE-DENY-SCRIPTS lets
// a script call a command flagged noscript (and an attribute in its reply
// is skipped, the reply after it returned); DEBUG RELOAD NOFLUSH refuses a
// snapshot whose function library is already loaded unless MERGE is given;
// DEBUG OBJECT describes a key whose expiry passed without deleting it.
func TestDebugForScriptsAndReloadOptions(t *testing.T) {
	c := dial(t, debugServer(t).Addr())
	script := "redis.setresp(3) return redis.call('debug', 'protocol', 'attrib')"
	if r := do(t, c, "EVAL", script, "0"); !strings.Contains(r.Str, "not allowed from script") {
		t.Errorf("noscript command from a script = %s", r)
	}
	do(t, c, "DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1")
	if r := do(t, c, "EVAL", script, "0"); r.Str != "Some real reply following the attribute" {
		t.Errorf("with deny disabled = %s", r)
	}
	do(t, c, "DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0")

	do(t, c, "FUNCTION", "LOAD", "#!lua name=test\nredis.register_function('test', function() return 1 end)")
	if r := do(t, c, "DEBUG", "RELOAD", "NOFLUSH"); !strings.Contains(r.Str, "Error trying to load the RDB") {
		t.Errorf("DEBUG RELOAD NOFLUSH over a loaded library = %s", r)
	}
	if r := do(t, c, "DEBUG", "RELOAD", "NOFLUSH", "MERGE"); r.Raw != "+OK\r\n" {
		t.Errorf("DEBUG RELOAD NOFLUSH MERGE = %s", r)
	}
	if r := do(t, c, "FCALL", "test", "0"); r.Raw != ":1\r\n" {
		t.Errorf("FCALL after the reload = %s", r)
	}

	do(t, c, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
	do(t, c, "SET", "key", "value", "PX", "1")
	// Any read of the key would delete it: the millisecond is let pass.
	time.Sleep(5 * time.Millisecond)
	if r := do(t, c, "DEBUG", "OBJECT", "key"); r.Kind != '+' {
		t.Errorf("DEBUG OBJECT of an expired, undeleted key = %s", r)
	}
	if r := do(t, c, "EXISTS", "key"); r.Str != "0" {
		t.Errorf("EXISTS of the expired key = %s", r)
	}
	do(t, c, "DEBUG", "SET-ACTIVE-EXPIRE", "1")
}

// DEBUG OBJECT's address stays while INCR changes a counter in place, as
// Redis's unit/type/incr checks, for a counter held inline beside its key
// and for one held as an object.
func TestDebugObjectAddressStaysUnderIncr(t *testing.T) {
	c := dial(t, debugServer(t).Addr())
	addr := func(key string) string {
		t.Helper()
		o := do(t, c, "DEBUG", "OBJECT", key).Str
		f := strings.Fields(o)
		if len(f) < 2 || !strings.HasPrefix(f[1], "at:0x") {
			t.Fatalf("DEBUG OBJECT %s = %q", key, o)
		}
		return f[1]
	}
	do(t, c, "SET", "foo", "20000")
	do(t, c, "INCR", "foo")
	before := addr("foo")
	do(t, c, "INCR", "foo")
	if after := addr("foo"); after != before {
		t.Errorf("address after INCR %s, before %s", after, before)
	}
	do(t, c, "RPUSH", "list", "a")
	before = addr("list")
	do(t, c, "RPUSH", "list", "b")
	if after := addr("list"); after != before {
		t.Errorf("list address after RPUSH %s, before %s", after, before)
	}
}
