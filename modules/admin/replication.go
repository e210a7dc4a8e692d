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
		Name: "failover", Arity: -1, Flags: core.FlagAdmin | core.FlagNoScript | core.FlagStale, Group: "server",
		Summary: "Start a coordinated failover between this server and one of its replicas.", Since: "6.2.0", Complexity: "O(1)",
		Args: []core.Arg{
			{Name: "target", Type: core.ArgBlock, Token: "TO", Optional: true, Args: []core.Arg{
				{Name: "host", Type: core.ArgString},
				{Name: "port", Type: core.ArgInteger},
				{Name: "force", Type: core.ArgPureToken, Token: "FORCE", Optional: true},
			}},
			{Name: "abort", Type: core.ArgPureToken, Token: "ABORT", Optional: true},
			{Name: "milliseconds", Type: core.ArgInteger, Token: "TIMEOUT", Optional: true},
		},
	}, failover)
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
	if len(c.Args) > 3 && core.EqualFold(c.Args[3], "failover") {
		// The master hands its role over (FAILOVER): this replica becomes
		// the master, then the PSYNC goes on as any other.
		fo, ok := c.Server.(core.Failover)
		if !ok {
			return errNoReplication
		}
		if err := fo.TakeOver(c, string(c.Args[1])); err != nil {
			return err
		}
	}
	return r.PSync(c, string(c.Args[1]), off)
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

var (
	errFailoverTimeout = core.NewError("ERR FAILOVER timeout must be greater than 0")
)

// failover parses FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] as
// Redis 7.0 does: ABORT only alone, each option once, a bad number
// answered as soon as it is met; the host checks the server's state.
func failover(c *core.Ctx) error {
	fo, ok := c.Server.(core.Failover)
	if !ok {
		return errNoReplication
	}
	var req core.FailoverRequest
	args := c.Args
	if len(args) == 2 && core.EqualFold(args[1], "abort") {
		req.Abort = true
		return failoverDone(c, fo.Failover(c, req))
	}
	to := false
	for j := 1; j < len(args); j++ {
		switch {
		case core.EqualFold(args[j], "timeout") && j+1 < len(args) && req.TimeoutMs == 0:
			n, ok := core.ParseInt(args[j+1])
			if !ok {
				return core.ErrNotInteger
			}
			if n <= 0 {
				return errFailoverTimeout
			}
			req.TimeoutMs = n
			j++
		case core.EqualFold(args[j], "to") && j+2 < len(args) && !to:
			n, ok := core.ParseInt(args[j+2])
			if !ok {
				return core.ErrNotInteger
			}
			req.Host, req.Port, req.To, to = string(args[j+1]), int(n), true, true
			j += 2
		case core.EqualFold(args[j], "force") && !req.Force:
			req.Force = true
		default:
			return core.ErrSyntax
		}
	}
	return failoverDone(c, fo.Failover(c, req))
}

func failoverDone(c *core.Ctx, err error) error {
	if err != nil {
		return err
	}
	c.WriteOK()
	return nil
}
