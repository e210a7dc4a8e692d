package host

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// outbox carries what the server sends a client on its own initiative
// (pub/sub messages, RESP3 pushes, MONITOR lines) besides its replies.
//
// A client starts in direct mode: its goroutine writes its replies to the
// socket itself, the fastest path. The first push (or Handoff) switches it to
// queued mode for good: replies and pushes are appended to one buffer, in
// order, and a writer goroutine of the client's own sends the buffer. Pushes
// come from any goroutine and never wait for the socket, so a slow or
// stalled subscriber holds up no publisher; what it has not read is bounded
// by client-output-buffer-limit (pubsub class while it is subscribed), past
// which it is disconnected.
type outbox struct {
	c  *conn
	nc net.Conn

	mu sync.Mutex
	// queued: replies and pushes go through buf and the writer; set under
	// mu, once. direct: the client's goroutine is writing to the socket
	// itself. Both are atomic so that a flush in direct mode takes no
	// lock: it sets direct before it looks at queued, and a push sets
	// queued before it looks at direct, so at least one of them sees the
	// other (see flush).
	queued  atomic.Bool
	direct  atomic.Bool
	buf     []byte // bytes waiting for the writer
	spare   []byte // the writer's previous buffer, for reuse
	writing int    // bytes the writer is sending now
	closed  bool
	// holding is set from the start of a batch of the client's commands
	// until their replies are flushed, when messages other clients cause
	// (pub/sub and keyspace-event messages, invalidations) wait in held to
	// follow those replies (PushAfterBatch): in Redis a client's pipelined
	// commands run before another client's command, whose messages are
	// appended after their replies, while here the replies wait in the
	// client's writer until the batch ends.
	holding bool
	held    []byte
	// heldLen is len(held), read by the client's goroutine without the
	// lock: a batch that goes on and on is flushed once this much waits.
	heldLen atomic.Int64
	// softSince is when the pending bytes went over the soft limit.
	softSince time.Time
	wake      chan struct{}
	done      chan struct{} // closed when the writer returns
}

