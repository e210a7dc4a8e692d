package host

import (
	"time"

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
	// dirty counts the changes of batched writes not yet added to the
	// keyspace's count (rdb_changes_since_last_save, auto-save): one
	// atomic addition per batch rather than per write.
	dirty int64
	// lat holds the durations (ns) of the counted calls not yet added to
	// the command's latency histogram (latency-tracking), nlat of them.
	lat  [16]int64
	nlat int
}

// publishStats adds the pending statistics to the shared counters.
func (c *conn) publishStats() {
	st := &c.stat
	if st.dirty != 0 {
		c.srv.ks.AddDirty(st.dirty)
		st.dirty = 0
	}
	if st.cmd == nil {
		return
	}
	cs := c.srv.stat(st.cmd)
	cs.calls.Add(st.calls)
	cs.usec.Add(st.usec)
	c.srv.stats.commands.Add(st.calls)
	c.publishLatencies()
	st.cmd, st.calls, st.usec = nil, 0, 0
}

// recordLatency keeps the duration of a batched call for the command's
// latency histogram, added with the other statistics.
func (c *conn) recordLatency(ns int64) {
	st := &c.stat
	if st.nlat == len(st.lat) {
		c.publishLatencies()
	}
	st.lat[st.nlat] = ns
	st.nlat++
}

// publishLatencies adds the kept durations to the histogram of the
// command counted (connStats.cmd).
func (c *conn) publishLatencies() {
	st := &c.stat
	if st.nlat == 0 {
		return
	}
	if h := c.srv.latencyHistOf(st.cmd); h != nil {
		for _, ns := range st.lat[:st.nlat] {
			h.record(time.Duration(ns))
		}
	}
	st.nlat = 0
}

// statsBatchable reports whether a command's statistics may wait in the
// connection: commands on fixed key positions (GET, SET, HSET...), which
// never read statistics themselves. INFO, EXEC, scripts and other
// keyless or movable-key commands are counted at once.
func statsBatchable(cmd *registry.Cmd) bool {
	return cmd.Spec.FirstKey > 0 && !cmd.Spec.Flags.Has(core.FlagMovableKeys)
}
