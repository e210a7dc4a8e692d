package host

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
)

// chunkReader hands out its chunks one Read at a time, as a network
// connection delivering them in separate packets would.
type chunkReader struct{ chunks [][]byte }

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.chunks) > 0 && len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	return n, nil
}

func testLimits() *limits {
	var l limits
	c := DefaultConfig()
	l.set(&c)
	return &l
}

// readAllCommands reads commands until the input ends or an error, and
// returns each command's arguments joined by "|", and the error: nil when
// the input simply ended.
func readAllCommands(chunks [][]byte, lim *limits, authRequired bool) ([]string, error) {
	rd := newRequestReader(&chunkReader{chunks: chunks}, lim)
	if authRequired {
		rd.authRequired = func() bool { return true }
	}
	var cmds []string
	for {
		args, err := rd.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return cmds, err
		}
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = string(a)
		}
		cmds = append(cmds, strings.Join(parts, "|"))
	}
}

type readerCase struct {
	name string
	in   string
	cmds []string // commands read before the end or the error
	err  string   // protocol error message; "" when the input just ends
	// auth makes the client unauthenticated while a password is set.
	auth bool
	// noDiff skips the comparison with Redis (inputs that leave the
	// connection waiting, or too large to send byte by byte).
	noDiff bool
}

var big = strings.Repeat("x", 64*1024+1)

var readerCases = []readerCase{
	{name: "ping", in: "*1\r\n$4\r\nPING\r\n", cmds: []string{"PING"}},
	{name: "echo binary", in: "*2\r\n$4\r\nECHO\r\n$5\r\na\r\n\x00b\r\n", cmds: []string{"ECHO|a\r\n\x00b"}},
	{name: "empty bulk", in: "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", cmds: []string{"ECHO|"}},
	{name: "bulk crlf not checked", in: "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", cmds: []string{"PING", "PING"}},
	{name: "count lf not checked", in: "*1\rx$4\r\nPING\r\n", cmds: []string{"PING"}},
	{name: "star zero", in: "*0\r\n*-1\r\n*-10\r\nPING\r\n", cmds: []string{"PING"}},
	{name: "bad count letters", in: "*abc\r\n", err: "invalid multibulk length"},
	{name: "bad count empty", in: "*\r\n", err: "invalid multibulk length"},
	{name: "bad count plus", in: "*+1\r\n", err: "invalid multibulk length"},
	{name: "bad count leading zero", in: "*01\r\n", err: "invalid multibulk length"},
	{name: "bad count minus zero", in: "*-0\r\n", err: "invalid multibulk length"},
	{name: "count over int max", in: "*2147483648\r\n", err: "invalid multibulk length"},
	{name: "count ten digits", in: "*9999999999\r\n", err: "invalid multibulk length"},
	{name: "bulk ten digits", in: "*1\r\n$9999999999\r\n", err: "invalid bulk length"},
	{name: "count int64 max", in: "*9223372036854775807\r\n", err: "invalid multibulk length"},
	{name: "count overflow", in: "*99999999999999999999\r\n", err: "invalid multibulk length"},
	{name: "count space", in: "*1 \r\n", err: "invalid multibulk length"},
	{name: "expected dollar", in: "*1\r\n+PING\r\n", err: "expected '$', got '+'"},
	{name: "expected dollar cr", in: "*1\r\n\r\n", err: "expected '$', got '\r'"},
	{name: "bulk minus one", in: "*1\r\n$-1\r\n", err: "invalid bulk length"},
	{name: "bulk letters", in: "*1\r\n$abc\r\n", err: "invalid bulk length"},
	{name: "bulk plus", in: "*1\r\n$+4\r\nPING\r\n", err: "invalid bulk length"},
	{name: "bulk leading zero", in: "*1\r\n$04\r\nPING\r\n", err: "invalid bulk length"},
	{name: "bulk over max", in: "*1\r\n$536870913\r\n", err: "invalid bulk length"},
	{name: "bulk int64 max", in: "*1\r\n$9223372036854775807\r\nabc", err: "invalid bulk length"},
	{name: "bulk empty", in: "*1\r\n$\r\n", err: "invalid bulk length"},
	{name: "second bulk bad", in: "*2\r\n$4\r\nECHO\r\n$x\r\n", err: "invalid bulk length"},
	{name: "bulk at max waits", in: "*1\r\n$536870912\r\nabc", noDiff: true},
	{name: "huge count waits", in: "*2147483647\r\n$4\r\nPING\r\n", noDiff: true},
	{name: "nul before cr waits", in: "*1\r\n\x00$4\r\nPING\r\n", noDiff: true},
	{name: "inline", in: "PING\r\n", cmds: []string{"PING"}},
	{name: "inline lf only", in: "PING\nECHO a\n", cmds: []string{"PING", "ECHO|a"}},
	{name: "inline blank lines", in: "\r\n\n  \r\n\t\r\nPING\r\n", cmds: []string{"PING"}},
	{name: "inline tabs", in: "\t ECHO\tx\x0by \r\n", cmds: []string{"ECHO|x\x0by"}},
	{name: "inline double quotes", in: "ECHO \"a\\tb\\x41\\n\\\"q\\\"\"\r\n", cmds: []string{"ECHO|a\tbA\n\"q\""}},
	{name: "inline bad hex", in: "ECHO \"\\xzz\\q\"\r\n", cmds: []string{"ECHO|xzzq"}},
	{name: "inline single quotes", in: "ECHO 'it\\'s \"x\"'\r\n", cmds: []string{"ECHO|it's \"x\""}},
	{name: "inline empty quotes", in: "ECHO \"\" ''\r\n", cmds: []string{"ECHO||"}},
	{name: "inline unbalanced double", in: "SET k \"abc\r\n", err: "unbalanced quotes in request"},
	{name: "inline unbalanced single", in: "SET k 'abc\r\n", err: "unbalanced quotes in request"},
	{name: "inline quote then text", in: "ECHO \"a\"b\r\n", err: "unbalanced quotes in request"},
	{name: "inline nul waits", in: "PI\x00NG\r\nPING\r\n", noDiff: true},
	{name: "inline too big", in: big, err: "too big inline request"},
	{name: "inline just fits", in: big[:64*1024-2] + "\r\n", noDiff: true, cmds: []string{big[:64*1024-2]}},
	{name: "count line too big", in: "*" + big, err: "too big mbulk count string"},
	{name: "bulk line too big", in: "*1\r\n$" + big, err: "too big bulk count string"},
	{name: "unauthenticated count", in: "*11\r\n", auth: true, err: "unauthenticated multibulk length", noDiff: true},
	{name: "unauthenticated bulk", in: "*1\r\n$16385\r\n", auth: true, err: "unauthenticated bulk length", noDiff: true},
	{name: "unauthenticated within", in: "*10\r\n", auth: true, noDiff: true},
}

