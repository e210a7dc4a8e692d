package effects_test

import (
	"strings"
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/effects"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// TestTargets: effects meant for replicas only (PUBLISH) reach the
// replicas' track and not the log's, each track keeps its own selected
// database, and each offset counts its own track's bytes.
func TestTargets(t *testing.T) {
	srv := redmodtest.Run(t)
	log := &effects.Recorder{}
	repl := &effects.ReplicaRecorder{}
	srv.Effects().Attach(log)
	srv.Effects().AttachReplica(repl)
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, cmd := range [][]string{
		{"select", "9"}, {"publish", "ch", "a"}, // replicas only, in db 9
		{"set", "k", "1"}, // the log selects 9 now; the replicas already have
		{"multi"}, {"set", "k", "2"}, {"publish", "ch", "b"}, {"exec"},
		{"multi"}, {"publish", "ch", "c"}, {"exec"}, // alone: not wrapped
		{"select", "0"}, {"publish", "ch", "d"},
		{"set", "k", "3"},
		{"eval", "redis.call('publish','ch','e') return redis.call('incr','k')", "0"},
		{"spublish", "sh", "f"},
	} {
		do(t, c, cmd...)
	}
	wantLog := `SELECT 9
set k 1
MULTI
set k 2
EXEC
SELECT 0
set k 3
MULTI
incr k
EXEC
`
	wantRepl := `SELECT 9
publish ch a
set k 1
MULTI
set k 2
publish ch b
EXEC
publish ch c
SELECT 0
publish ch d
set k 3
MULTI
publish ch e
incr k
EXEC
spublish sh f
`
	if got := stream(log); got != wantLog {
		t.Errorf("log:\n%s\nwant:\n%s", got, wantLog)
	}
	if got := stream(&repl.Recorder); got != wantRepl {
		t.Errorf("replicas:\n%s\nwant:\n%s", got, wantRepl)
	}
	if _, end := log.Units(); end != srv.Effects().Offset() || end != int64(len(log.Bytes())) {
		t.Errorf("log end %d, offset %d, %d bytes", end, srv.Effects().Offset(), len(log.Bytes()))
	}
	if _, end := repl.Units(); end != srv.Effects().ReplOffset() || end != int64(len(repl.Bytes())) {
		t.Errorf("replicas end %d, offset %d, %d bytes", end, srv.Effects().ReplOffset(), len(repl.Bytes()))
	}
}

// TestTargetsUnit drives a bare stream: a control message and replica-only
// effects count in ReplOffset only, log-only effects in Offset only, and a
// replica attached later starts with a SELECT of its own.
func TestTargetsUnit(t *testing.T) {
	s := effects.New()
	log := &effects.Recorder{}
	s.Attach(log)
	args := func(a ...string) [][]byte {
		out := make([][]byte, len(a))
		for i, x := range a {
			out[i] = []byte(x)
		}
		return out
	}
	s.Append([]core.Effect{{DB: 1, Args: args("PUBLISH", "c", "m"), Target: core.ToReplicas}})
	if s.Offset() != 0 || s.ReplOffset() != 0 {
		t.Fatalf("offsets %d %d after a replica-only effect with no replica", s.Offset(), s.ReplOffset())
	}
	repl := &effects.ReplicaRecorder{}
	if off := s.AttachReplica(repl); off != 0 {
		t.Fatalf("replica attached at %d", off)
	}
	s.Control([]byte("*1\r\n$4\r\nPING\r\n"))
	if end := s.Append([]core.Effect{{DB: 2, Args: args("PUBLISH", "c", "m"), Target: core.ToReplicas}}); end != 0 {
		t.Errorf("a replica-only unit returned log offset %d", end)
	}
	s.Append([]core.Effect{{DB: 2, Args: args("SET", "k", "v")}, {DB: 2, Args: args("X", "log"), Target: core.ToLog}})
	if got, want := strings.Join(flat(log.Commands()), "|"), "SELECT 2|MULTI|SET k v|X log|EXEC"; got != want {
		t.Errorf("log %q, want %q", got, want)
	}
	if got, want := strings.Join(flat(repl.Commands()), "|"), "PING|SELECT 2|PUBLISH c m|MULTI|SET k v|EXEC"; got != want {
		t.Errorf("replicas %q, want %q", got, want)
	}
	if s.Offset() != int64(len(log.Bytes())) || s.ReplOffset() != int64(len(repl.Bytes())) {
		t.Errorf("offsets %d/%d, bytes %d/%d", s.Offset(), s.ReplOffset(), len(log.Bytes()), len(repl.Bytes()))
	}
	s.Detach(repl)
	s.Append([]core.Effect{{DB: 2, Args: args("PUBLISH", "c", "m"), Target: core.ToReplicas}})
	if s.ReplOffset() != int64(len(repl.Bytes())) {
		t.Errorf("the replication offset moved with no replica: %d", s.ReplOffset())
	}
}

func flat(cmds [][]string) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = strings.Join(c, " ")
	}
	return out
}
