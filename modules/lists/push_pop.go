package lists

import (
	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "lpush", Arity: -3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "insert"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.",
		Syntax:  "key element [element ...]",
	}, func(c *core.Ctx) error { return push(c, true) })
	add(core.Spec{
		Name: "rpush", Arity: -3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "insert"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.",
		Syntax:  "key element [element ...]",
	}, func(c *core.Ctx) error { return push(c, false) })
	add(core.Spec{
		Name: "lpushx", Arity: -3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "insert"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Prepends one or more elements to a list only when the list exists.",
		Syntax:  "key element [element ...]",
	}, func(c *core.Ctx) error { return pushGeneric(c, true, true) })
	add(core.Spec{
		Name: "rpushx", Arity: -3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "insert"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Appends an element to a list only when the list exists.",
		Syntax:  "key element [element ...]",
	}, func(c *core.Ctx) error { return pushGeneric(c, false, true) })
	add(core.Spec{
		Name: "lpop", Arity: -2, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.",
		Syntax:  "key [count]",
	}, func(c *core.Ctx) error { return pop(c, true) })
	add(core.Spec{
		Name: "rpop", Arity: -2, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns and removes the last elements of a list. Deletes the list if the last element was popped.",
		Syntax:  "key [count]",
	}, func(c *core.Ctx) error { return pop(c, false) })
	add(core.Spec{
		Name: "llen", Arity: 2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RO"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns the length of a list.",
		Syntax:  "key",
	}, llen)
	add(core.Spec{
		Name: "lrange", Arity: 4, Flags: core.FlagReadOnly, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns a range of elements from a list.",
		Syntax:  "key start stop",
	}, lrange)
}

func push(c *core.Ctx, front bool) error { return pushGeneric(c, front, false) }

// pushGeneric is LPUSH and RPUSH, and LPUSHX and RPUSHX (onlyExisting),
// which add nothing to a missing key.
func pushGeneric(c *core.Ctx, front, onlyExisting bool) error {
	key := c.Args[1]
	l, err := getListW(c, key)
	if err != nil {
		return err
	}
	if l == nil {
		if onlyExisting {
			c.SetChanges(0)
			c.WriteInt(0)
			return nil
		}
		l = &List{}
		c.DB.Set(key, l)
	}
	for _, v := range c.Args[2:] {
		if front {
			l.PushFront(borrowed(v))
		} else {
			l.PushBack(borrowed(v))
		}
	}
	c.SetChanges(int64(len(c.Args) - 2))
	// Redis replies before it announces the push (its order for a client
	// subscribed to its own keys' events).
	c.WriteInt(int64(l.Len()))
	if front {
		c.Notify(core.NotifyList, "lpush", key)
	} else {
		c.Notify(core.NotifyList, "rpush", key)
	}
	c.DB.Signal(key)
	return nil
}

// parseCount reads the optional count of LPOP and RPOP; Redis answers both
// a non-number and a negative number with the same error.
func parseCount(b []byte) (int64, error) {
	n, ok := core.ParseInt(b)
	if !ok || n < 0 {
		return 0, core.ErrNotPositive
	}
	return n, nil
}

func pop(c *core.Ctx, front bool) error {
	key := c.Args[1]
	withCount := len(c.Args) == 3
	if len(c.Args) > 3 {
		return core.ErrArity(c.Name)
	}
	var count int64 = 1
	if withCount {
		n, err := parseCount(c.Args[2])
		if err != nil {
			return err
		}
		count = n
	}
	l, err := getListW(c, key)
	if err != nil {
		return err
	}
	if l == nil {
		c.SetChanges(0)
		if withCount {
			c.WriteNullArray()
		} else {
			c.WriteNull()
		}
		return nil
	}
	if !withCount {
		popReply(c, l, end(front))
	} else {
		if count > int64(l.Len()) {
			count = int64(l.Len())
		}
		c.WriteArray(int(count))
		for i := int64(0); i < count; i++ {
			popReply(c, l, end(front))
		}
		if count == 0 {
			return nil // nothing popped: no event, as Redis
		}
	}
	if front {
		c.Notify(core.NotifyList, "lpop", key)
	} else {
		c.Notify(core.NotifyList, "rpop", key)
	}
	dropIfEmpty(c, key, l)
	return nil
}

func llen(c *core.Ctx) error {
	l, err := getList(c, c.Args[1])
	if err != nil {
		return err
	}
	if l == nil {
		c.WriteInt(0)
		return nil
	}
	c.WriteInt(int64(l.Len()))
	return nil
}

func lrange(c *core.Ctx) error {
	start, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	stop, err := core.Int(c.Args[3])
	if err != nil {
		return err
	}
	l, err := getList(c, c.Args[1])
	if err != nil {
		return err
	}
	if l == nil {
		c.WriteArray(0)
		return nil
	}
	from, to, ok := clampRange(start, stop, l.Len())
	if !ok {
		c.WriteArray(0)
		return nil
	}
	c.WriteArray(to - from + 1)
	l.Range(from, to, func(b []byte) { c.WriteBulk(b) })
	return nil
}
