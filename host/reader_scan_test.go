package host

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/redmod/redmod/internal/resp"
)

// scanPipeline mixes commands in the shape scan parses ahead with every
// shape it leaves to the incremental parse: empty arguments, inline
// commands, *0 and *-1, a bulk without its CR LF, a count line ending in
// CR alone, more than aheadArgs arguments.
func scanPipeline() string {
	var b strings.Builder
	b.WriteString(string(resp.Encode("SET", "k", "v")))
	b.WriteString(string(resp.Encode("SET", "", "")))
	b.WriteString("PING\r\n")
	b.WriteString(string(resp.Encode("RPUSH", "list", strings.Repeat("x", 300))))
	b.WriteString("*0\r\n*-1\r\n")
	b.WriteString("*1\r\n$4\r\nPINGxx")
	b.WriteString("*1\rx$4\r\nPING\r\n")
	many := []string{"MSET"}
	for i := range aheadArgs {
		many = append(many, "k"+strconv.Itoa(i))
	}
	b.WriteString(string(resp.Encode(many...)))
	b.WriteString(string(resp.Encode("GET", "k")))
	b.WriteString(string(resp.Encode("ECHO", "a\r\n\x00b")))
	return b.String()
}

// TestReaderScanSplits reads a pipeline of every shape whole, byte by byte
// (the incremental parse alone) and split in two at every position (both
// parses meeting at every point), and expects the same commands each time.
func TestReaderScanSplits(t *testing.T) {
	in := scanPipeline()
	lim := testLimits()
	want, err := readAllCommands([][]byte{[]byte(in)}, lim, false)
	if err != nil || len(want) != 9 {
		t.Fatalf("whole: %d commands, %v", len(want), err)
	}
	var bytewise [][]byte
	for i := range len(in) {
		bytewise = append(bytewise, []byte{in[i]})
	}
	modes := map[string][][]byte{"bytewise": bytewise}
	for i := 1; i < len(in); i++ {
		modes["split "+strconv.Itoa(i)] = [][]byte{[]byte(in[:i]), []byte(in[i:])}
		if j := i + 7; j < len(in) {
			modes["split3 "+strconv.Itoa(i)] = [][]byte{[]byte(in[:i]), []byte(in[i:j]), []byte(in[j:])}
		}
	}
	for mode, chunks := range modes {
		got, err := readAllCommands(chunks, lim, false)
		if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: got %q, %v; want %q", mode, got, err, want)
		}
	}
}

// TestReaderScanLiveLimits checks that the limits that may change between
// the commands of one read (CONFIG SET proto-max-bulk-len, AUTH) apply to
// commands already parsed ahead, with Redis's errors.
func TestReaderScanLiveLimits(t *testing.T) {
	lim := testLimits()
	in := string(resp.Encode("SET", "k", "v")) + string(resp.Encode("SET", "k", strings.Repeat("v", 2000)))
	rd := newRequestReader(&chunkReader{chunks: [][]byte{[]byte(in)}}, lim)
	if args, err := rd.Next(); err != nil || len(args) != 3 {
		t.Fatalf("first command: %q %v", args, err)
	}
	if len(rd.queue)-rd.qhead != 1 {
		t.Fatalf("%d commands parsed ahead, want 1", len(rd.queue)-rd.qhead)
	}
	lim.maxBulk.Store(1000)
	var pe *protocolError
	if _, err := rd.Next(); !errors.As(err, &pe) || pe.msg != "invalid bulk length" {
		t.Errorf("after lowering proto-max-bulk-len: %v", err)
	}

	// A password set (or the client's AUTH) between commands.
	lim = testLimits()
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = "a"
	}
	for _, tc := range []struct {
		next, msg string
	}{
		{string(resp.Encode(eleven...)), "unauthenticated multibulk length"},
		{string(resp.Encode("SET", "k", strings.Repeat("v", unauthMaxBulk+1))), "unauthenticated bulk length"},
	} {
		auth := false
		rd = newRequestReader(&chunkReader{chunks: [][]byte{append(resp.Encode("PING"), tc.next...)}}, lim)
		rd.authRequired = func() bool { return auth }
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
		auth = true
		if _, err := rd.Next(); !errors.As(err, &pe) || pe.msg != tc.msg {
			t.Errorf("%s: got %v", tc.msg, err)
		}
	}
}

// TestReaderScanShift fills the buffer to its end, so that a read while
// the commands parsed ahead are still queued (a blocked command's watch)
// moves them to the buffer's start: they are read as sent, and Ahead does
// not show again those it showed.
func TestReaderScanShift(t *testing.T) {
	var in []byte
	for i := 0; len(in) < readChunk-800; i++ {
		in = append(in, resp.Encode("SET", "key:"+strconv.Itoa(i), strings.Repeat("v", 600))...)
	}
	last := func(n int) []byte { return resp.Encode("SET", "last", strings.Repeat("w", n)) }
	n := readChunk - len(in) - len(last(0))
	n -= len(last(n)) - len(last(0)) - n // the digits of n's length
	in = append(in, last(n)...)
	if len(in) != readChunk {
		t.Fatalf("input of %d bytes, want %d", len(in), readChunk)
	}
	more := resp.Encode("GET", "after")
	want, _ := readAllCommands([][]byte{bytes.Clone(in), bytes.Clone(more)}, testLimits(), false)
	rd := newRequestReader(&chunkReader{chunks: [][]byte{in, more}}, testLimits())
	var got []string
	args, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, join(args))
	shown := 0
	rd.Ahead(func([][]byte) bool { shown++; return true })
	if shown != len(want)-1 {
		t.Fatalf("Ahead showed %d commands, want %d", shown, len(want)-1)
	}
	if err := rd.fill(); err != nil { // as watch does
		t.Fatal(err)
	}
	if rd.r != 0 {
		t.Fatalf("the buffer was not shifted (r=%d)", rd.r)
	}
	for {
		args, err := rd.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		got = append(got, join(args))
		rd.Ahead(func([][]byte) bool { shown++; return true })
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %d commands, want %d", len(got), len(want))
	}
	if shown != len(want) {
		t.Errorf("Ahead showed %d commands in all, want %d", shown, len(want))
	}
}

// repeatReader returns the same request bytes on every Read.
type repeatReader struct{ b []byte }

func (r repeatReader) Read(p []byte) (int, error) { return copy(p, r.b), nil }

// BenchmarkReaderPipeline reads batches of 16 pipelined RPUSH commands,
// one batch a read, as redis-benchmark -P 16 sends them; "ahead" also
// shows each batch to Ahead, as the host does to prefetch its keys.
// ns/op is per command.
func BenchmarkReaderPipeline(b *testing.B) {
	for _, tc := range []struct {
		name  string
		cmd   []string
		ahead bool
	}{
		{"rpush", []string{"RPUSH", "mylist", "xxx"}, false},
		{"rpush-ahead", []string{"RPUSH", "mylist", "xxx"}, true},
		{"set", []string{"SET", "key:000000012345", "xxx"}, false},
		{"get", []string{"GET", "key:000000012345"}, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			batch := bytes.Repeat(resp.Encode(tc.cmd...), 16)
			rd := newRequestReader(repeatReader{batch}, testLimits())
			b.SetBytes(int64(len(batch) / 16))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := rd.Next(); err != nil {
					b.Fatal(err)
				}
				if tc.ahead && rd.Buffered() && !rd.Scanned() {
					rd.Ahead(func(args [][]byte) bool { return true })
				}
			}
		})
	}
}
