package acl

import (
	"strings"
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

func testRegistry(t *testing.T) *registry.Registry {
	t.Helper()
	reg := registry.New()
	spec := func(name string, flags core.Flags, cats ...string) core.Command {
		return core.NewCommand(core.Spec{Name: name, Arity: -1, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1, Categories: cats}, func(*core.Ctx) error { return nil })
	}
	m := testModule{cmds: []core.Command{
		spec("get", core.FlagReadOnly|core.FlagFast, "string"),
		spec("set", core.FlagWrite, "string"),
		spec("del", core.FlagWrite, "keyspace"),
		spec("flushall", core.FlagWrite|core.FlagAdmin, "keyspace"),
		core.NewCommand(core.Spec{Name: "auth", Arity: -2, Flags: core.FlagNoAuth | core.FlagFast}, func(*core.Ctx) error { return nil }),
		core.NewCommand(core.Spec{Name: "config", Arity: -2, Subcommands: []core.Command{
			spec("get", core.FlagAdmin),
			spec("set", core.FlagAdmin),
		}}, nil),
	}}
	if err := reg.Add(m); err != nil {
		t.Fatal(err)
	}
	if err := reg.Resolve(); err != nil {
		t.Fatal(err)
	}
	return reg
}

type testModule struct{ cmds []core.Command }

func (testModule) Name() string               { return "test" }
func (m testModule) Commands() []core.Command { return m.cmds }

func TestRulesAndChecks(t *testing.T) {
	reg := testRegistry(t)
	s := NewStore(reg)
	if err := s.SetUser("u", []string{"on", ">pw", "~a*", "%R~r*", "+@all", "-@dangerous", "-config|get"}); err != nil {
		t.Fatal(err)
	}
	u := s.User("u")
	cmd := func(name string) *registry.Cmd {
		parts := strings.Split(name, "|")
		c := reg.Lookup([]byte(parts[0]))
		if len(parts) == 2 {
			c = c.Sub([]byte(parts[1]))
		}
		return c
	}
	args := func(a ...string) [][]byte {
		out := make([][]byte, len(a))
		for i, x := range a {
			out[i] = []byte(x)
		}
		return out
	}
	for _, tc := range []struct {
		cmd  string
		args []string
		want string // "" allowed, else the denial's reason
	}{
		{"get", []string{"get", "a1"}, ""},
		{"get", []string{"get", "r1"}, ""},
		{"set", []string{"set", "r1", "v"}, "key"},
		{"get", []string{"get", "b"}, "key"},
		{"flushall", []string{"flushall"}, "command"},
		{"config|get", []string{"config", "get", "x"}, "command"},
		{"config|set", []string{"config", "set", "x", "y"}, "command"},
		{"auth", []string{"auth", "x"}, ""},
	} {
		c := cmd(tc.cmd)
		d := s.Check(u, c, args(tc.args...), c.Spec.KeyIndexes(args(tc.args...), nil))
		got := ""
		if d != nil {
			got = d.Reason
		}
		if got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.args, got, tc.want)
		}
	}
	if !u.CheckPassword("pw") || u.CheckPassword("p") || u.CheckPassword("") {
		t.Error("password check is wrong")
	}
	if s.User("default").Unrestricted() != true || u.Unrestricted() {
		t.Error("Unrestricted is wrong")
	}
	if err := s.SetUser("u", []string{"+get", "bogus"}); err == nil || !strings.Contains(err.Error(), "'bogus': Syntax error") {
		t.Errorf("bad rule: %v", err)
	}
}

// TestDescribeRoundTrip checks what Redis asserts at run time: applying the
// described rules to a fresh user gives exactly the same permissions.
func TestDescribeRoundTrip(t *testing.T) {
	s := NewStore(testRegistry(t))
	for _, rules := range [][]string{
		{"+@all"},
		{"-@all"},
		{"+@all", "-@dangerous"},
		{"+@all", "-@write", "-@dangerous"},
		{"+@read", "+@write", "-@admin"},
		{"+get", "+set", "-get"},
		{"+config", "-config|get"},
		{"+@all", "-config", "+config|set"},
		{"+@string", "-set", "+flushall"},
		{"+@keyspace", "-@admin", "+config|get"},
	} {
		if err := s.SetUser("x", append([]string{"reset"}, rules...)); err != nil {
			t.Fatal(err)
		}
		u := s.User("x")
		desc := s.CommandsRule(u)
		if err := s.SetUser("y", append([]string{"reset"}, strings.Fields(desc)...)); err != nil {
			t.Fatalf("%v -> %q: %v", rules, desc, err)
		}
		v := s.User("y")
		for i := range s.cmds {
			if u.bit(i) != v.bit(i) {
				t.Errorf("%v -> %q: %s differs", rules, desc, s.cmds[i].FullName)
			}
		}
		if u.future != v.future {
			t.Errorf("%v -> %q: future commands differ", rules, desc)
		}
	}
}

func TestConstantTimeHashCompare(t *testing.T) {
	s := NewStore(testRegistry(t))
	s.SetRequirePass("secret")
	if s.DefaultNeedsAuth() != true || s.DefaultNoPass() {
		t.Fatal("requirepass did not apply")
	}
	if _, err := s.Authenticate("default", "secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate("default", "secreT"); err != ErrWrongPass {
		t.Fatalf("got %v", err)
	}
	s.SetRequirePass("")
	if s.DefaultNeedsAuth() || !s.DefaultNoPass() {
		t.Fatal("empty requirepass did not restore nopass")
	}
}

func BenchmarkCheckPassword(b *testing.B) {
	u := &User{Enabled: true, Passwords: []string{Hash("correct horse")}}
	for i := 0; i < b.N; i++ {
		u.CheckPassword("battery staple")
	}
}
