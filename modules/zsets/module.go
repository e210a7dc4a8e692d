// Package zsets provides Redis's sorted-set type, its commands and the geo
// commands, which Redis builds on sorted sets. Import it for its side effect
// of registering them:
//
//	import _ "github.com/redmod/redmod/modules/zsets"
package zsets

import (
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// Module is the zsets module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "zsets" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return commands }

// Types implements core.TypeProvider.
func (Module) Types() []*core.Type { return []*core.Type{ZSetType} }

var commands []core.Command

// add registers a command with the metadata of Redis's command table
// (specs) and, for a command whose keys move, the function that finds them.
func add(name string, run func(*core.Ctx) error, keys ...func([][]byte) []int) {
	spec, ok := specs[name]
	if !ok {
		panic("zsets: no spec for " + name)
	}
	if len(keys) > 0 {
		spec.Keys = keys[0]
	}
	commands = append(commands, core.NewCommand(spec, run))
}

func getZSet(c *core.Ctx, key []byte) (*ZSet, error) {
	return core.Lookup[*ZSet](c.DB, key)
}

// getZSetW is getZSet for commands that change the set: like Redis's
// lookupKeyWrite it counts no keyspace hit or miss.
func getZSetW(c *core.Ctx, key []byte) (*ZSet, error) {
	return core.LookupWrite[*ZSet](c.DB, key)
}

// dropIfEmpty deletes key when its set has been emptied: Redis never keeps
// an empty sorted set.
func dropIfEmpty(c *core.Ctx, key []byte, z *ZSet) {
	if z.Len() == 0 {
		c.DB.Delete(key)
	}
}
