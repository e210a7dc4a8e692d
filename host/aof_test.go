package host_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/redmodtest"
)

func aofServer(t *testing.T, dir string, more ...func(c *host.Config)) *redmodtest.Server {
	t.Helper()
	return redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) {
		c.Dir = dir
		c.DBFilename = "dump.rdb"
		c.Save = nil
		c.AppendOnly = true
		for _, f := range more {
			f(c)
		}
	}))
}

func waitRewrite(t *testing.T, c *redis.Client) {
	t.Helper()
	for range 1000 {
		if infoField(t, c, "persistence", "aof_rewrite_in_progress") == "0" && infoField(t, c, "persistence", "aof_rewrite_scheduled") == "0" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the rewrite did not finish")
}

func TestAOFRestartAndLayout(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	srv := aofServer(t, dir)
	c := client(t, srv, 0)
	if got := infoField(t, c, "persistence", "aof_enabled"); got != "1" {
		t.Fatalf("aof_enabled = %s", got)
	}
	c.Set(ctx, "a", "1", time.Hour)
	c.RPush(ctx, "l", "x", "y")
	c3 := client(t, srv, 3)
	c3.Incr(ctx, "n")
	c.Incr(ctx, "n0")
	srv.Close()
	folder := filepath.Join(dir, "appendonlydir")
	man, err := os.ReadFile(filepath.Join(folder, "appendonly.aof.manifest"))
	if err != nil || string(man) != "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n" {
		t.Fatalf("manifest %q %v", man, err)
	}
	// The snapshot is not what is loaded: remove nothing, write a decoy.
	os.WriteFile(filepath.Join(dir, "dump.rdb"), []byte("not loaded"), 0o644)

	srv = aofServer(t, dir)
	c = client(t, srv, 0)
	if got := c.Get(ctx, "a").Val(); got != "1" {
		t.Errorf("a = %q", got)
	}
	if ttl := c.TTL(ctx, "a").Val(); ttl < 59*time.Minute {
		t.Errorf("TTL a = %v", ttl)
	}
	if got := strings.Join(c.LRange(ctx, "l", 0, -1).Val(), ","); got != "x,y" {
		t.Errorf("l = %q", got)
	}
	if got := client(t, srv, 3).Get(ctx, "n").Val(); got != "1" {
		t.Errorf("db 3 n = %q", got)
	}
	if got := c.Get(ctx, "n0").Val(); got != "1" {
		t.Errorf("n0 = %q (a SELECT is missing after the switch to db 3)", got)
	}
	// After a restart, appends continue the last incremental file with a
	// SELECT first: a write to db 0 must not land in db 3.
	c.Incr(ctx, "n0")
	srv.Close()
	srv = aofServer(t, dir)
	if got := client(t, srv, 0).Get(ctx, "n0").Val(); got != "2" {
		t.Errorf("n0 = %q after the second restart", got)
	}
}

func TestAOFRewriteUnderLoad(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	srv := aofServer(t, dir)
	c := client(t, srv, 0)
	for i := range 2000 {
		c.Set(ctx, fmt.Sprint("k", i), i, 0)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	counts := make([]int, 4)
	for w := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cw := client(t, srv, w)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := cw.Incr(ctx, "counter").Err(); err != nil {
					t.Error(err)
					return
				}
				counts[w]++
			}
		}()
	}
	for range 3 {
		if err := c.BgRewriteAOF(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		waitRewrite(t, c)
	}
	close(stop)
	wg.Wait()
	if got := infoField(t, c, "persistence", "aof_rewrites"); got != "3" {
		t.Errorf("aof_rewrites = %s", got)
	}
	if err := c.BgRewriteAOF(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.BgRewriteAOF(ctx).Err(); err == nil || !strings.Contains(err.Error(), "already in progress") {
		// The first may have finished already; then this one started.
		if err == nil {
			waitRewrite(t, c)
		}
	}
	waitRewrite(t, c)
	srv.Close()
	entries, _ := os.ReadDir(filepath.Join(dir, "appendonlydir"))
	if len(entries) != 3 {
		t.Errorf("files after rewrites: %v", entries)
	}
	srv = aofServer(t, dir)
	for w, n := range counts {
		if got, _ := client(t, srv, w).Get(ctx, "counter").Int(); got != n {
			t.Errorf("db %d counter = %d, want %d", w, got, n)
		}
	}
	if n := client(t, srv, 0).DBSize(ctx).Val(); n != 2001 {
		t.Errorf("db 0 has %d keys", n)
	}
}

func TestAOFTurnedOnAtRunTime(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	srv := aofServer(t, dir, func(c *host.Config) { c.AppendOnly = false })
	c := client(t, srv, 0)
	c.Set(ctx, "before", "1", 0)
	if got := infoField(t, c, "persistence", "aof_enabled"); got != "0" {
		t.Fatalf("aof_enabled = %s", got)
	}
	if err := c.ConfigSet(ctx, "appendonly", "yes").Err(); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "after", "2", 0)
	if err := c.ConfigSet(ctx, "appendfsync", "always").Err(); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "always", "3", 0)
	srv.Close()
	srv = aofServer(t, dir)
	c = client(t, srv, 0)
	for k, want := range map[string]string{"before": "1", "after": "2", "always": "3"} {
		if got := c.Get(ctx, k).Val(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// Turned off, the log is closed; BGREWRITEAOF still writes a base.
	if err := c.ConfigSet(ctx, "appendonly", "no").Err(); err != nil {
		t.Fatal(err)
	}
	if got := infoField(t, c, "persistence", "aof_enabled"); got != "0" {
		t.Fatalf("aof_enabled = %s after appendonly no", got)
	}
	c.Set(ctx, "off", "4", 0)
	if err := c.BgRewriteAOF(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	waitRewrite(t, c)
	srv.Close()
	man, _ := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	if !strings.HasPrefix(string(man), "file appendonly.aof.2.base.rdb seq 2 type b\n") || strings.Contains(string(man), "type i") {
		t.Errorf("manifest after a rewrite with appendonly no:\n%s", man)
	}
}

// Truncating the log at every byte of its tail: the server starts every
// time, with exactly the commands that are whole; damage in the middle
// refuses to start.
func TestAOFTruncatedAtEveryOffset(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	srv := aofServer(t, dir)
	c := client(t, srv, 0)
	for i := range 5 {
		c.Incr(ctx, "n")
		c.Set(ctx, fmt.Sprint("k", i), strings.Repeat("v", i*7), 0)
	}
	tx := c.TxPipeline()
	tx.Incr(ctx, "n")
	tx.Incr(ctx, "m")
	tx.Exec(ctx)
	srv.Close()
	incr := filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")
	whole, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	from := max(0, len(whole)-160)
	for cut := from; cut < len(whole); cut++ {
		if err := os.WriteFile(incr, whole[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := host.DefaultConfig()
		cfg.Dir, cfg.Save, cfg.AppendOnly = dir, nil, true
		cfg.Logger = quietLogger()
		s, err := host.New(cfg, nil)
		if err != nil {
			t.Fatalf("cut at %d of %d: %v", cut, len(whole), err)
		}
		var n, m string
		s.Keyspace().View(func(ks *core.Keyspace) error {
			n, m = str(ks, "n"), str(ks, "m")
			return nil
		})
		// The transaction is all or nothing.
		if (n == "6") != (m == "1") {
			t.Fatalf("cut at %d: n=%q m=%q, half a transaction applied", cut, n, m)
		}
		s.Close()
		got, _ := os.ReadFile(incr)
		if !strings.HasPrefix(string(whole), string(got)) {
			t.Fatalf("cut at %d: the file was changed, not cut back", cut)
		}
	}
	os.WriteFile(incr, whole, 0o644)
	bad := []byte(string(whole))
	bad[len(bad)/2+strings.Index(string(bad[len(bad)/2:]), "*")] = '?'
	os.WriteFile(incr, bad, 0o644)
	cfg := host.DefaultConfig()
	cfg.Dir, cfg.Save, cfg.AppendOnly = dir, nil, true
	cfg.Logger = quietLogger()
	if _, err := host.New(cfg, nil); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged middle: %v", err)
	}
	cfg.AOFLoadTruncated = false
	os.WriteFile(incr, whole[:len(whole)-3], 0o644)
	if _, err := host.New(cfg, nil); err == nil || !strings.Contains(err.Error(), "aof-load-truncated") {
		t.Fatalf("truncated with aof-load-truncated no: %v", err)
	}
}

func quietLogger() hclog.Logger { return hclog.NewNullLogger() }

// str reads a string key of database 0 under the caller's locks.
func str(ks *core.Keyspace, key string) string {
	v, _ := core.Lookup[*core.String](ks.DB(0), []byte(key))
	if v == nil {
		return ""
	}
	return string(v.B)
}

// A log that cannot be written (ENOSPC: the incremental file is /dev/full
// here) is reported in INFO, and writes are refused with Redis's MISCONF
// text, while reads go on.
func TestAOFWriteErrorRefusesWrites(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	ctx := context.Background()
	folder := filepath.Join(dir, "appendonlydir")
	os.MkdirAll(folder, 0o755)
	if err := os.Symlink("/dev/full", filepath.Join(folder, "appendonly.aof.1.incr.aof")); err != nil {
		t.Skip(err)
	}
	srv := aofServer(t, dir, func(c *host.Config) { c.AppendOnly = false })
	c := client(t, srv, 0)
	c.Set(ctx, "k", "v", 0)
	if err := c.ConfigSet(ctx, "appendonly", "yes").Err(); err != nil {
		t.Fatal(err)
	}
	// everysec: this write is answered (it stays buffered, as in Redis).
	if err := c.Set(ctx, "a", "1", 0).Err(); err != nil {
		t.Fatalf("first write: %v", err)
	}
	if got := infoField(t, c, "persistence", "aof_last_write_status"); got != "err" {
		t.Fatalf("aof_last_write_status = %s", got)
	}
	const misconf = "MISCONF Errors writing to the AOF file: No space left on device"
	if err := c.Set(ctx, "b", "2", 0).Err(); err == nil || err.Error() != misconf {
		t.Fatalf("write while the log fails: %v", err)
	}
	if err := c.Ping(ctx).Err(); err == nil || err.Error() != misconf {
		t.Fatalf("PING while the log fails: %v", err)
	}
	if got := c.Get(ctx, "k").Val(); got != "v" {
		t.Fatalf("GET while the log fails: %q", got)
	}
	if got := c.Exists(ctx, "b").Val(); got != 0 {
		t.Fatal("a refused write changed the data")
	}
}

// auto-aof-rewrite-percentage and -min-size rewrite the log in the
// background once it grew enough over its base.
func TestAOFAutoRewrite(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	srv := aofServer(t, dir, func(c *host.Config) {
		c.AutoAOFRewritePercentage = 100
		c.AutoAOFRewriteMinSize = 4096
	})
	c := client(t, srv, 0)
	for i := range 200 {
		c.Set(ctx, "k", strings.Repeat("x", i), 0)
	}
	for range 500 {
		if infoField(t, c, "persistence", "aof_rewrites") != "0" {
			waitRewrite(t, c)
			base, _ := strconv.Atoi(infoField(t, c, "persistence", "aof_base_size"))
			cur, _ := strconv.Atoi(infoField(t, c, "persistence", "aof_current_size"))
			if base == 0 || cur < base || cur > 4096 {
				t.Errorf("after the rewrite: aof_base_size %d, aof_current_size %d", base, cur)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no automatic rewrite")
}

// FLUSHALL in the log (with save rules set, where it also saves) and
// commands of every kind replay at start.
func TestAOFReplaysFlushAll(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	rules := func(c *host.Config) { c.Save = []host.SaveRule{{Seconds: 3600, Changes: 1}} }
	srv := aofServer(t, dir, rules)
	c := client(t, srv, 0)
	c.Set(ctx, "gone", "1", 0)
	c.FlushAll(ctx)
	c.Set(ctx, "kept", "1", 0)
	srv.Close()
	srv = aofServer(t, dir, rules)
	c = client(t, srv, 0)
	if got := c.Keys(ctx, "*").Val(); len(got) != 1 || got[0] != "kept" {
		t.Fatalf("keys after replay: %v", got)
	}
}

// TestAOFRewriteOrdersFunctionLoads: FUNCTION LOADs running beside
// rewrites each fall on one side of the rewrite's cut with their effect,
// so after a restart every acknowledged library is there, loaded once.
func TestAOFRewriteOrdersFunctionLoads(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	srv := aofServer(t, dir)
	c := client(t, srv, 0)
	const libs = 40
	done := make(chan struct{})
	go func() {
		defer close(done)
		cw := client(t, srv, 0)
		for i := range libs {
			code := fmt.Sprintf("#!lua name=lib%d\nredis.register_function('f%d', function() return %d end)", i, i, i)
			if err := cw.FunctionLoad(ctx, code).Err(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if err := c.BgRewriteAOF(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		waitRewrite(t, c)
	}
	srv.Close()
	srv = aofServer(t, dir)
	c = client(t, srv, 0)
	list, err := c.FunctionList(ctx, redis.FunctionListQuery{}).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != libs {
		t.Errorf("%d libraries after restart, want %d", len(list), libs)
	}
	for i := range libs {
		if n, err := c.FCall(ctx, fmt.Sprint("f", i), nil).Int(); err != nil || n != i {
			t.Errorf("FCALL f%d = %d, %v", i, n, err)
		}
	}
}
