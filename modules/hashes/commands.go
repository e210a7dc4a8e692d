package hashes

import (
	"github.com/redmod/redmod/core"
)

func init() {
	keyArg := core.Arg{Name: "key", Type: core.ArgKey}
	add(core.Spec{
		Name: "hset", Arity: -4, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Creates or modifies the value of a field in a hash.", Since: "2.0.0",
		Complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
		Args: []core.Arg{keyArg, {Name: "data", Type: core.ArgBlock, Multiple: true, Args: []core.Arg{
			{Name: "field", Type: core.ArgString}, {Name: "value", Type: core.ArgString}}}},
	}, hset)
	add(core.Spec{
		Name: "hget", Arity: 3, Flags: core.FlagReadOnly | core.FlagFast,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns the value of a field in a hash.", Since: "2.0.0", Complexity: "O(1)",
		Args: []core.Arg{keyArg, {Name: "field", Type: core.ArgString}},
	}, hget)
	add(core.Spec{
		Name: "hgetall", Arity: 2, Flags: core.FlagReadOnly,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns all fields and values in a hash.", Since: "2.0.0", Complexity: "O(N) where N is the size of the hash.",
		Args: []core.Arg{keyArg}, Tips: []string{"nondeterministic_output_order"},
	}, hgetall)
	add(core.Spec{
		Name: "hdel", Arity: -3, Flags: core.FlagWrite | core.FlagFast,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", Since: "2.0.0",
		Complexity: "O(N) where N is the number of fields to be removed.",
		Args:       []core.Arg{keyArg, {Name: "field", Type: core.ArgString, Multiple: true}},
	}, hdel)
}

func hset(c *core.Ctx) error {
	if len(c.Args)%2 != 0 {
		return core.ErrArity(c.Name)
	}
	key := c.Args[1]
	h, err := getHash(c, key)
	if err != nil {
		return err
	}
	if h == nil {
		h = &Hash{}
		c.DB.Set(key, h)
	}
	added := 0
	for i := 2; i < len(c.Args); i += 2 {
		if h.Set(c.Args[i], c.Args[i+1]) {
			added++
		}
	}
	c.Notify(core.NotifyHash, "hset", key)
	c.WriteInt(int64(added))
	return nil
}

func hget(c *core.Ctx) error {
	h, err := getHash(c, c.Args[1])
	if err != nil {
		return err
	}
	if h != nil {
		if v, ok := h.Get(c.Args[2]); ok {
			c.WriteBulk(v)
			return nil
		}
	}
	c.WriteNull()
	return nil
}

func hgetall(c *core.Ctx) error {
	h, err := getHash(c, c.Args[1])
	if err != nil {
		return err
	}
	if h == nil {
		c.WriteMap(0)
		return nil
	}
	c.WriteMap(h.Len())
	h.Each(func(f, v []byte) bool {
		c.WriteBulk(f)
		c.WriteBulk(v)
		return true
	})
	return nil
}

func hdel(c *core.Ctx) error {
	key := c.Args[1]
	h, err := getHash(c, key)
	if err != nil {
		return err
	}
	deleted, emptied := 0, false
	if h != nil {
		for _, f := range c.Args[2:] {
			if h.Delete(f) {
				deleted++
				if h.Len() == 0 {
					c.DB.Delete(key)
					emptied = true
					break
				}
			}
		}
	}
	if deleted == 0 {
		c.SetChanges(0)
	} else {
		c.Notify(core.NotifyHash, "hdel", key)
		if emptied {
			c.Notify(core.NotifyGeneric, "del", key)
		}
	}
	c.WriteInt(int64(deleted))
	return nil
}
