package host

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/core"
)

// diagnostics is the state of the operator's tools: the slow log, the
// latency monitor and the settings the hot path reads without locking.
type diagnostics struct {
	// slowerThan is slowlog-log-slower-than in µs (negative: off);
	// latencyThreshold is latency-monitor-threshold in ms (0: off);
	// tracking is latency-tracking.
	slowerThan       atomic.Int64
	slowMaxLen       atomic.Int64
	latencyThreshold atomic.Int64
	tracking         atomic.Bool
	percentiles      atomic.Pointer[[]float64]
	noActiveExpire   atomic.Bool
	cronPaused       atomic.Bool
	noScriptDeny     atomic.Bool // DEBUG SET-DISABLE-DENY-SCRIPTS

	slowMu   sync.Mutex
	slow     []core.SlowlogEntry // oldest first
	slowNext int64

	latMu  sync.Mutex
	events map[string]*latencyEvent
}

// What Redis keeps of a command in the slow log.
const (
	slowlogMaxArgs = 32
	slowlogMaxArg  = 128
)

// applyDiagSettings copies the settings the hot path reads to atomics.
func (s *Server) applyDiagSettings(c *Config) {
	s.diag.slowerThan.Store(c.SlowlogLogSlowerThan)
	s.diag.slowMaxLen.Store(c.SlowlogMaxLen)
	s.diag.latencyThreshold.Store(c.LatencyMonitorThreshold)
	s.diag.tracking.Store(c.LatencyTracking)
	p := append([]float64(nil), c.LatencyTrackingInfoPercentiles...)
	s.diag.percentiles.Store(&p)
	s.trimSlowlog()
}

// slowlogPush adds a command to the slow log, trimmed and redacted as Redis
// keeps it.
func (s *Server) slowlogPush(cl *core.Client, args [][]byte, redacted []int, us int64) {
	n := min(len(args), slowlogMaxArgs)
	kept := make([][]byte, n)
	for i := 0; i < n; i++ {
		switch {
		case i == slowlogMaxArgs-1 && len(args) > slowlogMaxArgs:
			kept[i] = []byte("... (" + strconv.Itoa(len(args)-slowlogMaxArgs+1) + " more arguments)")
		case isRedacted(redacted, i):
			kept[i] = []byte("(redacted)")
		case len(args[i]) > slowlogMaxArg:
			kept[i] = append(append([]byte(nil), args[i][:slowlogMaxArg]...),
				"... ("+strconv.Itoa(len(args[i])-slowlogMaxArg)+" more bytes)"...)
		default:
			kept[i] = append([]byte(nil), args[i]...)
		}
	}
	e := core.SlowlogEntry{Time: time.Now().Unix(), Duration: us, Args: kept}
	if cl != nil {
		e.Addr, e.Name = cl.Addr, cl.Name()
	}
	s.diag.slowMu.Lock()
	e.ID = s.diag.slowNext
	s.diag.slowNext++
	s.diag.slow = append(s.diag.slow, e)
	s.trimSlowlogLocked()
	s.diag.slowMu.Unlock()
}

func isRedacted(redacted []int, i int) bool {
	for _, r := range redacted {
		if r == i {
			return true
		}
	}
	return false
}

func (s *Server) trimSlowlog() {
	s.diag.slowMu.Lock()
	s.trimSlowlogLocked()
	s.diag.slowMu.Unlock()
}

func (s *Server) trimSlowlogLocked() {
	max := int(s.diag.slowMaxLen.Load())
	if over := len(s.diag.slow) - max; over > 0 {
		s.diag.slow = append(s.diag.slow[:0], s.diag.slow[over:]...)
	}
}

// Slowlog implements core.Diagnostics (SLOWLOG GET).
func (s *Server) Slowlog(count int) []core.SlowlogEntry {
	s.diag.slowMu.Lock()
	defer s.diag.slowMu.Unlock()
	n := len(s.diag.slow)
	if count >= 0 && count < n {
		n = count
	}
	out := make([]core.SlowlogEntry, n)
	for i := range out {
		out[i] = s.diag.slow[len(s.diag.slow)-1-i]
	}
	return out
}

// SlowlogLen implements core.Diagnostics (SLOWLOG LEN).
func (s *Server) SlowlogLen() int {
	s.diag.slowMu.Lock()
	defer s.diag.slowMu.Unlock()
	return len(s.diag.slow)
}

// SlowlogReset implements core.Diagnostics (SLOWLOG RESET).
func (s *Server) SlowlogReset() {
	s.diag.slowMu.Lock()
	s.diag.slow = nil
	s.diag.slowMu.Unlock()
}
