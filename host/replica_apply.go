package host

import (
	"strconv"

	"github.com/redmod/redmod/core"
)

// applier runs the master's commands on a replica, as Redis's master
// client does: no reply, no ACL, no refusal (read-only, OOM, pause), the
// database SELECT chose. Each command, or each MULTI ... EXEC as one, runs
// with every slot held and the keyspace obeying (core.Keyspace.Obey), so
// keys the replica's clock finds expired are still there for the master's
// writes. Effects go on to the replica's own effects stream (its
// append-only file, its replicas), a transaction as one unit.
type applier struct {
	s      *Server
	l      *masterLink
	client *core.Client
	ctx    core.Ctx
	parent core.Ctx
	w      *core.Writer
	locks  core.LockSet
	after  []func()
}

func newApplier(s *Server, l *masterLink, client *core.Client) *applier {
	a := &applier{s: s, l: l, w: core.NewWriter(2), client: client}
	a.ctx = core.Ctx{Writer: a.w, Keyspace: s.ks, Client: a.client, Server: s, Log: s.log, PubSub: s.ps}
	a.parent = core.Ctx{Writer: core.NewWriter(2), Keyspace: s.ks, Client: a.client, Server: s, Log: s.log, PubSub: s.ps}
	return a
}

// apply runs cmds, as one unit when tx, and relays raw, the bytes they
// came as, before letting go of the slots.
func (a *applier) apply(cmds [][][]byte, tx bool, raw []byte) error {
	s := a.s
	s.ks.LockAll(true)
	if a.l.stopped.Load() {
		s.ks.UnlockAll(true)
		return errLinkStopped
	}
	s.ks.Obey(true)
	var parent *core.Ctx
	if tx {
		parent = &a.parent
	}
	for _, args := range cmds {
		a.run(args, parent)
	}
	if parent != nil {
		if eff := parent.TakeEffects(false); len(eff) > 0 {
			s.effects.Append(eff)
		}
	}
	s.relay(a.l, raw)
	s.ks.Obey(false)
	s.ks.UnlockAll(true)
	// Work left for after the locks: waking clients blocked on the keys
	// (on a writable replica), FLUSHALL's follow-ups.
	for len(a.after) > 0 {
		fn := a.after[0]
		a.after = a.after[1:]
		fn()
	}
	a.after = a.after[:0]
	return nil
}

func (a *applier) run(args [][]byte, parent *core.Ctx) {
	s := a.s
	if core.EqualFold(args[0], "select") && len(args) == 2 {
		n, err := strconv.Atoi(string(args[1]))
		if err != nil || n < 0 || n >= s.ks.NumDBs() {
			s.log.Warn("the master selected a database this replica lacks", "db", string(args[1]))
			return
		}
		a.client.SetDBIndex(n)
		return
	}
	cmd := s.reg.Lookup(args[0])
	if cmd == nil {
		s.log.Warn("unknown command from the master, skipped", "command", string(args[0]))
		return
	}
	if cmd.Spec.Subcommands != nil && len(args) >= 2 {
		if sub := cmd.Sub(args[1]); sub != nil {
			cmd = sub
		}
	}
	if !arityOK(cmd.Spec.Arity, len(args)) {
		s.log.Warn("command from the master with a wrong number of arguments, skipped", "command", cmd.FullName)
		return
	}
	ctx := &a.ctx
	ctx.Args = args
	ctx.Name = cmd.FullName
	ctx.DB = s.ks.DB(a.client.DBIndex())
	a.locks.Reset(s.ks)
	a.locks.HoldAll(true)
	ctx.Locks = &a.locks
	if parent != nil {
		parent.DB = ctx.DB
	}
	var kbuf [8]int
	_, err := s.invoke(cmd, ctx, a.w, cmd.Spec.KeyIndexes(args, kbuf[:0]), nil, true, parent, nil)
	for fn := ctx.TakeAfterUnlock(); fn != nil; fn = ctx.TakeAfterUnlock() {
		a.after = append(a.after, fn)
	}
	a.w.Reset()
	if _, ok := err.(*core.BlockRequest); ok {
		err = nil
	}
	if err != nil {
		// Redis logs and goes on: the master's data is the reference.
		s.log.Warn("a command from the master failed", "command", cmd.FullName, "error", core.ErrorText(err))
	}
}
