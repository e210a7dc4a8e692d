package host

import (
	"errors"
	"io"
	"math"
	"net"
	"slices"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/acl"
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

const flushThreshold = 64 * 1024

// activeGrain is how stale a reading client's activity time may be (CLIENT
// LIST idle, `timeout`, the release of an idle query buffer): the clients
// of a busy server read hundreds of times per second each, and a store to
// the shared client record on every read costs a locked instruction and a
// cache line more per batch. Redis's own is in whole seconds (the cached
// unix time).
const activeGrain = int64(10 * time.Millisecond)

// conn is one client connection, served by its own goroutine.
type conn struct {
	srv    *Server
	nc     net.Conn
	rio    *rawIO // nc's socket for reads and writes, nil where unsupported
	rd     *requestReader
	w      *core.Writer
	client *core.Client
	ctx    core.Ctx

	keyIdx []int
	// pf loads the keys of a pipelined batch into the cache before its
	// commands run (prefetch).
	pf    core.Prefetch
	pfIdx []int
	// pfRest counts the next commands prefetch passes over: a batch that
	// named one key over many commands (a queue's pushes) is taken for a
	// run of them, whose keys it is not worth scanning for.
	pfRest int
	effEnd int64 // stream offset after the last effects of the replies not yet sent
	slots  []int
	// hashes are those of the running command's keys (KeyHash), in
	// keyIdx's order; empty when it locks every slot.
	hashes []uint64
	// pendingOut is the size of the replies being written, for the
	// clients' part of used memory (maxmemory.go).
	pendingOut atomic.Int64
	reply      replyStats // rbs, rbp of CLIENT LIST (buffers.go)
	locks      core.LockSet

	// user caches the client's ACL user while the users do not change.
	user         *acl.User
	userGen      uint64
	unrestricted bool
	// softDeadline is set while a write deadline enforces the soft output
	// limit.
	softDeadline bool

	blocked atomic.Bool
	// reading is true while the client's goroutine waits for its socket
	// (requestReader.waiting): the only time `timeout` may find it idle.
	reading  atomic.Bool
	waiter   *core.Waiter       // set while the client is blocked
	blockReq *core.BlockRequest // what the blocked command waits for
	// skipReply drops the next command's reply (CLIENT REPLY SKIP).
	skipReply bool
	// replyMark is where the current command's reply starts in the writer
	// (0 once a flush, as before blocking, sent what preceded it).
	replyMark int
	// unblock receives CLIENT UNBLOCK's request while the client waits in
	// block (true: with an error); block empties it before each wait.
	unblock chan bool
	// holding is set while the outbox holds the messages other clients
	// cause for the replies of the running batch (outbox.holding), from
	// its first command to the flush.
	holding bool
	// executing is set while the client's command runs (run): its own
	// invalidations then follow its reply (pushTo).
	executing bool
	// inBlock is set while the client waits in a blocking command (not
	// while CLIENT PAUSE holds it): CLIENT UNBLOCK applies then.
	inBlock atomic.Bool
	// out carries pushes and, once there has been one, the replies too.
	out *outbox
	// stat holds statistics not yet added to the shared counters.
	stat connStats
	// lat holds latencies published but not yet folded into the shared
	// histograms (stats.go).
	lat latPending
	// lastEnd is when the last command ended or its request's last bytes
	// were read (monoNow), the start of the next command; 0 after a
	// write.
	lastEnd int64
	// markedAt is the activity time last given to the client
	// (Client.MarkActiveAt), which a read refreshes only once it is
	// activeGrain old.
	markedAt int64
	// flushAt is when the replies being flushed were made (the last
	// command's end, 0 when unknown), for replyStats.wrote.
	flushAt int64
	// The last command looked up, by the bytes of its name, while the
	// registry's generation stays the same: a client repeats its commands.
	lastName []byte
	lastCmd  *registry.Cmd
	lastGen  uint64
	// lastRan is the command last recorded as the client's
	// (Client.SetLastCommand), which only this connection records.
	lastRan *registry.Cmd
	// deferred holds invalidations of keys the running command changed,
	// sent after its reply (tracking.go).
	deferred []byte
	// ord is the connection's part of the arrival order (order.go).
	ord connOrder
	// call is the command being dispatched, for its flags (flags).
	call callFlags
}

// callFlags holds the arguments of the command being dispatched and, once
// a check asked for them, its flags for this very call (core.Spec.FlagsFor).
type callFlags struct {
	args  [][]byte
	flags core.Flags
	known bool
}

// flags returns the flags of cmd for the call being dispatched: the
// spec's, or what its FlagsFor says of these arguments (an EVAL whose
// script declares no-writes does not write), computed once and only when a
// check needs them.
func (c *conn) flags(cmd *registry.Cmd) core.Flags {
	if cmd.Spec.FlagsFor == nil {
		return cmd.Spec.Flags
	}
	if !c.call.known {
		c.call.flags = cmd.Spec.FlagsFor(&c.ctx, c.call.args)
		c.call.known = true
	}
	return c.call.flags
}

func newConn(s *Server, nc net.Conn, id int64, cfg Config) *conn {
	c := &conn{
		srv:    s,
		nc:     nc,
		rd:     newRequestReader(nc, &s.limits),
		w:      core.NewWriter(2),
		client: core.NewClient(id, nc.RemoteAddr().String(), nc.LocalAddr().String()),
	}
	c.client.Fd = connFd(nc)
	c.rd.waiting = &c.reading
	// One slot: CLIENT UNBLOCK is accepted from the moment the client
	// shows as blocked, before its goroutine reaches its wait.
	c.unblock = make(chan bool, 1)
	c.rd.onRead = func(n int) {
		// One monotonic clock read per read serves as the start of the
		// command that follows (lastEnd) and as the client's activity
		// for `timeout` (a client uploading a large value slowly is not
		// idle): the wall clock costs twice as much on some machines.
		now := monoNow()
		c.lastEnd = now
		s.stats.netInput.Add(int64(n))
		if now-c.markedAt >= activeGrain {
			c.markedAt = now
			c.client.MarkActiveAt(now)
		}
	}
	// A client created while the default user needs no password stays
	// authenticated when one is set later, as in Redis.
	c.client.SetAuthenticated(!s.acl.DefaultNeedsAuth())
	c.rd.authRequired = func() bool { return !c.client.Authenticated() && s.acl.DefaultNeedsAuth() }
	c.ctx = core.Ctx{Writer: c.w, Keyspace: s.ks, Client: c.client, Server: s, Log: s.log, PubSub: s.ps, Locks: &c.locks}
	c.out = newOutbox(c)
	c.client.SetOutbox(c.out)
	c.client.SetBuffers(c.buffers)
	c.rio = newRawIO(nc)
	if c.rio != nil {
		c.rio.pending = &c.pendingOut
	}
	s.order.attach(c)
	return c
}

func (c *conn) serve() {
	defer c.rd.release()
	defer c.nc.Close()
	defer c.rio.release() // before the socket closes
	defer c.srv.order.detach(c)
	defer c.out.finish()
	defer c.srv.ks.Unwatch(c.client)
	defer c.srv.replicaClientGone(c.client)
	defer c.lat.fold(c.srv, false)
	defer c.publishStats()
	for {
		args, err := c.rd.Next()
		if err != nil {
			var pe *protocolError
			if errors.As(err, &pe) {
				c.w.WriteError(core.NewError("ERR " + pe.Error()))
				c.flush()
				c.srv.log.Debug("protocol error", "client", c.client.Addr, "error", pe.Error())
			} else if errors.Is(err, errQueryBufferLimit) {
				c.srv.log.Warn("closing client that reached client-query-buffer-limit", "client", c.client.Addr)
			} else if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.srv.log.Debug("read failed", "client", c.client.Addr, "error", err)
			}
			c.flush()
			return
		}
		if c.rd.Buffered() && !c.rd.Scanned() {
			c.prefetch()
		}
		c.replyMark = c.w.Len()
		if !c.holding && c.mayGetPushes() {
			c.out.startHold()
		}
		if !c.execute(args) {
			return // a cross-protocol request: close without replying
		}
		if c.rd.Borrowed() && c.srv.ks.KeyChecks() {
			// Checking mode: what the next read would do to arguments a
			// command kept against its BorrowsArgs, done now.
			c.rd.scribble()
		}
		if c.w.ReplyTooBig() {
			// The replies passed the hard output limit while being built:
			// they were dropped, and the client is closed, as Redis does.
			c.srv.log.Warn("client closed for overcoming of output buffer limits", "client", c.client.Addr)
			return
		}
		c.applyReplyMode()
		if len(c.deferred) > 0 {
			c.w.WriteRaw(c.deferred)
			c.deferred = c.deferred[:0]
		}
		if c.client.CloseRequested() {
			c.flush()
			return
		}
		// A batch also ends when the messages it holds for after it grow
		// large (a client streaming commands whose replies are off).
		if !c.rd.Buffered() || c.w.Len() > flushThreshold || c.holding && c.out.heldLen.Load() > flushThreshold {
			if c.w.Len() > 0 {
				// Let the other clients whose requests arrived with this
				// one run first, so that the replies leave in a burst, as
				// from Redis's event loop (which writes after serving
				// every ready client). A reply that wakes a sleeping
				// client costs the writer a cross-CPU wakeup: written one
				// by one between other clients' commands, replies woke
				// redis-benchmark once each and the wakeups took 30% of
				// the server's CPU at -P 16; back to back, most find the
				// reader still awake. With nothing else runnable this
				// returns at once.
				yield()
			}
			if !c.flush() {
				return
			}
		}
	}
}

