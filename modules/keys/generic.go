package keys

import (
	"math"

	"github.com/redmod/redmod/core"
)

func init() {
	one := func(s core.Spec) core.Spec {
		s.FirstKey, s.LastKey, s.Step = 1, 1, 1
		return s
	}
	add(one(core.Spec{
		Name: "pexpire", Arity: -3, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		KeyFlags: []string{"RW", "update"},
		Summary:  "Sets the expiration time of a key in milliseconds.",
		Syntax:   "key milliseconds [NX|XX|GT|LT]",
	}), func(c *core.Ctx) error { return expireGeneric(c, c.Now(), false) })
	add(one(core.Spec{
		Name: "expireat", Arity: -3, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		KeyFlags: []string{"RW", "update"},
		Summary:  "Sets the expiration time of a key to a Unix timestamp.",
		Syntax:   "key unix-time-seconds [NX|XX|GT|LT]",
	}), func(c *core.Ctx) error { return expireGeneric(c, 0, true) })
	add(one(core.Spec{
		Name: "pexpireat", Arity: -3, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		KeyFlags: []string{"RW", "update"},
		Summary:  "Sets the expiration time of a key to a Unix milliseconds timestamp.",
		Syntax:   "key unix-time-milliseconds [NX|XX|GT|LT]",
	}), func(c *core.Ctx) error { return expireGeneric(c, 0, false) })
	add(one(core.Spec{
		Name: "pttl", Arity: 2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		Summary: "Returns the expiration time in milliseconds of a key.",
		Syntax:  "key", Tips: []string{"nondeterministic_output"},
	}), func(c *core.Ctx) error { return ttlGeneric(c, true) })
	add(one(core.Spec{
		Name: "expiretime", Arity: 2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		Summary: "Returns the expiration time of a key as a Unix timestamp.",
		Syntax:  "key",
	}), func(c *core.Ctx) error { return expireTime(c, false) })
	add(one(core.Spec{
		Name: "pexpiretime", Arity: 2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		Summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.",
		Syntax:  "key",
	}), func(c *core.Ctx) error { return expireTime(c, true) })
	add(one(core.Spec{
		Name: "persist", Arity: 2, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		KeyFlags: []string{"RW", "update"},
		Summary:  "Removes the expiration time of a key.",
		Syntax:   "key",
	}), persist)
	add(one(core.Spec{
		Name: "type", Arity: 2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		Summary: "Determines the type of value stored at a key.",
		Syntax:  "key", KeyFlags: []string{"RO"},
	}), typeCmd)
	add(core.Spec{
		Name: "touch", Arity: -2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: -1, Step: 1,
		Summary: "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
		Syntax:  "key [key ...]", KeyFlags: []string{"RO"},
		Tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"},
	}, touch)
	add(core.Spec{
		Name: "unlink", Arity: -2, Flags: core.FlagWrite | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: -1, Step: 1,
		Summary: "Asynchronously deletes one or more keys.",
		Syntax:  "key [key ...]", KeyFlags: []string{"RM", "delete"},
		Tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"},
	}, del)
	add(core.Spec{
		Name: "randomkey", Arity: 1, Flags: core.FlagReadOnly | core.FlagKeyspace,
		Summary: "Returns a random key name from the database.",
		Tips:    []string{"request_policy:all_shards", "nondeterministic_output"},
	}, randomKey)
	twoKeys := func(s core.Spec) core.Spec {
		s.FirstKey, s.LastKey, s.Step = 1, 2, 1
		return s
	}
	add(twoKeys(core.Spec{
		Name: "rename", Arity: 3, Flags: core.FlagWrite,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"OW", "update"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
		Summary:  "Renames a key and overwrites the destination.",
		Syntax:   "key newkey",
		KeyFlags: []string{"RW", "access", "delete"},
	}), func(c *core.Ctx) error { return rename(c, false) })
	add(twoKeys(core.Spec{
		Name: "renamenx", Arity: 3, Flags: core.FlagWrite | core.FlagFast,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"OW", "insert"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
		Summary:  "Renames a key only when the target key name doesn't exist.",
		Syntax:   "key newkey",
		KeyFlags: []string{"RW", "access", "delete"},
	}), func(c *core.Ctx) error { return rename(c, true) })
	add(twoKeys(core.Spec{
		Name: "copy", Arity: -3, Flags: core.FlagWrite | core.FlagDenyOOM,
		KeySpecs: []core.KeySpec{{Flags: []string{"RO", "access"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"OW", "update"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
		Summary:  "Copies the value of a key to a new key.",
		Syntax:   "source destination [DB destination-db:integer] [REPLACE]",
		KeyFlags: []string{"RO", "access"},
	}), copyCmd)
	add(one(core.Spec{
		Name: "move", Arity: 3, Flags: core.FlagWrite | core.FlagFast,
		Summary:  "Moves a key to another database.",
		Syntax:   "key db",
		KeyFlags: []string{"RW", "access", "update"},
	}), move)
}

// expireTime implements EXPIRETIME and PEXPIRETIME.
func expireTime(c *core.Ctx, millis bool) error {
	at, ok := c.DB.Expiry(c.Args[1])
	switch {
	case !ok:
		c.WriteInt(-2)
	case at == 0:
		c.WriteInt(-1)
	case millis:
		c.WriteInt(at)
	default:
		c.WriteInt(at / 1000)
	}
	return nil
}

func persist(c *core.Ctx) error {
	at, ok := c.DB.Expiry(c.Args[1])
	if !ok || at == 0 {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	c.DB.SetExpiry(c.Args[1], 0)
	c.Notify(core.NotifyGeneric, "persist", c.Args[1])
	c.WriteInt(1)
	return nil
}

// typeCmd looks the key up without counting an access, as Redis's TYPE does
// (LOOKUP_NOTOUCH), so that it leaves OBJECT IDLETIME alone.
func typeCmd(c *core.Ctx) error {
	if !c.DB.Exists(c.Args[1]) {
		c.Keyspace.KeyspaceMisses.Add(1)
		c.WriteSimple("none")
		return nil
	}
	c.Keyspace.KeyspaceHits.Add(1)
	c.WriteSimple(c.DB.Peek(c.Args[1]).Type().Name)
	return nil
}

func touch(c *core.Ctx) error {
	var n int64
	for _, k := range c.Args[1:] {
		if c.DB.Touch(k) {
			n++
		}
	}
	c.WriteInt(n)
	return nil
}

// randomKeyExpireMax bounds the expired keys one RANDOMKEY deletes.
const randomKeyExpireMax = 100

func randomKey(c *core.Ctx) error {
	k, ok, expired := c.DB.RandomKeyExpiring(randomKeyExpireMax)
	if len(expired) > 0 {
		// Redis deletes the expired keys it picks; they go once the
		// shared locks RANDOMKEY holds are released.
		db := c.DB
		c.AfterUnlock(func() { db.DeleteExpired(expired) })
	}
	if !ok {
		c.WriteNull()
		return nil
	}
	c.WriteBulkString(k)
	return nil
}

// errIntRange is Redis's reply to a number that does not fit a C int (its
// typo included).
var errIntRange = core.NewError("ERR value is out of range, value must between -2147483648 and 2147483647")

// errSameObject is the reply to a COPY or MOVE onto the key itself.
var errSameObject = core.NewError("ERR source and destination objects are the same")

// take returns the value and expiry of a live key, for the commands that
// move values between keys.
func take(db *core.DB, key []byte) (v core.Value, exp int64, ok bool) {
	exp, ok = db.Expiry(key)
	if !ok {
		return nil, 0, false
	}
	return db.Peek(key), exp, true
}

// rename implements RENAME and RENAMENX: the value keeps its expiry, and the
// destination's own expiry goes with its old value.
func rename(c *core.Ctx, nx bool) error {
	src, dst := c.Args[1], c.Args[2]
	v, exp, ok := take(c.DB, src)
	if !ok {
		c.SetChanges(0)
		return core.ErrNoSuchKey
	}
	if string(src) == string(dst) {
		c.SetChanges(0)
		if nx {
			c.WriteInt(0)
		} else {
			c.WriteOK()
		}
		return nil
	}
	if nx && c.DB.Exists(dst) {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	c.DB.Delete(dst)
	c.DB.Delete(src)
	c.DB.Adopt(dst, v, exp)
	c.Notify(core.NotifyGeneric, "rename_from", src)
	c.Notify(core.NotifyGeneric, "rename_to", dst)
	signal(c.DB, dst)
	if nx {
		c.WriteInt(1)
	} else {
		c.WriteOK()
	}
	return nil
}

// parseDB reads a database number as COPY DB and MOVE do.
func parseDB(c *core.Ctx, arg []byte) (*core.DB, error) {
	n, err := core.Int(arg)
	if err != nil {
		return nil, err
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return nil, errIntRange
	}
	db := c.Keyspace.DB(int(n))
	if db == nil {
		return nil, core.ErrDBIndex
	}
	return db, nil
}

func copyCmd(c *core.Ctx) error {
	dstDB, replace := c.DB, false
	for i := 3; i < len(c.Args); i++ {
		switch a := c.Args[i]; {
		case core.EqualFold(a, "replace"):
			replace = true
		case core.EqualFold(a, "db") && i+1 < len(c.Args):
			db, err := parseDB(c, c.Args[i+1])
			if err != nil {
				return err
			}
			dstDB = db
			i++
		default:
			return core.ErrSyntax
		}
	}
	src, dst := c.Args[1], c.Args[2]
	if dstDB == c.DB && string(src) == string(dst) {
		return errSameObject
	}
	c.SetChanges(0)
	v, exp, ok := take(c.DB, src)
	if !ok {
		c.WriteInt(0)
		return nil
	}
	if dstDB.Exists(dst) {
		if !replace {
			c.WriteInt(0)
			return nil
		}
		dstDB.Delete(dst)
	}
	dstDB.SetWithExpiry(dst, v.Clone(), exp)
	c.NotifyDB(dstDB, core.NotifyGeneric, "copy_to", dst)
	signal(dstDB, dst)
	c.SetChanges(1)
	c.WriteInt(1)
	return nil
}

func move(c *core.Ctx) error {
	dstDB, err := parseDB(c, c.Args[2])
	if err != nil {
		return err
	}
	if dstDB == c.DB {
		return errSameObject
	}
	key := c.Args[1]
	c.SetChanges(0)
	v, exp, ok := take(c.DB, key)
	if !ok || dstDB.Exists(key) {
		c.WriteInt(0)
		return nil
	}
	c.DB.Delete(key)
	dstDB.Adopt(key, v, exp)
	c.Notify(core.NotifyGeneric, "move_from", key)
	c.NotifyDB(dstDB, core.NotifyGeneric, "move_to", key)
	signal(dstDB, key)
	c.SetChanges(1)
	c.WriteInt(1)
	return nil
}

// signal tells clients blocked on key that a value arrived there: RENAME,
// COPY and MOVE may put a list where a BLPOP waits.
func signal(db *core.DB, key []byte) { db.Signal(key) }
