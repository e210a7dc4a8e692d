package host

import (
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// rawIO reads and writes a TCP client's socket with system calls that skip
// the Go scheduler's bookkeeping for calls that may block (RawSyscall).
// The socket is non-blocking, so neither call waits: when the kernel has
// nothing to read or no room to write, the callback returns false and the
// runtime's poller waits, as for a plain net.Conn. A call made through the
// plain path marks the thread as in a system call; the runtime's monitor
// then hands the processor to another thread whenever the call outlasts
// its 20 µs tick (a write that wakes the reading client can), which under
// -P 16 load meant thread switches on every few batches.
type rawIO struct {
	raw syscall.RawConn
	// A read and a write may run at once (a blocked client's socket is
	// read by a watcher): each has its own state.
	rd, wr  rawCall
	readFn  func(fd uintptr) bool // made once: a method value allocates
	writeFn func(fd uintptr) bool
	tryFn   func(fd uintptr)
	waitFn  func(fd uintptr)
	// pd is the socket's runtime poll descriptor (pollwait_linux.go), 0
	// when it could not be found: reads then go through RawConn.Read.
	pd uintptr
	// drained is set when the last read left the socket empty (it got
	// less than it asked for, or nothing): the next read waits first.
	drained bool
	// hupFd and hupGen identify the socket in the watch for the peer's
	// FIN (hangups), which waiting first needs; hupFd is -1 when not
	// watched.
	hupFd  int32
	hupGen uint32
	// pending, when set, holds the bytes of a write that waits for room
	// in the socket (conn.pendingOut, the clients' part of used memory);
	// a write that does not wait leaves it alone.
	pending *atomic.Int64
}

// rawCall is one direction's call in progress.
type rawCall struct {
	p     []byte
	n     int
	errno syscall.Errno
	code  int // the poller's answer to a wait (waitRead)
}

// newRawIO returns nil for connections that are not plain TCP (TLS, Unix
// sockets keep the runtime's path).
func newRawIO(nc net.Conn) *rawIO {
	tcp, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawIO{raw: raw, hupFd: -1}
	r.readFn, r.writeFn, r.tryFn, r.waitFn = r.readOnce, r.writeOnce, r.tryWrite, r.waitRead
	// Reads wait first only where the peer's FIN is watched for.
	if pd := pollCtxOf(tcp); pd != 0 && r.watchHangup() {
		r.pd = pd
	}
	return r
}

func (r *rawIO) readOnce(fd uintptr) bool {
	c := &r.rd
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&c.p[0])), uintptr(len(c.p)))
		switch e {
		case 0:
			c.n = int(n)
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.errno = e
		return true
	}
}

func (r *rawIO) writeOnce(fd uintptr) bool {
	c := &r.wr
	for len(c.p) > 0 {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&c.p[0])), uintptr(len(c.p)))
		switch e {
		case 0:
			c.n += int(n)
			c.p = c.p[n:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			c.errno = e
			return true
		}
	}
	return true
}

// Read reads into p (not empty), as net.Conn's Read.
//
// Redis reads a socket once epoll says it is readable; a read through
// RawConn.Read is made before the wait instead, and after a batch's
// replies it finds nothing (EAGAIN) nearly always: the client sends its
// next request once it has them. RawConn.Read cannot skip that read. The
// runtime's poller is edge-triggered and RawConn.Read resets the
// descriptor's readiness before its callback runs, so only a read made
// after that reset can tell that nothing arrived since. So where the
// socket's poll descriptor is known (pollwait_linux.go), a read that
// follows one which drained the socket waits first, on the runtime's
// poller, without the reset: a readiness that arrived while the batch ran
// is kept and the wait returns at once; a stale one (bytes that arrived
// during the last read, which took them) costs one read that finds
// nothing, and the wait after it is a real one. A short read proves the
// socket was drained (TCP copies all it holds, up to the length asked);
// any byte arriving after it marks the descriptor ready again.
//
// Reads of one socket never run at once (the client's goroutine, or the
// watcher of its blocked command while the goroutine waits): the
// runtime allows one waiter per direction.
func (r *rawIO) Read(p []byte) (int, error) {
	r.rd = rawCall{p: p}
	var err error
	if r.pd != 0 {
		err = r.raw.Control(r.waitFn)
		if err == nil && r.rd.code != pollNoError {
			err = pollError(r.rd.code)
		}
	} else {
		err = r.raw.Read(r.readFn)
	}
	n, e := r.rd.n, r.rd.errno
	r.rd.p = nil
	if err != nil {
		return 0, err
	}
	if e != 0 {
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", e)}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// waitRead is Read's callback where the poll descriptor is known. It runs
// under Control, which holds a reference to the descriptor: a Close
// meanwhile wakes the wait (pollErrClosing) and releases the descriptor
// only once this returns.
func (r *rawIO) waitRead(fd uintptr) {
	for {
		if r.drained {
			if code := runtimePollWait(r.pd, 'r'); code != pollNoError {
				r.rd.code = code
				return
			}
		}
		if r.readOnce(fd) {
			r.drained = r.rd.n < len(r.rd.p)
			return
		}
		r.drained = true // EAGAIN
	}
}

// tryWrite is writeOnce as a Control callback.
func (r *rawIO) tryWrite(fd uintptr) { r.writeOnce(fd) }

// Write writes all of p unless the connection fails.
//
// A reply almost always fits in the socket's buffer, so the write is first
// tried under Control, which only holds a reference to the descriptor (a
// Close meanwhile cannot release its number to another connection until
// the callback returns): RawConn.Write would also take the descriptor's
// write lock and reset its poll state, which a write that does not wait
// needs neither of. Only a write that finds the buffer full (EAGAIN) goes
// on through RawConn.Write, which resets the poll state before it tries
// again and then waits for room, so no wake-up is lost, and which applies
// the write deadline (the soft output limit's) while it waits. A deadline
// already passed is not looked at by the first try; none is ever set
// before the write it bounds (checkOutputLimit). Writes to one socket
// never run at once (outbox: the client's goroutine or its writer).
func (r *rawIO) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.wr = rawCall{p: p}
	err := r.raw.Control(r.tryFn)
	if err == nil && r.wr.errno == 0 && len(r.wr.p) > 0 {
		if r.pending != nil {
			r.pending.Store(int64(len(r.wr.p)))
		}
		err = r.raw.Write(r.writeFn)
		if r.pending != nil {
			r.pending.Store(0)
		}
	}
	n, e := r.wr.n, r.wr.errno
	r.wr.p = nil
	if err != nil {
		return n, err
	}
	if e != 0 {
		return n, &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", e)}
	}
	return n, nil
}
