package registry

import (
	"strings"
	"testing"

	"github.com/redmod/redmod/core"
)

type typeModule struct {
	name string
	t    *core.Type
}

func (m typeModule) Name() string             { return m.name }
func (m typeModule) Commands() []core.Command { return nil }
func (m typeModule) Types() []*core.Type      { return []*core.Type{m.t} }

// Register runs in init functions, where a panic would only print a stack:
// mistakes must wait for Resolve, which the host calls at start.
func TestRegisterDefersErrorsToResolve(t *testing.T) {
	saved := Default
	t.Cleanup(func() { Default = saved })
	Default = New()
	a := &core.Type{Name: "regint-dup", ModuleTypeName: "regintdpa", EncodingVersion: 1}
	b := &core.Type{Name: "regint-dup", ModuleTypeName: "regintdpb", EncodingVersion: 1}
	Register(typeModule{"first", a})
	Register(typeModule{"second", b}) // must not panic
	Register(typeModule{"first", a})  // nor a module name taken twice
	err := Default.Resolve()
	if err == nil {
		t.Fatal("Resolve accepted a type name and a module name taken twice")
	}
	for _, want := range []string{`type "regint-dup" registered twice`, `module "first" registered twice`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Resolve error %q lacks %q", err, want)
		}
	}
}
