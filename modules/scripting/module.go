// Package scripting provides Redis's Lua scripting and functions: EVAL,
// EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FUNCTION, FCALL and FCALL_RO, with
// Lua 5.1 (gopher-lua) and Redis's Lua libraries (redis, cjson, cmsgpack,
// bit, struct). Scripts call commands through the host's registry
// (core.CommandRunner), so every module's commands are callable with their
// own arity, ACL and key checks. Import it for its side effect:
//
//	import _ "github.com/redmod/redmod/modules/scripting"
package scripting

import (
	"strings"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the scripting module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "scripting" }

const evalFlags = core.FlagNoScript | core.FlagStale | core.FlagSkipMonitor | core.FlagNoMandatoryKeys | core.FlagMovableKeys

func evalSpec(name string, ro bool, summary, since string) core.Spec {
	flags := evalFlags
	keyFlags := []string{"RW", "access", "update"}
	notes := "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"
	if ro {
		flags |= core.FlagReadOnly
		keyFlags = []string{"RO", "access"}
		notes = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"
	}
	first := "script"
	if name == "evalsha" || name == "evalsha_ro" {
		first = "sha1"
		notes = ""
	}
	if name == "fcall" || name == "fcall_ro" {
		first = "function"
	}
	if !ro {
		// A script without a shebang may write: CLIENT PAUSE WRITE holds
		// it, as Redis (its flags, FlagsFor, say more when it has one).
		flags |= core.FlagMayReplicate
	}
	flagsFor := evalFlagsFor(name == "evalsha" || name == "evalsha_ro", flags)
	if name == "fcall" || name == "fcall_ro" {
		flagsFor = fcallFlagsFor(flags)
	}
	return core.Spec{
		Name: name, Arity: -3, Flags: flags, Keys: evalKeys, FlagsFor: flagsFor,
		Group: "scripting", Categories: []string{"scripting"}, Summary: summary, Since: since,
		Complexity: "Depends on the script that is executed.",
		KeySpecs:   []core.KeySpec{{Notes: notes, Flags: keyFlags, BeginIndex: 2, Keynum: true, KeynumIdx: 0, FirstKey: 1, KeyStep: 1}},
		Args: []core.Arg{
			{Name: first, Type: core.ArgString},
			{Name: "numkeys", Type: core.ArgInteger},
			{Name: "key", Type: core.ArgKey, Optional: true, Multiple: true},
			{Name: "arg", Type: core.ArgString, Optional: true, Multiple: true},
		},
	}
}

// declaredFlags is Redis's scriptFlagsToCmdFlags: a script that declared
// its flags (a shebang, a function's flags) has the write, deny-oom and
// stale flags it declared instead of the command's, and no may-replicate,
// since its flags say whether it writes.
func declaredFlags(cmd core.Flags, noWrites, allowOOM, allowStale bool) core.Flags {
	cmd &^= core.FlagWrite | core.FlagDenyOOM | core.FlagStale | core.FlagMayReplicate
	if !noWrites {
		cmd |= core.FlagWrite
		if !allowOOM {
			cmd |= core.FlagDenyOOM
		}
	}
	if allowStale {
		cmd |= core.FlagStale
	}
	return cmd
}

// evalFlagsFor gives the flags of one EVAL (EVAL_RO, EVALSHA, EVALSHA_RO):
// those its script's shebang declares; a script without one (or an
// unknown SHA) keeps the command's.
func evalFlagsFor(bySHA bool, base core.Flags) func(c *core.Ctx, args [][]byte) core.Flags {
	return func(c *core.Ctx, args [][]byte) core.Flags {
		var f scriptFlags
		if bySHA {
			sc := stateOf(c).scriptBySHA(args[1])
			if sc == nil {
				return base
			}
			f = sc.flags
		} else {
			var err error
			if f, _, err = parseShebang(string(args[1])); err != nil {
				return base
			}
		}
		if !f.shebang {
			return base
		}
		return declaredFlags(base, f.noWrites, f.allowOOM, f.allowStale)
	}
}

