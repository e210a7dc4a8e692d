package host

import (
	"net"
	"os"
	"reflect"
	"sync"
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
