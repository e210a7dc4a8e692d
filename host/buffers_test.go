package host

import (
	"testing"
	"time"
)

// TestReplyBufferModel plays Redis's reply buffer rules on one client: a
// new client's 16 KiB buffer shrinks to 1 KiB once idle, replies that fill
// it double it back one cron pass at a time, and the peak restarts on time.
func TestReplyBufferModel(t *testing.T) {
	var p replyBufferPolicy
	p.setDefaults(10)
	period := int64(100 * time.Millisecond)
	var r replyStats
	now := int64(1e12)
	r.advance(&p, now)
	if r.size != 16384 || r.peak != 16384 {
		t.Fatalf("new client: rbs=%d rbp=%d, want 16384 16384", r.size, r.peak)
	}
	// First pass: no resize (the peak is the whole buffer), peak reset;
	// second pass: shrink to the minimum.
	r.advance(&p, now+2*period)
	if r.size != 1024 || r.peak != 0 {
		t.Fatalf("idle client: rbs=%d rbp=%d, want 1024 0", r.size, r.peak)
	}
	// A small reply is the peak until the 5 s reset, even across a long
	// idle stretch that is skipped rather than played.
	now += 2 * period
	r.advance(&p, now)
	r.peak = max(r.peak, 273)
	r.advance(&p, now+30*period)
	if r.peak != 273 {
		t.Fatalf("peak after 3 s: %d, want 273", r.peak)
	}
	r.advance(&p, now+60*period)
	if r.peak != 0 {
		t.Fatalf("peak after 6 s: %d, want 0", r.peak)
	}
	now += 60 * period
	// Replies larger than the buffer fill it; each pass then doubles it.
	p.peakReset.Store(-1)
	for _, want := range []int64{2048, 4096, 8192, 16384, 16384} {
		r.peak = max(r.peak, min(32768, r.size))
		now += period
		r.advance(&p, now)
		if r.size != want {
			t.Fatalf("busy client: rbs=%d, want %d", r.size, want)
		}
	}
	if p.shrinks.Load() != 1 || p.expands.Load() != 4 {
		t.Fatalf("shrinks=%d expands=%d, want 1 4", p.shrinks.Load(), p.expands.Load())
	}
	// With resizing off nothing changes.
	p.noResizing.Store(true)
	r.peak = 0
	r.advance(&p, now+10*period)
	if r.size != 16384 {
		t.Fatalf("resizing off: rbs=%d", r.size)
	}
}

func TestMallocSize(t *testing.T) {
	for n, want := range map[int64]int64{1: 1024, 1024: 1024, 1025: 1280, 1500: 1536, 2048: 2048, 2049: 2560, 5000: 5120, 16384: 16384} {
		if got := mallocSize(n); got != want {
			t.Errorf("mallocSize(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestReplyStatsQuietWrites: a reply no larger than the peak before the
// next pass is due changes nothing and takes no lock, and the figures are
// those the locked path gives: a larger reply raises the peak, and a write
// after the pass is due plays it.
func TestReplyStatsQuietWrites(t *testing.T) {
	var p replyBufferPolicy
	p.setDefaults(10)
	period := int64(100 * time.Millisecond)
	var r replyStats
	now := int64(1e12)
	r.wrote(&p, 100, now) // a new client: full buffer, full peak
	r.wrote(&p, 100, now+3*period)
	if r.size != 1024 || r.peak != 100 {
		t.Fatalf("after the first passes: rbs=%d rbp=%d, want 1024 100", r.size, r.peak)
	}
	next := r.nextPass
	r.mu.Lock() // a quiet write must not wait for the lock
	r.wrote(&p, 50, next-1)
	r.wrote(&p, 100, next-1)
	r.mu.Unlock()
	if r.peak != 100 || r.nextPass != next {
		t.Fatalf("quiet writes changed rbp=%d next=%d", r.peak, r.nextPass)
	}
	r.wrote(&p, 300, next-1)
	if r.peak != 300 || r.quietPeak.Load() != 300 {
		t.Fatalf("a larger reply: rbp=%d mirror %d, want 300", r.peak, r.quietPeak.Load())
	}
	r.wrote(&p, 10, next)
	if r.nextPass != next+period || r.quietUntil.Load() != r.nextPass {
		t.Fatalf("the due pass was not played: next=%d mirror %d", r.nextPass, r.quietUntil.Load())
	}
	if size, peak := r.read(&p); size != 1024 || peak != 300 {
		t.Fatalf("read: rbs=%d rbp=%d, want 1024 300", size, peak)
	}
}
