package host

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// maxmemory: the host's part. The keyspace keeps the estimate of its data
// and evicts (core/evict.go); the host adds what the clients' buffers hold,
// compares the sum with maxmemory before every command, as Redis's
// processCommand does, refuses denyoom commands when eviction cannot bring
// it under, and keeps the Go heap near the cap: the collector's soft limit
// (debug.SetMemoryLimit) is set a little above maxmemory, so that garbage
// is collected before the process grows far past the data it holds.

// memState is the live maxmemory configuration and the figures the checks
// read on every command.
type memState struct {
	max      atomic.Int64 // maxmemory; 0: none
	tenacity atomic.Int64
	clients  atomic.Int64 // bytes in the clients' buffers, summed by cron
	peak     atomic.Int64
	evicting atomic.Bool // the background evictor is running
	// scale is the ratio, in thousandths, of the heap the data really
	// holds to the keyspace's estimate, learned from the collector
	// (calibrate); 1000 until there is enough data to measure.
	scale     atomic.Int64
	gcCycles  uint64       // the collections calibrate has seen; cron only
	origLimit atomic.Int64 // the Go memory limit before maxmemory set one
}

// heapHeadroom is how far above maxmemory the collector's soft limit sits:
// room for garbage between collections, the runtime's own memory and
// goroutine stacks. Above it the collector runs continuously rather than
// let the heap grow. (A third plus 8 MB let RSS reach 149 MB under the
// 100 MB cache test; a quarter plus 4 MB keeps it at 135 MB for about a
// third less throughput while evicting.)
func heapHeadroom(max int64) int64 { return max/4 + 4<<20 }

// startupMemory is the used_memory of an empty server
// (used_memory_startup): a fixed figure near what the Go runtime, the
// registry and an idle Lua state take, so that used memory is the same
// whatever else the process holds (tests run many servers in one).
func startupMemory() int64 { return 1 << 20 }

// applyMemory puts a configuration's maxmemory settings in force.
func (s *Server) applyMemory(c *Config) {
	ks := s.ks
	ks.SetEvictionPolicy(c.MaxMemoryPolicy)
	ks.SetEvictionSamples(c.MaxMemorySamples)
	ks.SetLFUParams(c.LFULogFactor, c.LFUDecayTime)
	// The lazyfree settings: what expiry and eviction propagate (UNLINK or
	// DEL), and which removals count as lazily freed.
	ks.SetLazyExpireUnlink(c.compatBool("lazyfree-lazy-expire"))
	ks.SetLazyEviction(c.compatBool("lazyfree-lazy-eviction"))
	ks.SetLazyServerDel(c.compatBool("lazyfree-lazy-server-del"))
	s.mem.tenacity.Store(int64(c.MaxMemoryEvictionTenacity))
	ks.SetMaxMemory(c.MaxMemory)
	old := s.mem.max.Swap(c.MaxMemory)
	if old == c.MaxMemory {
		return
	}
	if old == 0 {
		// Values may have changed outside commands, which the running
		// total does not see: count them again before relying on it.
		s.mem.origLimit.Store(debug.SetMemoryLimit(-1))
		ks.RecountMemory()
	}
	if c.MaxMemory == 0 {
		debug.SetMemoryLimit(s.mem.origLimit.Load())
		return
	}
	debug.SetMemoryLimit(min(c.MaxMemory+heapHeadroom(c.MaxMemory), math.MaxInt64/2))
	if c.MaxMemory < old || old == 0 {
		if s.usedMemory() > c.MaxMemory {
			s.log.Warn("the new maxmemory value is smaller than the current memory usage: keys will be evicted or writes refused, per maxmemory-policy")
		}
		s.startEvictor()
	}
}

// usedMemory is INFO used_memory: the empty server, the data and the
// clients' buffers.
func (s *Server) usedMemory() int64 {
	return startupMemory() + s.dataMemory() + s.mem.clients.Load()
}

// Calibration. The keyspace's estimate counts what each value and entry
// hold, but not all that the Go heap spends on them: the size classes
// allocations are rounded to, a value that keeps the buffer it was read
// into, the map's spare room. Once the data passes calibrateFloor, the cron
// compares the live heap the collector measured with the estimate and
// scales the part of the estimate above the floor by their ratio (at most
// maxScale), so that maxmemory caps what the process really holds. Small
// data sets (tests that set maxmemory a few kilobytes above used_memory)
// keep the plain, deterministic estimate.
const (
	calibrateFloor = 16 << 20
	maxScale       = 2000
)

