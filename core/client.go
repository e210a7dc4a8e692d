package core

import (
	"sync/atomic"
	"time"
)

// Client is the server's record of one connection. The connection's own
// goroutine changes it; other goroutines (CLIENT LIST, INFO) read it, which is
// why the changing fields are atomic.
type Client struct {
	// ID is unique for the life of the server and never reused.
	ID int64
	// Addr and LocalAddr are the remote and local addresses.
	Addr, LocalAddr string
	// Created is when the connection was accepted.
	Created time.Time

	db         atomic.Int32
	proto      atomic.Int32
	name       atomic.Pointer[string]
	lastCmd    atomic.Pointer[string]
	lastActive atomic.Int64 // MonoNow nanoseconds
	user       atomic.Pointer[string]
	authed     atomic.Bool
	replyOff   atomic.Bool
	skipNext   atomic.Bool
	replyOn    atomic.Bool // CLIENT REPLY ON just ran (TakeReplyOn)
	noEvict    atomic.Bool
	blocked    atomic.Bool
	libName    atomic.Pointer[string]
	libVer     atomic.Pointer[string]
	// Fd is the connection's file descriptor, for CLIENT LIST (-1 when the
	// connection has none, e.g. an in-memory pipe).
	Fd int

	closeRequested atomic.Bool
	buffers        func() Buffers

	out   Outbox          // the connection's output for pushes (pubsub.go)
	nsub  [3]atomic.Int32 // subscriptions by SubKind
	trk   atomic.Pointer[TrackingState]
	multi multiState // MULTI (multi.go)
	// watched are the client's WATCHes (watch.go); only its own goroutine
	// changes the list.
	watched  []*watchRec
	casDirty atomic.Bool // a watched key was touched
	rdbOnly  atomic.Bool // REPLCONF rdb-only 1 (RDBOnly)
	replica  atomic.Bool // a replica's link (IsReplica)
	master   atomic.Bool // this replica's link with its master (IsMaster)
	monitor  atomic.Bool // ran MONITOR (IsMonitor)
}

// ReplyMode is what CLIENT REPLY chose: the host suppresses the replies of a
// client that turned them off.
type ReplyMode int32

// Reply modes of CLIENT REPLY.
const (
	// ReplyOn sends every reply (the default).
	ReplyOn ReplyMode = iota
	// ReplyOff sends no reply until CLIENT REPLY ON.
	ReplyOff
	// ReplySkipNext suppresses the reply of the command that set it and of
	// the command after it, then turns replies back on.
	ReplySkipNext
)

// NewClient returns a client record for a new connection using database 0
// and RESP2.
func NewClient(id int64, addr, localAddr string) *Client {
	c := &Client{ID: id, Addr: addr, LocalAddr: localAddr, Created: time.Now()}
	c.proto.Store(2)
	c.authed.Store(true)
	c.Fd = -1
	c.multi.n.Store(-1)
	c.lastActive.Store(c.Created.Sub(monoBase).Nanoseconds())
	return c
}

// DBIndex returns the selected database.
func (c *Client) DBIndex() int { return int(c.db.Load()) }

// SetDBIndex selects a database; the host resolves it for the next command.
func (c *Client) SetDBIndex(i int) { c.db.Store(int32(i)) }

// Protocol returns 2 or 3.
func (c *Client) Protocol() int { return int(c.proto.Load()) }

// SetProtocol records the protocol chosen with HELLO.
func (c *Client) SetProtocol(p int) { c.proto.Store(int32(p)) }

// Name returns the name set with CLIENT SETNAME.
func (c *Client) Name() string {
	if p := c.name.Load(); p != nil {
		return *p
	}
	return ""
}

// SetName sets the client's name.
func (c *Client) SetName(n string) { c.name.Store(&n) }

// LastCommand returns the full name of the last command run.
func (c *Client) LastCommand() string {
	if p := c.lastCmd.Load(); p != nil {
		return *p
	}
	return "NULL"
}

