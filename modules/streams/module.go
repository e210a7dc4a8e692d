// Package streams provides Redis's stream type and its commands: XADD,
// XRANGE, XREAD, consumer groups (XGROUP, XREADGROUP, XACK, XPENDING,
// XCLAIM, XAUTOCLAIM), XINFO and XSETID. Import it for its side effect of
// registering them:
//
//	import _ "github.com/redmod/redmod/modules/streams"
package streams

import (
	"bytes"
	"strings"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the streams module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "streams" }

// Types implements core.TypeProvider.
func (Module) Types() []*core.Type { return []*core.Type{StreamType} }

// handlers maps each command's full name to its handler; the metadata
// come from specs.
var handlers = map[string]func(*core.Ctx) error{
	"xadd": xadd, "xlen": xlen, "xrange": xrange, "xrevrange": xrevrange,
	"xdel": xdel, "xtrim": xtrim, "xsetid": xsetid,
	"xread": xread, "xreadgroup": xreadgroup,
	"xack": xack, "xpending": xpending, "xclaim": xclaim, "xautoclaim": xautoclaim,
	"xgroup|create": xgroupCreate, "xgroup|setid": xgroupSetID, "xgroup|destroy": xgroupDestroy,
	"xgroup|createconsumer": xgroupCreateConsumer, "xgroup|delconsumer": xgroupDelConsumer,
	"xgroup|help":  xgroupHelp,
	"xinfo|stream": xinfoStream, "xinfo|groups": xinfoGroups, "xinfo|consumers": xinfoConsumers,
	"xinfo|help": xinfoHelp,
}

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commandList()) }

func commandList() []core.Command {
	var out []core.Command
	for _, name := range []string{"xack", "xadd", "xautoclaim", "xclaim", "xdel", "xgroup", "xinfo", "xlen",
		"xpending", "xrange", "xread", "xreadgroup", "xrevrange", "xsetid", "xtrim"} {
		out = append(out, command(name))
	}
	return out
}

func command(name string) core.Command {
	spec := specs[name]
	switch name {
	case "xread":
		spec.Keys = func(args [][]byte) []int { return streamKeys(args, 1) }
	case "xreadgroup":
		spec.Keys = func(args [][]byte) []int { return streamKeys(args, 4) }
	}
	var subs []string
	for full := range specs {
		if parent, _, ok := strings.Cut(full, "|"); ok && parent == name {
			subs = append(subs, full)
		}
	}
	if len(subs) > 0 {
		sortStrings(subs)
		for _, full := range subs {
			spec.Subcommands = append(spec.Subcommands, command(full))
		}
		return core.NewCommand(spec, func(c *core.Ctx) error { return core.ErrSyntax })
	}
	return core.NewCommand(spec, handlers[name])
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// streamKeys finds the keys of XREAD and XREADGROUP: the first half of the
// arguments after STREAMS, which is looked for from argument from.
func streamKeys(args [][]byte, from int) []int {
	for i := from; i < len(args); i++ {
		if core.EqualFold(args[i], "streams") {
			n := (len(args) - i - 1) / 2
			keys := make([]int, n)
			for j := range keys {
				keys[j] = i + 1 + j
			}
			return keys
		}
	}
	return nil
}

// getStream returns the stream at key for reading (nil when missing).
func getStream(c *core.Ctx, key []byte) (*Stream, error) {
	return core.Lookup[*Stream](c.DB, key)
}

// getStreamW is getStream for commands that change the stream.
func getStreamW(c *core.Ctx, key []byte) (*Stream, error) {
	return core.LookupWrite[*Stream](c.DB, key)
}

// subcommandSyntaxError is Redis's reply to bad arguments of a known
// subcommand: the subcommand as typed, the command in capitals.
func subcommandSyntaxError(c *core.Ctx) error {
	return core.NewError("ERR unknown subcommand or wrong number of arguments for '" +
		string(c.Args[1]) + "'. Try " + strings.ToUpper(string(c.Args[0])) + " HELP.")
}

func errNoSuchKeyOrGroup(key, group []byte, suffix string) error {
	return core.NewError("NOGROUP No such key '" + string(key) + "' or consumer group '" + string(group) + "'" + suffix)
}

var errNoSuchKey = core.NewError("ERR no such key")

// writeID replies with an ID as a bulk string.
func writeID(c *core.Ctx, id ID) {
	var buf [48]byte
	c.WriteBulk(id.Append(buf[:0]))
}

// writeEntry replies with an entry: its ID and its field/value pairs.
func writeEntry(c *core.Ctx, id ID, fv [][]byte) {
	c.WriteArray(2)
	writeID(c, id)
	c.WriteArray(len(fv))
	for _, x := range fv {
		c.WriteBulk(x)
	}
}

// parseInt reads an integer argument with Redis's generic error.
func parseInt(b []byte) (int64, error) {
	n, ok := core.ParseInt(b)
	if !ok {
		return 0, core.ErrNotInteger
	}
	return n, nil
}

func eq(b []byte, s string) bool { return bytes.EqualFold(b, []byte(s)) }

// writeHelp replies with the lines of a HELP subcommand as simple
// strings, as Redis does.
func writeHelp(c *core.Ctx, lines []string) {
	c.WriteArray(len(lines))
	for _, l := range lines {
		c.WriteSimple(l)
	}
}
