package admin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

func dial(t *testing.T, addr string) *resp.Conn {
	t.Helper()
	c, err := resp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func do(t *testing.T, c *resp.Conn, args ...string) resp.Reply {
	t.Helper()
	r, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return r
}

// TestGoRedisBothProtocols runs the connection and server commands through
// go-redis speaking RESP2 and RESP3; go-redis sends HELLO and CLIENT
// SETINFO itself when it connects.
func TestGoRedisBothProtocols(t *testing.T) {
	srv := redmodtest.Run(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: proto, ClientName: "tester"})
		defer rdb.Close()
		if err := rdb.Ping(ctx).Err(); err != nil {
			t.Fatalf("RESP%d ping: %v", proto, err)
		}
		if n, err := rdb.ClientGetName(ctx).Result(); err != nil || n != "tester" {
			t.Errorf("RESP%d CLIENT GETNAME = %q, %v", proto, n, err)
		}
		id, err := rdb.ClientID(ctx).Result()
		if err != nil || id <= 0 {
			t.Errorf("RESP%d CLIENT ID = %d, %v", proto, id, err)
		}
		info, err := rdb.ClientInfo(ctx).Result()
		if err != nil || info.ID != id || info.Name != "tester" || info.Resp != proto {
			t.Errorf("RESP%d CLIENT INFO = %+v, %v", proto, info, err)
		}
		list, err := rdb.ClientList(ctx).Result()
		if err != nil || !strings.Contains(list, "name=tester") || !strings.HasSuffix(list, "\n") {
			t.Errorf("RESP%d CLIENT LIST = %q, %v", proto, list, err)
		}
		rdb.Set(ctx, "k", "value", 0)
		if n, err := rdb.MemoryUsage(ctx, "k").Result(); err != nil || n < 6 {
			t.Errorf("RESP%d MEMORY USAGE = %d, %v", proto, n, err)
		}
		if err := rdb.MemoryUsage(ctx, "nokey").Err(); err != redis.Nil {
			t.Errorf("RESP%d MEMORY USAGE of a missing key: %v, want nil", proto, err)
		}
		tm, err := rdb.Time(ctx).Result()
		if err != nil || time.Since(tm).Abs() > time.Minute {
			t.Errorf("RESP%d TIME = %v, %v", proto, tm, err)
		}
		if _, err := rdb.LastSave(ctx).Result(); err != nil {
			t.Errorf("RESP%d LASTSAVE: %v", proto, err)
		}
		cfg, err := rdb.ConfigGet(ctx, "maxclients").Result()
		if err != nil || cfg["maxclients"] != "10000" {
			t.Errorf("RESP%d CONFIG GET = %v, %v", proto, cfg, err)
		}
		infoText, err := rdb.Info(ctx, "server").Result()
		if err != nil || !strings.Contains(infoText, "redis_version:7.0.15") {
			t.Errorf("RESP%d INFO = %q, %v", proto, infoText, err)
		}
		cmds, err := rdb.Command(ctx).Result()
		if err != nil || cmds["get"] == nil || cmds["get"].Arity != 2 || !cmds["get"].ReadOnly {
			t.Errorf("RESP%d COMMAND: %v (get = %+v)", proto, err, cmds["get"])
		}
		rdb.Set(ctx, "a", "1", 0)
		if err := rdb.Do(ctx, "SWAPDB", 0, 1).Err(); err != nil {
			t.Errorf("RESP%d SWAPDB: %v", proto, err)
		}
		if n := rdb.DBSize(ctx).Val(); n != 0 {
			t.Errorf("RESP%d DBSIZE after SWAPDB = %d, want 0", proto, n)
		}
		rdb.Do(ctx, "SWAPDB", 0, 1)
		if err := rdb.FlushDB(ctx).Err(); err != nil || rdb.DBSize(ctx).Val() != 0 {
			t.Errorf("RESP%d FLUSHDB: %v", proto, err)
		}
	}
}

