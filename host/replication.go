package host

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// The server's place in replication, as Redis 7.0's: a master, which
// serves replica links (replica.go) from the effects stream, or a replica
// of one master (REPLICAOF), whose link (replica_client.go) loads the
// master's image and applies its stream. A replica may itself serve
// replicas.

var _ core.Replication = (*Server)(nil)

var (
	errReadOnly      = core.NewError("READONLY You can't write against a read only replica.")
	errMasterDown    = core.NewError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
	errWaitOnReplica = core.NewError("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
)

type replState struct {
	replica atomic.Bool // REPLICAOF host port is in force

	mu           sync.Mutex
	link         *masterLink // the link to the master, while a replica
	id, id2      string      // master_replid, master_replid2
	secondOffset int64       // second_repl_offset
	// baseOffset is what a replica made master adds to its stream's
	// offsets: the offset it had reached with its master.
	baseOffset int64

	backlog   *backlog                      // kept once a replica linked (backlog.go)
	replicas  map[*core.Client]*replicaLink // linked replicas, by client
	addrs     map[*core.Client]replicaAddr  // REPLCONF listening-port/ip-address
	nReplicas atomic.Int32
	lastPing  atomic.Int64 // unix seconds of the last PING to the replicas
	// INFO stats: full syncs served, partial ones accepted and refused.
	syncFull, syncPartialOK, syncPartialErr atomic.Int64
	// acked is closed and replaced when a replica acknowledges (WAIT).
	acked chan struct{}
	// FAILOVER (failover.go): its state, and what it is about.
	foState atomic.Int32
	fo      failoverState
}

type replicaAddr struct {
	ip   string
	port int
	// psync2: the replica understands +CONTINUE <replid> (REPLCONF capa
	// psync2); an older one gets +CONTINUE alone, as Redis answers it.
	psync2 bool
}

func (s *Server) replInit() {
	s.repl.id = s.metrics.replID
	s.repl.id2 = strings.Repeat("0", 40)
	s.repl.secondOffset = -1
	s.repl.replicas = map[*core.Client]*replicaLink{}
	// PINGs fall every period counted from the start, as Redis counts its
	// cron loops, not at once when the first replica attaches.
	s.repl.lastPing.Store(time.Now().Unix())
	s.repl.addrs = map[*core.Client]replicaAddr{}
	s.repl.acked = make(chan struct{})
}

// replID returns master_replid.
func (s *Server) replID() string {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	return s.repl.id
}

// replOffset returns master_repl_offset: a master's stream offset, a
// replica's offset in its master's stream.
func (s *Server) replOffset() int64 {
	s.repl.mu.Lock()
	l, base := s.repl.link, s.repl.baseOffset
	s.repl.mu.Unlock()
	if l != nil {
		return l.offset.Load()
	}
	return base + s.effects.ReplOffset()
}

// linkUp reports whether a replica's link with its master is up.
func (s *Server) linkUp() bool {
	s.repl.mu.Lock()
	l := s.repl.link
	s.repl.mu.Unlock()
	return l != nil && l.state.Load() == linkConnected
}

// ReplicaOf implements core.Replication.
func (s *Server) ReplicaOf(c *core.Ctx, host string, port int) (string, error) {
	by := ""
	if c != nil && c.Client != nil {
		by = c.Client.Addr
	}
	r := &s.repl
	r.mu.Lock()
	if host == "" {
		if r.link == nil {
			r.mu.Unlock()
			return "OK", nil
		}
		// REPLICAOF NO ONE ends a failover in progress, as in Redis.
		s.clearFailoverLocked()
		subs := s.unsetMasterLocked()
		r.mu.Unlock()
		s.dropReplicas(subs)
		s.log.Info("MASTER MODE enabled", "by", by)
		return "OK", nil
	}
	defer r.mu.Unlock()
	if l := r.link; l != nil && strings.EqualFold(l.host, host) && l.port == port {
		return "OK Already connected to specified master", nil
	}
	if r.foState.Load() != foNone {
		// As Redis's REPLICAOF: a failover in progress is given up.
		s.abortFailoverLocked("Replicaof command issued")
	}
	s.setMasterLocked(host, port)
	s.log.Info("REPLICAOF enabled", "master", host+":"+strconv.Itoa(port), "by", by)
	return "OK", nil
}

// setMasterLocked makes the server a replica of host:port. As in Redis,
// the server keeps its replication ID, offset and backlog, and its
// replicas stay linked: the new link first asks to continue from where
// this server is (PSYNC <replid> <offset+1>), the master's stream being
// relayed to them from then on. The caller holds s.repl.mu.
func (s *Server) setMasterLocked(host string, port int) {
	r := &s.repl
	l := newMasterLink(s, host, port)
	synced := r.link == nil // a master's own history is always there
	if old := r.link; old != nil {
		old.stop()
		synced = old.cachedID != ""
	}
	if synced {
		l.cachedID = r.id
		l.offset.Store(r.baseOffset + s.effects.ReplOffset())
	}
	l.failover = r.foState.Load() == foInProgress
	s.effects.SetRelay(true)
	s.ks.SetReplica(true)
	r.replica.Store(true)
	r.link = l
	s.noteMaster(host, port)
	go l.run()
}

// unsetMasterLocked makes a replica a master again, as Redis's
// replicationUnsetMaster: the master's ID becomes the second one, valid up
// to the offset reached, so that the old master and the other replicas
// that followed it continue with PSYNC from here; a new ID starts, the
// backlog is kept (started if there was none), and the offsets go on. It
// returns the replicas to disconnect (so that they learn the new ID),
// which the caller drops once it let go of s.repl.mu.
func (s *Server) unsetMasterLocked() []*replicaLink {
	r := &s.repl
	l := r.link
	l.stop()
	r.link = nil
	// The applier relays only while it is the link and not stopped
	// (relay, under s.repl.mu): the offset is final here.
	off := r.baseOffset + s.effects.ReplOffset()
	r.id2, r.secondOffset = r.id, off+1
	r.id = randomHex40()
	s.effects.SetRelay(false)
	s.ks.SetReplica(false)
	r.replica.Store(false)
	s.noteMaster("", 0)
	subs := make([]*replicaLink, 0, len(r.replicas))
	for _, rl := range r.replicas {
		subs = append(subs, rl)
	}
	return subs
}

// dropReplicas disconnects replicas (they reconnect and resynchronise).
func (s *Server) dropReplicas(links []*replicaLink) {
	for _, rl := range links {
		s.KillClient(rl.client.ID)
		s.dropReplica(rl.client)
	}
}

// relay passes bytes of the master's stream on to this replica's own
// replicas and backlog, unchanged, and counts them in master_repl_offset
// (effects.Stream.SetRelay). Only the current, running link relays.
func (s *Server) relay(l *masterLink, raw []byte) {
	if len(raw) == 0 {
		return
	}
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	if s.repl.link != l || l.stopped.Load() {
		return
	}
	s.effects.Control(raw)
}

var pingCommand = []byte("*1\r\n$4\r\nPING\r\n")

// replCron is replication's once-a-second work: a master PINGs its
// replicas every repl-ping-replica-period seconds, in the stream, so that
// a quiet link is not mistaken for a dead one.
func (s *Server) replCron() {
	if s.repl.nReplicas.Load() == 0 || s.repl.replica.Load() {
		return
	}
	now := time.Now().Unix()
	period := int64(s.Config().ReplPingPeriod)
	if now-s.repl.lastPing.Load() >= period {
		s.repl.lastPing.Store(now)
		s.sendControl(pingCommand)
	}
}

// sendControl sends a master's control message (PING, REPLCONF GETACK) to
// its replicas. A replica sends none (its replicas' stream is its
// master's, relayed), nor does a master whose failover holds writes: the
// message would move the offset the target must reach, as Redis sends
// neither while clients are paused for a failover.
func (s *Server) sendControl(msg []byte) {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	if s.repl.link != nil || s.repl.foState.Load() != foNone {
		return
	}
	s.effects.Control(msg)
}

// stopLink ends the link with the master when the server stops.
func (s *Server) stopLink() {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	if s.repl.link != nil {
		s.repl.link.stop()
	}
}

// WriteRole implements core.Replication: ROLE's reply.
func (s *Server) WriteRole(c *core.Ctx) {
	s.repl.mu.Lock()
	l := s.repl.link
	s.repl.mu.Unlock()
	if l != nil {
		c.WriteArray(5)
		c.WriteBulkString("slave")
		c.WriteBulkString(l.host)
		c.WriteInt(int64(l.port))
		c.WriteBulkString(l.stateName())
		off := int64(-1)
		if l.state.Load() == linkConnected {
			off = l.offset.Load()
		}
		c.WriteInt(off)
		return
	}
	links := s.replicaLinks()
	c.WriteArray(3)
	c.WriteBulkString("master")
	c.WriteInt(s.replOffset())
	c.WriteArray(len(links))
	for _, rl := range links {
		c.WriteArray(3)
		c.WriteBulkString(rl.ip)
		c.WriteBulkString(strconv.Itoa(rl.port))
		c.WriteBulkString(strconv.FormatInt(rl.ack.Load(), 10))
	}
}

// ReplConf implements core.Replication: REPLCONF's options, as a Redis
// master takes them. ACK (from a linked replica) and GETACK (meant for a
// replica's master link) get no reply.
func (s *Server) ReplConf(c *core.Ctx) error {
	args := c.Args
	for i := 1; i+1 < len(args); i += 2 {
		opt, val := args[i], args[i+1]
		switch {
		case core.EqualFold(opt, "listening-port"):
			n, ok := core.ParseInt(val)
			if !ok {
				return core.ErrNotInteger
			}
			s.repl.mu.Lock()
			a := s.repl.addrs[c.Client]
			a.port = int(n)
			s.repl.addrs[c.Client] = a
			s.repl.mu.Unlock()
		case core.EqualFold(opt, "ip-address"):
			s.repl.mu.Lock()
			a := s.repl.addrs[c.Client]
			a.ip = string(val)
			s.repl.addrs[c.Client] = a
			s.repl.mu.Unlock()
		case core.EqualFold(opt, "capa"):
			if core.EqualFold(val, "psync2") {
				s.repl.mu.Lock()
				a := s.repl.addrs[c.Client]
				a.psync2 = true
				s.repl.addrs[c.Client] = a
				s.repl.mu.Unlock()
			}
		case core.EqualFold(opt, "rdb-filter-only"):
		case core.EqualFold(opt, "rdb-only"):
			c.Client.SetRDBOnly(string(val) == "1")
		case core.EqualFold(opt, "ack"):
			if n, ok := core.ParseInt(val); ok {
				s.replicaAcked(c.Client, n)
			}
			return nil
		case core.EqualFold(opt, "getack"):
			return nil
		default:
			return core.NewError("ERR Unrecognized REPLCONF option: " + string(opt))
		}
	}
	c.WriteOK()
	return nil
}

// replicaAddr returns the address a replica announced (REPLCONF), its
// connection's otherwise.
func (s *Server) replicaAddr(cl *core.Client) (string, int) {
	s.repl.mu.Lock()
	a := s.repl.addrs[cl]
	s.repl.mu.Unlock()
	ip := a.ip
	if ip == "" {
		ip = cl.Addr
		if i := strings.LastIndexByte(ip, ':'); i >= 0 {
			ip = ip[:i]
		}
		ip = strings.Trim(ip, "[]")
	}
	return ip, a.port
}

func (s *Server) addReplica(l *replicaLink) {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	s.repl.replicas[l.client] = l
	s.repl.nReplicas.Store(int32(len(s.repl.replicas)))
}

// dropReplica forgets what a client that goes away left: its replica link
// (detached from the stream) and its announced address.
func (s *Server) dropReplica(cl *core.Client) {
	s.repl.mu.Lock()
	l := s.repl.replicas[cl]
	delete(s.repl.replicas, cl)
	delete(s.repl.addrs, cl)
	s.repl.nReplicas.Store(int32(len(s.repl.replicas)))
	s.repl.mu.Unlock()
	if l != nil {
		s.effects.Detach(l)
		l.mu.Lock()
		l.gone = true
		l.mu.Unlock()
		s.log.Info("replica link closed", "client", cl.Addr)
	}
}

// replicaClientGone is called when a connection ends.
func (s *Server) replicaClientGone(cl *core.Client) {
	if s.repl.nReplicas.Load() == 0 {
		s.repl.mu.Lock()
		_, ok := s.repl.addrs[cl]
		s.repl.mu.Unlock()
		if !ok {
			return
		}
	}
	s.dropReplica(cl)
}

func (s *Server) replicaAcked(cl *core.Client, off int64) {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	l := s.repl.replicas[cl]
	if l == nil {
		return
	}
	if off > l.ack.Load() {
		l.ack.Store(off)
	}
	l.ackTime.Store(time.Now().UnixMilli())
	close(s.repl.acked)
	s.repl.acked = make(chan struct{})
}

// replicaLinks returns the linked replicas, oldest first.
func (s *Server) replicaLinks() []*replicaLink {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	return s.replicaLinksLocked()
}

// replicaLinksLocked is replicaLinks with s.repl.mu held.
func (s *Server) replicaLinksLocked() []*replicaLink {
	out := make([]*replicaLink, 0, len(s.repl.replicas))
	for _, l := range s.repl.replicas {
		out = append(out, l)
	}
	// Oldest first, by client ID, as Redis lists its replicas.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].client.ID < out[j-1].client.ID; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// goodReplicas counts the replicas online whose last acknowledgement is at
// most maxLag seconds old (min-replicas-to-write).
func (s *Server) goodReplicas(maxLag int) int {
	if s.repl.nReplicas.Load() == 0 {
		return 0
	}
	now := time.Now()
	n := 0
	for _, l := range s.replicaLinks() {
		if l.online.Load() && l.ackTime.Load() != 0 && l.lag(now) <= int64(maxLag) {
			n++
		}
	}
	return n
}

var getAck = []byte("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n")

// WaitReplicas implements core.Replication (WAIT): the writes to wait for
// are everything the stream carried when WAIT came, which covers the
// client's own.
func (s *Server) WaitReplicas(c *core.Ctx, n, timeoutMs int64) (int64, error) {
	if s.repl.replica.Load() {
		return 0, errWaitOnReplica
	}
	target := s.replOffset()
	count := func() (int64, chan struct{}) {
		s.repl.mu.Lock()
		defer s.repl.mu.Unlock()
		var k int64
		for _, l := range s.repl.replicas {
			if l.ack.Load() >= target {
				k++
			}
		}
		return k, s.repl.acked
	}
	k, ch := count()
	if k >= n || c.BlockingDenied() {
		return k, nil
	}
	s.sendControl(getAck)
	var deadline <-chan time.Time
	if timeoutMs > 0 {
		t := time.NewTimer(time.Duration(timeoutMs) * time.Millisecond)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ch:
		case <-deadline:
			k, _ = count()
			return k, nil
		case <-s.done:
			k, _ = count()
			return k, nil
		case <-tick.C:
			s.sendControl(getAck)
		}
		if k, ch = count(); k >= n {
			return k, nil
		}
	}
}

// replicationQuiet reports whether replicaError has nothing to do for c's
// next command, in a few loads: a master without min-replicas-to-write,
// and no refusal left in c's context from before.
func (c *conn) replicationQuiet() bool {
	s := c.srv
	return !s.limits.minReplicas.Load() && !s.repl.replica.Load() && c.ctx.WriteRefusal() == nil && c.ctx.StaleRefusal() == nil
}

// replicaError is the replication step of dispatch. With the check on
// (min-replicas-to-write and min-replicas-max-lag both above 0) a write
// command, or EXEC of a transaction holding one, is refused with
// NOREPLICAS unless enough good replicas are connected; on a read-only
// replica it is refused with READONLY; on a replica whose link is down
// with replica-serve-stale-data no, commands that do not serve stale data
// get MASTERDOWN. Scripts refuse their writes with the same errors
// (core.Ctx.WriteRefusal).
func (s *Server) replicaError(c *conn, cmd *registry.Cmd) error {
	if !s.limits.minReplicas.Load() && !s.repl.replica.Load() {
		// A master without min-replicas-to-write refuses nothing: the
		// common case does not copy the configuration.
		c.ctx.SetWriteRefusal(nil)
		c.ctx.SetStaleRefusal(nil)
		return nil
	}
	cfg := s.Config()
	var refusal error
	switch {
	case cfg.MinReplicasToWrite > 0 && cfg.MinReplicasMaxLag > 0 && s.goodReplicas(cfg.MinReplicasMaxLag) < cfg.MinReplicasToWrite:
		refusal = errNoReplicas
	case cfg.ReplicaReadOnly && s.repl.replica.Load():
		refusal = errReadOnly
	}
	c.ctx.SetWriteRefusal(refusal)
	if refusal != nil && writes(c, cmd) {
		return refusal
	}
	if !cfg.ReplicaServeStale && s.repl.replica.Load() && !s.linkUp() {
		c.ctx.SetStaleRefusal(errMasterDown)
		if !c.flags(cmd).Has(core.FlagStale) || isExec(cmd) && c.client.InMulti() && c.client.QueuedLacking().Has(core.FlagStale) {
			return errMasterDown
		}
	} else {
		c.ctx.SetStaleRefusal(nil)
	}
	return nil
}

// replicationInfo is INFO's replication section, as Redis 7.0 writes it.
func (s *Server) replicationInfo() []core.InfoField {
	cfg := s.Config()
	s.repl.mu.Lock()
	l, id, id2, second := s.repl.link, s.repl.id, s.repl.id2, s.repl.secondOffset
	s.repl.mu.Unlock()
	var out []core.InfoField
	if l == nil {
		out = append(out, field("role", "master"))
	} else {
		now := time.Now()
		up := l.state.Load() == linkConnected
		lastIO := int64(-1)
		if up {
			lastIO = int64(now.Sub(time.UnixMilli(l.lastIO.Load())).Seconds())
		}
		syncing := l.state.Load() == linkTransfer
		out = append(out,
			field("role", "slave"),
			field("master_host", l.host),
			field("master_port", l.port),
			field("master_link_status", map[bool]string{true: "up", false: "down"}[up]),
			field("master_last_io_seconds_ago", lastIO),
			field("master_sync_in_progress", b2i(syncing)),
			field("slave_read_repl_offset", l.readOffset.Load()),
			field("slave_repl_offset", l.offset.Load()),
		)
		if syncing {
			total, read := l.syncTotal.Load(), l.syncRead.Load()
			perc := "0.00"
			if total > 0 {
				perc = strconv.FormatFloat(float64(read)*100/float64(total), 'f', 2, 64)
			}
			out = append(out,
				field("master_sync_total_bytes", total),
				field("master_sync_read_bytes", read),
				field("master_sync_left_bytes", total-read),
				field("master_sync_perc", perc),
				field("master_sync_last_io_seconds_ago", int64(now.Sub(time.UnixMilli(l.lastIO.Load())).Seconds())),
			)
		}
		if !up {
			down := int64(-1)
			if t := l.downSince.Load(); t != 0 {
				down = int64(now.Sub(time.UnixMilli(t)).Seconds())
			}
			out = append(out, field("master_link_down_since_seconds", down))
		}
		out = append(out,
			field("slave_priority", cfg.ReplicaPriority),
			field("slave_read_only", b2i(cfg.ReplicaReadOnly)),
			field("replica_announced", b2i(cfg.compatBool("replica-announced"))),
		)
	}
	links := s.replicaLinks()
	out = append(out, field("connected_slaves", len(links)))
	now := time.Now()
	for i, rl := range links {
		state := "wait_bgsave"
		if rl.online.Load() {
			state = "online"
		}
		out = append(out, field("slave"+strconv.Itoa(i), "ip="+rl.ip+",port="+strconv.Itoa(rl.port)+",state="+state+
			",offset="+strconv.FormatInt(rl.ack.Load(), 10)+",lag="+strconv.FormatInt(rl.lag(now), 10)))
	}
	off := s.replOffset()
	s.repl.mu.Lock()
	bl := s.repl.backlog
	s.repl.mu.Unlock()
	var hist, first int64
	if bl != nil {
		hist, first = bl.histlen()
	}
	out = append(out,
		field("master_failover_state", s.failoverStateName()),
		field("master_replid", id),
		field("master_replid2", id2),
		field("master_repl_offset", off),
		field("second_repl_offset", second),
		field("repl_backlog_active", b2i(bl != nil)),
		field("repl_backlog_size", cfg.ReplBacklogSize),
		field("repl_backlog_first_byte_offset", first),
		field("repl_backlog_histlen", hist),
	)
	return out
}

// replicaOfSetting is the replicaof directive (slaveof its old name): a
// server started with "host port" starts as a replica of that master. As
// in Redis, CONFIG GET shows the current master and CONFIG SET refuses it
// (REPLICAOF changes it).
func replicaOfSetting(name string) setting {
	return setting{
		name: name, usage: `"host port": start as a replica of that master (empty: a master)`,
		get: func(c *Config) string { return c.ReplicaOf },
		set: func(c *Config, v string) error {
			f := strings.Fields(v)
			switch {
			case len(f) == 0:
				c.ReplicaOf = ""
				return nil
			case len(f) != 2:
				return errors.New("wrong number of arguments")
			}
			if n, ok := core.ParseInt([]byte(f[1])); !ok || n < 0 || n > 65535 {
				return errors.New("Invalid master port")
			}
			c.ReplicaOf = f[0] + " " + f[1]
			return nil
		},
	}
}

// startReplication follows the master of the replicaof directive.
func (s *Server) startReplication() {
	f := strings.Fields(s.Config().ReplicaOf)
	if len(f) != 2 {
		return
	}
	port, _ := strconv.Atoi(f[1])
	s.ReplicaOf(nil, f[0], port)
}

// noteMaster records the master in the configuration (CONFIG GET
// replicaof, CONFIG REWRITE).
func (s *Server) noteMaster(host string, port int) {
	v := ""
	if host != "" {
		v = host + " " + strconv.Itoa(port)
	}
	s.cfgMu.Lock()
	s.cfg.ReplicaOf = v
	s.cfgMu.Unlock()
}
