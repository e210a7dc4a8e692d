package core

// Effects: every write reaches the append-only file (and, later, replicas)
// as the deterministic commands that reproduce it, in the order the writes
// took effect. This file is the contract between a command and that stream;
// the stream itself is package effects, attached by the host.
//
// By default a write command that reports changes (Ctx.SetChanges, or no
// error) is propagated as it was received. A handler whose request would not
// replay to the same data (it depends on the clock, on randomness, on what a
// blocking wait found) says what to propagate instead:
//
//	c.Propagate(args...)   // this command instead of the request (call again to add more)
//	c.PropagateVerbatim()  // the request as received, at this point of the list
//	c.PropagateNothing()   // nothing at all
//	c.PropagateTo(core.ToReplicas, args...) // replicas only (PUBLISH)
//
// Several effects of one call reach the stream as one atomic unit, wrapped
// in MULTI/EXEC as Redis 7.0 wraps them. A command that runs other commands
// (EXEC, a script, through CommandRunner.RunCall) propagates their effects
// in place of itself.

// Effect is one command of the effects stream and the database it applies to.
type Effect struct {
	// DB is the database index the command applies to; the stream puts a
	// SELECT before it when the database changes.
	DB int
	// Args is the command and its arguments.
	Args [][]byte
	// Target says which readers receive it; the zero value is ToAll.
	Target Target
}

// Target says which readers of the effects stream receive an effect, as
// Redis's PROPAGATE_AOF and PROPAGATE_REPL.
//
// The append-only file and the replicas each follow their own selected
// database: an effect meant for one of them alone moves only that one's
// SELECT state, and its bytes count only in that one's offset (a replica-only
// effect counts in master_repl_offset and the replication backlog, not in
// the file). A unit of several effects is wrapped in MULTI/EXEC for each
// reader that gets any of them.
type Target uint8

const (
	// ToAll reaches the append-only file and the replicas: every change to
	// the data.
	ToAll Target = iota
	// ToReplicas reaches the replicas only: something that changes no data
	// but must also happen on each replica, so the file has no use for it.
	// PUBLISH propagates itself this way, so a replica's subscribers get the
	// master's messages, as in Redis.
	ToReplicas
	// ToLog reaches the append-only file only.
	ToLog
)

// ReachesLog reports whether the append-only file receives effects of
// target t.
func (t Target) ReachesLog() bool { return t != ToReplicas }

// ReachesReplicas reports whether replicas receive effects of target t.
func (t Target) ReachesReplicas() bool { return t != ToLog }

// EffectSink receives the units of the effects stream; the host installs
// one on the keyspace (Keyspace.SetEffectSink). Package effects implements
// it.
type EffectSink interface {
	// Active reports whether anything reads the stream. When it does not,
	// nothing is built or appended, so the stream costs nothing.
	Active() bool
	// Append adds one atomic unit (several effects are wrapped in
	// MULTI/EXEC) and returns the stream offset after it, or 0 when nothing
	// was appended. The caller holds the locks of every key the effects
	// touch, so that the stream's order is the order the changes took
	// effect.
	Append(unit []Effect) int64
}

// SetEffectSink installs the effects stream. The host calls it once, before
// the keyspace is used by more than one goroutine.
func (ks *Keyspace) SetEffectSink(s EffectSink) { ks.effects = s }

// Propagating reports whether the effects stream is read by anything. A
// handler may skip building the arguments of Propagate when it is false;
// Propagate itself does nothing then.
func (ks *Keyspace) Propagating() bool { return ks.effects != nil && ks.effects.Active() }

// Propagate appends one command to the effects stream as a unit of its own,
// for changes made outside a command: evicted keys (DEL), a module's
// background work through Keyspace.Update. The caller holds the locks of the
// keys it names. It returns the stream offset after the unit (0 when nothing
// reads the stream).
func (ks *Keyspace) Propagate(db int, args ...[]byte) int64 {
	if !ks.Propagating() {
		return 0
	}
	return ks.effects.Append([]Effect{{DB: db, Args: args}})
}