// TestHelloSwitchesProtocol checks the HELLO reply in both protocols and
// that the replies after it follow the chosen protocol.
func TestHelloSwitchesProtocol(t *testing.T) {
	srv := redmodtest.Run(t)
	c := dial(t, srv.Addr())
	r := do(t, c, "HELLO", "3", "SETNAME", "n1")
	if r.Kind != '%' || len(r.Elems) != 14 || r.Elems[0].Str != "server" || r.Elems[3].Str != "7.0.15" || r.Elems[5].Raw != ":3\r\n" {
		t.Fatalf("HELLO 3 = %s", r)
	}
	if r := do(t, c, "GET", "nokey"); r.Raw != "_\r\n" {
		t.Errorf("GET after HELLO 3 = %q, want RESP3 null", r.Raw)
	}
	if r := do(t, c, "CLIENT", "GETNAME"); r.Str != "n1" {
		t.Errorf("CLIENT GETNAME = %s", r)
	}
	if r := do(t, c, "HELLO", "2"); r.Kind != '*' || len(r.Elems) != 14 {
		t.Errorf("HELLO 2 = %s", r)
	}
	if r := do(t, c, "GET", "nokey"); r.Raw != "$-1\r\n" {
		t.Errorf("GET after HELLO 2 = %q, want RESP2 null", r.Raw)
	}
	if r := do(t, c, "HELLO", "3", "AUTH", "someone", "pw"); r.Str != "WRONGPASS invalid username-password pair or user is disabled." {
		t.Errorf("HELLO AUTH of an unknown user = %s", r)
	}
	if r := do(t, c, "HELLO", "3", "AUTH", "default", "anything"); r.Kind != '%' {
		t.Errorf("HELLO AUTH default = %s", r)
	}
}

// TestResetRestoresConnection checks that RESET undoes SELECT, HELLO 3,
// the name and CLIENT REPLY OFF.
func TestResetRestoresConnection(t *testing.T) {
	srv := redmodtest.Run(t)
	c := dial(t, srv.Addr())
	do(t, c, "HELLO", "3", "SETNAME", "x")
	do(t, c, "SELECT", "5")
	do(t, c, "SET", "in5", "v")
	if err := c.Write(resp.Encode("CLIENT", "REPLY", "OFF")); err != nil {
		t.Fatal(err)
	}
	if r := do(t, c, "RESET"); r.Raw != "+RESET\r\n" {
		t.Fatalf("RESET = %q", r.Raw)
	}
	if r := do(t, c, "GET", "in5"); r.Raw != "$-1\r\n" {
		t.Errorf("GET after RESET = %q: want db 0 and RESP2", r.Raw)
	}
	if r := do(t, c, "CLIENT", "GETNAME"); !r.Null {
		t.Errorf("name after RESET = %s", r)
	}
}

// TestClientReply checks that OFF and SKIP suppress exactly the replies
// Redis suppresses.
func TestClientReply(t *testing.T) {
	srv := redmodtest.Run(t)
	c := dial(t, srv.Addr())
	var req []byte
	for _, cmd := range [][]string{
		{"CLIENT", "REPLY", "OFF"}, {"SET", "a", "1"}, {"GET", "a"}, {"CLIENT", "REPLY", "ON"},
		{"ECHO", "one"},
		{"CLIENT", "REPLY", "SKIP"}, {"ECHO", "skipped"}, {"ECHO", "two"},
		// ON right after SKIP replies: it clears the skip, as in Redis.
		{"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "ON"}, {"ECHO", "three"},
		{"CLIENT", "REPLY", "ON"}, {"CLIENT", "REPLY", "SKIP"}, {"ECHO", "skipped"}, {"ECHO", "four"},
	} {
		req = append(req, resp.Encode(cmd...)...)
	}
	if err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"+OK\r\n", "$3\r\none\r\n", "$3\r\ntwo\r\n", "+OK\r\n", "$5\r\nthree\r\n", "+OK\r\n", "$4\r\nfour\r\n"} {
		r, err := c.Read()
		if err != nil || r.Raw != want {
			t.Fatalf("reply %q, %v; want %q", r.Raw, err, want)
		}
	}
	if r := do(t, c, "GET", "a"); r.Str != "1" {
		t.Errorf("SET under CLIENT REPLY OFF did not run: GET = %s", r)
	}
}

