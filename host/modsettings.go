package host

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// moduleSetting is a setting a module declared, under its full name.
type moduleSetting struct {
	module string
	core.Setting
}

// declaredSettings returns the settings the modules of reg declare, by full
// name, and the set of module names (the valid prefixes of module settings).
func declaredSettings(reg *registry.Registry) (map[string]moduleSetting, map[string]bool) {
	decl := map[string]moduleSetting{}
	mods := map[string]bool{}
	for _, m := range reg.Modules() {
		mods[m.Name()] = true
		c, ok := m.(core.Configurable)
		if !ok {
			continue
		}
		for _, st := range c.Settings() {
			decl[settingName(m.Name(), st)] = moduleSetting{module: m.Name(), Setting: st}
		}
	}
	return decl, mods
}

// settingName is the full name of a module's setting: "<module>.<name>",
// or the name alone for a global one (core.Setting.Global).
func settingName(module string, st core.Setting) string {
	if st.Global {
		return strings.ToLower(st.Name)
	}
	return strings.ToLower(module + "." + st.Name)
}

// settingAliases returns the aliases the global settings of the modules of
// reg declare (core.Setting.Aliases), each with the name it stands for.
// The map is built once per command table and shared: callers only read it.
// (A module reading its setting through Server.ConfigGet on every command,
// as the streams module does, made XADD 8x slower while it was rebuilt
// each time.)
func settingAliases(reg *registry.Registry) map[string]string {
	gen := reg.Generation()
	if e, ok := aliasCache.Load(reg); ok && e.(*aliasEntry).gen == gen {
		return e.(*aliasEntry).aliases
	}
	out := buildSettingAliases(reg)
	aliasCache.Store(reg, &aliasEntry{gen: gen, aliases: out})
	return out
}

// aliasCache holds settingAliases per registry.
var aliasCache sync.Map // *registry.Registry -> *aliasEntry

type aliasEntry struct {
	gen     uint64
	aliases map[string]string
}

func buildSettingAliases(reg *registry.Registry) map[string]string {
	out := map[string]string{}
	for _, m := range reg.Modules() {
		c, ok := m.(core.Configurable)
		if !ok {
			continue
		}
		for _, st := range c.Settings() {
			if !st.Global {
				continue
			}
			for _, a := range st.Aliases {
				out[strings.ToLower(a)] = settingName(m.Name(), st)
			}
		}
	}
	return out
}

// canonicalSetting returns the name a setting's alias stands for, or the
// name itself.
func canonicalSetting(reg *registry.Registry, name string) string {
	if c, ok := settingAliases(reg)[strings.ToLower(name)]; ok {
		return c
	}
	return name
}

// isGlobalSetting reports whether a module of reg declares a global setting
// with that name.
func isGlobalSetting(reg *registry.Registry, name string) bool {
	decl, _ := declaredSettings(reg)
	st, ok := decl[strings.ToLower(name)]
	return ok && st.Global
}

// resolveModuleSettings returns a copy of the configured module settings
// completed with the declared defaults, after checking every value: a
// declared setting must pass its Validate, an undeclared one must belong to
// a module of reg that declares no settings (it reads them itself).
func resolveModuleSettings(set map[string]string, reg *registry.Registry) (map[string]string, error) {
	decl, mods := declaredSettings(reg)
	out := make(map[string]string, len(set)+len(decl))
	names := make([]string, 0, len(set))
	for name, v := range set {
		name = strings.ToLower(canonicalSetting(reg, name))
		out[name] = v
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := decl[name]; ok {
			continue
		}
		prefix, _, dotted := strings.Cut(name, ".")
		if !dotted {
			return nil, fmt.Errorf("unknown setting %q", name)
		}
		if !mods[prefix] {
			return nil, fmt.Errorf("setting %q: this binary has no module %q", name, prefix)
		}
		for _, m := range reg.Modules() {
			if _, ok := m.(core.Configurable); ok && m.Name() == prefix {
				return nil, fmt.Errorf("setting %q: module %s has no such setting", name, prefix)
			}
		}
	}
	for name, st := range decl {
		v, ok := out[name]
		if !ok {
			v = st.Default
			out[name] = v
		}
		if st.Validate != nil {
			if err := st.Validate(v); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		if st.Normalize != nil {
			out[name] = st.Normalize(v)
		}
	}
	return out, nil
}

// setModuleSetting applies CONFIG SET to a module setting in mods. handled
// is false when name is no module setting of the server.
func (s *Server) setModuleSetting(mods map[string]string, name, value string) (handled bool, err error) {
	decl, _ := declaredSettings(s.reg)
	given := name // errors name the setting as the client wrote it, as Redis's
	name = canonicalSetting(s.reg, name)
	st, ok := decl[name]
	if !ok {
		if _, exists := mods[name]; exists {
			mods[name] = value
			return true, nil
		}
		return false, nil
	}
	if !st.Mutable {
		return true, core.NewError("ERR CONFIG SET failed (possibly related to argument '" + given + "') - can't set immutable config")
	}
	if st.Validate != nil {
		if err := st.Validate(value); err != nil {
			return true, core.NewError("ERR CONFIG SET failed (possibly related to argument '" + given + "') - " + err.Error())
		}
	}
	if st.Normalize != nil {
		value = st.Normalize(value)
	}
	mods[name] = value
	return true, nil
}

// RegisterModuleFlags defines a command-line flag for every setting the
// modules of reg declare (core.Configurable), under its full name
// (--ratelimit.window 60).
func RegisterModuleFlags(fs *flag.FlagSet, cfg *Config, reg *registry.Registry) {
	decl, _ := declaredSettings(reg)
	names := make([]string, 0, len(decl))
	for name := range decl {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		st := decl[name]
		usage := st.Usage
		if st.Default != "" {
			usage += fmt.Sprintf(" (default %q)", st.Default)
		}
		fs.Var(configFlag{cfg: cfg, name: name, module: true}, name, usage)
	}
	aliases := settingAliases(reg)
	for alias, name := range aliases {
		fs.Var(configFlag{cfg: cfg, name: name, module: true}, alias, "same as --"+name)
	}
}

// moduleConfig is the core.ConfigReader a module receives: it reads the
// current value, so CONFIG SET changes are seen, and accepts the setting's
// name with or without the module's prefix, and global settings
// (core.Setting.Global) by their own name.
type moduleConfig struct {
	s      *Server
	prefix string // "ratelimit."
}

func (m moduleConfig) Get(name string) (string, bool) {
	name = strings.ToLower(name)
	m.s.cfgMu.RLock()
	defer m.s.cfgMu.RUnlock()
	if !strings.Contains(name, ".") {
		if v, ok := m.s.cfg.Modules[m.prefix+name]; ok {
			return v, true
		}
	}
	v, ok := m.s.cfg.Modules[name]
	return v, ok
}

// announceSettings calls OnChange for every declared module setting whose
// value in next differs from prev (every one when prev is nil).
func announceSettings(reg *registry.Registry, prev, next map[string]string) {
	decl, _ := declaredSettings(reg)
	for name, st := range decl {
		if st.OnChange == nil {
			continue
		}
		v := next[name]
		if old, ok := prev[name]; prev != nil && ok && old == v {
			continue
		}
		st.OnChange(v)
	}
}
