// Package keys provides Redis's generic key commands (DEL, EXISTS, EXPIRE,
// TTL, KEYS, ...), which work on keys of any type. Import it for its side
// effect of registering them:
//
//	import _ "github.com/redmod/redmod/modules/keys"
package keys

import (
	"strconv"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the keys module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "keys" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commands) }

var commands []core.Command

func add(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "generic"
	spec.Categories = append([]string{"keyspace"}, spec.Categories...)
	commands = append(commands, core.NewCommand(spec, run))
}

// InfoSections implements core.InfoProvider: the module extends stats only.
func (Module) InfoSections() []string { return nil }

// Info implements core.InfoProvider: MIGRATE's cached connections.
func (Module) Info(section string) []core.InfoField {
	if section != "stats" {
		return nil
	}
	return []core.InfoField{{Name: "migrate_cached_sockets", Value: strconv.FormatInt(migrateCached.Load(), 10)}}
}
