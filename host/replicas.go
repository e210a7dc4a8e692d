package host

import (
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// errNoReplicas is Redis's refusal of a write while min-replicas-to-write
// asks for more replicas than are connected and in sync.
var errNoReplicas = core.NewError("NOREPLICAS Not enough good replicas to write.")

// writes reports whether cmd writes: its own flag, or for EXEC, the flag of
// any command queued in the transaction.
func writes(c *conn, cmd *registry.Cmd) bool {
	if isExec(cmd) {
		return c.client.InMulti() && c.client.QueuedFlags().Has(core.FlagWrite)
	}
	return c.flags(cmd).Has(core.FlagWrite)
}
