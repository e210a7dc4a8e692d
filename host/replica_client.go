package host

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/effects"
)

// A replica's link with its master, as Redis 7.0's: connect, PING, AUTH
// (masterauth, masteruser), REPLCONF listening-port and capa eof psync2,
// PSYNC ? -1 (SYNC when the master does not know PSYNC), the image (a
// length-prefixed RDB file, or the EOF-marked form of a diskless master)
// loaded in place of the data, then the master's command stream applied
// as it comes, its offset counted, REPLCONF GETACK answered with REPLCONF
// ACK, an ACK every second, and a new full sync after the link drops.

// Link states, as ROLE names them.
const (
	linkConnect int32 = iota
	linkConnecting
	linkHandshake
	linkTransfer
	linkConnected
)

var linkStateNames = [...]string{"connect", "connecting", "handshake", "sync", "connected"}

var errLinkStopped = errors.New("replication link stopped")

type masterLink struct {
	srv  *Server
	host string
	port int

	ctx    context.Context
	cancel context.CancelFunc
	// stopped is set by stop; the link applies nothing after it, checked
	// with every slot held, so a new master's image is never followed by
	// an old master's command.
	stopped atomic.Bool

	state      atomic.Int32
	offset     atomic.Int64 // applied: slave_repl_offset
	readOffset atomic.Int64 // read: slave_read_repl_offset
	lastIO     atomic.Int64 // unix ms of the last read from the master
	downSince  atomic.Int64 // unix ms the link went down; 0: never up
	syncTotal  atomic.Int64 // image bytes expected (-1: EOF-marked)
	syncRead   atomic.Int64 // image bytes read

	wmu sync.Mutex // writes to the master (ACKs)
	nc  net.Conn
	// client is the master as a client of this server while the stream
	// flows (CLIENT LIST flag M, CLIENT KILL TYPE master), as Redis lists
	// its master; nil otherwise.
	client atomic.Pointer[core.Client]

	// cachedID is the master's replication ID once a sync succeeded: the
	// next session asks to continue from the offset reached (PSYNC
	// <id> <offset+1>) before falling back to a full sync. Only the
	// link's goroutine uses it.
	cachedID string
	// failover: this server is handing its master role to that one
	// (FAILOVER): PSYNC carries the FAILOVER option, and its answer ends
	// or aborts the failover.
	failover bool
}

// replyError is an error reply of the master's.
type replyError struct{ msg string }

func (e *replyError) Error() string { return e.msg }

func newMasterLink(s *Server, host string, port int) *masterLink {
	l := &masterLink{srv: s, host: host, port: port}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	return l
}

func (l *masterLink) stateName() string { return linkStateNames[l.state.Load()] }

// stop ends the link; it does not wait for its goroutine.
func (l *masterLink) stop() {
	l.stopped.Store(true)
	l.cancel()
	l.wmu.Lock()
	if l.nc != nil {
		l.nc.Close()
	}
	l.wmu.Unlock()
}

// run keeps the link up until stop: a session, then, once it ends, a new
// one a second later, as Redis's replication cron retries.
func (l *masterLink) run() {
	log := l.srv.log.Named("replica")
	for !l.stopped.Load() {
		err := l.session()
		if l.stopped.Load() {
			return
		}
		if l.state.Load() == linkConnected || l.downSince.Load() != 0 {
			l.downSince.Store(time.Now().UnixMilli())
		}
		l.state.Store(linkConnect)
		log.Warn("link with master lost, retrying", "master", net.JoinHostPort(l.host, strconv.Itoa(l.port)), "error", err)
		select {
		case <-l.ctx.Done():
			return
		case <-time.After(time.Second):
		case <-l.srv.done:
			return
		}
	}
}

