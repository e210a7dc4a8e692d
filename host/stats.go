package host

import (
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// connStats holds a connection's statistics not yet added to the shared
// counters (commandstats, total_commands_processed). Adding to counters that
// every connection shares on every command makes the cores fight over their
// cache lines; a run of the same command is instead counted here and added
// once. It is published before any reply leaves (conn.flush), before a
// command that may read statistics, and when the connection closes, so that
// what INFO shows never lags behind a reply a client has seen.
type connStats struct {
	cmd         *registry.Cmd // the command counted, nil when nothing is pending
	calls, usec int64
}

// publishStats adds the pending statistics to the shared counters.
func (c *conn) publishStats() {
	st := &c.stat
	if st.cmd == nil {
		return
	}
	cs := c.srv.stat(st.cmd)
	cs.calls.Add(st.calls)
	cs.usec.Add(st.usec)
	c.srv.stats.commands.Add(st.calls)
	*st = connStats{}
}

// statsBatchable reports whether a command's statistics may wait in the
// connection: commands on fixed key positions (GET, SET, HSET...), which
// never read statistics themselves. INFO, EXEC, scripts and other
// keyless or movable-key commands are counted at once.
func statsBatchable(cmd *registry.Cmd) bool {
	return cmd.Spec.FirstKey > 0 && !cmd.Spec.Flags.Has(core.FlagMovableKeys)
}
