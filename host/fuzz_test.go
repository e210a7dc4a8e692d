package host

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/registry"
)

// FuzzRequestReader feeds arbitrary bytes to the request reader, whole and
// split at an arbitrary point, and checks that it never panics, never
// grows its buffer beyond what arrived, and reads the same commands and
// error either way.
func FuzzRequestReader(f *testing.F) {
	for _, tc := range readerCases {
		if len(tc.in) < 4096 {
			f.Add([]byte(tc.in), uint16(len(tc.in)/2))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, at uint16) {
		lim := testLimits()
		lim.maxBulk.Store(1 << 20)
		lim.maxQuery.Store(2 << 20)
		whole, errWhole := readAllCommands([][]byte{bytes.Clone(data)}, lim, false)
		cut := int(at) % (len(data) + 1)
		split, errSplit := readAllCommands([][]byte{bytes.Clone(data[:cut]), bytes.Clone(data[cut:])}, lim, false)
		if strings.Join(whole, "\x00,") != strings.Join(split, "\x00,") || errText(errWhole) != errText(errSplit) {
			t.Fatalf("whole: %q %v; split at %d: %q %v", whole, errWhole, cut, split, errSplit)
		}
		rd := newRequestReader(&chunkReader{chunks: [][]byte{bytes.Clone(data)}}, lim)
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
		}
		if limit := max(4*readChunk, 2*len(data)+readChunk); cap(rd.buf) > limit {
			t.Fatalf("buffer of %d bytes for %d bytes of input", cap(rd.buf), len(data))
		}
	})
}

func errText(err error) string {
	if err == nil || errors.Is(err, io.EOF) {
		return ""
	}
	return err.Error()
}

var (
	fuzzOnce sync.Once
	fuzzAddr string
)

// fuzzSkipped are commands a random sequence must not run: they block,
// stop the server, close the connection, or change who may connect.
func fuzzSkipped(args [][]byte) bool {
	// POST and Host: look like an HTTP request: Redis, and so redmod, log
	// a possible cross-protocol attack and close the connection unanswered.
	if core.EqualFold(args[0], "post") || core.EqualFold(args[0], "host:") {
		return true
	}
	cmd := registry.Default.Lookup(args[0])
	if cmd == nil {
		return false
	}
	if cmd.Spec.Flags.Has(core.FlagBlocking) || cmd.Spec.Flags.Has(core.FlagAdmin) {
		return true
	}
	switch cmd.Spec.Name {
	case "client", "acl", "config", "auth", "hello", "quit", "reset", "shutdown", "debug", "monitor", "subscribe", "psubscribe", "wait", "multi":
		return true
	}
	return false
}

// FuzzCommands runs sequences of commands built from arbitrary text (one
// command a line, arguments separated by spaces) through a server and
// checks that each gets exactly one reply in time and that the server
// still answers afterwards: no command panics the process, hangs, or
// corrupts the connection.
func FuzzCommands(f *testing.F) {
	for _, s := range []string{
		"SET k v\nGET k\nINCR k",
		"RPUSH l a b c\nLRANGE l 0 -1\nLPOP l 5\nLLEN l",
		"HSET h f v\nHGETALL h\nHINCRBY h f 1",
		"SET n 10\nINCRBY n 9223372036854775807\nDECRBY n -9223372036854775808",
		"SETRANGE s 536870911 x\nGETRANGE s -1 -100\nAPPEND s x",
		"EXPIRE k 9223372036854775807\nTTL k\nPEXPIRE k -1",
		"KEYS *a*a*a*a*a*a*a*a*b\nSCAN 0 MATCH [ COUNT 0",
		"LPOS l a RANK -9223372036854775808\nLINSERT l BEFORE a b",
		"SETBIT b 4294967295 1\nSETBIT b 7 1\nBITCOUNT b 0 -1 BIT\nBITPOS b 1 -1 0",
		"SELECT 15\nMOVE k 0\nSWAPDB 0 15\nDBSIZE",
		"GET k\nPOST / HTTP/1.1\nHost: localhost\nGET k",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		fuzzOnce.Do(func() { _, fuzzAddr = startFuzzServer() })
		c, err := resp.Dial(fuzzAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		n := 0
		for _, line := range strings.Split(script, "\n") {
			if n == 50 {
				break
			}
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			args := make([][]byte, len(fields))
			for i, f := range fields {
				args[i] = []byte(f)
			}
			if fuzzSkipped(args) {
				continue
			}
			n++
			if err := c.Write(resp.Encode(fields...)); err != nil {
				t.Fatalf("%q: %v", fields, err)
			}
			if _, err := c.ReadTimeout(5 * time.Second); err != nil {
				t.Fatalf("%q: no reply: %v", fields, err)
			}
		}
		if r, err := c.Do("PING"); err != nil || r.Raw != "+PONG\r\n" {
			t.Fatalf("server stopped answering: %q %v", r.Raw, err)
		}
	})
}

