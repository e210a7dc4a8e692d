// Package effects is the server's one ordered stream of effects: every
// change to the keyspace as the RESP-encoded commands that reproduce it, in
// the order the changes took effect. The append-only file writes it and a
// replication link sends it; both attach as a Consumer.
//
// Commands run in parallel on different keys, so the order is fixed where it
// matters: a command appends its effects while it still holds the locks of
// the keys they touch (core.EffectSink.Append), under the stream's mutex.
// Two commands on a common key are appended in the order they ran; commands
// on disjoint keys commute, so any order of them replays to the same data.
// Keyspace-wide commands (FLUSHALL, SWAPDB) hold every lock and are totally
// ordered.
//
// The stream is what Redis 7.0's replicationFeedSlaves and
// feedAppendOnlyFile receive: SELECT before a command whose database differs
// from the previous one, MULTI/EXEC around a unit of several commands, and
// an offset that counts every byte, as master_repl_offset does.
package effects

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/redmod/redmod/core"
)

// Consumer reads the stream: the append-only file, a replica link.
type Consumer interface {
	// Feed receives the next unit of the stream: one or more whole RESP
	// commands (a SELECT, then a command or MULTI ... EXEC) that must be
	// applied together, and end, the stream offset just after it. Units
	// come in stream order, one at a time, with the stream's mutex and the
	// writing command's key locks held: Feed must be cheap (copy unit into
	// a buffer and return) and must not call back into the stream or the
	// keyspace. unit is reused after Feed returns.
	Feed(unit []byte, end int64)
}

// ControlConsumer is a consumer that also takes the stream's control
// messages (Stream.Control): a replica link.
type ControlConsumer interface {
	Consumer
	// Control receives a control message, under the stream's mutex, in
	// order with the units; as Feed, it must be cheap.
	Control(msg []byte)
}

// Gate makes replies wait for durability: with one installed, a client's
// replies to commands that appended effects are sent only after
// WaitDurable(end) returns for the last of them. The append-only file with
// `appendfsync always` installs one, and answers once its fsync covers end,
// so that many clients share one fsync (group commit).
type Gate interface {
	// WaitDurable blocks until the stream up to offset end is durable. The
	// caller holds no lock. An error (the log cannot be written) closes the
	// client's connection without sending the replies: an unlogged write is
	// never acknowledged.
	WaitDurable(end int64) error
}

// Stream is the effects stream. The zero value is not usable; use New.
type Stream struct {
	active atomic.Bool  // any consumer attached
	end    atomic.Int64 // offset after the last unit, readable without mu
	ctl    atomic.Int64 // bytes of control messages sent (Control)
	gate   atomic.Pointer[gateBox]

	mu        sync.Mutex
	consumers []Consumer
	lastDB    int    // database of the last command appended; -1: SELECT next
	scratch   []byte // a unit with its SELECT prepended
	bufs      sync.Pool
}

type gateBox struct{ g Gate }

var _ core.EffectSink = (*Stream)(nil)

// New returns a stream at offset 0 with no consumer.
func New() *Stream { return &Stream{lastDB: -1} }

// Active reports whether any consumer is attached (core.EffectSink). Nothing
// is encoded while none is.
func (s *Stream) Active() bool { return s.active.Load() }

// Offset returns the stream offset after the last unit appended: the number
// of bytes the stream has carried, as master_repl_offset.
func (s *Stream) Offset() int64 { return s.end.Load() }

// Attach adds a consumer, which receives every unit appended after the call,
// and returns the offset it starts at. The first unit it receives begins
// with a SELECT.
//
// The offset is a consistent cut when Attach is called while every keyspace
// slot is locked: no command is between changing data and appending its
// effects then, so a snapshot of that instant holds exactly the effects
// before the offset, and the snapshot plus the stream from the offset
// replays to the live data. This is how a rewrite of the append-only file or
// a replica's full sync starts: call Attach (or Cut) from
// host.SnapshotOptions.AtCut (core.Keyspace.BeginCut's atCut), which runs
// at the image's point in time with every slot held.
func (s *Stream) Attach(c Consumer) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consumers = append(s.consumers, c)
	s.lastDB = -1
	s.active.Store(true)
	return s.end.Load()
}

// AttachReplica is Attach for a replica link: it returns the replication
// offset the link starts at (ReplOffset), control messages included.
func (s *Stream) AttachReplica(c ControlConsumer) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consumers = append(s.consumers, c)
	s.lastDB = -1
	s.active.Store(true)
	return s.end.Load() + s.ctl.Load()
}

