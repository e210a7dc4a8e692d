package host

import (
	"errors"
	"os"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// block waits for a client whose command asked to block (core.Ctx.Block);
// run registered it as a waiter while it still held the keys' locks. The
// wait holds no lock and does not spin: it sleeps until a write signals one
// of the keys (then the command runs again, with its keys locked), the
// timeout passes (a null reply), the client goes away or the server stops
// (closed). The socket is watched meanwhile, so that a disconnect ends the
// wait at once; bytes the client pipelines are kept for after it.
func (c *conn) block(cmd *registry.Cmd, args [][]byte, err error) (_ error, closed bool) {
	s := c.srv
	w := c.waiter
	defer func() {
		s.ks.RemoveWaiter(w)
		c.waiter, c.blockReq = nil, nil
	}()
	// Replies to the commands pipelined before this one go out now, with
	// the invalidations that followed them.
	if len(c.deferred) > 0 {
		c.w.WriteRaw(c.deferred)
		c.deferred = c.deferred[:0]
	}
	if !c.flush() {
		return nil, true
	}
	// An UNBLOCK that arrived as the previous wait ended was for that one.
	select {
	case <-c.unblock:
	default:
	}
	c.inBlock.Store(true)
	c.blocked.Store(true)
	c.client.SetBlocked(true)
	s.stats.blockedClients.Add(1)
	defer func() {
		c.inBlock.Store(false)
		c.blocked.Store(false)
		c.client.SetBlocked(false)
		s.stats.blockedClients.Add(-1)
	}()
	var timeout <-chan time.Time
	if d := c.blockReq.Timeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	// The socket is read into the buffer during the wait: arguments still
	// borrowed from it (a command that blocks without FlagBlocking) become
	// the command's own first, for its runs after a wake-up.
	args = c.rd.Own(args)
	gone, stop := c.watch()
	defer stop()
	for {
		select {
		case <-w.C:
			if !c.holding && c.mayGetPushes() {
				// What others cause from now on follows the reply.
				c.out.startHold()
			}
			c.ctx.SetWoken(true)
			c.ctx.SetBlockState(c.blockReq.State)
			err = c.run(cmd, args)
			c.ctx.SetWoken(false)
			c.ctx.SetBlockState(nil)
			c.ctx.RunAfterUnlock()
			if _, still := err.(*core.BlockRequest); !still {
				return err, false
			}
		case <-timeout:
			c.w.WriteNullArray()
			return nil, false
		case withError := <-c.unblock:
			// CLIENT UNBLOCK: a timeout, or an error when asked.
			if withError {
				return errUnblocked, false
			}
			c.w.WriteNullArray()
			return nil, false
		case <-gone:
			return nil, true
		case <-s.done:
			return nil, true
		}
	}
}

// watch reads from the socket while the client is blocked, into the
// request reader's buffer, and closes gone when the connection fails or the
// client exceeds its query buffer limit. stop ends the reading (by a read
// deadline in the past) and waits for it, leaving the reader as it was
// apart from the bytes received.
func (c *conn) watch() (gone <-chan struct{}, stop func()) {
	g := make(chan struct{})
	done := make(chan struct{})
	var stopping atomic.Bool
	go func() {
		defer close(done)
		for {
			if err := c.rd.fill(); err != nil {
				if !stopping.Load() || !errors.Is(err, os.ErrDeadlineExceeded) {
					close(g)
				}
				return
			}
		}
	}()
	return g, func() {
		stopping.Store(true)
		c.nc.SetReadDeadline(time.Unix(1, 0))
		<-done
		c.nc.SetReadDeadline(time.Time{})
		if errors.Is(c.rd.readErr, os.ErrDeadlineExceeded) {
			c.rd.readErr = nil
		}
	}
}
