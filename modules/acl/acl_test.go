package acl_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

func dial(t *testing.T, addr string) *resp.Conn {
	t.Helper()
	c, err := resp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func expect(t *testing.T, c *resp.Conn, want string, args ...string) {
	t.Helper()
	r, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	if r.Raw != want {
		t.Errorf("%q: got %q, want %q", args, r.Raw, want)
	}
}

const (
	noAuth    = "-NOAUTH Authentication required.\r\n"
	wrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
)

func TestRequirePass(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.RequirePass = "secret" }))
	c := dial(t, srv.Addr())
	// Unknown-command and arity errors come before NOAUTH, as in Redis.
	expect(t, c, "-ERR unknown command 'nosuch', with args beginning with: \r\n", "nosuch")
	expect(t, c, "-ERR wrong number of arguments for 'get' command\r\n", "get")
	expect(t, c, noAuth, "get", "a")
	expect(t, c, noAuth, "config", "get", "requirepass")
	expect(t, c, "-ERR wrong number of arguments for 'auth' command\r\n", "auth")
	expect(t, c, "-ERR syntax error\r\n", "auth", "a", "b", "c")
	expect(t, c, wrongPass, "auth", "wrong")
	expect(t, c, wrongPass, "auth", "default", "wrong")
	expect(t, c, wrongPass, "auth", "nosuchuser", "secret")
	expect(t, c, "+OK\r\n", "auth", "secret")
	expect(t, c, "$-1\r\n", "get", "a")
	expect(t, c, "$7\r\ndefault\r\n", "acl", "whoami")
	// QUIT is allowed before AUTH.
	c2 := dial(t, srv.Addr())
	expect(t, c2, "+OK\r\n", "quit")

	// go-redis authenticates with the password option.
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Password: "secret"})
	defer rdb.Close()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	bad := redis.NewClient(&redis.Options{Addr: srv.Addr(), Password: "nope", MaxRetries: -1})
	defer bad.Close()
	if err := bad.Get(ctx, "k").Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Fatalf("wrong password: got %v", err)
	}

	// Removing the password lets new clients in; clients connected while
	// there was none stay in when one is set again.
	expect(t, c, "+OK\r\n", "config", "set", "requirepass", "")
	c3 := dial(t, srv.Addr())
	expect(t, c3, "$1\r\nv\r\n", "get", "k")
	expect(t, c3, "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n", "auth", "x")
	expect(t, c3, "+OK\r\n", "auth", "default", "anything")
	expect(t, c, "+OK\r\n", "config", "set", "requirepass", "new")
	expect(t, c3, "$1\r\nv\r\n", "get", "k")
	c4 := dial(t, srv.Addr())
	expect(t, c4, noAuth, "get", "k")
	expect(t, c4, "+OK\r\n", "auth", "new")
	expect(t, c4, "*2\r\n$11\r\nrequirepass\r\n$3\r\nnew\r\n", "config", "get", "requirepass")
}

func TestUnauthenticatedLimits(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.RequirePass = "secret" }))
	for _, tc := range []struct{ in, want string }{
		{"*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n"},
		{"*1\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n"},
	} {
		c := dial(t, srv.Addr())
		if err := c.Write([]byte(tc.in)); err != nil {
			t.Fatal(err)
		}
		r, err := c.Read()
		if err != nil || r.Raw != tc.want {
			t.Errorf("%q: got %q (%v), want %q", tc.in, r.Raw, err, tc.want)
		}
		if _, err := c.ReadTimeout(2 * time.Second); err == nil {
			t.Errorf("%q: connection stayed open", tc.in)
		}
	}
	// After AUTH the normal limits apply.
	c := dial(t, srv.Addr())
	expect(t, c, "+OK\r\n", "auth", "secret")
	big := strings.Repeat("x", 20000)
	expect(t, c, "+OK\r\n", "set", "k", big)
	expect(t, c, ":0\r\n", "exists", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "l")
}

