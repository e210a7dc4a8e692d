package strings

import (
	"math"
	"strconv"

	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "incr", Arity: 2, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: rwAccessUpdate,
		Summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
		Syntax:  "key",
	}, func(c *core.Ctx) error { return incrBy(c, 1) })
	add(core.Spec{
		Name: "decr", Arity: 2, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: rwAccessUpdate,
		Summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
		Syntax:  "key",
	}, func(c *core.Ctx) error { return incrBy(c, -1) })
	add(core.Spec{
		Name: "incrby", Arity: 3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: rwAccessUpdate,
		Summary: "Increment the integer value of a key by the given amount",
		Syntax:  "key increment",
	}, func(c *core.Ctx) error {
		n, err := core.Int(c.Args[2])
		if err != nil {
			return err
		}
		return incrBy(c, n)
	})
	add(core.Spec{
		Name: "decrby", Arity: 3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: rwAccessUpdate,
		Summary: "Decrement the integer value of a key by the given number",
		Syntax:  "key decrement:integer",
	}, func(c *core.Ctx) error {
		n, err := core.Int(c.Args[2])
		if err != nil {
			return err
		}
		if n == math.MinInt64 {
			return errDecrementOverflow
		}
		return incrBy(c, -n)
	})
	add(core.Spec{
		Name: "incrbyfloat", Arity: 3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: rwAccessUpdate,
		Summary: "Increment the float value of a key by the given amount",
		Syntax:  "key increment:double",
	}, incrByFloat)
}

// rwAccessUpdate are the key-spec flags of commands that read a value and
// change it.
var rwAccessUpdate = []string{"RW", "access", "update"}

// errDecrementOverflow is DECRBY's own error for an increment of INT64_MIN,
// which cannot be negated.
var errDecrementOverflow = core.NewError("ERR decrement would overflow")

// incrBy adds delta to the integer at the key, keeping its expiry, as INCR,
// DECR, INCRBY and DECRBY do.
func incrBy(c *core.Ctx, delta int64) error {
	key := c.Args[1]
	// A counter is kept inline, beside its key, as SET keeps a small
	// value: reading it then costs no trip to an object and its bytes.
	w, err := c.DB.GetStringForWrite(key)
	if err != nil {
		return err
	}
	var cur int64
	if w.Found {
		var ok bool
		if cur, ok = core.ParseInt(w.Bytes); !ok {
			return core.ErrNotInteger
		}
	}
	if delta > 0 && cur > math.MaxInt64-delta || delta < 0 && cur < math.MinInt64-delta {
		return core.ErrOverflow
	}
	cur += delta
	if s := w.Object; s != nil && s.Encoding() == "int" {
		// In place: the key keeps its expiry, as with Redis.
		s.B = strconv.AppendInt(s.B[:0], cur, 10)
	} else {
		// Redis stores the result as a new integer object: a value APPEND
		// or INCRBYFLOAT made "raw" or "embstr" is reported as "int" again.
		// It is held inline, keeping the key's expiry.
		var digits [20]byte
		w.Replace(strconv.AppendInt(digits[:0], cur, 10))
	}
	c.Notify(core.NotifyString, "incrby", key)
	c.WriteInt(cur)
	return nil
}

// incrByFloat follows Redis's order of checks: the key's type, the current
// value, then the increment. The key keeps its expiry.
func incrByFloat(c *core.Ctx) error {
	key := c.Args[1]
	s, err := getStringForWrite(c, key)
	if err != nil {
		return err
	}
	cur, ok := zeroLongDouble, true
	if s != nil {
		if cur, ok = core.ParseLongDouble(s.B); !ok {
			return core.ErrNotFloat
		}
	}
	incr, ok := core.ParseLongDouble(c.Args[2])
	if !ok {
		return core.ErrNotFloat
	}
	sum, ok := core.AddLongDouble(cur, incr)
	if !ok {
		return core.ErrNaNOrInfinity
	}
	v := core.NewString(core.AppendLongDouble(nil, sum))
	v.MarkText()
	if s == nil {
		c.DB.Set(key, v)
	} else {
		c.DB.SetKeepTTL(key, v)
	}
	c.Notify(core.NotifyString, "incrbyfloat", key)
	// The sum, not the increment: float addition need not round alike
	// elsewhere (Redis 7.0 propagates the same SET).
	c.Propagate(cmdSET, key, v.B, argKEEPTTL)
	c.WriteBulk(v.B)
	return nil
}

var zeroLongDouble, _ = core.ParseLongDouble([]byte("0"))
