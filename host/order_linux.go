//go:build linux

package host

import (
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// orderer keeps commands of different connections in arrival order (see
// order.go). The zero value is ready; its epoll set is made with the first
// client.
type orderer struct {
	initOnce sync.Once
	epfd     int // -1: unavailable
	// anchor is a socket that asks for receive times for as long as the
	// server runs: the kernel turns time-stamping on for every packet only
	// some time after the first socket asks (from a work queue) and off
	// again after the last one closes, and clients come and go.
	anchor int

	hot      atomic.Bool
	hotUntil atomic.Int64 // monoNow

	mu     sync.Mutex
	byFd   map[int32]*conn
	flight map[*conn]struct{} // connections with pending bytes
}

// connOrder is a connection's part of the ordering.
type connOrder struct {
	fd  int32 // -1: not ordered
	oob []byte
	// pending is the kernel's receive time (Unix nanoseconds) of the
	// oldest bytes read while hot whose commands have not all run; 0 if
	// none.
	pending atomic.Int64
	kind    atomic.Int32
	// recv is set while a read is in progress, from before the bytes
	// leave the kernel until pending holds their time.
	recv atomic.Bool
	// ignored is set when a wait for this client's bytes ran out of time
	// (a client stuck writing to a slow reader, say) and stays until it
	// reads again: one stalled client costs others one wait, not one per
	// command.
	ignored atomic.Bool
}

func (o *orderer) init() {
	o.initOnce.Do(func() {
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			fd = -1
		}
		o.epfd = fd
		o.anchor, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
		if err == nil {
			syscall.SetsockoptInt(o.anchor, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
		} else {
			o.anchor = -1
		}
		o.byFd = map[int32]*conn{}
		o.flight = map[*conn]struct{}{}
	})
}

// close releases the epoll set when the server stops.
func (o *orderer) close() {
	o.init()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.epfd >= 0 {
		syscall.Close(o.epfd)
		o.epfd = -1
	}
	if o.anchor >= 0 {
		syscall.Close(o.anchor)
		o.anchor = -1
	}
}

// attach makes a TCP client's reads go through the ordering.
func (o *orderer) attach(c *conn) {
	c.ord.fd = -1
	tcp, ok := c.nc.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return
	}
	o.init()
	var fd int
	raw.Control(func(f uintptr) { fd = int(f) })
	// Receive times are only taken of packets that arrive after this.
	if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1) != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.epfd < 0 {
		return
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}
	if syscall.EpollCtl(o.epfd, syscall.EPOLL_CTL_ADD, fd, &ev) != nil {
		return
	}
	c.ord.fd = int32(fd)
	c.ord.oob = make([]byte, syscall.CmsgSpace(16))
	o.byFd[int32(fd)] = c
	c.rd.src = &stampedReader{c: c, tcp: tcp, raw: raw}
}

// detach forgets a client before its socket closes.
func (o *orderer) detach(c *conn) {
	if c.ord.fd < 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.byFd, c.ord.fd)
	delete(o.flight, c)
	if o.epfd >= 0 {
		syscall.EpollCtl(o.epfd, syscall.EPOLL_CTL_DEL, int(c.ord.fd), nil)
	}
	c.ord.fd = -1
}

func (o *orderer) heat() {
	o.hotUntil.Store(monoNow() + int64(orderHotSpan))
	if !o.hot.Load() {
		o.hot.Store(true)
	}
}

func (o *orderer) isHot() bool {
	if !o.hot.Load() {
		return false
	}
	if monoNow() > o.hotUntil.Load() {
		o.hot.Store(false)
		return false
	}
	return true
}

// receiving: a read is about to take bytes from the kernel.
func (o *orderer) receiving(c *conn) {
	o.mu.Lock()
	c.ord.recv.Store(true)
	o.flight[c] = struct{}{}
	o.mu.Unlock()
}

// received ends a read; ts is the kernel's receive time of the bytes it
// took, 0 if none.
func (o *orderer) received(c *conn, ts int64) {
	if ts != 0 && c.ord.pending.CompareAndSwap(0, ts) {
		c.ord.kind.Store(kindUnknown)
		c.ord.ignored.Store(false)
	}
	o.mu.Lock()
	c.ord.recv.Store(false)
	if c.ord.pending.Load() == 0 {
		delete(o.flight, c)
	}
	o.mu.Unlock()
}

// settle: the client goes back to its socket, so the commands it read
// have all run.
func (o *orderer) settle(c *conn) {
	o.mu.Lock()
	c.ord.pending.Store(0)
	delete(o.flight, c)
	o.mu.Unlock()
}

// warm reports whether ordering is on: before has work only while it is,
// or for a command that turns it on (FlagBlocking, a subscriber's).
func (o *orderer) warm() bool { return o.hot.Load() }

