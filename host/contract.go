package host

import (
	"fmt"
	"strconv"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// The host keeps the reply contract for every command (core.Command.Exec):
// exactly one complete reply, or an error and nothing written. A module
// that breaks it would hang its client (no reply) or desynchronise the
// connection (two replies, a reply and an error), so the host repairs the
// reply and reports the bug naming the command. The accounting is two
// integer steps per value written (core.Writer.BeginReply), cheap enough
// to be always on.

// settleReply checks what cmd wrote since w.BeginReply and the error it
// returned, repairs the reply, and returns the error to send (nil when the
// reply written stands).
func (s *Server) settleReply(cmd *registry.Cmd, w *core.Writer, err error) error {
	if cmd.Spec.Flags.Has(core.FlagMultiReply) || w.ReplyTooBig() {
		return err
	}
	n, complete := w.Replies()
	switch {
	case err != nil && n == 0:
		return err
	case err != nil && n == 1 && complete:
		s.bug(cmd, fmt.Sprintf("wrote a reply and returned an error (%s); the error was dropped", core.ErrorText(err)))
		return nil
	case err != nil:
		w.DropReplies()
		s.bug(cmd, fmt.Sprintf("wrote an incomplete or second reply and returned an error (%s); only the error was sent", core.ErrorText(err)))
		return err
	case n == 0:
		s.bug(cmd, "wrote no reply and returned no error; the client got an error reply")
		return core.NewError(fmt.Sprintf("ERR command '%s' sent no reply (a bug in module %s)", cmd.FullName, cmd.Module))
	case n == 1 && !complete:
		w.DropReplies()
		s.bug(cmd, "wrote an incomplete reply (an aggregate with elements missing); the client got an error reply")
		return core.NewError(fmt.Sprintf("ERR command '%s' sent an incomplete reply (a bug in module %s)", cmd.FullName, cmd.Module))
	case n > 1:
		w.KeepFirstReply()
		s.bug(cmd, fmt.Sprintf("wrote %d replies; all but the first were dropped", n))
	}
	return nil
}

// bug reports a broken contract of cmd's module: in the log, as an error
// naming the command and the module, and to Config.OnBug.
func (s *Server) bug(cmd *registry.Cmd, what string) {
	name := "?"
	module := "?"
	if cmd != nil {
		name, module = cmd.FullName, cmd.Module
	}
	s.log.Error("module bug: command "+what, "command", name, "module", module)
	if s.onBug != nil {
		s.onBug(fmt.Sprintf("module %s: command '%s' %s", module, name, what))
	}
}

// reportStrayKeys reports, in checking mode (Config.CheckKeys), the keys
// cmd touched without declaring them: the host did not lock them, so
// another client could change them meanwhile.
func (s *Server) reportStrayKeys(cmd *registry.Cmd, l *core.LockSet) {
	for _, k := range s.ks.TakeStrayKeys(l) {
		s.bug(cmd, "touched key "+strconv.Quote(k)+" that it did not declare (Spec FirstKey/LastKey/Step or Keys): the host did not lock it")
	}
}
