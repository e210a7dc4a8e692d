// Package lists provides Redis's list type and commands. Import it for its
// side effect of registering them:
//
//	import _ "github.com/redmod/redmod/modules/lists"
package lists

import (
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// Module is the lists module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "lists" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return commands }

// Types implements core.TypeProvider.
func (Module) Types() []*core.Type { return []*core.Type{ListType} }

var commands []core.Command

func add(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "list"
	spec.Categories = append([]string{"list"}, spec.Categories...)
	commands = append(commands, core.NewCommand(spec, run))
}

func getList(c *core.Ctx, key []byte) (*List, error) {
	return core.Lookup[*List](c.DB, key)
}

// clampRange turns Redis start/stop indexes (negative from the end) into an
// inclusive range over n elements; ok is false when the range is empty.
func clampRange(start, stop int64, n int) (from, to int, ok bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0, false
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop), true
}
