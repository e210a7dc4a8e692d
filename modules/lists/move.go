package lists

import (
	"github.com/redmod/redmod/core"
	"strconv"
)

func init() {

	add(core.Spec{
		Name: "lmove", Arity: 5, Flags: core.FlagWrite | core.FlagDenyOOM, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"RW", "insert"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 2, Step: 1,
		Summary: "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.",
		Syntax:  "source destination (LEFT|RIGHT) (LEFT|RIGHT)",
	}, lmove)
	add(core.Spec{
		Name: "rpoplpush", Arity: 3, Flags: core.FlagWrite | core.FlagDenyOOM, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"RW", "insert"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 2, Step: 1,
		Summary: "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.",
		Syntax:  "source destination",
	}, rpoplpush)
	add(core.Spec{
		Name: "lmpop", Arity: -4, Flags: core.FlagWrite | core.FlagMovableKeys,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, Keynum: true, KeynumIdx: 0, FirstKey: 1, KeyStep: 1}},
		Keys:     func(args [][]byte) []int { return core.NumKeys(args, 1) },
		Summary:  "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
		Syntax:   "numkeys key [key ...] (LEFT|RIGHT) [COUNT count]",
	}, func(c *core.Ctx) error { return lmpop(c, 1, false) })
	add(core.Spec{
		Name: "blpop", Arity: -3, Flags: core.FlagWrite | core.FlagNoScript | core.FlagBlocking,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: -2, KeyStep: 1}},
		FirstKey: 1, LastKey: -2, Step: 1,
		Summary: "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
		Syntax:  "key [key ...] timeout:double",
	}, func(c *core.Ctx) error { return bpop(c, left) })
	add(core.Spec{
		Name: "brpop", Arity: -3, Flags: core.FlagWrite | core.FlagNoScript | core.FlagBlocking,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: -2, KeyStep: 1}},
		FirstKey: 1, LastKey: -2, Step: 1,
		Summary: "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
		Syntax:  "key [key ...] timeout:double",
	}, func(c *core.Ctx) error { return bpop(c, right) })
	add(core.Spec{
		Name: "blmove", Arity: 6, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagNoScript | core.FlagBlocking,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"RW", "insert"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 2, Step: 1,
		Summary: "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
		Syntax:  "source destination (LEFT|RIGHT) (LEFT|RIGHT) timeout:double",
	}, blmove)
	add(core.Spec{
		Name: "brpoplpush", Arity: 4, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagNoScript | core.FlagBlocking,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"RW", "insert"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 2, Step: 1,
		Summary: "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
		Syntax:  "source destination timeout:double",
	}, brpoplpush)
	add(core.Spec{
		Name: "blmpop", Arity: -5, Flags: core.FlagWrite | core.FlagBlocking | core.FlagMovableKeys,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 2, Keynum: true, KeynumIdx: 0, FirstKey: 1, KeyStep: 1}},
		Keys:     func(args [][]byte) []int { return core.NumKeys(args, 2) },
		Summary:  "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
		Syntax:   "timeout:double numkeys key [key ...] (LEFT|RIGHT) [COUNT count]",
	}, func(c *core.Ctx) error { return lmpop(c, 2, true) })
}

// move pops from the source's end and pushes to the destination's end
// (LMOVE and friends); served is false when the source is missing. The
// destination's type is checked before anything moves, as Redis does.
func move(c *core.Ctx, srcKey, dstKey []byte, from, to end) (served bool, err error) {
	src, err := getListW(c, srcKey)
	if err != nil || src == nil {
		return false, err
	}
	if v := c.DB.GetForWrite(dstKey); v != nil {
		if _, ok := v.(*List); !ok {
			return false, core.ErrWrongType
		}
	}
	elem := src.pop(from)
	dst, _ := listForPush(c, dstKey)
	dst.push(to, elem)
	// Redis announces the push, replies, then announces the pop.
	c.Notify(core.NotifyList, pushEvent(to), dstKey)
	c.WriteBulk(elem)
	c.Notify(core.NotifyList, popEvent(from), srcKey)
	dropIfEmpty(c, srcKey, src)
	c.DB.Signal(dstKey)
	return true, nil
}

func lmove(c *core.Ctx) error {
	from, err := parseEnd(c.Args[3])
	if err != nil {
		return err
	}
	to, err := parseEnd(c.Args[4])
	if err != nil {
		return err
	}
	return moveOrNull(c, from, to)
}

func rpoplpush(c *core.Ctx) error { return moveOrNull(c, right, left) }

func moveOrNull(c *core.Ctx, from, to end) error {
	served, err := move(c, c.Args[1], c.Args[2], from, to)
	if err != nil {
		return err
	}
	if !served {
		c.SetChanges(0)
		c.WriteNull()
	}
	return nil
}

func blmove(c *core.Ctx) error {
	from, err := parseEnd(c.Args[3])
	if err != nil {
		return err
	}
	to, err := parseEnd(c.Args[4])
	if err != nil {
		return err
	}
	return bmove(c, c.Args[5], from, to)
}

