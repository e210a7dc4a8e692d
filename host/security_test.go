package host_test

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/resp"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// remoteListener makes accepted connections report another host's address,
// to test protected mode without a second machine.
type remoteListener struct {
	net.Listener
	addr net.Addr
}

func (l remoteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return remoteConn{c, l.addr}, nil
}

type remoteConn struct {
	net.Conn
	addr net.Addr
}

func (c remoteConn) RemoteAddr() net.Addr { return c.addr }

func serveRemote(t *testing.T, cfg host.Config) string {
	t.Helper()
	srv, err := host.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetLogger(hclog.NewNullLogger())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(remoteListener{ln, &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 5555}})
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func readUntilClose(t *testing.T, addr string, send string) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if send != "" {
		nc.Write([]byte(send))
	}
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("connection was not closed: %v (read %q)", err, b)
	}
	return string(b)
}

func testConfig() host.Config {
	cfg := host.DefaultConfig()
	cfg.DBFilename, cfg.Save, cfg.Port = "", nil, 0
	return cfg
}

func TestProtectedMode(t *testing.T) {
	got := readUntilClose(t, serveRemote(t, testConfig()), "")
	if !strings.HasPrefix(got, "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user.") ||
		!strings.HasSuffix(got, "from the outside.\r\n") || strings.Count(got, "\r\n") != 1 {
		t.Errorf("protected mode reply: %q", got)
	}
	// With a password, or with protected mode off, remote clients are served.
	cfg := testConfig()
	cfg.RequirePass = "pw"
	c, err := resp.Dial(serveRemote(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r, err := c.Do("AUTH", "pw"); err != nil || r.Raw != "+OK\r\n" {
		t.Fatalf("AUTH: %q %v", r.Raw, err)
	}
	cfg = testConfig()
	cfg.ProtectedMode = false
	c2, err := resp.Dial(serveRemote(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if r, err := c2.Do("PING"); err != nil || r.Raw != "+PONG\r\n" {
		t.Fatalf("PING: %q %v", r.Raw, err)
	}
	// Loopback clients are always served.
	srv := redmodtest.Run(t)
	c3, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if r, err := c3.Do("PING"); err != nil || r.Raw != "+PONG\r\n" {
		t.Fatalf("PING: %q %v", r.Raw, err)
	}
}

func TestMaxClients(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.MaxClients = 2 }))
	var held []*resp.Conn
	for i := 0; i < 2; i++ {
		c, err := resp.Dial(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if r, err := c.Do("PING"); err != nil || r.Raw != "+PONG\r\n" {
			t.Fatal(r.Raw, err)
		}
		held = append(held, c)
	}
	if got := readUntilClose(t, srv.Addr(), ""); got != "-ERR max number of clients reached\r\n" {
		t.Errorf("third client got %q", got)
	}
	held[0].Close()
	time.Sleep(100 * time.Millisecond)
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r, err := c.Do("PING"); err != nil || r.Raw != "+PONG\r\n" {
		t.Errorf("after a client left: %q %v", r.Raw, err)
	}
}

func TestIdleTimeout(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.Timeout = time.Second }))
	idle, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	busy, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	deadline := time.Now().Add(4 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := busy.Do("PING"); err != nil || r.Raw != "+PONG\r\n" {
			t.Fatalf("an active client was closed: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := idle.ReadTimeout(time.Second); err == nil || !isClosed(err) {
		t.Errorf("idle client still open: %v", err)
	}
}

func isClosed(err error) bool {
	return err == io.EOF || strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "EOF")
}

// TestCrossProtocol checks that HTTP sent to the port closes the connection
// without a reply, dropping the replies still pending in the same pipeline
// and running nothing after it.
func TestCrossProtocol(t *testing.T) {
	srv := redmodtest.Run(t)
	for _, req := range []string{
		"SET a 1\r\nPOST / HTTP/1.1\r\nSET b 2\r\n",
		"SET a 1\r\nGET / HTTP/1.1\r\nHost: example.com\r\nSET b 2\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*1\r\n$4\r\npost\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n",
	} {
		// In the second request GET / HTTP/1.1 gets an arity error, which
		// Host: drops with the rest.
		if got := readUntilClose(t, srv.Addr(), req); got != "" {
			t.Errorf("%q: got %q, want no reply", req, got)
		}
		c, _ := resp.Dial(srv.Addr())
		if r, _ := c.Do("EXISTS", "b"); r.Raw != ":0\r\n" {
			t.Errorf("%q: the command after the HTTP line ran", req)
		}
		if r, _ := c.Do("GET", "a"); r.Raw != "$1\r\n1\r\n" {
			t.Errorf("%q: the command before the HTTP line did not run: %q", req, r.Raw)
		}
		c.Do("DEL", "a")
		c.Close()
	}
}

