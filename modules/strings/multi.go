package strings

import (
	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "mget", Arity: -2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: -1, Step: 1, Tips: []string{"request_policy:multi_shard"},
		Summary: "Get the values of all the given keys",
		Syntax:  "key [key ...]",
	}, mget)
	add(core.Spec{
		Name: "mset", Arity: -3, Flags: core.FlagWrite | core.FlagDenyOOM, BorrowsArgs: true,
		FirstKey: 1, LastKey: -1, Step: 2, KeyFlags: []string{"OW", "update"},
		Tips:    []string{"request_policy:multi_shard", "response_policy:all_succeeded"},
		Summary: "Set multiple keys to multiple values",
		Syntax:  "(key value) [(key value) ...]",
	}, mset)
	add(core.Spec{
		Name: "msetnx", Arity: -3, Flags: core.FlagWrite | core.FlagDenyOOM, BorrowsArgs: true,
		FirstKey: 1, LastKey: -1, Step: 2, KeyFlags: []string{"OW", "insert"},
		Tips:    []string{"request_policy:multi_shard", "response_policy:agg_min"},
		Summary: "Set multiple keys to multiple values, only if none of the keys exist",
		Syntax:  "(key value) [(key value) ...]",
	}, msetnx)
}

// mget answers nil for a missing key and for a key of another type.
func mget(c *core.Ctx) error {
	c.WriteArray(len(c.Args) - 1)
	for _, key := range c.Args[1:] {
		if b, ok, _ := c.DB.GetBytes(key); ok {
			c.WriteBulk(b)
		} else {
			c.WriteNull()
		}
	}
	return nil
}

func mset(c *core.Ctx) error {
	if len(c.Args)%2 == 0 {
		// Redis checks the pairing itself; the arity only says "at least 3".
		return core.ErrArity(c.Name)
	}
	for i := 1; i < len(c.Args); i += 2 {
		c.DB.SetString(c.Args[i], c.Args[i+1], 0, false)
		c.Notify(core.NotifyString, "set", c.Args[i])
	}
	c.WriteOK()
	return nil
}

func msetnx(c *core.Ctx) error {
	if len(c.Args)%2 == 0 {
		return core.ErrArity(c.Name)
	}
	for i := 1; i < len(c.Args); i += 2 {
		if c.DB.Exists(c.Args[i]) {
			c.SetChanges(0)
			c.WriteInt(0)
			return nil
		}
	}
	for i := 1; i < len(c.Args); i += 2 {
		c.DB.SetString(c.Args[i], c.Args[i+1], 0, false)
		c.Notify(core.NotifyString, "set", c.Args[i])
	}
	c.WriteInt(1)
	return nil
}
