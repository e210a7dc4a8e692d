package host

import (
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
	if !arityOK(cmd.Spec.Arity, len(args)) {
		return &core.RunError{Stage: core.RunArity, Err: core.ErrArity(cmd.FullName)}
	}
	if cmd.Spec.Subcommands != nil && len(args) >= 2 {
		sub := cmd.Sub(args[1])
		if sub == nil {
			return &core.RunError{Stage: core.RunUnknown, Err: core.ErrUnknownSubcommand(args[1], cmd.Spec.Name)}
		}
		if !arityOK(sub.Spec.Arity, len(args)) {
			return &core.RunError{Stage: core.RunArity, Err: core.ErrArity(sub.FullName)}
		}
		cmd = sub
	}
	call.Spec = cmd.Spec
	call.Name = cmd.FullName
	call.SetHandle(cmd)
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
	cmd.Stats.RejectedCalls.Add(1)
	return &core.RunError{Stage: stage, Err: core.NewError(d.Error())}
}

// RunCall implements core.CommandRunner: the command runs with the caller's
// locks, and is counted in commandstats and write accounting as a client's
// command is.
func (s *Server) RunCall(parent, c *core.Ctx, call *core.CallRequest) (err error) {
	cmd, _ := call.Handle().(*registry.Cmd)
	if cmd == nil {
		return core.NewError("ERR unknown command")
	}
	start := time.Now()
	mark := c.Writer.Len()
	c.Args = call.Args
	c.Name = cmd.FullName
	write := cmd.Spec.Flags.Has(core.FlagWrite)
	defer func() {
		if r := recover(); r != nil {
			c.Writer.Truncate(mark)
			err = s.recovered(cmd.FullName, r)
		}
		var changes int64
		if write {
			changes = c.Changes(err != nil)
			s.ks.AddDirty(changes)
		}
		if !c.TakeTouched(s.ks.Touched) && write && changes > 0 {
			for _, i := range cmd.Spec.KeyIndexes(call.Args, nil) {
				s.ks.Touched(c.DB.Index(), call.Args[i])
			}
		}
		if _, ok := err.(*core.BlockRequest); ok {
			// A blocking command called from a script does not block: its
			// timeout has passed.
			c.Writer.Truncate(mark)
			c.WriteNullArray()
			err = nil
		}
		for {
			fn := c.TakeAfterUnlock()
			if fn == nil {
				break
			}
			parent.AfterUnlock(fn)
		}
		cmd.Stats.Calls.Add(1)
		cmd.Stats.Usec.Add(time.Since(start).Microseconds())
		s.stats.commands.Add(1)
		if err != nil {
			cmd.Stats.FailedCalls.Add(1)
			s.countError(err)
		}
	}()
	return cmd.Exec(c)
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