func (c *conn) flush() bool {
	// Whoever reads these replies may ask for INFO next: the statistics
	// of the commands they answer are published first.
	c.publishStats()
	// The batch's last command ended a moment ago: its end serves as the
	// time of the write (replyStats.wrote) instead of another clock read.
	c.flushAt = c.lastEnd
	c.lastEnd = 0
	// The messages other clients caused meanwhile follow the batch's
	// replies (outbox.holding).
	endHold := c.holding
	c.holding = false
	if c.w.Len() == 0 {
		return !endHold || c.out.flush(true)
	}
	if c.effEnd > 0 {
		// appendfsync always: the replies leave only once the effects of
		// the commands they answer are durable (effects.Gate).
		end := c.effEnd
		c.effEnd = 0
		if err := c.srv.effects.WaitDurable(end); err != nil {
			c.srv.log.Warn("closing client: its writes could not be made durable", "client", c.client.Addr, "error", err)
			c.w.Reset()
			return false
		}
	}
	return c.out.flush(endHold)
}

// mayGetPushes reports whether other clients' commands may send the client
// messages (pub/sub, keyspace events, invalidations), which its batch then
// holds to follow its replies: three atomic loads, before each command of a
// client not holding yet.
func (c *conn) mayGetPushes() bool {
	return c.client.Subscribed() || c.srv.trk.on.Load() > 0
}

