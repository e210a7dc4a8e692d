// Package acl holds redmod's users and their permissions, as Redis 7.0's ACL
// does: passwords, on/off, allowed commands by name and by category, and key
// patterns with read/write permissions. The host checks every command against
// the client's user; the acl module's ACL and AUTH commands change and show
// the users. Categories come from each command's metadata
// (core.Spec.ACLCategories), so the commands of any module are covered.
package acl

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// Permission is what a key pattern allows.
type Permission uint8

// Key permissions of a pattern: ~ grants both, %R~ read, %W~ write.
const (
	Read Permission = 1 << iota
	Write
)

// KeyPattern is one key pattern of a user.
type KeyPattern struct {
	Perm    Permission
	Pattern string
	pat     *core.Pattern
}

func (k KeyPattern) String() string {
	switch k.Perm {
	case Read:
		return "%R~" + k.Pattern
	case Write:
		return "%W~" + k.Pattern
	}
	return "~" + k.Pattern
}

// User is one ACL user. A User is never changed once published: SETUSER
// builds a new one, so a command can check permissions without a lock.
type User struct {
	Name      string
	Enabled   bool
	NoPass    bool
	Sanitize  bool     // the sanitize-payload flag that "reset" sets
	Passwords []string // SHA-256 hex digests, in the order they were added

	cmds        []uint64 // bit per command index of the store
	future      bool     // +@all: commands added later are allowed too
	AllKeys     bool
	Keys        []KeyPattern
	AllChannels bool
	Channels    []string
}

// Errors of permission checks, with Redis's text.
var (
	// ErrWrongPass is the reply to a failed AUTH.
	ErrWrongPass     = core.ErrWrongPass
	errNoPermKey     = core.NewError("NOPERM this user has no permissions to access one of the keys used as arguments")
	errNoPermChannel = core.NewError("NOPERM this user has no permissions to access one of the channels used as arguments")
)

// ErrNoPermCommand is the reply to a command the user may not run.
func ErrNoPermCommand(fullName string) *core.Error {
	return core.NewError("NOPERM this user has no permissions to run the '" + fullName + "' command")
}

// Denial describes why a permission check failed.
type Denial struct {
	// Reason is "command" or "key".
	Reason string
	// Object is the command's full name or the key.
	Object string
}

// Error returns the reply the client receives.
func (d *Denial) Error() string {
	switch d.Reason {
	case "key":
		return errNoPermKey.Error()
	case "channel":
		return errNoPermChannel.Error()
	}
	return ErrNoPermCommand(d.Object).Error()
}

// Store holds the users. Reads (one per command) are lock-free; changes are
// serialised and publish a new map.
type Store struct {
	reg    *registry.Registry
	cmds   []*registry.Cmd       // every command and subcommand, by index
	index  map[*registry.Cmd]int // the reverse of cmds
	byName map[string]*registry.Cmd
	cats   []string // the registry's ACL categories, modules' own included

	log   logState
	mu    sync.Mutex // serialises changes
	users atomic.Pointer[map[string]*User]
	gen   atomic.Uint64
	// needsAuth caches DefaultNeedsAuth, which the host asks for every
	// command of an unauthenticated client and at every accept.
	needsAuth atomic.Bool
	// defaultNoPass caches whether the default user is nopass, which
	// protected mode asks at every accept.
	defaultNoPass atomic.Bool
	// PubsubDefaultAll is acl-pubsub-default: new users get every channel
	// (allchannels) rather than none (resetchannels, Redis 7.0's default).
	PubsubDefaultAll atomic.Bool
	// OnRemove is called with the names of users that were deleted or
	// replaced by a load, so the host can disconnect their clients.
	OnRemove func(names []string)
	// OnChannelsRevoked is called after ACL SETUSER took channel
	// permissions from an existing user, with the user as it now is, so
	// the host can disconnect its clients subscribed to channels they may
	// no longer use, as Redis does.
	OnChannelsRevoked func(u *User)
}