// dataMemory is the data's part of used memory: the keyspace's estimate,
// calibrated.
func (s *Server) dataMemory() int64 {
	est := s.ks.UsedMemory()
	if sc := s.mem.scale.Load(); sc > 1000 && est > calibrateFloor {
		est += (est - calibrateFloor) * (sc - 1000) / 1000
	}
	return est
}

// calibrate updates the scale after each collection.
func (s *Server) calibrate() {
	samples := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(samples)
	cycles, live := samples[0].Value.Uint64(), int64(samples[1].Value.Uint64())
	if cycles == s.mem.gcCycles {
		return
	}
	s.mem.gcCycles = cycles
	est := s.ks.UsedMemory()
	if est <= 2*calibrateFloor {
		return // too little data to measure; the scale applies above the floor only
	}
	// What the data holds above the floor, over its estimate above it.
	real := live - startupMemory() - s.mem.clients.Load() - calibrateFloor
	sc := min(max(real*1000/(est-calibrateFloor), 1000), maxScale)
	// Smoothed: one collection's view is noisy while data changes.
	old := max(s.mem.scale.Load(), 1000)
	s.mem.scale.Store((old*3 + sc) / 4)
}

// overMemory returns how many bytes used memory is over maxmemory (<= 0:
// under).
func (s *Server) overMemory() int64 {
	max := s.mem.max.Load()
	if max == 0 {
		return 0
	}
	return s.usedMemory() - max
}

// evictionBudget is how long one command may evict, from
// maxmemory-eviction-tenacity, as Redis's evictionTimeLimitUs.
func (s *Server) evictionBudget() time.Duration {
	t := s.mem.tenacity.Load()
	switch {
	case t <= 10:
		return time.Duration(50*t) * time.Microsecond
	case t < 100:
		return time.Duration(500*math.Pow(1.15, float64(t-10))) * time.Microsecond
	}
	return time.Duration(math.MaxInt64)
}

// evict frees memory if used memory is over maxmemory and reports whether
// the server is out of memory: over the limit with nothing left to evict.
// When the time budget runs out first, eviction goes on in the background
// and the command runs, as in Redis. runner is the client whose command
// it makes room for.
func (s *Server) evict(runner *core.Client) (oom bool) {
	if s.overMemory() <= 0 {
		return false
	}
	res, _ := s.ks.EvictFor(runner, s.overMemory, s.evictionBudget())
	switch res {
	case core.EvictRunning:
		s.startEvictor()
	case core.EvictFail:
		return true
	}
	return false
}

// startEvictor evicts in the background until memory is under the limit (or
// nothing is left to evict), for evictions that ran out of time in a
// command and for a maxmemory lowered by CONFIG SET.
func (s *Server) startEvictor() {
	if !s.mem.evicting.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.mem.evicting.Store(false)
		for {
			select {
			case <-s.done:
				return
			default:
			}
			if res, _ := s.ks.Evict(s.overMemory, 10*time.Millisecond); res != core.EvictRunning {
				return
			}
		}
	}()
}

// checkMemory is the maxmemory step of dispatch: it evicts when over the
// limit and refuses what Redis refuses when out of memory: denyoom
// commands, EXEC of a transaction with one, and any command a transaction
// would queue (so that queuing cannot grow memory without bound). It
// records the state for scripts (core.Ctx.OutOfMemory).
func (c *conn) checkMemory(cmd *registry.Cmd) error {
	s := c.srv
	if s.mem.max.Load() == 0 {
		c.ctx.SetOutOfMemory(false)
		return nil
	}
	oom := s.evict(c.client)
	c.ctx.SetOutOfMemory(oom)
	if !oom {
		return nil
	}
	reject := c.flags(cmd).Has(core.FlagDenyOOM)
	if isExec(cmd) {
		reject = c.client.QueuedFlags().Has(core.FlagDenyOOM)
	} else if c.client.InMulti() && !cmd.Spec.Flags.Has(core.FlagNoQueue) {
		reject = true
	}
	if reject {
		return core.ErrOOM
	}
	return nil
}

// clientsMemory sums what the clients' buffers hold: replies waiting to be
// written and queued pushes. The cron refreshes it.
func (s *Server) clientsMemory() int64 {
	var n int64
	for _, c := range s.connList() {
		n += c.pendingOut.Load()
		if c.out != nil {
			n += int64(c.out.pending())
		}
	}
	return n
}

