package cluster_test

import (
	"testing"

	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// TestDiffClusterDisabled compares the cluster commands with a redis-server
// without cluster support: every subcommand's error, arity and unknown
// subcommand errors, their COMMAND INFO, a script refused CLUSTER RESET, and
// COMMAND LIST's pattern across containers (cl*help).
func TestDiffClusterDisabled(t *testing.T) {
	p := difftest.NewPair(t, redmodtest.Run(t).Addr(), difftest.Redis(t))
	for _, c := range [][]string{
		{"CLUSTER", "HELP"}, {"CLUSTER", "INFO"}, {"CLUSTER", "KEYSLOT", "foo"}, {"CLUSTER", "NODES"},
		{"CLUSTER", "SLOTS"}, {"CLUSTER", "SHARDS"}, {"CLUSTER", "MYID"}, {"CLUSTER", "RESET", "HARD"},
		{"CLUSTER", "SETSLOT", "1", "NODE", "x"}, {"CLUSTER", "COUNTKEYSINSLOT", "1"}, {"CLUSTER", "GETKEYSINSLOT", "1", "2"},
		{"CLUSTER"}, {"CLUSTER", "KEYSLOT"}, {"CLUSTER", "NOSUCH"}, {"ASKING"}, {"READONLY"}, {"READWRITE"}, {"READONLY", "x"},
		{"COMMAND", "INFO", "asking", "readonly", "readwrite"},
		{"COMMAND", "LIST", "FILTERBY", "PATTERN", "cl*help"},
		{"EVAL", "return redis.pcall('cluster', 'reset')", "0"},
		{"EVAL", "return redis.pcall('cluster', 'info')", "0"},
	} {
		if c[0] == "COMMAND" {
			p.CheckUnordered(c...)
			continue
		}
		p.Check(c...)
	}
	// Redis lists the subcommands in its dictionary's order: each is
	// compared on its own.
	for _, s := range []string{"addslots", "addslotsrange", "bumpepoch", "count-failure-reports", "countkeysinslot",
		"delslots", "delslotsrange", "failover", "flushslots", "forget", "getkeysinslot", "help", "info", "keyslot",
		"links", "meet", "myid", "nodes", "replicas", "replicate", "reset", "saveconfig", "set-config-epoch",
		"setslot", "shards", "slaves", "slots"} {
		p.Check("COMMAND", "INFO", "cluster|"+s)
		p.Check("COMMAND", "DOCS", "cluster|"+s)
	}
}
