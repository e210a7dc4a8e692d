package host

import (
	"bytes"
	"strconv"
	"sync"

	"github.com/redmod/redmod/core"
)

// A replica link, as a Redis master serves one after SYNC: the RDB image
// of one point in time ("$<length>\r\n" and the file, no trailing CRLF),
// then every change after that point as the commands of the effects stream,
// the same bytes the append-only file gets. The link attaches to the stream
// at the image's cut (SnapshotOptions.AtCut), so image plus stream replay to
// the live data. Units that arrive while the image is still being written
// wait in the link; afterwards each unit is pushed to the client's
// connection (core.Client.Push, bounded by its output limit) as it is
// appended. This is what redis-cli --replica, `redis-cli --rdb` (which reads
// the image and closes) and Redis's own test helpers that read the
// replication stream need; replication proper (PSYNC, acknowledgements,
// REPLICAOF) builds on it.
type replicaLink struct {
	srv    *Server
	client *core.Client

	mu      sync.Mutex
	started bool   // the image has been handed to the connection
	pending []byte // units appended while the image was being written
	gone    bool
}

// Feed implements effects.Consumer: cheap, under the stream's mutex.
func (l *replicaLink) Feed(unit []byte, _ int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone {
		return
	}
	if !l.started {
		l.pending = append(l.pending, unit...)
		return
	}
	if !l.client.Push(unit) {
		l.gone = true
		// Detach takes the stream's mutex, which the caller holds.
		go l.srv.effects.Detach(l)
	}
}

// start hands the image, then what waited, to the connection.
func (l *replicaLink) start(image []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	head := strconv.AppendInt([]byte{'$'}, int64(len(image)), 10)
	head = append(head, '\r', '\n')
	ok := l.client.Push(append(head, image...))
	if ok && len(l.pending) > 0 {
		ok = l.client.Push(l.pending)
	}
	l.pending, l.started = nil, true
	if !ok {
		l.gone = true
		go l.srv.effects.Detach(l)
	}
}

// FullSync implements core.Server for SYNC: it writes the image at a cut
// where the link joins the effects stream, and leaves the link attached
// until the client goes away.
func (s *Server) FullSync(c *core.Ctx) error {
	link := &replicaLink{srv: s, client: c.Client}
	var buf bytes.Buffer
	_, err := s.WriteSnapshot(&buf, SnapshotOptions{AtCut: func() { s.effects.Attach(link) }})
	if err != nil {
		s.effects.Detach(link)
		return err
	}
	// Replies written so far go first; the image and the stream follow as
	// pushes, in order.
	c.StartPush()
	link.start(buf.Bytes())
	s.log.Info("replica link started", "client", c.Client.Addr, "bytes", buf.Len())
	return nil
}
