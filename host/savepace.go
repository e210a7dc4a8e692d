package host

import (
	"runtime"
	"sync/atomic"
	"time"
)

// A background snapshot (BGSAVE, an AOF rewrite's base) runs in the server's
// own process, beside the commands, where Redis's forked child runs beside
// its event loop: on a machine with few cores every moment the saver is on
// a core is taken from the clients. It need not finish fast, so while
// clients are being served it works in slices and rests after each one for
// a multiple of the slice, taking at most about a fifth of one core; with
// no command served during a slice and its rest (an idle server, a
// shutdown waiting for it) it runs flat out. The slice is short because a
// command that waits for the core the saver holds waits up to a slice.
const (
	paceSlice = 500 * time.Microsecond
	paceRest  = 4 // rest per unit of work
)

// savePaceRest is paceRest, which tests that wait for a save under a
// write load set lower (SetSavePaceForTest): under the race detector a
// paced save of their data takes too long.
var savePaceRest atomic.Int64

func init() { savePaceRest.Store(paceRest) }

// savePacer spreads a background snapshot's work; see paceSlice.
type savePacer struct {
	srv   *Server
	start time.Time // the current slice's start
	cmds  int64     // commands served when it started
	sleep func(time.Duration)
}

func newSavePacer(s *Server) *savePacer {
	return &savePacer{srv: s, start: time.Now(), cmds: s.commandsProcessed(), sleep: time.Sleep}
}

// pause is called between batches, holding no lock. Within a slice it
// only lets waiting goroutines run first; at its end it rests when
// commands were served meanwhile.
func (p *savePacer) pause() {
	worked := time.Since(p.start)
	if worked < paceSlice {
		runtime.Gosched()
		return
	}
	s := p.srv
	if cmds := s.commandsProcessed(); cmds != p.cmds && s.persist.hurry.Load() == 0 && !s.closing.Load() {
		// The wall time of the slice counts as work: time the saver
		// waited for a core makes it rest longer, which is the point.
		p.sleep(worked * time.Duration(savePaceRest.Load()))
	} else {
		runtime.Gosched()
	}
	p.start, p.cmds = time.Now(), s.commandsProcessed()
}

// waited tells the pacer that d of the current slice was spent waiting
// (for the disk), not working.
func (p *savePacer) waited(d time.Duration) { p.start = p.start.Add(d) }