// prefetch loads into the cache the memory that the lookups of the keys of
// the commands waiting in the reader's buffer (the command about to run
// and those pipelined after it) will read, so that their cache misses
// overlap instead of coming one after the other (core.Prefetch). Only the
// commands whose keys are at fixed positions are looked at: the keys of
// the others come from module code, which is not run on borrowed bytes.
func (c *conn) prefetch() {
	if c.pfRest > 0 {
		c.pfRest--
		return
	}
	if !c.client.Authenticated() {
		return
	}
	db := c.srv.ks.DB(c.client.DBIndex())
	if db.Len() < core.PrefetchMinKeys {
		return
	}
	// last is the key added last: a pipeline on one key names it again
	// and again, and comparing its bytes costs less than hashing them.
	// It points into the reader's buffer, unchanged while Ahead runs.
	//
	// name and argc are those of the command shown last, whose key
	// positions c.pfIdx holds (skip: it has none to prefetch): a command
	// of the same name with as many arguments has its keys at the same
	// positions, so a pipeline of one command is looked up once.
	var last, name []byte
	argc, skip, shown := -1, false, 0
	c.rd.Ahead(func(args [][]byte) bool {
		shown++
		if len(args) != argc || string(args[0]) != string(name) {
			name, argc = args[0], len(args)
			cmd := c.lookup(args[0])
			skip = cmd == nil || cmd.Spec.Keys != nil || cmd.Spec.Subcommands != nil || !arityOK(cmd.Spec.Arity, len(args))
			if !skip {
				c.pfIdx = cmd.Spec.KeyIndexes(args, c.pfIdx[:0])
			}
		}
		if skip {
			return true
		}
		for _, i := range c.pfIdx {
			if last != nil && string(args[i]) == string(last) {
				continue
			}
			last = args[i]
			if !c.pf.Add(db, last) {
				return false
			}
		}
		return true
	})
	if c.pf.Len() > 1 {
		c.pf.Run()
		return
	}
	c.pf.Reset()
	if shown >= pfOneKeyShown {
		// Many commands on one key (or none): the next ones likely
		// are too, and their key's memory stays in the cache anyway.
		c.pfRest = pfOneKeyRest
	}
}

