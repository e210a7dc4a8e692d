package core

import (
	"github.com/hashicorp/go-hclog"
)

// Command is one Redis command: its metadata and its handler.
type Command interface {
	// Spec returns the command's metadata. It is read once, at registration.
	Spec() *Spec
	// Exec runs the command. The host has already checked the arity and
	// locked the command's keys. Exec writes its reply through c, or returns
	// an error that the host sends as the reply; it must not do both.
	Exec(c *Ctx) error
}

type funcCommand struct {
	spec Spec
	run  func(*Ctx) error
}

func (f *funcCommand) Spec() *Spec       { return &f.spec }
func (f *funcCommand) Exec(c *Ctx) error { return f.run(c) }

// NewCommand returns a Command made of a spec and a handler function, the
// usual way to write one.
func NewCommand(spec Spec, run func(c *Ctx) error) Command {
	return &funcCommand{spec: spec, run: run}
}

// Ctx is what a command receives for one call: its arguments, the selected
// database, the client, the server, and the reply writer (embedded, so
// c.WriteInt(1) replies).
type Ctx struct {
	*Writer
	// Args holds the command name and its arguments. The slices belong to
	// the command: it may keep them (store them in a value) without
	// copying, unless its Spec declares BorrowsArgs, in which case they are
	// valid only until Exec returns and the command must copy whatever it
	// keeps. The outer slice is the host's in both cases: a command that
	// keeps the list itself copies it.
	Args [][]byte
	// DB is the client's selected database.
	DB *DB
	// Keyspace holds all databases.
	Keyspace *Keyspace
	// Client is the connection that sent the command.
	Client *Client
	// Server gives access to server-wide services (save, config, clients).
	Server Server
	// PubSub routes pub/sub messages (PUBLISH, SUBSCRIBE).
	PubSub *PubSub
	// Log is the server's logger.
	Log hclog.Logger
	// Name is the command's full name as errors print it ("get", "config|get").
	Name string
	// Locks records the lock slots the host holds for the command; a
	// command that finds more keys while it runs takes them with
	// Locks.Ensure. Nil outside the host's dispatch.
	Locks *LockSet

	// changes counts the changes the command reports for auto-save when it
	// overrides the host's default of one per successful write.
	changes    int64
	changesSet bool
	after      []func()
	woken      bool         // rerun for a blocked client (block.go)
	blockState any          // BlockRequest.State of the run that blocked
	fromScript bool         // called by a script (block.go)
	caller     *Client      // the client a script's call runs for (notify.go)
	notified   bool         // Notify or Touch was called (notify.go)
	touched    []touchedKey // keys the command modified (notify.go)
	// touchedIndex finds a key among many touched ones (notify.go).
	touchedIndex map[touchedID]struct{}
	noBlock      bool     // inside EXEC or a script (multi.go)
	oom          bool     // over maxmemory when the command began (evict.go)
	effects      []Effect // what the call propagates (effects.go)
	propagated   bool     // the handler chose its effects (effects.go)
	redacted     []int    // arguments hidden from the slow log (diag.go)

	// writeRefusal is the error writes get when the command began (evict.go).
	writeRefusal error
	// staleRefusal is the error commands without FlagStale get (replica.go).
	staleRefusal error
}

// AfterUnlock schedules fn to run once the command has finished and its locks
// are released, for follow-up work that takes locks itself (a save after
// FLUSHALL).
func (c *Ctx) AfterUnlock(fn func()) { c.after = append(c.after, fn) }

// TakeAfterUnlock removes and returns the first function AfterUnlock
// scheduled, or nil; a host running a command inside another hands them to
// the outer command.
func (c *Ctx) TakeAfterUnlock() func() {
	if len(c.after) == 0 {
		return nil
	}
	fn := c.after[0]
	c.after = c.after[1:]
	return fn
}

// RunAfterUnlock runs what AfterUnlock scheduled; the host calls it.
func (c *Ctx) RunAfterUnlock() {
	if c.after != nil {
		c.runAfterUnlock()
	}
}

func (c *Ctx) runAfterUnlock() {
	for len(c.after) > 0 {
		fn := c.after[0]
		c.after = c.after[1:]
		fn()
	}
	c.after = nil
}

// Arg returns argument i, or nil when there are fewer arguments.
func (c *Ctx) Arg(i int) []byte {
	if i < 0 || i >= len(c.Args) {
		return nil
	}
	return c.Args[i]
}

// NArgs returns the number of arguments, the command name included.
func (c *Ctx) NArgs() int { return len(c.Args) }

// SetChanges tells the host how many changes the command made, for
// auto-save accounting. Without it, a write command that does not fail counts
// as one change; a write command that changed nothing should call
// SetChanges(0).
func (c *Ctx) SetChanges(n int64) { c.changes, c.changesSet = n, true }

// Changes returns the number of changes to account and resets the count;
// the host calls it after each write command.
func (c *Ctx) Changes(failed bool) int64 {
	n, set := c.changes, c.changesSet
	c.changes, c.changesSet = 0, false
	if set {
		return n
	}
	if failed {
		return 0
	}
	return 1
}

// Now returns the keyspace clock in unix milliseconds.
func (c *Ctx) Now() int64 { return c.Keyspace.Now() }