// NewStore returns a store for the commands of reg holding only the default
// user (on, nopass, all keys, all channels, all commands).
func NewStore(reg *registry.Registry) *Store {
	s := &Store{reg: reg, index: map[*registry.Cmd]int{}, byName: map[string]*registry.Cmd{}, cats: reg.ACLCategories()}
	for _, c := range reg.Commands() {
		s.addCmd(c)
		for _, sub := range c.Subcommands() {
			s.addCmd(sub)
		}
	}
	s.publish(map[string]*User{"default": s.defaultUser()})
	return s
}

func (s *Store) addCmd(c *registry.Cmd) {
	s.index[c] = len(s.cmds)
	s.cmds = append(s.cmds, c)
	s.byName[c.FullName] = c
}

func (s *Store) defaultUser() *User {
	u := s.newUser("default")
	u.Enabled, u.NoPass, u.AllKeys, u.AllChannels = true, true, true, true
	s.setAll(u, true)
	return u
}

func (s *Store) newUser(name string) *User {
	return &User{Name: name, cmds: make([]uint64, (len(s.cmds)+63)/64), AllChannels: s.PubsubDefaultAll.Load()}
}

func (s *Store) publish(m map[string]*User) {
	s.users.Store(&m)
	d := m["default"]
	s.needsAuth.Store(d == nil || !d.NoPass || !d.Enabled)
	s.defaultNoPass.Store(d != nil && d.NoPass)
	s.gen.Add(1)
}

// Generation changes whenever a user changes, so callers may cache a User
// until it moves.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// User returns the named user, or nil.
func (s *Store) User(name string) *User { return (*s.users.Load())[name] }

