package registry_test

import (
	"fmt"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// echoer is a module with one command.
type echoer struct{ name string }

func (m echoer) Name() string { return m.name }

func (echoer) Commands() []core.Command {
	return []core.Command{core.NewCommand(core.Spec{
		Name: "shout", Arity: 2, Flags: core.FlagFast, Summary: "Echoes its argument.",
	}, func(c *core.Ctx) error {
		c.WriteBulk(c.Args[1])
		return nil
	})}
}

// A module registers itself from init, like a database/sql driver:
//
//	func init() { registry.Register(Module{}) }
//
// and a binary contains exactly the modules its main package imports. A
// Registry of its own serves a chosen set, as tests and embedding programs
// may want.
func ExampleRegistry() {
	reg := registry.New()
	if err := reg.Add(echoer{name: "loud"}); err != nil {
		panic(err)
	}
	cmd := reg.Lookup([]byte("SHOUT")) // any case, without allocating
	fmt.Println(cmd.FullName, cmd.Module, cmd.Spec.Arity, reg.Len())

	// A second module with the same name is refused at once; one that
	// reuses a command name is reported when the server resolves the
	// commands at start.
	fmt.Println(reg.Add(echoer{name: "loud"}))
	reg.Add(echoer{name: "louder"})
	fmt.Println(reg.Resolve())
	// Output:
	// shout loud 2 1
	// redmod: module "loud" registered twice
	// redmod: command "shout" of module "louder" is already registered by module "loud"
}

// Select builds a registry with some of the modules of another, for a
// server with fewer commands than its binary contains.
func ExampleRegistry_Select() {
	reg := registry.New()
	reg.Add(echoer{name: "a"})
	sub, err := reg.Select("a")
	fmt.Println(len(sub.Modules()), err)
	_, err = reg.Select("b")
	fmt.Println(err)
	// Output:
	// 1 <nil>
	// redmod: no module "b" in this binary
}
