package host_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// TestRepliesBoundedWhileBuilt sends commands whose reply size the client
// chooses to a server with a 1 MB hard output limit. Each once built its
// whole reply before the limit was checked (HRANDFIELD with a count of
// -2^63+1 grew to gigabytes and never finished); now the Writer stops the
// command once the reply passes the limit, and the client is closed, as
// Redis closes it, while the others are served.
func TestRepliesBoundedWhileBuilt(t *testing.T) {
	srv := redmodtest.Run(t)
	admin, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	admin.Do("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb 10")
	admin.Do("HSET", "h", "a", "1", "b", "2")
	args := []string{"RPUSH", "l"}
	for i := 0; i < 20000; i++ {
		args = append(args, strings.Repeat("x", 100))
	}
	admin.Do(args...)
	for i := 0; i < 2000; i++ {
		admin.Do("SET", "key:"+strconv.Itoa(i)+strings.Repeat("k", 1000), "v")
	}
	for _, cmd := range [][]string{
		{"HRANDFIELD", "h", "-9223372036854775807"},
		{"HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"},
		{"LRANGE", "l", "0", "-1"},
		{"SORT", "l", "ALPHA", "GET", "#", "GET", "#", "GET", "#"},
		{"SORT_RO", "l", "ALPHA"},
		{"KEYS", "*"},
		{"SCAN", "0", "COUNT", "9223372036854775807"},
	} {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		c, err := resp.Dial(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		c.Write(resp.Encode(cmd...))
		r, err := c.ReadTimeout(30 * time.Second)
		if err == nil {
			t.Errorf("%s: a %d-byte reply over the hard limit was sent", cmd[0], len(r.Raw))
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%s: the close took %v", cmd[0], d)
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if grown := int64(after.TotalAlloc - before.TotalAlloc); grown > 64<<20 {
			t.Errorf("%s: %d MB allocated for a 1 MB limit", cmd[0], grown>>20)
		}
		c.Close()
		if r, err := admin.Do("PING"); err != nil || r.Raw != "+PONG\r\n" {
			t.Fatalf("after %s: PING %q %v", cmd[0], r.Raw, err)
		}
	}
	// Under the limit, replies are whole.
	if r, err := admin.Do("HRANDFIELD", "h", "-1000"); err != nil || len(r.Elems) != 1000 {
		t.Errorf("HRANDFIELD -1000: %d elements, %v", len(r.Elems), err)
	}
}

// TestUnpauseAlwaysAnswered: CLIENT PAUSE with the largest timeout once held
// every command, CLIENT UNPAUSE included, forever. UNPAUSE is never held.
func TestUnpauseAlwaysAnswered(t *testing.T) {
	srv := redmodtest.Run(t)
	a, _ := resp.Dial(srv.Addr())
	defer a.Close()
	b, _ := resp.Dial(srv.Addr())
	defer b.Close()
	for _, ms := range []string{"9223372036854775807", "9223372036854775", "100000000"} {
		for _, mode := range []string{"ALL", "WRITE"} {
			if r, err := a.Do("CLIENT", "PAUSE", ms, mode); err != nil || r.Raw != "+OK\r\n" {
				t.Fatalf("CLIENT PAUSE %s %s: %q %v", ms, mode, r.Raw, err)
			}
			b.Write(resp.Encode("SET", "k", "v"))
			if r, err := a.ReadTimeout(200 * time.Millisecond); err == nil {
				t.Fatalf("unexpected %q", r.Raw)
			}
			if r, err := a.Do("CLIENT", "UNPAUSE"); err != nil || r.Raw != "+OK\r\n" {
				t.Fatalf("CLIENT UNPAUSE after PAUSE %s %s: %q %v", ms, mode, r.Raw, err)
			}
			if r, err := b.Read(); err != nil || r.Raw != "+OK\r\n" {
				t.Fatalf("the held SET: %q %v", r.Raw, err)
			}
		}
	}
	if r, _ := a.Do("CLIENT", "PAUSE", "-1"); r.Raw != "-ERR timeout is negative\r\n" {
		t.Errorf("negative pause: %q", r.Raw)
	}
}

// sleeper is a module whose SLEEPFOR command runs for a while.
type sleeper struct{}

func (sleeper) Name() string { return "sleeper" }

func (sleeper) Commands() []core.Command {
	return []core.Command{core.NewCommand(core.Spec{
		Name: "sleepfor", Arity: 2, Flags: core.FlagReadOnly,
		Summary: "Runs for the given milliseconds.",
	}, func(c *core.Ctx) error {
		ms, _ := strconv.Atoi(string(c.Args[1]))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		c.WriteOK()
		return nil
	})}
}

// TestTimeoutSparesBusyClients: with `timeout 1`, a client uploading a value
// slowly, one reading a large reply slowly and one whose command runs long
// were all closed as idle; every read and write, and a running command, is
// activity, as in Redis. An idle client is still closed.
func TestTimeoutSparesBusyClients(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithModule(sleeper{}))
	admin, _ := resp.Dial(srv.Addr())
	defer admin.Close()
	admin.Do("CONFIG", "SET", "timeout", "1")
	admin.Do("SET", "big", strings.Repeat("b", 8<<20))
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { // a slow upload
		defer wg.Done()
		c, _ := resp.Dial(srv.Addr())
		defer c.Close()
		req := resp.Encode("SET", "up", strings.Repeat("u", 100000))
		step := len(req) / 12
		for len(req) > step {
			c.Write(req[:step])
			req = req[step:]
			time.Sleep(250 * time.Millisecond)
		}
		c.Write(req)
		if r, err := c.Read(); err != nil || r.Raw != "+OK\r\n" {
			t.Errorf("slow upload: %q %v", r.Raw, err)
		}
	}()
	go func() { // a slow reader
		defer wg.Done()
		nc, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Error(err)
			return
		}
		defer nc.Close()
		nc.(*net.TCPConn).SetReadBuffer(64 << 10)
		nc.Write(resp.Encode("GET", "big"))
		got, buf := 0, make([]byte, 256<<10)
		deadline := time.Now().Add(30 * time.Second)
		for got < 8<<20 && time.Now().Before(deadline) {
			nc.SetReadDeadline(deadline)
			n, err := nc.Read(buf)
			got += n
			if err != nil {
				break
			}
			time.Sleep(30 * time.Millisecond) // 8 MB in about 3 s
		}
		if got < 8<<20 {
			t.Errorf("slow reader: cut off after %d bytes", got)
		}
	}()
	go func() { // a long command
		defer wg.Done()
		c, _ := resp.Dial(srv.Addr())
		defer c.Close()
		if r, err := c.Do("SLEEPFOR", "2500"); err != nil || r.Raw != "+OK\r\n" {
			t.Errorf("long command: %q %v", r.Raw, err)
		}
	}()
	idle, _ := resp.Dial(srv.Addr())
	defer idle.Close()
	wg.Wait()
	if _, err := idle.ReadTimeout(5 * time.Second); err == nil {
		t.Error("an idle client got a reply")
	}
	if r, err := idle.Do("PING"); err == nil {
		t.Errorf("an idle client was not closed: %q", r.Raw)
	}
}

