package acl_test

import (
	"strings"
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/redmodtest"
)

// csetModule declares an ACL category Redis does not know, "cset".
type csetModule struct{}

func (csetModule) Name() string { return "csettest" }

func (csetModule) Commands() []core.Command {
	get := core.NewCommand(core.Spec{Name: "cs.get", Arity: 2, Flags: core.FlagReadOnly | core.FlagFast,
		FirstKey: 1, LastKey: 1, Step: 1, Categories: []string{"cset", "string"}, Summary: "test"},
		func(c *core.Ctx) error { c.WriteNull(); return nil })
	set := core.NewCommand(core.Spec{Name: "cs.set", Arity: 3, Flags: core.FlagWrite,
		FirstKey: 1, LastKey: 1, Step: 1, Categories: []string{"cset"}, Summary: "test"},
		func(c *core.Ctx) error { c.WriteOK(); return nil })
	return []core.Command{get, set}
}

func TestModuleACLCategory(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithModule(csetModule{}))
	c := dial(t, srv.Addr())
	r, err := c.Do("acl", "cat")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(r.Raw, "$9\r\nscripting\r\n$4\r\ncset\r\n") {
		t.Errorf("ACL CAT does not list cset after Redis's categories: %q", r.Raw)
	}
	expect(t, c, "*2\r\n$6\r\ncs.get\r\n$6\r\ncs.set\r\n", "acl", "cat", "CSET")
	expect(t, c, "-ERR Unknown category 'nosuch'\r\n", "acl", "cat", "nosuch")
	expect(t, c, "+OK\r\n", "acl", "setuser", "u", "on", "nopass", "~*", "+@cset")
	expect(t, c, "+OK\r\n", "acl", "dryrun", "u", "cs.set", "k", "v")
	expect(t, c, "+OK\r\n", "acl", "dryrun", "u", "cs.get", "k")
	expect(t, c, "$53\r\nThis user has no permissions to run the 'get' command\r\n", "acl", "dryrun", "u", "get", "k")
	expect(t, c, "+OK\r\n", "acl", "setuser", "u", "-@cset", "+cs.get")
	expect(t, c, "$56\r\nThis user has no permissions to run the 'cs.set' command\r\n", "acl", "dryrun", "u", "cs.set", "k", "v")
	expect(t, c, "+OK\r\n", "acl", "setuser", "w", "on", "nopass", "~*", "+@cset")
	r, err = c.Do("acl", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Raw, "user w on nopass ~* resetchannels -@all +@cset") {
		t.Errorf("ACL LIST does not describe +@cset: %q", r.Raw)
	}
	expect(t, c, "-ERR Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL\r\n", "acl", "setuser", "u", "+@nosuch")

	// The user's permissions hold on a real connection too.
	u := dial(t, srv.Addr())
	expect(t, u, "+OK\r\n", "auth", "w", "any")
	expect(t, u, "+OK\r\n", "cs.set", "k", "v")
	expect(t, u, "-NOPERM this user has no permissions to run the 'get' command\r\n", "get", "k")
}