// before runs just before cmd runs for c: an ordered command waits for
// older bytes of other clients that may hold ordered commands.
func (o *orderer) before(c *conn, cmd *registry.Cmd) {
	// A subscriber's commands race with other clients' PUBLISH just as a
	// blocking command races with the write that ends it.
	if cmd.Spec.Flags.Has(core.FlagBlocking) || c.client.Subscribed() {
		o.heat()
	}
	if !o.hot.Load() {
		return
	}
	ts := c.ord.pending.Load()
	if ts == 0 {
		return
	}
	if !ordered(cmd) {
		c.ord.kind.Store(kindPlain)
		return
	}
	c.ord.kind.Store(kindOrdered)
	deadline := monoNow() + int64(orderMaxWait)
	for i := 0; ; i++ {
		y := o.olderWaiting(c, ts)
		if y == nil {
			return
		}
		if monoNow() > deadline {
			y.ord.ignored.Store(true)
			return
		}
		if i < 20 {
			runtime.Gosched()
		} else {
			// Let the runtime poll the network: the older client may
			// not have been woken yet.
			time.Sleep(20 * time.Microsecond)
		}
	}
}

// olderWaiting returns another client that holds bytes received before ts
// that may be an ordered command, not yet run, or nil. Bytes move from the
// kernel to a read in progress to the flight set, staying visible in one
// of them until their commands ran; the kernel is looked at first and the
// flight set after, so that bytes moving meanwhile are seen in one or the
// other.
func (o *orderer) olderWaiting(c *conn, ts int64) *conn {
	o.mu.Lock()
	epfd := o.epfd
	o.mu.Unlock()
	if epfd >= 0 {
		var evs [64]syscall.EpollEvent
		n, _ := syscall.EpollWait(epfd, evs[:], 0)
		for _, ev := range evs[:max(n, 0)] {
			o.mu.Lock()
			y := o.byFd[ev.Fd]
			o.mu.Unlock()
			if y == nil || y == c || y.ord.ignored.Load() || y.blocked.Load() || y.ord.pending.Load() != 0 {
				continue
			}
			if pts, name := peekRequest(int(ev.Fd)); pts != 0 && pts < ts && o.orderedName(c, name) {
				return y
			}
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for y := range o.flight {
		if y == c || y.blocked.Load() || y.ord.ignored.Load() {
			continue
		}
		if y.ord.recv.Load() {
			return y // a read in progress: its time is not known yet
		}
		if p := y.ord.pending.Load(); p != 0 && p < ts && y.ord.kind.Load() != kindPlain {
			return y
		}
	}
	return nil
}

// orderedName reports whether the command named name is one that others
// wait for.
func (o *orderer) orderedName(c *conn, name []byte) bool {
	if len(name) == 0 {
		return false
	}
	cmd := c.srv.reg.Lookup(name)
	return cmd != nil && ordered(cmd)
}

// ordered reports whether cmd keeps its place among other clients'
// commands: it may block or it is not read-only (EXEC after WATCH, a
// write another client's command must see).
func ordered(cmd *registry.Cmd) bool {
	f := cmd.Spec.Flags
	return f.Has(core.FlagBlocking) || !f.Has(core.FlagReadOnly)
}

// peekRequest returns the receive time of the bytes waiting on fd and the
// name of the command they start with, without consuming them.
func peekRequest(fd int) (int64, []byte) {
	var buf [128]byte
	var oob [64]byte
	n, oobn, _, _, err := syscall.Recvmsg(fd, buf[:], oob[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	if err != nil || n <= 0 {
		return 0, nil
	}
	return stampOf(oob[:oobn]), requestName(buf[:n])
}

// stampOf finds the SCM_TIMESTAMPNS receive time in control data.
func stampOf(oob []byte) int64 {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(syscall.Timespec{})) {
			t := (*syscall.Timespec)(unsafe.Pointer(&m.Data[0]))
			return t.Nano()
		}
	}
	return 0
}

// stampedReader reads a TCP client: plainly while ordering is off, with
// the receive time while it is on.
type stampedReader struct {
	c   *conn
	tcp *net.TCPConn
	raw syscall.RawConn
}

func (r *stampedReader) Read(p []byte) (int, error) {
	c := r.c
	o := &c.srv.order
	if c.ord.pending.Load() != 0 {
		o.settle(c)
	}
	if !o.isHot() || len(p) == 0 {
		if c.rio != nil && len(p) > 0 {
			return c.rio.Read(p)
		}
		return r.tcp.Read(p)
	}
	var n, oobn int
	var err error
	rerr := r.raw.Read(func(fd uintptr) bool {
		o.receiving(c)
		n, oobn, _, _, err = syscall.Recvmsg(int(fd), p, c.ord.oob, 0)
		if err == syscall.EAGAIN {
			o.received(c, 0)
			return false
		}
		return true
	})
	if rerr != nil || err != nil || n <= 0 {
		o.received(c, 0)
		switch {
		case rerr != nil:
			return 0, rerr
		case err != nil:
			return 0, &net.OpError{Op: "read", Net: "tcp", Err: err}
		}
		return 0, io.EOF
	}
	o.received(c, stampOf(c.ord.oob[:oobn]))
	return n, nil
}
