package lists

import (
	"bytes"
	"math"

	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "lindex", Arity: 3, Flags: core.FlagReadOnly, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns an element from a list by its index.",
		Syntax:  "key index",
	}, lindex)
	add(core.Spec{
		Name: "linsert", Arity: 5, Flags: core.FlagWrite | core.FlagDenyOOM, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "insert"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Inserts an element before or after another element in a list.",
		Syntax:  "key (BEFORE|AFTER) pivot element",
	}, linsert)
	add(core.Spec{
		Name: "lpos", Arity: -3, Flags: core.FlagReadOnly, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns the index of matching elements in a list.",
		Syntax:  "key element [RANK rank:integer] [COUNT num-matches:integer] [MAXLEN len:integer]",
	}, lpos)
	add(core.Spec{
		Name: "lrem", Arity: 4, Flags: core.FlagWrite, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Removes elements from a list. Deletes the list if the last element was removed.",
		Syntax:  "key count element",
	}, lrem)
	add(core.Spec{
		Name: "lset", Arity: 4, Flags: core.FlagWrite | core.FlagDenyOOM, BorrowsArgs: true,
		KeyFlags: []string{"RW", "update"},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Sets the value of an element in a list by its index.",
		Syntax:  "key index element",
	}, lset)
	add(core.Spec{
		Name: "ltrim", Arity: 4, Flags: core.FlagWrite, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
		Syntax:  "key start stop",
	}, ltrim)
}

// resolveIndex turns a Redis index (negative from the end) into a position,
// or -1 when it is out of range.
func resolveIndex(i int64, n int) int {
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return -1
	}
	return int(i)
}

func lindex(c *core.Ctx) error {
	l, err := getList(c, c.Args[1])
	if err != nil {
		return err
	}
	if l == nil {
		c.WriteNull()
		return nil
	}
	idx, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	i := resolveIndex(idx, l.Len())
	if i < 0 {
		c.WriteNull()
		return nil
	}
	c.WriteBulk(l.At(i))
	return nil
}

func linsert(c *core.Ctx) error {
	var after bool
	switch w := c.Args[2]; {
	case core.EqualFold(w, "after"):
		after = true
	case core.EqualFold(w, "before"):
	default:
		return core.ErrSyntax
	}
	key := c.Args[1]
	l, err := getListW(c, key)
	if err != nil {
		return err
	}
	c.SetChanges(0)
	if l == nil {
		c.WriteInt(0)
		return nil
	}
	pivot := c.Args[3]
	for i := 0; i < l.Len(); i++ {
		if bytes.Equal(l.At(i), pivot) {
			if after {
				i++
			}
			l.Insert(i, borrowed(c.Args[4]))
			c.SetChanges(1)
			c.Notify(core.NotifyList, "linsert", key)
			c.DB.Signal(key)
			c.WriteInt(int64(l.Len()))
			return nil
		}
	}
	c.WriteInt(-1)
	return nil
}

var (
	errRankZero = core.NewError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
	errCountNeg = core.NewError("ERR COUNT can't be negative")
	errMaxLen   = core.NewError("ERR MAXLEN can't be negative")
)

func lpos(c *core.Ctx) error {
	var rank, count, maxlen int64 = 1, -1, 0
	for i := 3; i < len(c.Args); i += 2 {
		opt := c.Args[i]
		if i+1 >= len(c.Args) {
			return core.ErrSyntax
		}
		n, err := core.Int(c.Args[i+1])
		switch {
		case core.EqualFold(opt, "rank"):
			if err != nil {
				return err
			}
			if n == 0 {
				return errRankZero
			}
			if n == math.MinInt64 {
				n = -1 // Redis negates it, overflows, and counts every match
			}
			rank = n
		case core.EqualFold(opt, "count"):
			// A COUNT or MAXLEN that is not a number gets the same error
			// as a negative one.
			if err != nil || n < 0 {
				return errCountNeg
			}
			count = n
		case core.EqualFold(opt, "maxlen"):
			if err != nil || n < 0 {
				return errMaxLen
			}
			maxlen = n
		default:
			return core.ErrSyntax
		}
	}
	l, err := getList(c, c.Args[1])
	if err != nil {
		return err
	}
	if l == nil {
		if count >= 0 {
			c.WriteArray(0)
		} else {
			c.WriteNull()
		}
		return nil
	}
	elem := c.Args[2]
	want := count
	if want < 0 {
		want = 1
	}
	var found []int64
	skip := rank
	if skip < 0 {
		skip = -skip
	}
	skip--
	n := l.Len()
	for k := 0; k < n && (maxlen == 0 || int64(k) < maxlen); k++ {
		i := k
		if rank < 0 {
			i = n - 1 - k
		}
		if !bytes.Equal(l.At(i), elem) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		found = append(found, int64(i))
		if want != 0 && int64(len(found)) >= want {
			break
		}
	}
	if count < 0 {
		if len(found) == 0 {
			c.WriteNull()
		} else {
			c.WriteInt(found[0])
		}
		return nil
	}
	c.WriteArray(len(found))
	for _, i := range found {
		c.WriteInt(i)
	}
	return nil
}

func lrem(c *core.Ctx) error {
	count, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	key := c.Args[1]
	l, err := getListW(c, key)
	if err != nil {
		return err
	}
	if l == nil {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	elem := c.Args[3]
	limit := count
	if limit < 0 {
		limit = -limit
	}
	if limit > int64(l.Len()) || limit < 0 {
		limit = 0 // all, and -MinInt64 overflows
	}
	removed := l.RemoveFunc(func(b []byte) bool { return bytes.Equal(b, elem) }, int(limit), count < 0)
	if removed > 0 {
		c.Notify(core.NotifyList, "lrem", key)
	}
	dropIfEmpty(c, key, l)
	c.SetChanges(int64(removed))
	c.WriteInt(int64(removed))
	return nil
}

func lset(c *core.Ctx) error {
	l, err := getListW(c, c.Args[1])
	if err != nil {
		return err
	}
	if l == nil {
		return core.ErrNoSuchKey
	}
	idx, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	i := resolveIndex(idx, l.Len())
	if i < 0 {
		return core.ErrIndexOutOfRange
	}
	l.SetAt(i, borrowed(c.Args[3]))
	c.WriteOK()
	c.Notify(core.NotifyList, "lset", c.Args[1])
	return nil
}

func ltrim(c *core.Ctx) error {
	start, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	stop, err := core.Int(c.Args[3])
	if err != nil {
		return err
	}
	key := c.Args[1]
	l, err := getListW(c, key)
	if err != nil {
		return err
	}
	if l == nil {
		c.SetChanges(0)
		c.WriteOK()
		return nil
	}
	n := l.Len()
	from, to, ok := clampRange(start, stop, n)
	if !ok {
		from, to = 1, 0
	}
	l.Trim(from, to)
	c.SetChanges(int64(n - l.Len()))
	c.Notify(core.NotifyList, "ltrim", key)
	dropIfEmpty(c, key, l)
	c.WriteOK()
	return nil
}
