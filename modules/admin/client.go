package admin

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redmod/redmod/acl"
	"github.com/redmod/redmod/core"
)

// helpFlags marks a HELP subcommand, which scripts may call.
const helpFlags = core.FlagLoading | core.FlagStale

func init() {
	sub := func(spec core.Spec, run func(*core.Ctx) error) core.Command {
		spec.Group = "connection"
		spec.Categories = append([]string{"connection"}, spec.Categories...)
		if spec.Flags&helpFlags == 0 {
			spec.Flags |= core.FlagNoScript
		}
		spec.Flags |= core.FlagLoading | core.FlagStale
		return core.NewCommand(spec, run)
	}
	add(core.Spec{
		Name: "client", Arity: -2, Group: "connection",
		Summary: "A container for client connection commands",
		Subcommands: []core.Command{
			sub(core.Spec{Name: "id", Arity: 2, Summary: "Returns the client ID for the current connection"},
				func(c *core.Ctx) error { c.WriteInt(c.Client.ID); return nil }),
			sub(core.Spec{Name: "getname", Arity: 2, Summary: "Get the current connection name"},
				func(c *core.Ctx) error {
					if n := c.Client.Name(); n != "" {
						c.WriteBulkString(n)
					} else {
						c.WriteNull()
					}
					return nil
				}),
			sub(core.Spec{Name: "setname", Arity: 3, Summary: "Set the current connection name",
				Syntax: "connection-name"},
				func(c *core.Ctx) error {
					if err := validateClientName(c.Args[2]); err != nil {
						return err
					}
					c.Client.SetName(string(c.Args[2]))
					c.WriteOK()
					return nil
				}),
			sub(core.Spec{Name: "setinfo", Arity: 4, Summary: "Set client or connection specific info", Since: "7.2.0", Complexity: "O(1)",
				Args: []core.Arg{{Name: "attr", Type: core.ArgOneOf, Args: []core.Arg{
					{Name: "libname", Type: core.ArgString, Token: "LIB-NAME"}, {Name: "libver", Type: core.ArgString, Token: "LIB-VER"}}}}},
				clientSetInfo),
			sub(core.Spec{Name: "info", Arity: 2, Summary: "Returns information about the current client connection.",
				Tips: []string{"nondeterministic_output"}},
				func(c *core.Ctx) error {
					c.WriteVerbatim("txt", clientLine(c.Client, time.Now())+"\n")
					return nil
				}),
			sub(core.Spec{Name: "list", Arity: -2, Flags: core.FlagAdmin, Summary: "Get the list of client connections",
				Tips:   []string{"nondeterministic_output"},
				Syntax: "[TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID client-id:integer [client-id:integer ...]]"},
				clientList),
			sub(core.Spec{Name: "kill", Arity: -3, Flags: core.FlagAdmin, Summary: "Kill the connection of a client",
				Syntax: "(ip:port|([ID client-id:integer]|[TYPE (NORMAL|MASTER|SLAVE|REPLICA|PUBSUB)]|[USER username]|[ADDR ip:port]|[LADDR ip:port]|[SKIPME yes/no]) [([ID client-id:integer]|[TYPE (NORMAL|MASTER|SLAVE|REPLICA|PUBSUB)]|[USER username]|[ADDR ip:port]|[LADDR ip:port]|[SKIPME yes/no]) ...])"},
				clientKill),
			sub(core.Spec{Name: "pause", Arity: -3, Flags: core.FlagAdmin, Summary: "Stop processing commands from clients for some time",
				Syntax: "timeout [WRITE|ALL]"},
				clientPause),
			sub(core.Spec{Name: "unpause", Arity: 2, Flags: core.FlagAdmin, Summary: "Resume processing of clients that were paused"},
				func(c *core.Ctx) error { c.Server.Unpause(); c.WriteOK(); return nil }),
			sub(core.Spec{Name: "unblock", Arity: -3, Flags: core.FlagAdmin, Summary: "Unblock a client blocked in a blocking command from a different connection",
				Syntax: "client-id:integer [TIMEOUT|ERROR]"},
				clientUnblock),
			sub(core.Spec{Name: "no-evict", Arity: 3, Flags: core.FlagAdmin, Summary: "Set client eviction mode for the current connection",
				Syntax: "(ON|OFF)"},
				func(c *core.Ctx) error {
					switch {
					case core.EqualFold(c.Args[2], "on"):
						c.Client.SetNoEvict(true)
					case core.EqualFold(c.Args[2], "off"):
						c.Client.SetNoEvict(false)
					default:
						return core.ErrSyntax
					}
					c.WriteOK()
					return nil
				}),
			sub(core.Spec{Name: "reply", Arity: 3, Flags: core.FlagMultiReply, Summary: "Instruct the server whether to reply to commands",
				Syntax: "(ON|OFF|SKIP)"},
				func(c *core.Ctx) error {
					switch {
					case core.EqualFold(c.Args[2], "on"):
						c.Client.SetReplyMode(core.ReplyOn)
						c.WriteOK()
					case core.EqualFold(c.Args[2], "off"):
						c.Client.SetReplyMode(core.ReplyOff)
					case core.EqualFold(c.Args[2], "skip"):
						c.Client.SetReplyMode(core.ReplySkipNext)
					default:
						return core.ErrSyntax
					}
					return nil
				}),
			sub(core.Spec{Name: "tracking", Arity: -3, Summary: "Enable or disable server assisted client side caching support",
				Syntax: "(ON|OFF) [REDIRECT client-id:integer] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]"},
				clientTracking),
			sub(core.Spec{Name: "caching", Arity: 3, Summary: "Instruct the server about tracking or not keys in the next request",
				Syntax: "(YES|NO)"},
				clientCaching),
			sub(core.Spec{Name: "getredir", Arity: 2, Summary: "Get tracking notifications redirection client ID if any"},
				func(c *core.Ctx) error { c.WriteInt(c.Client.Tracking().Redirect); return nil }),
			sub(core.Spec{Name: "trackinginfo", Arity: 2, Summary: "Return information about server assisted client side caching for the current connection"},
				clientTrackingInfo),
			sub(core.Spec{Name: "help", Arity: 2, Flags: helpFlags, Summary: "Show helpful text about the different subcommands"},
				func(c *core.Ctx) error {
					writeHelp(c, "CLIENT", clientHelp)
					return nil
				}),
		},
	}, nil)
}