// TestClientKill covers the old form (which may kill the caller), the
// filters, and SKIPME.
func TestClientKill(t *testing.T) {
	srv := redmodtest.Run(t)
	a, b := dial(t, srv.Addr()), dial(t, srv.Addr())
	idB := do(t, b, "CLIENT", "ID").Str
	if r := do(t, a, "CLIENT", "KILL", "ID", idB); r.Raw != ":1\r\n" {
		t.Fatalf("CLIENT KILL ID = %s", r)
	}
	if _, err := b.ReadTimeout(2 * time.Second); err == nil {
		t.Errorf("killed connection still open")
	}
	if r := do(t, a, "CLIENT", "KILL", "USER", "default"); r.Raw != ":0\r\n" {
		t.Errorf("CLIENT KILL USER default with SKIPME yes = %s", r)
	}
	addr := ""
	for _, f := range strings.Fields(do(t, a, "CLIENT", "INFO").Str) {
		if v, ok := strings.CutPrefix(f, "addr="); ok {
			addr = v
		}
	}
	if r := do(t, a, "CLIENT", "KILL", addr); r.Raw != "+OK\r\n" {
		t.Errorf("CLIENT KILL own addr = %s", r)
	}
	if _, err := a.ReadTimeout(2 * time.Second); err == nil {
		t.Errorf("connection that killed itself is still open")
	}
}

// TestClientPause checks that WRITE pauses only writes, ALL pauses reads
// too, and that UNPAUSE and the timeout release the waiting commands.
func TestClientPause(t *testing.T) {
	srv := redmodtest.Run(t)
	admin, other := dial(t, srv.Addr()), dial(t, srv.Addr())
	do(t, admin, "CLIENT", "PAUSE", "60000", "WRITE")
	if r := do(t, other, "GET", "k"); !r.Null {
		t.Errorf("GET during WRITE pause = %s", r)
	}
	if err := other.Write(resp.Encode("SET", "k", "v")); err != nil {
		t.Fatal(err)
	}
	if _, err := other.ReadTimeout(200 * time.Millisecond); err == nil {
		t.Fatalf("SET ran during a WRITE pause")
	}
	// The read deadline broke the connection's reader; use a fresh one.
	other = dial(t, srv.Addr())
	if err := other.Write(resp.Encode("SET", "k2", "v")); err != nil {
		t.Fatal(err)
	}
	do(t, admin, "CLIENT", "UNPAUSE")
	if r, err := other.Read(); err != nil || r.Raw != "+OK\r\n" {
		t.Fatalf("SET after UNPAUSE = %q, %v", r.Raw, err)
	}
	do(t, admin, "CLIENT", "PAUSE", "100", "ALL")
	start := time.Now()
	if r := do(t, other, "GET", "k2"); r.Str != "v" {
		t.Errorf("GET after ALL pause = %s", r)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Errorf("GET did not wait for the ALL pause")
	}
}

// TestConfigRewrite starts from a file with comments and checks that
// CONFIG REWRITE keeps them, updates lines in place and appends new ones.
func TestConfigRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "redmod.conf")
	orig := "# top comment\nmaxclients 100\n# keep me\nsave 900 1\nsave 300 10\ntimeout 5\nenable-protected-configs yes\n"
	if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) {
		if err := host.LoadConfigFile(path, c); err != nil {
			t.Fatal(err)
		}
	}))
	c := dial(t, srv.Addr())
	if r := do(t, c, "CONFIG", "GET", "maxclients"); len(r.Elems) != 2 || r.Elems[1].Str != "100" {
		t.Fatalf("maxclients from the file = %s", r)
	}
	if r := do(t, c, "CONFIG", "GET", "save"); len(r.Elems) != 2 || r.Elems[1].Str != "900 1 300 10" {
		t.Fatalf("save from the file = %s", r)
	}
	do(t, c, "CONFIG", "SET", "maxclients", "200", "save", "60 5", "dbfilename", "my dump.rdm")
	if r := do(t, c, "CONFIG", "REWRITE"); r.Raw != "+OK\r\n" {
		t.Fatalf("CONFIG REWRITE = %s", r)
	}
	got, _ := os.ReadFile(path)
	// redmodtest's own settings (port 0, loglevel warning) differ from the
	// defaults too, so they are appended as well, in the settings' order.
	want := "# top comment\nmaxclients 200\n# keep me\nsave 60 5\n\ntimeout 5\nenable-protected-configs yes\n\n# Generated by CONFIG REWRITE\nport 0\ndbfilename \"my dump.rdm\"\nloglevel warning\n"
	if string(got) != want {
		t.Errorf("rewritten file:\n%s\nwant:\n%s", got, want)
	}
	var cfg host.Config
	if err := host.LoadConfigFile(path, &cfg); err != nil || cfg.DBFilename != "my dump.rdm" || cfg.MaxClients != 200 {
		t.Errorf("rewritten file reads back as %+v, %v", cfg, err)
	}
	// The save rules set above would make Close save into the default dir,
	// inside the source tree: tests write only in temporary folders.
	do(t, c, "CONFIG", "SET", "save", "")

	plain := redmodtest.Run(t)
	if r := do(t, dial(t, plain.Addr()), "CONFIG", "REWRITE"); r.Str != "ERR The server is running without a config file" {
		t.Errorf("CONFIG REWRITE without a file = %s", r)
	}
}

