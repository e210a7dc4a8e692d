package host

import (
	"strconv"
	"strings"
	"time"

	"github.com/redmod/redmod/core"
)

// FAILOVER, as Redis 7.0's coordinated failover: the master holds writes
// (a pause of its own, beside CLIENT PAUSE), waits until the target
// replica (or, without TO, any replica) acknowledged its whole stream,
// then becomes a replica of it with PSYNC <replid> <offset+1> FAILOVER,
// which makes the replica a master and continue from the same offset
// (+CONTINUE under its new ID). The PSYNC's answer ends the failover; a
// refusal aborts it and this server is a master again. TIMEOUT bounds the
// wait: then the failover is aborted, or with FORCE goes on anyway.

var _ core.Failover = (*Server)(nil)

// Failover states, as INFO's master_failover_state names them.
const (
	foNone int32 = iota
	foWaitForSync
	foInProgress
)

var failoverStateNames = [...]string{"no-failover", "waiting-for-sync", "failover-in-progress"}

var (
	errFailoverRunning    = core.NewError("ERR FAILOVER already in progress.")
	errFailoverOnReplica  = core.NewError("ERR FAILOVER is not valid when server is a replica.")
	errFailoverNoReplicas = core.NewError("ERR FAILOVER requires connected replicas.")
	errFailoverForce      = core.NewError("ERR FAILOVER with force option requires both a timeout and target HOST and IP.")
	errFailoverNotReplica = core.NewError("ERR FAILOVER target HOST and PORT is not a replica.")
	errFailoverNotOnline  = core.NewError("ERR FAILOVER target replica is not online.")
	errNoFailover         = core.NewError("ERR No failover in progress.")
	errTakeOverMaster     = core.NewError("ERR PSYNC FAILOVER can't be sent to a master.")
	errTakeOverReplID     = core.NewError("ERR PSYNC FAILOVER replid must match my replid.")
)

// failoverState is the failover in progress; guarded by replState.mu
// (state is also read without it).
type failoverState struct {
	host  string // target; "" until one is chosen
	port  int
	end   time.Time // zero: no timeout
	force bool
	gen   int // which failover the waiting goroutine serves
}

func (s *Server) failingOver() bool { return s.repl.foState.Load() != foNone }

func (s *Server) failoverStateName() string { return failoverStateNames[s.repl.foState.Load()] }

// Failover implements core.Failover, with Redis 7.0's checks in its order.
func (s *Server) Failover(c *core.Ctx, req core.FailoverRequest) error {
	r := &s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Abort {
		if r.foState.Load() == foNone {
			return errNoFailover
		}
		s.abortFailoverLocked("Failover manually aborted")
		return nil
	}
	switch {
	case r.foState.Load() != foNone:
		return errFailoverRunning
	case r.link != nil:
		return errFailoverOnReplica
	case len(r.replicas) == 0:
		return errFailoverNoReplicas
	case req.Force && (req.TimeoutMs == 0 || !req.To):
		return errFailoverForce
	}
	fo := failoverState{force: req.Force, gen: r.fo.gen + 1}
	if req.To {
		rl := s.findReplicaLocked(req.Host, req.Port)
		if rl == nil {
			return errFailoverNotReplica
		}
		if !rl.online.Load() {
			return errFailoverNotOnline
		}
		fo.host, fo.port = req.Host, req.Port
		s.log.Info("FAILOVER requested to " + req.Host + ":" + strconv.Itoa(req.Port) + ".")
	} else {
		s.log.Info("FAILOVER requested to any replica.")
	}
	if req.TimeoutMs > 0 {
		fo.end = time.Now().Add(time.Duration(req.TimeoutMs) * time.Millisecond)
	}
	r.fo = fo
	r.foState.Store(foWaitForSync)
	s.pauseForFailover(true)
	go s.awaitFailoverTarget(fo.gen)
	return nil
}

// findReplicaLocked finds a replica by the address it announced (or its
// connection's), as Redis's findReplica.
func (s *Server) findReplicaLocked(host string, port int) *replicaLink {
	for _, rl := range s.repl.replicas {
		if rl.port == port && strings.EqualFold(rl.ip, host) {
			return rl
		}
	}
	return nil
}

