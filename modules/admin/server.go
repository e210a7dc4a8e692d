package admin

import (
	"strconv"
	"time"

	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "dbsize", Arity: 1, Flags: core.FlagReadOnly | core.FlagFast, Group: "server", Categories: []string{"keyspace"},
		Summary: "Return the number of keys in the selected database",
		Tips:    []string{"request_policy:all_shards", "response_policy:agg_sum"},
	}, func(c *core.Ctx) error { c.WriteInt(int64(c.DB.Len())); return nil })
	add(core.Spec{
		Name: "flushall", Arity: -1, Flags: core.FlagWrite | core.FlagKeyspace, Group: "server",
		Categories: []string{"keyspace", "dangerous"},
		Summary:    "Remove all keys from all databases",
		Syntax:     "[ASYNC|SYNC]", Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"},
	}, flushall)
	add(core.Spec{
		Name: "flushdb", Arity: -1, Flags: core.FlagWrite | core.FlagKeyspace, Group: "server",
		Categories: []string{"keyspace", "dangerous"},
		Summary:    "Remove all keys from the current database",
		Syntax:     "[ASYNC|SYNC]", Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"},
	}, flushdb)
	add(core.Spec{
		Name: "swapdb", Arity: 3, Flags: core.FlagWrite | core.FlagFast | core.FlagKeyspace, Group: "server",
		Categories: []string{"keyspace", "dangerous"},
		Summary:    "Swaps two Redis databases",
		Syntax:     "index1:integer index2:integer",
	}, swapdb)
	add(core.Spec{
		Name: "time", Arity: 1, Flags: core.FlagLoading | core.FlagStale | core.FlagFast, Group: "server",
		Summary: "Return the current server time",
		Tips:    []string{"nondeterministic_output"},
	}, func(c *core.Ctx) error {
		now := time.Now()
		c.WriteArray(2)
		c.WriteBulkString(strconv.FormatInt(now.Unix(), 10))
		c.WriteBulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
		return nil
	})
	add(core.Spec{
		Name: "lastsave", Arity: 1, Flags: core.FlagLoading | core.FlagStale | core.FlagFast, Group: "server",
		Categories: []string{"admin", "dangerous"},
		Summary:    "Get the UNIX time stamp of the last successful save to disk",
		Tips:       []string{"nondeterministic_output"},
	}, func(c *core.Ctx) error { c.WriteInt(c.Server.LastSave().Unix()); return nil })
	add(core.Spec{
		Name: "bgsave", Arity: -1, Flags: core.FlagAdmin | core.FlagNoScript | core.FlagNoAsyncLoading, Group: "server",
		Summary: "Asynchronously save the dataset to disk",
		Syntax:  "[SCHEDULE]",
	}, bgsave)
	add(core.Spec{
		Name: "bgrewriteaof", Arity: 1, Flags: core.FlagAdmin | core.FlagNoScript | core.FlagNoAsyncLoading, Group: "server",
		Summary: "Asynchronously rewrite the append-only file",
	}, bgrewriteaof)
	add(core.Spec{
		Name: "shutdown", Arity: -1, Flags: core.FlagMultiReply | core.FlagAdmin | core.FlagNoScript | core.FlagLoading | core.FlagStale | core.FlagNoMulti | core.FlagAllowBusy,
		Group: "server", Summary: "Synchronously save the dataset to disk and then shut down the server",
		Syntax: "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]",
	}, shutdown)
	add(core.Spec{
		Name: "save", Arity: 1, Flags: core.FlagAdmin | core.FlagNoScript | core.FlagNoAsyncLoading | core.FlagNoMulti,
		Group: "server", Summary: "Synchronously save the dataset to disk",
	}, func(c *core.Ctx) error {
		if err := c.Server.Save(); err != nil {
			return err
		}
		c.WriteOK()
		return nil
	})
	add(core.Spec{
		Name: "info", Arity: -1, Flags: core.FlagLoading | core.FlagStale, Group: "server", Categories: []string{"dangerous"},
		Summary: "Get information and statistics about the server",
		Syntax:  "[section [section ...]]",
		Tips:    []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
	}, func(c *core.Ctx) error {
		sections := make([]string, 0, len(c.Args)-1)
		for _, a := range c.Args[1:] {
			sections = append(sections, string(a))
		}
		c.WriteVerbatim("txt", c.Server.Info(sections))
		return nil
	})
}

// parseFlushMode accepts FLUSHALL/FLUSHDB's optional ASYNC or SYNC and
// reports whether the flush is lazy: ASYNC, or neither with
// lazyfree-lazy-user-flush on. Both empty the data at once; a lazy flush
// counts its keys in INFO's lazyfreed_objects, as Redis's background
// thread does.
func parseFlushMode(c *core.Ctx, args [][]byte) (lazy bool, err error) {
	switch {
	case len(args) == 0:
		for _, f := range c.Server.ConfigGet("lazyfree-lazy-user-flush") {
			lazy = f.Value == "yes"
		}
		return lazy, nil
	case len(args) == 1 && core.EqualFold(args[0], "async"):
		return true, nil
	case len(args) == 1 && core.EqualFold(args[0], "sync"):
		return false, nil
	}
	return false, core.ErrSyntax
}

