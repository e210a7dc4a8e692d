package admin

import (
	"github.com/redmod/redmod/core"
)

// REPLICAOF (and its old name SLAVEOF), ROLE, PSYNC and WAIT: the commands
// of replication, served by the host's core.Replication.

var errNoReplication = core.NewError("ERR this server does not replicate")

func replication(c *core.Ctx) (core.Replication, error) {
	r, ok := c.Server.(core.Replication)
	if !ok {
		return nil, errNoReplication
	}
	return r, nil
}

func init() {
	hostPort := []core.Arg{{Name: "args", Type: core.ArgOneOf, Args: []core.Arg{
		{Name: "host-port", Type: core.ArgBlock, Args: []core.Arg{{Name: "host", Type: core.ArgString}, {Name: "port", Type: core.ArgInteger}}},
		{Name: "no-one", Type: core.ArgBlock, Args: []core.Arg{{Name: "no", Type: core.ArgPureToken, Token: "NO"}, {Name: "one", Type: core.ArgPureToken, Token: "ONE"}}},
	}}}
	replFlags := core.FlagAdmin | core.FlagNoScript | core.FlagStale | core.FlagNoAsyncLoading
	add(core.Spec{
		Name: "replicaof", Arity: 3, Flags: replFlags, Group: "server",
		Summary: "Make the server a replica of another instance, or promote it as master.", Since: "5.0.0", Complexity: "O(1)",
		Args: hostPort,
	}, replicaOf)
	add(core.Spec{
		Name: "slaveof", Arity: 3, Flags: replFlags, Group: "server",
		Summary: "Make the server a replica of another instance, or promote it as master.", Since: "1.0.0", Complexity: "O(1)",
		DocFlags: []string{"deprecated"}, DeprecatedSince: "5.0.0", ReplacedBy: "`REPLICAOF`",
		Args: hostPort,
	}, replicaOf)
	add(core.Spec{
		Name: "role", Arity: 1, Flags: core.FlagNoScript | core.FlagLoading | core.FlagStale | core.FlagFast, Group: "server",
		Categories: []string{"admin", "dangerous"},
		Summary:    "Return the role of the instance in the context of replication", Since: "2.8.12", Complexity: "O(1)",
	}, func(c *core.Ctx) error {
		r, err := replication(c)
		if err != nil {
			return err
		}
		r.WriteRole(c)
		return nil
	})
	add(core.Spec{
		Name: "psync", Arity: -3, Flags: core.FlagAdmin | core.FlagNoScript | core.FlagNoAsyncLoading | core.FlagNoMulti | core.FlagMultiReply, Group: "server",
		Summary: "Internal command used for replication", Since: "2.8.0",
		Args: []core.Arg{{Name: "replicationid", Type: core.ArgString}, {Name: "offset", Type: core.ArgInteger}},
	}, psync)
	add(core.Spec{
		Name: "wait", Arity: 3, Flags: core.FlagNoScript, Group: "generic",
		Categories: []string{"connection"},
		Tips:       []string{"request_policy:all_shards", "response_policy:agg_min"},
		Summary:    "Wait for the synchronous replication of all the write commands sent in the context of the current connection", Since: "3.0.0", Complexity: "O(1)",
		Args: []core.Arg{{Name: "numreplicas", Type: core.ArgInteger}, {Name: "timeout", Type: core.ArgInteger}},
	}, wait)
}

// replicaOf parses REPLICAOF host port | NO ONE as Redis does: the port is
// an integer from 0 to 65535.
func replicaOf(c *core.Ctx) error {
	r, err := replication(c)
	if err != nil {
		return err
	}
	if core.EqualFold(c.Args[1], "no") && core.EqualFold(c.Args[2], "one") {
		status, err := r.ReplicaOf(c, "", 0)
		if err != nil {
			return err
		}
		c.WriteSimple(status)
		return nil
	}
	port, ok := core.ParseInt(c.Args[2])
	if !ok || port < 0 || port > 65535 {
		return core.NewError("ERR Invalid master port")
	}
	status, err := r.ReplicaOf(c, string(c.Args[1]), int(port))
	if err != nil {
		return err
	}
	c.WriteSimple(status)
	return nil
}

func psync(c *core.Ctx) error {
	r, err := replication(c)
	if err != nil {
		return err
	}
	if c.Client.RDBOnly() {
		// redis-cli --rdb may ask with PSYNC too: the image alone.
		return syncImage(c)
	}
	off, ok := core.ParseInt(c.Args[2])
	if !ok {
		off = -1
	}
	if err := r.PSync(c, string(c.Args[1]), off); err != nil {
		return core.NewError("ERR " + core.ErrorText(err))
	}
	return nil
}

// wait replies how many replicas acknowledged the writes made so far.
func wait(c *core.Ctx) error {
	n, ok := core.ParseInt(c.Args[1])
	if !ok {
		return core.ErrNotInteger
	}
	timeout, ok := core.ParseInt(c.Args[2])
	if !ok {
		return core.NewError("ERR timeout is not an integer or out of range")
	}
	if timeout < 0 {
		return core.NewError("ERR timeout is negative")
	}
	r, err := replication(c)
	if err != nil {
		return err
	}
	k, err := r.WaitReplicas(c, n, timeout)
	if err != nil {
		return err
	}
	c.WriteInt(k)
	return nil
}
