package keys

import "github.com/redmod/redmod/core"

func init() {
	add(core.Spec{
		Name: "keys", Arity: 2, Flags: core.FlagReadOnly | core.FlagKeyspace,
		Summary:    "Returns all key names that match a pattern.",
		Syntax:     "pattern",
		Categories: []string{"dangerous"},
		Tips:       []string{"request_policy:all_shards", "nondeterministic_output_order"},
	}, keysCmd)
}

func keysCmd(c *core.Ctx) error {
	p := core.CompilePattern(c.Args[1])
	var out []string
	c.DB.Range(func(key string, _ core.Value, _ int64) bool {
		if p.Match(key) {
			out = append(out, key)
		}
		return true
	})
	c.WriteStrings(out)
	return nil
}
