package host_test

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// The maxmemory scenarios of Redis's unit/maxmemory, written as tests of our
// own: each runs against redmod and, when redis-server is installed,
// against Redis too, with the same expectations.

// bothServers returns redmod's address and, when redis-server is
// installed, a Redis's ("" otherwise).
func bothServers(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"redmod": redmodtest.Run(t).Addr()}
	if ref := difftest.RedisIfInstalled(t); ref != "" {
		out["redis"] = ref
	}
	return out
}

func dialT(t *testing.T, addr string) *resp.Conn {
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
		t.Fatalf("%v: %v", args, err)
	}
	return r
}

// infoInt reads one integer field of INFO.
func infoInt(t *testing.T, c *resp.Conn, name string) int64 {
	t.Helper()
	section := "stats"
	if strings.HasPrefix(name, "used_memory") || strings.HasPrefix(name, "mem_") {
		section = "memory"
	}
	for _, line := range strings.Split(do(t, c, "INFO", section).Str, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("INFO %s: %q", name, v)
			}
			return n
		}
	}
	t.Fatalf("INFO has no %s", name)
	return 0
}

const oomError = "OOM command not allowed when used memory > 'maxmemory'."

// TestMaxmemoryLimitHonoured is Redis's "is the memory limit honoured?" for
// every policy: with maxmemory 100 KB above the used memory, writing as
// many keys again as fit keeps used memory under the limit.
func TestMaxmemoryLimitHonoured(t *testing.T) {
	for name, addr := range bothServers(t) {
		for _, policy := range []string{"allkeys-random", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
			t.Run(name+"/"+policy, func(t *testing.T) {
				c := dialT(t, addr)
				do(t, c, "CONFIG", "SET", "maxmemory", "0")
				do(t, c, "FLUSHALL")
				defer do(t, c, "CONFIG", "SET", "maxmemory", "0")
				limit := infoInt(t, c, "used_memory") + 100*1024
				do(t, c, "CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))
				do(t, c, "CONFIG", "SET", "maxmemory-policy", policy)
				n := 0
				for {
					do(t, c, "SETEX", "key:"+strconv.Itoa(n), "10000", "x")
					n++
					if infoInt(t, c, "used_memory")+4096 > limit {
						break
					}
				}
				if n <= 10 {
					t.Fatalf("only %d keys fit", n)
				}
				for j := 0; j < n; j++ {
					do(t, c, "SETEX", "more:"+strconv.Itoa(j), "10000", "x")
				}
				if used := infoInt(t, c, "used_memory"); used >= limit+4096 {
					t.Fatalf("used_memory %d, limit %d", used, limit)
				}
				if infoInt(t, c, "evicted_keys") == 0 {
					t.Fatal("nothing evicted")
				}
			})
		}
	}
}

// TestMaxmemoryVolatileOnly is Redis's "policy should only remove volatile
// keys" and "only allkeys-* should remove non-volatile keys": the volatile
// policies keep every key without an expiry, and refuse writes once only
// such keys are left.
func TestMaxmemoryVolatileOnly(t *testing.T) {
	for name, addr := range bothServers(t) {
		for _, policy := range []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
			t.Run(name+"/"+policy, func(t *testing.T) {
				c := dialT(t, addr)
				do(t, c, "CONFIG", "SET", "maxmemory", "0")
				do(t, c, "FLUSHALL")
				defer do(t, c, "CONFIG", "SET", "maxmemory", "0")
				limit := infoInt(t, c, "used_memory") + 100*1024
				do(t, c, "CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))
				do(t, c, "CONFIG", "SET", "maxmemory-policy", policy)
				n := 0
				for ; ; n++ {
					if n%2 == 1 {
						do(t, c, "SETEX", "key:"+strconv.Itoa(n), "10000", "x")
					} else {
						do(t, c, "SET", "key:"+strconv.Itoa(n), "x")
					}
					if infoInt(t, c, "used_memory")+4096 > limit {
						break
					}
				}
				for j := 0; j < n; j++ {
					do(t, c, "SETEX", "foo:"+strconv.Itoa(j), "10000", "x")
				}
				if used := infoInt(t, c, "used_memory"); used >= limit+4096 {
					t.Fatalf("used_memory %d, limit %d", used, limit)
				}
				for j := 0; j < n; j += 2 {
					if r := do(t, c, "EXISTS", "key:"+strconv.Itoa(j)); r.Str != "1" {
						t.Fatalf("non-volatile key:%d was evicted", j)
					}
				}
				// Only keys without an expiry left: writes are refused.
				// (A command may run while eviction goes on in the
				// background when it takes long, in both servers.)
				do(t, c, "CONFIG", "SET", "maxmemory", "1")
				for i := 0; ; i++ {
					r := do(t, c, "SET", "nope", "x")
					if r.Kind == '-' && r.Str == oomError {
						break
					}
					if i == 100 {
						t.Fatalf("SET with no volatile key left: %v", r)
					}
					time.Sleep(10 * time.Millisecond)
				}
				if r := do(t, c, "GET", "key:0"); r.Str != "x" {
					t.Fatalf("GET when out of memory: %v", r)
				}
			})
		}
	}
}

// TestMaxmemoryNoeviction: writes are refused with Redis's exact error,
// reads and deletes still work, and nothing is evicted.
func TestMaxmemoryNoeviction(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dialT(t, addr)
			do(t, c, "FLUSHALL")
			do(t, c, "CONFIG", "SET", "maxmemory-policy", "noeviction")
			for i := 0; i < 100; i++ {
				do(t, c, "SET", "k"+strconv.Itoa(i), strings.Repeat("v", 100))
			}
			do(t, c, "CONFIG", "SET", "maxmemory", "1")
			defer do(t, c, "CONFIG", "SET", "maxmemory", "0")
			for _, cmd := range [][]string{{"SET", "x", "y"}, {"LPUSH", "l", "a"}, {"APPEND", "k1", "x"}, {"INCR", "n"}} {
				if r := do(t, c, cmd...); r.Kind != '-' || r.Str != oomError {
					t.Fatalf("%v: %v", cmd, r)
				}
			}
			if r := do(t, c, "GET", "k1"); r.Str != strings.Repeat("v", 100) {
				t.Fatalf("GET: %v", r)
			}
			if r := do(t, c, "DEL", "k2"); r.Str != "1" {
				t.Fatalf("DEL: %v", r)
			}
			if r := do(t, c, "DBSIZE"); r.Str != "99" {
				t.Fatalf("DBSIZE: %v", r)
			}
			if n := infoInt(t, c, "evicted_keys"); n != 0 {
				t.Fatalf("evicted_keys %d under noeviction", n)
			}
		})
	}
}

