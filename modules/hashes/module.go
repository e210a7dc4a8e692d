// Package hashes provides Redis's hash type and commands. Import it for its
// side effect of registering them:
//
//	import _ "github.com/redmod/redmod/modules/hashes"
package hashes

import (
	"math"
	"strconv"
	"sync/atomic"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the hashes module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "hashes" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commands) }

// Types implements core.TypeProvider.
func (Module) Types() []*core.Type { return []*core.Type{HashType} }

const (
	defaultListpackEntries = 512
	defaultListpackValue   = 64
)

// Settings implements core.Configurable: Redis's limits of the compact
// listpack encoding, under Redis's names and those it kept from its
// ziplist days.
func (Module) Settings() []core.Setting {
	store := func(v *atomic.Int64, parse func(string) (int64, error)) func(string) {
		return func(s string) {
			if n, err := parse(s); err == nil {
				v.Store(n)
			}
		}
	}
	return []core.Setting{
		{
			Name: "hash-max-listpack-entries", Default: strconv.Itoa(defaultListpackEntries), Mutable: true, Global: true,
			Aliases:  []string{"hash-max-ziplist-entries"},
			Usage:    "most fields of a hash kept in the compact listpack encoding",
			Validate: core.IntRange(0, math.MaxInt64),
			OnChange: store(&maxListpackEntries, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }),
		},
		{
			Name: "hash-max-listpack-value", Default: strconv.Itoa(defaultListpackValue), Mutable: true, Global: true,
			Aliases:   []string{"hash-max-ziplist-value"},
			Usage:     "longest field or value (bytes) of a hash kept in the listpack encoding",
			Validate:  core.MemoryRange(0),
			Normalize: core.NormalizeMemory,
			OnChange:  store(&maxListpackValue, core.ParseMemory),
		},
	}
}

var commands []core.Command

func add(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "hash"
	spec.Categories = append([]string{"hash"}, spec.Categories...)
	commands = append(commands, core.NewCommand(spec, run))
}

func getHash(c *core.Ctx, key []byte) (*Hash, error) {
	return core.Lookup[*Hash](c.DB, key)
}

// getHashW is getHash for the commands that change the hash: like Redis's
// lookupKeyWrite it counts no keyspace hit or miss and announces no
// keymiss event.
func getHashW(c *core.Ctx, key []byte) (*Hash, error) {
	return core.LookupWrite[*Hash](c.DB, key)
}