// PropagateTo is Propagate for the readers target names (see Target): a
// module's background work that must reach the replicas only, for
// instance.
func (ks *Keyspace) PropagateTo(t Target, db int, args ...[]byte) int64 {
	if !ks.Propagating() {
		return 0
	}
	return ks.effects.Append([]Effect{{DB: db, Args: args, Target: t}})
}

// Evicted propagates the removal of key from database db by maxmemory
// eviction, as Redis does: a DEL, or an UNLINK with lazyfree-lazy-eviction
// (SetLazyEviction). The caller holds the key's lock and has removed it.
func (ks *Keyspace) Evicted(db int, key []byte) {
	cmd := cmdDEL
	if ks.evictUnlink.Load() {
		cmd = cmdUNLINK
	}
	ks.Propagate(db, cmd, key)
}

// SetLazyEviction is lazyfree-lazy-eviction: evicted keys are freed lazily
// (counted in LazyFreed when worth it) and propagated as UNLINK, as Redis
// 7.0 does.
func (ks *Keyspace) SetLazyEviction(on bool) { ks.evictUnlink.Store(on) }

// ExpireDelCommand is the command a write that removes a key because the
// expiry it gives is in the past (EXPIRE, GETEX) propagates, as Redis 7.0:
// UNLINK with lazyfree-lazy-expire, DEL otherwise.
func (ks *Keyspace) ExpireDelCommand() []byte {
	if ks.expireUnlink.Load() {
		return cmdUNLINK
	}
	return cmdDEL
}

// SetLazyServerDel is lazyfree-lazy-server-del: a value a write replaces
// (SET over a key holding a large list) is freed lazily, and counted in
// LazyFreed when worth it, as Redis 7.0's overwrite does.
func (ks *Keyspace) SetLazyServerDel(on bool) { ks.lazyOverwr.Store(on) }

var (
	cmdDEL    = []byte("DEL")
	cmdUNLINK = []byte("UNLINK")
)

// SetLazyExpireUnlink chooses what an expired key's removal is propagated
// as: UNLINK when on (lazyfree-lazy-expire yes), DEL otherwise, as Redis 7.0;
// when on, expired values worth it count in LazyFreed.
func (ks *Keyspace) SetLazyExpireUnlink(on bool) { ks.expireUnlink.Store(on) }

// propagateExpired propagates the removal of an expired key; the caller
// holds the lock of its slot exclusively. Active expiry (lazy false) appends
// a unit of its own. A command that finds a key expired (lazy) leaves the
// deletion in the slot, and the command's effects begin with it
// (Ctx.TakeEffects), so that it is applied atomically with them, as Redis
// 7.0 propagates it.
func (db *DB) propagateExpired(slot int, key string, lazy bool) {
	ks := db.ks
	if !ks.Propagating() {
		return
	}
	cmd := cmdDEL
	if ks.expireUnlink.Load() {
		cmd = cmdUNLINK
	}
	e := Effect{DB: db.index, Args: [][]byte{cmd, []byte(key)}}
	if !lazy {
		ks.effects.Append([]Effect{e})
		return
	}
	l := &ks.locks[slot]
	l.expired = append(l.expired, e)
	ks.pendingExp.Add(1)
}

// takeExpired appends to dst the deletions waiting in the slots of held.
func (ks *Keyspace) takeExpired(dst []Effect, held *LockSet) []Effect {
	for s := range ks.locks {
		// Only the slots held: another's are guarded by locks not ours.
		if !held.Holds(s) {
			continue
		}
		l := &ks.locks[s]
		if len(l.expired) == 0 {
			continue
		}
		dst = append(dst, l.expired...)
		ks.pendingExp.Add(-int64(len(l.expired)))
		clear(l.expired)
		l.expired = l.expired[:0]
	}
	return dst
}

// Propagating reports whether the effects stream is read by anything (see
// Keyspace.Propagating): a handler may skip building what it would pass to
// Propagate when it is false.
func (c *Ctx) Propagating() bool { return c.Keyspace != nil && c.Keyspace.Propagating() }