func splits(in string) map[string][][]byte {
	out := map[string][][]byte{"whole": {[]byte(in)}}
	if len(in) <= 256 {
		var bytewise [][]byte
		for i := 0; i < len(in); i++ {
			bytewise = append(bytewise, []byte{in[i]})
		}
		out["bytewise"] = bytewise
		for i := 1; i < len(in); i++ {
			out["split "+itoaTest(i)] = [][]byte{[]byte(in[:i]), []byte(in[i:])}
		}
	} else {
		for _, i := range []int{1, len(in) / 2, len(in) - 1} {
			out["split "+itoaTest(i)] = [][]byte{[]byte(in[:i]), []byte(in[i:])}
		}
	}
	return out
}

func itoaTest(i int) string { return itoa(int64(i)) }

// TestReaderCases feeds every case whole, byte by byte, and split at every
// position, and expects the same commands and the same error each time.
func TestReaderCases(t *testing.T) {
	lim := testLimits()
	for _, tc := range readerCases {
		for mode, chunks := range splits(tc.in) {
			cmds, err := readAllCommands(chunks, lim, tc.auth)
			gotErr := ""
			if err != nil {
				var pe *protocolError
				if !errors.As(err, &pe) {
					t.Errorf("%s (%s): unexpected error %v", tc.name, mode, err)
					continue
				}
				gotErr = pe.msg
			}
			if gotErr != tc.err || strings.Join(cmds, ",") != strings.Join(tc.cmds, ",") {
				t.Errorf("%s (%s): got %q, error %q; want %q, error %q", tc.name, mode, cmds, gotErr, tc.cmds, tc.err)
			}
		}
	}
}