// Touch records that the client ran a command; name must be a string that
// outlives the call (a spec name).
func (c *Client) Touch(name *string, now time.Time) {
	c.lastCmd.Store(name)
	c.MarkActive(now)
}

// SetLastCommand records the command the client runs (CLIENT LIST cmd=);
// name must be a string that outlives the call (a spec name). Unlike Touch
// it leaves the activity time alone: the host marks that when it reads the
// request.
func (c *Client) SetLastCommand(name *string) {
	// A client repeating a command costs a load, not a store.
	if c.lastCmd.Load() != name {
		c.lastCmd.Store(name)
	}
}

// MarkActive records activity without a command (bytes read or written),
// so that the idle time `timeout` compares counts from it.
func (c *Client) MarkActive(now time.Time) { c.lastActive.Store(now.Sub(monoBase).Nanoseconds()) }

// MarkActiveAt is MarkActive with the time as MonoNow gives it: a host that
// reads the monotonic clock for its own needs as a request arrives records
// the activity without reading the clock again.
func (c *Client) MarkActiveAt(mono int64) { c.lastActive.Store(mono) }

// Idle returns how long the client has been idle.
func (c *Client) Idle(now time.Time) time.Duration {
	return time.Duration(now.Sub(monoBase).Nanoseconds() - c.lastActive.Load())
}

// User returns the name of the ACL user the client is authenticated as.
func (c *Client) User() string {
	if p := c.user.Load(); p != nil {
		return *p
	}
	return "default"
}

// SetUser records the authenticated user.
func (c *Client) SetUser(u string) { c.user.Store(&u) }

// Authenticated reports whether the client may run commands that are not
// flagged FlagNoAuth. A new client is authenticated unless the host requires
// a password (then the host clears it when the connection starts).
func (c *Client) Authenticated() bool { return c.authed.Load() }

// SetAuthenticated records the outcome of AUTH or HELLO AUTH (and RESET).
func (c *Client) SetAuthenticated(ok bool) { c.authed.Store(ok) }

// ReplyOff reports whether CLIENT REPLY OFF is in force.
func (c *Client) ReplyOff() bool { return c.replyOff.Load() }

// TakeSkipNext reports whether CLIENT REPLY SKIP was just run, and forgets
// it: the host then suppresses the reply of the command that follows.
func (c *Client) TakeSkipNext() bool {
	// A plain load first: the swap's locked instruction is paid only by the
	// rare client that used CLIENT REPLY SKIP.
	return c.skipNext.Load() && c.skipNext.Swap(false)
}

// TakeReplyOn reports whether CLIENT REPLY ON ran since the last CLIENT
// REPLY SKIP or OFF, and forgets it: its OK is sent even when it is the
// command a SKIP would have silenced, as in Redis.
func (c *Client) TakeReplyOn() bool { return c.replyOn.Load() && c.replyOn.Swap(false) }

// SetReplyMode applies CLIENT REPLY. The host suppresses the reply of the
// command that turns replies off or skips, as Redis does; ON clears both.
func (c *Client) SetReplyMode(m ReplyMode) {
	switch m {
	case ReplyOn:
		c.replyOff.Store(false)
		c.skipNext.Store(false)
		c.replyOn.Store(true)
	case ReplyOff:
		c.replyOff.Store(true)
		c.replyOn.Store(false)
	case ReplySkipNext:
		c.skipNext.Store(true)
		c.replyOn.Store(false)
	}
}

// Blocked reports whether the client waits in a blocking command or for the
// end of a CLIENT PAUSE (flag "b" of CLIENT LIST).
func (c *Client) Blocked() bool { return c.blocked.Load() }

// SetBlocked records that the client starts or stops waiting; the host
// calls it.
func (c *Client) SetBlocked(b bool) { c.blocked.Store(b) }

// NoEvict reports whether CLIENT NO-EVICT ON protects the client.
func (c *Client) NoEvict() bool { return c.noEvict.Load() }

