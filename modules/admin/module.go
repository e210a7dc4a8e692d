// Package admin provides Redis's server and connection commands: PING,
// ECHO, SELECT, QUIT, DBSIZE, FLUSHALL, SAVE, INFO, COMMAND, CONFIG and
// more. Import it for its side effect of registering them:
//
//	import _ "github.com/redmod/redmod/modules/admin"
package admin

import (
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the admin module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "admin" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commands) }

var commands []core.Command

func add(spec core.Spec, run func(*core.Ctx) error) {
	commands = append(commands, core.NewCommand(spec, run))
}