// TestReaderNoReservation checks that a declared length reserves nothing:
// a client announcing a 512 MB argument and sending three bytes costs a
// normal buffer.
func TestReaderNoReservation(t *testing.T) {
	rd := newRequestReader(&chunkReader{chunks: [][]byte{[]byte("*1\r\n$536870912\r\nabc")}}, testLimits())
	if _, err := rd.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("got %v", err)
	}
	if cap(rd.buf) > 4*readChunk {
		t.Errorf("buffer grew to %d bytes for 3 bytes of data", cap(rd.buf))
	}
	rd = newRequestReader(&chunkReader{chunks: [][]byte{[]byte("*2147483647\r\n")}}, testLimits())
	if _, err := rd.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("got %v", err)
	}
	if cap(rd.args) > 16 || cap(rd.spans) > 16 {
		t.Errorf("a declared count reserved %d/%d slots", cap(rd.args), cap(rd.spans))
	}
	// The queue of commands parsed ahead stays small however long the
	// pipeline.
	in := bytes.Repeat([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"), 10000)
	rd = newRequestReader(&chunkReader{chunks: [][]byte{in}}, testLimits())
	for {
		if _, err := rd.Next(); err != nil {
			break
		}
		if rd.Buffered() && !rd.Scanned() {
			rd.Ahead(func([][]byte) bool { return true })
		}
	}
	if cap(rd.queue) > queueMax || cap(rd.qspans) > queueSpansMax {
		t.Errorf("queue of %d commands, %d arguments", cap(rd.queue), cap(rd.qspans))
	}
}

// TestReaderQueryBufferLimit checks that an argument growing past
// client-query-buffer-limit ends the connection without a reply.
func TestReaderQueryBufferLimit(t *testing.T) {
	lim := testLimits()
	lim.maxQuery.Store(1 << 20)
	lim.maxBulk.Store(8 << 20)
	chunks := [][]byte{[]byte("*1\r\n$4000000\r\n")}
	for i := 0; i < 40; i++ {
		chunks = append(chunks, bytes.Repeat([]byte("x"), 64*1024))
	}
	if _, err := readAllCommands(chunks, lim, false); !errors.Is(err, errQueryBufferLimit) {
		t.Errorf("got %v, want the query buffer limit", err)
	}
}

// TestReaderDifferential sends each case to Redis and to redmod, whole and
// byte by byte, and compares everything received until the connection
// closes or stays quiet. Inline QUIT ends the cases that leave the
// connection open.
func TestReaderDifferential(t *testing.T) {
	ref := difftest.Redis(t)
	_, addr := startTestServer(t)
	for _, tc := range readerCases {
		if tc.noDiff {
			continue
		}
		in := tc.in
		if tc.err == "" {
			in += "\r\nQUIT\r\n"
		}
		modes := []bool{false}
		if len(in) < 200 {
			modes = append(modes, true)
		}
		for _, bytewise := range modes {
			ours := exchange(t, "tcp", addr, in, bytewise)
			theirs := exchange(t, "unix", ref, in, bytewise)
			if ours != theirs {
				t.Errorf("%s (bytewise %v):\n redmod: %q\n  redis: %q", tc.name, bytewise, ours, theirs)
			}
		}
	}
}

// exchange sends in and returns what comes back, ending with "<close>" when
// the server closed the connection.
func exchange(t *testing.T, network, addr, in string, bytewise bool) string {
	t.Helper()
	nc, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	go func() {
		if !bytewise {
			nc.Write([]byte(in))
			return
		}
		for i := 0; i < len(in); i++ {
			if _, err := nc.Write([]byte{in[i]}); err != nil {
				return
			}
		}
	}()
	var out []byte
	buf := make([]byte, 64*1024)
	for {
		nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := nc.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return string(out) + "<open>"
			}
			return string(out) + "<close>"
		}
	}
}

// startTestServer serves every standard module on a free loopback port.
func startTestServer(t *testing.T) (*Server, string) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DBFilename, cfg.Save, cfg.Port, cfg.LogLevel = "", nil, 0, "error"
	srv, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetLogger(hclog.NewNullLogger())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return srv, ln.Addr().String()
}

// bigMultibulk builds one request of n arguments of 5 bytes each.
func bigMultibulk(n int) []byte {
	var b bytes.Buffer
	b.WriteString("*" + strconv.Itoa(n+2) + "\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n")
	for i := 0; i < n; i++ {
		b.WriteString("$5\r\nvalue\r\n")
	}
	return b.Bytes()
}

