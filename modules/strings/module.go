// Package strings provides Redis's string commands. Import it for its side
// effect of registering them:
//
//	import _ "github.com/redmod/redmod/modules/strings"
package strings

import (
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// Module is the strings module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "strings" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return commands }

var commands []core.Command

// add registers a command of this module, from the files that define them.
func add(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "string"
	spec.Categories = append([]string{"string"}, spec.Categories...)
	commands = append(commands, core.NewCommand(spec, run))
}

// getString returns the string at key, nil when missing, or ErrWrongType.
func getString(c *core.Ctx, key []byte) (*core.String, error) {
	return core.Lookup[*core.String](c.DB, key)
}
