// Package acl provides AUTH and the ACL command family: users with
// passwords, command permissions by name and by category, and key patterns,
// as Redis 7.0 has them. The users live in the host (package
// github.com/redmod/redmod/acl), which checks every command against them;
// this module only shows and changes them. Import it for its side effect:
//
//	import _ "github.com/redmod/redmod/modules/acl"
package acl

import (
	"crypto/rand"
	"encoding/hex"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/redmod/redmod/acl"
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the acl module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "acl" }

var adminFlags = core.FlagAdmin | core.FlagNoScript | core.FlagLoading | core.FlagStale

func sub(name string, arity int, flags core.Flags, summary string, run func(*core.Ctx) error, args ...core.Arg) core.Command {
	return core.NewCommand(core.Spec{Name: name, Arity: arity, Flags: flags, Group: "server", Summary: summary, Since: "6.0.0", Args: args}, run)
}

func str(name string) core.Arg { return core.Arg{Name: name, Type: core.ArgString} }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commandList()) }

func commandList() []core.Command {
	return []core.Command{
		core.NewCommand(core.Spec{
			Name: "auth", Arity: -2, Group: "connection", Categories: []string{"connection"},
			Flags:   core.FlagNoScript | core.FlagLoading | core.FlagStale | core.FlagFast | core.FlagNoAuth | core.FlagAllowBusy,
			Summary: "Authenticate to the server",
			Syntax:  "[username] password",
		}, auth),
		core.NewCommand(core.Spec{
			Name: "acl", Arity: -2, Group: "server",
			Summary: "A container for Access List Control commands",
			Subcommands: []core.Command{
				sub("cat", -2, core.FlagNoScript|core.FlagLoading|core.FlagStale, "List the ACL categories or the commands inside a category", aclCat,
					core.Arg{Name: "categoryname", Type: core.ArgString, Optional: true}),
				sub("deluser", -3, adminFlags, "Remove the specified ACL users and the associated rules", aclDelUser,
					core.Arg{Name: "username", Type: core.ArgString, Multiple: true}),
				sub("dryrun", -4, adminFlags, "Returns whether the user can execute the given command without executing the command.", aclDryRun,
					str("username"), str("command"), core.Arg{Name: "arg", Type: core.ArgString, Optional: true, Multiple: true}),
				sub("genpass", -2, core.FlagNoScript|core.FlagLoading|core.FlagStale, "Generate a pseudorandom secure password to use for ACL users", aclGenPass,
					core.Arg{Name: "bits", Type: core.ArgInteger, Optional: true}),
				sub("getuser", 3, adminFlags, "Get the rules for a specific ACL user", aclGetUser, str("username")),
				sub("help", 2, core.FlagLoading|core.FlagStale, "Show helpful text about the different subcommands", aclHelp),
				sub("list", 2, adminFlags, "List the current ACL rules in ACL config file format", aclList),
				sub("load", 2, adminFlags, "Reload the ACLs from the configured ACL file", aclLoad),
				sub("log", -2, adminFlags, "List latest events denied because of ACLs in place", aclLog,
					core.Arg{Name: "operation", Type: core.ArgOneOf, Optional: true, Args: []core.Arg{
						{Name: "count", Type: core.ArgInteger}, {Name: "reset", Type: core.ArgPureToken, Token: "RESET"}}}),
				sub("save", 2, adminFlags, "Save the current ACL rules in the configured ACL file", aclSave),
				sub("setuser", -3, adminFlags, "Modify or create the rules for a specific ACL user", aclSetUser,
					str("username"), core.Arg{Name: "rule", Type: core.ArgString, Optional: true, Multiple: true}),
				sub("users", 2, adminFlags, "List the username of all the configured ACL users", aclUsers),
				sub("whoami", 2, core.FlagNoScript|core.FlagLoading|core.FlagStale, "Return the name of the user associated to the current connection", aclWhoAmI),
			},
		}, nil),
	}
}

// errNoACL is the reply on a server without ACL support (an embedding host
// that does not implement acl.Provider).
var errNoACL = core.NewError("ERR this server has no ACL support")

func provider(c *core.Ctx) (acl.Provider, error) {
	p, ok := c.Server.(acl.Provider)
	if !ok {
		return nil, errNoACL
	}
	return p, nil
}

func store(c *core.Ctx) (*acl.Store, error) {
	p, err := provider(c)
	if err != nil {
		return nil, err
	}
	return p.ACL(), nil
}

var errAuthNoPassword = core.NewError("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")

func auth(c *core.Ctx) error {
	if len(c.Args) > 3 {
		return core.ErrSyntax
	}
	// The slow log never shows a password, nor the user name beside it.
	c.Redact(1)
	c.Redact(2)
	user, pass := "default", string(c.Args[1])
	if len(c.Args) == 3 {
		user, pass = string(c.Args[1]), string(c.Args[2])
	} else if s, err := store(c); err == nil {
		if d := s.User("default"); d != nil && d.NoPass {
			return errAuthNoPassword
		}
	}
	if err := c.Server.Authenticate(c.Client, user, pass); err != nil {
		return err
	}
	c.WriteOK()
	return nil
}

