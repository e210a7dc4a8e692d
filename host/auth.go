package host

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/acl"
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// limits are the settings every connection reads while it runs, so that
// CONFIG SET of them applies to connected clients too.
type limits struct {
	maxBulk, maxQuery      atomic.Int64
	outHard, outSoft       atomic.Int64
	outSoftSeconds         atomic.Int64
	psHard, psSoft         atomic.Int64 // the pubsub class
	psSoftSeconds          atomic.Int64
	notify                 atomic.Uint32 // notify-keyspace-events
	trackingMaxKeys        atomic.Int64
	protectedMode          atomic.Bool
	tlsAuthClientsOptional atomic.Bool
	// minReplicas is on while min-replicas-to-write and
	// min-replicas-max-lag are both set: only then must every command
	// read the whole configuration to see whether writes are refused.
	minReplicas atomic.Bool
}

func (l *limits) set(c *Config) {
	l.maxBulk.Store(c.ProtoMaxBulkLen)
	l.maxQuery.Store(c.ClientQueryBufferLimit)
	l.outHard.Store(c.OutputLimit.Hard)
	l.outSoft.Store(c.OutputLimit.Soft)
	l.outSoftSeconds.Store(int64(c.OutputLimit.SoftSeconds))
	l.protectedMode.Store(c.ProtectedMode)
	l.psHard.Store(c.pubsubLimit.Hard)
	l.psSoft.Store(c.pubsubLimit.Soft)
	l.psSoftSeconds.Store(int64(c.pubsubLimit.SoftSeconds))
	l.notify.Store(uint32(c.NotifyKeyspaceEvents))
	l.trackingMaxKeys.Store(int64(c.TrackingTableMaxKeys))
	l.minReplicas.Store(c.MinReplicasToWrite > 0 && c.MinReplicasMaxLag > 0)
}

// ACL returns the server's users; the acl module reaches it through the
// acl.Provider interface.
func (s *Server) ACL() *acl.Store { return s.acl }

var _ acl.Provider = (*Server)(nil)

// Authenticate implements core.Server for AUTH and HELLO ... AUTH.
func (s *Server) Authenticate(c *core.Client, user, pass string) error {
	if _, err := s.acl.Authenticate(user, pass); err != nil {
		s.acl.Log(acl.LogEntry{Reason: "auth", Context: "toplevel", Object: "AUTH", Username: user, ClientInfo: s.clientInfo(c)})
		return err
	}
	c.SetUser(user)
	c.SetAuthenticated(true)
	return nil
}

// ResetAuth implements core.Server for RESET: the client becomes the
// default user, authenticated only when that user needs no password.
func (s *Server) ResetAuth(c *core.Client) {
	c.SetUser("default")
	c.SetAuthenticated(!s.acl.DefaultNeedsAuth())
}

func (s *Server) clientInfo(c *core.Client) string {
	return "id=" + itoa(c.ID) + " addr=" + c.Addr + " laddr=" + c.LocalAddr + " user=" + c.User()
}

// setupACL creates the users: the aclfile's when there is one, and the
// default user's requirepass.
func (s *Server) setupACL() error {
	s.acl = acl.NewStore(s.reg)
	s.acl.OnRemove = s.disconnectUsers
	s.acl.OnChannelsRevoked = s.disconnectRevokedSubscribers
	s.acl.PubsubDefaultAll.Store(s.cfg.ACLPubsubDefaultAll)
	cfg := s.cfg
	if cfg.ACLFile != "" {
		if err := s.acl.LoadFile(cfg.ACLFile); err != nil {
			return err
		}
	}
	if cfg.RequirePass != "" {
		s.acl.SetRequirePass(cfg.RequirePass)
	}
	return nil
}

// disconnectUsers closes the clients authenticated as users that were
// deleted, as Redis does.
func (s *Server) disconnectUsers(names []string) {
	gone := map[string]bool{}
	for _, n := range names {
		gone[n] = true
	}
	for _, c := range s.connList() {
		if gone[c.client.User()] {
			// Out of CLIENT LIST at once, as in Redis.
			s.KillClient(c.client.ID)
		}
	}
}

