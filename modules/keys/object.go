package keys

import (
	"github.com/redmod/redmod/core"
)

func init() {
	sub := func(name, summary string, run func(*core.Ctx) error) core.Command {
		return core.NewCommand(core.Spec{
			Name: name, Arity: 3, Flags: core.FlagReadOnly, FirstKey: 2, LastKey: 2, Step: 1,
			Group: "generic", Categories: []string{"keyspace"}, Summary: summary, Since: "2.2.3", Complexity: "O(1)",
			Args: []core.Arg{{Name: "key", Type: core.ArgKey}}, KeyFlags: []string{"RO"},
			Tips: []string{"nondeterministic_output"},
		}, run)
	}
	freq := sub("freq", "Returns the logarithmic access frequency counter of a Redis object.", objectFreq)
	freq.Spec().Since = "4.0.0"
	// The container is appended directly: its only category is @slow.
	commands = append(commands, core.NewCommand(core.Spec{
		Name: "object", Arity: -2, Group: "generic",
		Summary: "A container for object introspection commands",
		Subcommands: []core.Command{
			sub("encoding", "Returns the internal encoding of a Redis object.", objectEncoding),
			freq,
			sub("idletime", "Returns the time since the last access to a Redis object.", objectIdleTime),
			sub("refcount", "Returns the reference count of a value of a key.", objectRefcount),
			core.NewCommand(core.Spec{
				Name: "help", Arity: 2, Flags: core.FlagLoading | core.FlagStale, Group: "generic",
				Categories: []string{"keyspace"}, Summary: "Returns helpful text about the different subcommands.",
			}, objectHelp),
		},
	}, nil))
}

// errNoLFU is OBJECT FREQ's reply under a policy that tracks no access
// frequency, errLFU OBJECT IDLETIME's under one that tracks no access time.
var (
	errNoLFU = core.NewError("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
	errLFU   = core.NewError("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
)

// objectValue returns the value OBJECT inspects without counting an access
// (Redis looks it up with LOOKUP_NOTOUCH), or writes the null reply.
func objectValue(c *core.Ctx) core.Value {
	if !c.DB.Exists(c.Args[2]) {
		c.WriteNull()
		return nil
	}
	return c.DB.Peek(c.Args[2])
}

func objectEncoding(c *core.Ctx) error {
	if v := objectValue(c); v != nil {
		c.WriteBulkString(v.Encoding())
	}
	return nil
}

func objectFreq(c *core.Ctx) error {
	if objectValue(c) == nil {
		return nil
	}
	if !c.Keyspace.EvictionPolicy().LFU() {
		return errNoLFU
	}
	freq, _ := c.DB.Freq(c.Args[2])
	c.WriteInt(freq)
	return nil
}

func objectIdleTime(c *core.Ctx) error {
	secs, ok := c.DB.IdleTime(c.Args[2])
	switch {
	case !ok:
		c.WriteNull()
	case c.Keyspace.EvictionPolicy().LFU():
		return errLFU
	default:
		c.WriteInt(secs)
	}
	return nil
}

// sharedRefcount is what Redis reports for its shared objects: the small
// integers 0-9999 that every string holding one of them points to.
const sharedRefcount = 2147483647

func objectRefcount(c *core.Ctx) error {
	v := objectValue(c)
	if v == nil {
		return nil
	}
	if s, ok := v.(*core.String); ok && s.Shared() && c.Keyspace.SharesIntegers() {
		c.WriteInt(sharedRefcount)
		return nil
	}
	c.WriteInt(1)
	return nil
}

func objectHelp(c *core.Ctx) error {
	lines := []string{
		"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
		"HELP",
		"    Prints this help.",
	}
	c.WriteArray(len(lines))
	for _, l := range lines {
		c.WriteSimple(l)
	}
	return nil
}