// fcallFlagsFor gives the flags of one FCALL (FCALL_RO): those its
// function was registered with; an unknown function keeps the command's.
func fcallFlagsFor(base core.Flags) func(c *core.Ctx, args [][]byte) core.Flags {
	return func(c *core.Ctx, args [][]byte) core.Flags {
		s := stateOf(c)
		name := strings.ToLower(string(args[1]))
		s.libs.mu.RLock()
		defer s.libs.mu.RUnlock()
		if lib := s.libs.funcs[name]; lib != nil {
			for _, f := range lib.funcs {
				if strings.EqualFold(f.name, name) {
					return declaredFlags(base, f.noWrites, f.allowOOM, f.allowStale)
				}
			}
		}
		return base
	}
}

func sub(spec core.Spec, run func(*core.Ctx) error) core.Command {
	spec.Group = "scripting"
	spec.Categories = append(spec.Categories, "scripting")
	return core.NewCommand(spec, run)
}

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commandList()) }

func commandList() []core.Command {
	return []core.Command{
		core.NewCommand(evalSpec("eval", false, "Execute a Lua script server side", "2.6.0"), evalCommand(false, false)),
		core.NewCommand(evalSpec("evalsha", false, "Execute a Lua script server side", "2.6.0"), evalCommand(false, true)),
		core.NewCommand(evalSpec("eval_ro", true, "Execute a read-only Lua script server side", "7.0.0"), evalCommand(true, false)),
		core.NewCommand(evalSpec("evalsha_ro", true, "Execute a read-only Lua script server side", "7.0.0"), evalCommand(true, true)),
		core.NewCommand(evalSpec("fcall", false, "Invoke a function", "7.0.0"), fcallCommand(false)),
		core.NewCommand(evalSpec("fcall_ro", true, "Invoke a read-only function", "7.0.0"), fcallCommand(true)),
		core.NewCommand(core.Spec{Name: "script", Arity: -2, Group: "scripting", Summary: "A container for Lua scripts management commands",
			Subcommands: []core.Command{
				sub(core.Spec{Name: "load", Arity: 3, Flags: core.FlagNoScript | core.FlagStale, Summary: "Load a script into the scripts cache, without executing it", Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
					Syntax: "script"}, scriptLoad),
				sub(core.Spec{Name: "exists", Arity: -3, Flags: core.FlagNoScript, Summary: "Check existence of scripts in the script cache.", Tips: []string{"request_policy:all_shards", "response_policy:agg_logical_and"},
					Syntax: "sha1 [sha1 ...]"}, scriptExists),
				sub(core.Spec{Name: "flush", Arity: -2, Flags: core.FlagNoScript, Summary: "Remove all the scripts from the script cache.", Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
					Syntax: "[ASYNC|SYNC]"}, scriptFlush),
				sub(core.Spec{Name: "kill", Arity: 2, Flags: core.FlagNoScript | core.FlagAllowBusy, Summary: "Kill the script currently in execution.", Tips: []string{"request_policy:all_shards", "response_policy:one_succeeded"}}, scriptKill),
				sub(core.Spec{Name: "debug", Arity: 3, Flags: core.FlagNoScript, Summary: "Set the debug mode for executed scripts.",
					Syntax: "(YES|SYNC|NO)"}, scriptDebug),
				sub(core.Spec{Name: "help", Arity: 2, Flags: core.FlagLoading | core.FlagStale, Summary: "Show helpful text about the different subcommands"}, scriptHelp),
			}}, nil),
		functionCommand(),
	}
}

func scriptDebug(c *core.Ctx) error {
	switch {
	case core.EqualFold(c.Args[2], "no"):
		c.WriteOK()
		return nil
	case core.EqualFold(c.Args[2], "yes"), core.EqualFold(c.Args[2], "sync"):
		return core.NewError("ERR SCRIPT DEBUG is not supported by this server")
	}
	return core.NewError("ERR Use SCRIPT DEBUG YES/SYNC/NO")
}

func scriptHelp(c *core.Ctx) error {
	c.WriteStrings([]string{
		"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.",
		"HELP",
		"    Print this help.",
	})
	return nil
}