// awaitFailoverTarget waits, while the failover gen is waiting for sync,
// for a replica (the target, or the first that does) to acknowledge this
// server's whole stream; then it hands over. The replicas acknowledge
// every second on their own (no GETACK is sent: it would move the
// offset).
func (s *Server) awaitFailoverTarget(gen int) {
	r := &s.repl
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		r.mu.Lock()
		if r.fo.gen != gen || r.foState.Load() != foWaitForSync {
			r.mu.Unlock()
			return
		}
		if !r.fo.end.IsZero() && !time.Now().Before(r.fo.end) {
			if r.fo.force {
				s.log.Info("FAILOVER to " + r.fo.host + ":" + strconv.Itoa(r.fo.port) + " time out exceeded, failing over.")
				s.handOverLocked()
			} else {
				s.abortFailoverLocked("Replica never caught up before timeout")
			}
			r.mu.Unlock()
			return
		}
		off := r.baseOffset + s.effects.ReplOffset()
		var target *replicaLink
		if r.fo.host != "" {
			if rl := s.findReplicaLocked(r.fo.host, r.fo.port); rl != nil && rl.ack.Load() == off {
				target = rl
			}
		} else {
			for _, rl := range s.replicaLinksLocked() {
				if rl.ack.Load() == off {
					target = rl
					r.fo.host, r.fo.port = rl.ip, rl.port
					break
				}
			}
		}
		if target != nil {
			s.log.Info("Failover target " + r.fo.host + ":" + strconv.Itoa(r.fo.port) + " is synced, failing over.")
			s.handOverLocked()
			r.mu.Unlock()
			return
		}
		acked := r.acked
		r.mu.Unlock()
		select {
		case <-acked:
		case <-tick.C:
		case <-s.done:
			return
		}
	}
}

// handOverLocked makes this server a replica of the failover's target,
// whose link asks it to take over. The caller holds s.repl.mu.
func (s *Server) handOverLocked() {
	s.repl.foState.Store(foInProgress)
	s.setMasterLocked(s.repl.fo.host, s.repl.fo.port)
}

// failoverPsyncAnswered ends the failover once the target answered the
// link's PSYNC FAILOVER: accepted, this server stays its replica and
// writes are let go (to be refused as on any replica); refused, the
// failover is aborted.
func (s *Server) failoverPsyncAnswered(l *masterLink, ok bool) {
	r := &s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.link != l || r.foState.Load() != foInProgress {
		return
	}
	l.failover = false
	if ok {
		s.log.Info("FAILOVER to " + r.fo.host + ":" + strconv.Itoa(r.fo.port) + " completed.")
		s.clearFailoverLocked()
		return
	}
	s.abortFailoverLocked("Failover target rejected psync request")
}

// abortFailoverLocked gives the failover up, as Redis's abortFailover: a
// server that already became the target's replica is a master again.
func (s *Server) abortFailoverLocked(why string) {
	r := &s.repl
	if r.foState.Load() == foNone {
		return
	}
	to := "any replica"
	if r.fo.host != "" {
		to = r.fo.host + ":" + strconv.Itoa(r.fo.port)
	}
	s.log.Info("FAILOVER to " + to + " aborted: " + why)
	if r.foState.Load() == foInProgress && r.link != nil {
		subs := s.unsetMasterLocked()
		go s.dropReplicas(subs)
	}
	s.clearFailoverLocked()
}

// clearFailoverLocked forgets the failover and lets writes go.
func (s *Server) clearFailoverLocked() {
	r := &s.repl
	if r.foState.Load() == foNone {
		return
	}
	r.fo = failoverState{gen: r.fo.gen}
	r.foState.Store(foNone)
	s.pauseForFailover(false)
}

// TakeOver implements core.Failover: PSYNC <replid> <offset> FAILOVER.
func (s *Server) TakeOver(c *core.Ctx, replID string) error {
	r := &s.repl
	r.mu.Lock()
	s.log.Info("Failover request received for replid " + replID + ".")
	if r.link == nil {
		r.mu.Unlock()
		return errTakeOverMaster
	}
	if replID != r.id {
		r.mu.Unlock()
		return errTakeOverReplID
	}
	s.clearFailoverLocked()
	subs := s.unsetMasterLocked()
	r.mu.Unlock()
	s.dropReplicas(subs)
	s.log.Info("MASTER MODE enabled (failover request from '" + c.Client.Addr + "')")
	return nil
}
