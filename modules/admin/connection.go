package admin

import (
	"github.com/redmod/redmod/core"
)

func init() {
	connFlags := core.FlagLoading | core.FlagStale | core.FlagFast
	add(core.Spec{
		Name: "ping", Arity: -1, Flags: core.FlagFast, Group: "connection", Categories: []string{"connection"}, BorrowsArgs: true,
		Summary: "Ping the server",
		Syntax:  "[message]",
		Tips:    []string{"request_policy:all_shards", "response_policy:all_succeeded"},
	}, ping)
	add(core.Spec{
		Name: "echo", Arity: 2, Flags: connFlags, Group: "connection", Categories: []string{"connection"}, BorrowsArgs: true,
		Summary: "Echo the given string",
		Syntax:  "message",
	}, func(c *core.Ctx) error { c.WriteBulk(c.Args[1]); return nil })
	add(core.Spec{
		Name: "quit", Arity: -1, Flags: core.FlagAllowBusy | core.FlagNoScript | connFlags | core.FlagNoAuth | core.FlagNoQueue,
		Group: "connection", Categories: []string{"connection"},
		Summary: "Close the connection",
	}, func(c *core.Ctx) error {
		c.Client.RequestClose()
		c.WriteOK()
		return nil
	})
	add(core.Spec{
		Name: "select", Arity: 2, Flags: connFlags,
		Group: "connection", Categories: []string{"connection"},
		Summary: "Change the selected database for the current connection",
		Syntax:  "index",
	}, selectDB)
	add(core.Spec{
		Name: "hello", Arity: -1, Flags: core.FlagNoScript | connFlags | core.FlagNoAuth | core.FlagAllowBusy,
		Group: "connection", Categories: []string{"connection"},
		Summary: "Handshake with Redis",
		Syntax:  "[protover:integer [AUTH username password] [SETNAME clientname]]",
	}, hello)
	add(core.Spec{
		Name: "monitor", Arity: 1, Flags: core.FlagAdmin | core.FlagNoScript | core.FlagLoading | core.FlagStale,
		Group: "server", Summary: "Listen for all requests received by the server in real time",
	}, func(c *core.Ctx) error {
		m, ok := c.Server.(core.Monitorer)
		if !ok {
			return core.NewError("ERR MONITOR is not available")
		}
		// The flag is up before +OK leaves (CLIENT LIST shows O as soon as
		// the monitor has its reply); the feed starts after it, so that no
		// monitored command reaches the client ahead of its +OK.
		c.Client.SetMonitor(true)
		c.WriteOK()
		c.StartPush()
		m.Monitor(c.Client)
		return nil
	})
	add(core.Spec{
		Name: "reset", Arity: 1, Flags: core.FlagNoScript | connFlags | core.FlagNoAuth | core.FlagAllowBusy | core.FlagNoQueue,
		Group: "connection", Categories: []string{"connection"},
		Summary: "Reset the connection",
	}, reset)
}

func ping(c *core.Ctx) error {
	if len(c.Args) > 2 {
		return core.ErrArity(c.Name)
	}
	if c.Client.Subscribed() && c.Client.Protocol() == 2 {
		// In the subscriber context PING answers in a message's shape.
		c.WriteArray(2)
		c.WriteBulkString("pong")
		if len(c.Args) == 2 {
			c.WriteBulk(c.Args[1])
		} else {
			c.WriteBulkString("")
		}
		return nil
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
	if !ok {
		return core.ErrNotInteger
	}
	if n < -1<<31 || n > 1<<31-1 {
		return core.NewError("ERR value is out of range, value must between -2147483648 and 2147483647")
	}
	if n < 0 || n >= int64(c.Keyspace.NumDBs()) {
		return core.ErrDBIndex
	}
	c.Client.SetDBIndex(int(n))
	c.WriteOK()
	return nil
}

// hello follows Redis's order: the protocol version first, then the
// options (a bad client name fails at once), then authentication, and only
// then the name and protocol change.
func hello(c *core.Ctx) error {
	ver := int64(0)
	next := 1
	if len(c.Args) >= 2 {
		n, ok := core.ParseInt(c.Args[1])
		if !ok {
			return core.NewError("ERR Protocol version is not an integer or out of range")
		}
		if n < 2 || n > 3 {
			return core.NewError("NOPROTO unsupported protocol version")
		}
		ver, next = n, 2
	}
	var user, pass, name []byte
	hasAuth, hasName := false, false
	for j := next; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch opt := c.Args[j]; {
		case core.EqualFold(opt, "auth") && more >= 2:
			c.Redact(j + 1)
			c.Redact(j + 2)
			user, pass, hasAuth = c.Args[j+1], c.Args[j+2], true
			j += 2
		case core.EqualFold(opt, "setname") && more >= 1:
			name, hasName = c.Args[j+1], true
			if err := validateClientName(name); err != nil {
				return err
			}
			j++
		default:
			return core.NewError("ERR Syntax error in HELLO option '" + errArg(opt) + "'")
		}
	}
	if hasAuth {
		if err := c.Server.Authenticate(c.Client, string(user), string(pass)); err != nil {
			return err
		}
	}
	if !c.Client.Authenticated() {
		return core.NewError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
	}
	if hasName {
		c.Client.SetName(string(name))
	}
	if ver != 0 {
		c.Client.SetProtocol(int(ver))
		c.SetProtocol(int(ver)) // HELLO's own reply is in the new protocol
	}
	c.WriteMap(7)
	c.WriteBulkString("server")
	c.WriteBulkString("redis")
	c.WriteBulkString("version")
	c.WriteBulkString(redisVersion)
	c.WriteBulkString("proto")
	c.WriteInt(int64(c.Client.Protocol()))
	c.WriteBulkString("id")
	c.WriteInt(c.Client.ID)
	c.WriteBulkString("mode")
	c.WriteBulkString("standalone")
	c.WriteBulkString("role")
	c.WriteBulkString("master")
	c.WriteBulkString("modules")
	// Redis lists its loadable modules here; redmod's modules are compiled
	// in and are not Redis modules, so the list stays empty as on a plain
	// Redis.
	c.WriteArray(0)
	return nil
}

// redisVersion is the version HELLO reports, the one whose behaviour
// redmod follows (host.RedisVersion; the admin module does not import the
// host).
const redisVersion = "7.0.15"

// reset returns the connection to the state of a new one.
func reset(c *core.Ctx) error {
	cl := c.Client
	cl.EndMulti()
	c.Keyspace.Unwatch(cl)
	cl.SetDBIndex(0)
	cl.SetProtocol(2)
	cl.SetName("")
	cl.SetReplyMode(core.ReplyOn)
	cl.SetNoEvict(false)
	c.PubSub.RemoveClient(cl)
	if t, ok := c.Server.(core.Tracker); ok {
		t.SetTracking(cl, core.TrackingOptions{})
	}
	if r, ok := c.Server.(interface{ Unmonitor(*core.Client) }); ok {
		r.Unmonitor(cl)
	}
	c.Server.ResetAuth(cl)
	c.WriteSimple("RESET")
	return nil
}

// validateClientName accepts the names Redis accepts: printable ASCII
// without spaces (an empty name clears it).
func validateClientName(name []byte) error {
	for _, b := range name {
		if b < '!' || b > '~' {
			return core.NewError("ERR Client names cannot contain spaces, newlines or special characters.")
		}
	}
	return nil
}

// errArg renders an argument inside an error text as Redis's printf %s
// does: up to the first NUL byte.
func errArg(a []byte) string {
	for i, b := range a {
		if b == 0 {
			return string(a[:i])
		}
	}
	return string(a)
}
