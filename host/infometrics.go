package host

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// infoMetrics holds what INFO reports beyond plain counters: the
// identifiers of this run and the figures sampled over time.
type infoMetrics struct {
	runID, replID string // 40 hex characters, new at each start
	startupMemory int64  // used_memory when the server was made

	peakMemory atomic.Int64 // used_memory_peak

	mu      sync.Mutex
	last    time.Time // of the last sample
	lastOps int64
	lastIn  int64
	lastOut int64
	ops     metricRing // instantaneous_ops_per_sec
	in      metricRing // instantaneous_input_kbps (bytes per second)
	out     metricRing // instantaneous_output_kbps (bytes per second)
}

// metricSamples is how many samples an instantaneous figure averages, taken
// every metricPeriod, as Redis's STATS_METRIC_SAMPLES.
const (
	metricSamples = 16
	metricPeriod  = 100 * time.Millisecond
)

type metricRing struct {
	v [metricSamples]float64
	i int
}

func (r *metricRing) add(x float64) {
	r.v[r.i] = x
	r.i = (r.i + 1) % metricSamples
}

func (r *metricRing) mean() float64 {
	var sum float64
	for _, x := range r.v {
		sum += x
	}
	return sum / metricSamples
}

// randomHex40 returns a new 40-character hexadecimal identifier, as Redis's
// run_id and replication ID.
func randomHex40() string {
	var b [20]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) initMetrics() {
	s.metrics.runID = randomHex40()
	s.metrics.replID = randomHex40()
	used, _ := memoryFigures()
	s.metrics.startupMemory = used
	s.metrics.peakMemory.Store(used)
	s.metrics.last = time.Now()
}

// sampleMetrics takes a sample of the instantaneous figures when a period
// has passed since the last one, and updates the memory peak; the cron
// calls it.
func (s *Server) sampleMetrics() {
	m := &s.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	d := now.Sub(m.last)
	if d < metricPeriod {
		return
	}
	ops, in, out := s.commandsProcessed(), s.stats.netInput.Load(), s.stats.netOutput.Load()
	secs := d.Seconds()
	// A CONFIG RESETSTAT in between makes a counter go back: no rate then.
	rate := func(now, before int64) float64 { return float64(max(now-before, 0)) / secs }
	m.ops.add(rate(ops, m.lastOps))
	m.in.add(rate(in, m.lastIn))
	m.out.add(rate(out, m.lastOut))
	m.last, m.lastOps, m.lastIn, m.lastOut = now, ops, in, out
	used, _ := memoryFigures()
	s.notePeak(used)
}

// notePeak raises used_memory_peak to used when it is higher.
func (s *Server) notePeak(used int64) int64 {
	for {
		p := s.metrics.peakMemory.Load()
		if used <= p {
			return p
		}
		if s.metrics.peakMemory.CompareAndSwap(p, used) {
			return used
		}
	}
}

// instantaneous returns the instantaneous figures: operations per second
// and input and output kilobytes per second.
func (s *Server) instantaneous() (ops int64, inKbps, outKbps float64) {
	m := &s.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(m.ops.mean()), m.in.mean() / 1024, m.out.mean() / 1024
}

// totalSystemMemory reads the machine's memory from /proc where there is
// one; 0 elsewhere.
func totalSystemMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// ratio formats a/b with two decimals, as Redis prints its ratios.
func ratio(a, b int64) string {
	if b == 0 {
		return "0.00"
	}
	return strconv.FormatFloat(float64(a)/float64(b), 'f', 2, 64)
}

// osName is INFO's os field: the kernel's name, release and machine, as
// uname reports them, where /proc has them.
func osName() string {
	read := func(p string) string {
		b, _ := os.ReadFile(p)
		return strings.TrimSpace(string(b))
	}
	if rel := read("/proc/sys/kernel/osrelease"); rel != "" {
		return read("/proc/sys/kernel/ostype") + " " + rel + " " + machine()
	}
	return runtime.GOOS + " " + machine()
}

func machine() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return runtime.GOARCH
}

// multiplexingAPI names the readiness mechanism Go's network poller uses.
func multiplexingAPI() string {
	switch runtime.GOOS {
	case "linux", "android":
		return "epoll"
	case "darwin", "freebsd", "netbsd", "openbsd", "dragonfly":
		return "kqueue"
	case "windows":
		return "iocp"
	case "solaris", "illumos":
		return "evport"
	}
	return "poll"
}
