package host

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The collector's pacing for a large data set. Go collects when the heap
// has grown by GOGC percent (100) of what the last collection found live,
// so a server holding 1 GB of keys may hold 2 GB of heap before it collects,
// and its RSS stays at that peak: loading 1M small keys left 190 MB of RSS
// for 97 MB of live heap. Redis's RSS is its data plus a few percent.
//
// So while servers run, after every collection the percentage is set from
// the live heap: the room for garbage is a quarter of the live heap, but at
// least gcMinRoom, which leaves small heaps (tests, an idle server) at
// Go's default and makes a large one collect at 1.25 times its live data.
// The mark work per byte allocated grows as the room shrinks, which is why
// the room stays proportional to the data: collections stay as rare, in
// bytes allocated per byte live, for 10M keys as for 1M. A GOGC set in the
// environment is the operator's choice and is left alone.
const (
	gcMinRoom    = 16 << 20
	gcRoomPart   = 4 // room = live / gcRoomPart, at least gcMinRoom
	gcMinPercent = 100 / gcRoomPart
)

// gcPercentFor returns the GOGC percentage for a live heap of live bytes.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return 100
	}
	room := max(live/gcRoomPart, gcMinRoom)
	return int(min(max(room*100/live, gcMinPercent), 100))
}

// gcTuner is the process's pacing state: GOGC is the process's, shared by
// every server in it.
var gcTuner struct {
	mu      sync.Mutex
	servers int  // servers running
	armed   bool // a sentinel waits for the next collection
	set     bool // the percentage is ours (restore orig when the last server stops)
	orig    int
	percent int
}

// gcSentinel is garbage from the moment it is made: its finalizer runs
// after the next collection, which is how the tuner learns of each one
// without a goroutine polling. It is larger than the tiny allocator's 16
// bytes, whose blocks are freed, and finalized, together.
type gcSentinel struct{ _ [4]uint64 }

// startGCTuning counts a server that starts serving.
func startGCTuning() {
	if os.Getenv("GOGC") != "" {
		return
	}
	gcTuner.mu.Lock()
	defer gcTuner.mu.Unlock()
	gcTuner.servers++
	if !gcTuner.armed {
		gcTuner.armed = true
		armGCSentinel()
	}
}

// stopGCTuning counts a server that stops; after the last one the
// percentage it found is restored.
func stopGCTuning() {
	if os.Getenv("GOGC") != "" {
		return
	}
	gcTuner.mu.Lock()
	defer gcTuner.mu.Unlock()
	if gcTuner.servers == 0 {
		return
	}
	gcTuner.servers--
	if gcTuner.servers == 0 && gcTuner.set {
		debug.SetGCPercent(gcTuner.orig)
		gcTuner.set = false
	}
}

func armGCSentinel() {
	runtime.SetFinalizer(new(gcSentinel), func(*gcSentinel) { tuneGC() })
}

// tuneGC runs after each collection (on the finalizer goroutine).
func tuneGC() {
	gcTuner.mu.Lock()
	defer gcTuner.mu.Unlock()
	if gcTuner.servers == 0 {
		gcTuner.armed = false
		return
	}
	armGCSentinel()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	p := gcPercentFor(s[0].Value.Uint64())
	if !gcTuner.set {
		gcTuner.orig = debug.SetGCPercent(p)
		if gcTuner.orig < 0 {
			// GC was off (debug.SetGCPercent(-1) by the embedding
			// program): leave it so.
			debug.SetGCPercent(gcTuner.orig)
			return
		}
		gcTuner.set, gcTuner.percent = true, p
		return
	}
	if p != gcTuner.percent {
		debug.SetGCPercent(p)
		gcTuner.percent = p
	}
}
