package core

import (
	"sync/atomic"
	"time"
)

// monoBase anchors MonoNow.
var monoBase = time.Now()

// MonoNow returns nanoseconds on the monotonic clock since the process
// started. The host reads it once per command to time it (INFO
// commandstats, the latency histograms, the slow log), so it is made cheap
// where the processor's time-stamp counter is the system's clock source:
// the counter is read directly and scaled, and the system clock is read
// only every tickSpan to re-anchor the scale (the Go runtime's clock read
// costs 2-3 times as much on some virtual machines). Elsewhere it is
// time.Since. Values from different goroutines may differ by a few
// microseconds around a re-anchoring: callers that subtract two of them
// clamp the difference at zero.
func MonoNow() int64 {
	if a := tscAnchor.Load(); a != nil {
		if d := int64(readTSC()) - a.tsc; d >= 0 && d < a.span {
			return a.mono + int64(uint64(d)*a.mult>>tscShift)
		}
	}
	return monoSlow()
}

const (
	tscShift = 32
	// tickSpan is how long an anchor serves before the system clock is
	// read again. Its error is the scale's, computed over the previous
	// span: well under a microsecond.
	tickSpan = 100 * time.Millisecond
	// tscCalibration is the shortest gap between two readings the scale
	// is computed from.
	tscCalibration = 50 * time.Millisecond
	// tscPairMax is the widest window a counter reading may be paired
	// with the clock's in.
	tscPairMax = 5 * time.Microsecond
)

// tscAnchorT pairs a counter reading with the monotonic clock's, and the
// scale from counter ticks to nanoseconds (mult >> tscShift per tick).
type tscAnchorT struct {
	mono, tsc int64
	mult      uint64
	span      int64 // ticks the anchor serves
}

var (
	tscAnchor atomic.Pointer[tscAnchorT]
	// tscFirst is the first reading, from which the scale is first
	// computed.
	tscFirst atomic.Pointer[tscAnchorT]
)

// monoSlow reads the system's monotonic clock and, where the counter is
// used, anchors it there.
func monoSlow() int64 {
	if !tscUsable {
		return int64(time.Since(monoBase))
	}
	m0 := int64(time.Since(monoBase))
	t := int64(readTSC())
	m := int64(time.Since(monoBase))
	if m-m0 > int64(tscPairMax) {
		// Preempted between the readings: they do not pair closely
		// enough to anchor the counter.
		return m
	}
	m = m0 + (m-m0)/2
	prev := tscAnchor.Load()
	if prev == nil {
		if prev = tscFirst.Load(); prev == nil {
			tscFirst.CompareAndSwap(nil, &tscAnchorT{mono: m, tsc: t})
			return m
		}
	}
	mult := prev.mult
	if gap := m - prev.mono; gap >= int64(tscCalibration) && t > prev.tsc {
		mult = uint64(float64(gap) / float64(t-prev.tsc) * (1 << tscShift))
	} else if mult == 0 {
		return m // too soon after the first reading to have a scale
	}
	if mult == 0 {
		return m
	}
	// Racing goroutines each store a valid anchor.
	tscAnchor.Store(&tscAnchorT{mono: m, tsc: t, mult: mult, span: int64(float64(tickSpan) * (1 << tscShift) / float64(mult))})
	return m
}