func brpoplpush(c *core.Ctx) error { return bmove(c, c.Args[3], right, left) }

func bmove(c *core.Ctx, timeoutArg []byte, from, to end) error {
	timeout, err := core.ParseTimeout(timeoutArg)
	if err != nil {
		return err
	}
	served, err := move(c, c.Args[1], c.Args[2], from, to)
	if err == core.ErrWrongType && c.Woken() {
		if _, srcErr := getListW(c, c.Args[1]); srcErr != nil {
			err = nil // a source of another type keeps the client waiting
		}
	}
	if err != nil {
		return err
	}
	if served {
		propagateMove(c)
		return nil
	}
	c.SetChanges(0)
	if c.BlockingDenied() {
		// Inside MULTI or a script Redis answers at once with a null bulk,
		// where a timeout gives a null array.
		c.WriteNull()
		return nil
	}
	return c.Block(c.Args[1:2], timeout)
}

// propagateMove propagates a served BLMOVE or BRPOPLPUSH as the move it
// made, LMOVE (RPOPLPUSH) with the request's own arguments, as Redis 7.0
// does, whether it was served at once or after a wait.
func propagateMove(c *core.Ctx) {
	if len(c.Args) == 4 {
		c.Propagate([]byte("RPOPLPUSH"), c.Args[1], c.Args[2])
		return
	}
	c.Propagate([]byte("LMOVE"), c.Args[1], c.Args[2], c.Args[3], c.Args[4])
}

// popCommand is the non-blocking pop a blocking one propagates as.
func popCommand(e end) []byte {
	if e == left {
		return []byte("LPOP")
	}
	return []byte("RPOP")
}

// bpop is BLPOP and BRPOP: the first non-empty list in argument order is
// served.
func bpop(c *core.Ctx, e end) error {
	timeout, err := core.ParseTimeout(c.Args[len(c.Args)-1])
	if err != nil {
		return err
	}
	keys := c.Args[1 : len(c.Args)-1]
	k, l, err := firstList(c, keys)
	if err != nil {
		return err
	}
	if l == nil {
		c.SetChanges(0)
		return c.Block(keys, timeout)
	}
	c.WriteArray(2)
	c.WriteBulk(k)
	popReply(c, l, e)
	c.Notify(core.NotifyList, popEvent(e), k)
	dropIfEmpty(c, k, l)
	c.Propagate(popCommand(e), k)
	return nil
}

// firstList returns the first key in keys holding a non-empty list, as the
// multi-key pops serve them. A key of another type is an error, except for a
// client woken from blocking, which skips it as Redis 7.0 does.
func firstList(c *core.Ctx, keys [][]byte) ([]byte, *List, error) {
	for _, k := range keys {
		l, err := getListW(c, k)
		if err != nil {
			if c.Woken() {
				continue
			}
			return nil, nil, err
		}
		if l != nil {
			return k, l, nil
		}
	}
	return nil, nil, nil
}

var (
	errNumKeys = core.NewError("ERR numkeys should be greater than 0")
)

// lmpop is LMPOP and BLMPOP; numIdx is the position of numkeys.
func lmpop(c *core.Ctx, numIdx int, blocking bool) error {
	n, ok := core.ParseInt(c.Args[numIdx])
	if !ok || n <= 0 {
		return errNumKeys
	}
	if n >= int64(len(c.Args)) {
		return core.ErrSyntax
	}
	whereIdx := int64(numIdx) + n + 1
	if whereIdx >= int64(len(c.Args)) {
		return core.ErrSyntax
	}
	e, err := parseEnd(c.Args[whereIdx])
	if err != nil {
		return err
	}
	count, err := core.TrailingCount(c.Args, int(whereIdx)+1, 1)
	if err != nil {
		return err
	}
	keys := c.Args[numIdx+1 : whereIdx]
	var block func() error
	if blocking {
		d, err := core.ParseTimeout(c.Args[1])
		if err != nil {
			return err
		}
		block = func() error { return c.Block(keys, d) }
	}
	k, l, err := firstList(c, keys)
	if err != nil {
		return err
	}
	if l == nil {
		c.SetChanges(0)
		if block != nil {
			return block()
		}
		c.WriteNullArray()
		return nil
	}
	m := min(count, int64(l.Len()))
	c.WriteArray(2)
	c.WriteBulk(k)
	c.WriteArray(int(m))
	for i := int64(0); i < m; i++ {
		popReply(c, l, e)
	}
	c.Notify(core.NotifyList, popEvent(e), k)
	dropIfEmpty(c, k, l)
	c.SetChanges(m)
	// LMPOP and BLMPOP propagate the pop they made, with the count
	// popped, as Redis 7.0 does.
	c.Propagate(popCommand(e), k, strconv.AppendInt(nil, m, 10))
	return nil
}
