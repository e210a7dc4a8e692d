package host

import (
	"os"
	"runtime"
	"sync"
)

// The processors that run commands (Go's GOMAXPROCS).
//
// Redis runs commands on one thread. On a machine of one or two CPUs that
// is also the better choice for redmod: the clients (redis-benchmark, an
// application server, a proxy) usually share those CPUs, and a second P
// spreads the connections over two threads that compete with them for the
// cores. Unpinned on 2 CPUs beside redis-benchmark, two Ps cost more CPU per
// command than one (wakeups of the idle P's thread, cross-CPU handoffs of
// ready connections, cache lines of the keyspace moving between cores) and
// take CPU from the client, so throughput drops. With more CPUs there is
// room for both and the connections' goroutines scale over the cores:
// there the Go default (every CPU available) stays.
//
// Background work that Redis gives to a forked child or a thread of its own
// (a snapshot for BGSAVE, a log rewrite, a replica's full sync) runs here as
// goroutines beside the commands; while any runs, the Ps are raised to the
// CPUs available so that it uses the other core instead of taking turns
// with the commands, and lowered when the last one ends. So are they while
// a replica loads its master's image and while the memory releaser's
// forced collection runs, for the collector's sake. runtime.GOMAXPROCS
// stops the world for a moment (tens of µs), twice per background job.
//
// GOMAXPROCS is the process's: the state is shared by every server in it.
// A GOMAXPROCS in the environment is the operator's choice: auto leaves it
// alone. After the last server stops, the value found is restored.

// smallMachineCPUs is the most CPUs on which maxprocs auto runs commands on
// one P.
const smallMachineCPUs = 2

var procTuner struct {
	mu      sync.Mutex
	servers int  // servers serving
	envSet  bool // GOMAXPROCS was given in the environment
	found   int  // GOMAXPROCS found when the first server started
	setting int  // maxprocs of the server that applied it last (0: auto)
	bg      int  // background jobs running
	set     bool // the value is ours (restore when the last server stops)
}

// autoProcs is the Ps for commands that maxprocs auto picks on a machine
// where the Go runtime's default is cpus.
func autoProcs(cpus int) int {
	if cpus <= smallMachineCPUs {
		return 1
	}
	return cpus
}

// wantProcsLocked is the GOMAXPROCS for the current state; 0 leaves it.
func wantProcsLocked() int {
	t := &procTuner
	n := t.setting
	if n == 0 {
		if t.envSet {
			return 0
		}
		n = autoProcs(t.found)
	}
	if t.bg > 0 {
		n = max(n, t.found)
	}
	return n
}

func applyProcsLocked() {
	t := &procTuner
	if t.servers == 0 {
		return
	}
	n := wantProcsLocked()
	if n == 0 {
		n = t.found
		if !t.set {
			return
		}
	}
	if runtime.GOMAXPROCS(0) != n {
		runtime.GOMAXPROCS(n)
		t.set = true
	}
}

// startProcTuning counts a server that starts serving with maxprocs
// setting.
func startProcTuning(setting int) {
	t := &procTuner
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.servers == 0 {
		t.envSet = os.Getenv("GOMAXPROCS") != ""
		t.found = runtime.GOMAXPROCS(0)
	}
	t.servers++
	t.setting = setting
	applyProcsLocked()
}

// stopProcTuning counts a server that stops; after the last one the value
// found at the start is restored (and with it the runtime's own updates of
// its default when the CPU limit changes).
func stopProcTuning() {
	t := &procTuner
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.servers == 0 {
		return
	}
	t.servers--
	if t.servers > 0 || !t.set {
		return
	}
	t.set = false
	if t.envSet {
		runtime.GOMAXPROCS(t.found)
	} else {
		runtime.SetDefaultGOMAXPROCS()
	}
}

// setProcSetting applies a maxprocs changed with CONFIG SET.
func setProcSetting(setting int) {
	t := &procTuner
	t.mu.Lock()
	defer t.mu.Unlock()
	t.setting = setting
	applyProcsLocked()
}

// backgroundJob counts a background job (a snapshot being written) from
// now until the returned function is called: meanwhile the Ps are at least
// the CPUs available.
func backgroundJob() (done func()) {
	t := &procTuner
	t.mu.Lock()
	t.bg++
	applyProcsLocked()
	t.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			t.bg--
			applyProcsLocked()
			t.mu.Unlock()
		})
	}
}
