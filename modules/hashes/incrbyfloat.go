package hashes

import (
	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "hincrbyfloat", Arity: 4, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary:  "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
		Syntax:   "key field increment:double",
		KeyFlags: []string{"RW", "access", "update"},
	}, hincrbyfloat)
}

// errIncrNaN is HINCRBYFLOAT's reply to an infinite increment.
var errIncrNaN = core.NewError("ERR value is NaN or Infinity")

// hincrbyfloat adds in long double arithmetic and formats the sum as Redis
// does, so that the stored digits match Redis's.
func hincrbyfloat(c *core.Ctx) error {
	incr, ok := core.ParseLongDouble(c.Args[3])
	if !ok {
		return core.ErrNotFloat
	}
	if incr.IsInf() {
		return errIncrNaN
	}
	h, err := getOrCreate(c, c.Args[1])
	if err != nil {
		return err
	}
	sum := incr
	if v, found := h.Get(c.Args[2]); found {
		cur, ok := core.ParseLongDouble(v)
		if !ok {
			c.SetChanges(0)
			return core.ErrHashNotFloat
		}
		if sum, ok = core.AddLongDouble(cur, incr); !ok {
			c.SetChanges(0)
			return core.ErrNaNOrInfinity
		}
	}
	b := core.AppendLongDouble(nil, sum)
	h.Set(c.Args[2], b)
	c.WriteBulk(b)
	c.Notify(core.NotifyHash, "hincrbyfloat", c.Args[1])
	// The result, not the increment, as Redis 7.0 propagates it.
	c.Propagate([]byte("HSET"), c.Args[1], c.Args[2], b)
	return nil
}
