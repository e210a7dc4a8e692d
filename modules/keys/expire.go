package keys

import (
	"math"
	"strconv"

	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "expire", Arity: -3, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		KeyFlags: []string{"RW", "update"},
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Sets the expiration time of a key in seconds.",
		Syntax:  "key seconds [NX|XX|GT|LT]",
	}, func(c *core.Ctx) error { return expireGeneric(c, c.Now(), true) })
	add(core.Spec{
		Name: "ttl", Arity: 2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns the expiration time in seconds of a key.",
		Syntax:  "key", Tips: []string{"nondeterministic_output"},
	}, func(c *core.Ctx) error { return ttlGeneric(c, false) })
}

const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

// parseExpireFlags reads the NX/XX/GT/LT options with Redis's errors.
func parseExpireFlags(args [][]byte) (int, error) {
	flags := 0
	for _, a := range args {
		switch {
		case core.EqualFold(a, "nx"):
			flags |= expireNX
		case core.EqualFold(a, "xx"):
			flags |= expireXX
		case core.EqualFold(a, "gt"):
			flags |= expireGT
		case core.EqualFold(a, "lt"):
			flags |= expireLT
		default:
			return 0, core.NewError("ERR Unsupported option " + core.ErrorArg(a))
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		return 0, core.NewError("ERR NX and XX, GT or LT options at the same time are not compatible")
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		return 0, core.NewError("ERR GT and LT options at the same time are not compatible")
	}
	return flags, nil
}

// expireGeneric implements EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: the
// argument is relative to base (0 for the AT forms), in seconds or not.
func expireGeneric(c *core.Ctx, base int64, seconds bool) error {
	flags, err := parseExpireFlags(c.Args[3:])
	if err != nil {
		return err
	}
	when, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			return core.ErrInvalidExpire(c.Name)
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		return core.ErrInvalidExpire(c.Name)
	}
	when += base
	key := c.Args[1]
	cur, ok := c.DB.Expiry(key)
	if !ok {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	refuse := flags&expireNX != 0 && cur != 0 ||
		flags&expireXX != 0 && cur == 0 ||
		flags&expireGT != 0 && (cur == 0 || when <= cur) ||
		flags&expireLT != 0 && cur != 0 && when >= cur
	if refuse {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	if when <= c.Now() {
		del := c.Keyspace.ExpireDelCommand()
		v := c.DB.Remove(key)
		if string(del) == "UNLINK" {
			c.Keyspace.CountLazyFree(v)
		}
		c.Notify(core.NotifyGeneric, "del", key)
		c.Propagate(del, key)
		c.WriteInt(1)
	} else {
		c.DB.SetExpiry(key, when)
		// The reply first, then the event, as Redis orders them for a
		// client subscribed to its own keys' events.
		c.WriteInt(1)
		c.Notify(core.NotifyGeneric, "expire", key)
		// As Redis 7.0: PEXPIREAT with the absolute time, the options kept.
		if c.Propagating() {
			args := append([][]byte{[]byte("PEXPIREAT"), key, strconv.AppendInt(nil, when, 10)}, c.Args[3:]...)
			c.Propagate(args...)
		}
	}
	return nil
}

// ttlGeneric implements TTL and PTTL: -2 for a missing key, -1 without expiry.
func ttlGeneric(c *core.Ctx, millis bool) error {
	at, ok := c.DB.Expiry(c.Args[1])
	switch {
	case !ok:
		c.WriteInt(-2)
	case at == 0:
		c.WriteInt(-1)
	default:
		ttl := at - c.Now()
		if ttl < 0 {
			ttl = 0
		}
		if !millis {
			ttl = (ttl + 500) / 1000
		}
		c.WriteInt(ttl)
	}
	return nil
}
