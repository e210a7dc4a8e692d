package host

import (
	"bytes"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/core"
)

// A replica link, as a Redis master serves one after SYNC or PSYNC: the RDB
// image of one point in time ("$<length>\r\n" and the file, no trailing
// CRLF), then every change after that point as the commands of the effects
// stream, the same bytes the append-only file gets, with the control
// messages (REPLCONF GETACK) only replicas get. The link attaches to the
// stream at the image's cut (SnapshotOptions.AtCut), so image plus stream
// replay to the live data. Units that arrive while the image is still being
// written wait in the link; afterwards each unit is pushed to the client's
// connection (core.Client.Push, bounded by its output limit) as it is
// appended. redis-cli --replica, `redis-cli --rdb` (which reads the image
// and closes), Redis's own test helpers that read the replication stream,
// and real replicas (redmod's or redis-server) read it.
type replicaLink struct {
	srv    *Server
	client *core.Client
	// psync: the replica asked with PSYNC and is answered +FULLRESYNC.
	psync bool

	mu      sync.Mutex
	started bool   // the image has been handed to the connection
	pending []byte // units appended while the image was being written
	gone    bool

	start0  int64        // replication offset at the image's cut
	ack     atomic.Int64 // last offset the replica acknowledged
	ackTime atomic.Int64 // when (unix ms); 0: never
	online  atomic.Bool  // the image was sent
	port    int          // REPLCONF listening-port
	ip      string       // REPLCONF ip-address, or the connection's
}

// Feed implements effects.Consumer: cheap, under the stream's mutex.
func (l *replicaLink) Feed(unit []byte, _ int64) { l.push(unit) }

// Control implements effects.ControlConsumer.
func (l *replicaLink) Control(msg []byte) { l.push(msg) }

func (l *replicaLink) push(b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone {
		return
	}
	if !l.started {
		l.pending = append(l.pending, b...)
		return
	}
	if !l.client.Push(b) {
		l.gone = true
		// Detach takes the stream's mutex, which the caller holds.
		go l.srv.dropReplica(l.client)
	}
}

// begin hands the image, then what waited, to the connection.
func (l *replicaLink) begin(image []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var head []byte
	if l.psync {
		head = append(head, "+FULLRESYNC "...)
		head = append(head, l.srv.replID()...)
		head = append(head, ' ')
		head = strconv.AppendInt(head, l.start0, 10)
		head = append(head, '\r', '\n')
	}
	head = strconv.AppendInt(append(head, '$'), int64(len(image)), 10)
	head = append(head, '\r', '\n')
	ok := l.client.Push(append(head, image...))
	if ok && len(l.pending) > 0 {
		ok = l.client.Push(l.pending)
	}
	l.pending, l.started = nil, true
	l.online.Store(true)
	if !ok {
		l.gone = true
		go l.srv.dropReplica(l.client)
	}
}

// FullSync implements core.Server for SYNC: it writes the image at a cut
// where the link joins the effects stream, and leaves the link attached
// until the client goes away.
func (s *Server) FullSync(c *core.Ctx) error {
	if err := s.syncRefusal(); err != nil {
		return err
	}
	return s.fullSync(c, false)
}

// syncRefusal is why SYNC or PSYNC is refused now, as Redis refuses them:
// while this server hands its role over (FAILOVER), and on a replica whose
// link with its master is not up.
func (s *Server) syncRefusal() error {
	if s.failingOver() {
		return errSyncFailingOver
	}
	if s.repl.replica.Load() && !s.linkUp() {
		return errNoMasterLink
	}
	return nil
}

var (
	errSyncFailingOver = core.NewError("NOMASTERLINK Can't SYNC while failing over")
	errNoMasterLink    = core.NewError("NOMASTERLINK Can't SYNC while not connected with my master")
)

