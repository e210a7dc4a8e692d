package admin

import (
	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "ping", Arity: -1, Flags: core.FlagFast, Group: "connection", Categories: []string{"connection"},
		Summary: "Ping the server", Since: "1.0.0", Complexity: "O(1)",
		Args: []core.Arg{{Name: "message", Type: core.ArgString, Optional: true}},
		Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"},
	}, ping)
	add(core.Spec{
		Name: "echo", Arity: 2, Flags: core.FlagFast, Group: "connection", Categories: []string{"connection"},
		Summary: "Echo the given string", Since: "1.0.0", Complexity: "O(1)",
		Args: []core.Arg{{Name: "message", Type: core.ArgString}},
	}, func(c *core.Ctx) error { c.WriteBulk(c.Args[1]); return nil })
	add(core.Spec{
		Name: "quit", Arity: -1, Flags: core.FlagAllowBusy | core.FlagNoScript | core.FlagLoading | core.FlagStale | core.FlagFast | core.FlagNoAuth,
		Group: "connection", Categories: []string{"connection"},
		Summary: "Close the connection", Since: "1.0.0", Complexity: "O(1)",
	}, func(c *core.Ctx) error {
		c.Client.RequestClose()
		c.WriteOK()
		return nil
	})
	add(core.Spec{
		Name: "select", Arity: 2, Flags: core.FlagLoading | core.FlagStale | core.FlagFast,
		Group: "connection", Categories: []string{"connection"},
		Summary: "Change the selected database for the current connection", Since: "1.0.0", Complexity: "O(1)",
		Args: []core.Arg{{Name: "index", Type: core.ArgInteger}},
	}, selectDB)
}

func ping(c *core.Ctx) error {
	if len(c.Args) > 2 {
		return core.ErrArity(c.Name)
	}
	if len(c.Args) == 2 {
		c.WriteBulk(c.Args[1])
		return nil
	}
	c.WriteSimple("PONG")
	return nil
}

func selectDB(c *core.Ctx) error {
	n, ok := core.ParseInt(c.Args[1])
	if !ok || n < -1<<31 || n > 1<<31-1 {
		return core.ErrNotInteger
	}
	if n < 0 || n >= int64(c.Keyspace.NumDBs()) {
		return core.ErrDBIndex
	}
	c.Client.SetDBIndex(int(n))
	c.WriteOK()
	return nil
}