// TestDiffMaxmemoryReplies compares the replies around maxmemory with
// Redis's: configuration, OOM in MULTI and in scripts, OBJECT FREQ and
// IDLETIME under each kind of policy.
func TestDiffMaxmemoryReplies(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	other := difftest.Connect(t, srv.Addr(), ref)
	for _, c := range [][]string{
		{"CONFIG", "SET", "maxmemory", "1mb"}, {"CONFIG", "GET", "maxmemory"},
		{"CONFIG", "SET", "maxmemory", "2GB"}, {"CONFIG", "GET", "maxmemory"},
		{"CONFIG", "SET", "maxmemory", "1.5mb"}, {"CONFIG", "SET", "maxmemory", "-1"}, {"CONFIG", "SET", "maxmemory", "0"},
		{"CONFIG", "SET", "maxmemory-policy", "foo"}, {"CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LFU"}, {"CONFIG", "GET", "maxmemory-policy"},
		{"CONFIG", "SET", "maxmemory-samples", "0"}, {"CONFIG", "SET", "maxmemory-samples", "10"}, {"CONFIG", "GET", "maxmemory-samples"},
		{"CONFIG", "SET", "maxmemory-eviction-tenacity", "101"}, {"CONFIG", "SET", "maxmemory-eviction-tenacity", "20"},
		{"CONFIG", "GET", "maxmemory-eviction-tenacity"},
		{"CONFIG", "SET", "lfu-log-factor", "-1"}, {"CONFIG", "SET", "lfu-log-factor", "10"}, {"CONFIG", "SET", "lfu-decay-time", "1"},
		{"CONFIG", "GET", "lfu-log-factor"}, {"CONFIG", "GET", "lfu-decay-time"},
		// Under an LFU policy: a new key's counter is 5, IDLETIME refuses.
		{"SET", "k", "v"}, {"OBJECT", "FREQ", "k"}, {"OBJECT", "IDLETIME", "k"}, {"OBJECT", "FREQ", "nokey"},
		{"RESTORE", "r", "0", "\x00\x01v\x0a\x00\x1b\x8a\x8b\x5e\x6e\x8b\x29\xe5", "FREQ", "100"}, {"OBJECT", "FREQ", "r"},
		{"CONFIG", "SET", "maxmemory-policy", "volatile-lru"}, {"OBJECT", "FREQ", "k"}, {"SET", "k", "v"}, {"OBJECT", "IDLETIME", "k"},
		{"CONFIG", "SET", "maxmemory-samples", "5"}, {"CONFIG", "SET", "maxmemory-eviction-tenacity", "10"},
		// Out of memory under noeviction.
		{"CONFIG", "SET", "maxmemory-policy", "noeviction"}, {"CONFIG", "SET", "maxmemory", "1"},
		{"GET", "k"}, {"SET", "k2", "v"}, {"DEL", "r"},
		{"EVAL", "return redis.call('set','x','y')", "0"},
		{"EVAL", "return redis.pcall('set','x','y')", "0"},
		{"EVAL", "return redis.call('get','k')", "0"},
		{"EVAL", "#!lua\nreturn redis.call('get','k')", "0"},
		{"EVAL", "#!lua flags=no-writes\nreturn redis.call('get','k')", "0"},
		{"EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','x','y')", "0"},
		{"MULTI"}, {"GET", "k"}, {"EXEC"},
		{"MULTI"}, {"EXEC"},
		{"CONFIG", "SET", "maxmemory", "0"},
		{"MULTI"}, {"SET", "q", "1"}, {"GET", "q"},
	} {
		p.Check(c...)
	}
	other.Check("CONFIG", "SET", "maxmemory", "1")
	p.Check("EXEC") // EXECABORT: a queued write while out of memory
	p.Check("MULTI")
	p.Check("GET", "q")
	p.Check("EXEC") // reads only: runs
	other.Check("CONFIG", "SET", "maxmemory", "0")
	p.Check("SET", "x", "y")
	p.Check("CONFIG", "SET", "maxmemory-policy", "noeviction")
}