func aclWhoAmI(c *core.Ctx) error {
	c.WriteBulkString(c.Client.User())
	return nil
}

func aclUsers(c *core.Ctx) error {
	s, err := store(c)
	if err != nil {
		return err
	}
	users := s.Users()
	c.WriteArray(len(users))
	for _, u := range users {
		c.WriteBulkString(u.Name)
	}
	return nil
}

func aclList(c *core.Ctx) error {
	s, err := store(c)
	if err != nil {
		return err
	}
	users := s.Users()
	c.WriteArray(len(users))
	for _, u := range users {
		c.WriteBulkString(s.Describe(u))
	}
	return nil
}

func aclSetUser(c *core.Ctx) error {
	// The slow log shows none of the user's name and rules (passwords).
	for i := 2; i < len(c.Args); i++ {
		c.Redact(i)
	}
	s, err := store(c)
	if err != nil {
		return err
	}
	rules := make([]string, 0, len(c.Args)-3)
	for _, a := range c.Args[3:] {
		rules = append(rules, string(a))
	}
	if err := s.SetUser(string(c.Args[2]), rules); err != nil {
		return err
	}
	c.WriteOK()
	return nil
}

func aclDelUser(c *core.Ctx) error {
	s, err := store(c)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(c.Args)-2)
	for _, a := range c.Args[2:] {
		names = append(names, string(a))
	}
	n, err := s.DelUsers(names)
	if err != nil {
		return err
	}
	c.WriteInt(int64(n))
	return nil
}

func aclGetUser(c *core.Ctx) error {
	s, err := store(c)
	if err != nil {
		return err
	}
	u := s.User(string(c.Args[2]))
	if u == nil {
		c.WriteNull()
		return nil
	}
	c.WriteMap(6)
	c.WriteBulkString("flags")
	flags := u.Flags()
	c.WriteSet(len(flags))
	for _, f := range flags {
		c.WriteBulkString(f)
	}
	c.WriteBulkString("passwords")
	c.WriteArray(len(u.Passwords))
	for _, p := range u.Passwords {
		c.WriteBulkString(p)
	}
	c.WriteBulkString("commands")
	c.WriteBulkString(s.CommandsRule(u))
	c.WriteBulkString("keys")
	c.WriteBulkString(u.KeysRule())
	c.WriteBulkString("channels")
	c.WriteBulkString(u.ChannelsRule())
	c.WriteBulkString("selectors")
	c.WriteArray(0)
	return nil
}

// subSyntax is Redis's reply to a subcommand called with too many
// arguments that its own handler rejects.
func subSyntax(c *core.Ctx) error {
	return core.NewError("ERR unknown subcommand or wrong number of arguments for '" + string(c.Args[1]) + "'. Try ACL HELP.")
}

func aclCat(c *core.Ctx) error {
	if len(c.Args) > 3 {
		return subSyntax(c)
	}
	// Modules' own categories are listed after Redis's.
	cats := registryOf(c).ACLCategories()
	if len(c.Args) == 2 {
		c.WriteStrings(cats)
		return nil
	}
	cat := core.AppendLower(nil, c.Args[2])
	if !slices.Contains(cats, string(cat)) {
		return core.NewError("ERR Unknown category '" + string(c.Args[2]) + "'")
	}
	var names []string
	reg := registryOf(c)
	for _, cmd := range reg.Commands() {
		for _, x := range append([]*registry.Cmd{cmd}, cmd.Subcommands()...) {
			for _, k := range x.Spec.ACLCategories() {
				if k[1:] == string(cat) {
					names = append(names, x.FullName)
					break
				}
			}
		}
	}
	sort.Strings(names)
	c.WriteStrings(names)
	return nil
}

func registryOf(c *core.Ctx) *registry.Registry {
	if h, ok := c.Server.(interface{ Registry() *registry.Registry }); ok {
		return h.Registry()
	}
	return registry.Default
}

func aclDryRun(c *core.Ctx) error {
	s, err := store(c)
	if err != nil {
		return err
	}
	u := s.User(string(c.Args[2]))
	if u == nil {
		return core.NewError("ERR User '" + string(c.Args[2]) + "' not found")
	}
	args := c.Args[3:]
	cmd := registryOf(c).Lookup(args[0])
	if cmd == nil {
		return core.NewError("ERR Command '" + string(args[0]) + "' not found")
	}
	if cmd.Spec.Subcommands != nil && len(args) >= 2 {
		if sub := cmd.Sub(args[1]); sub != nil {
			cmd = sub
		}
	}
	if !arityOK(cmd.Spec.Arity, len(args)) {
		return core.ErrArity(cmd.FullName)
	}
	d := s.Check(u, cmd, args, cmd.Spec.KeyIndexes(args, nil))
	switch {
	case d == nil:
		c.WriteOK()
	case d.Reason == "key":
		c.WriteBulkString("This user has no permissions to access the '" + d.Object + "' key")
	default:
		c.WriteBulkString("This user has no permissions to run the '" + d.Object + "' command")
	}
	return nil
}

