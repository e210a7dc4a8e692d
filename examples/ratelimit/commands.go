package ratelimit

import (
	"strconv"

	"github.com/redmod/redmod/core"
)

// cmd fills in what every command of the module shares. Each spec's Syntax
// gives its COMMAND DOCS arguments, its arity and its key positions.
func cmd(spec core.Spec, run func(*core.Ctx) error) core.Command {
	spec.Group = "ratelimit"
	// A category of the module's own: ACL SETUSER app +@ratelimit grants
	// every command of the module, and ACL CAT lists it.
	spec.Categories = append(spec.Categories, "ratelimit")
	spec.Since = "1.0.0"
	return core.NewCommand(spec, run)
}

var commands = []core.Command{
	cmd(core.Spec{
		Name: "rl.setup", Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast,
		Summary: "Creates a full token bucket, or changes the parameters of an existing one keeping its tokens; TAT sets the time the bucket is full again (unix microseconds), as the effects stream carries it.", Complexity: "O(1)",
		Syntax: "key capacity:integer rate:integer period:integer [TAT tat:integer]",
	}, setup),
	cmd(core.Spec{
		Name: "rl.take", Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast,
		Summary: "Takes tokens from a bucket, created with the configured parameters when missing. Replies allowed, remaining, retry-after ms, reset-after ms.", Complexity: "O(1)",
		Syntax: "key [count]",
	}, take),
	cmd(core.Spec{
		Name: "rl.peek", Flags: core.FlagReadOnly | core.FlagFast,
		Summary: "Replies what RL.TAKE key would, without taking a token.", Complexity: "O(1)",
		Syntax: "key",
	}, peek),
	cmd(core.Spec{
		Name: "rl.reset", Flags: core.FlagWrite | core.FlagFast,
		Summary: "Refills a bucket.", Complexity: "O(1)",
		Syntax: "key",
	}, reset),
	cmd(core.Spec{
		Name: "rl.info", Flags: core.FlagReadOnly | core.FlagFast,
		Summary: "Returns a bucket's parameters and current tokens.", Complexity: "O(1)",
		Syntax: "key",
	}, info),
}

// now is the keyspace clock in microseconds, so that tests fast-forwarding
// the clock move buckets too.
func now(c *core.Ctx) int64 { return c.Now() * 1000 }

func setup(c *core.Ctx) error {
	var p [3]int64
	for i := range p {
		n, err := core.Int(c.Args[2+i])
		if err != nil {
			return err
		}
		p[i] = n
	}
	tat, hasTAT := int64(0), false
	switch len(c.Args) {
	case 5:
	case 7:
		if !core.EqualFold(c.Args[5], "tat") {
			return core.ErrSyntax
		}
		n, err := core.Int(c.Args[6])
		if err != nil {
			return err
		}
		tat, hasTAT = n, true
	default:
		return core.ErrSyntax
	}
	b, err := core.Lookup[*Bucket](c.DB, c.Args[1])
	if err != nil {
		return err
	}
	nb, err := NewBucket(p[0], p[1], p[2])
	if err != nil {
		return err
	}
	switch {
	case hasTAT:
		nb.TAT = tat
	case b != nil:
		// Keep the tokens the bucket holds, within the new capacity.
		tokens := b.Take(now(c), 0).Remaining
		nb.TAT = now(c) + (nb.Capacity-min(tokens, nb.Capacity))*nb.interval()
	}
	// Replacing the value keeps the key's TTL, if it has one.
	c.DB.SetKeepTTL(c.Args[1], nb)
	propagateBucket(c, nb)
	c.WriteOK()
	return nil
}

// propagateBucket propagates the bucket's state rather than the request:
// RL.TAKE and RL.SETUP depend on the time they run, so replayed as received
// (from the append-only file, on a replica) they would leave a different
// number of tokens. RL.SETUP with TAT sets exactly the state the bucket has.
func propagateBucket(c *core.Ctx, b *Bucket) {
	if !c.Propagating() {
		return
	}
	i := func(n int64) []byte { return strconv.AppendInt(nil, n, 10) }
	c.Propagate([]byte("RL.SETUP"), c.Args[1], i(b.Capacity), i(b.Rate), i(b.Period), []byte("TAT"), i(b.TAT))
}

func writeResult(c *core.Ctx, r Result) {
	c.WriteArray(4)
	if r.Allowed {
		c.WriteInt(1)
	} else {
		c.WriteInt(0)
	}
	c.WriteInt(r.Remaining)
	c.WriteInt(r.RetryAfter)
	c.WriteInt(r.ResetAfter)
}

func take(c *core.Ctx) error {
	n := int64(1)
	switch len(c.Args) {
	case 2:
	case 3:
		var err error
		if n, err = core.Int(c.Args[2]); err != nil {
			return err
		}
		if n <= 0 {
			return core.NewError("ERR count must be positive")
		}
	default:
		return core.ErrSyntax
	}
	b, err := core.Lookup[*Bucket](c.DB, c.Args[1])
	if err != nil {
		return err
	}
	created := false
	if b == nil {
		if b, err = mod.defaultBucket(); err != nil {
			return core.NewError("ERR " + err.Error())
		}
		created = true
	}
	r := b.Take(now(c), n)
	if r.Allowed {
		mod.allowed.Add(1)
	} else {
		mod.denied.Add(1)
	}
	switch {
	case created && r.Allowed:
		c.DB.Set(c.Args[1], b)
	case !r.Allowed:
		// A denied request changes nothing (a new bucket is not kept) and
		// propagates nothing.
		c.SetChanges(0)
	}
	if r.Allowed {
		propagateBucket(c, b)
	}
	writeResult(c, r)
	return nil
}

func peek(c *core.Ctx) error {
	b, err := core.Lookup[*Bucket](c.DB, c.Args[1])
	if err != nil {
		return err
	}
	if b == nil {
		c.WriteNullArray()
		return nil
	}
	probe := *b
	writeResult(c, probe.Take(now(c), 1))
	return nil
}

func reset(c *core.Ctx) error {
	b, err := core.Lookup[*Bucket](c.DB, c.Args[1])
	if err != nil {
		return err
	}
	if b == nil {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	b.TAT = 0
	c.WriteInt(1)
	return nil
}

func info(c *core.Ctx) error {
	b, err := core.Lookup[*Bucket](c.DB, c.Args[1])
	if err != nil {
		return err
	}
	if b == nil {
		c.WriteNullArray()
		return nil
	}
	c.WriteMap(4)
	for _, f := range []struct {
		name string
		v    int64
	}{{"capacity", b.Capacity}, {"rate", b.Rate}, {"period", b.Period}, {"tokens", b.Take(now(c), 0).Remaining}} {
		c.WriteBulkString(f.name)
		c.WriteInt(f.v)
	}
	return nil
}