// startFuzzServer starts one server for a whole fuzzing run; it lives as
// long as the process.
func startFuzzServer() (*Server, string) {
	cfg := DefaultConfig()
	cfg.DBFilename, cfg.Save, cfg.Port, cfg.LogLevel = "", nil, 0, "error"
	// Strings grown by SETBIT, SETRANGE or APPEND stay small, so that many
	// fuzzing workers do not exhaust memory.
	cfg.ProtoMaxBulkLen = 1 << 20
	// Replies too are bounded while they are built.
	cfg.OutputLimit.Hard = 4 << 20
	srv, err := New(cfg, nil)
	if err != nil {
		panic(err)
	}
	srv.SetLogger(hclog.NewNullLogger())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(ln)
	return srv, ln.Addr().String()
}

// fuzzCommandNames lists every command and subcommand of the registry, in
// a fixed order, for FuzzCommandArgs.
var fuzzCommandNames = sync.OnceValue(func() [][]string {
	var out [][]string
	for _, c := range registry.Default.Commands() {
		subs := c.Subcommands()
		if len(subs) == 0 {
			out = append(out, []string{c.Spec.Name})
		}
		for _, sc := range subs {
			out = append(out, []string{c.Spec.Name, sc.Spec.Name})
		}
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(strings.Join(a, " "), strings.Join(b, " ")) })
	return out
})

// fuzzArgWords are argument values worth trying anywhere: the keys of every
// type the seed data holds, numbers at the limits, options.
var fuzzArgWords = []string{
	"s", "l", "h", "st", "z", "x", "missing", "0", "1", "-1", "2", "100",
	"9223372036854775807", "-9223372036854775808", "18446744073709551615", "4294967296",
	"1e3", "inf", "-inf", "nan", "+inf", "(1", "[a", "-", "+", "*", "$", ">",
	"COUNT", "MATCH", "LIMIT", "WITHSCORES", "WITHVALUES", "STORE", "BY", "GET", "#",
	"EX", "PX", "NX", "XX", "GT", "LT", "KEEPTTL", "LEFT", "RIGHT", "BEFORE", "RANK", "MAXLEN",
	"STREAMS", "BLOCK", "TYPE", "STRING", "ALPHA", "REV", "BYSCORE", "BYLEX", "AGGREGATE", "WEIGHTS",
}

// FuzzCommandArgs sends each command of the registry (chosen by the first
// input) with arguments built from the second input, against keys of every
// type, and checks that it answers in time, allocates within a bound, and
// leaves the server answering: argument parsing never panics, hangs or
// grows memory without bound.
func FuzzCommandArgs(f *testing.F) {
	f.Add(uint16(0), []byte("\x00\x01\x02"))
	f.Add(uint16(7), []byte{12, 3, 200, 0})
	f.Add(uint16(42), []byte("s 0 -1"))
	f.Add(uint16(100), []byte{5, 13, 4, 13, 1})
	f.Fuzz(func(t *testing.T, which uint16, data []byte) {
		names := fuzzCommandNames()
		name := names[int(which)%len(names)]
		args := append([]string{}, name...)
		// Each input byte below 0x80 picks a word; other bytes start a
		// literal argument running to the next such byte.
		for i := 0; i < len(data) && len(args) < 16; i++ {
			b := data[i]
			if b < 0x80 {
				args = append(args, fuzzArgWords[int(b)%len(fuzzArgWords)])
				continue
			}
			j := i + 1
			for j < len(data) && data[j] >= 0x80 {
				j++
			}
			args = append(args, string(data[i+1:j]))
			i = j - 1
		}
		bargs := make([][]byte, len(args))
		for i, a := range args {
			bargs[i] = []byte(a)
		}
		if fuzzSkipped(bargs) {
			return
		}
		fuzzOnce.Do(func() { _, fuzzAddr = startFuzzServer() })
		c, err := resp.Dial(fuzzAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, seed := range [][]string{
			{"FLUSHALL"}, {"SET", "s", "hello"}, {"RPUSH", "l", "a", "b", "c"}, {"HSET", "h", "f", "1"},
			{"SADD", "st", "a", "b"}, {"ZADD", "z", "1", "a", "2", "b"}, {"XADD", "x", "1-1", "f", "v"},
		} {
			c.Do(seed...)
		}
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := c.Write(resp.Encode(args...)); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if _, err := c.ReadTimeout(5 * time.Second); err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("%q: no reply: %v", args, err)
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 256<<20 {
			t.Fatalf("%q allocated %d MB", args, grown>>20)
		}
		c2, err := resp.Dial(fuzzAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		if r, err := c2.Do("PING"); err != nil || r.Raw != "+PONG\r\n" {
			t.Fatalf("after %q the server stopped answering: %q %v", args, r.Raw, err)
		}
	})
}
