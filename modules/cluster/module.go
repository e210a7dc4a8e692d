// Package cluster provides Redis's cluster commands as a server without
// cluster support answers them: CLUSTER and each of its subcommands,
// ASKING, READONLY and READWRITE reply "ERR This instance has cluster
// support disabled", exactly as redis-server does with cluster-enabled no.
// Their metadata is Redis's, so COMMAND, ACL rules and scripts treat them as
// Redis does (CLUSTER RESET is refused inside a script, for instance).
// Import the package for its side effect of registering the commands:
//
//	import _ "github.com/redmod/redmod/modules/cluster"
package cluster

import (
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the cluster module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "cluster" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commands) }

// errDisabled is Redis's reply to every cluster command without cluster
// support.
var errDisabled = core.NewError("ERR This instance has cluster support disabled")

func disabled(*core.Ctx) error { return errDisabled }

const (
	// admin is the flags of the subcommands that change the cluster.
	admin  = core.FlagAdmin | core.FlagStale | core.FlagNoAsyncLoading
	conn   = core.FlagLoading | core.FlagStale | core.FlagFast
	nondet = "nondeterministic_output"
)

// subs are CLUSTER's subcommands: name, arity, flags, whether the output
// depends on the cluster's state (the nondeterministic_output tip).
var subs = []struct {
	name   string
	arity  int
	flags  core.Flags
	nondet bool
}{
	{"addslots", -3, admin, false},
	{"addslotsrange", -4, admin, false},
	{"bumpepoch", 2, admin, true},
	{"count-failure-reports", 3, core.FlagAdmin | core.FlagStale, true},
	{"countkeysinslot", 3, core.FlagStale, false},
	{"delslots", -3, admin, false},
	{"delslotsrange", -4, admin, false},
	{"failover", -2, admin, false},
	{"flushslots", 2, admin, false},
	{"forget", 3, admin, false},
	{"getkeysinslot", 4, core.FlagStale, true},
	{"help", 2, core.FlagLoading | core.FlagStale, false},
	{"info", 2, core.FlagStale, true},
	{"keyslot", 3, core.FlagStale, false},
	{"links", 2, core.FlagStale, true},
	{"meet", -4, admin, false},
	{"myid", 2, core.FlagStale, false},
	{"nodes", 2, core.FlagStale, true},
	{"replicas", 3, core.FlagAdmin | core.FlagStale, true},
	{"replicate", 3, admin, false},
	{"reset", -2, core.FlagAdmin | core.FlagNoScript | core.FlagStale, false},
	{"saveconfig", 2, admin, false},
	{"set-config-epoch", 3, admin, false},
	{"setslot", -4, admin, false},
	{"shards", 2, core.FlagStale, true},
	{"slaves", 3, core.FlagAdmin | core.FlagStale, true},
	{"slots", 2, core.FlagStale, true},
}

var commands = func() []core.Command {
	var cluster []core.Command
	for _, s := range subs {
		// Summaries and arguments come from Redis's docs (redisdocs).
		spec := core.Spec{Name: s.name, Arity: s.arity, Flags: s.flags}
		if s.nondet {
			spec.Tips = []string{nondet}
		}
		cluster = append(cluster, core.NewCommand(spec, disabled))
	}
	cmds := []core.Command{core.NewCommand(core.Spec{Name: "cluster", Arity: -2, Subcommands: cluster}, nil)}
	for _, name := range []string{"asking", "readonly", "readwrite"} {
		flags := conn
		if name == "asking" {
			flags = core.FlagFast
		}
		cmds = append(cmds, core.NewCommand(core.Spec{Name: name, Arity: 1, Flags: flags, Categories: []string{"connection"}}, disabled))
	}
	return cmds
}()