// A batch of at least pfOneKeyShown commands that names one key makes
// prefetch pass over the next pfOneKeyRest commands (a -P 16 pipeline of
// RPUSH on one key scanned its 16 commands for 7% of the server's CPU in
// BenchmarkDispatchPipeline): a workload that moves on to other keys loses
// the prefetch of a few batches at most.
const (
	pfOneKeyShown = 8
	pfOneKeyRest  = 64
)

// writeDirect writes the replies to the socket from the client's own
// goroutine (the outbox's direct mode).
func (c *conn) writeDirect() bool {
	if !c.checkOutputLimit() {
		c.w.Reset()
		return false
	}
	c.reply.wrote(&c.srv.replyBuf, c.w.Len(), c.writeTime())
	var n int
	var err error
	if c.rio != nil {
		// rawIO publishes pendingOut itself, only when the write must
		// wait for room: most return at once.
		n, err = c.rio.Write(c.w.Bytes())
	} else {
		c.pendingOut.Store(int64(c.w.Len()))
		n, err = c.nc.Write(c.w.Bytes())
		c.pendingOut.Store(0)
	}
	c.srv.stats.netOutput.Add(int64(n))
	c.w.Reset()
	c.replyMark = 0
	return err == nil
}

// writeTime returns the time of the replies being flushed (monoNow).
func (c *conn) writeTime() int64 {
	if c.flushAt != 0 {
		return c.flushAt
	}
	return monoNow()
}

// isCrossProtocol recognises HTTP sent to the port: Redis closes such
// connections at once, without running anything after it.
func isCrossProtocol(name []byte) bool {
	return core.EqualFold(name, "post") || core.EqualFold(name, "host:")
}