// TestMaxmemoryEvictedEvent: evictions are announced as "evicted" keyspace
// events and counted in INFO, and OBJECT IDLETIME follows the LRU clock.
func TestMaxmemoryEvictedEvent(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dialT(t, addr)
			do(t, c, "FLUSHALL")
			do(t, c, "CONFIG", "SET", "notify-keyspace-events", "Ee")
			defer do(t, c, "CONFIG", "SET", "notify-keyspace-events", "")
			sub := dialT(t, addr)
			do(t, sub, "SUBSCRIBE", "__keyevent@0__:evicted")
			do(t, c, "SET", "victim", "x")
			if r := do(t, c, "OBJECT", "IDLETIME", "victim"); r.Str != "0" {
				t.Fatalf("IDLETIME of a new key: %v", r)
			}
			do(t, c, "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
			do(t, c, "CONFIG", "SET", "maxmemory", "1")
			do(t, c, "CONFIG", "SET", "maxmemory", "0")
			do(t, c, "PING") // Redis evicts before a command
			msg, err := sub.ReadTimeout(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if len(msg.Elems) != 3 || msg.Elems[2].Str != "victim" {
				t.Fatalf("event: %v", msg)
			}
			if n := infoInt(t, c, "evicted_keys"); n != 1 {
				t.Fatalf("evicted_keys %d", n)
			}
			do(t, c, "CONFIG", "SET", "maxmemory-policy", "noeviction")
		})
	}
}

