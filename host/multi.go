package host

import (
	"strings"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// The host's part of MULTI: once a client sent MULTI, every command it sends
// is checked as usual (unknown command, arity, authentication, ACL, each
// refusal marking the transaction for EXECABORT) and then queued instead of
// run, unless its spec carries core.FlagNoQueue (MULTI, EXEC, DISCARD,
// WATCH, QUIT, RESET). EXEC itself is an ordinary command (modules/admin)
// that runs the queue through core.Ctx.Call under core.Server.LockCommands.

var (
	errNotInMulti = core.NewError("ERR Command not allowed inside a transaction")
	queuedReply   = []byte("+QUEUED\r\n")
)

// queue adds a command to the client's open transaction.
func (c *conn) queue(cmd *registry.Cmd, args [][]byte) {
	if cmd.Spec.Flags.Has(core.FlagNoMulti) {
		c.srv.rejectCall(cmd)
		c.reject(errNotInMulti)
		return
	}
	// The call's own flags: EXEC is checked with their union (a queued
	// EVAL of a no-writes script does not make EXEC a write).
	c.client.Queue(args, c.flags(cmd))
	c.w.WriteRaw(queuedReply)
}

// isExec recognises EXEC, which CLIENT PAUSE WRITE holds back when its
// queued commands may write.
func isExec(cmd *registry.Cmd) bool { return cmd.Parent == nil && cmd.Spec.Name == "exec" }

// execAborted is the refusal of an EXEC itself, which discards the
// transaction.
type execAborted struct{ err error }

func (e *execAborted) Error() string { return e.err.Error() }

// execAbort turns the refusal of EXEC into Redis's EXECABORT reply, which
// quotes the refusal: without its "ERR " for the refusals Redis formats
// (arity), with its code for the others (NOAUTH, NOPERM).
func execAbort(cmd *registry.Cmd, err error, formatted bool) error {
	if !isExec(cmd) {
		return err
	}
	text := core.ErrorText(err)
	if formatted {
		text = strings.TrimPrefix(text, "ERR ")
	}
	return &execAborted{err: core.NewError("EXECABORT Transaction discarded because of: " + text)}
}