// The subcommands redmod has, in the words of Redis's CLIENT HELP.
var clientHelp = []string{
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"KILL <ip:port>",
	"    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Kill connections by type.",
	"    * USER <username>",
	"      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)",
	"      Skip killing current connection (default: yes).",
	"LIST [options ...]",
	"    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Return clients of specified type.",
	"UNPAUSE",
	"    Stop the current client pause, resuming traffic.",
	"PAUSE <timeout> [WRITE|ALL]",
	"    Suspend all, or just write, clients for <timeout> milliseconds.",
	"REPLY (ON|OFF|SKIP)",
	"    Control the replies sent to the current connection.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Unblock the specified blocked client.",
	"SETINFO <option> <value>",
	"    Set client meta attr. Options are:",
	"    * LIB-NAME: the client lib name.",
	"    * LIB-VER: the client lib version.",
	"NO-EVICT (ON|OFF)",
	"    Protect current client connection from eviction.",
}

// clientLine renders one client in CLIENT LIST's layout, with the buffer
// figures the host measures (core.Client.Buffers).
func clientLine(cl *core.Client, now time.Time) string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString("id=")
	b.WriteString(strconv.FormatInt(cl.ID, 10))
	b.WriteString(" addr=")
	b.WriteString(cl.Addr)
	b.WriteString(" laddr=")
	b.WriteString(cl.LocalAddr)
	b.WriteString(" fd=")
	b.WriteString(strconv.Itoa(cl.Fd))
	b.WriteString(" name=")
	b.WriteString(cl.Name())
	b.WriteString(" age=")
	b.WriteString(strconv.FormatInt(int64(now.Sub(cl.Created)/time.Second), 10))
	b.WriteString(" idle=")
	b.WriteString(strconv.FormatInt(int64(cl.Idle(now)/time.Second), 10))
	b.WriteString(" flags=")
	b.WriteString(clientFlags(cl))
	b.WriteString(" db=")
	b.WriteString(strconv.Itoa(cl.DBIndex()))
	nsub, npsub, nssub := cl.Subscriptions()
	b.WriteString(" sub=")
	b.WriteString(strconv.Itoa(nsub))
	b.WriteString(" psub=")
	b.WriteString(strconv.Itoa(npsub))
	b.WriteString(" ssub=")
	b.WriteString(strconv.Itoa(nssub))
	b.WriteString(" multi=")
	b.WriteString(strconv.Itoa(cl.MultiLen()))
	buf := cl.Buffers()
	events := " events=r"
	if buf.OutBuf > 0 {
		events = " events=rw" // replies wait for the socket
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{" qbuf=", buf.QueryBuf}, {" qbuf-free=", buf.QueryBufFree}, {" argv-mem=", buf.ArgvMem},
		{" multi-mem=", cl.MultiMem()}, {" rbs=", buf.ReplyBufSize}, {" rbp=", buf.ReplyBufPeak},
		{" obl=", buf.OutBuf}, {" oll=", buf.OutBlocks}, {" omem=", buf.OutMem}, {" tot-mem=", buf.Total}} {
		b.WriteString(f.name)
		b.WriteString(strconv.FormatInt(f.v, 10))
	}
	b.WriteString(events)
	b.WriteString(" cmd=")
	b.WriteString(cl.LastCommand())
	b.WriteString(" user=")
	b.WriteString(cl.User())
	b.WriteString(" redir=")
	b.WriteString(strconv.FormatInt(cl.Tracking().Redirect, 10))
	b.WriteString(" resp=")
	b.WriteString(strconv.Itoa(cl.Protocol()))
	return b.String()
}

