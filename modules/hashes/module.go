// Package hashes provides Redis's hash type and commands. Import it for its
// side effect of registering them:
//
//	import _ "github.com/redmod/redmod/modules/hashes"
package hashes

import (
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

var commands []core.Command

func add(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "hash"
	spec.Categories = append([]string{"hash"}, spec.Categories...)
	commands = append(commands, core.NewCommand(spec, run))
}

func getHash(c *core.Ctx, key []byte) (*Hash, error) {
	return core.Lookup[*Hash](c.DB, key)
}