// Propagate adds a command to what this call propagates, in place of the
// request: the first call replaces the default (the request as received,
// when the command changed something), later calls add commands after it.
// The command applies to the client's selected database (c.DB). Arguments
// may be c.Args slices or new ones; they are encoded before the command's
// locks are released and not kept afterwards.
//
// A command whose request replays differently from how it ran uses it:
// SET k v EX 10 propagates SET k v PXAT <absolute ms>, SPOP propagates
// SREM of the members it popped, a blocking pop the non-blocking pop it
// performed.
func (c *Ctx) Propagate(args ...[]byte) { c.PropagateTo(ToAll, args...) }

// PropagateTo is Propagate for the readers target names: with ToReplicas
// the command reaches the replicas (and counts in the replication offset
// and backlog) but not the append-only file. It replaces the default as
// Propagate does, so a write that also wants a replica-only command calls
// PropagateVerbatim first. PUBLISH, which changes no data, propagates
// itself with
//
//	c.PropagateTo(core.ToReplicas, c.Args...)
func (c *Ctx) PropagateTo(t Target, args ...[]byte) {
	c.propagated = true
	if !c.Propagating() {
		return
	}
	// The list is copied (its arguments are not) so that it does not
	// escape: a variadic call's list then stays on the caller's stack, and
	// a command that propagates (SPOP as SREM) allocates nothing when
	// nobody reads the effects.
	c.effects = append(c.effects, Effect{DB: c.DB.Index(), Args: append([][]byte(nil), args...), Target: t})
}

// PropagateVerbatim adds the request as received to what this call
// propagates, at this point of the list; with Propagate it lets a handler
// add commands before or after its own request.
func (c *Ctx) PropagateVerbatim() {
	c.propagated = true
	if c.Propagating() {
		c.effects = append(c.effects, Effect{DB: c.DB.Index(), Args: c.Args, Target: ToAll})
	}
}

// PropagateNothing makes this call propagate nothing, whatever it changed and
// whatever it propagated before; a later Propagate adds again. For changes
// that must not reach the log or replicas (a command that only changes
// server-local state).
func (c *Ctx) PropagateNothing() {
	c.propagated = true
	c.effects = c.effects[:0]
}

// TakeEffects returns the effects of the call and resets them: what the
// handler propagated, or the request itself when it propagated nothing
// explicitly and verbatim is true (the host passes whether the command is a
// write that reported changes). The returned slice is valid until the next
// call on c. The host calls it while the command's locks are held.
func (c *Ctx) TakeEffects(verbatim bool) []Effect {
	if c.Locks != nil && c.Keyspace != nil && c.Keyspace.pendingExp.Load() > 0 {
		// Keys the command found expired are deleted first.
		if del := c.Keyspace.takeExpired(nil, c.Locks); len(del) > 0 {
			eff := c.takeEffects(verbatim)
			return append(del, eff...)
		}
	}
	return c.takeEffects(verbatim)
}

func (c *Ctx) takeEffects(verbatim bool) []Effect {
	eff := c.effects
	c.effects = c.effects[:0]
	if !c.propagated {
		if !verbatim || !c.Propagating() {
			return nil
		}
		eff = append(eff, Effect{DB: c.DB.Index(), Args: c.Args})
		c.effects = eff[:0]
	}
	c.propagated = false
	return eff
}

// AddEffects appends effects of a command run from inside this one
// (CommandRunner.RunCall) to this call's: the outer command then propagates
// them in place of itself, even when there are none.
func (c *Ctx) AddEffects(eff []Effect) {
	c.propagated = true
	if len(eff) == 0 || !c.Propagating() {
		return
	}
	// Copied: the caller may reuse its argument list (a script's does), and
	// a later command of the transaction may change in place a value that
	// keeps an argument (SET b 1; INCR b).
	for _, e := range eff {
		n := 0
		for _, a := range e.Args {
			n += len(a)
		}
		buf := make([]byte, 0, n)
		args := make([][]byte, len(e.Args))
		for i, a := range e.Args {
			buf = append(buf, a...)
			args[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
		}
		c.effects = append(c.effects, Effect{DB: e.DB, Args: args, Target: e.Target})
	}
}
