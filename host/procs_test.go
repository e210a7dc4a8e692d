package host

import (
	"os"
	"runtime"
	"testing"

	"github.com/redmod/redmod/core"
)

func TestAutoProcs(t *testing.T) {
	for cpus, want := range map[int]int{1: 1, 2: 1, 3: 3, 4: 4, 8: 8, 64: 64} {
		if got := autoProcs(cpus); got != want {
			t.Errorf("autoProcs(%d) = %d, want %d", cpus, got, want)
		}
	}
}

// A serving server runs commands on the Ps maxprocs picks, raises them to
// the CPUs available while a snapshot is written, follows CONFIG SET, and
// the value found comes back when it stops.
func TestProcTuning(t *testing.T) {
	if os.Getenv("GOMAXPROCS") != "" {
		t.Skip("GOMAXPROCS is set in the environment: auto leaves it alone")
	}
	before := runtime.GOMAXPROCS(0)
	srv, _ := startTestServer(t)
	waitServing(t, srv)
	found := procTuner.found
	if got, want := runtime.GOMAXPROCS(0), autoProcs(found); got != want {
		t.Fatalf("serving: GOMAXPROCS %d, want %d (found %d)", got, want, found)
	}

	// A snapshot is written on every CPU: a writer that looks while it
	// runs sees the raised value.
	var during int
	_, err := srv.WriteSnapshot(writerFunc(func(p []byte) (int, error) {
		during = runtime.GOMAXPROCS(0)
		return len(p), nil
	}), SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if during != found {
		t.Errorf("while a snapshot is written: GOMAXPROCS %d, want %d", during, found)
	}
	if got, want := runtime.GOMAXPROCS(0), autoProcs(found); got != want {
		t.Errorf("after the snapshot: GOMAXPROCS %d, want %d", got, want)
	}

	if err := srv.ConfigSet([]core.InfoField{{Name: "maxprocs", Value: "3"}}); err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != 3 {
		t.Errorf("maxprocs 3: GOMAXPROCS %d", got)
	}
	if err := srv.ConfigSet([]core.InfoField{{Name: "maxprocs", Value: "0"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := runtime.GOMAXPROCS(0), autoProcs(found); got != want {
		t.Errorf("maxprocs 0 again: GOMAXPROCS %d, want %d", got, want)
	}
	if err := srv.ConfigSet([]core.InfoField{{Name: "maxprocs", Value: "-1"}}); err == nil {
		t.Error("maxprocs -1 accepted")
	}

	srv.Close()
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("after the server stopped: GOMAXPROCS %d, want %d", got, before)
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// waitServing waits until srv's Serve has started (the processor tuning
// counts it).
func waitServing(t *testing.T, srv *Server) {
	t.Helper()
	for {
		srv.mu.Lock()
		ln := srv.ln
		srv.mu.Unlock()
		if ln != nil {
			return
		}
		runtime.Gosched()
	}
}
