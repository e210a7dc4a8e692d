package host

import (
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// errNoReplicas is Redis's refusal of a write while min-replicas-to-write
// asks for more replicas than are connected and in sync.
var errNoReplicas = core.NewError("NOREPLICAS Not enough good replicas to write.")

// replicaError is the min-replicas-to-write step of dispatch: with the check
// on (min-replicas-to-write and min-replicas-max-lag both above 0) a write
// command, or EXEC of a transaction holding one, is refused unless enough
// good replicas are connected. redmod serves no replicas yet, so none are.
func (s *Server) replicaError(c *conn, cmd *registry.Cmd) error {
	cfg := s.Config()
	if cfg.MinReplicasToWrite == 0 || cfg.MinReplicasMaxLag == 0 {
		c.ctx.SetWriteRefusal(nil)
		return nil
	}
	// Scripts refuse their writes (and a script that declares it writes)
	// with the same error (core.Ctx.WriteRefusal).
	c.ctx.SetWriteRefusal(errNoReplicas)
	if !writes(c, cmd) {
		return nil
	}
	const goodReplicas = 0
	if goodReplicas >= cfg.MinReplicasToWrite {
		return nil
	}
	return errNoReplicas
}

// writes reports whether cmd writes: its own flag, or for EXEC, the flag of
// any command queued in the transaction.
func writes(c *conn, cmd *registry.Cmd) bool {
	if isExec(cmd) {
		return c.client.InMulti() && c.client.QueuedFlags().Has(core.FlagWrite)
	}
	return cmd.Spec.Flags.Has(core.FlagWrite)
}