// TestMaxmemoryLRUKeepsRecent: under allkeys-lru, keys read recently survive
// a wave of writes that evicts most of the others.
func TestMaxmemoryLRUKeepsRecent(t *testing.T) {
	srv := redmodtest.Run(t)
	c := dialT(t, srv.Addr())
	val := strings.Repeat("v", 1000)
	for i := 0; i < 2000; i++ {
		do(t, c, "SET", "old:"+strconv.Itoa(i), val)
	}
	srv.FastForward(10 * time.Second)
	for i := 0; i < 100; i++ {
		do(t, c, "GET", "old:"+strconv.Itoa(i)) // the hot ones
	}
	srv.FastForward(time.Second)
	limit := infoInt(t, c, "used_memory")
	do(t, c, "CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))
	do(t, c, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	for i := 0; i < 1000; i++ {
		do(t, c, "SET", "new:"+strconv.Itoa(i), val)
	}
	hot := 0
	for i := 0; i < 100; i++ {
		if do(t, c, "EXISTS", "old:"+strconv.Itoa(i)).Str == "1" {
			hot++
		}
	}
	if hot < 90 {
		t.Fatalf("%d of 100 recently read keys survived", hot)
	}
	if n := infoInt(t, c, "evicted_keys"); n < 900 {
		t.Fatalf("evicted_keys %d", n)
	}
}

// TestMaxmemoryLFUKeepsFrequent: under allkeys-lfu, keys read often survive,
// and OBJECT FREQ reports their counters.
func TestMaxmemoryLFUKeepsFrequent(t *testing.T) {
	srv := redmodtest.Run(t)
	c := dialT(t, srv.Addr())
	do(t, c, "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	val := strings.Repeat("v", 1000)
	for i := 0; i < 2000; i++ {
		do(t, c, "SET", "k:"+strconv.Itoa(i), val)
	}
	for n := 0; n < 20; n++ {
		for i := 0; i < 50; i++ {
			do(t, c, "GET", "k:"+strconv.Itoa(i))
		}
	}
	if f, _ := strconv.Atoi(do(t, c, "OBJECT", "FREQ", "k:0").Str); f <= 5 {
		t.Fatalf("OBJECT FREQ of a key read 20 times: %d", f)
	}
	limit := infoInt(t, c, "used_memory")
	do(t, c, "CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))
	for i := 0; i < 1000; i++ {
		do(t, c, "SET", "new:"+strconv.Itoa(i), val)
	}
	kept := 0
	for i := 0; i < 50; i++ {
		if do(t, c, "EXISTS", "k:"+strconv.Itoa(i)).Str == "1" {
			kept++
		}
	}
	if kept < 45 {
		t.Fatalf("%d of 50 frequently read keys survived", kept)
	}
}

// TestMaxmemoryOutputBuffers is Redis's "eviction due to output buffers":
// replies waiting for clients that do not read count as used memory, so
// keys are evicted to make room for them. (Redis reads a whole pipeline and
// holds all its replies; redmod stops reading a client whose replies wait,
// so it holds less for the same clients, and the margin here is smaller
// than Redis's test's.)
func TestMaxmemoryOutputBuffers(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dialT(t, addr)
			do(t, c, "FLUSHALL")
			do(t, c, "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
			defer do(t, c, "CONFIG", "SET", "maxmemory-policy", "noeviction")
			for j := 0; j < 50; j++ {
				do(t, c, "SETRANGE", strconv.Itoa(j), "100000", "x")
			}
			do(t, c, "CONFIG", "SET", "maxmemory", strconv.FormatInt(infoInt(t, c, "used_memory")+512<<10, 10))
			defer do(t, c, "CONFIG", "SET", "maxmemory", "0")
			// Clients that ask for 10 MB each and read nothing.
			var pipeline []byte
			for i := 0; i < 100; i++ {
				pipeline = append(pipeline, resp.Encode("GET", "1")...)
			}
			network := "tcp"
			if strings.HasPrefix(addr, "/") {
				network = "unix"
			}
			var idle []net.Conn
			defer func() {
				for _, nc := range idle {
					nc.Close()
				}
			}()
			for i := 0; i < 10; i++ {
				nc, err := net.Dial(network, addr)
				if err != nil {
					t.Fatal(err)
				}
				idle = append(idle, nc)
				if _, err := nc.Write(pipeline); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(10 * time.Second)
			for infoInt(t, c, "evicted_keys") == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("nothing evicted; mem_clients_normal %d", infoInt(t, c, "mem_clients_normal"))
				}
				time.Sleep(20 * time.Millisecond)
			}
			if n, _ := strconv.Atoi(do(t, c, "DBSIZE").Str); n >= 50 {
				t.Fatalf("DBSIZE %d", n)
			}
		})
	}
}

// cacheTestSize is the cache test's scale: bounded for CI, Redis's full
// scenario (100 MB cap, 1 GB written) with REDMOD_CACHE_FULL=1.
func cacheTestSize() (maxmem, total int64, full bool) {
	if os.Getenv("REDMOD_CACHE_FULL") != "" {
		return 100 << 20, 1 << 30, true
	}
	if raceEnabled {
		return 4 << 20, 12 << 20, false
	}
	return 8 << 20, 32 << 20, false
}

// TestCacheEviction is the cache deployment: maxmemory with allkeys-lru and
// 50 clients writing 1 KB values, many times the cap. The server stays up,
// used_memory stays at the cap, the heap within 1.5 times it, the most
// recently written keys are all present; then under noeviction writes get
// the OOM error and reads still work.
func TestCacheEviction(t *testing.T) {
	maxmem, total, full := cacheTestSize()
	srv := redmodtest.Run(t)
	c := dialT(t, srv.Addr())
	do(t, c, "CONFIG", "SET", "maxmemory", strconv.FormatInt(maxmem, 10))
	do(t, c, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	const clients, valSize, recent = 50, 1024, 20
	perClient := int(total / valSize / clients)
	val := strings.Repeat("x", valSize)
	var wg sync.WaitGroup
	errs := make(chan error, 2*clients)
	// The heap is the whole test process's: what other tests left counts
	// as the baseline, not as this server's.
	runtime.GC()
	base := heapObjects()
	var peak peakHeap
	stop := peak.watch()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			cc, err := resp.Dial(srv.Addr())
			if err != nil {
				errs <- err
				return
			}
			defer cc.Close()
			const batch = 16
			var buf []byte
			for i := 0; i < perClient; i++ {
				buf = append(buf, resp.Encode("SET", fmt.Sprintf("k:%d:%d", w, i), val)...)
				if (i+1)%batch == 0 || i == perClient-1 {
					if err := cc.Write(buf); err != nil {
						errs <- err
						return
					}
					for j := 0; j < (i%batch)+1; j++ {
						r, err := cc.Read()
						if err != nil || r.Kind == '-' {
							errs <- fmt.Errorf("SET: %v %v", r, err)
							return
						}
					}
					buf = buf[:0]
				}
			}
		}(w)
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	// The last writes, after every client finished: the most recent keys.
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			cc, err := resp.Dial(srv.Addr())
			if err != nil {
				errs <- err
				return
			}
			defer cc.Close()
			for i := 0; i < recent; i++ {
				if r, err := cc.Do("SET", fmt.Sprintf("last:%d:%d", w, i), val); err != nil || r.Kind == '-' {
					errs <- fmt.Errorf("SET: %v %v", r, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	stop()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	used, evicted := infoInt(t, c, "used_memory"), infoInt(t, c, "evicted_keys")
	t.Logf("used_memory %d MB, peak heap %d MB, evicted %d, rss %d MB", used>>20, peak.max()>>20, evicted, infoInt(t, c, "used_memory_rss")>>20)
	if used > maxmem+64<<10 {
		t.Fatalf("used_memory %d over maxmemory %d", used, maxmem)
	}
	if evicted == 0 {
		t.Fatal("nothing evicted")
	}
	if full || !raceEnabled {
		if h := peak.max() - base; h > maxmem*3/2+16<<20 {
			t.Fatalf("heap grew by %d MB for maxmemory %d MB", h>>20, maxmem>>20)
		}
	}
	for w := 0; w < clients; w++ {
		for i := 0; i < recent; i++ {
			if r := do(t, c, "EXISTS", fmt.Sprintf("last:%d:%d", w, i)); r.Str != "1" {
				t.Fatalf("recently written last:%d:%d was evicted", w, i)
			}
		}
	}
	do(t, c, "CONFIG", "SET", "maxmemory-policy", "noeviction")
	do(t, c, "CONFIG", "SET", "maxmemory", strconv.FormatInt(used/2, 10))
	if r := do(t, c, "SET", "more", val); r.Str != oomError {
		t.Fatalf("SET under noeviction: %v", r)
	}
	if r := do(t, c, "GET", fmt.Sprintf("last:0:%d", recent-1)); r.Str != val {
		t.Fatalf("GET under noeviction: %v", r)
	}
	do(t, c, "CONFIG", "SET", "maxmemory", "0")
}

// heapObjects is the bytes of the Go heap's objects, live and garbage.
func heapObjects() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// peakHeap samples the Go heap (objects, live and garbage) while a test
// runs: the in-process stand-in for the server's RSS.
type peakHeap struct {
	mu   sync.Mutex
	peak int64
}

func (p *peakHeap) watch() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			p.mu.Lock()
			p.peak = max(p.peak, int64(s[0].Value.Uint64()))
			p.mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (p *peakHeap) max() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// TestUsedMemoryFollowsFilledNewKeys is Redis's lazyfree check ("UNLINK can
// reclaim memory in background"): one command that creates a key and fills
// it with many elements (SADD of 100,000 members on a new key) raises
// used_memory by the value's size, for each type, as MEMORY USAGE sees it.
func TestUsedMemoryFollowsFilledNewKeys(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dialT(t, addr)
			for _, tc := range []struct{ cmd, key string }{
				{"SADD", "big:set"}, {"SADD", "big:intset"}, {"RPUSH", "big:list"},
				{"HSET", "big:hash"}, {"ZADD", "big:zset"},
			} {
				do(t, c, "FLUSHALL")
				before := infoInt(t, c, "used_memory")
				args := []string{tc.cmd, tc.key}
				for i := 0; i < 100000; i++ {
					switch {
					case tc.key == "big:intset":
						args = append(args, strconv.Itoa(i))
					case tc.cmd == "HSET" || tc.cmd == "ZADD":
						args = append(args, strconv.Itoa(i), "member:"+strconv.Itoa(i))
					default:
						args = append(args, "member:"+strconv.Itoa(i))
					}
				}
				do(t, c, args...)
				if grew := infoInt(t, c, "used_memory") - before; grew < 1000000 {
					t.Errorf("%s %s of 100000: used_memory grew by %d", tc.cmd, tc.key, grew)
				}
			}
			do(t, c, "FLUSHALL")
		})
	}
}
