package host

import (
	"slices"
	"time"

	"github.com/redmod/redmod/acl"
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

var (
	_ core.CommandRunner = (*Server)(nil)
	_ core.BusyGate      = (*Server)(nil)
)

// PrepareCall implements core.CommandRunner: lookup and arity, as dispatch
// does them for a client's command.
func (s *Server) PrepareCall(call *core.CallRequest) error {
	args := call.Args
	if len(args) == 0 {
		return &core.RunError{Stage: core.RunUnknown, Err: core.NewError("ERR unknown command")}
	}
	cmd := s.reg.Lookup(args[0])
	if cmd == nil {
		return &core.RunError{Stage: core.RunUnknown, Err: core.ErrUnknownCommand(args)}
	}
	// The call names its command even when its arity is wrong, so that
	// the caller can count the rejection (RejectCall).
	found := func(cmd *registry.Cmd) {
		call.Spec, call.Name = cmd.Spec, cmd.FullName
		call.SetHandle(cmd)
	}
	if !arityOK(cmd.Spec.Arity, len(args)) {
		found(cmd)
		return &core.RunError{Stage: core.RunArity, Err: core.ErrArity(cmd.FullName)}
	}
	if cmd.Spec.Subcommands != nil && len(args) >= 2 {
		sub := cmd.Sub(args[1])
		if sub == nil {
			return &core.RunError{Stage: core.RunUnknown, Err: core.ErrUnknownSubcommand(args[1], cmd.Spec.Name)}
		}
		if !arityOK(sub.Spec.Arity, len(args)) {
			found(sub)
			return &core.RunError{Stage: core.RunArity, Err: core.ErrArity(sub.FullName)}
		}
		cmd = sub
	}
	found(cmd)
	return nil
}

// CheckCallACL implements core.CommandRunner with the checks dispatch makes.
func (s *Server) CheckCallACL(c *core.Ctx, call *core.CallRequest, context string) error {
	cmd, _ := call.Handle().(*registry.Cmd)
	if cmd == nil {
		return &core.RunError{Stage: core.RunUnknown, Err: core.NewError("ERR unknown command")}
	}
	u := s.acl.User(c.Client.User())
	if u == nil {
		return &core.RunError{Stage: core.RunNoPermCommand, Err: acl.ErrNoPermCommand(cmd.FullName)}
	}
	if u.Unrestricted() {
		return nil
	}
	idx := cmd.Spec.KeyIndexes(call.Args, nil)
	d := s.acl.Check(u, cmd, call.Args, idx)
	if d == nil {
		return nil
	}
	s.acl.Log(acl.LogEntry{Reason: d.Reason, Context: context, Object: d.Object, Username: u.Name, ClientInfo: s.clientInfo(c.Client)})
	stage := core.RunNoPermCommand
	if d.Reason == "key" {
		stage = core.RunNoPermKey
	}
	s.rejectCall(cmd)
	return &core.RunError{Stage: stage, Err: core.NewError(d.Error())}
}

// RunCall implements core.CommandRunner: the command runs with the caller's
// locks through the same step as a client's command (invoke: panic
// recovery, write accounting, WATCH), and is counted in commandstats. It
// never blocks (Ctx.BlockingDenied): a blocking command that finds nothing
// replies as if its timeout had passed.
func (s *Server) RunCall(parent, c *core.Ctx, call *core.CallRequest) (err error) {
	cmd, _ := call.Handle().(*registry.Cmd)
	if cmd == nil {
		return core.NewError("ERR unknown command")
	}
	// The monotonic clock alone: time.Now reads the wall clock too, which
	// a script's every redis.call would pay for.
	start := monoNow()
	mark := c.Writer.Len()
	c.Args = call.Args
	c.Name = cmd.FullName
	c.ResetRedacted()
	c.SetBlockingDenied(true)
	if parent != nil && c.FromScript() {
		// Its keyspace events are the caller's (core.Ctx.NotifyDB).
		c.SetCaller(parent.Client)
	}
	var kbuf [8]int
	outer := c.Writer.BeginReply()
	_, err = s.invoke(cmd, c, c.Writer, cmd.Spec.KeyIndexes(call.Args, kbuf[:0]), nil, locksAll(cmd.Spec), parent, nil)
	if _, ok := err.(*core.BlockRequest); ok {
		c.Writer.Truncate(mark)
		c.WriteNullArray()
		err = nil
	}
	// The caller (EXEC, a script) reads one reply per call: the contract
	// is kept here as for a client's command.
	err = s.settleReply(cmd, c.Writer, err)
	if cmd.Spec.Flags.Has(core.FlagMultiReply) && err == nil {
		c.Writer.EndReplyCounted(outer)
	} else {
		c.Writer.EndReply(outer)
	}
	for {
		fn := c.TakeAfterUnlock()
		if fn == nil {
			break
		}
		parent.AfterUnlock(fn)
	}
	s.afterCall(cmd, c.Client, call.Args, c.Redacted(), time.Duration(max(monoNow()-start, 0)), err != nil)
	if !feedBefore(cmd) {
		// Redis shows a script's commands with "lua" as the address, a
		// transaction's with its client's.
		addr := "lua"
		if !c.FromScript() && c.Client != nil {
			addr = c.Client.Addr
		}
		db := c.DB.Index()
		if c.Client != nil {
			db = c.Client.DBIndex() // after the command: SELECT's own
		}
		s.feedMonitors(c.Client, db, addr, cmd, call.Args, c.Redacted())
	}
	if err != nil {
		s.countError(err)
	}
	return err
}

// RejectCall implements core.CommandRunner.
func (s *Server) RejectCall(call *core.CallRequest, err error) {
	if call != nil {
		if cmd, _ := call.Handle().(*registry.Cmd); cmd != nil {
			s.rejectCall(cmd)
		}
	}
	s.countError(err)
}

// invoke runs a command whose locks the caller holds: the one step of
// dispatch that a client's command (conn.run) and a called command
// (RunCall: EXEC, scripts) share. It turns a panic into an error reply,
// accounts the command's changes for auto-save, reports the keys it
// modified to the keyspace's observers, settles its WATCH marks
// (core.Keyspace.SettleWatches) and propagates its effects while the locks
// are still held: a command run from another (parent not nil) adds them to
// its parent's, a client's command appends them to the effects stream as
// one unit and returns the stream offset after it (end, 0 when nothing was
// appended). keyIdx are the positions of the command's keys in its
// arguments, hashes their hashes when the caller has them (nil: hashed
// when needed); allSlots says it holds every slot. The changes are added
// to *dirty when it is given (a connection's batched count, stats.go), to
// the keyspace's count otherwise.
func (s *Server) invoke(cmd *registry.Cmd, ctx *core.Ctx, w *core.Writer, keyIdx []int, hashes []uint64, allSlots bool, parent *core.Ctx, dirty *int64) (end int64, err error) {
	write := cmd.Spec.Flags.Has(core.FlagWrite)
	err = s.execRecovering(cmd, ctx, w, keyIdx, write, parent)
	var n int64
	if write {
		n = ctx.Changes(err != nil)
		if n != 0 {
			if dirty != nil {
				*dirty += n
			} else {
				s.ks.AddDirty(n)
			}
		}
	}
	by := ctx.Client
	if parent != nil && ctx.FromScript() {
		// A script's writes are its caller's, for NOLOOP and for
		// invalidations that follow the caller's reply.
		by = parent.Client
	}
	if !ctx.TakeTouched(func(db int, key []byte) { s.ks.Touched(db, key, by) }) && write && n > 0 {
		for _, i := range keyIdx {
			s.ks.Touched(ctx.DB.Index(), ctx.Args[i], by)
		}
	}
	if write && (n != 0 || err != nil) {
		// A write that changed nothing (SPOP of a missing key)
		// left every value's size as it was: no second lookup.
		s.ks.SettleMemoryHashed(ctx.DB, ctx.Args, keyIdx, hashes)
	}
	if s.ks.Watching() {
		s.ks.SettleWatches(ctx.DB, n > 0, ctx.Args, keyIdx, allSlots)
	}
	eff := ctx.TakeEffects(write && n > 0)
	if parent != nil {
		parent.AddEffects(eff)
	} else if len(eff) > 0 {
		end = s.effects.Append(eff)
	}
	return end, err
}

// execRecovering runs the command for invoke and turns a panic into an
// error reply (what the command wrote is dropped). Everything invoke does
// after it runs whether or not the command panicked.
func (s *Server) execRecovering(cmd *registry.Cmd, ctx *core.Ctx, w *core.Writer, keyIdx []int, write bool, parent *core.Ctx) (err error) {
	mark := w.Len()
	// A command that changes no data is stopped as soon as its reply passes
	// the Writer's limit (core.ErrReplyTooBig, recovered below); one that
	// changes data is not interrupted halfway.
	w.SetAbortOnOverflow(!write)
	defer func() {
		w.SetAbortOnOverflow(false)
		if r := recover(); r != nil {
			w.Truncate(mark)
			err = s.recovered(cmd.FullName, r)
		}
	}()
	if write {
		// A snapshot being written keeps the state at its cut of the keys
		// the command may change in place (core.Cut).
		for _, i := range keyIdx {
			ctx.DB.Preserve(ctx.Args[i])
		}
	}
	err = cmd.Exec(ctx)
	if s.trk.on.Load() > 0 && ctx.Client != nil {
		s.rememberRead(ctx, cmd, keyIdx, parent)
	}
	return err
}

// locksAll reports whether a command needs every slot: keyspace-wide, or
// keys found from data.
func locksAll(spec *core.Spec) bool {
	return spec.Flags.Has(core.FlagKeyspace) || (spec.Flags.Has(core.FlagMovableKeys) && spec.Keys == nil)
}

// LockCommands implements core.Server. With held, the locks are released
// with the command's own, after its effects are propagated, and unlock does
// nothing.
func (s *Server) LockCommands(held *core.LockSet, cmds [][][]byte, also []int) (unlock func()) {
	unlock = s.lockCommands(held, cmds, also)
	if held == nil {
		return unlock
	}
	held.ReleaseLater(unlock)
	return func() {}
}

func (s *Server) lockCommands(held *core.LockSet, cmds [][][]byte, also []int) (unlock func()) {
	ks := s.ks
	slots := append([]int(nil), also...)
	var idx []int
	for _, args := range cmds {
		call := core.CallRequest{Args: args}
		// A change of module state (core.FlagNoKeys) holds every key, as
		// in conn.run.
		if s.PrepareCall(&call) != nil || locksAll(call.Spec) ||
			call.Spec.Flags.Has(core.FlagWrite) && call.Spec.Flags.Has(core.FlagNoKeys) {
			ks.LockAll(true)
			if held != nil {
				held.HoldAll(true)
			}
			return func() { ks.UnlockAll(true) }
		}
		idx = call.Spec.KeyIndexes(args, idx[:0])
		for _, i := range idx {
			slots = append(slots, ks.SlotOf(args[i]))
			if held != nil && ks.KeyChecks() {
				held.Declare(args[i])
			}
		}
	}
	slices.Sort(slots)
	slots = slices.Compact(slots)
	ks.LockSlots(slots, true)
	if held != nil {
		held.HoldSlots(slots)
	}
	return func() { ks.UnlockSlots(slots, true) }
}

// SetBusy implements core.BusyGate.
func (s *Server) SetBusy(err error) {
	if err == nil {
		s.busy.Store(nil)
		return
	}
	s.busy.Store(&err)
}

// busyError returns the error a command gets while the server is busy.
func (s *Server) busyError(cmd *registry.Cmd) error {
	p := s.busy.Load()
	if p == nil || cmd.Spec.Flags.Has(core.FlagAllowBusy) {
		return nil
	}
	return *p
}
