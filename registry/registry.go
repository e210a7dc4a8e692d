// Package registry holds the modules a binary contains. Modules register
// themselves from init functions, the way database/sql drivers do; the host
// looks commands up here and COMMAND lists them from here.
package registry

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redmod/redmod/core"
)

// Cmd is a registered command: the command, its spec, where it came from,
// and its call statistics.
type Cmd struct {
	core.Command
	// Spec is the command's metadata, read once at registration.
	Spec *core.Spec
	// FullName is the name errors print: "get", or "config|get".
	FullName string
	// Module is the name of the module that provides the command.
	Module string
	// Parent is the container command of a subcommand.
	Parent *Cmd
	// Index numbers the commands and subcommands of the registry from 0
	// to Registry.NumCmds()-1, in name order: a server keeps its per-command
	// figures (INFO commandstats, latency histograms) in a slice indexed
	// by it, so that servers sharing a registry count apart.
	Index int

	subs map[string]*Cmd
}

// Sub returns the subcommand named by name (any case).
func (c *Cmd) Sub(name []byte) *Cmd {
	if c.subs == nil {
		return nil
	}
	var buf [64]byte
	if len(name) > len(buf) {
		return nil
	}
	return c.subs[string(core.AppendLower(buf[:0], name))]
}

// Subcommands returns the subcommands sorted by name.
func (c *Cmd) Subcommands() []*Cmd {
	out := make([]*Cmd, 0, len(c.subs))
	for _, s := range c.subs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Spec.Name < out[j].Spec.Name })
	return out
}

// Registry is a set of modules and their commands.
type Registry struct {
	mu       sync.RWMutex
	modules  []core.Module
	commands map[string]*Cmd // built from the modules on first use
	errs     []error         // registration errors, reported by Resolve
	resolved atomic.Pointer[map[string]*Cmd]
	// generation counts the tables resolved (Generation).
	generation atomic.Uint64
	numCmds    int // commands and subcommands (Cmd.Index)
}

// New returns an empty registry, for a server with a chosen set of modules.
func New() *Registry { return &Registry{} }

// Default is the registry that modules register into from their init
// functions; a binary contains exactly the modules it imports.
var Default = New()

// Register adds a module to the default registry. Commands are collected
// when the registry is first used, after every init function has run, so a
// module's files may add commands from their own init functions. Mistakes
// do not panic in init: a module name, command name or type name taken
// twice, or a command spec the host cannot honour, stops the server at
// start with a message naming it (see Resolve).
func Register(m core.Module) {
	if err := Default.Add(m); err != nil {
		Default.mu.Lock()
		Default.errs = append(Default.errs, err)
		Default.commands = nil
		Default.resolved.Store(nil)
		Default.mu.Unlock()
	}
}

// Add adds a module and registers its types (core.AddType). A module name
// or a type name already taken is an error, and the module is not added.
func (r *Registry) Add(m core.Module) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.modules {
		if have.Name() == m.Name() {
			return fmt.Errorf("redmod: module %q registered twice", m.Name())
		}
	}
	if tp, ok := m.(core.TypeProvider); ok {
		for _, t := range tp.Types() {
			if err := core.AddType(t); err != nil {
				return fmt.Errorf("%w (module %q)", err, m.Name())
			}
		}
	}
	r.modules = append(r.modules, m)
	r.commands = nil
	r.resolved.Store(nil)
	return nil
}

// Resolve collects the commands of every module and reports a command name
// that two modules (or one module twice) use. The host calls it at start.
func (r *Registry) Resolve() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.resolveLocked()
}

