package keys

import (
	"errors"
	"slices"
	"strconv"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/rdb"
)

// DUMP and RESTORE exchange values in Redis's own serialization (package
// rdb): a payload DUMPed by Redis 7.0 RESTOREs here and the other way
// round, for every type Redis has; a value of a type Redis lacks travels as
// a Redis module value that only redmod binaries with its module read.

var errBusyKey = core.NewError("BUSYKEY Target key name already exists.")

func init() {
	add(core.Spec{
		Name: "dump", Arity: 2, Flags: core.FlagReadOnly,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary:  "Return a serialized version of the value stored at the specified key.",
		Syntax:   "key",
		KeyFlags: []string{"RO", "access"},
		Tips:     []string{"nondeterministic_output"},
	}, dump)
	add(core.Spec{
		Name: "restore", Arity: -4, Flags: core.FlagWrite | core.FlagDenyOOM,
		FirstKey: 1, LastKey: 1, Step: 1, Categories: []string{"dangerous"},
		Summary:  "Create a key using the provided serialized value, previously obtained using DUMP.",
		Syntax:   "key ttl:integer serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency:integer]",
		KeyFlags: []string{"OW", "update"},
	}, restore)
}

func dump(c *core.Ctx) error {
	v := c.DB.Get(c.Args[1])
	if v == nil {
		c.WriteNull()
		return nil
	}
	payload, err := rdb.Dump(v)
	if err != nil {
		return core.NewError("ERR " + err.Error())
	}
	c.WriteBulk(payload)
	return nil
}

// restore follows Redis's order of checks: options, an existing key, the
// TTL, the payload's footer, then its contents.
func restore(c *core.Ctx) error {
	replace, absTTL := false, false
	idle, freq := int64(-1), int64(-1)
	for i := 4; i < len(c.Args); i++ {
		more := len(c.Args) - i - 1
		switch a := c.Args[i]; {
		case core.EqualFold(a, "replace"):
			replace = true
		case core.EqualFold(a, "absttl"):
			absTTL = true
		case core.EqualFold(a, "idletime") && more >= 1 && freq == -1:
			n, err := core.Int(c.Args[i+1])
			if err != nil {
				return err
			}
			if n < 0 {
				return core.NewError("ERR Invalid IDLETIME value, must be >= 0")
			}
			idle = n
			i++
		case core.EqualFold(a, "freq") && more >= 1 && idle == -1:
			n, err := core.Int(c.Args[i+1])
			if err != nil {
				return err
			}
			if n < 0 || n > 255 {
				return core.NewError("ERR Invalid FREQ value, must be >= 0 and <= 255")
			}
			freq = n
			i++
		default:
			return core.ErrSyntax
		}
	}
	key := c.Args[1]
	if !replace && c.DB.Exists(key) {
		return errBusyKey
	}
	ttl, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	if ttl < 0 {
		return core.NewError("ERR Invalid TTL value, must be >= 0")
	}
	v, err := rdb.Restore(c.Args[3])
	var missing *rdb.MissingTypeError
	switch {
	case errors.Is(err, rdb.ErrPayloadVersion):
		return core.NewError("ERR DUMP payload version or checksum are wrong")
	case errors.As(err, &missing):
		return core.NewError("ERR Bad data format: " + missing.Error())
	case err != nil:
		return core.NewError("ERR Bad data format")
	}
	deleted := false
	if replace {
		deleted = c.DB.Delete(key)
	}
	if ttl != 0 && !absTTL {
		ttl += c.Now()
	}
	if ttl != 0 && ttl <= c.Now() {
		// Already expired: nothing is created, but a replaced key is gone.
		if !deleted {
			c.SetChanges(0)
		} else {
			c.Notify(core.NotifyGeneric, "del", key)
			c.Propagate([]byte("DEL"), key)
		}
		c.WriteOK()
		return nil
	}
	if ttl != 0 && !absTTL && c.Propagating() {
		// The absolute expiry, as Redis 7.0 propagates it: the TTL with
		// ABSTTL added.
		args := slices.Clone(c.Args)
		args[2] = strconv.AppendInt(nil, ttl, 10)
		c.Propagate(append(args, []byte("ABSTTL"))...)
	}
	c.DB.Adopt(key, v, ttl)
	if idle >= 0 {
		c.DB.SetIdleTime(key, idle)
	}
	if freq >= 0 {
		c.DB.SetFreq(key, freq)
	}
	c.Notify(core.NotifyGeneric, "restore", key)
	signal(c.DB, key)
	c.WriteOK()
	return nil
}