// TestSaveFailureSaysPlainErr: a failed SAVE once told the client the
// server's file paths; Redis answers a plain -ERR, the reason goes to the log.
func TestSaveFailureSaysPlainErr(t *testing.T) {
	dir := t.TempDir()
	srv := persistent(t, dir)
	c, _ := resp.Dial(srv.Addr())
	defer c.Close()
	// A folder where the snapshot file should be makes the rename fail.
	if err := os.Mkdir(filepath.Join(dir, host.DefaultDBFilename), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, host.DefaultDBFilename, "x"), []byte("x"), 0o644)
	if r, _ := c.Do("SAVE"); r.Raw != "-ERR\r\n" {
		t.Errorf("failed SAVE: %q, want -ERR", r.Raw)
	}
}

// TestStaleTempFilesRemovedAtStart: a save interrupted by a kill leaves
// temp-<pid>.rdb behind; the next start removes such files of processes
// that are gone, and nothing else.
func TestStaleTempFilesRemovedAtStart(t *testing.T) {
	dir := t.TempDir()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Skip("cannot run a short-lived process:", err)
	}
	deadPid := strconv.Itoa(gone.Process.Pid)
	stale := []string{"temp-" + deadPid + ".rdb", "temp-" + deadPid + ".rdm"}
	kept := []string{
		"temp-" + strconv.Itoa(os.Getppid()) + ".rdb", // a live process's save
		"temp-" + deadPid + ".rdb.bak", "temp-x.rdb", "temp-0" + deadPid + ".rdb",
		"mytemp-" + deadPid + ".rdb", "notes.txt",
	}
	for _, f := range append(append([]string{}, stale...), kept...) {
		os.WriteFile(filepath.Join(dir, f), []byte("partial"), 0o644)
	}
	os.Mkdir(filepath.Join(dir, "temp-"+deadPid+"9.rdb"), 0o755) // a folder
	persistent(t, dir)
	for _, f := range stale {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was not removed", f)
		}
	}
	for _, f := range append(kept, "temp-"+deadPid+"9.rdb") {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s was removed", f)
		}
	}
}

// TestStaleRewriteTempsRemovedAtStart: a rewrite interrupted by a kill
// leaves its new base (temp-rewriteaof-bg-<pid>.aof) in the append-only
// folder; the next start removes those of processes that are gone, with
// appendonly on or off, and keeps the rest; the data loads as before.
func TestStaleRewriteTempsRemovedAtStart(t *testing.T) {
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Skip("cannot run a short-lived process:", err)
	}
	deadPid := strconv.Itoa(gone.Process.Pid)
	for _, appendonly := range []bool{true, false} {
		dir := t.TempDir()
		srv := aofServer(t, dir)
		c, err := resp.Dial(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.Do("SET", "k", "v")
		c.Close()
		srv.Close()
		folder := filepath.Join(dir, "appendonlydir")
		stale := []string{"temp-rewriteaof-bg-" + deadPid + ".aof", "temp-rewriteaof-" + deadPid + ".aof"}
		kept := []string{
			"temp-rewriteaof-bg-" + strconv.Itoa(os.Getppid()) + ".aof", // a live process's rewrite
			"temp-rewriteaof-bg-x.aof", "temp-rewriteaof-bg-" + deadPid + ".aof.1", "my-temp-rewriteaof-bg-" + deadPid + ".aof",
		}
		for _, f := range append(append([]string{}, stale...), kept...) {
			os.WriteFile(filepath.Join(folder, f), []byte("*1\r\n$3\r\nDEL"), 0o644)
		}
		srv = aofServer(t, dir, func(c *host.Config) { c.AppendOnly = appendonly })
		for _, f := range stale {
			if _, err := os.Stat(filepath.Join(folder, f)); err == nil {
				t.Errorf("appendonly %v: %s was not removed", appendonly, f)
			}
		}
		for _, f := range kept {
			if _, err := os.Stat(filepath.Join(folder, f)); err != nil {
				t.Errorf("appendonly %v: %s was removed", appendonly, f)
			}
		}
		if appendonly {
			c, err := resp.Dial(srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if r, _ := c.Do("GET", "k"); r.Str != "v" {
				t.Errorf("GET k = %s after restart", r)
			}
			c.Close()
		}
	}
}
