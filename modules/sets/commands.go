package sets

import (
	"github.com/redmod/redmod/core"
)

var (
	keyArg     = core.Arg{Name: "key", Type: core.ArgKey}
	keysArg    = core.Arg{Name: "key", Type: core.ArgKey, Multiple: true}
	memberArg  = core.Arg{Name: "member", Type: core.ArgString}
	membersArg = core.Arg{Name: "member", Type: core.ArgString, Multiple: true}
)

// oneKey is the key spec of a command on one key.
func oneKey(flags ...string) []core.KeySpec {
	return []core.KeySpec{{Flags: flags, BeginIndex: 1, LastKey: 0, KeyStep: 1}}
}

func init() {
	ro, rw := core.FlagReadOnly, core.FlagWrite
	add(core.Spec{
		Name: "sadd", Arity: -3, Flags: rw | core.FlagDenyOOM | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		KeySpecs: oneKey("RW", "insert"),
		Summary:  "Add one or more members to a set",
		Syntax:   "key member [member ...]",
	}, sadd)
	add(core.Spec{
		Name: "srem", Arity: -3, Flags: rw | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		KeySpecs: oneKey("RW", "delete"),
		Summary:  "Remove one or more members from a set",
		Syntax:   "key member [member ...]",
	}, srem)
	add(core.Spec{
		Name: "smembers", Arity: 2, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		KeySpecs: oneKey("RO", "access"),
		Summary:  "Get all the members in a set",
		Syntax:   "key", Tips: []string{"nondeterministic_output_order"},
	}, smembers)
	add(core.Spec{
		Name: "sismember", Arity: 3, Flags: ro | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		KeySpecs: oneKey("RO"),
		Summary:  "Determine if a given value is a member of a set",
		Syntax:   "key member",
	}, sismember)
	add(core.Spec{
		Name: "smismember", Arity: -3, Flags: ro | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		KeySpecs: oneKey("RO", "access"),
		Summary:  "Returns the membership associated with the given elements for a set",
		Syntax:   "key member [member ...]",
	}, smismember)
	add(core.Spec{
		Name: "scard", Arity: 2, Flags: ro | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		KeySpecs: oneKey("RO"),
		Summary:  "Get the number of members in a set",
		Syntax:   "key",
	}, scard)
	add(core.Spec{
		Name: "spop", Arity: -2, Flags: rw | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		KeySpecs: oneKey("RW", "access", "delete"),
		Summary:  "Remove and return one or multiple random members from a set",
		Syntax:   "key [count]",
		Tips:     []string{"nondeterministic_output"},
	}, spop)
	add(core.Spec{
		Name: "srandmember", Arity: -2, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		KeySpecs: oneKey("RO", "access"),
		Summary:  "Get one or multiple random members from a set",
		Syntax:   "key [count]",
		Tips:     []string{"nondeterministic_output"},
	}, srandmember)
	add(core.Spec{
		Name: "smove", Arity: 4, Flags: rw | core.FlagFast, FirstKey: 1, LastKey: 2, Step: 1, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{
			{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1},
			{Flags: []string{"RW", "insert"}, BeginIndex: 2, LastKey: 0, KeyStep: 1},
		},
		Summary: "Move a member from one set to another",
		Syntax:  "source destination member",
	}, smove)
	add(core.Spec{
		Name: "sscan", Arity: -3, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: oneKey("RO", "access"),
		Summary:  "Incrementally iterate Set elements",
		Syntax:   "key cursor [MATCH pattern] [COUNT count]",
		Tips:     []string{"nondeterministic_output"},
	}, sscan)
}

func sadd(c *core.Ctx) error {
	key := c.Args[1]
	s, err := getSetW(c, key)
	if err != nil {
		return err
	}
	if s == nil {
		s = newFor(c.Args[2])
		c.DB.Set(key, s)
	}
	limit := -1
	if s.form == formIntset {
		limit = maxIntset(c)
	}
	added := 0
	for _, m := range c.Args[2:] {
		if s.Add(m, limit) {
			added++
		}
	}
	if added == 0 {
		c.SetChanges(0)
	} else {
		c.SetChanges(int64(added))
		c.Notify(core.NotifySet, "sadd", key)
	}
	c.WriteInt(int64(added))
	return nil
}

