package host

import (
	"sync"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// connStats holds a connection's statistics not yet added to the shared
// counters (commandstats, total_commands_processed). Adding to counters that
// every connection shares on every command makes the cores fight over their
// cache lines; a run of the same command is instead counted here and added
// once. It is published before any reply leaves (conn.flush), before a
// command that may read statistics, and when the connection closes, so that
// what INFO shows never lags behind a reply a client has seen.
type connStats struct {
	cmd         *registry.Cmd // the command counted, nil when nothing is pending
	calls, usec int64
	// dirty counts the changes of batched writes not yet added to the
	// keyspace's count (rdb_changes_since_last_save, auto-save): one
	// atomic addition per batch rather than per write.
	dirty int64
	// lat holds the durations (ns) of the counted calls not yet added to
	// the command's latency histogram (latency-tracking), nlat of them.
	lat  [16]int64
	nlat int
}

// publishStats adds the pending statistics to the shared counters.
func (c *conn) publishStats() {
	st := &c.stat
	if st.dirty != 0 {
		c.srv.ks.AddDirty(st.dirty)
		st.dirty = 0
	}
	if st.cmd == nil {
		return
	}
	cs := c.srv.stat(st.cmd)
	cs.calls.Add(st.calls)
	cs.usec.Add(st.usec)
	c.publishLatencies()
	st.cmd, st.calls, st.usec = nil, 0, 0
}

// recordLatency keeps the duration of a batched call for the command's
// latency histogram, added with the other statistics.
func (c *conn) recordLatency(ns int64) {
	st := &c.stat
	if st.nlat == len(st.lat) {
		c.publishLatencies()
	}
	st.lat[st.nlat] = ns
	st.nlat++
}

// publishLatencies moves the kept durations into the connection's pending
// latency counts (latPending), from which the readers of the histograms
// fold them: an atomic addition per call on a histogram every connection
// shares cost more than the rest of the statistics together.
func (c *conn) publishLatencies() {
	st := &c.stat
	if st.nlat == 0 {
		return
	}
	if st.nlat <= 2 {
		// A batch of one or two calls (no pipelining): their atomic
		// additions cost less than the lock.
		if h := c.srv.latencyHistOf(st.cmd); h != nil {
			for _, ns := range st.lat[:st.nlat] {
				h.record(time.Duration(ns))
			}
		}
	} else if c.srv.diag.tracking.Load() {
		c.lat.add(c.srv, st.cmd.Index, st.lat[:st.nlat])
	}
	st.nlat = 0
}

// latPending holds calls' latencies that a connection has published but
// the shared histograms (cmdStat.hist) do not hold yet, as counts per
// command and histogram bucket. The connection adds to it once per batch
// of replies, under mu; whoever reads or resets the histograms first folds
// every connection's counts into them (Server.foldLatencies), under the
// same lock, so that they never miss a call whose reply was sent. A
// connection's run of calls of one command falls in a few buckets, which
// the table counts without an atomic operation each.
type latPending struct {
	mu sync.Mutex
	// keys are command index << 10 | bucket, plus one (0: a free slot);
	// counts the calls each holds.
	keys   [latSlots]uint32
	counts [latSlots]uint32
}

const (
	latShift = 6
	latSlots = 1 << latShift
)

// latKey is the table key of bucket b of command idx.
func latKey(idx, b int) uint32 { return uint32(idx)<<10 | uint32(b) + 1 }

// add counts the calls of command idx that took the given durations (ns).
// A slot taken by another key is given to the new one, its counts folded
// first.
func (p *latPending) add(s *Server, idx int, durations []int64) {
	p.mu.Lock()
	for _, ns := range durations {
		key := latKey(idx, histIndex(uint64(max(ns, 0))))
		i := (key * 0x9E3779B1) >> (32 - latShift)
		if p.keys[i] != key {
			if p.keys[i] != 0 {
				s.foldLatency(p.keys[i], p.counts[i])
			}
			p.keys[i], p.counts[i] = key, 0
		}
		p.counts[i]++
		if p.counts[i] == 1<<31 {
			s.foldLatency(key, p.counts[i])
			p.counts[i] = 0
		}
	}
	p.mu.Unlock()
}

// fold adds the pending counts to the shared histograms and empties the
// table; with drop, the counts are discarded instead (CONFIG RESETSTAT).
func (p *latPending) fold(s *Server, drop bool) {
	p.mu.Lock()
	for i, key := range p.keys {
		if key != 0 {
			if !drop {
				s.foldLatency(key, p.counts[i])
			}
			p.keys[i], p.counts[i] = 0, 0
		}
	}
	p.mu.Unlock()
}

// foldLatency adds n calls to the histogram bucket that key names.
func (s *Server) foldLatency(key, n uint32) {
	key--
	st := &s.cstats[key>>10]
	h := st.hist.Load()
	if h == nil {
		st.hist.CompareAndSwap(nil, new(latencyHist))
		h = st.hist.Load()
	}
	h.b[key&(1<<10-1)].Add(int64(n))
}

// foldLatencies brings every connection's pending latencies into the
// shared histograms, before they are read; with drop it discards them.
func (s *Server) foldLatencies(drop bool) {
	for _, c := range s.connList() {
		c.lat.fold(s, drop)
	}
}

// statsBatchable reports whether a command's statistics may wait in the
// connection: commands on fixed key positions (GET, SET, HSET...), which
// never read statistics themselves. INFO, EXEC, scripts and other
// keyless or movable-key commands are counted at once.
func statsBatchable(cmd *registry.Cmd) bool {
	return cmd.Spec.FirstKey > 0 && !cmd.Spec.Flags.Has(core.FlagMovableKeys)
}