// session is one connection to the master, from the handshake to the
// link's end; it returns why it ended.
func (l *masterLink) session() error {
	s := l.srv
	l.state.Store(linkConnecting)
	d := net.Dialer{Timeout: 10 * time.Second}
	nc, err := d.DialContext(l.ctx, "tcp", net.JoinHostPort(l.host, strconv.Itoa(l.port)))
	if err != nil {
		return err
	}
	l.wmu.Lock()
	if l.stopped.Load() {
		l.wmu.Unlock()
		nc.Close()
		return errLinkStopped
	}
	l.nc = nc
	l.wmu.Unlock()
	defer nc.Close()
	rd := &streamReader{r: bufio.NewReaderSize(nc, 64<<10), nc: nc, maxBulk: s.Config().ProtoMaxBulkLen}
	l.state.Store(linkHandshake)
	cfg := s.Config()
	// The handshake and the image may be silent for repl-timeout seconds
	// at most; so may the stream (ackLoop checks it: a quiet master sends
	// PING every repl-ping-replica-period).
	rd.timeout = time.Duration(cfg.ReplTimeout) * time.Second
	nc.SetDeadline(time.Now().Add(rd.timeout))

	if _, err := l.call(nc, rd, "PING"); err != nil && !strings.HasPrefix(err.Error(), "NOAUTH") && !strings.HasPrefix(err.Error(), "ERR operation not permitted") {
		return fmt.Errorf("PING: %w", err)
	}
	if cfg.MasterAuth != "" {
		args := []string{"AUTH", cfg.MasterAuth}
		if cfg.MasterUser != "" {
			args = []string{"AUTH", cfg.MasterUser, cfg.MasterAuth}
		}
		if _, err := l.call(nc, rd, args...); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if port := l.listeningPort(); port > 0 {
		l.call(nc, rd, "REPLCONF", "listening-port", strconv.Itoa(port))
	}
	if ip := cfg.compat["replica-announce-ip"]; ip != "" {
		// The address the master lists and FAILOVER TO names this
		// replica by, as Redis sends it.
		l.call(nc, rd, "REPLCONF", "ip-address", ip)
	}
	l.call(nc, rd, "REPLCONF", "capa", "eof", "capa", "psync2")

	// A partial resynchronisation when an earlier session reached the
	// stream, else a full one.
	var replID string
	var start int64
	psyncID, psyncOff := "?", "-1"
	if l.cachedID != "" {
		psyncID, psyncOff = l.cachedID, strconv.FormatInt(l.offset.Load()+1, 10)
	}
	psync := []string{"PSYNC", psyncID, psyncOff}
	if l.failover {
		psync = append(psync, "FAILOVER")
	}
	reply, err := l.call(nc, rd, psync...)
	if l.failover {
		var re *replyError
		switch {
		case err == nil && (strings.HasPrefix(reply, "CONTINUE") || strings.HasPrefix(reply, "FULLRESYNC")):
			s.failoverPsyncAnswered(l, true)
		case errors.As(err, &re) || err == nil:
			// Refused (by ACL, or a target that is no replica of ours):
			// the failover is aborted and this server a master again.
			s.failoverPsyncAnswered(l, false)
			return fmt.Errorf("PSYNC FAILOVER refused: %v", err)
		}
		// A broken connection: the failover goes on with the next try.
	}
	switch {
	case err == nil && (reply == "CONTINUE" || strings.HasPrefix(reply, "CONTINUE ")):
		if f := strings.Fields(reply); len(f) == 2 {
			l.cachedID = f[1]
		}
		return l.resume(nc, rd)
	case err == nil && strings.HasPrefix(reply, "FULLRESYNC "):
		f := strings.Fields(reply)
		if len(f) != 3 {
			return fmt.Errorf("bad PSYNC reply %q", reply)
		}
		replID = f[1]
		start, err = strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return fmt.Errorf("bad PSYNC reply %q", reply)
		}
	case err != nil && strings.HasPrefix(err.Error(), "NOMASTERLINK"), err != nil && strings.HasPrefix(err.Error(), "LOADING"):
		return fmt.Errorf("PSYNC: %w", err)
	case err != nil:
		// An old master: SYNC, whose stream starts at offset 0 here.
		if err := writeCommand(nc, "SYNC"); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unexpected PSYNC reply %q", reply)
	}

	l.state.Store(linkTransfer)
	image, err := l.readImage(rd)
	if err != nil {
		return fmt.Errorf("reading the master's image: %w", err)
	}
	if err := l.load(image); err != nil {
		return err
	}
	l.offset.Store(start)
	l.cachedID = replID
	s.repl.mu.Lock()
	if s.repl.link == l && !l.stopped.Load() {
		// As Redis after a full sync: the master's ID and offset, no
		// second ID, and a new backlog from here.
		r := &s.repl
		if replID != "" {
			r.id = replID
		}
		r.id2, r.secondOffset = strings.Repeat("0", 40), -1
		s.dropBacklogLocked()
		r.baseOffset = start - s.effects.ReplOffset()
		s.ensureBacklogLocked()
	}
	s.repl.mu.Unlock()
	s.log.Named("replica").Info("MASTER <-> REPLICA sync: finished with success", "master", net.JoinHostPort(l.host, strconv.Itoa(l.port)), "bytes", len(image), "offset", start)
	return l.resume(nc, rd)
}

