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

// typed is a module providing one data type.
type typed struct {
	name string
	t    *core.Type
}

func (m typed) Name() string             { return m.name }
func (m typed) Commands() []core.Command { return nil }
func (m typed) Types() []*core.Type      { return []*core.Type{m.t} }

func TestDuplicateTypeIsAnError(t *testing.T) {
	first := &core.Type{Name: "regtest-dup", ModuleTypeName: "regtestdp", EncodingVersion: 1}
	second := &core.Type{Name: "regtest-dup", ModuleTypeName: "regtestd2", EncodingVersion: 1}
	r := registry.New()
	if err := r.Add(typed{"one", first}); err != nil {
		t.Fatal(err)
	}
	// The same type again (another registry of the same modules) is fine.
	if err := registry.New().Add(typed{"one", first}); err != nil {
		t.Fatalf("adding the same type again: %v", err)
	}
	err := r.Add(typed{"two", second})
	if err == nil || !strings.Contains(err.Error(), `"regtest-dup"`) || !strings.Contains(err.Error(), `"two"`) {
		t.Fatalf("a second type of the same name: %v", err)
	}
	if len(r.Modules()) != 1 {
		t.Errorf("the failed module was added: %d modules", len(r.Modules()))
	}
	if got, _ := core.LookupType("regtest-dup"); got != first {
		t.Error("the failed registration replaced the first type")
	}
}

func TestBadSpecIsRefused(t *testing.T) {
	noop := func(c *core.Ctx) error { return nil }
	cmd := func(s core.Spec) core.Command { s.Summary = "test"; return core.NewCommand(s, noop) }
	for _, tc := range []struct {
		spec core.Spec
		ok   bool
	}{
		{core.Spec{Name: "w", Arity: 2, Flags: core.FlagWrite}, false},
		{core.Spec{Name: "w", Arity: 2, Flags: core.FlagWrite, FirstKey: 1, LastKey: 1, Step: 1}, true},
		{core.Spec{Name: "w", Arity: 1, Flags: core.FlagWrite | core.FlagKeyspace}, true},
		{core.Spec{Name: "w", Arity: 1, Flags: core.FlagWrite | core.FlagNoKeys}, true},
		{core.Spec{Name: "w", Arity: -2, Flags: core.FlagWrite | core.FlagMovableKeys, Keys: func([][]byte) []int { return nil }}, true},
		{core.Spec{Name: "r", Arity: 1, Flags: core.FlagReadOnly}, true},
		{core.Spec{Name: "r", Arity: 1, Flags: core.FlagReadOnly, Categories: []string{"Mixed"}}, false},
		{core.Spec{Name: "r", Arity: 1, Flags: core.FlagReadOnly, Categories: []string{"all"}}, false},
		{core.Spec{Name: "r", Arity: 1, Flags: core.FlagReadOnly, Categories: []string{"mine"}}, true},
		{core.Spec{Name: "c", Arity: -2, Subcommands: []core.Command{cmd(core.Spec{Name: "sub", Arity: 2, Flags: core.FlagWrite})}}, false},
	} {
		r := registry.New()
		r.Add(fixed{"mod", []core.Command{cmd(tc.spec)}})
		err := r.Resolve()
		if (err == nil) != tc.ok {
			t.Errorf("%s flags %v: Resolve = %v", tc.spec.Name, tc.spec.Flags.Names(), err)
		}
		if err != nil && !strings.Contains(err.Error(), "ACL category") && (!strings.Contains(err.Error(), "declares no keys") || !strings.Contains(err.Error(), `"mod"`)) {
			t.Errorf("unclear message: %v", err)
		}
	}
}

// fixed is a module with the given commands.
type fixed struct {
	name string
	cmds []core.Command
}

func (m fixed) Name() string             { return m.name }
func (m fixed) Commands() []core.Command { return m.cmds }

func TestACLCategoriesIncludeModules(t *testing.T) {
	r := registry.New()
	noop := func(c *core.Ctx) error { return nil }
	r.Add(fixed{"m", []core.Command{
		core.NewCommand(core.Spec{Name: "a", Arity: 1, Categories: []string{"zeta", "string"}, Summary: "t"}, noop),
		core.NewCommand(core.Spec{Name: "b", Arity: 1, Categories: []string{"@alpha"}, Summary: "t"}, noop),
	}})
	cats := r.ACLCategories()
	redis := core.ACLCategoryNames()
	if got := strings.Join(cats[len(redis):], " "); got != "alpha zeta" || len(cats) != len(redis)+2 {
		t.Errorf("ACLCategories = %v", cats)
	}
}
