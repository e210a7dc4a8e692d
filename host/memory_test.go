package host_test

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/hashicorp/go-hclog"
	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// heldBytes is the memory this process holds from the operating system.
func heldBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}

// TestMemoryReturnedAfterFlush fills 60 MB, deletes it (FLUSHALL, then
// by expiry), and requires the memory the process holds back within 20
// MB of its baseline within 15 s each time, without MEMORY PURGE: the host
// returns freed memory in the background. It once stayed at its peak.
func TestMemoryReturnedAfterFlush(t *testing.T) {
	srv := redmodtest.Run(t)
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	val := strings.Repeat("v", 1<<20)
	debug.FreeOSMemory()
	base := heldBytes()
	for _, drop := range []string{"FLUSHALL", "EXPIRE"} {
		for i := 0; i < 60; i++ {
			c.Do("SET", "k"+strconv.Itoa(i), val)
		}
		if held := heldBytes(); held < base+40<<20 {
			t.Fatalf("filling did not take memory (%d MB held, base %d MB)", held>>20, base>>20)
		}
		switch drop {
		case "FLUSHALL":
			c.Do("FLUSHALL")
		case "DEL":
			for i := 0; i < 60; i++ {
				c.Do("DEL", "k"+strconv.Itoa(i))
			}
		case "EXPIRE":
			for i := 0; i < 60; i++ {
				c.Do("PEXPIRE", "k"+strconv.Itoa(i), "1")
			}
		}
		deadline := time.Now().Add(15 * time.Second)
		for heldBytes() > base+20<<20 {
			if time.Now().After(deadline) {
				t.Fatalf("after %s: %d MB held, baseline %d MB", drop, heldBytes()>>20, base>>20)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestStoppedServerIsCollected: nothing process-wide (a module's table of
// its servers' settings or states) keeps a stopped server's data alive. A
// process that runs many servers one after another, as tests do, once kept
// every one of them. (The sorted-set module keeps the settings reader of
// the last server provisioned: a second server is started to replace it.)
func TestStoppedServerIsCollected(t *testing.T) {
	start := func() *host.Server {
		cfg := host.DefaultConfig()
		cfg.Dir, cfg.Save = t.TempDir(), nil
		cfg.Logger = hclog.NewNullLogger()
		s, err := host.New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start()
	// INFO memory and a save reach the modules' per-server state.
	s.Info([]string{"memory"})
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	ks := weak.Make(s.Keyspace())
	s.Close()
	s = start()
	s.Close()
	for i := 0; i < 5 && ks.Value() != nil; i++ {
		runtime.GC()
	}
	if ks.Value() != nil {
		t.Fatal("a stopped server's keyspace is still reachable")
	}
}
