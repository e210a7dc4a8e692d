package admin

import (
	"strings"

	"github.com/redmod/redmod/core"
)

func init() {
	sub := func(spec core.Spec, run func(*core.Ctx) error) core.Command {
		spec.Group = "server"
		return core.NewCommand(spec, run)
	}
	adminFlags := core.FlagAdmin | core.FlagNoScript | core.FlagLoading | core.FlagStale
	add(core.Spec{
		Name: "config", Arity: -2, Group: "server",
		Summary: "A container for server configuration commands",
		Subcommands: []core.Command{
			sub(core.Spec{Name: "get", Arity: -3, Flags: adminFlags, Summary: "Get the values of configuration parameters",
				Syntax: "parameter [parameter ...]"}, configGet),
			sub(core.Spec{Name: "set", Arity: -4, Flags: adminFlags, Summary: "Set configuration parameters to the given values",
				Tips:   []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Syntax: "(parameter value) [(parameter value) ...]"}, configSet),
			sub(core.Spec{Name: "resetstat", Arity: 2, Flags: adminFlags, Summary: "Reset the stats returned by INFO"},
				func(c *core.Ctx) error { c.Server.ResetStats(); c.WriteOK(); return nil }),
			sub(core.Spec{Name: "rewrite", Arity: 2, Flags: adminFlags, Summary: "Rewrite the configuration file with the in memory configuration"},
				func(c *core.Ctx) error {
					if err := c.Server.ConfigRewrite(); err != nil {
						return err
					}
					c.WriteOK()
					return nil
				}),
			sub(core.Spec{Name: "help", Arity: 2, Flags: core.FlagLoading | core.FlagStale, Summary: "Show helpful text about the different subcommands"},
				func(c *core.Ctx) error {
					writeHelp(c, "CONFIG", []string{
						"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
						"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
						"RESETSTAT", "    Reset statistics reported by the INFO command.",
						"REWRITE", "    Rewrite the configuration file.",
					})
					return nil
				}),
		},
	}, nil)
}

func configGet(c *core.Ctx) error {
	seen := map[string]bool{}
	var out []core.InfoField
	for _, p := range c.Args[2:] {
		for _, f := range c.Server.ConfigGet(string(p)) {
			if !seen[f.Name] {
				seen[f.Name] = true
				out = append(out, f)
			}
		}
	}
	c.WriteMap(len(out))
	for _, f := range out {
		c.WriteBulkString(f.Name)
		c.WriteBulkString(f.Value)
	}
	return nil
}

func configSet(c *core.Ctx) error {
	if len(c.Args)%2 != 0 {
		return core.ErrArity(c.Name)
	}
	var pairs []core.InfoField
	seen := map[string]bool{}
	for i := 2; i < len(c.Args); i += 2 {
		if sensitiveSettings[strings.ToLower(string(c.Args[i]))] {
			c.Redact(i + 1)
		}
	}
	for i := 2; i < len(c.Args); i += 2 {
		name := string(c.Args[i])
		if seen[name] {
			return core.NewError("ERR CONFIG SET failed (possibly related to argument '" + name + "') - duplicate parameter")
		}
		seen[name] = true
		pairs = append(pairs, core.InfoField{Name: name, Value: string(c.Args[i+1])})
	}
	set := c.Server.ConfigSet
	if cs, ok := c.Server.(core.ClientConfigSetter); ok {
		set = func(pairs []core.InfoField) error { return cs.ConfigSetFor(c.Client, pairs) }
	}
	if err := set(pairs); err != nil {
		return err
	}
	c.WriteOK()
	return nil
}

// sensitiveSettings hold passwords: CONFIG SET hides their values from the
// slow log, as Redis does.
var sensitiveSettings = map[string]bool{"requirepass": true, "masterauth": true, "masteruser": true}