// PSync implements core.Replication: a replica that asks for the rest of
// this server's stream (its replication ID, an offset the backlog still
// holds) gets +CONTINUE and the bytes from there; any other a full
// resynchronisation.
func (s *Server) PSync(c *core.Ctx, replID string, offset int64) error {
	if err := s.syncRefusal(); err != nil {
		return err
	}
	if s.partialSync(c, replID, offset) {
		s.repl.syncPartialOK.Add(1)
		return nil
	}
	if replID != "?" {
		s.repl.syncPartialErr.Add(1)
	}
	return s.fullSync(c, true)
}

// partialSync continues a replica's stream from the backlog, if it can.
func (s *Server) partialSync(c *core.Ctx, replID string, offset int64) bool {
	link := &replicaLink{srv: s, client: c.Client, psync: true}
	link.ip, link.port = s.replicaAddr(c.Client)
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	bl, base := s.repl.backlog, s.repl.baseOffset
	// PSYNC names the next byte wanted, counting from 1. As Redis: this
	// server's ID, or the second one (its master's before a promotion) up
	// to the offset where it changed; a replica serves its own replicas
	// from its backlog of its master's stream likewise.
	known := replID == s.repl.id || replID == s.repl.id2 && offset <= s.repl.secondOffset
	if bl == nil || !known || offset < 1 {
		if replID != "?" {
			s.log.Info("partial resynchronisation not accepted", "client", c.Client.Addr, "replid", replID, "offset", offset)
		}
		return false
	}
	var data []byte
	ok := false
	s.effects.AttachReplicaWith(link, func(off int64) {
		data, ok = bl.from(offset - 1)
		link.start0 = off + base
	})
	if !ok {
		s.effects.Detach(link)
		return false
	}
	s.repl.replicas[c.Client] = link
	s.repl.nReplicas.Store(int32(len(s.repl.replicas)))
	c.StartPush()
	c.Client.SetReplyMode(core.ReplyOff)
	c.Client.SetReplica(true)
	link.ack.Store(offset - 1)
	link.mu.Lock()
	head := "+CONTINUE\r\n"
	if s.repl.addrs[c.Client].psync2 {
		head = "+CONTINUE " + s.repl.id + "\r\n"
	}
	ok = c.Client.Push(append([]byte(head), data...))
	if ok && len(link.pending) > 0 {
		ok = c.Client.Push(link.pending)
	}
	link.pending, link.started = nil, true
	link.online.Store(true)
	link.mu.Unlock()
	if !ok {
		go s.dropReplica(c.Client)
	}
	s.log.Info("partial resynchronisation accepted", "client", c.Client.Addr, "offset", offset-1, "bytes", len(data))
	return true
}

func (s *Server) fullSync(c *core.Ctx, psync bool) error {
	link := &replicaLink{srv: s, client: c.Client, psync: psync}
	link.ip, link.port = s.replicaAddr(c.Client)
	s.repl.mu.Lock()
	s.ensureBacklogLocked()
	base := s.repl.baseOffset
	s.repl.mu.Unlock()
	var buf bytes.Buffer
	_, err := s.WriteSnapshot(&buf, SnapshotOptions{AtCut: func() { link.start0 = s.effects.AttachReplica(link) + base }})
	if err != nil {
		s.effects.Detach(link)
		return err
	}
	s.addReplica(link)
	s.repl.syncFull.Add(1)
	// The replica's own commands (REPLCONF ACK) get no reply, as in Redis;
	// replies written so far go first; the image and the stream follow as
	// pushes, in order.
	c.StartPush()
	c.Client.SetReplyMode(core.ReplyOff)
	c.Client.SetReplica(true)
	link.ack.Store(link.start0)
	link.begin(buf.Bytes())
	s.log.Info("replica link started", "client", c.Client.Addr, "bytes", buf.Len(), "offset", link.start0)
	return nil
}

// lag returns the seconds since the replica's last acknowledgement.
func (l *replicaLink) lag(now time.Time) int64 {
	t := l.ackTime.Load()
	if t == 0 {
		return 0
	}
	return max(now.UnixMilli()-t, 0) / 1000
}