func srem(c *core.Ctx) error {
	key := c.Args[1]
	s, err := getSetW(c, key)
	if err != nil {
		return err
	}
	removed, emptied := 0, false
	if s != nil {
		for _, m := range c.Args[2:] {
			if s.Remove(m) {
				removed++
				if s.Len() == 0 {
					c.DB.Delete(key)
					emptied = true
					break
				}
			}
		}
	}
	if removed > 0 {
		c.Notify(core.NotifySet, "srem", key)
		if emptied {
			c.Notify(core.NotifyGeneric, "del", key)
		}
	}
	c.SetChanges(int64(removed))
	c.WriteInt(int64(removed))
	return nil
}

// writeMembers replies with the members of s as a set (an array in RESP2).
func writeMembers(c *core.Ctx, s *Set) {
	if s == nil {
		c.WriteSet(0)
		return
	}
	c.WriteSet(s.Len())
	s.Each(func(m []byte) bool {
		c.WriteBulk(m)
		return true
	})
}

func smembers(c *core.Ctx) error {
	s, err := getSet(c, c.Args[1])
	if err != nil {
		return err
	}
	writeMembers(c, s)
	return nil
}

func sismember(c *core.Ctx) error {
	s, err := getSet(c, c.Args[1])
	if err != nil {
		return err
	}
	c.WriteInt(boolInt(s != nil && s.Contains(c.Args[2])))
	return nil
}

func smismember(c *core.Ctx) error {
	s, err := getSet(c, c.Args[1])
	if err != nil {
		return err
	}
	c.WriteArray(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		c.WriteInt(boolInt(s != nil && s.Contains(m)))
	}
	return nil
}

func scard(c *core.Ctx) error {
	s, err := getSet(c, c.Args[1])
	if err != nil {
		return err
	}
	n := 0
	if s != nil {
		n = s.Len()
	}
	c.WriteInt(int64(n))
	return nil
}

func smove(c *core.Ctx) error {
	srcKey, dstKey, m := c.Args[1], c.Args[2], c.Args[3]
	src, err := getSetW(c, srcKey)
	if err != nil {
		// A wrong type at the source is an error even when the
		// destination is fine; a missing source answers 0 first.
		return err
	}
	// The destination is only looked at here: a WATCH on it fails only if
	// the member is really added to it (as in Redis).
	dstVal := c.DB.Peek(dstKey)
	if src == nil {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	dst, ok := dstVal.(*Set)
	if dstVal != nil && !ok {
		return core.ErrWrongType
	}
	if dst == src {
		c.SetChanges(0)
		c.WriteInt(boolInt(src.Contains(m)))
		return nil
	}
	if !src.Remove(m) {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	c.Notify(core.NotifySet, "srem", srcKey)
	if src.Len() == 0 {
		c.DB.Delete(srcKey)
		c.Notify(core.NotifyGeneric, "del", srcKey)
	}
	if dst == nil {
		dst = newFor(m)
		c.DB.Set(dstKey, dst)
	} else if dst.Contains(m) {
		c.WriteInt(1)
		return nil
	} else {
		dst = c.DB.GetForWrite(dstKey).(*Set)
	}
	limit := -1
	if dst.form == formIntset {
		limit = maxIntset(c)
	}
	if dst.Add(m, limit) {
		c.Notify(core.NotifySet, "sadd", dstKey)
	}
	c.WriteInt(1)
	return nil
}

func sscan(c *core.Ctx) error {
	cursor, err := core.ParseCursor(c.Args[2])
	if err != nil {
		return err
	}
	s, err := getSet(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil {
		c.WriteScanReply(0, 0)
		return nil
	}
	opts, err := core.ParseScanOptions(c.Args[3:], false)
	if err != nil {
		return err
	}
	var out [][]byte
	next := uint64(0)
	if s.form != formTable {
		// A small set is returned whole in one call, as Redis does for an
		// intset, whatever the cursor.
		s.Each(func(m []byte) bool {
			if opts.Matches(string(m)) {
				out = append(out, append([]byte(nil), m...))
			}
			return true
		})
	} else {
		items := make([]core.ScanItem[[]byte], 0, s.Len()/2)
		s.Each(func(m []byte) bool {
			if pos := memberPos(m); pos >= cursor {
				items = append(items, core.ScanItem[[]byte]{Pos: pos, Item: append([]byte(nil), m...)})
			}
			return true
		})
		// COUNT is a hint; returning at least an eighth of the set per call
		// bounds a full iteration to a few passes over the members.
		sel, nx, more := core.ScanSelect(items, cursor, max(opts.Count, s.Len()/8))
		if more {
			next = nx
		}
		for _, it := range sel {
			if opts.Matches(string(it.Item)) {
				out = append(out, it.Item)
			}
		}
	}
	c.WriteScanReply(next, len(out))
	for _, b := range out {
		c.WriteBulk(b)
	}
	return nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
