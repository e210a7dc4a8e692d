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
// offsets that count every byte. The file and the replicas read two tracks
// of it, as Redis's two feeds: an effect may be meant for one of them only
// (core.Target: PUBLISH reaches replicas only), control messages reach
// replicas only, and each track has its own selected database and offset
// (Offset, and ReplOffset as master_repl_offset).
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
	// applied together, and end, the offset of the consumer's track just
	// after it (Offset for a plain consumer, ReplOffset for a
	// ControlConsumer). Units
	// come in stream order, one at a time, with the stream's mutex and the
	// writing command's key locks held: Feed must be cheap (copy unit into
	// a buffer and return) and must not call back into the stream or the
	// keyspace. unit is reused after Feed returns.
	Feed(unit []byte, end int64)
}

// ControlConsumer is a consumer of the replicas' track: it also takes the
// stream's control messages (Stream.Control) and the effects meant for
// replicas only (core.ToReplicas), and not those meant for the log only. A
// replica link and the replication backlog are ControlConsumers; the
// append-only file is a plain Consumer.
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
//
// It has two readers' tracks: the log's (plain Consumers: the append-only
// file) and the replicas' (ControlConsumers: replica links, the backlog).
// Each has its own selected database and its own offset, as Redis's AOF and
// replication streams have: an effect meant for one only (core.Target)
// moves only that one's, and control messages go to the replicas only.
type Stream struct {
	active atomic.Bool  // any consumer attached
	end    atomic.Int64 // offset of the log track, after its last unit
	repl   atomic.Int64 // offset of the replicas' track (ReplOffset)
	gate   atomic.Pointer[gateBox]

	mu       sync.Mutex
	logs     []Consumer        // the log track's consumers
	repls    []ControlConsumer // the replicas' track's consumers
	logDB    int               // database of the log track; -1: SELECT next
	replDB   int               // database of the replicas' track; -1: SELECT next
	scratch  []byte            // a unit with its SELECT prepended
	scratch2 []byte            // the replicas' when it differs from the log's
	bufs     sync.Pool
	// relay: the replicas' track carries only what Control sends (a
	// replica relaying its master's stream), not the units appended.
	relay bool
}

type gateBox struct{ g Gate }

var _ core.EffectSink = (*Stream)(nil)

// New returns a stream at offset 0 with no consumer.
func New() *Stream { return &Stream{logDB: -1, replDB: -1} }

// Active reports whether any consumer is attached (core.EffectSink). Nothing
// is encoded while none is.
func (s *Stream) Active() bool { return s.active.Load() }

// Offset returns the offset of the log track after the last unit appended:
// the number of bytes the append-only file has been fed.
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
	if cc, ok := c.(ControlConsumer); ok {
		return s.AttachReplica(cc)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs = append(s.logs, c)
	s.logDB = -1
	s.active.Store(true)
	return s.end.Load()
}

// AttachReplica is Attach for a replica link: it returns the replication
// offset the link starts at (ReplOffset), control messages included.
func (s *Stream) AttachReplica(c ControlConsumer) int64 {
	return s.AttachReplicaWith(c, func(int64) {})
}

// AttachReplicaWith is AttachReplica that also runs fn, with the stream's
// mutex held, once c is attached: fn sees the replication offset c starts
// at while nothing is appended, so it can hand c what a backlog (itself a
// consumer) holds up to that offset, and c continues from there.
func (s *Stream) AttachReplicaWith(c ControlConsumer, fn func(off int64)) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repls = append(s.repls, c)
	s.replDB = -1
	s.active.Store(true)
	off := s.repl.Load()
	fn(off)
	return off
}

// ReplOffset is the replication offset, master_repl_offset: the bytes the
// replicas' track has carried while any replica consumer (a link, the
// backlog) was attached, control messages and replica-only effects
// included.
func (s *Stream) ReplOffset() int64 { return s.repl.Load() }

// Control sends msg (REPLCONF GETACK, PING), in order with the units, to
// the consumers that take control messages and not to the others (the
// append-only file), and returns the replication offset after it. Its
// bytes count in ReplOffset, as Redis's replication offset counts them, and
// not in Offset, which the append-only file's positions follow.
func (s *Stream) Control(msg []byte) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.repls) == 0 {
		return s.repl.Load()
	}
	for _, c := range s.repls {
		c.Control(msg)
	}
	return s.repl.Add(int64(len(msg)))
}

// SetRelay switches the replicas' track between the units appended (a
// master's own stream) and relaying: while on, the replicas' track carries
// only the bytes given to Control, which a replica uses to pass its
// master's stream on verbatim to its own replicas and backlog, as Redis's
// replicas do, so that offsets and replication IDs mean the same along a
// chain. The appended units still reach the log track. Turning it off
// makes the next unit on the replicas' track begin with a SELECT.
func (s *Stream) SetRelay(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.relay = on
	s.replDB = -1
}