// SetNoEvict records CLIENT NO-EVICT.
func (c *Client) SetNoEvict(on bool) { c.noEvict.Store(on) }

// LibInfo returns the library name and version set with CLIENT SETINFO.
func (c *Client) LibInfo() (name, version string) {
	if p := c.libName.Load(); p != nil {
		name = *p
	}
	if p := c.libVer.Load(); p != nil {
		version = *p
	}
	return name, version
}

// SetLibName records CLIENT SETINFO LIB-NAME.
func (c *Client) SetLibName(n string) { c.libName.Store(&n) }

// SetLibVersion records CLIENT SETINFO LIB-VER.
func (c *Client) SetLibVersion(v string) { c.libVer.Store(&v) }

// RequestClose asks the host to close the connection once the current reply
// is sent, as QUIT does.
func (c *Client) RequestClose() { c.closeRequested.Store(true) }

// CloseRequested reports whether RequestClose was called.
func (c *Client) CloseRequested() bool { return c.closeRequested.Load() }

// RDBOnly reports whether the client sent REPLCONF rdb-only 1: its SYNC
// wants the image alone, and the connection closes after it (as
// `redis-cli --rdb` asks).
func (c *Client) RDBOnly() bool { return c.rdbOnly.Load() }

// IsReplica reports whether the connection is a replica's link, which
// receives the replication stream (CLIENT LIST flag S, type replica).
func (c *Client) IsReplica() bool { return c.replica.Load() }

// SetReplica marks the connection as a replica's link.
func (c *Client) SetReplica(on bool) { c.replica.Store(on) }

// IsMaster reports whether the client is a replica's link with its
// master, whose commands it applies (CLIENT LIST flag M, type master).
func (c *Client) IsMaster() bool { return c.master.Load() }

// SetMaster marks the client as the link with the master.
func (c *Client) SetMaster(on bool) { c.master.Store(on) }

// IsMonitor reports whether the client ran MONITOR (CLIENT LIST flag O).
func (c *Client) IsMonitor() bool { return c.monitor.Load() }

// SetMonitor marks the client as a monitor; the host calls it.
func (c *Client) SetMonitor(on bool) { c.monitor.Store(on) }

// OutputPending returns the bytes sent to the client and not yet written
// to its socket (CLIENT LIST omem): replies and pushes a slow reader has
// not taken.
func (c *Client) OutputPending() int {
	if c.out == nil {
		return 0
	}
	return c.out.Pending()
}

// SetRDBOnly records REPLCONF rdb-only.
func (c *Client) SetRDBOnly(on bool) { c.rdbOnly.Store(on) }

// Buffers are a connection's buffer figures as CLIENT LIST shows them,
// measured by the host. Redis's names are in brackets.
type Buffers struct {
	// QueryBuf is the request bytes buffered and not yet done with,
	// including the running command's (qbuf); QueryBufFree the rest of the
	// read buffer (qbuf-free).
	QueryBuf, QueryBufFree int64
	// ArgvMem is the size of the running command's arguments (argv-mem).
	ArgvMem int64
	// ReplyBufSize is the capacity of the buffer replies are built in
	// (rbs), ReplyBufPeak the largest reply it held lately (rbp).
	ReplyBufSize, ReplyBufPeak int64
	// OutBuf, OutBlocks and OutMem are the replies waiting to be sent: the
	// bytes in the first 16 KB block (obl), the number of blocks past it
	// (oll) and their bytes (omem).
	OutBuf, OutBlocks, OutMem int64
	// Total is all the memory the connection holds (tot-mem), including
	// MultiMem.
	Total int64
}

// Buffers returns the connection's buffer figures; zero when the host does
// not measure them.
func (c *Client) Buffers() Buffers {
	if c.buffers == nil {
		return Buffers{}
	}
	return c.buffers()
}

// SetBuffers installs the host's measure of the connection's buffers; the
// host calls it before the client is listed.
func (c *Client) SetBuffers(f func() Buffers) { c.buffers = f }