// resume applies the stream from the offset reached, after a full sync or
// a partial one (+CONTINUE).
func (l *masterLink) resume(nc net.Conn, rd *streamReader) error {
	s := l.srv
	start := l.offset.Load()
	rd.timeout = 0
	nc.SetDeadline(time.Time{})
	l.readOffset.Store(start)
	rd.n = 0
	r := &s.repl
	var subs []*replicaLink
	r.mu.Lock()
	if r.link == l && !l.stopped.Load() {
		if l.cachedID != "" && l.cachedID != r.id {
			// The master continues under a new ID (it was promoted, or
			// this server was a master): as Redis, the old ID becomes
			// the second one, up to here, and this server's replicas
			// reconnect to learn the new one.
			r.id2, r.secondOffset = r.id, start+1
			r.id = l.cachedID
			for _, rl := range r.replicas {
				subs = append(subs, rl)
			}
		}
		if r.backlog == nil {
			r.baseOffset = start - s.effects.ReplOffset()
			s.ensureBacklogLocked()
		}
	}
	r.mu.Unlock()
	s.dropReplicas(subs)
	l.state.Store(linkConnected)
	l.lastIO.Store(time.Now().UnixMilli())

	// A diskless Redis master starts the stream once the first ACK says
	// the image is loaded.
	l.sendAck(nc, start)
	done := make(chan struct{})
	defer close(done)
	go l.ackLoop(nc, done)
	cl := core.NewClient(s.nextID.Add(1), nc.RemoteAddr().String(), nc.LocalAddr().String())
	cl.SetMaster(true)
	l.client.Store(cl)
	defer l.client.Store(nil)
	return l.stream(rd, start, cl)
}

// listeningPort is the port the replica announces: replica-announce-port,
// or the one it listens on.
func (l *masterLink) listeningPort() int {
	cfg := l.srv.Config()
	if v, ok := cfg.compat["replica-announce-port"]; ok && v != "0" {
		n, _ := strconv.Atoi(v)
		return n
	}
	if a, ok := l.srv.Addr().(*net.TCPAddr); ok && a != nil {
		return a.Port
	}
	return cfg.Port
}