// disconnectRevokedSubscribers closes the clients of user u subscribed to
// a channel, pattern or shard channel u may no longer use, as Redis 7.0
// does when ACL SETUSER takes channel permissions away.
func (s *Server) disconnectRevokedSubscribers(u *acl.User) {
	for _, c := range s.connList() {
		if c.client.User() != u.Name || !c.client.Subscribed() {
			continue
		}
		subs := s.ps.SubscribedNames(c.client)
		revoked := false
		for kind, names := range subs {
			for _, n := range names {
				if !u.CanUseChannel([]byte(n), core.SubKind(kind) == core.SubPattern) {
					revoked = true
				}
			}
		}
		if revoked {
			s.KillClient(c.client.ID)
		}
	}
}

// ACLFile implements acl.Provider: the file of ACL LOAD and ACL SAVE.
func (s *Server) ACLFile() string { return s.Config().ACLFile }

// deniedMessage is Redis's reply to a client refused by protected mode.
const deniedMessage = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

// protectedRefuses reports whether protected mode refuses a client: it is on,
// the default user has no password, and the client is neither on a loopback
// address nor on a unix socket.
func (s *Server) protectedRefuses(nc net.Conn) bool {
	if !s.limits.protectedMode.Load() || !s.acl.DefaultNoPass() {
		return false
	}
	return !isLocal(nc.RemoteAddr())
}

func isLocal(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	case nil:
		return false
	}
	// Other listeners (an in-process pipe) are local unless they name a
	// non-loopback IP address.
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		host = a.String()
	}
	ip := net.ParseIP(host)
	return ip == nil || ip.IsLoopback()
}

// checkAccess applies authentication and ACL to a command about to run:
// NOAUTH for an unauthenticated client, NOPERM for a command or key the
// user may not use. ok is false when the connection must close (its user
// was deleted).
func (c *conn) checkAccess(cmd *registry.Cmd, args [][]byte) (err error, ok bool) {
	s := c.srv
	if !c.client.Authenticated() && s.acl.DefaultNeedsAuth() {
		if !cmd.Spec.Flags.Has(core.FlagNoAuth) {
			return core.ErrNoAuth, true
		}
		return nil, true
	}
	u := c.aclUser()
	if u == nil {
		return nil, false
	}
	if c.unrestricted {
		return nil, true
	}
	c.keyIdx = cmd.Spec.KeyIndexes(args, c.keyIdx[:0])
	if d := s.acl.Check(u, cmd, args, c.keyIdx); d != nil {
		where := "toplevel"
		if c.client.InMulti() {
			where = "multi"
		}
		s.acl.Log(acl.LogEntry{Reason: d.Reason, Context: where, Object: d.Object, Username: u.Name, ClientInfo: s.clientInfo(c.client)})
		return core.NewError(d.Error()), true
	}
	return nil, true
}

// mayRunAnything reports, in a few loads, whether checkAccess would allow
// any command: the client is authenticated as the user aclUser cached,
// the users have not changed since, and that user is unrestricted.
func (c *conn) mayRunAnything() bool {
	return c.unrestricted && c.client.Authenticated() && c.userGen == c.srv.acl.Generation() && c.client.User() == c.user.Name
}

// aclUser returns the client's user, cached until the users change.
func (c *conn) aclUser() *acl.User {
	s := c.srv
	gen := s.acl.Generation()
	name := c.client.User()
	if c.user == nil || gen != c.userGen || name != c.user.Name {
		c.user = s.acl.User(name)
		c.userGen = gen
		c.unrestricted = c.user != nil && c.user.Unrestricted()
	}
	return c.user
}

func itoa(n int64) string { return string(core.FormatInt(n)) }

// checkOutputLimit applies client-output-buffer-limit to the replies about
// to be written. Replies are written by the client's own goroutine after the
// command's locks are released, so a client that does not read blocks only
// itself, holding at most one pipeline's replies; the limits bound that too.
// Over the hard limit the client is closed at once; over the soft limit the
// write must complete within the soft seconds. It reports whether to write.
func (c *conn) checkOutputLimit() bool {
	lim := &c.srv.limits
	n := int64(c.w.Len())
	if hard := lim.outHard.Load(); hard > 0 && n > hard {
		c.srv.log.Warn("client closed for overcoming of output buffer limits", "client", c.client.Addr, "bytes", n)
		return false
	}
	soft := lim.outSoft.Load()
	if soft > 0 && n > soft {
		secs := max(lim.outSoftSeconds.Load(), 1)
		c.nc.SetWriteDeadline(time.Now().Add(time.Duration(secs) * time.Second))
		c.softDeadline = true
	} else if c.softDeadline {
		c.nc.SetWriteDeadline(time.Time{})
		c.softDeadline = false
	}
	return true
}
