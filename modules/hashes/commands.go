package hashes

import (
	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "hset", Arity: -4, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		KeyFlags: []string{"RW", "update"},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Creates or modifies the value of a field in a hash.",
		Syntax:  "key (field value) [(field value) ...]",
	}, hset)
	add(core.Spec{
		Name: "hget", Arity: 3, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns the value of a field in a hash.",
		Syntax:  "key field",
	}, hget)
	add(core.Spec{
		Name: "hgetall", Arity: 2, Flags: core.FlagReadOnly, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns all fields and values in a hash.",
		Syntax:  "key", Tips: []string{"nondeterministic_output_order"},
	}, hgetall)
	add(core.Spec{
		Name: "hdel", Arity: -3, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
		Syntax:  "key field [field ...]",
	}, hdel)
}

func hset(c *core.Ctx) error {
	if len(c.Args)%2 != 0 {
		return core.ErrArity(c.Name)
	}
	key := c.Args[1]
	h, err := getHashW(c, key)
	if err != nil {
		return err
	}
	if h == nil {
		h = &Hash{}
		h.reserve(c.Args[2:])
		c.DB.Set(key, h)
	}
	added := 0
	for i := 2; i < len(c.Args); i += 2 {
		if h.Set(c.Args[i], c.Args[i+1]) {
			added++
		}
	}
	// Redis replies before it announces (its order for a client
	// subscribed to its own keys' events).
	c.WriteInt(int64(added))
	c.Notify(core.NotifyHash, "hset", key)
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
	h, err := getHashW(c, key)
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