// TestReaderLinear reads a 300,000-argument request and a pipeline of
// 300,000 inline commands delivered in 16 KB packets. The reader once
// searched all buffered input for a NUL byte for every line, which made
// both quadratic (a 1M-argument RPUSH took 10 to 40 s); linear, each takes
// milliseconds, far inside the bound even under the race detector.
func TestReaderLinear(t *testing.T) {
	const n = 300000
	inline := bytes.Repeat([]byte("PING\r\n"), n)
	for name, input := range map[string][]byte{"multibulk": bigMultibulk(n), "inline": inline} {
		var chunks [][]byte
		for len(input) > 0 {
			k := min(len(input), readChunk)
			chunks = append(chunks, input[:k])
			input = input[k:]
		}
		rd := newRequestReader(&chunkReader{chunks: chunks}, testLimits())
		start := time.Now()
		got := 0
		for {
			args, err := rd.Next()
			if err != nil {
				break
			}
			got += len(args)
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("%s: reading took %v", name, elapsed)
		}
		if want := map[string]int{"multibulk": n + 2, "inline": n}[name]; got != want {
			t.Errorf("%s: read %d arguments, want %d", name, got, want)
		}
	}
}

// BenchmarkReaderMultibulk reads a 100,000-argument request.
func BenchmarkReaderMultibulk(b *testing.B) {
	input := bigMultibulk(100000)
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		rd := newRequestReader(bytes.NewReader(input), testLimits())
		if _, err := rd.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// figuresReader is a chunkReader that records the reader's waiting
// figures at each Read, while the reader waits for it.
type figuresReader struct {
	chunkReader
	rd   *requestReader
	seen [][2]int64
}

func (r *figuresReader) Read(p []byte) (int, error) {
	if !r.rd.waiting.Load() {
		panic("read without waiting set")
	}
	held, argv := r.rd.Figures(true)
	r.seen = append(r.seen, [2]int64{held, argv})
	return r.chunkReader.Read(p)
}

// TestReaderFigures: CLIENT LIST's query buffer figures, which the reader
// stores only when they change: while it waits, the bytes left after the
// commands run (a partial command's) and no arguments; between reads, the
// batch's bytes and the running command's arguments.
func TestReaderFigures(t *testing.T) {
	src := &figuresReader{chunkReader: chunkReader{chunks: [][]byte{
		[]byte("*2\r\n$3\r\nGET\r\n$1\r\na\r\n"),
		[]byte("*2\r\n$3\r\nGET\r\n$1\r\nb\r\n*1\r\n$4\r\nPI"),
		[]byte("NG\r\n"),
		[]byte("*2\r\n$3\r\nGET\r\n$1\r\nc\r\n"),
	}}}
	rd := newRequestReader(src, testLimits())
	src.rd = rd
	var waiting atomic.Bool
	rd.waiting = &waiting
	busy := func(held, argv int64) {
		t.Helper()
		if h, a := rd.Figures(false); h != held || a != argv {
			t.Fatalf("busy figures %d %d, want %d %d", h, a, held, argv)
		}
	}
	next := func() {
		t.Helper()
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
	}
	next()
	busy(20, 4)
	next()
	busy(30, 4) // the second batch, its partial PING included
	next()
	busy(14, 4)
	next()
	busy(20, 4)
	want := [][2]int64{{0, 0}, {0, 0}, {10, 0}, {0, 0}}
	if fmt.Sprint(src.seen) != fmt.Sprint(want) {
		t.Errorf("waiting figures %v, want %v", src.seen, want)
	}
}

// Read buffers go back to a pool when their connection ends and serve the
// next ones (readBufs): clients that come and go, many at once, each with
// a pipeline whose replies name its own keys, get exactly their replies.
func TestReadBuffersReusedAcrossConnections(t *testing.T) {
	_, addr := startTestServer(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					errs <- err
					return
				}
				var req, want bytes.Buffer
				for j := 0; j < 20; j++ {
					v := fmt.Sprintf("v-%d-%d-%d", g, i, j)
					fmt.Fprintf(&req, "SET k%d %s\r\nGET k%d\r\n", g, v, g)
					fmt.Fprintf(&want, "+OK\r\n$%d\r\n%s\r\n", len(v), v)
				}
				c.Write(req.Bytes())
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				got := make([]byte, want.Len())
				_, err = io.ReadFull(c, got)
				c.Close()
				if err != nil || !bytes.Equal(got, want.Bytes()) {
					errs <- fmt.Errorf("client %d/%d: got %q, %v; want %q", g, i, got, err, want.Bytes())
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