// TestQuitStopsPipeline checks that nothing after QUIT runs.
func TestQuitStopsPipeline(t *testing.T) {
	srv := redmodtest.Run(t)
	got := readUntilClose(t, srv.Addr(), "PING\r\nQUIT\r\nSET x 1\r\n")
	if got != "+PONG\r\n+OK\r\n" {
		t.Errorf("got %q", got)
	}
	c, _ := resp.Dial(srv.Addr())
	defer c.Close()
	if r, _ := c.Do("EXISTS", "x"); r.Raw != ":0\r\n" {
		t.Error("the command after QUIT ran")
	}
}

// TestLimitsApplyToConnectedClients checks that CONFIG SET of
// proto-max-bulk-len and client-query-buffer-limit applies to clients that
// are already connected.
func TestLimitsApplyToConnectedClients(t *testing.T) {
	srv := redmodtest.Run(t)
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	admin, _ := resp.Dial(srv.Addr())
	defer admin.Close()
	if r, _ := admin.Do("CONFIG", "SET", "proto-max-bulk-len", "1mb"); r.Raw != "+OK\r\n" {
		t.Fatal(r.Raw)
	}
	c.Write([]byte("*2\r\n$4\r\nECHO\r\n$1048577\r\n"))
	if r, err := c.Read(); err != nil || r.Raw != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Fatalf("got %q %v", r.Raw, err)
	}
	c2, _ := resp.Dial(srv.Addr())
	defer c2.Close()
	admin.Do("CONFIG", "SET", "client-query-buffer-limit", "1mb")
	// An unfinished 2 MB argument (within proto-max-bulk-len after this
	// change) overflows the 1 MB query buffer: closed without a reply.
	admin.Do("CONFIG", "SET", "proto-max-bulk-len", "4mb")
	c2.Write([]byte("*2\r\n$4\r\nECHO\r\n$2000000\r\n"))
	c2.Write(bytes.Repeat([]byte("x"), 1100000))
	if r, err := c2.ReadTimeout(5 * time.Second); err == nil {
		t.Errorf("query buffer over the limit: got %q, want a close", r.Raw)
	}
}

func TestOutputBufferLimit(t *testing.T) {
	srv := redmodtest.Run(t)
	c, _ := resp.Dial(srv.Addr())
	defer c.Close()
	if r, _ := c.Do("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0"); r.Raw != "+OK\r\n" {
		t.Fatal(r.Raw)
	}
	if r, _ := c.Do("CONFIG", "GET", "client-output-buffer-limit"); !strings.Contains(r.Raw, "normal 1048576 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60") {
		t.Errorf("CONFIG GET: %q", r.Raw)
	}
	if r, _ := c.Do("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0"); !strings.HasPrefix(r.Raw, "-ERR CONFIG SET failed") {
		t.Errorf("bad syntax accepted: %q", r.Raw)
	}
	c.Do("SET", "small", strings.Repeat("s", 500_000))
	c.Do("SET", "big", strings.Repeat("b", 2_000_000))
	if r, err := c.Do("GET", "small"); err != nil || len(r.Str) != 500_000 {
		t.Fatalf("a reply under the limit: %v", err)
	}
	if r, err := c.Do("GET", "big"); err == nil {
		t.Errorf("a reply over the hard limit was sent (%d bytes)", len(r.Raw))
	}
}

// TestNonReadingClientHoldsNoLock has a client pipeline big replies without
// ever reading them: its goroutine blocks writing, and others keep using the
// same key, because replies are written after the locks are released.
func TestNonReadingClientHoldsNoLock(t *testing.T) {
	srv := redmodtest.Run(t)
	c, _ := resp.Dial(srv.Addr())
	defer c.Close()
	c.Do("SET", "k", strings.Repeat("v", 1<<20))
	hog, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer hog.Close()
	go func() {
		req := resp.Encode("GET", "k")
		for i := 0; i < 200; i++ {
			if _, err := hog.Write(req); err != nil {
				return
			}
		}
	}()
	time.Sleep(300 * time.Millisecond) // let the hog fill its socket buffers
	start := time.Now()
	for i := 0; i < 50; i++ {
		if r, err := c.Do("APPEND", "k", "x"); err != nil || r.Kind != ':' {
			t.Fatalf("APPEND: %v %v", r, err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("50 APPENDs on the key took %v while a client did not read", d)
	}
}

// TestSlowWriterCostsOnlyItsGoroutine sends a command a byte at a time
// while another client is served normally.
func TestSlowWriterCostsOnlyItsGoroutine(t *testing.T) {
	srv := redmodtest.Run(t)
	slow, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, b := range []byte("SET slow 1\r\n") {
			slow.Write([]byte{b})
			time.Sleep(50 * time.Millisecond)
		}
	}()
	c, _ := resp.Dial(srv.Addr())
	defer c.Close()
	start := time.Now()
	for i := 0; i < 200; i++ {
		if r, err := c.Do("PING"); err != nil || r.Raw != "+PONG\r\n" {
			t.Fatal(r, err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("200 PINGs took %v next to a slow writer", d)
	}
	<-done
	slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 16)
	n, _ := slow.Read(buf)
	if string(buf[:n]) != "+OK\r\n" {
		t.Errorf("slow writer got %q", buf[:n])
	}
}