// Users returns every user sorted by name, as ACL LIST and ACL USERS order them.
func (s *Store) Users() []*User {
	m := *s.users.Load()
	out := make([]*User, 0, len(m))
	for _, u := range m {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Hash returns the SHA-256 hex digest Redis stores for a password.
func Hash(pass string) string {
	h := sha256.Sum256([]byte(pass))
	return hex.EncodeToString(h[:])
}

// CheckPassword reports whether pass opens the user: the user is on, and it
// is nopass or pass matches one of its passwords. Both sides are hashed
// first and compared in constant time, so timing reveals nothing about the
// stored passwords.
func (u *User) CheckPassword(pass string) bool {
	if u == nil || !u.Enabled {
		return false
	}
	if u.NoPass {
		return true
	}
	h := sha256.Sum256([]byte(pass))
	ok := 0
	for _, p := range u.Passwords {
		var want [sha256.Size]byte
		if _, err := hex.Decode(want[:], []byte(p)); err != nil {
			continue
		}
		ok |= subtle.ConstantTimeCompare(h[:], want[:])
	}
	return ok == 1
}

// Authenticate checks a user name and password.
func (s *Store) Authenticate(name, pass string) (*User, error) {
	u := s.User(name)
	if !u.CheckPassword(pass) {
		return nil, ErrWrongPass
	}
	return u, nil
}

// DefaultNeedsAuth reports whether clients must authenticate: the default
// user has a password or is off.
func (s *Store) DefaultNeedsAuth() bool { return s.needsAuth.Load() }

// DefaultNoPass reports whether the default user has the nopass flag, the
// condition (with protected-mode) for refusing non-loopback clients.
func (s *Store) DefaultNoPass() bool { return s.defaultNoPass.Load() }

// Unrestricted reports whether the user may run every command on every key,
// which lets the host skip the checks.
func (u *User) Unrestricted() bool {
	if !u.AllKeys || !u.AllChannels || !u.future {
		return false
	}
	for _, w := range u.cmds {
		if w != ^uint64(0) {
			// The last word has unused high bits set too (setAll sets whole words).
			return false
		}
	}
	return true
}

func (u *User) bit(i int) bool { return u.cmds[i/64]&(1<<(i%64)) != 0 }

func (u *User) setBit(i int, on bool) {
	if on {
		u.cmds[i/64] |= 1 << (i % 64)
	} else {
		u.cmds[i/64] &^= 1 << (i % 64)
	}
}

// CanRun reports whether the user may run cmd (a leaf command or
// subcommand). Commands flagged no_auth are always allowed, as in Redis.
func (s *Store) CanRun(u *User, cmd *registry.Cmd) bool {
	if cmd.Spec.Flags.Has(core.FlagNoAuth) {
		return true
	}
	i, ok := s.index[cmd]
	if !ok {
		return u.future
	}
	return u.bit(i)
}

// CanAccess reports whether the user may access key with the given
// permissions.
func (u *User) CanAccess(key []byte, need Permission) bool {
	if u.AllKeys {
		return true
	}
	for _, k := range u.Keys {
		if k.Perm&need == need && k.pat.MatchBytes(key) {
			return true
		}
	}
	return false
}

// KeyPermission returns the permission a command needs on its keys, from
// its key-spec flags as Redis derives it: access needs read; insert,
// update and delete need write.
func KeyPermission(spec *core.Spec) Permission {
	var p Permission
	for _, f := range spec.KeySpecFlags() {
		switch strings.ToLower(f) {
		case "access":
			p |= Read
		case "insert", "update", "delete":
			p |= Write
		}
	}
	return p
}

// Check returns nil when the user may run cmd with args whose keys are at
// keyIdx, or a *Denial.
func (s *Store) Check(u *User, cmd *registry.Cmd, args [][]byte, keyIdx []int) *Denial {
	if !s.CanRun(u, cmd) {
		return &Denial{Reason: "command", Object: cmd.FullName}
	}
	if !u.AllKeys && len(keyIdx) > 0 && !notKeys(cmd.Spec) {
		need := KeyPermission(cmd.Spec)
		for _, i := range keyIdx {
			if !u.CanAccess(args[i], need) {
				return &Denial{Reason: "key", Object: string(args[i])}
			}
		}
	}
	if cs := cmd.Spec.Channels; cs != nil && !u.AllChannels {
		last := cs.Last
		if last < 0 {
			last += len(args)
		}
		for i := cs.First; i <= last && i < len(args); i++ {
			if !u.CanUseChannel(args[i], cs.Pattern) {
				return &Denial{Reason: "channel", Object: string(args[i])}
			}
		}
	}
	return nil
}

// notKeys reports whether the command's key positions are not keys (Redis
// 7.0's not_key flag: shard channels), which key rules do not govern.
func notKeys(spec *core.Spec) bool {
	if len(spec.KeySpecs) == 0 {
		return false
	}
	for _, ks := range spec.KeySpecs {
		if !slices.Contains(ks.Flags, "not_key") {
			return false
		}
	}
	return true
}

// CanUseChannel reports whether the user may publish or subscribe to a
// channel, or subscribe to a pattern (pattern true): a channel must match
// one of the user's channel patterns, a pattern must be one of them.
func (u *User) CanUseChannel(name []byte, pattern bool) bool {
	if u.AllChannels {
		return true
	}
	for _, p := range u.Channels {
		if pattern {
			if p == string(name) {
				return true
			}
		} else if core.CompilePattern([]byte(p)).Match(string(name)) {
			return true
		}
	}
	return false
}

func (s *Store) setAll(u *User, on bool) {
	for i := range u.cmds {
		if on {
			u.cmds[i] = ^uint64(0)
		} else {
			u.cmds[i] = 0
		}
	}
	u.future = on
}

// change sets the bit of a command and, for a container, of all its
// subcommands, as Redis's ACLChangeSelectorPerm does.
func (s *Store) change(u *User, c *registry.Cmd, on bool) {
	u.setBit(s.index[c], on)
	for _, sub := range c.Subcommands() {
		u.setBit(s.index[sub], on)
	}
}

func hasCategory(c *registry.Cmd, cat string) bool {
	for _, x := range c.Spec.ACLCategories() {
		if x[1:] == cat {
			return true
		}
	}
	return false
}

func (s *Store) setCategory(u *User, cat string, on bool) {
	if cat == "all" {
		s.setAll(u, on)
		return
	}
	for _, c := range s.cmds {
		if hasCategory(c, cat) {
			s.change(u, c, on)
		}
	}
}

// Categories returns the ACL categories that rules may name, without '@':
// Redis's, then those the modules' commands declare (registry.ACLCategories).
func (s *Store) Categories() []string { return append([]string(nil), s.cats...) }

// validCategory reports whether cat is a category Redis or a module knows.
func (s *Store) validCategory(cat string) bool {
	return cat == "all" || slices.Contains(s.cats, cat)
}

func (u *User) clone() *User {
	v := *u
	v.cmds = append([]uint64(nil), u.cmds...)
	v.Passwords = append([]string(nil), u.Passwords...)
	v.Keys = append([]KeyPattern(nil), u.Keys...)
	v.Channels = append([]string(nil), u.Channels...)
	return &v
}

// ruleError is the message Redis gives for a rule it cannot apply.
type ruleError struct{ msg string }

func (e *ruleError) Error() string { return e.msg }

var (
	errSyntax          = &ruleError{"Syntax error"}
	errUnknownCmd      = &ruleError{"Unknown command or category name in ACL"}
	errBadHash         = &ruleError{"The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"}
	errNoSuchPass      = &ruleError{"The password you are trying to remove from the user does not exist"}
	errPatternAfterAll = &ruleError{"Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"}
	errChannelAfterAll = &ruleError{"Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"}
	errSubOfPlain      = &ruleError{"Allowing first-arg of a subcommand is not supported"}
)

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// apply applies one rule to u, as ACL SETUSER and the ACL file do.
func (s *Store) apply(u *User, rule string) error {
	low := strings.ToLower(rule)
	switch low {
	case "on":
		u.Enabled = true
		return nil
	case "off":
		u.Enabled = false
		return nil
	case "nopass":
		u.NoPass, u.Passwords = true, nil
		return nil
	case "resetpass":
		u.NoPass, u.Passwords = false, nil
		return nil
	case "allkeys":
		u.AllKeys, u.Keys = true, nil
		return nil
	case "resetkeys":
		u.AllKeys, u.Keys = false, nil
		return nil
	case "allchannels":
		u.AllChannels, u.Channels = true, nil
		return nil
	case "resetchannels":
		u.AllChannels, u.Channels = false, nil
		return nil
	case "allcommands":
		s.setAll(u, true)
		return nil
	case "nocommands":
		s.setAll(u, false)
		return nil
	case "sanitize-payload":
		u.Sanitize = true
		return nil
	case "skip-sanitize-payload":
		u.Sanitize = false
		return nil
	case "reset":
		channels := "resetchannels"
		if s.PubsubDefaultAll.Load() {
			channels = "allchannels"
		}
		for _, r := range []string{"resetpass", "resetkeys", channels, "off", "-@all", "sanitize-payload"} {
			s.apply(u, r)
		}
		return nil
	}
	if rule == "" {
		return errSyntax
	}
	switch rule[0] {
	case '>':
		u.addPassword(Hash(rule[1:]))
		return nil
	case '#':
		if !validHash(rule[1:]) {
			return errBadHash
		}
		u.addPassword(rule[1:])
		return nil
	case '<', '!':
		h := rule[1:]
		if rule[0] == '<' {
			h = Hash(h)
		} else if !validHash(h) {
			return errBadHash
		}
		i := indexOf(u.Passwords, h)
		if i < 0 {
			return errNoSuchPass
		}
		u.Passwords = append(u.Passwords[:i], u.Passwords[i+1:]...)
		return nil
	case '~', '%':
		return u.addKeyPattern(rule)
	case '&':
		if u.AllChannels {
			return errChannelAfterAll
		}
		if rule == "&*" {
			u.AllChannels, u.Channels = true, nil
			return nil
		}
		if indexOf(u.Channels, rule[1:]) < 0 {
			u.Channels = append(u.Channels, rule[1:])
		}
		return nil
	case '+', '-':
		on := rule[0] == '+'
		name := low[1:]
		if strings.HasPrefix(name, "@") {
			if !s.validCategory(name[1:]) {
				return errUnknownCmd
			}
			s.setCategory(u, name[1:], on)
			return nil
		}
		c := s.byName[name]
		if c == nil {
			if i := strings.IndexByte(name, '|'); i > 0 && s.byName[name[:i]] != nil && s.byName[name[:i]].Spec.Subcommands == nil {
				return errSubOfPlain
			}
			return errUnknownCmd
		}
		s.change(u, c, on)
		return nil
	}
	return errSyntax
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func (u *User) addPassword(h string) {
	u.NoPass = false
	if indexOf(u.Passwords, h) < 0 {
		u.Passwords = append(u.Passwords, h)
	}
}

func (u *User) addKeyPattern(rule string) error {
	perm := Read | Write
	pat := rule[1:]
	if rule[0] == '%' {
		tilde := strings.IndexByte(rule, '~')
		if tilde < 0 {
			return errSyntax
		}
		perm = 0
		for _, c := range rule[1:tilde] {
			switch c {
			case 'R', 'r':
				perm |= Read
			case 'W', 'w':
				perm |= Write
			default:
				return errSyntax
			}
		}
		if perm == 0 {
			return errSyntax
		}
		pat = rule[tilde+1:]
	}
	if u.AllKeys {
		return errPatternAfterAll
	}
	if pat == "*" && perm == Read|Write {
		u.AllKeys, u.Keys = true, nil
		return nil
	}
	for i, k := range u.Keys {
		if k.Pattern == pat {
			u.Keys[i].Perm |= perm
			return nil
		}
	}
	u.Keys = append(u.Keys, KeyPattern{Perm: perm, Pattern: pat, pat: core.CompilePattern([]byte(pat))})
	return nil
}

// SetUser applies rules to the named user, creating it when it does not
// exist. Either every rule applies or none does; the error names the rule
// that failed, as Redis's does.
func (s *Store) SetUser(name string, rules []string) error {
	s.mu.Lock()
	m := *s.users.Load()
	old := m[name]
	var u *User
	if old == nil {
		u = s.newUser(name)
	} else {
		u = old.clone()
	}
	for _, r := range rules {
		if err := s.apply(u, r); err != nil {
			s.mu.Unlock()
			return core.NewError("ERR Error in ACL SETUSER modifier '" + r + "': " + err.Error())
		}
	}
	next := make(map[string]*User, len(m)+1)
	for k, v := range m {
		next[k] = v
	}
	next[name] = u
	s.publish(next)
	s.mu.Unlock()
	if old != nil && s.OnChannelsRevoked != nil && channelsRevoked(old, u) {
		s.OnChannelsRevoked(u)
	}
	return nil
}

// channelsRevoked reports whether the change from old to u may take a
// channel from a client: u lacks allchannels and one of old's patterns.
func channelsRevoked(old, u *User) bool {
	if u.AllChannels {
		return false
	}
	if old.AllChannels {
		return true
	}
	for _, p := range old.Channels {
		if indexOf(u.Channels, p) < 0 {
			return true
		}
	}
	return false
}

// ErrDeleteDefault is the reply to an attempt to delete the default user.
var ErrDeleteDefault = core.NewError("ERR The 'default' user cannot be removed")

// DelUsers deletes users and returns how many existed. Their clients are
// disconnected through OnRemove.
func (s *Store) DelUsers(names []string) (int, error) {
	for _, n := range names {
		if n == "default" {
			return 0, ErrDeleteDefault
		}
	}
	s.mu.Lock()
	m := *s.users.Load()
	next := make(map[string]*User, len(m))
	for k, v := range m {
		next[k] = v
	}
	var gone []string
	for _, n := range names {
		if _, ok := next[n]; ok {
			delete(next, n)
			gone = append(gone, n)
		}
	}
	if len(gone) > 0 {
		s.publish(next)
	}
	s.mu.Unlock()
	if len(gone) > 0 && s.OnRemove != nil {
		s.OnRemove(gone)
	}
	return len(gone), nil
}

// SetRequirePass changes the default user as CONFIG SET requirepass does:
// an empty password makes it nopass, another replaces its passwords.
func (s *Store) SetRequirePass(pass string) {
	rules := []string{"resetpass", ">" + pass}
	if pass == "" {
		rules = []string{"nopass"}
	}
	if err := s.SetUser("default", rules); err != nil {
		panic(err) // these rules cannot fail
	}
}

// Flags returns the user's flags as ACL GETUSER lists them.
func (u *User) Flags() []string {
	f := []string{"off"}
	if u.Enabled {
		f[0] = "on"
	}
	if u.NoPass {
		f = append(f, "nopass")
	}
	if u.Sanitize {
		f = append(f, "sanitize-payload")
	}
	return f
}

// KeysRule returns the user's key patterns as ACL LIST shows them.
func (u *User) KeysRule() string {
	if u.AllKeys {
		return "~*"
	}
	parts := make([]string, len(u.Keys))
	for i, k := range u.Keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, " ")
}

// ChannelsRule returns the user's channel patterns as ACL GETUSER shows them.
func (u *User) ChannelsRule() string {
	if u.AllChannels {
		return "&*"
	}
	parts := make([]string, len(u.Channels))
	for i, c := range u.Channels {
		parts[i] = "&" + c
	}
	return strings.Join(parts, " ")
}

// CommandsRule describes the user's command permissions the way Redis 7.0
// does: start from +@all or -@all, add each category that fits better than
// not, then the single commands that still differ.
func (s *Store) CommandsRule(u *User) string {
	fake := s.newUser("")
	var rules []string
	additive := !u.future
	if additive {
		rules = append(rules, "-@all")
	} else {
		rules = append(rules, "+@all")
		s.setAll(fake, true)
	}
	// Greedy fit, as Redis 7.0 does: repeatedly take the category with
	// the fewest differences (then the most matches) that matches more
	// commands than it contradicts; a temporary copy of the user marks the
	// commands a chosen category already explains.
	temp := u.clone()
	cats := s.cats
	applied := make([]bool, len(cats))
	for {
		best, minDiff, maxSame := -1, int(^uint(0)>>1), 0
		for j, cat := range cats {
			if applied[j] {
				continue
			}
			on, off := 0, 0
			for i, c := range s.cmds {
				if hasCategory(c, cat) {
					if temp.bit(i) {
						on++
					} else {
						off++
					}
				}
			}
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < minDiff || diff == minDiff && same > maxSame) {
				best, minDiff, maxSame = j, diff, same
			}
		}
		if best < 0 {
			break
		}
		sign := "-@"
		if additive {
			sign = "+@"
		}
		rules = append(rules, sign+cats[best])
		s.setCategory(fake, cats[best], additive)
		s.setCategory(temp, cats[best], !additive)
		applied[best] = true
	}
	// Single commands, parents before their subcommands, in name order.
	for _, c := range s.reg.Commands() {
		rules = s.diff(u, fake, c, rules)
		for _, sub := range c.Subcommands() {
			rules = s.diff(u, fake, sub, rules)
		}
	}
	return strings.Join(rules, " ")
}

func (s *Store) diff(u, fake *User, c *registry.Cmd, rules []string) []string {
	i := s.index[c]
	if want := u.bit(i); want != fake.bit(i) {
		sign := "-"
		if want {
			sign = "+"
		}
		s.change(fake, c, want)
		rules = append(rules, sign+c.FullName)
	}
	return rules
}

// Describe returns the user's line of ACL LIST and of the ACL file.
func (s *Store) Describe(u *User) string {
	parts := []string{"user", u.Name}
	parts = append(parts, u.Flags()...)
	for _, p := range u.Passwords {
		parts = append(parts, "#"+p)
	}
	if k := u.KeysRule(); k != "" {
		parts = append(parts, k)
	}
	if c := u.ChannelsRule(); c != "" {
		parts = append(parts, c)
	} else {
		parts = append(parts, "resetchannels")
	}
	parts = append(parts, s.CommandsRule(u))
	return strings.Join(parts, " ")
}

// ErrUnknownUser is returned for a user that does not exist.
var ErrUnknownUser = errors.New("no such user")
