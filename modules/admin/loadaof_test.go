package admin_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
)

// waitRewrite waits until the server has no AOF rewrite in progress or
// scheduled.
func waitRewrite(t *testing.T, c *resp.Conn) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		info := do(t, c, "INFO", "persistence").Str
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("AOF rewrite did not finish")
}

// TestDiffDebugLoadAOF: DEBUG LOADAOF empties the dataset and loads it back
// from the append-only files, as Redis does: with appendonly on, every
// write comes back (expiries too); after appendonly is turned off, what was
// written since is gone, since the files do not hold it. Loading writes
// nothing to the files.
func TestDiffDebugLoadAOF(t *testing.T) {
	dir := t.TempDir()
	ours := debugServer(t, func(c *host.Config) {
		c.Dir = dir
		c.DBFilename = "dump.rdb"
		c.Save = nil
	})
	p := difftest.NewPair(t, ours.Addr(), difftest.Redis(t))
	p.Check("CONFIG", "SET", "appendonly", "yes")
	waitRewrite(t, p.Ours)
	waitRewrite(t, p.Ref)
	for _, args := range [][]string{
		{"SET", "s", "v", "EX", "1000"}, {"RPUSH", "l", "a", "b", "c"}, {"SADD", "set", "1", "2", "x"},
		{"HSET", "h", "f", "v"}, {"ZADD", "z", "1.5", "a", "2", "b"}, {"XADD", "x", "1-1", "f", "v"},
		{"XGROUP", "CREATE", "x", "g", "0"}, {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "x", ">"},
		{"SELECT", "3"}, {"SET", "in3", "v"}, {"SELECT", "0"}, {"INCR", "n"}, {"DEL", "h"},
	} {
		p.Do(args...)
	}
	before := do(t, p.Ours, "DEBUG", "DIGEST").Str
	incr := func() int64 {
		var size int64
		files, _ := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil {
				size += fi.Size()
			}
		}
		return size
	}
	sizeBefore := incr()
	p.Check("DEBUG", "LOADAOF")
	if after := do(t, p.Ours, "DEBUG", "DIGEST").Str; after != before {
		t.Errorf("digest %s after DEBUG LOADAOF, %s before", after, before)
	}
	if got := incr(); got != sizeBefore {
		t.Errorf("loading wrote to the append only file: %d bytes, %d before", got, sizeBefore)
	}
	for _, args := range [][]string{
		{"DBSIZE"}, {"LRANGE", "l", "0", "-1"}, {"GET", "n"}, {"EXISTS", "h"}, {"XINFO", "GROUPS", "x"},
		{"XPENDING", "x", "g"}, {"ZSCORE", "z", "a"}, {"SELECT", "3"}, {"GET", "in3"}, {"SELECT", "0"},
	} {
		p.Check(args...)
	}
	if ttl, _ := strconv.Atoi(do(t, p.Ours, "TTL", "s").Str); ttl < 990 || ttl > 1000 {
		t.Errorf("TTL s = %d after DEBUG LOADAOF", ttl)
	}
	// Turned off, the files stay as they were and are what loads.
	p.Check("CONFIG", "SET", "appendonly", "no")
	p.Do("SET", "later", "x")
	p.Check("DEBUG", "LOADAOF")
	p.Check("EXISTS", "later")
	p.Check("DBSIZE")
}

// TestDebugLoadAOFWithoutFiles: with no append-only file to load, DEBUG
// LOADAOF answers an error and keeps the dataset (Redis exits).
func TestDebugLoadAOFWithoutFiles(t *testing.T) {
	for _, persist := range []bool{false, true} {
		srv := debugServer(t, func(c *host.Config) {
			c.DBFilename = ""
			if persist {
				c.Dir = t.TempDir()
				c.DBFilename = "dump.rdb"
				c.Save = nil
			}
		})
		c := dial(t, srv.Addr())
		do(t, c, "SET", "k", "v")
		if r := do(t, c, "DEBUG", "LOADAOF"); r.Kind != '-' {
			t.Errorf("DEBUG LOADAOF without files = %s", r)
		}
		if r := do(t, c, "GET", "k"); r.Str != "v" {
			t.Errorf("GET k = %s after a failed DEBUG LOADAOF", r)
		}
	}
}

// TestDiffDebugPopulate compares DEBUG POPULATE with Redis's: the names and
// values it creates, sizes that cut or pad the value, existing keys left
// alone, long prefixes cut, and its errors.
func TestDiffDebugPopulate(t *testing.T) {
	p := difftest.NewPair(t, debugServer(t).Addr(), difftest.Redis(t))
	long := strings.Repeat("p", 130)
	for _, args := range [][]string{
		{"SET", "key:3", "mine"}, {"DEBUG", "POPULATE", "5"}, {"DBSIZE"}, {"MGET", "key:0", "key:3", "key:4", "key:5"},
		{"DEBUG", "POPULATE", "3", "x", "2"}, {"MGET", "x:0", "x:2"},
		{"DEBUG", "POPULATE", "2", "y", "10"}, {"GET", "y:1"}, {"STRLEN", "y:1"},
		{"DEBUG", "POPULATE", "1", long}, {"KEYS", "ppp*"},
		{"DEBUG", "POPULATE", "0"}, {"DEBUG", "POPULATE", "-1"}, {"DEBUG", "POPULATE", "x"},
		{"DEBUG", "POPULATE", "1", "z", "-1"}, {"DEBUG", "POPULATE", "1", "z", "x"}, {"DEBUG", "POPULATE"},
		{"DEBUG", "POPULATE", "1", "z", "1", "extra"}, {"DBSIZE"},
	} {
		p.Check(args...)
	}
}
