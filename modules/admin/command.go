package admin

import (
	"strings"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

func init() {
	sub := func(spec core.Spec, run func(*core.Ctx) error) core.Command {
		spec.Group = "server"
		spec.Categories = append([]string{"connection"}, spec.Categories...)
		return core.NewCommand(spec, run)
	}
	cmdFlags := core.FlagLoading | core.FlagStale
	add(core.Spec{
		Name: "command", Arity: -1, Flags: cmdFlags, Group: "server", Categories: []string{"connection"},
		Summary: "Get array of Redis command details",
		Tips:    []string{"nondeterministic_output_order"},
		Subcommands: []core.Command{
			sub(core.Spec{Name: "count", Arity: 2, Flags: cmdFlags, Summary: "Get total number of Redis commands"},
				func(c *core.Ctx) error { c.WriteInt(int64(commandsOf(c).Len())); return nil }),
			sub(core.Spec{Name: "info", Arity: -2, Flags: cmdFlags, Summary: "Get array of specific Redis command details, or all when no argument is given.",
				Tips:   []string{"nondeterministic_output_order"},
				Syntax: "[command-name [command-name ...]]"}, commandInfo),
			sub(core.Spec{Name: "docs", Arity: -2, Flags: cmdFlags, Summary: "Get array of specific Redis command documentation",
				Tips:   []string{"nondeterministic_output_order"},
				Syntax: "[command-name [command-name ...]]"}, commandDocs),
			sub(core.Spec{Name: "list", Arity: -2, Flags: cmdFlags, Summary: "Get an array of Redis command names",
				Tips:   []string{"nondeterministic_output_order"},
				Syntax: "[FILTERBY (MODULE module-name|ACLCAT category|PATTERN pattern)]"}, commandList),
			sub(core.Spec{Name: "getkeys", Arity: -4, Flags: cmdFlags, Summary: "Extract keys given a full Redis command"}, commandGetKeys),
			sub(core.Spec{Name: "getkeysandflags", Arity: -4, Flags: cmdFlags, Summary: "Extract keys and access flags given a full Redis command"}, commandGetKeys),
			sub(core.Spec{Name: "help", Arity: 2, Flags: cmdFlags, Summary: "Show helpful text about the different subcommands"},
				func(c *core.Ctx) error {
					writeHelp(c, "COMMAND", []string{
						"(no subcommand)", "    Return details about all Redis commands.",
						"COUNT", "    Return the total number of commands in this Redis server.",
						"LIST", "    Return a list of all commands in this Redis server.",
						"INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
						"    If no command names are given, documentation details for all", "    commands are returned.",
						"DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
						"    If no command names are given, documentation details for all", "    commands are returned.",
						"GETKEYS <full-command>", "    Return the keys from a full Redis command.",
						"GETKEYSANDFLAGS <full-command>", "    Return the keys and the access flags from a full Redis command.",
					})
					return nil
				}),
		},
	}, func(c *core.Ctx) error {
		cmds := commandsOf(c).Commands()
		c.WriteArray(len(cmds))
		for _, rc := range cmds {
			writeCommandInfo(c, rc)
		}
		return nil
	})
}

// writeHelp writes the reply of a HELP subcommand in Redis's layout.
func writeHelp(c *core.Ctx, container string, lines []string) {
	c.WriteArray(len(lines) + 3)
	c.WriteSimple(container + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.WriteSimple(l)
	}
	c.WriteSimple("HELP")
	c.WriteSimple("    Prints this help.")
}

// commandsOf returns the commands the serving host knows; a host with a
// chosen set of modules offers its own registry.
func commandsOf(c *core.Ctx) *registry.Registry {
	if h, ok := c.Server.(interface{ Registry() *registry.Registry }); ok {
		return h.Registry()
	}
	return registry.Default
}

// lookupCommand finds "get" or "config|get".
func lookupCommand(reg *registry.Registry, name []byte) *registry.Cmd {
	parent, sub, hasSub := strings.Cut(string(name), "|")
	rc := reg.Lookup([]byte(parent))
	if rc == nil || !hasSub {
		return rc
	}
	return rc.Sub([]byte(sub))
}

func writeCommandInfo(c *core.Ctx, rc *registry.Cmd) {
	s := rc.Spec
	c.WriteArray(10)
	c.WriteBulkString(rc.FullName)
	c.WriteInt(int64(s.Arity))
	flags := s.Flags.Names()
	c.WriteSet(len(flags))
	for _, f := range flags {
		c.WriteSimple(f)
	}
	first, last, step := s.FirstKey, s.LastKey, s.Step
	if first == 0 {
		last, step = 0, 0
	}
	c.WriteInt(int64(first))
	c.WriteInt(int64(last))
	c.WriteInt(int64(step))
	cats := s.ACLCategories()
	c.WriteSet(len(cats))
	for _, cat := range cats {
		c.WriteSimple(cat)
	}
	c.WriteSet(len(s.Tips))
	for _, t := range s.Tips {
		c.WriteBulkString(t) // Redis sends tips as bulk strings, unlike flags
	}
	writeKeySpecs(c, s)
	// Redis sends the key specs and the subcommands as sets in RESP3.
	subs := rc.Subcommands()
	c.WriteSet(len(subs))
	for _, sub := range subs {
		writeCommandInfo(c, sub)
	}
}

// keySpecs returns the command's key specs: its own, or the one its key
// positions imply.
func keySpecs(s *core.Spec) []core.KeySpec {
	if len(s.KeySpecs) > 0 {
		return s.KeySpecs
	}
	if s.FirstKey <= 0 {
		return nil
	}
	last := s.LastKey
	if last > 0 {
		last -= s.FirstKey
	}
	return []core.KeySpec{{Flags: s.KeySpecFlags(), BeginIndex: s.FirstKey, LastKey: last, KeyStep: max(s.Step, 1)}}
}

func writeKeySpecs(c *core.Ctx, s *core.Spec) {
	specs := keySpecs(s)
	c.WriteSet(len(specs))
	for _, ks := range specs {
		n := 3
		if ks.Notes != "" {
			n++
			c.WriteMap(n)
			c.WriteBulkString("notes")
			c.WriteBulkString(ks.Notes)
		} else {
			c.WriteMap(n)
		}
		c.WriteBulkString("flags")
		c.WriteSet(len(ks.Flags))
		for _, f := range ks.Flags {
			c.WriteSimple(f)
		}
		if ks.Unknown {
			for _, part := range []string{"begin_search", "find_keys"} {
				c.WriteBulkString(part)
				c.WriteMap(2)
				c.WriteBulkString("type")
				c.WriteBulkString("unknown")
				c.WriteBulkString("spec")
				c.WriteMap(0)
			}
			continue
		}
		c.WriteBulkString("begin_search")
		c.WriteMap(2)
		c.WriteBulkString("type")
		if ks.BeginIndex > 0 {
			c.WriteBulkString("index")
			c.WriteBulkString("spec")
			c.WriteMap(1)
			c.WriteBulkString("index")
			c.WriteInt(int64(ks.BeginIndex))
		} else {
			c.WriteBulkString("keyword")
			c.WriteBulkString("spec")
			c.WriteMap(2)
			c.WriteBulkString("keyword")
			c.WriteBulkString(ks.BeginKeyword)
			c.WriteBulkString("startfrom")
			c.WriteInt(int64(ks.KeywordStartFrom))
		}
		c.WriteBulkString("find_keys")
		c.WriteMap(2)
		c.WriteBulkString("type")
		if ks.Keynum {
			c.WriteBulkString("keynum")
			c.WriteBulkString("spec")
			c.WriteMap(3)
			c.WriteBulkString("keynumidx")
			c.WriteInt(int64(ks.KeynumIdx))
			c.WriteBulkString("firstkey")
			c.WriteInt(int64(ks.FirstKey))
			c.WriteBulkString("keystep")
			c.WriteInt(int64(ks.KeyStep))
		} else {
			c.WriteBulkString("range")
			c.WriteBulkString("spec")
			c.WriteMap(3)
			c.WriteBulkString("lastkey")
			c.WriteInt(int64(ks.LastKey))
			c.WriteBulkString("keystep")
			c.WriteInt(int64(ks.KeyStep))
			c.WriteBulkString("limit")
			c.WriteInt(int64(ks.Limit))
		}
	}
}

// keyFlagsAt returns the key-spec flags of the key at argument index i, for
// COMMAND GETKEYSANDFLAGS: those of the spec whose range holds it.
func keyFlagsAt(s *core.Spec, args [][]byte, i int) []string {
	if s.KeyFlagsFor != nil {
		if f := s.KeyFlagsFor(args, i); f != nil {
			return f
		}
	}
	specs := keySpecs(s)
	for _, ks := range specs {
		if ks.BeginIndex <= 0 || i < ks.BeginIndex {
			continue
		}
		if ks.Keynum {
			n, ok := core.ParseInt(argAt(args, ks.BeginIndex+ks.KeynumIdx))
			first := ks.BeginIndex + ks.FirstKey
			if ok && i >= first && i < first+int(n)*max(ks.KeyStep, 1) {
				return ks.Flags
			}
			continue
		}
		last := ks.LastKey
		if last < 0 {
			last = len(args) + last
		} else {
			last += ks.BeginIndex
		}
		if i <= last {
			return ks.Flags
		}
	}
	if len(specs) > 0 {
		return specs[len(specs)-1].Flags
	}
	return s.KeySpecFlags()
}

func argAt(args [][]byte, i int) []byte {
	if i < 0 || i >= len(args) {
		return nil
	}
	return args[i]
}

func commandInfo(c *core.Ctx) error {
	reg := commandsOf(c)
	if len(c.Args) == 2 {
		cmds := reg.Commands()
		c.WriteArray(len(cmds))
		for _, rc := range cmds {
			writeCommandInfo(c, rc)
		}
		return nil
	}
	c.WriteArray(len(c.Args) - 2)
	for _, name := range c.Args[2:] {
		if rc := lookupCommand(reg, name); rc != nil {
			writeCommandInfo(c, rc)
		} else {
			c.WriteNull()
		}
	}
	return nil
}

func commandDocs(c *core.Ctx) error {
	reg := commandsOf(c)
	var cmds []*registry.Cmd
	if len(c.Args) == 2 {
		cmds = reg.Commands()
	} else {
		for _, name := range c.Args[2:] {
			if rc := lookupCommand(reg, name); rc != nil {
				cmds = append(cmds, rc)
			}
		}
	}
	c.WriteMap(len(cmds))
	for _, rc := range cmds {
		c.WriteBulkString(rc.FullName)
		writeDocs(c, rc)
	}
	return nil
}

// writeDocs writes a command's COMMAND DOCS entry with Redis 7.0's fields
// in Redis's order, leaving out those the spec does not set as Redis does.
func writeDocs(c *core.Ctx, rc *registry.Cmd) {
	s := rc.Spec
	subs := rc.Subcommands()
	group := s.Group
	if group == "" {
		group = "module"
	}
	strs := []struct{ name, value string }{{"summary", s.Summary}, {"since", s.Since}, {"group", group}, {"complexity", s.Complexity}}
	n := 0
	for _, f := range strs {
		if f.value != "" {
			n++
		}
	}
	for _, set := range []bool{len(s.DocFlags) > 0, s.DeprecatedSince != "", s.ReplacedBy != "", len(s.History) > 0, len(s.Args) > 0, len(subs) > 0} {
		if set {
			n++
		}
	}
	c.WriteMap(n)
	for _, f := range strs {
		if f.value != "" {
			c.WriteBulkString(f.name)
			c.WriteBulkString(f.value)
		}
	}
	if len(s.DocFlags) > 0 {
		c.WriteBulkString("doc_flags")
		c.WriteSet(len(s.DocFlags))
		for _, f := range s.DocFlags {
			c.WriteSimple(f)
		}
	}
	if s.DeprecatedSince != "" {
		c.WriteBulkString("deprecated_since")
		c.WriteBulkString(s.DeprecatedSince)
	}
	if s.ReplacedBy != "" {
		c.WriteBulkString("replaced_by")
		c.WriteBulkString(s.ReplacedBy)
	}
	if len(s.History) > 0 {
		c.WriteBulkString("history")
		c.WriteSet(len(s.History))
		for _, h := range s.History {
			c.WriteArray(2)
			c.WriteBulkString(h.Version)
			c.WriteBulkString(h.Change)
		}
	}
	if len(s.Args) > 0 {
		c.WriteBulkString("arguments")
		writeArgs(c, s.Args)
	}
	if len(subs) > 0 {
		c.WriteBulkString("subcommands")
		c.WriteMap(len(subs))
		for _, sub := range subs {
			c.WriteBulkString(sub.FullName)
			writeDocs(c, sub)
		}
	}
}

func writeArgs(c *core.Ctx, args []core.Arg) {
	c.WriteArray(len(args))
	for _, a := range args {
		var flags []string
		if a.Optional {
			flags = append(flags, "optional")
		}
		if a.Multiple {
			flags = append(flags, "multiple")
		}
		if a.MultipleToken {
			flags = append(flags, "multiple_token")
		}
		// A key argument, and any other that names keys (SORT's BY
		// pattern), has a key spec; a pure token always has its token,
		// even an empty one (MIGRATE's "").
		hasKeySpec := a.Type == core.ArgKey || a.KeySpec > 0
		hasToken := a.Token != "" || a.Type == core.ArgPureToken
		n := 2
		for _, set := range []bool{hasKeySpec, hasToken, a.Summary != "", a.Since != "", len(flags) > 0, a.DeprecatedSince != "", len(a.Args) > 0} {
			if set {
				n++
			}
		}
		c.WriteMap(n)
		c.WriteBulkString("name")
		c.WriteBulkString(a.Name)
		c.WriteBulkString("type")
		c.WriteBulkString(string(a.Type))
		if hasKeySpec {
			c.WriteBulkString("key_spec_index")
			c.WriteInt(int64(a.KeySpec))
		}
		if hasToken {
			c.WriteBulkString("token")
			c.WriteBulkString(a.Token)
		}
		for _, f := range []struct{ name, value string }{{"summary", a.Summary}, {"since", a.Since}} {
			if f.value != "" {
				c.WriteBulkString(f.name)
				c.WriteBulkString(f.value)
			}
		}
		if len(flags) > 0 {
			c.WriteBulkString("flags")
			c.WriteSet(len(flags))
			for _, f := range flags {
				c.WriteSimple(f)
			}
		}
		if a.DeprecatedSince != "" {
			c.WriteBulkString("deprecated_since")
			c.WriteBulkString(a.DeprecatedSince)
		}
		if len(a.Args) > 0 {
			c.WriteBulkString("arguments")
			writeArgs(c, a.Args)
		}
	}
}

func commandList(c *core.Ctx) error {
	reg := commandsOf(c)
	var filter func(rc *registry.Cmd) bool
	switch {
	case len(c.Args) == 2:
		filter = func(*registry.Cmd) bool { return true }
	case len(c.Args) == 5 && core.EqualFold(c.Args[2], "filterby"):
		val := string(c.Args[4])
		switch {
		case core.EqualFold(c.Args[3], "module"):
			filter = func(rc *registry.Cmd) bool { return rc.Module == val }
		case core.EqualFold(c.Args[3], "aclcat"):
			want := "@" + strings.ToLower(val)
			filter = func(rc *registry.Cmd) bool {
				for _, cat := range rc.Spec.ACLCategories() {
					if cat == want {
						return true
					}
				}
				return false
			}
		case core.EqualFold(c.Args[3], "pattern"):
			p := core.CompilePattern([]byte(strings.ToLower(val)))
			filter = func(rc *registry.Cmd) bool { return p.Match(rc.FullName) }
		default:
			return core.ErrSyntax
		}
	default:
		return core.ErrSyntax
	}
	var names []string
	for _, rc := range reg.Commands() {
		if filter(rc) {
			names = append(names, rc.FullName)
		}
		for _, sub := range rc.Subcommands() {
			if filter(sub) {
				names = append(names, sub.FullName)
			}
		}
	}
	c.WriteStrings(names)
	return nil
}

func commandGetKeys(c *core.Ctx) error {
	args := c.Args[2:]
	rc := commandsOf(c).Lookup(args[0])
	if rc == nil {
		return core.NewError("ERR Invalid command specified")
	}
	if rc.Spec.Subcommands != nil && len(args) >= 2 {
		if sub := rc.Sub(args[1]); sub != nil {
			rc = sub
		}
	}
	// Redis's order of checks: a command without key specs, then arity,
	// then a call that names no key (an empty list only for commands
	// whose keys are optional, as EVAL with numkeys 0).
	if len(keySpecs(rc.Spec)) == 0 && rc.Spec.Keys == nil && rc.Spec.ReportedKeys == nil {
		return core.NewError("ERR The command has no key arguments")
	}
	arity := rc.Spec.Arity
	if arity > 0 && len(args) != arity || arity < 0 && len(args) < -arity {
		return core.NewError("ERR Invalid number of arguments specified for command")
	}
	idx := rc.Spec.KeyIndexes(args, nil)
	if rc.Spec.ReportedKeys != nil {
		idx = rc.Spec.ReportedKeys(args)
	}
	if len(idx) == 0 {
		if rc.Spec.Flags.Has(core.FlagNoMandatoryKeys) {
			c.WriteArray(0)
			return nil
		}
		return core.NewError("ERR Invalid arguments specified for command")
	}
	withFlags := core.EqualFold(c.Args[1], "getkeysandflags")
	c.WriteArray(len(idx))
	for _, i := range idx {
		if !withFlags {
			c.WriteBulk(args[i])
			continue
		}
		c.WriteArray(2)
		c.WriteBulk(args[i])
		kf := keyFlagsAt(rc.Spec, args, i)
		c.WriteSet(len(kf))
		for _, f := range kf {
			c.WriteSimple(f)
		}
	}
	return nil
}
