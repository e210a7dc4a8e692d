package host

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// cmdStat holds one command's figures on one server: INFO commandstats and,
// with latency-tracking on, its latency histogram (INFO latencystats,
// LATENCY HISTOGRAM). Servers keep them in a slice indexed by
// registry.Cmd.Index, so two servers of one process count apart.
type cmdStat struct {
	calls, usec, rejected, failed atomic.Int64
	hist                          atomic.Pointer[latencyHist]
}

// stat returns the figures of cmd on this server.
func (s *Server) stat(cmd *registry.Cmd) *cmdStat { return &s.cstats[cmd.Index] }

// commandsProcessed is INFO's total_commands_processed: the calls of every
// command, summed when read rather than counted a second time in a
// counter of their own on every command (a locked instruction per batch).
func (s *Server) commandsProcessed() int64 {
	var n int64
	for i := range s.cstats {
		n += s.cstats[i].calls.Load()
	}
	return n
}

// reject counts a call refused before it ran (arity, ACL, OOM, ...).
func (s *Server) rejectCall(cmd *registry.Cmd) { s.cstats[cmd.Index].rejected.Add(1) }

// afterCall accounts a command that ran: its figures, its latency histogram,
// the slow log and the latency monitor. Each is a few atomic operations
// unless the command was slow enough to be logged.
func (s *Server) afterCall(cmd *registry.Cmd, cl *core.Client, args [][]byte, redacted []int, elapsed time.Duration, failed bool) {
	st := &s.cstats[cmd.Index]
	st.calls.Add(1)
	st.usec.Add(elapsed.Microseconds())
	s.observeCall(cmd, cl, args, redacted, elapsed, failed)
}

// observeCall accounts what afterCall does beyond the call and time
// counters (which a connection may batch, stats.go): failures, the latency
// histogram, the slow log and the latency monitor.
func (s *Server) observeCall(cmd *registry.Cmd, cl *core.Client, args [][]byte, redacted []int, elapsed time.Duration, failed bool) {
	if h := s.latencyHistOf(cmd); h != nil {
		h.record(elapsed)
	}
	s.observeRest(cmd, cl, args, redacted, elapsed, failed)
}

// latencyHistOf returns the latency histogram of cmd, made on first use;
// nil while latency-tracking is off.
func (s *Server) latencyHistOf(cmd *registry.Cmd) *latencyHist {
	if !s.diag.tracking.Load() {
		return nil
	}
	st := &s.cstats[cmd.Index]
	h := st.hist.Load()
	if h == nil {
		st.hist.CompareAndSwap(nil, new(latencyHist))
		h = st.hist.Load()
	}
	return h
}

// unobserved reports whether observeRest has nothing to do for a call of
// usec microseconds that did not fail: below the slow log's threshold,
// with the latency monitor off. Two loads, for every batched call.
func (s *Server) unobserved(usec int64) bool {
	th := s.diag.slowerThan.Load()
	return (th < 0 || usec < th) && s.diag.latencyThreshold.Load() <= 0
}

// observeRest is observeCall less the latency histogram, for a connection
// that keeps a batched call's duration itself (conn.recordLatency).
func (s *Server) observeRest(cmd *registry.Cmd, cl *core.Client, args [][]byte, redacted []int, elapsed time.Duration, failed bool) {
	st := &s.cstats[cmd.Index]
	us := elapsed.Microseconds()
	if failed {
		st.failed.Add(1)
	}
	if th := s.diag.slowerThan.Load(); th >= 0 && us >= th && !cmd.Spec.Flags.Has(core.FlagSkipSlowlog) {
		s.slowlogPush(cl, args, redacted, us)
	}
	if th := s.diag.latencyThreshold.Load(); th > 0 {
		if ms := elapsed.Milliseconds(); ms >= th {
			event := "command"
			if cmd.Spec.Flags.Has(core.FlagFast) {
				event = "fast-command"
			}
			s.latencyAdd(event, ms)
		}
	}
}

// latencyHist is a latency histogram in nanoseconds: exact below 32 ns, then
// 16 buckets per power of two (about 6% wide), up to histMax.
type latencyHist struct {
	b [histBuckets]atomic.Int64
}

const (
	histMax     = 1 << 40 // ns (18 minutes); longer calls count here
	histBuckets = 16*(40-4) + 32
)

func histIndex(v uint64) int {
	if v < 32 {
		return int(v)
	}
	if v >= histMax {
		v = histMax - 1
	}
	e := bits.Len64(v) - 5
	return 16*e + int(v>>e)
}

// histUpper is the largest value bucket i holds.
func histUpper(i int) uint64 {
	if i < 32 {
		return uint64(i)
	}
	e := i/16 - 1
	m := uint64(i%16 + 16)
	return (m+1)<<e - 1
}

func (h *latencyHist) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.b[histIndex(uint64(d))].Add(1)
}

// counts copies the buckets and returns their total.
func (h *latencyHist) counts(dst *[histBuckets]int64) (total int64) {
	for i := range h.b {
		dst[i] = h.b[i].Load()
		total += dst[i]
	}
	return total
}