func TestUsersAndPermissions(t *testing.T) {
	srv := redmodtest.Run(t)
	admin := dial(t, srv.Addr())
	expect(t, admin, "+OK\r\n", "acl", "setuser", "app", "on", ">pw", "~app:*", "%R~shared:*", "+@all", "-@dangerous")
	expect(t, admin, "+OK\r\n", "set", "shared:x", "1")
	c := dial(t, srv.Addr())
	expect(t, c, "+OK\r\n", "auth", "app", "pw")
	expect(t, c, "$3\r\napp\r\n", "acl", "whoami")
	expect(t, c, "+OK\r\n", "set", "app:1", "v")
	expect(t, c, "$1\r\n1\r\n", "get", "shared:x")
	keyErr := "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"
	expect(t, c, keyErr, "set", "shared:x", "2")
	expect(t, c, keyErr, "get", "other")
	expect(t, c, keyErr, "del", "app:1", "other")
	expect(t, c, "-NOPERM this user has no permissions to run the 'flushall' command\r\n", "flushall")
	expect(t, c, "-NOPERM this user has no permissions to run the 'config|set' command\r\n", "config", "set", "timeout", "0")
	// Arity errors come before permission errors.
	expect(t, c, "-ERR wrong number of arguments for 'config|set' command\r\n", "config", "set", "timeout")
	// The denials are logged.
	r, err := admin.Do("acl", "log", "1")
	if err != nil || len(r.Elems) != 1 || !strings.Contains(r.Raw, "config|set") {
		t.Errorf("ACL LOG 1: %v %v", r, err)
	}
	expect(t, admin, "+OK\r\n", "acl", "log", "reset")
	expect(t, admin, "*0\r\n", "acl", "log")

	// Permissions change for connected clients at once.
	expect(t, admin, "+OK\r\n", "acl", "setuser", "app", "-get")
	expect(t, c, "-NOPERM this user has no permissions to run the 'get' command\r\n", "get", "app:1")
	// A disabled user cannot authenticate.
	expect(t, admin, "+OK\r\n", "acl", "setuser", "app", "off")
	c2 := dial(t, srv.Addr())
	expect(t, c2, wrongPass, "auth", "app", "pw")
	// Deleting a user disconnects its clients.
	expect(t, admin, ":1\r\n", "acl", "deluser", "app", "nosuch")
	if _, err := c.Do("ping"); err == nil {
		t.Error("client of a deleted user is still connected")
	}
	expect(t, admin, "*1\r\n$7\r\ndefault\r\n", "acl", "users")
}

func TestDefaultUserOff(t *testing.T) {
	srv := redmodtest.Run(t)
	admin := dial(t, srv.Addr())
	expect(t, admin, "+OK\r\n", "acl", "setuser", "root", "on", ">root", "allkeys", "allcommands")
	expect(t, admin, "+OK\r\n", "acl", "setuser", "default", "off")
	c := dial(t, srv.Addr())
	expect(t, c, noAuth, "ping")
	expect(t, c, wrongPass, "auth", "default", "x")
	expect(t, c, "+OK\r\n", "auth", "root", "root")
	expect(t, c, "+PONG\r\n", "ping")
}

func TestACLFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.acl")
	if err := os.WriteFile(file, []byte("# users\nuser alice on >wonder ~a:* +get +set\n\nuser default on nopass ~* &* +@all\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.ACLFile = file }))
	c := dial(t, srv.Addr())
	expect(t, c, "+OK\r\n", "auth", "alice", "wonder")
	expect(t, c, "+OK\r\n", "set", "a:1", "x")
	admin := dial(t, srv.Addr())
	expect(t, admin, "+OK\r\n", "acl", "setuser", "bob", "on", "nopass", "+ping")
	expect(t, admin, "+OK\r\n", "acl", "save")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := "user alice on #" + sha("wonder") + " ~a:* resetchannels -@all +get +set\n" +
		"user bob on nopass resetchannels -@all +ping\n" +
		"user default on nopass ~* &* +@all\n"
	if string(data) != want {
		t.Errorf("ACL SAVE wrote\n%s\nwant\n%s", data, want)
	}
	// A broken file changes nothing.
	os.WriteFile(file, []byte("user carol on +nosuch\n"), 0o600)
	expect(t, admin, "-ERR "+file+":1: Error in applying operation '+nosuch': Unknown command or category name in ACL. WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n", "acl", "load")
	os.WriteFile(file, []byte("bogus\n"), 0o600)
	expect(t, admin, "-ERR "+file+":1 should start with user keyword followed by the username. WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n", "acl", "load")
	// Loading replaces the users and disconnects their clients.
	os.WriteFile(file, []byte("user carol on >c +@all ~*\n"), 0o600)
	expect(t, admin, "+OK\r\n", "acl", "load")
	expect(t, admin, "*2\r\n$5\r\ncarol\r\n$7\r\ndefault\r\n", "acl", "users")
	if _, err := c.Do("ping"); err == nil {
		t.Error("client of a replaced user is still connected")
	}
	os.Remove(file)
	expect(t, admin, "-ERR Error loading ACLs, opening file '"+file+"': No such file or directory\r\n", "acl", "load")

	// A server with a broken ACL file does not start.
	os.WriteFile(file, []byte("user x on +nosuch\n"), 0o600)
	cfg := host.DefaultConfig()
	cfg.DBFilename, cfg.ACLFile = "", file
	if _, err := host.New(cfg, nil); err == nil {
		t.Error("server started with a broken ACL file")
	}
}

func sha(s string) string {
	return aclHash(s)
}

func TestProtocolThree(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.RequirePass = "secret" }))
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Password: "secret", Protocol: 3})
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		var e redis.Error
		if !errors.As(err, &e) {
			t.Fatal(err)
		}
		t.Fatal(err)
	}
}

