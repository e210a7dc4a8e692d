package host

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/registry"
)

func benchServer(b *testing.B) *Server {
	b.Helper()
	cfg := DefaultConfig()
	cfg.DBFilename = ""
	s, err := New(cfg, registry.Default)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkDispatch measures the host's dispatch of one command (lookup,
// checks, locking, invoke, statistics) without the network: the path every
// client command takes, which transactions and WATCH must not slow down.
func BenchmarkDispatch(b *testing.B) {
	s := benchServer(b)
	a, z := net.Pipe()
	defer a.Close()
	defer z.Close()
	c := newConn(s, a, 1, s.Config())
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"set", []string{"SET", "key:1", "value"}},
		{"get", []string{"GET", "key:1"}},
		{"incr", []string{"INCR", "n"}},
		{"hset", []string{"HSET", "h", "f", "v"}},
		{"lpush", []string{"LPUSH", "l", "v"}},
	} {
		args := make([][]byte, len(tc.args))
		for i, a := range tc.args {
			args[i] = []byte(a)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c.execute(args)
				c.w.Reset()
			}
		})
	}
}

// pipelineConn is a net.Conn that serves the same pipeline of requests on
// every Read, batches times, and discards what is written.
type pipelineConn struct {
	batch   []byte
	batches int
	writes  int
}

func (p *pipelineConn) Read(b []byte) (int, error) {
	if p.batches == 0 {
		return 0, io.EOF
	}
	p.batches--
	return copy(b, p.batch), nil
}
func (p *pipelineConn) Write(b []byte) (int, error) { p.writes++; return len(b), nil }
func (p *pipelineConn) Close() error                { return nil }
func (p *pipelineConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6379}
}
func (p *pipelineConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
}
func (p *pipelineConn) SetDeadline(time.Time) error      { return nil }
func (p *pipelineConn) SetReadDeadline(time.Time) error  { return nil }
func (p *pipelineConn) SetWriteDeadline(time.Time) error { return nil }

// processCPU returns the CPU time the process has used, in nanoseconds
// (zero where the system does not report it).
func processCPU() int64 {
	self, _ := cpuTimes()
	return int64(self.user + self.sys)
}

// BenchmarkDispatchPipeline measures what the server spends per command of
// a redis-benchmark -P 16 load, less the socket's system calls: reading and
// parsing, dispatch, the keyspace, reply writing and one write per batch
// of 16 commands, over 1000 keys (a write that finds nothing for spop).
// The loaded cases run with 100,000 other keys in the database, as
// compare.sh's list rows do after its SET row: one key's writes then pay
// what a large keyspace adds (prefetch, probing, the table's footprint).
func BenchmarkDispatchPipeline(b *testing.B) {
	for _, tc := range []struct {
		name, format string
		loaded       bool
	}{
		{"set", "SET key:%06d xxxxxxxxxxxxxxxx", false},
		{"get", "GET key:%06d", false},
		{"incr", "INCR counter:%06d", false},
		{"hset", "HSET myhash element:%06d xxxxxxxxxxxxxxxx", false},
		{"lpush", "LPUSH mylist%.0s xxxxxxxxxxxxxxxx", false},
		// A write command that finds nothing: redis-benchmark's SPOP
		// and ZPOPMIN pop keys that are empty.
		{"spop", "SPOP myset%.0s", false},
		{"rpush-loaded", "RPUSH mylist%.0s xxxxxxxxxxxxxxxx", true},
		{"lpop-loaded", "LPOP mylist%.0s", true},
		{"spop-loaded", "SPOP myset%.0s", true},
		{"zpopmin-loaded", "ZPOPMIN myzset%.0s", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := benchServer(b)
			if tc.loaded {
				loadKeys(b, s, strings.HasPrefix(tc.name, "lpop"))
			}
			benchPipeline(b, s, tc.format, 16)
		})
	}
}

// loadKeys fills the database with 100,000 string keys and, with list, a
// list "mylist" long enough that b.N pops never empty it.
func loadKeys(b *testing.B, s *Server, list bool) {
	db := s.ks.DB(0)
	val := []byte("xxxxxxxxxxxxxxxx")
	for i := 0; i < 100000; i++ {
		db.SetString([]byte(fmt.Sprintf("key:%012d", i)), val, 0, false)
	}
	if !list {
		return
	}
	push := "*66\r\n$5\r\nRPUSH\r\n$6\r\nmylist\r\n" + strings.Repeat("$1\r\nx\r\n", 64)
	newConn(s, &pipelineConn{batch: []byte(push), batches: b.N/64 + 1}, 1, s.Config()).serve()
	if n := db.Len(); n != 100001 {
		b.Fatalf("%d keys after loading the list", n)
	}
}

// BenchmarkDispatchSingle is BenchmarkDispatchPipeline without pipelining
// (redis-benchmark -P 1): every command is a batch of its own, read and
// flushed alone, so the per-batch work (the read's bookkeeping, statistics
// published, the flush) weighs as much as the command's.
func BenchmarkDispatchSingle(b *testing.B) {
	for _, tc := range []struct{ name, format string }{
		{"get", "GET key:%06d"},
		{"set", "SET key:%06d xxxxxxxxxxxxxxxx"},
		{"rpush", "RPUSH mylist%.0s xxxxxxxxxxxxxxxx"},
	} {
		b.Run(tc.name, func(b *testing.B) { benchPipeline(b, benchServer(b), tc.format, 1) })
	}
}

// benchPipeline serves batches of depth commands made from format (one
// key per command, %.0s for none) until b.N commands have run.
func benchPipeline(b *testing.B, s *Server, format string, depth int) {
	var sb strings.Builder
	for i := 0; i < depth; i++ {
		var words []string
		if strings.Contains(format, "%.0s") {
			words = strings.Fields(fmt.Sprintf(format, ""))
		} else {
			words = strings.Fields(fmt.Sprintf(format, i*61%1000))
		}
		fmt.Fprintf(&sb, "*%d\r\n", len(words))
		for _, w := range words {
			fmt.Fprintf(&sb, "$%d\r\n%s\r\n", len(w), w)
		}
	}
	batches := (b.N + depth - 1) / depth
	pc := &pipelineConn{batch: []byte(sb.String()), batches: batches}
	c := newConn(s, pc, 1, s.Config())
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	c.serve()
	b.StopTimer()
	// CPU time, unlike ns/op, hardly moves with the machine's load.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	if pc.writes < batches {
		b.Fatalf("%d writes for %d batches", pc.writes, batches)
	}
}
