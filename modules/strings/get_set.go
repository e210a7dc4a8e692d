package strings

import (
	"math"
	"strconv"

	"github.com/redmod/redmod/core"
)

// setKeyFlags resolves SET's variable key flags: the key is read only when
// GET is given (RW access update), otherwise it is overwritten (OW update).
func setKeyFlags(args [][]byte, _ int) []string {
	for _, a := range args[min(3, len(args)):] {
		if core.EqualFold(a, "get") {
			return []string{"RW", "access", "update"}
		}
	}
	return []string{"OW", "update"}
}

func init() {
	add(core.Spec{
		Name: "get", Arity: 2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns the string value of a key.",
		Syntax:  "key",
	}, get)
	add(core.Spec{
		Name: "set", Arity: -3, Flags: core.FlagWrite | core.FlagDenyOOM, BorrowsArgs: true,
		KeySpecs: []core.KeySpec{{Notes: "RW and ACCESS due to the optional `GET` argument", Flags: []string{"RW", "access", "update", "variable_flags"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: []string{"RW", "access", "update", "variable_flags"}, KeyFlagsFor: setKeyFlags,
		Summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
		Syntax:  "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]",
	}, set)
}

func get(c *core.Ctx) error {
	b, ok, err := c.DB.GetBytes(c.Args[1])
	if err != nil {
		return err
	}
	if !ok {
		c.WriteNull()
		return nil
	}
	c.WriteBulk(b)
	return nil
}

// Options of SET and GETEX, as Redis's parseExtendedStringArgumentsOrReply
// reads them.
const (
	optNX = 1 << iota
	optXX
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT
	optExpire = optEX | optPX | optEXAT | optPXAT
)

// Which command parses: SET accepts NX, XX, GET and KEEPTTL; GETEX accepts
// PERSIST.
const (
	forSet = iota
	forGetEx
)

// ExpireOptions holds what parseExpireOptions read.
type expireOptions struct {
	flags  int
	expire []byte // the EX/PX/EXAT/PXAT argument
}

func parseExpireOptions(args [][]byte, kind int) (expireOptions, error) {
	var o expireOptions
	for j := 0; j < len(args); j++ {
		a := args[j]
		hasNext := j+1 < len(args)
		f := o.flags
		switch {
		case core.EqualFold(a, "nx") && f&optXX == 0 && kind == forSet:
			o.flags |= optNX
		case core.EqualFold(a, "xx") && f&optNX == 0 && kind == forSet:
			o.flags |= optXX
		case core.EqualFold(a, "get") && kind == forSet:
			o.flags |= optGet
		case core.EqualFold(a, "keepttl") && f&(optPersist|optExpire) == 0 && kind == forSet:
			o.flags |= optKeepTTL
		case core.EqualFold(a, "persist") && f&(optKeepTTL|optExpire) == 0 && kind == forGetEx:
			o.flags |= optPersist
		case core.EqualFold(a, "ex") && f&(optKeepTTL|optPersist|optEXAT|optPX|optPXAT) == 0 && hasNext:
			o.flags |= optEX
			o.expire = args[j+1]
			j++
		case core.EqualFold(a, "px") && f&(optKeepTTL|optPersist|optEX|optEXAT|optPXAT) == 0 && hasNext:
			o.flags |= optPX
			o.expire = args[j+1]
			j++
		case core.EqualFold(a, "exat") && f&(optKeepTTL|optPersist|optEX|optPX|optPXAT) == 0 && hasNext:
			o.flags |= optEXAT
			o.expire = args[j+1]
			j++
		case core.EqualFold(a, "pxat") && f&(optKeepTTL|optPersist|optEX|optEXAT|optPX) == 0 && hasNext:
			o.flags |= optPXAT
			o.expire = args[j+1]
			j++
		default:
			return o, core.ErrSyntax
		}
	}
	return o, nil
}

// expireAt converts the EX/PX/EXAT/PXAT argument to an absolute time in
// milliseconds, with Redis's checks and errors.
func (o expireOptions) expireAt(c *core.Ctx, command string) (int64, error) {
	if o.flags&optExpire == 0 {
		return 0, nil
	}
	n, err := core.Int(o.expire)
	if err != nil {
		return 0, err
	}
	seconds := o.flags&(optEX|optEXAT) != 0
	if n <= 0 || seconds && n > math.MaxInt64/1000 {
		return 0, core.ErrInvalidExpire(command)
	}
	if seconds {
		n *= 1000
	}
	if o.flags&(optEX|optPX) != 0 {
		now := c.Now()
		if n > math.MaxInt64-now {
			return 0, core.ErrInvalidExpire(command)
		}
		n += now
	}
	return n, nil
}

func set(c *core.Ctx) error {
	o, err := parseExpireOptions(c.Args[3:], forSet)
	if err != nil {
		return err
	}
	at, err := o.expireAt(c, "set")
	if err != nil {
		return err
	}
	key := c.Args[1]
	var old *core.String
	if o.flags&optGet != 0 {
		if old, err = getString(c, key); err != nil {
			return err
		}
	}
	if o.flags&(optNX|optXX) != 0 {
		found := c.DB.Exists(key)
		if o.flags&optNX != 0 && found || o.flags&optXX != 0 && !found {
			c.SetChanges(0)
			if o.flags&optGet != 0 {
				writeOld(c, old)
			} else {
				c.WriteNull()
			}
			return nil
		}
	}
	if o.flags&optGet != 0 {
		// Redis replies with the old value before it sets and announces.
		writeOld(c, old)
	}
	// An EXAT/PXAT in the past stores a key that is already expired, as
	// Redis 7.0 does: DBSIZE counts it until it is touched or the active
	// cycle removes it, and expired_keys counts it then.
	c.DB.SetString(key, c.Args[2], at, o.flags&optKeepTTL != 0)
	c.Notify(core.NotifyString, "set", key)
	if at != 0 {
		c.Notify(core.NotifyGeneric, "expire", key)
		// Propagated with an absolute time, as Redis 7.0 does (its other
		// options have done their work).
		c.Propagate(cmdSET, key, c.Args[2], argPXAT, ms(at))
	}
	if o.flags&optGet == 0 {
		c.WriteOK()
	}
	return nil
}

var (
	cmdSET       = []byte("SET")
	cmdDEL       = []byte("DEL")
	cmdPEXPIREAT = []byte("PEXPIREAT")
	cmdPERSIST   = []byte("PERSIST")
	argPXAT      = []byte("PXAT")
	argKEEPTTL   = []byte("KEEPTTL")
)

// ms formats an absolute time in milliseconds for a propagated command.
func ms(at int64) []byte { return strconv.AppendInt(nil, at, 10) }

func writeOld(c *core.Ctx, old *core.String) {
	if old == nil {
		c.WriteNull()
		return
	}
	c.WriteBulk(old.B)
}