// TestDifferential compares the ACL commands' replies with Redis.
func TestDifferential(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, cmd := range [][]string{
		{"acl", "list"},
		{"acl", "getuser", "default"},
		{"acl", "setuser", "u", "on", ">p1", "#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", "~foo*", "%R~bar*", "%W~baz", "+@all", "-@dangerous", "+get", "-config|set"},
		{"acl", "getuser", "u"},
		{"acl", "setuser", "v", "+get", "+set", "-get"},
		{"acl", "setuser", "w", "allkeys", "allcommands"},
		{"acl", "setuser", "x", "nopass", "~*", "+config|get"},
		{"acl", "setuser", "k1", "allkeys", "~foo"},
		{"acl", "setuser", "k2", "~foo", "~*", "%R~x"},
		{"acl", "setuser", "k3", "%R~*"},
		{"acl", "setuser", "k4", "%RW~a", "%X~c"},
		{"acl", "setuser", "k5", "%R~a", "%W~a"},
		{"acl", "setuser", "k6", ">a", ">a", "<b"},
		{"acl", "setuser", "k7", "nopass", ">x"},
		{"acl", "setuser", "k8", ">x", "nopass"},
		{"acl", "setuser", "k9", ">x", "resetpass", "on"},
		{"acl", "setuser", "k10", "&foo", "allchannels", "~a", "resetkeys", "~b"},
		{"acl", "setuser", "k11", "reset"},
		{"acl", "setuser", "k12", "+config"},
		{"acl", "setuser", "k13", "+config", "-config|get"},
		{"acl", "setuser", "k14", "+@all", "-config", "+config|get"},
		{"acl", "setuser", "k15", "+get", "!" + strings.Repeat("a", 64)},
		{"acl", "setuser", "k15", "#abc"},
		{"acl", "setuser", "k15", "badrule"},
		{"acl", "setuser", "k15", "+nosuch"},
		{"acl", "setuser", "k15", "+@nosuch"},
		{"acl", "setuser", "k15", "-@all", "+@hash"},
		{"acl", "list"},
		{"acl", "users"},
		{"acl", "getuser", "nosuch"},
		{"acl", "getuser", "k5"},
		{"acl", "deluser", "nosuch", "default"},
		{"acl", "deluser", "k1", "k2", "k3", "nosuch"},
		{"acl", "whoami"},
		{"acl", "whoami", "x"},
		{"acl", "cat"},
		{"acl", "cat", "nosuch"},
		{"acl", "cat", "a", "b"},
		{"acl", "genpass", "1", "2"},
		{"acl", "log", "1", "2"},
		{"acl", "dryrun", "u", "get", "bar"},
		{"acl", "dryrun", "u", "get", "foo1"},
		{"acl", "dryrun", "u", "set", "bar1", "v"},
		{"acl", "dryrun", "u", "flushall"},
		{"acl", "dryrun", "u", "config", "set", "a", "b"},
		{"acl", "dryrun", "u", "nosuch"},
		{"acl", "dryrun", "u", "get"},
		{"acl", "dryrun", "nouser", "get", "a"},
		{"acl", "genpass", "0"},
		{"acl", "genpass", "4097"},
		{"acl", "log", "x"},
		{"acl", "help"},
		{"acl"},
		{"acl", "foo"},
		{"auth", "x"},
		{"auth", "a", "b", "c"},
		{"auth", "nosuch", "x"},
		{"auth", "default", "whatever"},
		{"acl", "load"},
		{"acl", "save"},
	} {
		p.Check(cmd...)
	}
	o, r := p.Do("acl", "genpass")
	if len(o.Str) != len(r.Str) {
		t.Errorf("ACL GENPASS: %q vs %q", o.Str, r.Str)
	}
	o, r = p.Do("acl", "genpass", "5")
	if len(o.Str) != len(r.Str) {
		t.Errorf("ACL GENPASS 5: %q vs %q", o.Str, r.Str)
	}
}

// TestHelloAndReset checks HELLO ... AUTH and RESET against a password.
func TestHelloAndReset(t *testing.T) {
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.RequirePass = "secret" }))
	c := dial(t, srv.Addr())
	r, err := c.Do("hello", "3")
	if err != nil || !strings.HasPrefix(r.Raw, "-NOAUTH HELLO must be called with the client already authenticated") {
		t.Fatalf("HELLO 3 before AUTH: %q %v", r.Raw, err)
	}
	expect(t, c, wrongPass, "hello", "2", "auth", "default", "wrong")
	r, err = c.Do("hello", "2", "auth", "default", "secret")
	if err != nil || r.Kind != '*' {
		t.Fatalf("HELLO 2 AUTH: %q %v", r.Raw, err)
	}
	expect(t, c, "$-1\r\n", "get", "k")
	expect(t, c, "+RESET\r\n", "reset")
	expect(t, c, noAuth, "get", "k")
}
