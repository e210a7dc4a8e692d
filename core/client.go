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
	lastActive atomic.Int64 // unix nanoseconds
	user       atomic.Pointer[string]

	closeRequested atomic.Bool
}

// NewClient returns a client record for a new connection using database 0
// and RESP2.
func NewClient(id int64, addr, localAddr string) *Client {
	c := &Client{ID: id, Addr: addr, LocalAddr: localAddr, Created: time.Now()}
	c.proto.Store(2)
	c.lastActive.Store(c.Created.UnixNano())
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
	c.lastActive.Store(now.UnixNano())
}

// Idle returns how long the client has been idle.
func (c *Client) Idle(now time.Time) time.Duration {
	return now.Sub(time.Unix(0, c.lastActive.Load()))
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

// RequestClose asks the host to close the connection once the current reply
// is sent, as QUIT does.
func (c *Client) RequestClose() { c.closeRequested.Store(true) }

// CloseRequested reports whether RequestClose was called.
func (c *Client) CloseRequested() bool { return c.closeRequested.Load() }
