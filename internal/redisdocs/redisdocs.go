// Package redisdocs holds Redis 7.0's COMMAND DOCS as data (commands.go,
// generated from a real redis-server 7.0.15 by gen.go) and gives the
// standard modules' command specs those docs: summaries, versions,
// complexity, history, doc flags and the argument trees with their since
// and deprecated_since. The standard modules implement Redis's commands,
// so Redis's documentation is the contract; a module outside the tree
// writes its own docs in its Spec.
package redisdocs

// Regenerate against a redis-server 7.0 (see gen.go):
//
//	go run gen.go 127.0.0.1:7399 > commands.go

import (
	"sync"

	"github.com/redmod/redmod/core"
)

// Doc is Redis 7.0's COMMAND DOCS entry for one command.
type Doc struct {
	Summary, Since, Group, Complexity string
	DocFlags                          []string
	DeprecatedSince, ReplacedBy       string
	History                           []core.HistoryEntry
	Args                              []core.Arg
}

// Lookup returns Redis 7.0's docs of a command by its full name ("get",
// "config|get"), or nil when Redis 7.0 has no such command.
func Lookup(fullName string) *Doc { return commands[fullName] }

var (
	mu   sync.Mutex
	done = map[*core.Spec]bool{}
)

// Document gives each command of cmds (and their subcommands) whose name
// Redis 7.0 has Redis's docs, replacing what its spec says about them, and
// returns cmds. A module's Commands method calls it; it changes each spec
// once.
func Document(cmds []core.Command) []core.Command {
	mu.Lock()
	defer mu.Unlock()
	for _, c := range cmds {
		document(c, "")
	}
	return cmds
}

func document(c core.Command, parent string) {
	s := c.Spec()
	if s == nil || done[s] {
		return
	}
	done[s] = true
	name := core.FullName(parent, s.Name)
	if d := commands[name]; d != nil {
		s.Summary, s.Since, s.Group, s.Complexity = d.Summary, d.Since, d.Group, d.Complexity
		s.DocFlags, s.DeprecatedSince, s.ReplacedBy, s.History = d.DocFlags, d.DeprecatedSince, d.ReplacedBy, d.History
		s.Args = d.Args
	}
	for _, sub := range s.Subcommands {
		document(sub, s.Name)
	}
}
