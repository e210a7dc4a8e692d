package core

import (
	"testing"
	"time"
)

// TestMonoNowTracksClock checks that MonoNow, scaled from the time-stamp
// counter where it is used, follows the system's monotonic clock across
// its calibration and re-anchoring.
func TestMonoNowTracksClock(t *testing.T) {
	deadline := time.Now().Add(3 * tickSpan)
	last := MonoNow()
	for time.Now().Before(deadline) {
		before := int64(time.Since(monoBase))
		m := MonoNow()
		after := int64(time.Since(monoBase))
		// A microsecond of slack for the scale's error, and the
		// scheduler's preemption between the three readings.
		const slack = int64(50 * time.Microsecond)
		if m < before-slack || m > after+slack {
			t.Fatalf("MonoNow %d outside the clock's [%d, %d]", m, before, after)
		}
		if m < last-slack {
			t.Fatalf("MonoNow went back from %d to %d", last, m)
		}
		last = max(last, m)
	}
}

func BenchmarkMonoNow(b *testing.B) {
	MonoNow()
	time.Sleep(2 * tscCalibration)
	MonoNow()
	for i := 0; i < b.N; i++ {
		MonoNow()
	}
}

func BenchmarkTimeSince(b *testing.B) {
	for i := 0; i < b.N; i++ {
		time.Since(monoBase)
	}
}