// AttachReplicaWith is AttachReplica that also runs fn, with the stream's
// mutex held, once c is attached: fn sees the replication offset c starts
// at while nothing is appended, so it can hand c what a backlog (itself a
// consumer) holds up to that offset, and c continues from there.
func (s *Stream) AttachReplicaWith(c ControlConsumer, fn func(off int64)) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consumers = append(s.consumers, c)
	s.lastDB = -1
	s.active.Store(true)
	off := s.end.Load() + s.ctl.Load()
	fn(off)
	return off
}

// ReplOffset is the replication offset, master_repl_offset: the bytes of
// the units (Offset) and of the control messages sent to replicas.
func (s *Stream) ReplOffset() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.end.Load() + s.ctl.Load()
}

// Control sends msg (REPLCONF GETACK, PING), in order with the units, to
// the consumers that take control messages and not to the others (the
// append-only file), and returns the replication offset after it. Its
// bytes count in ReplOffset, as Redis's replication offset counts them, and
// not in Offset, which the append-only file's positions follow.
func (s *Stream) Control(msg []byte) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	sent := false
	for _, c := range s.consumers {
		if cc, ok := c.(ControlConsumer); ok {
			cc.Control(msg)
			sent = true
		}
	}
	if sent {
		s.ctl.Add(int64(len(msg)))
	}
	return s.end.Load() + s.ctl.Load()
}

// Detach removes a consumer; it receives nothing after Detach returns.
func (s *Stream) Detach(c Consumer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.Index(s.consumers, c); i >= 0 {
		s.consumers = slices.Delete(s.consumers, i, i+1)
	}
	s.active.Store(len(s.consumers) > 0)
}

// Cut returns the current offset and makes the next unit begin with a
// SELECT, for a consumer that starts a new file or connection at this
// offset (a rotated append-only file). Called under every keyspace lock it
// is a consistent cut, as for Attach.
func (s *Stream) Cut() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastDB = -1
	return s.end.Load()
}

// SetGate installs (nil removes) the gate replies wait on.
func (s *Stream) SetGate(g Gate) {
	if g == nil {
		s.gate.Store(nil)
		return
	}
	s.gate.Store(&gateBox{g})
}

// WaitDurable waits for the installed gate to report the stream durable up
// to end; it returns at once without a gate or for end <= 0.
func (s *Stream) WaitDurable(end int64) error {
	if end <= 0 {
		return nil
	}
	b := s.gate.Load()
	if b == nil {
		return nil
	}
	return b.g.WaitDurable(end)
}

// Gated reports whether replies wait on a gate.
func (s *Stream) Gated() bool { return s.gate.Load() != nil }

var (
	respMULTI = []byte("*1\r\n$5\r\nMULTI\r\n")
	respEXEC  = []byte("*1\r\n$4\r\nEXEC\r\n")
)

// Append implements core.EffectSink: it encodes the unit (outside the
// mutex), then, under it, puts a SELECT ahead when the unit's first database
// differs from the stream's last, feeds every consumer, and advances the
// offset.
func (s *Stream) Append(unit []core.Effect) int64 {
	if len(unit) == 0 || !s.active.Load() {
		return 0
	}
	bp, _ := s.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b := (*bp)[:0]
	multi := len(unit) > 1
	if multi {
		b = append(b, respMULTI...)
	}
	db := unit[0].DB
	for _, e := range unit {
		if e.DB != db {
			b = AppendSelect(b, e.DB)
			db = e.DB
		}
		b = AppendCommand(b, e.Args...)
	}
	if multi {
		b = append(b, respEXEC...)
	}

	s.mu.Lock()
	out := b
	if first := unit[0].DB; s.lastDB != first {
		s.scratch = append(AppendSelect(s.scratch[:0], first), b...)
		out = s.scratch
	}
	s.lastDB = db
	end := s.end.Load() + int64(len(out))
	for _, c := range s.consumers {
		c.Feed(out, end)
	}
	if len(s.consumers) > 0 {
		s.end.Store(end)
	} else {
		end = 0
	}
	if cap(s.scratch) > 64<<10 {
		s.scratch = nil // one huge unit does not pin its buffer
	}
	s.mu.Unlock()

	if cap(b) <= 64<<10 {
		*bp = b
		s.bufs.Put(bp)
	}
	return end
}

// AppendSelect appends SELECT db in RESP.
func AppendSelect(b []byte, db int) []byte {
	var n [20]byte
	return AppendCommand(b, []byte("SELECT"), strconv.AppendInt(n[:0], int64(db), 10))
}

// AppendCommand appends one command as a RESP array of bulk strings, the
// form the stream (and Redis's AOF and replication) carries.
func AppendCommand(b []byte, args ...[]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}