// memoryCron refreshes the clients' figure and the peak, and evicts clients
// past maxmemory-clients; the cron calls it.
func (s *Server) memoryCron() {
	s.evictClients()
	s.mem.clients.Store(s.clientsMemory())
	s.calibrate()
	if u := s.usedMemory(); u > s.mem.peak.Load() {
		s.mem.peak.Store(u)
	}
}

// memoryInfo is INFO's memory section, under Redis's names. used_memory is
// the accounting maxmemory is checked against (the empty server, the data,
// the clients' buffers); the allocator_* figures are the Go runtime's.
func (s *Server) memoryInfo(cfg Config) []core.InfoField {
	used, startup, data := s.usedMemory(), startupMemory(), s.dataMemory()
	if used > s.mem.peak.Load() {
		s.mem.peak.Store(used)
	}
	peak := s.mem.peak.Load()
	total, heap := memoryFigures()
	rss := rssBytes()
	sysMem := systemMemory()
	pct := func(a, b int64) string {
		if b <= 0 {
			return "0.00%"
		}
		return strconv.FormatFloat(float64(a)*100/float64(b), 'f', 2, 64) + "%"
	}
	ratio := func(a, b int64) string {
		if b <= 0 {
			return "0.00"
		}
		return strconv.FormatFloat(float64(a)/float64(b), 'f', 2, 64)
	}
	return []core.InfoField{
		field("used_memory", used),
		field("used_memory_human", humanBytes(used)),
		field("used_memory_rss", rss),
		field("used_memory_rss_human", humanBytes(rss)),
		field("used_memory_peak", peak),
		field("used_memory_peak_human", humanBytes(peak)),
		field("used_memory_peak_perc", pct(used, peak)),
		field("used_memory_overhead", used-data),
		field("used_memory_startup", startup),
		field("used_memory_dataset", data),
		field("used_memory_dataset_perc", pct(data, used-startup)),
		field("used_memory_heap", heap),
		field("allocator_allocated", heap),
		field("allocator_active", total),
		field("allocator_resident", rss),
		field("total_system_memory", sysMem),
		field("total_system_memory_human", humanBytes(sysMem)),
		field("maxmemory", cfg.MaxMemory),
		field("maxmemory_human", humanBytes(cfg.MaxMemory)),
		field("maxmemory_policy", cfg.MaxMemoryPolicy.String()),
		field("allocator_frag_ratio", ratio(total, heap)),
		field("allocator_frag_bytes", total-heap),
		field("allocator_rss_ratio", ratio(rss, total)),
		field("allocator_rss_bytes", rss-total),
		field("rss_overhead_ratio", "1.00"),
		field("rss_overhead_bytes", 0),
		field("mem_fragmentation_ratio", ratio(rss, used)),
		field("mem_fragmentation_bytes", rss-used),
		field("mem_not_counted_for_evict", 0),
		field("mem_replication_backlog", 0),
		field("mem_total_replication_buffers", 0),
		field("mem_clients_slaves", 0),
		field("mem_clients_normal", s.mem.clients.Load()),
		field("mem_cluster_links", 0),
		field("mem_aof_buffer", 0),
		field("mem_allocator", "go"),
		field("active_defrag_running", 0),
		field("lazyfree_pending_objects", 0),
		field("lazyfreed_objects", s.ks.LazyFreed.Load()),
	}
}

// insertFields adds the modules' fields of a section to the host's: at the
// end, except in the memory section, where Redis prints the scripting
// figures before maxmemory.
func insertFields(host, mods []core.InfoField, sec string) []core.InfoField {
	if len(mods) == 0 {
		return host
	}
	if sec == "memory" {
		for i, f := range host {
			if f.Name == "maxmemory" {
				out := append(append(append([]core.InfoField(nil), host[:i]...), mods...), host[i:]...)
				return out
			}
		}
	}
	return append(host, mods...)
}

// dropMemoryLimit gives the collector back the limit it had before
// maxmemory set one, when the server stops: the limit is the process's,
// and a program (or a test) may run other servers after this one.
func (s *Server) dropMemoryLimit() {
	if s.mem.max.Swap(0) != 0 {
		debug.SetMemoryLimit(s.mem.origLimit.Load())
	}
}