func arityOK(arity, n int) bool {
	if arity > 0 {
		return n == arity
	}
	return n >= -arity
}

func aclGenPass(c *core.Ctx) error {
	bits := int64(256)
	if len(c.Args) > 3 {
		return subSyntax(c)
	}
	if len(c.Args) == 3 {
		n, ok := core.ParseInt(c.Args[2])
		if !ok {
			return core.ErrNotInteger
		}
		if n <= 0 || n > 4096 {
			return core.NewError("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
		}
		bits = n
	}
	chars := int((bits + 3) / 4)
	b := make([]byte, (chars+1)/2)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	c.WriteBulkString(hex.EncodeToString(b)[:chars])
	return nil
}

func aclLog(c *core.Ctx) error {
	s, err := store(c)
	if err != nil {
		return err
	}
	if len(c.Args) > 3 {
		return subSyntax(c)
	}
	n := 10
	if len(c.Args) == 3 {
		if core.EqualFold(c.Args[2], "reset") {
			s.ResetLog()
			c.WriteOK()
			return nil
		}
		v, ok := core.ParseInt(c.Args[2])
		if !ok {
			return core.ErrNotInteger
		}
		n = int(min(max(v, math.MinInt32), math.MaxInt32))
		if n < 0 {
			n = 0
		}
	}
	entries := s.LogEntries(n)
	now := time.Now()
	c.WriteArray(len(entries))
	for _, e := range entries {
		c.WriteMap(7)
		c.WriteBulkString("count")
		c.WriteInt(int64(e.Count))
		c.WriteBulkString("reason")
		c.WriteBulkString(e.Reason)
		c.WriteBulkString("context")
		c.WriteBulkString(e.Context)
		c.WriteBulkString("object")
		c.WriteBulkString(e.Object)
		c.WriteBulkString("username")
		c.WriteBulkString(e.Username)
		c.WriteBulkString("age-seconds")
		c.WriteDouble(float64(now.Sub(e.Created).Milliseconds()) / 1000)
		c.WriteBulkString("client-info")
		c.WriteBulkString(e.ClientInfo)
	}
	return nil
}

func aclLoad(c *core.Ctx) error {
	p, file, err := aclFileOf(c)
	if err != nil {
		return err
	}
	if err := p.ACL().LoadFile(file); err != nil {
		return core.NewError("ERR " + err.Error())
	}
	c.WriteOK()
	return nil
}

// aclFileOf returns the ACL provider and its aclfile, which ACL LOAD and
// SAVE need; without a file they answer as Redis does.
func aclFileOf(c *core.Ctx) (acl.Provider, string, error) {
	p, err := provider(c)
	if err != nil {
		return nil, "", err
	}
	file := p.ACLFile()
	if file == "" {
		return nil, "", acl.ErrNoACLFile
	}
	return p, file, nil
}

func aclSave(c *core.Ctx) error {
	p, file, err := aclFileOf(c)
	if err != nil {
		return err
	}
	if err := p.ACL().SaveFile(file); err != nil {
		c.Log.Warn("ACL SAVE failed", "file", file, "error", err)
		return core.NewError("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
	}
	c.WriteOK()
	return nil
}

func aclHelp(c *core.Ctx) error {
	lines := []string{
		"ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CAT [<category>]",
		"    List all commands that belong to <category>, or all command categories",
		"    when no category is specified.",
		"DELUSER <username> [<username> ...]",
		"    Delete a list of users.",
		"DRYRUN <username> <command> [<arg> ...]",
		"    Returns whether the user can execute the given command without executing the command.",
		"GETUSER <username>",
		"    Get the user's details.",
		"GENPASS [<bits>]",
		"    Generate a secure 256-bit user password. The optional `bits` argument can",
		"    be used to specify a different size.",
		"LIST",
		"    Show users details in config file format.",
		"LOAD",
		"    Reload users from the ACL file.",
		"LOG [<count> | RESET]",
		"    Show the ACL log entries.",
		"SAVE",
		"    Save the current config to the ACL file.",
		"SETUSER <username> <attribute> [<attribute> ...]",
		"    Create or modify a user with the specified attributes.",
		"USERS",
		"    List all the registered usernames.",
		"WHOAMI",
		"    Return the current connection username.",
		"HELP",
		"    Prints this help.",
	}
	c.WriteArray(len(lines))
	for _, l := range lines {
		c.WriteSimple(l)
	}
	return nil
}
