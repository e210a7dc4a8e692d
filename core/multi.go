package core

import (
	"slices"
	"sync/atomic"
)

// multiState is a client's MULTI transaction: the commands queued and
// whether one was refused while queuing. Only the client's own goroutine
// changes it; n is atomic because CLIENT LIST reads it.
type multiState struct {
	n       atomic.Int32 // queued commands; -1 outside MULTI
	mem     atomic.Int64 // bytes the queue holds (multi-mem of CLIENT LIST)
	queue   [][][]byte
	flags   Flags
	lacking Flags // flags some queued command lacks (QueuedLacking)
	aborted bool
}

// InMulti reports whether the client is inside MULTI, queuing commands.
func (c *Client) InMulti() bool { return c.multi.n.Load() >= 0 }

// BeginMulti starts a transaction, as MULTI does; it reports false when one
// is already open.
func (c *Client) BeginMulti() bool {
	if c.InMulti() {
		return false
	}
	c.multi.n.Store(0)
	return true
}

// Queue adds a command to the open transaction; the host calls it for every
// command a client in MULTI sends, after the checks that would refuse it.
// args is copied (the outer slice; the arguments themselves belong to the
// command already).
func (c *Client) Queue(args [][]byte, flags Flags) {
	c.multi.queue = append(c.multi.queue, slices.Clone(args))
	c.multi.flags |= flags
	c.multi.lacking |= ^flags
	c.multi.n.Add(1)
	// As Redis counts it: the arguments and their headers, and the entry.
	mem := int64(len(args))*argHeader + queuedEntry
	for _, a := range args {
		mem += int64(len(a))
	}
	c.multi.mem.Add(mem)
}

// AbortMulti records that a command was refused while queuing (unknown,
// wrong arity, not permitted, not allowed in MULTI): EXEC will then answer
// EXECABORT. Outside MULTI it does nothing.
func (c *Client) AbortMulti() {
	if c.InMulti() {
		c.multi.aborted = true
	}
}

// MultiAborted reports whether AbortMulti was called in this transaction.
func (c *Client) MultiAborted() bool { return c.multi.aborted }

// Queued returns the queued commands' argument lists, in order.
func (c *Client) Queued() [][][]byte { return c.multi.queue }

// QueuedFlags returns the union of the queued commands' flags (CLIENT PAUSE
// WRITE holds back an EXEC that would write).
func (c *Client) QueuedFlags() Flags { return c.multi.flags }

// QueuedLacking returns the flags that at least one queued command lacks,
// as Redis's inverted command flags: an EXEC is refused on a stale replica
// (MASTERDOWN) when a queued command lacks core.FlagStale.
func (c *Client) QueuedLacking() Flags { return c.multi.lacking }

// MultiLen returns the number of queued commands, or -1 outside MULTI
// (multi= of CLIENT LIST).
func (c *Client) MultiLen() int { return int(c.multi.n.Load()) }

// EndMulti closes the transaction, dropping the queue (EXEC, DISCARD, RESET).
func (c *Client) EndMulti() {
	clear(c.multi.queue)
	c.multi.queue = c.multi.queue[:0]
	if cap(c.multi.queue) > 64 {
		c.multi.queue = nil
	}
	c.multi.flags = 0
	c.multi.lacking = 0
	c.multi.aborted = false
	c.multi.mem.Store(0)
	c.multi.n.Store(-1)
}

// Sizes for memory figures: a byte slice's header, and a queued command's
// entry (its argument list's header).
const (
	argHeader   = 24
	queuedEntry = 24
)

// MultiMem returns the bytes the queued commands hold (multi-mem of CLIENT
// LIST).
func (c *Client) MultiMem() int64 { return c.multi.mem.Load() }

// WatchTouched reports whether a key the client watches was touched since
// WATCH (flag d of CLIENT LIST).
func (c *Client) WatchTouched() bool { return c.casDirty.Load() }

// BlockingDenied reports whether the command runs where it may not block
// (inside EXEC or a script). A blocking command that finds nothing may then
// write its own "timed out" reply; if it returns Block anyway, the host
// replies with a null array.
func (c *Ctx) BlockingDenied() bool { return c.noBlock }

// SetBlockingDenied is called by the host around commands that must not
// block.
func (c *Ctx) SetBlockingDenied(b bool) { c.noBlock = b }
