package host

import (
	"testing"
	"time"

	"github.com/redmod/redmod/core"
)

// TestSavePacer: a background save rests after a slice only when commands
// were served meanwhile, for a multiple of the slice, and not while a
// shutdown waits for it.
func TestSavePacer(t *testing.T) {
	s := &Server{ks: core.NewKeyspace(1), cstats: make([]cmdStat, 1)}
	p := newSavePacer(s)
	var rests []time.Duration
	p.sleep = func(d time.Duration) { rests = append(rests, d) }
	endSlice := func() { p.start = time.Now().Add(-paceSlice) }

	p.pause() // within the slice
	endSlice()
	p.pause() // no command served
	if len(rests) != 0 {
		t.Fatalf("rested %v with no command served", rests)
	}
	s.cstats[0].calls.Add(1)
	p.pause() // within the new slice
	endSlice()
	p.pause()
	if len(rests) != 1 || rests[0] < paceSlice*paceRest {
		t.Fatalf("rests %v after a slice of %v with commands served", rests, paceSlice)
	}
	// Time spent waiting for the disk is no work.
	s.cstats[0].calls.Add(1)
	endSlice()
	p.waited(paceSlice)
	p.pause()
	if len(rests) != 1 {
		t.Fatalf("rested %v after a slice spent waiting", rests[1:])
	}
	s.persist.hurry.Add(1)
	s.cstats[0].calls.Add(1)
	endSlice()
	p.pause()
	if len(rests) != 1 {
		t.Fatalf("rested %v while a shutdown waits", rests[1:])
	}
}
