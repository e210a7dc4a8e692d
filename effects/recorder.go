package effects

import (
	"bytes"
	"errors"
	"strconv"
	"sync"
)

// Recorder is a Consumer that keeps the whole stream in memory, for tests
// and tools: attach it, run commands, then read Bytes or Commands.
type Recorder struct {
	mu    sync.Mutex
	b     []byte
	units int
	start int64
	end   int64
}

// Feed implements Consumer.
func (r *Recorder) Feed(unit []byte, end int64) {
	r.mu.Lock()
	if r.units == 0 {
		r.start = end - int64(len(unit))
	}
	r.b = append(r.b, unit...)
	r.units++
	r.end = end
	r.mu.Unlock()
}

// Bytes returns a copy of what was recorded.
func (r *Recorder) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.b)
}

// Units returns the number of units recorded and the stream offset after
// the last.
func (r *Recorder) Units() (n int, end int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.units, r.end
}

// Commands returns the recorded commands, each as its arguments.
func (r *Recorder) Commands() [][]string {
	cmds, _ := ParseCommands(r.Bytes())
	return cmds
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.b, r.units = r.b[:0], 0
	r.mu.Unlock()
}

// ReplicaRecorder is a Recorder on the replicas' track (a
// ControlConsumer): attach it with Stream.AttachReplica to see what a
// replica receives, effects meant for replicas only (core.ToReplicas) and
// control messages included. Its offsets are replication offsets.
type ReplicaRecorder struct{ Recorder }

// Control implements ControlConsumer: a control message is recorded as a
// unit of its own.
func (r *ReplicaRecorder) Control(msg []byte) {
	r.mu.Lock()
	r.b = append(r.b, msg...)
	r.end += int64(len(msg))
	r.mu.Unlock()
}

var errBadStream = errors.New("effects: malformed RESP command")

// ParseCommands splits RESP-encoded commands (the stream, or an
// append-only file's commands) into their arguments. It stops at the first
// malformed or incomplete command and returns what came before with an error.
func ParseCommands(b []byte) ([][]string, error) {
	var out [][]string
	for len(b) > 0 {
		cmd, n, err := parseCommand(b)
		if err != nil {
			return out, err
		}
		out = append(out, cmd)
		b = b[n:]
	}
	return out, nil
}

func parseCommand(b []byte) ([]string, int, error) {
	line := func(p int, prefix byte) (int64, int, error) {
		if p >= len(b) || b[p] != prefix {
			return 0, 0, errBadStream
		}
		e := bytes.Index(b[p:], []byte("\r\n"))
		if e < 0 {
			return 0, 0, errBadStream
		}
		n, err := strconv.ParseInt(string(b[p+1:p+e]), 10, 64)
		if err != nil || n < 0 {
			return 0, 0, errBadStream
		}
		return n, p + e + 2, nil
	}
	n, p, err := line(0, '*')
	if err != nil {
		return nil, 0, err
	}
	args := make([]string, 0, n)
	for i := int64(0); i < n; i++ {
		var l int64
		l, p, err = line(p, '$')
		if err != nil {
			return nil, 0, err
		}
		if int64(len(b)-p) < l+2 || b[p+int(l)] != '\r' || b[p+int(l)+1] != '\n' {
			return nil, 0, errBadStream
		}
		args = append(args, string(b[p:p+int(l)]))
		p += int(l) + 2
	}
	return args, p, nil
}
