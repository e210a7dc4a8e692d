package registry_test

import (
	"strings"
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

type module struct {
	name     string
	commands []string
}

func (m module) Name() string { return m.name }

func (m module) Commands() []core.Command {
	var out []core.Command
	for _, n := range m.commands {
		out = append(out, core.NewCommand(core.Spec{Name: n, Arity: 1, Summary: "test"}, func(c *core.Ctx) error { return nil }))
	}
	return out
}

func TestDuplicateCommandFailsResolve(t *testing.T) {
	r := registry.New()
	if err := r.Add(module{"one", []string{"alpha", "beta"}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(module{"two", []string{"gamma", "BETA"}}); err != nil {
		t.Fatal(err)
	}
	err := r.Resolve()
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "beta") {
		t.Fatalf("Resolve with a command taken twice: %v", err)
	}
	r = registry.New()
	r.Add(module{"same", []string{"x", "x"}})
	if err := r.Resolve(); err == nil {
		t.Error("a module registering one command twice resolved")
	}
	r = registry.New()
	r.Add(module{"m", []string{"x"}})
	if err := r.Add(module{"m", []string{"y"}}); err == nil {
		t.Error("two modules of the same name added")
	}
}

func TestLookupIgnoresCase(t *testing.T) {
	r := registry.New()
	r.Add(module{"one", []string{"alpha", "beta"}})
	if err := r.Resolve(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alpha", "ALPHA", "AlPhA", "beta"} {
		c := r.Lookup([]byte(name))
		if c == nil || c.FullName != strings.ToLower(name) {
			t.Errorf("Lookup(%q) = %v", name, c)
		}
	}
	for _, name := range []string{"", "alph", "alphaa", "gamma", "alpha\x00"} {
		if c := r.Lookup([]byte(name)); c != nil {
			t.Errorf("Lookup(%q) found %s", name, c.FullName)
		}
	}
	if r.Len() != 2 || len(r.Commands()) != 2 || r.Commands()[0].FullName != "alpha" {
		t.Errorf("Len %d, Commands %v", r.Len(), r.Commands())
	}
}

func TestSelect(t *testing.T) {
	r := registry.New()
	r.Add(module{"one", []string{"alpha"}})
	r.Add(module{"two", []string{"beta"}})
	r.Add(module{"three", []string{"gamma"}})
	sub, err := r.Select("three", "one")
	if err != nil {
		t.Fatal(err)
	}
	if sub.Lookup([]byte("alpha")) == nil || sub.Lookup([]byte("gamma")) == nil || sub.Lookup([]byte("beta")) != nil {
		t.Error("Select kept the wrong commands")
	}
	if len(sub.Modules()) != 2 {
		t.Errorf("Select kept %d modules", len(sub.Modules()))
	}
	if r.Lookup([]byte("beta")) == nil {
		t.Error("Select changed the original registry")
	}
	if _, err := r.Select("one", "nosuch"); err == nil {
		t.Error("Select of an unknown module succeeded")
	}
}
