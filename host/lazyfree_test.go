package host_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/effects"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// lazyfree-lazy-eviction: an evicted key is propagated as UNLINK (DEL
// without it), and a large evicted value counts in lazyfreed_objects, in
// redmod and in Redis alike.
func TestLazyEviction(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dialT(t, addr)
			do(t, c, "FLUSHALL")
			do(t, c, "CONFIG", "RESETSTAT")
			do(t, c, "CONFIG", "SET", "lazyfree-lazy-eviction", "yes")
			defer do(t, c, "CONFIG", "SET", "lazyfree-lazy-eviction", "no")
			args := []string{"SADD", "victim"}
			for i := 0; i < 200; i++ {
				args = append(args, "member-"+strconv.Itoa(i))
			}
			do(t, c, args...)
			do(t, c, "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
			defer do(t, c, "CONFIG", "SET", "maxmemory-policy", "noeviction")
			do(t, c, "CONFIG", "SET", "maxmemory", "1")
			do(t, c, "CONFIG", "SET", "maxmemory", "0")
			do(t, c, "PING") // Redis evicts before a command
			deadline := time.Now().Add(10 * time.Second)
			for infoInt(t, c, "evicted_keys") != 1 || lazyFreedObjects(t, c) != "1" {
				if time.Now().After(deadline) {
					t.Fatalf("evicted_keys %d, lazyfreed_objects %s", infoInt(t, c, "evicted_keys"), lazyFreedObjects(t, c))
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	t.Run("stream", func(t *testing.T) {
		for _, lazy := range []string{"yes", "no"} {
			srv := redmodtest.Run(t)
			rec := &effects.Recorder{}
			srv.Effects().Attach(rec)
			c := dialT(t, srv.Addr())
			do(t, c, "CONFIG", "SET", "lazyfree-lazy-eviction", lazy)
			do(t, c, "SET", "victim", "x")
			do(t, c, "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
			do(t, c, "CONFIG", "SET", "maxmemory", "1")
			do(t, c, "CONFIG", "SET", "maxmemory", "0")
			do(t, c, "PING")
			want := map[string]string{"yes": "UNLINK victim", "no": "DEL victim"}[lazy]
			deadline := time.Now().Add(10 * time.Second)
			for {
				cmds := rec.Commands()
				if len(cmds) > 0 && strings.Join(cmds[len(cmds)-1], " ") == want {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("lazyfree-lazy-eviction %s: stream %q, want %q last", lazy, cmds, want)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	})
}

// lazyFreedObjects reads INFO's lazyfreed_objects once no lazy free is
// pending.
func lazyFreedObjects(t *testing.T, c *resp.Conn) string {
	t.Helper()
	info := do(t, c, "INFO", "memory").Str
	if !strings.Contains(info, "lazyfree_pending_objects:0\r\n") {
		return "pending"
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "lazyfreed_objects:"); ok {
			return v
		}
	}
	t.Fatal("INFO memory has no lazyfreed_objects")
	return ""
}
