package admin

import (
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/redmod/redmod/core"
)

// entryOverhead approximates what the keyspace spends per key besides the
// key's bytes and its value (the map entry and expiry bookkeeping).
const entryOverhead = 48

func init() {
	sub := func(spec core.Spec, run func(*core.Ctx) error) core.Command {
		spec.Group = "server"
		return core.NewCommand(spec, run)
	}
	add(core.Spec{
		Name: "memory", Arity: -2, Group: "server",
		Summary: "A container for memory diagnostics commands",
		Subcommands: []core.Command{
			sub(core.Spec{Name: "usage", Arity: -3, Flags: core.FlagReadOnly, FirstKey: 2, LastKey: 2, Step: 1, KeyFlags: []string{"RO"},
				Summary: "Estimate the memory usage of a key",
				Syntax:  "key [SAMPLES count]"},
				memoryUsage),
			sub(core.Spec{Name: "doctor", Arity: 2, Summary: "Outputs memory problems report",
				Tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
				func(c *core.Ctx) error {
					c.WriteVerbatim("txt", "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.")
					return nil
				}),
			sub(core.Spec{Name: "malloc-stats", Arity: 2, Summary: "Show allocator internal stats",
				Tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
				func(c *core.Ctx) error {
					c.WriteVerbatim("txt", "Stats not supported for the current allocator")
					return nil
				}),
			sub(core.Spec{Name: "purge", Arity: 2, Summary: "Ask the allocator to release memory",
				Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
				func(c *core.Ctx) error {
					// Go's runtime returns freed memory to the system.
					debug.FreeOSMemory()
					c.WriteOK()
					return nil
				}),
			sub(core.Spec{Name: "stats", Arity: 2, Summary: "Show memory usage details",
				Tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
				memoryStats),
			sub(core.Spec{Name: "help", Arity: 2, Flags: core.FlagLoading | core.FlagStale,
				Summary: "Show helpful text about the different subcommands"},
				func(c *core.Ctx) error {
					writeHelp(c, "MEMORY", []string{
						"DOCTOR",
						"    Return memory problems reports.",
						"MALLOC-STATS",
						"    Return internal statistics report from the memory allocator.",
						"PURGE",
						"    Attempt to purge dirty pages for reclamation by the allocator.",
						"STATS",
						"    Return information about the memory usage of the server.",
						"USAGE <key> [SAMPLES <count>]",
						"    Return memory in bytes used by <key> and its value. Nested values are",
						"    sampled up to <count> times (default: 5, 0 means sample all).",
					})
					return nil
				}),
		},
	}, nil)
}

// memoryUsage answers with the value's own estimate (core.Value.MemoryUsage)
// plus the key and its entry. redmod's estimates are exact sums, so SAMPLES
// is checked but changes nothing.
func memoryUsage(c *core.Ctx) error {
	for j := 3; j < len(c.Args); j += 2 {
		if !core.EqualFold(c.Args[j], "samples") || j+1 >= len(c.Args) {
			return core.ErrSyntax
		}
		n, err := core.Int(c.Args[j+1])
		if err != nil {
			return err
		}
		if n < 0 {
			return core.ErrSyntax
		}
	}
	v := c.DB.Get(c.Args[2])
	if v == nil {
		c.WriteNull()
		return nil
	}
	c.WriteInt(int64(v.MemoryUsage() + len(c.Args[2]) + entryOverhead))
	return nil
}

// memoryStats reports the Go runtime's figures under the names of Redis's
// MEMORY STATS that have a meaning here.
func memoryStats(c *core.Ctx) error {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	keys := int64(0)
	var dbs []int
	for i := 0; i < c.Keyspace.NumDBs(); i++ {
		if n := c.Keyspace.DB(i).Len(); n > 0 {
			keys += int64(n)
			dbs = append(dbs, i)
		}
	}
	perKey := int64(0)
	if keys > 0 {
		perKey = int64(ms.HeapAlloc) / keys
	}
	c.WriteMap(7 + len(dbs))
	c.WriteBulkString("peak.allocated")
	c.WriteInt(int64(ms.HeapSys))
	c.WriteBulkString("total.allocated")
	c.WriteInt(int64(ms.HeapAlloc))
	c.WriteBulkString("startup.allocated")
	c.WriteInt(0)
	c.WriteBulkString("clients.normal")
	c.WriteInt(0)
	for _, i := range dbs {
		db := c.Keyspace.DB(i)
		c.WriteBulkString("db." + strconv.Itoa(i))
		c.WriteMap(2)
		c.WriteBulkString("overhead.hashtable.main")
		c.WriteInt(int64(db.Len() * entryOverhead))
		c.WriteBulkString("overhead.hashtable.expires")
		c.WriteInt(int64(db.VolatileLen() * entryOverhead))
	}
	c.WriteBulkString("keys.count")
	c.WriteInt(keys)
	c.WriteBulkString("keys.bytes-per-key")
	c.WriteInt(perKey)
	c.WriteBulkString("allocator.resident")
	c.WriteInt(int64(ms.Sys))
	return nil
}