func newOutbox(c *conn) *outbox {
	return &outbox{c: c, nc: c.nc, wake: make(chan struct{}, 1)}
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// startLocked switches to queued mode.
func (o *outbox) startLocked() {
	if o.queued.Load() {
		return
	}
	o.queued.Store(true)
	o.done = make(chan struct{})
	go o.writer()
}

// Push implements core.Outbox.
func (o *outbox) Push(msg []byte) bool {
	o.mu.Lock()
	return o.pushLocked(msg)
}

// pushLocked is Push with o.mu held, which it releases.
func (o *outbox) pushLocked(msg []byte) bool {
	if o.closed {
		o.mu.Unlock()
		return false
	}
	o.startLocked()
	o.buf = append(o.buf, msg...)
	if !o.checkLimitLocked() {
		o.mu.Unlock()
		o.overLimit()
		return false
	}
	if !o.direct.Load() {
		o.signal()
	}
	o.mu.Unlock()
	return true
}

// PushAfterBatch implements core.Outbox: while the client runs a batch
// (holding), the message waits in held for the batch's replies (flush).
func (o *outbox) PushAfterBatch(msg []byte) bool {
	o.mu.Lock()
	if !o.holding || o.closed {
		return o.pushLocked(msg)
	}
	o.held = append(o.held, msg...)
	o.heldLen.Store(int64(len(o.held)))
	if !o.checkLimitLocked() {
		o.mu.Unlock()
		o.overLimit()
		return false
	}
	o.mu.Unlock()
	return true
}

// Handoff implements core.Outbox: the replies written so far by the running
// command's client go ahead of what follows. Messages other clients cause
// from now on follow the batch's replies (the command is about to receive
// its own, or to subscribe).
func (o *outbox) Handoff() {
	c := o.c
	o.mu.Lock()
	o.startLocked()
	o.holding = true
	ok := o.enqueueLocked(c.w.Bytes())
	o.mu.Unlock()
	c.holding = true
	c.w.Reset()
	c.replyMark = 0
	if !ok {
		o.overLimit()
	}
}

// enqueueLocked appends replies in queued mode and reports whether the
// client is still within its limits.
func (o *outbox) enqueueLocked(b []byte) bool {
	if o.closed {
		return false
	}
	o.buf = append(o.buf, b...)
	if !o.checkLimitLocked() {
		return false
	}
	if !o.direct.Load() {
		o.signal()
	}
	return true
}

// checkLimitLocked applies client-output-buffer-limit to the bytes not yet
// sent: the pubsub class while the client is subscribed, normal otherwise.
func (o *outbox) checkLimitLocked() bool {
	lim := &o.c.srv.limits
	hard, soft, secs := lim.outHard.Load(), lim.outSoft.Load(), lim.outSoftSeconds.Load()
	if o.c.client.Subscribed() {
		hard, soft, secs = lim.psHard.Load(), lim.psSoft.Load(), lim.psSoftSeconds.Load()
	}
	n := int64(len(o.buf) + o.writing + len(o.held))
	if hard > 0 && n > hard {
		return false
	}
	if soft > 0 && n > soft {
		now := time.Now()
		if o.softSince.IsZero() {
			o.softSince = now
		} else if now.Sub(o.softSince) > time.Duration(secs)*time.Second {
			return false
		}
	} else {
		o.softSince = time.Time{}
	}
	return true
}

// overLimit disconnects a client over its output limit.
func (o *outbox) overLimit() {
	o.mu.Lock()
	already := o.closed
	o.closed = true
	n := len(o.buf) + o.writing + len(o.held)
	o.buf, o.held = nil, nil
	o.heldLen.Store(0)
	o.mu.Unlock()
	if !already {
		o.c.srv.log.Warn("client closed for overcoming of output buffer limits", "client", o.c.client.Addr, "bytes", n)
		o.nc.Close()
		o.signal()
	}
}

// flush sends the client's replies: itself in direct mode, through the
// writer in queued mode. With endHold it ends the batch's hold: the
// messages held meanwhile follow the replies, and those that come later go
// at once. It reports false when the connection must close.
func (o *outbox) flush(endHold bool) bool {
	c := o.c
	if !endHold && c.w.Len() > 0 {
		// Direct mode without a lock. A push meanwhile either is seen
		// here (queued: the replies follow it through the queue) or
		// sees direct set and leaves its bytes to the writer, which
		// waits for the end of this write: the signal after it wakes
		// the writer.
		o.direct.Store(true)
		if !o.queued.Load() {
			ok := c.writeDirect()
			o.direct.Store(false)
			if o.queued.Load() {
				o.signal() // pushes that came meanwhile
			}
			return ok
		}
		o.direct.Store(false)
	}
	o.mu.Lock()
	if o.queued.Load() {
		ok := true
		if c.w.Len() > 0 {
			c.reply.wrote(&c.srv.replyBuf, c.w.Len(), c.writeTime())
			ok = o.enqueueLocked(c.w.Bytes())
		}
		if endHold {
			o.holding = false
			if ok && len(o.held) > 0 {
				ok = o.enqueueLocked(o.held)
			}
			o.resetHeldLocked()
		}
		o.mu.Unlock()
		c.w.Reset()
		c.replyMark = 0
		if !ok {
			o.overLimit()
		}
		return ok
	}
	if endHold {
		o.holding = false
		if len(o.held) > 0 {
			c.w.WriteRaw(o.held)
			o.resetHeldLocked()
		}
	}
	if c.w.Len() == 0 {
		o.mu.Unlock()
		return true
	}
	o.direct.Store(true)
	o.mu.Unlock()
	ok := c.writeDirect()
	o.direct.Store(false)
	if o.queued.Load() {
		o.signal() // pushes that came meanwhile
	}
	return ok
}

// writer sends the queued bytes until the client is closed.
func (o *outbox) writer() {
	defer close(o.done)
	s := o.c.srv
	for range o.wake {
		for {
			o.mu.Lock()
			if o.closed {
				o.mu.Unlock()
				return
			}
			if o.direct.Load() || len(o.buf) == 0 {
				o.mu.Unlock()
				break
			}
			data := o.buf
			o.buf = o.spare[:0]
			o.spare = nil
			o.writing = len(data)
			o.mu.Unlock()
			n, err := o.nc.Write(data)
			s.stats.netOutput.Add(int64(n))
			o.mu.Lock()
			o.writing = 0
			if cap(data) <= 1<<20 {
				o.spare = data[:0]
			}
			o.mu.Unlock()
			if err != nil {
				o.mu.Lock()
				o.closed = true
				o.mu.Unlock()
				o.nc.Close()
				return
			}
		}
	}
}

// finish sends what is queued before the connection closes (the reply to
// QUIT of a subscriber), waiting at most a few seconds for a slow client.
func (o *outbox) finish() {
	o.mu.Lock()
	if !o.queued.Load() || o.closed {
		o.closed = true
		o.mu.Unlock()
		if o.queued.Load() {
			o.signal()
		}
		return
	}
	o.mu.Unlock()
	o.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	for {
		o.mu.Lock()
		idle := len(o.buf) == 0 && o.writing == 0
		if idle || o.closed {
			o.closed = true
			o.mu.Unlock()
			o.signal()
			break
		}
		o.mu.Unlock()
		o.signal()
		select {
		case <-o.done:
			return
		case <-time.After(time.Millisecond):
		}
	}
	<-o.done
}

// Pending implements core.Outbox.
func (o *outbox) Pending() int { return o.pending() }

// pending returns the bytes queued and not yet sent (CLIENT LIST omem).
func (o *outbox) pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.buf) + o.writing + len(o.held)
}

// resetHeldLocked empties held once sent, giving back a large buffer
// rather than keeping it for the connection's life.
func (o *outbox) resetHeldLocked() {
	o.heldLen.Store(0)
	if cap(o.held) > 64<<10 {
		o.held = nil
	} else {
		o.held = o.held[:0]
	}
}

// startHold starts a batch of the client's commands: messages other
// clients cause from now on follow the batch's replies (PushAfterBatch),
// until the flush that sends them.
func (o *outbox) startHold() {
	o.mu.Lock()
	o.holding = true
	o.mu.Unlock()
	o.c.holding = true
}