// call sends a command and reads its one-line reply (skipping the newlines
// a master sends to keep the connection alive); an error reply is
// returned as an error.
func (l *masterLink) call(nc net.Conn, rd *streamReader, args ...string) (string, error) {
	if err := writeCommand(nc, args...); err != nil {
		return "", err
	}
	line, err := rd.line()
	if err != nil {
		return "", err
	}
	if len(line) == 0 {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+':
		return string(line[1:]), nil
	case '-':
		return "", &replyError{string(line[1:])}
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

func writeCommand(w io.Writer, args ...string) error {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	_, err := w.Write(effects.AppendCommand(nil, bs...))
	return err
}

// readImage reads the master's RDB payload: "$<length>\r\n" and the bytes,
// or "$EOF:<40-byte mark>\r\n", the bytes, and the mark.
func (l *masterLink) readImage(rd *streamReader) ([]byte, error) {
	line, err := rd.line()
	if err != nil {
		return nil, err
	}
	if len(line) == 0 || line[0] != '$' {
		if len(line) > 0 && line[0] == '-' {
			return nil, errors.New(string(line[1:]))
		}
		return nil, fmt.Errorf("bad bulk header %q", line)
	}
	l.lastIO.Store(time.Now().UnixMilli())
	if rest, ok := bytes.CutPrefix(line[1:], []byte("EOF:")); ok {
		if len(rest) != 40 {
			return nil, fmt.Errorf("bad EOF mark %q", line)
		}
		mark := bytes.Clone(rest)
		l.syncTotal.Store(-1)
		var buf []byte
		chunk := make([]byte, 64<<10)
		for {
			n, err := rd.r.Read(chunk)
			rd.alive()
			buf = append(buf, chunk[:n]...)
			l.syncRead.Store(int64(len(buf)))
			l.lastIO.Store(time.Now().UnixMilli())
			if bytes.HasSuffix(buf, mark) {
				return buf[:len(buf)-len(mark)], nil
			}
			if err != nil {
				return nil, err
			}
		}
	}
	n, err := strconv.ParseInt(string(line[1:]), 10, 64)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("bad bulk header %q", line)
	}
	l.syncTotal.Store(n)
	buf := make([]byte, 0, min(n, 64<<20))
	chunk := make([]byte, 64<<10)
	for int64(len(buf)) < n {
		k, err := rd.r.Read(chunk[:min(int64(len(chunk)), n-int64(len(buf)))])
		rd.alive()
		buf = append(buf, chunk[:k]...)
		l.syncRead.Store(int64(len(buf)))
		l.lastIO.Store(time.Now().UnixMilli())
		if err != nil && int64(len(buf)) < n {
			return nil, err
		}
	}
	return buf, nil
}

// load replaces the data with the master's image, every slot held.
func (l *masterLink) load(image []byte) error {
	s := l.srv
	// The collector marks what the load allocates on the other CPU too
	// (procs.go).
	defer backgroundJob()()
	s.ks.LockAll(true)
	defer s.ks.UnlockAll(true)
	if l.stopped.Load() {
		return errLinkStopped
	}
	// replica-lazy-flush: the old data counts as freed lazily, every key,
	// as Redis's asynchronous flush before loading counts them.
	cfg := s.Config()
	lazy := cfg.compatBool("replica-lazy-flush")
	for i := 0; i < s.ks.NumDBs(); i++ {
		db := s.ks.DB(i)
		if lazy {
			s.ks.LazyFreed.Add(int64(db.Len()))
		}
		db.Flush()
	}
	n, err := s.loadRDBLocked(s.ks, image, false)
	if err != nil {
		return fmt.Errorf("loading the master's image: %w", err)
	}
	s.ks.AddDirty(int64(n))
	// What this server's own stream carried no longer leads to its data:
	// its replicas resynchronise (as Redis disconnects them) and its
	// append-only file is rewritten from the new data.
	for _, rl := range s.replicaLinks() {
		s.KillClient(rl.client.ID)
		s.dropReplica(rl.client)
	}
	if s.aof.log.Load() != nil {
		s.aof.scheduled.Store(true)
	}
	return nil
}

// ackLoop acknowledges the offset every second, as a Redis replica does,
// and drops a link silent for repl-timeout seconds, until done.
func (l *masterLink) ackLoop(nc net.Conn, done chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			timeout := time.Duration(l.srv.Config().ReplTimeout) * time.Second
			if time.Since(time.UnixMilli(l.lastIO.Load())) > timeout {
				l.srv.log.Named("replica").Warn("MASTER timeout: no data nor PING received", "timeout", timeout)
				nc.Close()
				return
			}
			l.sendAck(nc, l.offset.Load())
		}
	}
}

func (l *masterLink) sendAck(nc net.Conn, off int64) {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	writeCommand(nc, "REPLCONF", "ACK", strconv.FormatInt(off, 10))
}

