package keys

import "github.com/redmod/redmod/core"

func init() {
	keysArg := []core.Arg{{Name: "key", Type: core.ArgKey, Multiple: true}}
	add(core.Spec{
		Name: "del", Arity: -2, Flags: core.FlagWrite,
		KeySpecs: []core.KeySpec{{Flags: []string{"RM", "delete"}, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
		FirstKey: 1, LastKey: -1, Step: 1,
		Summary: "Deletes one or more keys.", Since: "1.0.0",
		Complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
		Args:       keysArg, Tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"},
	}, del)
	add(core.Spec{
		Name: "exists", Arity: -2, Flags: core.FlagReadOnly | core.FlagFast,
		KeySpecs: []core.KeySpec{{Flags: []string{"RO"}, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
		FirstKey: 1, LastKey: -1, Step: 1,
		Summary: "Determines whether one or more keys exist.", Since: "1.0.0",
		Complexity: "O(N) where N is the number of keys to check.",
		Args:       keysArg, Tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"},
	}, exists)
}

func del(c *core.Ctx) error {
	var n int64
	for _, k := range c.Args[1:] {
		if c.DB.Delete(k) {
			c.Notify(core.NotifyGeneric, "del", k)
			n++
		}
	}
	c.SetChanges(n)
	c.WriteInt(n)
	return nil
}

func exists(c *core.Ctx) error {
	var n int64
	for _, k := range c.Args[1:] {
		if c.DB.Exists(k) {
			n++
		}
	}
	c.WriteInt(n)
	return nil
}
