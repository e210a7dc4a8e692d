package host

import (
	"github.com/redmod/redmod/core"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Returning memory to the operating system. Go's collector runs when the
// heap doubles and its scavenger returns free pages slowly, so after a
// FLUSHALL or a large DEL an idle server kept its peak RSS for minutes (20
// fill/flush rounds of 130 MB: RSS 137 -> 247 MB, never below 137 MB).
// Once a second the host checks whether data changed since the last
// release and the process holds more than releaseFloor; if so it collects
// and returns the free pages (debug.FreeOSMemory). The release's own cost
// sets the pause before the next one (releaseCostFactor times it, between
// releaseMinGap and releaseMaxGap), so a large heap under constant writes
// spends at most about 2% of a core on it.
const (
	releaseFloor      = 24 << 20
	releaseCostFactor = 50
	releaseMinGap     = time.Second
	releaseMaxGap     = 10 * time.Second
)

// lruTicker advances the keyspace's LRU clock at its resolution, so that
// LRU eviction can tell apart keys written within one cron period.
func (s *Server) lruTicker() {
	defer s.wg.Done()
	tick := time.NewTicker(core.LRUTick)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
			s.ks.TickLRU()
		}
	}
}

// memoryReleaser runs until the server stops.
func (s *Server) memoryReleaser() {
	defer s.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastDirty, lastExpired := s.ks.Dirty(), s.ks.ExpiredKeys.Load()
	var next time.Time
	for {
		select {
		case <-s.done:
			return
		case now := <-tick.C:
			dirty, expired := s.ks.Dirty(), s.ks.ExpiredKeys.Load()
			// Not while a snapshot is written: its pre-images are freed
			// at its end, and a forced collection of a large heap takes
			// the saver's and the commands' CPU.
			if dirty == lastDirty && expired == lastExpired || now.Before(next) || s.persist.bgInProgress.Load() || retainedBytes() < releaseFloor {
				continue
			}
			lastDirty, lastExpired = dirty, expired
			start := time.Now()
			debug.FreeOSMemory()
			gap := min(max(releaseCostFactor*time.Since(start), releaseMinGap), releaseMaxGap)
			next = time.Now().Add(gap)
		}
	}
}

// retainedBytes is the memory the Go runtime holds from the operating
// system, less what it already returned.
func retainedBytes() uint64 {
	samples := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	metrics.Read(samples)
	return samples[0].Value.Uint64() - samples[1].Value.Uint64()
}