// stream applies the master's commands until the link ends. Every byte
// read is relayed to this server's own replicas and backlog as it came
// (Server.relay): a command's bytes while it still holds every slot, so
// that an image cut for a sub-replica has either both the change and its
// offset or neither; a transaction's MULTI, queued commands and EXEC
// together, when EXEC runs.
func (l *masterLink) stream(rd *streamReader, start int64, cl *core.Client) error {
	a := newApplier(l.srv, l, cl)
	var tx [][][]byte
	inMulti := false
	rd.raw = rd.raw[:0]
	for {
		args, err := rd.command()
		if err != nil {
			return err
		}
		l.lastIO.Store(time.Now().UnixMilli())
		cl.MarkActive(time.Now())
		l.readOffset.Store(start + rd.n)
		if len(args) == 0 {
			if !inMulti {
				l.srv.relay(l, rd.raw)
				rd.raw = rd.raw[:0]
			}
			l.offset.Store(start + rd.n)
			continue
		}
		name := args[0]
		applied := false
		switch {
		case core.EqualFold(name, "replconf"):
			if len(args) >= 2 && core.EqualFold(args[1], "getack") {
				// The offset before this command, as Redis acknowledges.
				l.sendAck(rd.nc, l.offset.Load())
			}
		case core.EqualFold(name, "ping"):
		case core.EqualFold(name, "multi"):
			inMulti, tx = true, tx[:0]
		case core.EqualFold(name, "exec") && inMulti:
			inMulti = false
			if err := a.apply(tx, true, rd.raw); err != nil {
				return err
			}
			applied = true
			tx = tx[:0]
		case inMulti:
			tx = append(tx, args)
		default:
			if err := a.apply([][][]byte{args}, false, rd.raw); err != nil {
				return err
			}
			applied = true
		}
		if !inMulti {
			if !applied {
				l.srv.relay(l, rd.raw)
			}
			rd.raw = rd.raw[:0]
			l.offset.Store(start + rd.n)
		}
	}
}

// streamReader reads RESP commands from the master, counting the bytes.
type streamReader struct {
	r       *bufio.Reader
	nc      net.Conn
	n       int64 // bytes consumed since the stream started
	maxBulk int64
	// timeout, while set, is how long a read may wait: each read that
	// brings data moves the deadline (the handshake and the image).
	timeout time.Duration
	// raw collects the bytes command reads, as they came, to be relayed
	// to this server's own replicas (Server.relay).
	raw []byte
}

// alive moves the read deadline after data arrived.
func (sr *streamReader) alive() {
	if sr.timeout > 0 {
		sr.nc.SetReadDeadline(time.Now().Add(sr.timeout))
	}
}

// line reads one line without its CRLF, skipping empty lines (the
// newlines a master sends while it prepares the image).
func (sr *streamReader) line() ([]byte, error) {
	for {
		b, err := sr.r.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return nil, errors.New("line too long")
			}
			return nil, err
		}
		sr.n += int64(len(b))
		sr.alive()
		b = bytes.TrimRight(b, "\r\n")
		if len(b) > 0 {
			return bytes.Clone(b), nil
		}
	}
}

// command reads one command: a RESP array of bulk strings, or an inline
// command; an empty line gives no arguments.
func (sr *streamReader) command() ([][]byte, error) {
	b, err := sr.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("line too long")
		}
		return nil, err
	}
	sr.n += int64(len(b))
	sr.raw = append(sr.raw, b...)
	line := bytes.TrimRight(b, "\r\n")
	if len(line) == 0 {
		return nil, nil
	}
	if line[0] != '*' {
		return bytes.Fields(bytes.Clone(line)), nil
	}
	count, err := strconv.Atoi(string(line[1:]))
	if err != nil || count < 0 || count > 1<<20 {
		return nil, fmt.Errorf("protocol error: bad array header %q", line)
	}
	args := make([][]byte, 0, count)
	for i := 0; i < count; i++ {
		h, err := sr.r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		sr.n += int64(len(h))
		sr.raw = append(sr.raw, h...)
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 || h[0] != '$' {
			return nil, fmt.Errorf("protocol error: expected a bulk string, got %q", h)
		}
		n, err := strconv.ParseInt(string(h[1:]), 10, 64)
		if err != nil || n < 0 || n > sr.maxBulk {
			return nil, fmt.Errorf("protocol error: bad bulk length %q", h)
		}
		arg := make([]byte, n+2)
		if _, err := io.ReadFull(sr.r, arg); err != nil {
			return nil, err
		}
		sr.n += n + 2
		sr.raw = append(sr.raw, arg...)
		args = append(args, arg[:n])
	}
	return args, nil
}
