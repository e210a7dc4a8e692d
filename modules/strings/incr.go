package strings

import (
	"math"
	"strconv"

	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "incr", Arity: 2, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Since: "1.0.0", Complexity: "O(1)",
		Args: []core.Arg{{Name: "key", Type: core.ArgKey}},
	}, func(c *core.Ctx) error { return incrBy(c, 1) })
	add(core.Spec{
		Name: "decr", Arity: 2, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Since: "1.0.0", Complexity: "O(1)",
		Args: []core.Arg{{Name: "key", Type: core.ArgKey}},
	}, func(c *core.Ctx) error { return incrBy(c, -1) })
}

// incrBy adds delta to the integer at the key, keeping its expiry, as INCR,
// DECR, INCRBY and DECRBY do.
func incrBy(c *core.Ctx, delta int64) error {
	key := c.Args[1]
	s, err := getString(c, key)
	if err != nil {
		return err
	}
	var cur int64
	if s != nil {
		if cur, err = s.Int(); err != nil {
			return err
		}
	}
	if delta > 0 && cur > math.MaxInt64-delta || delta < 0 && cur < math.MinInt64-delta {
		return core.ErrOverflow
	}
	cur += delta
	if s == nil {
		c.DB.Set(key, core.NewString(core.FormatInt(cur)))
	} else {
		// In place: the key keeps its expiry, as with Redis.
		s.B = strconv.AppendInt(s.B[:0], cur, 10)
	}
	c.WriteInt(cur)
	return nil
}