// clientFlags renders CLIENT LIST's flags in Redis's order; N when none.
func clientFlags(cl *core.Client) string {
	var f []byte
	// Redis's monitors are replicas of a kind: O, where a replica is S.
	switch {
	case cl.IsMonitor():
		f = append(f, 'O')
	case cl.IsReplica():
		f = append(f, 'S')
	case cl.IsMaster():
		f = append(f, 'M')
	}
	if cl.Subscribed() {
		f = append(f, 'P')
	}
	if cl.InMulti() {
		f = append(f, 'x')
	}
	if cl.Blocked() {
		f = append(f, 'b')
	}
	if t := cl.Tracking(); t.On {
		f = append(f, 't')
		if t.BrokenRedirect {
			f = append(f, 'R')
		}
		if t.BCAST {
			f = append(f, 'B')
		}
	}
	if cl.WatchTouched() {
		f = append(f, 'd')
	}
	if cl.NoEvict() {
		f = append(f, 'e')
	}
	if len(f) == 0 {
		return "N"
	}
	return string(f)
}

// kindOf returns a client's type for CLIENT LIST TYPE and CLIENT KILL TYPE.
func kindOf(cl *core.Client) string {
	if cl.IsReplica() {
		return "replica"
	}
	if cl.IsMaster() {
		return "master"
	}
	if cl.Subscribed() {
		return "pubsub"
	}
	return "normal"
}

// clientType recognises the client types of CLIENT LIST and KILL.
func clientType(b []byte) (string, bool) {
	for _, t := range []string{"normal", "master", "pubsub"} {
		if core.EqualFold(b, t) {
			return t, true
		}
	}
	if core.EqualFold(b, "slave") || core.EqualFold(b, "replica") {
		return "replica", true
	}
	return "", false
}

func clientList(c *core.Ctx) error {
	now := time.Now()
	var out strings.Builder
	switch {
	case len(c.Args) == 2:
		for _, cl := range sortedClients(c) {
			out.WriteString(clientLine(cl, now))
			out.WriteByte('\n')
		}
	case len(c.Args) == 4 && core.EqualFold(c.Args[2], "type"):
		t, ok := clientType(c.Args[3])
		if !ok {
			return core.NewError("ERR Unknown client type '" + errArg(c.Args[3]) + "'")
		}
		for _, cl := range sortedClients(c) {
			if kindOf(cl) == t {
				out.WriteString(clientLine(cl, now))
				out.WriteByte('\n')
			}
		}
	case len(c.Args) > 3 && core.EqualFold(c.Args[2], "id"):
		byID := map[int64]*core.Client{}
		for _, cl := range c.Server.Clients() {
			byID[cl.ID] = cl
		}
		for _, a := range c.Args[3:] {
			id, ok := core.ParseInt(a)
			if !ok {
				return core.NewError("ERR Invalid client ID")
			}
			if cl := byID[id]; cl != nil {
				out.WriteString(clientLine(cl, now))
				out.WriteByte('\n')
			}
		}
	default:
		return core.ErrSyntax
	}
	c.WriteVerbatim("txt", out.String())
	return nil
}

// sortedClients returns the clients in connection order, as Redis lists them.
func sortedClients(c *core.Ctx) []*core.Client {
	cls := c.Server.Clients()
	for i := 1; i < len(cls); i++ {
		for j := i; j > 0 && cls[j].ID < cls[j-1].ID; j-- {
			cls[j], cls[j-1] = cls[j-1], cls[j]
		}
	}
	return cls
}

