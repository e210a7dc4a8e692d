package admin

import (
	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "dbsize", Arity: 1, Flags: core.FlagReadOnly | core.FlagFast, Group: "server", Categories: []string{"keyspace"},
		Summary: "Return the number of keys in the selected database", Since: "1.0.0", Complexity: "O(1)",
		Tips: []string{"request_policy:all_shards", "response_policy:agg_sum"},
	}, func(c *core.Ctx) error { c.WriteInt(int64(c.DB.Len())); return nil })
	flushArgs := []core.Arg{{Name: "flush-type", Type: core.ArgOneOf, Optional: true, Args: []core.Arg{
		{Name: "async", Type: core.ArgPureToken, Token: "ASYNC"}, {Name: "sync", Type: core.ArgPureToken, Token: "SYNC"}}}}
	add(core.Spec{
		Name: "flushall", Arity: -1, Flags: core.FlagWrite | core.FlagKeyspace, Group: "server",
		Categories: []string{"keyspace", "dangerous"},
		Summary:    "Remove all keys from all databases", Since: "1.0.0", Complexity: "O(N) where N is the total number of keys in all databases",
		Args: flushArgs, Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"},
	}, flushall)
	add(core.Spec{
		Name: "save", Arity: 1, Flags: core.FlagAdmin | core.FlagNoScript | core.FlagNoAsyncLoading | core.FlagNoMulti,
		Group: "server", Summary: "Synchronously save the dataset to disk", Since: "1.0.0",
		Complexity: "O(N) where N is the total number of keys in all databases",
	}, func(c *core.Ctx) error {
		if err := c.Server.Save(); err != nil {
			return err
		}
		c.WriteOK()
		return nil
	})
	add(core.Spec{
		Name: "info", Arity: -1, Flags: core.FlagLoading | core.FlagStale, Group: "server", Categories: []string{"dangerous"},
		Summary: "Get information and statistics about the server", Since: "1.0.0", Complexity: "O(1)",
		Args: []core.Arg{{Name: "section", Type: core.ArgString, Optional: true, Multiple: true}},
		Tips: []string{"nondeterministic_output"},
	}, func(c *core.Ctx) error {
		sections := make([]string, 0, len(c.Args)-1)
		for _, a := range c.Args[1:] {
			sections = append(sections, string(a))
		}
		c.WriteVerbatim("txt", c.Server.Info(sections))
		return nil
	})
}

// parseFlushMode accepts FLUSHALL/FLUSHDB's optional ASYNC or SYNC; both
// empty the data at once.
func parseFlushMode(args [][]byte) error {
	switch {
	case len(args) == 0:
		return nil
	case len(args) == 1 && (core.EqualFold(args[0], "async") || core.EqualFold(args[0], "sync")):
		return nil
	}
	return core.ErrSyntax
}

func flushall(c *core.Ctx) error {
	if err := parseFlushMode(c.Args[1:]); err != nil {
		return err
	}
	var removed int64
	for i := 0; i < c.Keyspace.NumDBs(); i++ {
		db := c.Keyspace.DB(i)
		removed += int64(db.Len())
		db.Flush()
	}
	c.SetChanges(removed)
	// Like Redis, save the now empty data set when snapshots are configured,
	// so that a restart does not bring the keys back.
	c.AfterUnlock(func() { c.Server.Save() })
	c.WriteOK()
	return nil
}