func flushall(c *core.Ctx) error {
	lazy, err := parseFlushMode(c, c.Args[1:])
	if err != nil {
		return err
	}
	var removed int64
	for i := 0; i < c.Keyspace.NumDBs(); i++ {
		db := c.Keyspace.DB(i)
		removed += int64(db.Len())
		db.Flush()
	}
	if lazy {
		c.Keyspace.LazyFreed.Add(removed)
	}
	c.Keyspace.TouchedDB(-1)
	c.SetChanges(removed)
	// Propagated even when there was nothing to remove, as Redis 7.0 does.
	c.PropagateVerbatim()
	// Like Redis, save the now empty data set when snapshots are configured,
	// before replying, so that a restart does not bring the keys back.
	c.AfterUnlock(func() { c.Server.SaveFlushed() })
	c.WriteOK()
	return nil
}

func flushdb(c *core.Ctx) error {
	lazy, err := parseFlushMode(c, c.Args[1:])
	if err != nil {
		return err
	}
	removed := int64(c.DB.Len())
	c.DB.Flush()
	if lazy {
		c.Keyspace.LazyFreed.Add(removed)
	}
	c.Keyspace.TouchedDB(c.DB.Index())
	c.SetChanges(removed)
	c.WriteOK()
	return nil
}

// dbIndex parses a database number as Redis's getIntFromObject does.
func dbIndex(b []byte) (int, bool) {
	n, ok := core.ParseInt(b)
	if !ok || n < -1<<31 || n > 1<<31-1 {
		return 0, false
	}
	return int(n), true
}

func swapdb(c *core.Ctx) error {
	a, ok := dbIndex(c.Args[1])
	if !ok {
		return core.NewError("ERR invalid first DB index")
	}
	b, ok := dbIndex(c.Args[2])
	if !ok {
		return core.NewError("ERR invalid second DB index")
	}
	n := c.Keyspace.NumDBs()
	if a < 0 || a >= n || b < 0 || b >= n {
		return core.NewError("ERR DB index is out of range")
	}
	if a != b {
		// WATCH sees the swap (SwapDBs); client-side caches are not told,
		// as Redis 7.0 tells them nothing.
		c.Keyspace.SwapDBs(a, b)
		// Clients blocked on a key of either database may now find it.
		c.Keyspace.SignalAll()
	}
	c.WriteOK()
	return nil
}

func bgsave(c *core.Ctx) error {
	schedule := false
	switch {
	case len(c.Args) == 2 && core.EqualFold(c.Args[1], "schedule"):
		schedule = true
	case len(c.Args) > 1:
		return core.ErrSyntax
	}
	if err := c.Server.BackgroundSave(); err != nil {
		if schedule && core.ErrorText(err) == "ERR Background save already in progress" {
			c.WriteSimple("Background saving scheduled")
			return nil
		}
		return err
	}
	c.WriteSimple("Background saving started")
	return nil
}

// bgrewriteaof asks the server for a rewrite of its append-only file;
// inside EXEC (which holds key locks) it is scheduled, as Redis schedules
// it there.
func bgrewriteaof(c *core.Ctx) error {
	r, ok := c.Server.(core.AOFRewriter)
	if !ok {
		return core.NewError("ERR this server keeps no append-only file")
	}
	status, err := r.RewriteAOF(c.BlockingDenied())
	if err != nil {
		return err
	}
	c.WriteSimple(status)
	return nil
}

// shutdown parses Redis 7's options. NOW and FORCE change nothing here:
// redmod has no replicas to wait for, and a failed save always refuses to
// stop unless FORCE is given.
func shutdown(c *core.Ctx) error {
	var nosave, save, force, abort bool
	for _, a := range c.Args[1:] {
		switch {
		case core.EqualFold(a, "nosave"):
			nosave = true
		case core.EqualFold(a, "save"):
			save = true
		case core.EqualFold(a, "now"):
		case core.EqualFold(a, "force"):
			force = true
		case core.EqualFold(a, "abort"):
			abort = true
		default:
			return core.ErrSyntax
		}
	}
	if nosave && save || abort && len(c.Args) != 2 {
		return core.ErrSyntax
	}
	if abort {
		return core.NewError("ERR No shutdown in progress.")
	}
	if !nosave && !save {
		// Without an option, save only when save rules are configured.
		for _, f := range c.Server.ConfigGet("save") {
			save = f.Value != ""
		}
	}
	if err := c.Server.Shutdown(save); err != nil {
		if !force {
			return err
		}
		c.Server.Shutdown(false)
	}
	// The connection closes without a reply, as Redis's does.
	c.Client.RequestClose()
	return nil
}
