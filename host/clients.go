package host

import (
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// pauseState is a pause of clients: CLIENT PAUSE (until when, and whether
// reads wait too), FAILOVER's (writes, until it ends), or both at once, as
// Redis keeps a pause per purpose and applies the strictest.
type pauseState struct {
	client   bool // CLIENT PAUSE is in force
	failover bool // a FAILOVER holds writes
	until    time.Time
	// all is read by held clients while a second CLIENT PAUSE changes it.
	all atomic.Bool
	// over is closed when the pause ends, waking the clients waiting for it.
	over  chan struct{}
	timer *time.Timer
}

// Pause implements core.Server. As in Redis, a second pause keeps the later
// end time and takes the new mode.
func (s *Server) Pause(d time.Duration, all bool) {
	s.pauseMu.Lock()
	defer s.pauseMu.Unlock()
	until := time.Now().Add(d)
	p := s.pause.Load()
	if p == nil {
		p = &pauseState{over: make(chan struct{})}
		s.pause.Store(p)
		s.ks.PauseExpiry(true)
	}
	if !p.client {
		p.client, p.until = true, time.Time{}
	}
	p.all.Store(all)
	if until.After(p.until) {
		p.until = until
		if p.timer != nil {
			p.timer.Stop()
		}
		p.timer = time.AfterFunc(d, func() { s.endPause(p) })
	}
}

// Unpause implements core.Server.
func (s *Server) Unpause() {
	if p := s.pause.Load(); p != nil {
		s.endPause(p)
	}
}

// endPause ends CLIENT PAUSE p. A FAILOVER's pause stays: the clients
// held wake and wait again for it if their command writes.
func (s *Server) endPause(p *pauseState) {
	s.pauseMu.Lock()
	defer s.pauseMu.Unlock()
	if s.pause.Load() != p || !p.client {
		return
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	if p.failover {
		s.pause.Store(&pauseState{failover: true, over: make(chan struct{})})
	} else {
		s.pause.Store(nil)
		s.ks.PauseExpiry(false)
	}
	close(p.over)
}

// pauseForFailover starts or ends FAILOVER's pause: write commands wait
// (as CLIENT PAUSE WRITE), with no time limit, until it ends.
func (s *Server) pauseForFailover(on bool) {
	s.pauseMu.Lock()
	defer s.pauseMu.Unlock()
	p := s.pause.Load()
	if on {
		if p == nil {
			s.pause.Store(&pauseState{failover: true, over: make(chan struct{})})
			s.ks.PauseExpiry(true)
		} else {
			p.failover = true
		}
		return
	}
	if p == nil || !p.failover {
		return
	}
	if p.client {
		// CLIENT PAUSE holds at least the writes FAILOVER held.
		p.failover = false
		return
	}
	s.pause.Store(nil)
	s.ks.PauseExpiry(false)
	close(p.over)
}

// waitPause holds a command back while a CLIENT PAUSE applies to it: every
// command in ALL mode, commands that may change data in WRITE mode. It
// reports false when the server stopped meanwhile. A command that waited
// has its start time moved to the end of the wait, so that its statistics
// count only its own run.
func (c *conn) waitPause(cmd *registry.Cmd, start *int64) bool {
	s := c.srv
	for {
		p := s.pause.Load()
		if p == nil || cmd == s.unpauseCmd {
			// CLIENT UNPAUSE is never held: whatever the pause's length,
			// an administrator can always end it.
			return true
		}
		f := c.flags(cmd)
		if root := cmd.Parent; root != nil {
			f |= root.Spec.Flags & (core.FlagWrite | core.FlagMayReplicate)
		}
		if isExec(cmd) {
			// EXEC may write as its queued commands may.
			f |= c.client.QueuedFlags() & (core.FlagWrite | core.FlagMayReplicate)
		}
		if !p.all.Load() && !f.Has(core.FlagWrite) && !f.Has(core.FlagMayReplicate) {
			return true
		}
		// A held client counts in INFO's blocked_clients, as Redis counts
		// its postponed clients.
		c.blocked.Store(true)
		c.client.SetBlocked(true)
		s.stats.blockedClients.Add(1)
		select {
		case <-p.over:
			s.stats.blockedClients.Add(-1)
			c.blocked.Store(false)
			c.client.SetBlocked(false)
			*start = monoNow()
			c.client.MarkActive(time.Now())
		case <-s.done:
			s.stats.blockedClients.Add(-1)
			c.blocked.Store(false)
			c.client.SetBlocked(false)
			return false
		}
	}
}

// applyReplyMode drops the reply the last command wrote (everything after
// replyMark) when CLIENT REPLY OFF or SKIP says so.
func (c *conn) applyReplyMode() {
	mark := c.replyMark
	suppress := c.skipReply && !c.client.TakeReplyOn() || c.client.ReplyOff()
	c.skipReply = false
	if c.client.TakeSkipNext() {
		// CLIENT REPLY SKIP itself has no reply; the next command's is dropped.
		suppress = true
		c.skipReply = true
	}
	if suppress && c.w.Len() > mark {
		c.w.Truncate(mark)
	}
}

// connFd returns the file descriptor of a connection, for CLIENT LIST, or
// -1 when it has none.
func connFd(nc net.Conn) int {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}

// ResetStats implements core.Server for CONFIG RESETSTAT: the counters of
// INFO stats, commandstats and errorstats start again from zero.
func (s *Server) ResetStats() {
	st := &s.stats
	for _, v := range []*atomic.Int64{&st.connections, &st.rejectedConns, &st.netInput, &st.netOutput, &st.totalErrorReplies,
		&s.ks.ExpiredKeys, &s.ks.KeyspaceHits, &s.ks.KeyspaceMisses, &s.ks.LazyFreed} {
		v.Store(0)
	}
	s.ks.ResetEvictedKeys()
	s.mem.peak.Store(s.usedMemory())
	s.resetCommandStats()
	s.errMu.Lock()
	clear(s.errors)
	s.errMu.Unlock()
}

var errUnblocked = core.NewError("UNBLOCKED client unblocked via CLIENT UNBLOCK")

// UnblockClient implements core.Server for CLIENT UNBLOCK. A client held
// back by CLIENT PAUSE is not in a blocking command and stays paused, as in
// Redis.
func (s *Server) UnblockClient(id int64, withError bool) bool {
	s.mu.Lock()
	c, ok := s.conns[id]
	s.mu.Unlock()
	if !ok || !c.inBlock.Load() {
		return false
	}
	select {
	case c.unblock <- withError:
		return true
	default:
		return false
	}
}