func clientKill(c *core.Ctx) error {
	var addr, laddr, user, typ string
	var hasAddr, hasLaddr, hasUser, hasType bool
	var id int64
	skipme := true
	oldForm := len(c.Args) == 3
	if oldForm {
		addr, hasAddr = string(c.Args[2]), true
		skipme = false
	} else {
		for i := 2; i < len(c.Args); i += 2 {
			opt := c.Args[i]
			if i+1 >= len(c.Args) {
				return core.ErrSyntax
			}
			val := c.Args[i+1]
			switch {
			case core.EqualFold(opt, "id"):
				n, ok := core.ParseInt(val)
				if !ok || n < 1 {
					return core.NewError("ERR client-id should be greater than 0")
				}
				id = n
			case core.EqualFold(opt, "type"):
				t, ok := clientType(val)
				if !ok {
					return core.NewError("ERR Unknown client type '" + errArg(val) + "'")
				}
				typ, hasType = t, true
			case core.EqualFold(opt, "addr"):
				addr, hasAddr = string(val), true
			case core.EqualFold(opt, "laddr"):
				laddr, hasLaddr = string(val), true
			case core.EqualFold(opt, "user"):
				user, hasUser = string(val), true
				if !userKnown(c, user) {
					return core.NewError("ERR No such user '" + errArg(val) + "'")
				}
			case core.EqualFold(opt, "skipme"):
				switch {
				case core.EqualFold(val, "yes"):
					skipme = true
				case core.EqualFold(val, "no"):
					skipme = false
				default:
					return core.ErrSyntax
				}
			default:
				return core.ErrSyntax
			}
		}
	}
	killed := 0
	for _, cl := range c.Server.Clients() {
		switch {
		case hasAddr && cl.Addr != addr,
			hasLaddr && cl.LocalAddr != laddr,
			hasType && typ != kindOf(cl),
			id != 0 && cl.ID != id,
			hasUser && cl.User() != user,
			cl == c.Client && skipme:
			continue
		}
		if cl == c.Client {
			// Closed once the reply is sent.
			cl.RequestClose()
		} else {
			c.Server.KillClient(cl.ID)
		}
		killed++
	}
	if oldForm {
		if killed == 0 {
			return core.NewError("ERR No such client")
		}
		c.WriteOK()
		return nil
	}
	c.WriteInt(int64(killed))
	return nil
}

// userKnown reports whether an ACL user exists: the server's ACL says so
// when it has one; otherwise "default" exists, and so does the user of any
// connected client.
func userKnown(c *core.Ctx, name string) bool {
	if p, ok := c.Server.(acl.Provider); ok {
		return p.ACL().User(name) != nil
	}
	if name == "default" {
		return true
	}
	for _, cl := range c.Server.Clients() {
		if cl.User() == name {
			return true
		}
	}
	return false
}

func clientPause(c *core.Ctx) error {
	if len(c.Args) > 4 {
		return core.NewError("ERR unknown subcommand or wrong number of arguments for '" + errArg(c.Args[1]) + "'. Try CLIENT HELP.")
	}
	all := true
	if len(c.Args) == 4 {
		switch {
		case core.EqualFold(c.Args[3], "write"):
			all = false
		case core.EqualFold(c.Args[3], "all"):
		default:
			return core.NewError("ERR CLIENT PAUSE mode must be WRITE or ALL")
		}
	}
	ms, ok := core.ParseInt(c.Args[2])
	if !ok {
		return core.NewError("ERR timeout is not an integer or out of range")
	}
	if ms < 0 {
		return core.NewError("ERR timeout is negative")
	}
	d := time.Duration(ms) * time.Millisecond
	if ms > int64(math.MaxInt64/time.Millisecond) {
		d = math.MaxInt64
	}
	c.Server.Pause(d, all)
	c.WriteOK()
	return nil
}

func clientSetInfo(c *core.Ctx) error {
	attr, val := c.Args[2], c.Args[3]
	lib := core.EqualFold(attr, "lib-name")
	if !lib && !core.EqualFold(attr, "lib-ver") {
		return core.NewError("ERR Unrecognized option '" + errArg(attr) + "'")
	}
	for _, b := range val {
		if b < '!' || b > '~' {
			return core.NewError("ERR " + strings.ToUpper(errArg(attr)) + " cannot contain spaces, newlines or special characters.")
		}
	}
	if lib {
		c.Client.SetLibName(string(val))
	} else {
		c.Client.SetLibVersion(string(val))
	}
	c.WriteOK()
	return nil
}

func clientUnblock(c *core.Ctx) error {
	if len(c.Args) > 4 {
		return core.NewError("ERR unknown subcommand or wrong number of arguments for '" + errArg(c.Args[1]) + "'. Try CLIENT HELP.")
	}
	id, ok := core.ParseInt(c.Args[2])
	if !ok {
		return core.ErrNotInteger
	}
	withError := false
	if len(c.Args) == 4 {
		switch {
		case core.EqualFold(c.Args[3], "timeout"):
		case core.EqualFold(c.Args[3], "error"):
			withError = true
		default:
			return core.NewError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
		}
	}
	if c.Server.UnblockClient(id, withError) {
		c.WriteInt(1)
	} else {
		c.WriteInt(0)
	}
	return nil
}