// Detach removes a consumer; it receives nothing after Detach returns.
func (s *Stream) Detach(c Consumer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cc, ok := c.(ControlConsumer); ok {
		if i := slices.Index(s.repls, cc); i >= 0 {
			s.repls = slices.Delete(s.repls, i, i+1)
		}
	} else if i := slices.Index(s.logs, c); i >= 0 {
		s.logs = slices.Delete(s.logs, i, i+1)
	}
	s.active.Store(len(s.logs)+len(s.repls) > 0)
}

// Cut returns the current offset of the log track and makes its next unit
// begin with a SELECT, for a consumer that starts a new file at this offset
// (a rotated append-only file). Called under every keyspace lock it is a
// consistent cut, as for Attach.
func (s *Stream) Cut() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logDB = -1
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

// encodeUnit appends the effects of unit that keep says to b, wrapped in
// MULTI/EXEC when wrap, with a SELECT wherever the database changes between
// them, and returns it with the databases of its first and last effects
// (first -1: none kept).
func encodeUnit(b []byte, unit []core.Effect, wrap bool, keep func(core.Target) bool) (out []byte, first, last int) {
	first, last = -1, -1
	for _, e := range unit {
		if keep != nil && !keep(e.Target) {
			continue
		}
		if first < 0 {
			first, last = e.DB, e.DB
			if wrap {
				b = append(b, respMULTI...)
			}
		}
		if e.DB != last {
			b = AppendSelect(b, e.DB)
			last = e.DB
		}
		b = AppendCommand(b, e.Args...)
	}
	if wrap && first >= 0 {
		b = append(b, respEXEC...)
	}
	return b, first, last
}

// withSelect returns body with a SELECT first when the track's database
// *db is not first, in scratch when it needs one, and moves *db to last.
func withSelect(scratch *[]byte, body []byte, db *int, first, last int) []byte {
	out := body
	if *db != first {
		*scratch = append(AppendSelect((*scratch)[:0], first), body...)
		out = *scratch
	}
	*db = last
	return out
}

// Append implements core.EffectSink: it encodes the unit (outside the
// mutex), then, under it, puts a SELECT ahead of each track's part when its
// first database differs from that track's last, feeds every consumer its
// track's part, and advances the offsets. It returns the log track's
// offset after the unit, 0 when the log got nothing.
//
// A unit of several effects is wrapped in MULTI/EXEC, as Redis 7.0 wraps
// the commands one call propagates, for each track that gets any of them.
func (s *Stream) Append(unit []core.Effect) int64 {
	if len(unit) == 0 || !s.active.Load() {
		return 0
	}
	bp, _ := s.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	wrap := len(unit) > 1
	split := false
	for _, e := range unit {
		if e.Target != core.ToAll {
			split = true
			break
		}
	}
	// The log's part in b[:n], the replicas' in b[n:] when split.
	b, lFirst, lLast := encodeUnit((*bp)[:0], unit, wrap, (core.Target).ReachesLog)
	n := len(b)
	rFirst, rLast := lFirst, lLast
	if split {
		b, rFirst, rLast = encodeUnit(b, unit, wrap, (core.Target).ReachesReplicas)
	}
	logPart, replPart := b[:n], b[:n]
	if split {
		replPart = b[n:]
	}

	s.mu.Lock()
	var logOut, replOut []byte
	if lFirst >= 0 {
		logOut = withSelect(&s.scratch, logPart, &s.logDB, lFirst, lLast)
	}
	if rFirst >= 0 && !s.relay {
		replOut = withSelect(&s.scratch2, replPart, &s.replDB, rFirst, rLast)
	}
	// Each track's offset moves only while it has readers: with no
	// replica attached master_repl_offset stands still, as Redis's does
	// without a backlog.
	end := int64(0)
	if logOut != nil && len(s.logs) > 0 {
		end = s.end.Load() + int64(len(logOut))
		for _, c := range s.logs {
			c.Feed(logOut, end)
		}
		s.end.Store(end)
	}
	if replOut != nil && len(s.repls) > 0 {
		rend := s.repl.Load() + int64(len(replOut))
		for _, c := range s.repls {
			c.Feed(replOut, rend)
		}
		s.repl.Store(rend)
	}
	if cap(s.scratch) > 64<<10 {
		s.scratch = nil // one huge unit does not pin its buffer
	}
	if cap(s.scratch2) > 64<<10 {
		s.scratch2 = nil
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
