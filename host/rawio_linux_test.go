package host

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		done <- c
	}()
	a, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b = <-done
	if b == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// A write larger than the socket's buffers completes through the poller's
// wait for room, and reads see every byte, then the end of the stream.
func TestRawIOLargeWriteAndEOF(t *testing.T) {
	a, b := tcpPair(t)
	wa, rb := newRawIO(a), newRawIO(b)
	if wa == nil || rb == nil {
		t.Fatal("no raw socket for a TCP connection")
	}
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	werr := make(chan error, 1)
	go func() {
		n, err := wa.Write(payload)
		if err == nil && n != len(payload) {
			err = io.ErrShortWrite
		}
		a.Close()
		werr <- err
	}()
	var got bytes.Buffer
	buf := make([]byte, 16<<10)
	for {
		n, err := rb.Read(buf)
		got.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if got.Len() < 1<<20 {
			time.Sleep(time.Millisecond) // a slow reader fills the writer's buffers
		}
	}
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got.Bytes(), payload) {
		t.Fatalf("read %d bytes, not the %d written", got.Len(), len(payload))
	}
}

// A read waiting for bytes returns the error of the socket's deadline, and
// a write to a socket whose peer is gone fails instead of hanging.
func TestRawIOErrors(t *testing.T) {
	a, b := tcpPair(t)
	ra := newRawIO(a)
	a.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := ra.Read(make([]byte, 10)); err == nil {
		t.Fatal("read past the deadline succeeded")
	}
	a.SetReadDeadline(time.Time{})
	b.Close()
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = ra.Write(make([]byte, 64<<10))
	}
	if err == nil {
		t.Fatal("writes to a closed peer kept succeeding")
	}
}

// A read waiting on a socket (a blocked client's watcher) and writes to
// it at the same time do not share state.
func TestRawIOReadWhileWriting(t *testing.T) {
	a, b := tcpPair(t)
	ra := newRawIO(a)
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 16)
		n, _ := ra.Read(buf)
		got <- string(buf[:n])
	}()
	for i := 0; i < 100; i++ {
		if _, err := ra.Write([]byte("+PONG\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	b.Write([]byte("PING\r\n"))
	if s := <-got; s != "PING\r\n" {
		t.Fatalf("read %q", s)
	}
}

// The poll descriptor of a TCP connection is found on this Go release:
// without it reads quietly fall back to RawConn.Read and its extra system
// call, so a Go upgrade that moves net's fields must fail here.
func TestRawIOFindsPollDescriptor(t *testing.T) {
	a, _ := tcpPair(t)
	if r := newRawIO(a); r == nil || r.pd == 0 {
		t.Fatal("the runtime poll descriptor of a TCP connection was not found")
	}
}

// Reads that wait on the poller first lose nothing: bytes that arrive
// between two reads (while a batch runs), after a read that filled the
// buffer (more may wait in the socket with no new readiness), and after a
// read that found the socket empty.
func TestRawIOWaitFirstReads(t *testing.T) {
	a, b := tcpPair(t)
	r := newRawIO(a)
	buf := make([]byte, 8)
	read := func(want string) {
		t.Helper()
		n, err := r.Read(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("read %q, %v; want %q", buf[:n], err, want)
		}
	}
	b.Write([]byte("ab"))
	read("ab") // short: the socket is drained, the next read waits first
	b.Write([]byte("cd"))
	for queued(t, a) < 2 { // arrived before the next read starts
		time.Sleep(time.Millisecond)
	}
	read("cd")
	b.Write([]byte("0123456789"))
	for queued(t, a) < 10 {
		time.Sleep(time.Millisecond)
	}
	read("01234567") // full: more may be waiting, no wait before the next
	read("89")
	go func() {
		time.Sleep(20 * time.Millisecond)
		b.Write([]byte("late"))
	}()
	read("late")               // a real wait
	for i := 0; i < 200; i++ { // back and forth as a client at -P 1
		b.Write([]byte("x"))
		read("x")
	}
}

// A client that shuts its side right after its request (a health check,
// `printf 'PING\r\n' | nc -N`) gets its reply and then the end of the
// stream, and leaves no connection behind: its FIN often comes in the same
// readiness as its bytes, which a read that waits first would never see
// again (hangups).
func TestHalfClosedClientsAreServedAndClosed(t *testing.T) {
	_, addr := startTestServer(t)
	for i := 0; i < 200; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("PING\r\nECHO abc\r\n"))
		c.(*net.TCPConn).CloseWrite()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil || string(got) != "+PONG\r\n$3\r\nabc\r\n" {
			t.Fatalf("client %d: got %q, %v; want both replies, then the end of the stream", i, got, err)
		}
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 4096)
	for deadline := time.Now().Add(10 * time.Second); ; {
		c.Write([]byte("INFO clients\r\n"))
		n, _ := c.Read(buf)
		if bytes.Contains(buf[:n], []byte("connected_clients:1\r\n")) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections left behind: %s", buf[:n])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// queued returns how many bytes wait in c's receive queue.
func queued(t *testing.T, c net.Conn) int {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	raw.Control(func(fd uintptr) {
		syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	})
	return int(n)
}

// A read waiting first is woken by a Close (net.ErrClosed) and by a read
// deadline already passed (os.ErrDeadlineExceeded, as a blocked client's
// watcher is stopped), and reads again once the deadline is cleared.
func TestRawIOWaitEnds(t *testing.T) {
	a, b := tcpPair(t)
	r := newRawIO(a)
	buf := make([]byte, 8)
	b.Write([]byte("a"))
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := r.Read(buf)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	a.SetReadDeadline(time.Unix(1, 0))
	if err := <-errc; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read woken by a past deadline: %v", err)
	}
	a.SetReadDeadline(time.Time{})
	b.Write([]byte("b"))
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "b" {
		t.Fatalf("read after the deadline was cleared: %q, %v", buf[:n], err)
	}
	go func() {
		_, err := r.Read(buf)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	a.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read woken by Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake the waiting read")
	}
}

// BenchmarkRawIOWrite writes a short reply to a loopback socket whose peer
// reads everything: a write that does not wait. user-ns/op is the user
// space's share (the process's, the reading peer's included), which the
// system call's own cost does not blur.
func BenchmarkRawIOWrite(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(io.Discard, c)
		c.Close()
	}()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	w := newRawIO(a)
	reply := []byte("$16\r\nxxxxxxxxxxxxxxxx\r\n")
	b.ReportAllocs()
	self0, _ := cpuTimes()
	for b.Loop() {
		if _, err := w.Write(reply); err != nil {
			b.Fatal(err)
		}
	}
	self1, _ := cpuTimes()
	b.ReportMetric(float64(self1.user-self0.user)/float64(b.N), "user-ns/op")
}
