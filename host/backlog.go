package host

import (
	"sync"
)

// The replication backlog, as Redis's: the last repl-backlog-size bytes of
// the replication stream, kept from the moment the first replica links, so
// that a replica whose link dropped continues (PSYNC +CONTINUE) from the
// offset it reached instead of loading a new image.
type backlog struct {
	mu    sync.Mutex
	buf   []byte
	size  int
	start int64 // replication offset of buf[0]
	end   int64 // replication offset after the last byte
}

// Feed implements effects.Consumer.
func (b *backlog) Feed(unit []byte, _ int64) { b.add(unit) }

// Control implements effects.ControlConsumer.
func (b *backlog) Control(msg []byte) { b.add(msg) }

func (b *backlog) add(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	b.end += int64(len(p))
	if over := len(b.buf) - b.size; over > 0 && len(b.buf) >= 2*b.size {
		// Trimmed in bulk, so each byte is copied about once.
		n := copy(b.buf, b.buf[over:])
		b.buf = b.buf[:n]
		b.start += int64(over)
	}
}

// from returns a copy of the stream from offset off to the end, and
// whether the backlog still holds off.
func (b *backlog) from(off int64) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	first := max(b.start, b.end-int64(b.size))
	if off < first || off > b.end {
		return nil, false
	}
	return append([]byte(nil), b.buf[off-b.start:]...), true
}

// histlen returns how many bytes the backlog holds, and the offset of the
// first (repl_backlog_first_byte_offset counts from 1, as Redis's).
func (b *backlog) histlen() (n, first int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	first = max(b.start, b.end-int64(b.size))
	return b.end - first, first + 1
}

// ensureBacklog starts the backlog if there is none yet; it returns it.
// The caller holds s.repl.mu.
func (s *Server) ensureBacklogLocked() *backlog {
	if s.repl.backlog == nil {
		size := int(min(max(s.Config().ReplBacklogSize, 16<<10), 1<<30))
		bl := &backlog{size: size}
		off := s.effects.AttachReplica(bl) + s.repl.baseOffset
		bl.start, bl.end = off, off
		s.repl.backlog = bl
	}
	return s.repl.backlog
}

// dropBacklogLocked discards the backlog: the offsets it counted no longer
// apply (the server became a replica, or a master again). The caller holds
// s.repl.mu.
func (s *Server) dropBacklogLocked() {
	if s.repl.backlog != nil {
		s.effects.Detach(s.repl.backlog)
		s.repl.backlog = nil
	}
}

// replBacklogSetting is repl-backlog-size: a memory value, which Redis
// never lets below 16 KB.
func replBacklogSetting() setting {
	st := memSetting("repl-backlog-size", "bytes of the replication stream kept for replicas that reconnect (PSYNC +CONTINUE)", func(c *Config) *int64 { return &c.ReplBacklogSize }, 1)
	set := st.set
	st.set = func(c *Config, v string) error {
		if err := set(c, v); err != nil {
			return err
		}
		c.ReplBacklogSize = max(c.ReplBacklogSize, 16384)
		return nil
	}
	return st
}