func (r *Registry) resolveLocked() error {
	if r.commands != nil {
		return nil
	}
	if len(r.errs) > 0 {
		return errors.Join(r.errs...)
	}
	all := map[string]*Cmd{}
	for _, m := range r.modules {
		for _, c := range m.Commands() {
			rc, err := newCmd(c, m.Name(), nil)
			if err != nil {
				return err
			}
			if have, dup := all[rc.Spec.Name]; dup {
				return fmt.Errorf("redmod: command %q of module %q is already registered by module %q", rc.Spec.Name, m.Name(), have.Module)
			}
			all[rc.Spec.Name] = rc
		}
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	n := 0
	for _, name := range names {
		c := all[name]
		c.Index = n
		n++
		for _, sub := range c.Subcommands() {
			sub.Index = n
			n++
		}
	}
	r.numCmds = n
	r.commands = all
	r.generation.Add(1)
	r.resolved.Store(&all)
	return nil
}

// Generation identifies the current command table: it changes whenever the
// table is rebuilt (a command added), so that a cache of lookups, such as a
// connection's last command, knows when to look again. Read it before the
// Lookup whose result is cached.
func (r *Registry) Generation() uint64 { return r.generation.Load() }

// NumCmds returns the number of commands and subcommands, the bound of
// Cmd.Index.
func (r *Registry) NumCmds() int {
	r.table()
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.numCmds
}

// table returns the command map, resolving it on first use.
func (r *Registry) table() map[string]*Cmd {
	if t := r.resolved.Load(); t != nil {
		return *t
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.resolveLocked(); err != nil {
		panic(err)
	}
	return r.commands
}

func newCmd(c core.Command, module string, parent *Cmd) (*Cmd, error) {
	spec := c.Spec()
	if spec == nil || spec.Name == "" {
		return nil, fmt.Errorf("redmod: module %q has a command without a name", module)
	}
	if spec.Name != strings.ToLower(spec.Name) {
		return nil, fmt.Errorf("redmod: command name %q must be lower case", spec.Name)
	}
	if err := normalize(spec, module, parent != nil); err != nil {
		return nil, err
	}
	if spec.Arity == 0 {
		return nil, fmt.Errorf("redmod: command %q has arity 0", spec.Name)
	}
	rc := &Cmd{Command: c, Spec: spec, FullName: spec.Name, Module: module, Parent: parent}
	if parent != nil {
		rc.FullName = parent.Spec.Name + "|" + spec.Name
	}
	for _, cat := range spec.Categories {
		cat = strings.TrimPrefix(cat, "@")
		if cat == "" || cat == "all" || cat != strings.ToLower(cat) || strings.ContainsAny(cat, " \t\r\n@|") {
			return nil, fmt.Errorf("redmod: command %q of module %q has an invalid ACL category %q (lower case, one word, not \"all\")", rc.FullName, module, cat)
		}
	}
	if err := checkLocking(rc); err != nil {
		return nil, err
	}
	for _, sc := range spec.Subcommands {
		sub, err := newCmd(sc, module, rc)
		if err != nil {
			return nil, err
		}
		if rc.subs == nil {
			rc.subs = map[string]*Cmd{}
		}
		if _, dup := rc.subs[sub.Spec.Name]; dup {
			return nil, fmt.Errorf("redmod: subcommand %q registered twice", sub.FullName)
		}
		rc.subs[sub.Spec.Name] = sub
	}
	return rc, nil
}

// checkLocking refuses a write command that the host could not lock: one
// with no key positions (FirstKey, or Keys with FlagMovableKeys) and neither
// FlagKeyspace nor FlagNoKeys would run with no lock at all, racing every
// other client, which is almost always a forgotten FirstKey.
// A container command (one with subcommands) is only a name; its
// subcommands are checked instead.
func checkLocking(rc *Cmd) error {
	s := rc.Spec
	if !s.Flags.Has(core.FlagWrite) || len(s.Subcommands) > 0 {
		return nil
	}
	if s.FirstKey > 0 || s.Keys != nil || s.Flags.Has(core.FlagMovableKeys) || s.Flags&(core.FlagKeyspace|core.FlagNoKeys) != 0 {
		return nil
	}
	return fmt.Errorf("redmod: write command %q of module %q declares no keys: set FirstKey/LastKey/Step (or a Keys function with core.FlagMovableKeys), core.FlagKeyspace if it writes the whole keyspace, or core.FlagNoKeys if it changes only its module's own state", rc.FullName, rc.Module)
}

// Lookup finds a command by name, in any case, without allocating.
func (r *Registry) Lookup(name []byte) *Cmd {
	var buf [64]byte
	if len(name) > len(buf) {
		return nil
	}
	lower := core.AppendLower(buf[:0], name)
	return r.table()[string(lower)]
}

// Commands returns every command sorted by name.
func (r *Registry) Commands() []*Cmd {
	t := r.table()
	out := make([]*Cmd, 0, len(t))
	for _, c := range t {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Spec.Name < out[j].Spec.Name })
	return out
}

// ACLCategories returns the ACL categories of the registry's commands,
// without '@': Redis's own in Redis's order (core.ACLCategoryNames), then,
// sorted, the categories that modules declare in Spec.Categories and Redis
// does not know, so that ACL CAT lists them and ACL rules accept them.
func (r *Registry) ACLCategories() []string {
	cats := core.ACLCategoryNames()
	known := map[string]bool{}
	for _, c := range cats {
		known[c] = true
	}
	var extra []string
	for _, c := range r.Commands() {
		for _, x := range append([]*Cmd{c}, c.Subcommands()...) {
			for _, k := range x.Spec.Categories {
				if k = strings.ToLower(strings.TrimPrefix(k, "@")); !known[k] {
					known[k] = true
					extra = append(extra, k)
				}
			}
		}
	}
	sort.Strings(extra)
	return append(cats, extra...)
}

// Len returns the number of top-level commands.
func (r *Registry) Len() int { return len(r.table()) }

// Modules returns the modules in registration order.
func (r *Registry) Modules() []core.Module {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]core.Module(nil), r.modules...)
}

