package admin

import (
	"github.com/redmod/redmod/core"
)

// MODULE answers as a Redis 7.0 server with no module loaded: redmod's
// modules are Go packages built into the binary (redmod build --with), so
// no Redis module library (.so) can be loaded, and LOAD fails as Redis's
// does for a library it cannot load, with the reason in the log. Like
// Redis, it is refused unless enable-module-command allows it.

var (
	errModuleLoad   = core.NewError("ERR Error loading the extension. Please check the server logs.")
	errModuleUnload = core.NewError("ERR Error unloading module: no such module with that name")
)

func init() {
	sub := func(spec core.Spec, run func(*core.Ctx) error) core.Command {
		spec.Group = "server"
		if spec.Name != "help" {
			spec.Flags |= core.FlagAdmin | core.FlagNoScript
			run = moduleAllowed(run)
		}
		return core.NewCommand(spec, run)
	}
	loading := core.FlagNoAsyncLoading
	add(core.Spec{
		Name: "module", Arity: -2, Group: "server",
		Summary: "A container for module commands",
		Subcommands: []core.Command{
			sub(core.Spec{Name: "list", Arity: 2, Tips: []string{"nondeterministic_output_order"}},
				func(c *core.Ctx) error { c.WriteArray(0); return nil }),
			sub(core.Spec{Name: "load", Arity: -3, Flags: loading, Syntax: "path [arg [arg ...]]"}, moduleLoad),
			sub(core.Spec{Name: "loadex", Arity: -3, Flags: loading, Syntax: "path [CONFIG name value [CONFIG name value ...]] [ARGS arg [arg ...]]"}, moduleLoad),
			sub(core.Spec{Name: "unload", Arity: 3, Flags: loading, Syntax: "name"},
				func(c *core.Ctx) error { return errModuleUnload }),
			sub(core.Spec{Name: "help", Arity: 2, Flags: core.FlagLoading | core.FlagStale},
				func(c *core.Ctx) error {
					writeHelp(c, "MODULE", []string{
						"LIST",
						"    Return a list of loaded modules.",
						"LOAD <path> [<arg> ...]",
						"    Load a module library from <path>, passing to it any optional arguments.",
						"LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
						"    Load a module library from <path>, while passing it module configurations and optional arguments.",
						"UNLOAD <name>",
						"    Unload a module.",
					})
					return nil
				}),
		},
	}, nil)
}

// moduleAllowed refuses a MODULE subcommand unless enable-module-command
// allows it, with Redis's error.
func moduleAllowed(run func(*core.Ctx) error) func(*core.Ctx) error {
	return func(c *core.Ctx) error {
		allowed := "no"
		if c.Server != nil {
			for _, f := range c.Server.ConfigGet("enable-module-command") {
				allowed = f.Value
			}
		}
		if !core.AllowProtected(allowed, c.Client) {
			return core.NewError(`ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`)
		}
		return run(c)
	}
}

// moduleLoad fails as Redis does for a library it cannot load, and logs
// why: this server loads no Redis module libraries.
func moduleLoad(c *core.Ctx) error {
	if c.Log != nil {
		c.Log.Warn("Module failed to load: redmod loads no Redis module libraries; its modules are Go packages built in with `redmod build --with`", "path", string(c.Args[2]))
	}
	return errModuleLoad
}