// execute runs one command. It returns false when the connection must be
// closed at once without a reply.
func (c *conn) execute(args [][]byte) bool {
	s := c.srv
	// A command starts when the one before it in the batch ended, or when
	// the read that brought it ended: one clock read per command instead
	// of two.
	start := c.lastEnd
	if start == 0 {
		start = monoNow()
	}
	c.lastEnd = 0
	cmd := c.lookup(args[0])
	if cmd == nil {
		// POST and Host: are no commands: an HTTP request is found among
		// the unknown ones.
		if isCrossProtocol(args[0]) {
			s.log.Warn("possible cross-protocol attack: HTTP request on the Redis port, connection closed", "client", c.client.Addr)
			c.w.Reset()
			return false
		}
		c.reject(core.ErrUnknownCommand(args))
		return true
	}
	if !arityOK(cmd.Spec.Arity, len(args)) {
		s.rejectCall(cmd)
		c.reject(execAbort(cmd, core.ErrArity(cmd.FullName), true))
		return true
	}
	if cmd.Spec.Subcommands != nil && len(args) >= 2 {
		sub := cmd.Sub(args[1])
		if sub == nil {
			c.reject(core.ErrUnknownSubcommand(args[1], cmd.Spec.Name))
			return true
		}
		if !arityOK(sub.Spec.Arity, len(args)) {
			s.rejectCall(sub)
			c.reject(core.ErrArity(sub.FullName))
			return true
		}
		cmd = sub
	}
	if !borrowsArgs(cmd) || c.client.InMulti() {
		// The command may keep its arguments, or MULTI queues them:
		// they become copies of its own before anything else sees them.
		args = c.rd.Own(args)
	}
	c.call = callFlags{args: args}
	if c.mayRunAnything() {
		// An authenticated client of an unrestricted user, unchanged.
	} else if err, ok := c.checkAccess(cmd, args); !ok {
		return false
	} else if err != nil {
		s.rejectCall(cmd)
		c.reject(execAbort(cmd, err, false))
		return true
	}
	if c.client.Subscribed() && c.client.Protocol() == 2 && !subscriberContextAllows(cmd) {
		s.rejectCall(cmd)
		c.reject(core.NewError("ERR Can't execute '" + cmd.FullName + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"))
		return true
	}
	// The server-wide states that may refuse or hold a command (a busy
	// script, a disk error, replication, a pause, maxmemory) are each
	// tested with one load here; their steps run only while they apply.
	if err := s.busyError(cmd); err != nil {
		s.rejectCall(cmd)
		c.reject(execAbort(cmd, err, false))
		return true
	}
	if !s.diskQuiet() {
		if err := s.diskError(c, cmd); err != nil {
			s.rejectCall(cmd)
			c.reject(execAbort(cmd, err, false))
			return true
		}
	}
	if !c.replicationQuiet() {
		if err := s.replicaError(c, cmd); err != nil {
			s.rejectCall(cmd)
			c.reject(execAbort(cmd, err, false))
			return true
		}
	}
	if s.pause.Load() != nil {
		held := start
		if !c.waitPause(cmd, &start) {
			return false
		}
		if start != held {
			// Held by a pause: the server may have become a replica
			// meanwhile (FAILOVER), so the replication checks run again, as
			// Redis processes a paused command anew.
			if err := s.replicaError(c, cmd); err != nil {
				s.rejectCall(cmd)
				c.reject(execAbort(cmd, err, false))
				return true
			}
		}
	}
	if s.mem.max.Load() != 0 {
		if err := c.checkMemory(cmd); err != nil {
			s.rejectCall(cmd)
			c.reject(execAbort(cmd, err, false))
			return true
		}
	} else if c.ctx.OutOfMemory() {
		c.ctx.SetOutOfMemory(false)
	}
	if cmd != c.lastRan {
		// A client repeating a command costs a comparison.
		c.client.SetLastCommand(&cmd.FullName)
		c.lastRan = cmd
	}
	batched := statsBatchable(cmd)
	if c.stat.cmd != nil && (c.stat.cmd != cmd || !batched) {
		// INFO, EXEC or a script may read the statistics: what ran
		// before them is counted first.
		c.publishStats()
	}
	if s.trk.nkeys.Load() > 0 {
		// A lowered tracking-table-max-keys applies before the next
		// command, queued ones included, as in Redis.
		s.limitTrackingTable(c.client)
	}
	if c.client.InMulti() && !cmd.Spec.Flags.Has(core.FlagNoQueue) {
		c.queue(cmd, args)
		return true
	}
	before := feedBefore(cmd)
	if before && s.monitors.Load() != nil {
		s.feedMonitors(c.client, c.client.DBIndex(), c.client.Addr, cmd, args, nil)
	}
	if s.order.warm() || cmd.Spec.Flags.Has(core.FlagBlocking) || c.client.Subscribed() {
		s.order.before(c, cmd)
	}
	err := c.run(cmd, args)
	if !before && s.monitors.Load() != nil {
		// The database shown is the one after the command (SELECT's own).
		s.feedMonitors(c.client, c.client.DBIndex(), c.client.Addr, cmd, args, c.ctx.Redacted())
	}
	c.ctx.RunAfterUnlock()
	if s.trk.on.Load() > 0 {
		s.trk.afterCommand(c, cmd)
	}
	if c.waiter != nil {
		var closed bool
		if err, closed = c.block(cmd, args, err); closed {
			return false
		}
		start = monoNow() // a blocked command's time excludes the wait, as in Redis
		c.client.MarkActive(time.Now())
	}
	if s.trk.havePending.Load() {
		s.broadcastPending(c.client)
	}
	// HELLO changes the protocol for the replies that follow it.
	if p := c.client.Protocol(); p != c.w.Protocol() {
		c.w.SetProtocol(p)
	}
	if n, complete := c.w.Replies(); err != nil || n != 1 || !complete {
		// Anything but one complete reply is checked and repaired.
		err = s.settleReply(cmd, c.w, err)
	}
	// MonoNow may read a few microseconds early across goroutines.
	end := max(monoNow(), start)
	usec := (end - start) / 1000
	c.lastEnd = end
	if batched {
		c.stat.cmd = cmd
		c.stat.calls++
		c.stat.usec += usec
		c.recordLatency(end - start)
		if err != nil || !s.unobserved(usec) {
			s.observeRest(cmd, c.client, args, c.ctx.Redacted(), time.Duration(end-start), err != nil)
		}
	} else {
		st := s.stat(cmd)
		st.calls.Add(1)
		st.usec.Add(usec)
		s.observeCall(cmd, c.client, args, c.ctx.Redacted(), time.Duration(end-start), err != nil)
	}
	if err != nil {
		c.w.WriteError(err)
		s.countError(err)
	}
	return true
}

// borrowsArgs reports whether cmd runs on views of the read buffer
// (core.Spec.BorrowsArgs): not a command that may block, whose arguments
// outlive a wait during which the connection reads on.
func borrowsArgs(cmd *registry.Cmd) bool {
	return cmd.Spec.BorrowsArgs && !cmd.Spec.Flags.Has(core.FlagBlocking)
}

// lookup finds the command named by name, remembering the last one found.
func (c *conn) lookup(name []byte) *registry.Cmd {
	// Before the first lookup lastName is empty and lastCmd nil, what an
	// empty name finds anyway.
	if string(name) == string(c.lastName) && c.lastGen == c.srv.reg.Generation() {
		return c.lastCmd
	}
	return c.lookupNew(name)
}

// lookupNew is lookup of a name other than the last one.
func (c *conn) lookupNew(name []byte) *registry.Cmd {
	reg := c.srv.reg
	gen := reg.Generation()
	cmd := reg.Lookup(name)
	if cmd != nil && len(name) <= 32 {
		c.lastName = append(c.lastName[:0], name...)
		c.lastCmd, c.lastGen = cmd, gen
	}
	return cmd
}

// subscriberContextAllows reports whether a RESP2 client with subscriptions
// may run cmd: only what Redis allows there.
func subscriberContextAllows(cmd *registry.Cmd) bool {
	if cmd.Parent != nil {
		return false
	}
	switch cmd.Spec.Name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}

func arityOK(arity, n int) bool {
	if arity > 0 {
		return n == arity
	}
	return n >= -arity
}

func (c *conn) reject(err error) {
	if ea, ok := err.(*execAborted); ok {
		// A refused EXEC ends the transaction, as in Redis.
		c.client.EndMulti()
		c.srv.ks.Unwatch(c.client)
		err = ea.err
	}
	c.client.AbortMulti()
	c.w.WriteError(err)
	c.srv.countError(err)
}

// lockMode is how run locked a command's keys, for the unlock after it.
type lockMode uint8

const (
	lockedNone    lockMode = iota
	lockedSlots            // c.slots, exclusively
	lockedAll              // every slot, exclusively
	lockedAllRead          // every slot, shared
)

// run locks what the command's metadata says it touches, runs it, and
// accounts its changes. A panic in the command becomes an error reply
// (invoke), so the unlocks at its end always run: no lock stays held.
func (c *conn) run(cmd *registry.Cmd, args [][]byte) (err error) {
	s := c.srv
	spec := cmd.Spec
	ks := s.ks
	c.keyIdx = spec.KeyIndexes(args, c.keyIdx[:0])
	ctx := &c.ctx
	ctx.Args = args
	ctx.Name = cmd.FullName
	ctx.ResetRedacted()
	ctx.DB = ks.DB(c.client.DBIndex())
	mark := c.w.Len()
	c.w.BeginReply() // settleReply checks the reply from here

	write := spec.Flags.Has(core.FlagWrite)
	c.hashes = c.hashes[:0]
	c.locks.Reset(ks)
	// A subscriber's or tracking client's command is recorded as its slots'
	// holder, so that the events and invalidations the keyspace announces
	// as it runs (a key it reads expiring) reach it where Redis puts them.
	var owner *core.Client
	if c.client.Subscribed() || s.trk.on.Load() > 0 && c.client.Tracking().On {
		owner = c.client
	}
	c.locks.SetOwner(owner)
	mode := lockedNone
	switch {
	case spec.Flags.Has(core.FlagMovableKeys) && spec.Keys == nil:
		// Keys that come from data (SORT BY/GET patterns) cannot be known
		// before running: lock everything, exclusively since reads may
		// remove expired keys.
		ks.LockAll(true)
		c.locks.HoldAll(true)
		mode = lockedAll
	case len(c.keyIdx) > 0:
		// Each key is hashed once here, for its lock and for the memory
		// settled after the command (invoke).
		c.slots = c.slots[:0]
		for _, i := range c.keyIdx {
			h := ks.KeyHash(args[i])
			c.hashes = append(c.hashes, h)
			c.slots = append(c.slots, int(h%core.NumSlots))
		}
		if len(c.slots) > 1 {
			slices.Sort(c.slots)
			c.slots = slices.Compact(c.slots)
		}
		// Keyed commands lock exclusively even when they only read: a read
		// removes an expired key it finds.
		ks.LockSlots(c.slots, true)
		c.locks.HoldSlots(c.slots)
		mode = lockedSlots
	case spec.Flags.Has(core.FlagKeyspace):
		ks.LockAll(write)
		c.locks.HoldAll(write)
		mode = lockedAll
		if !write {
			mode = lockedAllRead
		}
	case write && spec.Flags.Has(core.FlagNoKeys):
		// A change of a module's own state (FUNCTION LOAD) holds every
		// key, so that it and its effect fall on the same side of a
		// snapshot's cut, which takes them all too.
		ks.LockAll(true)
		c.locks.HoldAll(true)
		mode = lockedAll
	}
	checks := ks.KeyChecks()
	if checks {
		// Checking mode (contract.go): the slots record that this command
		// holds them and which keys it declared, until they are unlocked.
		c.locks.DeclareCommand(cmd.FullName, args, c.keyIdx)
	}
	// The reply is bounded by the hard output limit while it is built.
	c.w.SetLimit(int(min(s.limits.outHard.Load(), math.MaxInt)))
	c.executing = true
	// The changes of a command whose statistics wait in the connection
	// wait with them (publishStats adds them before any reply leaves).
	var dirty *int64
	if statsBatchable(cmd) {
		dirty = &c.stat.dirty
	}
	end, err := s.invoke(cmd, ctx, c.w, c.keyIdx, c.hashes, locksAll(spec), nil, dirty)
	c.executing = false
	if end > c.effEnd {
		c.effEnd = end
	}
	if checks {
		s.reportStrayKeys(cmd, &c.locks)
	}
	if br, ok := err.(*core.BlockRequest); ok {
		c.w.Truncate(mark)
		if c.waiter == nil {
			// Registered before the locks are released, so a write to the
			// keys cannot come between the check and the wait.
			c.waiter = ks.AddWaiter(ctx.DB.Index(), br.Keys)
			c.blockReq = br
		}
	}
	// Unlocked in the reverse order of locking: the record of the holder
	// first, then the command's slots, then the slots it took while it ran
	// (a script's keys, EXEC's), which are released last.
	if checks || owner != nil {
		c.locks.Disown()
	}
	switch mode {
	case lockedSlots:
		ks.UnlockSlots(c.slots, true)
	case lockedAll:
		ks.UnlockAll(true)
	case lockedAllRead:
		ks.UnlockAll(false)
	}
	c.locks.ReleaseExtra()
	return err
}