// Select returns a new registry holding only the named modules of r, for a
// server with fewer modules than the binary contains. Unknown names are an
// error.
func (r *Registry) Select(names ...string) (*Registry, error) {
	out := New()
	for _, n := range names {
		var found core.Module
		for _, m := range r.Modules() {
			if m.Name() == n {
				found = m
			}
		}
		if found == nil {
			return nil, fmt.Errorf("redmod: no module %q in this binary", n)
		}
		if err := out.Add(found); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// specMu serialises normalize: registries resolved at the same time (tests)
// share the modules' specs.
var specMu sync.Mutex

// normalize fills, once, what a spec leaves to be derived: the arguments,
// arity and key positions from Spec.Syntax (and, for a write command, the
// key-spec flags RW access update unless KeyFlags says otherwise), and, for
// a command that names
// neither its group nor its categories, its module's name as ACL category
// (so ACL rules can allow or deny the module as a whole: +@mymodule).
func normalize(spec *core.Spec, module string, subcommand bool) error {
	specMu.Lock()
	defer specMu.Unlock()
	if spec.Syntax != "" && (spec.Args == nil || spec.Arity == 0) {
		if err := spec.ApplySyntax(subcommand); err != nil {
			return fmt.Errorf("redmod: module %q: %w", module, err)
		}
	}
	if spec.Syntax != "" && spec.Flags.Has(core.FlagWrite) && spec.KeyFlags == nil && spec.KeySpecs == nil {
		// The general key-spec flags of a command that reads, modifies and
		// replies from its keys; a spec narrows them with KeyFlags.
		spec.KeyFlags = []string{"RW", "access", "update"}
	}
	if spec.Group == "" && spec.Categories == nil && len(spec.Subcommands) == 0 && validCategory(module) {
		spec.Categories = []string{module}
	}
	return nil
}

func validCategory(cat string) bool {
	return cat != "" && cat != "all" && cat == strings.ToLower(cat) && !strings.ContainsAny(cat, " \t\r\n@|")
}