// TestConfigResetStat checks that commandstats and errorstats start over.
func TestConfigResetStat(t *testing.T) {
	srv := redmodtest.Run(t)
	c := dial(t, srv.Addr())
	// Command statistics belong to the registry, which every server of the
	// test binary shares: start from zero.
	do(t, c, "CONFIG", "RESETSTAT")
	do(t, c, "GET", "a")
	do(t, c, "GET")
	do(t, c, "NOSUCH")
	info := do(t, c, "INFO", "commandstats", "errorstats").Str
	for _, want := range []string{"cmdstat_get:calls=1,usec=", "rejected_calls=1,failed_calls=0", "errorstat_ERR:count=2"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO lacks %q:\n%s", want, info)
		}
	}
	do(t, c, "CONFIG", "RESETSTAT")
	info = do(t, c, "INFO", "commandstats", "errorstats").Str
	if strings.Contains(info, "cmdstat_get") || strings.Contains(info, "errorstat_ERR") {
		t.Errorf("INFO after RESETSTAT:\n%s", info)
	}
}

// TestClientReplyOffWithBlocking pipelines replies before a blocking
// command under CLIENT REPLY OFF: the blocked command's late reply must be
// dropped too, and nothing half-written may reach the client.
func TestClientReplyOffWithBlocking(t *testing.T) {
	srv := redmodtest.Run(t)
	c, other := dial(t, srv.Addr()), dial(t, srv.Addr())
	var req []byte
	for _, cmd := range [][]string{{"ECHO", "before"}, {"CLIENT", "REPLY", "OFF"}, {"BLPOP", "q", "5"}} {
		req = append(req, resp.Encode(cmd...)...)
	}
	if err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Read(); err != nil || r.Str != "before" {
		t.Fatalf("first reply %s, %v", r, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(do(t, other, "INFO", "clients").Str, "blocked_clients:1") {
		if time.Now().After(deadline) {
			t.Fatal("BLPOP did not block")
		}
		time.Sleep(5 * time.Millisecond)
	}
	do(t, other, "RPUSH", "q", strings.Repeat("x", 300))
	if err := c.Write(resp.Encode("CLIENT", "REPLY", "ON")); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Read(); err != nil || r.Raw != "+OK\r\n" {
		t.Fatalf("after the blocked command: %q, %v; want only CLIENT REPLY ON's +OK", r.Raw, err)
	}
}

// TestClientPauseHeldAreBlocked checks that clients held by CLIENT PAUSE
// WRITE count in INFO's blocked_clients, as Redis counts them (its tests
// wait for that count), and that may-replicate commands (PFCOUNT, PUBLISH)
// are held like writes.
func TestClientPauseHeldAreBlocked(t *testing.T) {
	srv := redmodtest.Run(t)
	admin := dial(t, srv.Addr())
	do(t, admin, "PFADD", "hll", "a")
	do(t, admin, "CLIENT", "PAUSE", "60000", "WRITE")
	held := [][]string{{"PFCOUNT", "hll"}, {"PUBLISH", "ch", "m"}}
	conns := make([]*resp.Conn, len(held))
	for i, args := range held {
		conns[i] = dial(t, srv.Addr())
		if err := conns[i].Write(resp.Encode(args...)); err != nil {
			t.Fatal(err)
		}
	}
	blocked := func() string {
		r := do(t, admin, "INFO", "clients")
		for _, line := range strings.Split(r.Str, "\r\n") {
			if v, ok := strings.CutPrefix(line, "blocked_clients:"); ok {
				return v
			}
		}
		return ""
	}
	for deadline := time.Now().Add(10 * time.Second); blocked() != "2"; {
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients = %s, want 2 held clients", blocked())
		}
		time.Sleep(5 * time.Millisecond)
	}
	do(t, admin, "CLIENT", "UNPAUSE")
	for i, want := range []string{":1\r\n", ":0\r\n"} {
		if r, err := conns[i].Read(); err != nil || r.Raw != want {
			t.Fatalf("%q after UNPAUSE = %q, %v", held[i], r.Raw, err)
		}
	}
	if b := blocked(); b != "0" {
		t.Errorf("blocked_clients after UNPAUSE = %s", b)
	}
}
