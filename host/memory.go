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
// Forcing a collection is what returns it, but a forced collection of a
// large heap costs seconds of CPU, so it is done only when the data shrank:
// once a second the host compares the keyspace's running estimate of its
// data (Keyspace.UsedMemory, kept by every write) with the largest figure
// seen since the last release, and when at least releaseShrink bytes and a
// releaseShrinkPart of it have gone (a FLUSHALL, a large DEL, many expired
// keys) it collects and returns the free pages (debug.FreeOSMemory). A
// server that only grows — loading, a cache filling up — never pays for
// one; the collector's own pacing serves it. The release's cost sets the
// pause before the next (releaseCostFactor times it, between releaseMinGap
// and releaseMaxGap), so repeated fill/flush rounds spend little of a core
// on it, and memory freed soon after a release still goes back within
// seconds.
const (
	releaseFloor      = 24 << 20
	releaseShrink     = 8 << 20
	releaseShrinkPart = 4 // a quarter of the peak
	releaseHeldFactor = 3
	releaseCostFactor = 50
	releaseMinGap     = time.Second
	releaseMaxGap     = 5 * time.Second
)

// holdsTooMuch reports whether the process holds far more than its data
// needs: more than releaseHeldFactor times the data's estimate plus
// releaseShrink. A server that only grows holds at most about twice its
// live data (the collector's pacing), so this catches a shrink that
// happened between two looks (a fill and a FLUSHALL within a second)
// without ever firing while data grows.
func holdsTooMuch(held uint64, used int64) bool {
	return int64(held) > releaseHeldFactor*used+releaseShrink
}

// shrankEnough reports whether the data fell from peak to now by enough to
// make a forced collection worth its cost.
func shrankEnough(peak, now int64) bool {
	drop := peak - now
	return drop >= releaseShrink && drop >= peak/releaseShrinkPart
}

// lruTicker advances the keyspace's LRU clock at its resolution, so that
// LRU eviction can tell apart keys written within one cron period. Once a
// second it checks whether any key was accessed since the last check, and
// sleeps through a quiet spell until the next access (which ticks the
// clock itself): ticking a hundred times a second, it woke an idle server
// about 250 times a second (its own ticks and the runtime's monitor).
func (s *Server) lruTicker() {
	defer s.wg.Done()
	tick := time.NewTicker(core.LRUTick)
	defer tick.Stop()
	perCheck := int(time.Second / core.LRUTick)
	for n := 1; ; n++ {
		select {
		case <-s.done:
			return
		case <-tick.C:
		}
		s.ks.TickLRU()
		if n%perCheck != 0 {
			continue
		}
		if s.ks.LRUQuiet() {
			// No key read or written for a second. An access from now on
			// finds the check armed and leaves a token; one left from an
			// access earlier in the second ends this sleep at once.
			tick.Stop()
			select {
			case <-s.done:
				return
			case <-s.ks.LRUAccessed():
			}
			s.ks.TickLRU()
			tick.Reset(core.LRUTick)
		}
		s.ks.ArmLRUQuiet()
	}
}

// memoryReleaser runs until the server stops.
func (s *Server) memoryReleaser() {
	defer s.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	peak := s.ks.UsedMemory()
	var next time.Time
	for {
		select {
		case <-s.done:
			return
		case now := <-tick.C:
			used := s.ks.UsedMemory()
			peak = max(peak, used)
			// Not while a snapshot is written: its pre-images are freed
			// at its end, and a forced collection of a large heap takes
			// the saver's and the commands' CPU.
			held := retainedBytes()
			if !shrankEnough(peak, used) && !holdsTooMuch(held, used) || now.Before(next) || s.persist.bgInProgress.Load() || held < releaseFloor {
				continue
			}
			peak = used
			start := time.Now()
			// The forced collection sweeps and returns the whole heap
			// from this goroutine: on the other CPU too (procs.go).
			done := backgroundJob()
			debug.FreeOSMemory()
			done()
			next = time.Now().Add(min(max(releaseCostFactor*time.Since(start), releaseMinGap), releaseMaxGap))
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
