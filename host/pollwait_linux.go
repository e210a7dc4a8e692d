package host

import (
	"net"
	"os"
	"reflect"
	"sync"
	"syscall"
	"unsafe"
)

// The runtime's poller waits for a socket in two steps that net only
// offers together: RawConn.Read resets the descriptor's readiness and then
// waits for it. A server that has just answered its client knows the
// next request cannot be there yet, so the read RawConn.Read makes before
// it waits fails (EAGAIN) after every batch: at -P 1 that is a third of
// the server's system calls. Waiting first without the reset keeps a
// readiness that arrived while the batch ran, so nothing is missed, and
// costs no system call when the request is already there.
//
// The wait is the runtime's own (internal/poll.runtime_pollWait, which
// every read of a net.Conn uses), reached by linkname. The descriptor it
// takes is the connection's poll.FD's, found once by reflection over
// net's types; if they are not shaped as expected (another Go release),
// pollCtxOf returns 0 and reads keep RawConn.Read's path.

//go:linkname runtimePollWait internal/poll.runtime_pollWait
func runtimePollWait(ctx uintptr, mode int) int

// The runtime's answers (runtime/netpoll.go).
const (
	pollNoError    = 0
	pollErrClosing = 1
	pollErrTimeout = 2
)

// pollPath holds the offsets from a *net.TCPConn to its poll descriptor:
// the *netFD in net.conn, then the poll.FD's runtimeCtx in the netFD.
var pollPath struct {
	once      sync.Once
	fdOff     uintptr // of conn.fd in TCPConn
	ctxOff    uintptr // of pfd.pd.runtimeCtx in netFD
	supported bool
}

func findPollPath() {
	tc := reflect.TypeOf(net.TCPConn{})
	c, ok := tc.FieldByName("conn")
	if !ok || c.Type.Kind() != reflect.Struct {
		return
	}
	fd, ok := c.Type.FieldByName("fd")
	if !ok || fd.Type.Kind() != reflect.Pointer || fd.Type.Elem().Kind() != reflect.Struct {
		return
	}
	netFD := fd.Type.Elem()
	pfd, ok := netFD.FieldByName("pfd")
	if !ok || pfd.Type.Kind() != reflect.Struct {
		return
	}
	pd, ok := pfd.Type.FieldByName("pd")
	if !ok || pd.Type.Kind() != reflect.Struct {
		return
	}
	rc, ok := pd.Type.FieldByName("runtimeCtx")
	if !ok || rc.Type.Kind() != reflect.Uintptr {
		return
	}
	pollPath.fdOff = c.Offset + fd.Offset
	pollPath.ctxOff = pfd.Offset + pd.Offset + rc.Offset
	pollPath.supported = true
}

// pollCtxOf returns the runtime poll descriptor of tcp's socket, 0 when it
// cannot be found. It is valid while the socket is open; it may only be
// waited on while a reference to the descriptor is held (inside
// RawConn.Control), so that a Close meanwhile wakes the wait instead of
// freeing the descriptor under it.
func pollCtxOf(tcp *net.TCPConn) uintptr {
	pollPath.once.Do(findPollPath)
	if !pollPath.supported || tcp == nil {
		return 0
	}
	fd := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(tcp), pollPath.fdOff))
	if fd == nil {
		return 0
	}
	return *(*uintptr)(unsafe.Add(fd, pollPath.ctxOff))
}

// pollError turns the runtime's answer into net's error for it.
func pollError(code int) error {
	switch code {
	case pollErrClosing:
		return net.ErrClosed
	case pollErrTimeout:
		return os.ErrDeadlineExceeded
	}
	return &net.OpError{Op: "read", Net: "tcp", Err: os.ErrInvalid}
}

