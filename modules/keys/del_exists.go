package keys

import "github.com/redmod/redmod/core"

func init() {
	add(core.Spec{
		Name: "del", Arity: -2, Flags: core.FlagWrite, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RM", "delete"}, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
		FirstKey: 1, LastKey: -1, Step: 1,
		Summary: "Deletes one or more keys.",
		Syntax:  "key [key ...]", Tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"},
	}, del)
	add(core.Spec{
		Name: "exists", Arity: -2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RO"}, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
		FirstKey: 1, LastKey: -1, Step: 1,
		Summary: "Determines whether one or more keys exist.",
		Syntax:  "key [key ...]", Tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"},
	}, exists)
}

func del(c *core.Ctx) error {
	// UNLINK always deletes lazily; DEL when lazyfree-lazy-user-del is on
	// (read only for a value worth freeing lazily).
	lazy := 0
	if core.EqualFold(c.Args[0], "unlink") {
		lazy = 1
	}
	var n int64
	for _, k := range c.Args[1:] {
		v := c.DB.Remove(k)
		if v == nil {
			continue
		}
		c.Notify(core.NotifyGeneric, "del", k)
		n++
		if lazy == 0 && core.HasFreeEffortAbove(v, core.LazyFreeThreshold) {
			lazy = -1
			for _, f := range c.Server.ConfigGet("lazyfree-lazy-user-del") {
				if f.Value == "yes" {
					lazy = 1
				}
			}
		}
		if lazy == 1 {
			c.Keyspace.CountLazyFree(v)
		}
	}
	c.SetChanges(n)
	c.WriteInt(n)
	return nil
}

func exists(c *core.Ctx) error {
	var n int64
	for _, k := range c.Args[1:] {
		if c.DB.Exists(k) {
			n++
		}
	}
	c.WriteInt(n)
	return nil
}