// percentile returns the latency, in microseconds, under which p percent of
// the calls fall (the upper bound of the bucket holding that call).
func percentile(c *[histBuckets]int64, total int64, p float64) float64 {
	if total == 0 {
		return 0
	}
	want := int64(p / 100 * float64(total))
	if float64(want) < p/100*float64(total) || want == 0 {
		want++
	}
	var seen int64
	for i, n := range c {
		seen += n
		if seen >= want && n > 0 {
			return float64(histUpper(i)) / 1000
		}
	}
	return float64(histUpper(histBuckets-1)) / 1000
}

// cdf returns the histogram as LATENCY HISTOGRAM reports it: power-of-two
// buckets of microseconds from 1 µs (calls under 1024 ns count in the first,
// calls over a second in the last), cumulative, the empty ones left out.
func cdf(c *[histBuckets]int64) []core.LatencyBucket {
	var out []core.LatencyBucket
	var cum int64
	i := 0
	for k := 0; ; k++ {
		bound := uint64(1024) << k // ns
		last := bound >= 1<<30     // Redis tracks up to one second
		var n int64
		for ; i < histBuckets && (last || histUpper(i) < bound); i++ {
			n += c[i]
		}
		if n > 0 {
			cum += n
			out = append(out, core.LatencyBucket{Usec: 1 << k, Count: cum})
		}
		if last || i >= histBuckets {
			return out
		}
	}
}

// LatencyHistograms implements core.Diagnostics (LATENCY HISTOGRAM).
func (s *Server) LatencyHistograms(names []string) []core.CommandLatency {
	s.foldLatencies(false)
	var cmds []*registry.Cmd
	if len(names) == 0 {
		for _, c := range s.reg.Commands() {
			cmds = append(cmds, c)
			cmds = append(cmds, c.Subcommands()...)
		}
	} else {
		seen := map[*registry.Cmd]bool{}
		for _, n := range names {
			for _, c := range s.lookupFull(n) {
				if !seen[c] {
					seen[c] = true
					cmds = append(cmds, c)
				}
			}
		}
	}
	var out []core.CommandLatency
	var buf [histBuckets]int64
	for _, c := range cmds {
		h := s.stat(c).hist.Load()
		if h == nil {
			continue
		}
		total := h.counts(&buf)
		if total == 0 {
			continue
		}
		out = append(out, core.CommandLatency{Name: c.FullName, Calls: total, Buckets: cdf(&buf)})
	}
	return out
}

// lookupFull finds a command by its full name: "get", "client|id", or a
// container command, which stands for its subcommands.
func (s *Server) lookupFull(name string) []*registry.Cmd {
	parent, sub, hasSub := strings.Cut(strings.ToLower(name), "|")
	c := s.reg.Lookup([]byte(parent))
	if c == nil {
		return nil
	}
	if hasSub {
		if sc := c.Sub([]byte(sub)); sc != nil {
			return []*registry.Cmd{sc}
		}
		return nil
	}
	if subs := c.Subcommands(); len(subs) > 0 {
		return subs
	}
	return []*registry.Cmd{c}
}

// commandStatsInfo renders INFO commandstats.
func (s *Server) commandStatsInfo() []core.InfoField {
	var out []core.InfoField
	add := func(c *registry.Cmd) {
		st := s.stat(c)
		calls, usec, rej, failed := st.calls.Load(), st.usec.Load(), st.rejected.Load(), st.failed.Load()
		if calls == 0 && rej == 0 && failed == 0 {
			return
		}
		per := 0.0
		if calls > 0 {
			per = float64(usec) / float64(calls)
		}
		out = append(out, core.InfoField{Name: "cmdstat_" + c.FullName, Value: fmt.Sprintf(
			"calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d", calls, usec, per, rej, failed)})
	}
	for _, c := range s.reg.Commands() {
		add(c)
		for _, sub := range c.Subcommands() {
			add(sub)
		}
	}
	return out
}

// latencyStatsInfo renders INFO latencystats: the configured percentiles of
// each command that ran with latency-tracking on.
func (s *Server) latencyStatsInfo() []core.InfoField {
	s.foldLatencies(false)
	pcts := s.diag.percentiles.Load()
	var out []core.InfoField
	var buf [histBuckets]int64
	add := func(c *registry.Cmd) {
		h := s.stat(c).hist.Load()
		if h == nil {
			return
		}
		total := h.counts(&buf)
		if total == 0 {
			return
		}
		var b strings.Builder
		for i, p := range *pcts {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("p")
			b.WriteString(strconv.FormatFloat(p, 'f', -1, 64))
			b.WriteString("=")
			b.WriteString(strconv.FormatFloat(percentile(&buf, total, p), 'f', 3, 64))
		}
		out = append(out, core.InfoField{Name: "latency_percentiles_usec_" + c.FullName, Value: b.String()})
	}
	for _, c := range s.reg.Commands() {
		add(c)
		for _, sub := range c.Subcommands() {
			add(sub)
		}
	}
	return out
}

// resetCommandStats zeroes every command's figures (CONFIG RESETSTAT).
func (s *Server) resetCommandStats() {
	s.foldLatencies(true)
	for i := range s.cstats {
		st := &s.cstats[i]
		st.calls.Store(0)
		st.usec.Store(0)
		st.rejected.Store(0)
		st.failed.Store(0)
		st.hist.Store(nil)
	}
}
