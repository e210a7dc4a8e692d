package strings

import (
	"github.com/redmod/redmod/core"
)

var (
	keyArg   = core.Arg{Name: "key", Type: core.ArgKey}
	valueArg = core.Arg{Name: "value", Type: core.ArgString}
)

func init() {
	add(core.Spec{
		Name: "getset", Arity: 3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: []string{"RW", "access", "update"},
		Summary: "Set the string value of a key and return its old value",
		Syntax:  "key value",
	}, getset)
	add(core.Spec{
		Name: "getdel", Arity: 2, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: []string{"RW", "access", "delete"},
		Summary: "Get the value of a key and delete the key",
		Syntax:  "key",
	}, getdel)
	add(core.Spec{
		Name: "getex", Arity: -2, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Notes: "RW and UPDATE because it changes the TTL", Flags: []string{"RW", "access", "update"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: []string{"RW", "access", "update"},
		Summary: "Get the value of a key and optionally set its expiration",
		Syntax:  "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]",
	}, getex)
	add(core.Spec{
		Name: "setnx", Arity: 3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: []string{"OW", "insert"},
		Summary: "Set the value of a key, only if the key does not exist",
		Syntax:  "key value",
	}, setnx)
	add(core.Spec{
		Name: "setex", Arity: 4, Flags: core.FlagWrite | core.FlagDenyOOM, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: []string{"OW", "update"},
		Summary: "Set the value and expiration of a key",
		Syntax:  "key seconds value",
	}, func(c *core.Ctx) error { return setWithTTL(c, optEX, "setex") })
	add(core.Spec{
		Name: "psetex", Arity: 4, Flags: core.FlagWrite | core.FlagDenyOOM, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: []string{"OW", "update"},
		Summary: "Set the value and expiration in milliseconds of a key",
		Syntax:  "key milliseconds value",
	}, func(c *core.Ctx) error { return setWithTTL(c, optPX, "psetex") })
}

// getset replies with the old value and stores the new one, clearing any
// expiry as SET does.
func getset(c *core.Ctx) error {
	key := c.Args[1]
	old, err := getString(c, key)
	if err != nil {
		return err
	}
	// Redis replies with the old value before it sets and announces.
	writeOld(c, old)
	c.DB.SetString(key, c.Args[2], 0, false)
	c.Notify(core.NotifyString, "set", key)
	c.Propagate(cmdSET, key, c.Args[2]) // as Redis 7.0 propagates it
	return nil
}

func getdel(c *core.Ctx) error {
	key := c.Args[1]
	s, err := getString(c, key)
	if err != nil {
		return err
	}
	if s == nil {
		c.SetChanges(0)
		c.WriteNull()
		return nil
	}
	// Redis replies before it deletes and announces.
	c.WriteBulk(s.B)
	c.DB.Delete(key)
	c.Notify(core.NotifyGeneric, "del", key)
	c.Propagate(cmdDEL, key) // as Redis 7.0 propagates it
	return nil
}

// getex follows Redis's order of checks: option syntax, then the key (a
// missing key answers nil even with an invalid expire time), its type, and
// only then the expire time.
func getex(c *core.Ctx) error {
	o, err := parseExpireOptions(c.Args[2:], forGetEx)
	if err != nil {
		return err
	}
	key := c.Args[1]
	s, err := getString(c, key)
	if err != nil {
		return err
	}
	if s == nil {
		c.SetChanges(0)
		c.WriteNull()
		return nil
	}
	at, err := o.expireAt(c, "getex")
	if err != nil {
		return err
	}
	c.WriteBulk(s.B)
	switch {
	case at != 0:
		// An EXAT/PXAT in the past deletes the key, as SetExpiry does.
		past := at <= c.Now()
		c.DB.SetExpiry(key, at)
		if past {
			c.Notify(core.NotifyGeneric, "del", key)
			c.Propagate(c.Keyspace.ExpireDelCommand(), key)
		} else {
			c.Notify(core.NotifyGeneric, "expire", key)
			c.Propagate(cmdPEXPIREAT, key, ms(at))
		}
	case o.flags&optPersist != 0:
		if exp, _ := c.DB.Expiry(key); exp == 0 {
			c.SetChanges(0)
		} else {
			c.DB.SetExpiry(key, 0)
			c.Notify(core.NotifyGeneric, "persist", key)
			c.Propagate(cmdPERSIST, key)
		}
	default:
		c.SetChanges(0)
	}
	return nil
}

func setnx(c *core.Ctx) error {
	key := c.Args[1]
	if c.DB.Exists(key) {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	c.DB.SetString(key, c.Args[2], 0, false)
	c.Notify(core.NotifyString, "set", key)
	c.WriteInt(1)
	return nil
}

// setWithTTL is SETEX and PSETEX: SET with EX or PX and the argument order
// key, time, value.
func setWithTTL(c *core.Ctx, unit int, command string) error {
	o := expireOptions{flags: unit, expire: c.Args[2]}
	at, err := o.expireAt(c, command)
	if err != nil {
		return err
	}
	c.DB.SetString(c.Args[1], c.Args[3], at, false)
	c.Notify(core.NotifyString, "set", c.Args[1])
	c.Notify(core.NotifyGeneric, "expire", c.Args[1])
	c.Propagate(cmdSET, c.Args[1], c.Args[3], argPXAT, ms(at))
	c.WriteOK()
	return nil
}
