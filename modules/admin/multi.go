package admin

import (
	"github.com/redmod/redmod/core"
)

// MULTI, EXEC, DISCARD, WATCH and UNWATCH. The host queues the commands of a
// client in MULTI (see host's multi.go); EXEC runs them here with nothing
// but core's contracts: Server.LockCommands takes the locks of every queued
// command's keys and of the watched keys at once, Keyspace.WatchFailed
// decides whether a watched key changed, and each command runs
// through the host's dispatch (core.CommandRunner) without locking again.

var (
	errExecAbort      = core.NewError("EXECABORT Transaction discarded because of previous errors.")
	errExecNoMulti    = core.NewError("ERR EXEC without MULTI")
	errDiscardNoMulti = core.NewError("ERR DISCARD without MULTI")
	errNestedMulti    = core.NewError("ERR MULTI calls can not be nested")
	errWatchInMulti   = core.NewError("ERR WATCH inside MULTI is not allowed")
)

func init() {
	txFlags := core.FlagNoScript | core.FlagLoading | core.FlagStale
	tx := func(spec core.Spec, run func(*core.Ctx) error) {
		spec.Group = "transactions"
		spec.Categories = []string{"transaction"}
		add(spec, run)
	}
	tx(core.Spec{
		Name: "multi", Arity: 1, Flags: txFlags | core.FlagFast | core.FlagAllowBusy | core.FlagNoQueue,
		Summary: "Mark the start of a transaction block",
	}, multi)
	tx(core.Spec{
		Name: "exec", Arity: 1, Flags: txFlags | core.FlagSkipSlowlog | core.FlagNoQueue,
		Summary: "Execute all commands issued after MULTI",
	}, exec)
	tx(core.Spec{
		Name: "discard", Arity: 1, Flags: txFlags | core.FlagFast | core.FlagAllowBusy | core.FlagNoQueue,
		Summary: "Discard all commands issued after MULTI",
	}, discard)
	tx(core.Spec{
		Name: "watch", Arity: -2, Flags: txFlags | core.FlagFast | core.FlagAllowBusy | core.FlagNoQueue,
		FirstKey: 1, LastKey: -1, Step: 1, KeyFlags: []string{"RO"},
		Summary: "Watch the given keys to determine execution of the MULTI/EXEC block",
		Syntax:  "key [key ...]",
	}, watch)
	tx(core.Spec{
		Name: "unwatch", Arity: 1, Flags: txFlags | core.FlagFast | core.FlagAllowBusy,
		Summary: "Forget about all watched keys",
	}, unwatch)
}

func multi(c *core.Ctx) error {
	if !c.Client.BeginMulti() {
		return errNestedMulti
	}
	c.WriteOK()
	return nil
}

func discard(c *core.Ctx) error {
	if !c.Client.InMulti() {
		return errDiscardNoMulti
	}
	c.Client.EndMulti()
	c.Keyspace.Unwatch(c.Client)
	c.WriteOK()
	return nil
}

func watch(c *core.Ctx) error {
	if c.Client.InMulti() {
		return errWatchInMulti
	}
	// The host holds the keys' locks: WATCH names them.
	for _, k := range c.Args[1:] {
		c.DB.Watch(c.Client, k)
	}
	c.WriteOK()
	return nil
}

func unwatch(c *core.Ctx) error {
	c.Keyspace.Unwatch(c.Client)
	c.WriteOK()
	return nil
}

func exec(c *core.Ctx) error {
	cl := c.Client
	if !cl.InMulti() {
		return errExecNoMulti
	}
	defer cl.EndMulti()
	if cl.MultiAborted() {
		c.Keyspace.Unwatch(cl)
		return errExecAbort
	}
	queue := cl.Queued()
	unlock := c.Server.LockCommands(c.Locks, queue, c.Keyspace.WatchedSlots(cl, nil))
	defer unlock()
	failed := c.Keyspace.WatchFailed(cl)
	c.Keyspace.UnwatchLocked(cl)
	if failed {
		c.WriteNullArray()
		return nil
	}
	runner, _ := c.Server.(core.CommandRunner)
	if runner == nil {
		return core.NewError("ERR this server cannot run transactions")
	}
	c.WriteArray(len(queue))
	db := c.DB
	for _, args := range queue {
		if err := execOne(c, runner, db, args); err != nil {
			c.WriteError(err)
		}
		// SELECT applies to the commands after it; HELLO to their replies.
		if i := cl.DBIndex(); i != db.Index() {
			db = c.Keyspace.DB(i)
		}
		if p := cl.Protocol(); p != c.Writer.Protocol() {
			c.Writer.SetProtocol(p)
		}
	}
	return nil
}

// execOne runs one queued command through the host's dispatch, without
// locking (EXEC holds the locks), checking the ACL again as Redis does.
func execOne(c *core.Ctx, runner core.CommandRunner, db *core.DB, args [][]byte) error {
	call := core.CallRequest{Args: args}
	if err := runner.PrepareCall(&call); err != nil {
		return err
	}
	if err := runner.CheckCallACL(c, &call, "multi"); err != nil {
		if ce, ok := err.(*core.RunError); ok {
			return aclChanged(ce)
		}
		return err
	}
	sub := core.Ctx{Writer: c.Writer, DB: db, Keyspace: c.Keyspace, Client: c.Client, Server: c.Server, Log: c.Log, Locks: c.Locks, PubSub: c.PubSub}
	return runner.RunCall(c, &sub, &call)
}

// aclChanged is Redis's reply to a queued command that the ACL rules,
// changed since it was queued, no longer permit.
func aclChanged(ce *core.RunError) error {
	reason := "no permission to execute the command or subcommand"
	if ce.Stage == core.RunNoPermKey {
		reason = "no permission to touch the specified keys"
	}
	return core.NewError("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason)
}
