// Package sets provides Redis's set type and commands. Import it for its
// side effect of registering them:
//
//	import _ "github.com/redmod/redmod/modules/sets"
package sets

import (
	"errors"
	"strconv"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the sets module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "sets" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commands) }

// Types implements core.TypeProvider.
func (Module) Types() []*core.Type { return []*core.Type{SetType} }

// maxIntsetSetting is Redis's set-max-intset-entries: the most members a set
// of integers keeps in the intset encoding.
const maxIntsetSetting = "set-max-intset-entries"

// Settings implements core.Configurable: set-max-intset-entries, under
// Redis's own name.
func (Module) Settings() []core.Setting {
	return []core.Setting{{
		Name: maxIntsetSetting, Default: "512", Mutable: true, Global: true,
		Usage: "most members of a set of integers kept in the compact intset encoding",
		Validate: func(v string) error {
			// Redis reads numeric settings with string2ll, then checks the
			// range.
			n, ok := core.ParseInt([]byte(v))
			if !ok {
				return errors.New("argument couldn't be parsed into an integer")
			}
			if n < 0 {
				return errors.New("argument must be between 0 and 9223372036854775807 inclusive")
			}
			return nil
		},
		OnChange: maxIntsetEntries.Changed,
	}}
}

var commands []core.Command

func add(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "set"
	spec.Categories = append([]string{"set"}, spec.Categories...)
	commands = append(commands, core.NewCommand(spec, run))
}

// maxIntsetEntries is the server's set-max-intset-entries, read on every
// SADD; each server of a process follows its own (core.SettingCache).
var maxIntsetEntries = core.SettingCache[int]{Name: maxIntsetSetting, Default: 512,
	Parse: func(v string) (int, bool) {
		n, err := strconv.ParseInt(v, 10, 64)
		return int(min(n, 1<<30)), err == nil
	}}

// maxIntset returns the current set-max-intset-entries of the server.
func maxIntset(c *core.Ctx) int { return maxIntsetEntries.Get(c) }

func getSet(c *core.Ctx, key []byte) (*Set, error) {
	return core.Lookup[*Set](c.DB, key)
}

// getSetW is getSet for commands that change the set: like Redis's
// lookupKeyWrite it counts no keyspace hit or miss.
func getSetW(c *core.Ctx, key []byte) (*Set, error) {
	return core.LookupWrite[*Set](c.DB, key)
}