// A short read proves that no bytes wait, not that the peer has not shut
// its side: the kernel takes a FIN that came with the last bytes (or
// right after them, before the poller looked) in the same readiness, and
// the read that gets those bytes gives no sign of it. A read that then
// waits first would wait for an edge that never comes, and the client
// (`printf 'PING\r\n' | nc -N`, a health check) would wait for the
// server to close: 12 of 300 such clients hung before this watch.
//
// hangups watches every raw socket for the peer's FIN (EPOLLRDHUP, edge
// triggered, in an epoll set of its own that the runtime's poller waits
// on: one wake-up per connection's life at most). When it comes, the
// watch shuts the socket's reading side: the peer has sent all it will,
// so this changes nothing that can be read (queued bytes are still
// returned), but it wakes the socket's waiters, so the wait returns and
// the next read finds the end of the stream.
var hangups struct {
	once sync.Once
	epfd int // -1: unavailable (reads then never wait first)
	mu   sync.Mutex
	// byFd holds the watched sockets; an event's generation must match
	// (a descriptor number is reused once its socket closes).
	byFd map[int32]*rawIO
	gen  uint32
}

func startHangups() {
	hangups.epfd = -1
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return
	}
	f := os.NewFile(uintptr(fd), "hangups")
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return
	}
	hangups.epfd = fd
	hangups.byFd = map[int32]*rawIO{}
	go watchHangups(f, raw)
}

// watchHangups runs for the life of the process: the set is shared by
// every server in it.
func watchHangups(f *os.File, raw syscall.RawConn) {
	events := make([]syscall.EpollEvent, 64)
	for {
		var n int
		err := raw.Read(func(fd uintptr) bool {
			var err error
			n, err = syscall.EpollWait(int(fd), events, 0)
			return err == nil && n > 0
		})
		if err != nil {
			f.Close()
			return
		}
		hangups.mu.Lock()
		for _, ev := range events[:n] {
			r := hangups.byFd[ev.Fd]
			if r == nil || r.hupGen != uint32(ev.Pad) {
				continue
			}
			// Once is enough (the shutdown's own wake-up would come
			// back here): the socket leaves the watch first.
			delete(hangups.byFd, ev.Fd)
			syscall.EpollCtl(hangups.epfd, syscall.EPOLL_CTL_DEL, int(ev.Fd), nil)
			r.hupFd = -1
			// Control holds a reference: the descriptor is this
			// socket's until it returns (release, which comes before
			// the socket's Close, waits for the lock held here).
			r.raw.Control(func(fd uintptr) { syscall.Shutdown(int(fd), syscall.SHUT_RD) })
		}
		hangups.mu.Unlock()
	}
}

// epollET is EPOLLET as the events word holds it: the syscall package
// defines it negative on some architectures and positive on others.
const epollET = 1 << 31

// watchHangup adds r's socket to the watch; it reports false when the
// watch is unavailable.
func (r *rawIO) watchHangup() bool {
	hangups.once.Do(startHangups)
	if hangups.epfd < 0 {
		return false
	}
	ok := false
	r.raw.Control(func(fd uintptr) {
		hangups.mu.Lock()
		defer hangups.mu.Unlock()
		hangups.gen++
		r.hupGen = hangups.gen
		ev := syscall.EpollEvent{Events: syscall.EPOLLRDHUP | epollET, Fd: int32(fd), Pad: int32(r.hupGen)}
		if syscall.EpollCtl(hangups.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev) == nil {
			r.hupFd = int32(fd)
			hangups.byFd[r.hupFd] = r
			ok = true
		}
	})
	return ok
}

// release ends the watch of r's socket; it must be called before the
// socket is closed, so that no event of the closed socket is applied to
// another that gets its number.
func (r *rawIO) release() {
	if r == nil || hangups.epfd < 0 {
		return
	}
	hangups.mu.Lock() // the watch may have ended it meanwhile (hupFd)
	if r.hupFd >= 0 && hangups.byFd[r.hupFd] == r {
		delete(hangups.byFd, r.hupFd)
		syscall.EpollCtl(hangups.epfd, syscall.EPOLL_CTL_DEL, int(r.hupFd), nil)
	}
	r.hupFd = -1
	hangups.mu.Unlock()
}
