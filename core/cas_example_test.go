package core_test

import (
	"context"
	"fmt"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/redmodtest"
)

// cas is a module with one command, CAS key expected new: 20 lines with
// full COMMAND INFO and DOCS. The syntax string gives the arguments (and
// redis-cli's hints), the arity and the key position; the module's name
// is its ACL category (@cas).
type cas struct{}

func (cas) Name() string { return "cas" }

func (cas) Commands() []core.Command {
	return []core.Command{core.NewCommand(core.Spec{Name: "cas", Syntax: "key expected new", Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast,
		Summary: "Sets key to new when it holds expected; replies 1 if it did, 0 if not."},
		func(c *core.Ctx) error {
			cur, err := core.Lookup[*core.String](c.DB, c.Args[1])
			if err != nil || cur == nil || string(cur.B) != string(c.Args[2]) {
				c.SetChanges(0)
				c.WriteInt(0)
				return err
			}
			c.DB.SetKeepTTL(c.Args[1], core.NewString(c.Args[3]))
			c.Notify(core.NotifyString, "set", c.Args[1])
			c.WriteInt(1)
			return nil
		})}
}

// A four-argument command in 20 lines: Spec.Syntax is parsed once, at
// registration, into the argument tree of COMMAND DOCS, the arity (4) and
// the key position (1); a write command written so gets the key-spec flags
// RW access update.
func ExampleSpec_syntax() {
	srv, _ := redmodtest.Start(redmodtest.WithModule(cas{}), redmodtest.InMemory())
	defer srv.Close()
	rdb := connect(srv)
	defer rdb.Close()
	ctx := context.Background()
	rdb.Set(ctx, "k", "a", 0)
	fmt.Println(rdb.Do(ctx, "CAS", "k", "a", "b").Val(), rdb.Do(ctx, "CAS", "k", "a", "c").Val(), rdb.Get(ctx, "k").Val())
	fmt.Println(rdb.Do(ctx, "CAS", "k").Err())
	info := rdb.Do(ctx, "COMMAND", "INFO", "cas").Val()
	fmt.Println(info)
	docs := rdb.Do(ctx, "COMMAND", "DOCS", "cas").Val()
	fmt.Println(docs)
	// Output:
	// 1 0 b
	// ERR wrong number of arguments for 'cas' command
	// [[cas 4 [write denyoom fast] 1 1 1 [@write @fast @cas] [] [map[begin_search:map[spec:map[index:1] type:index] find_keys:map[spec:map[keystep:1 lastkey:0 limit:0] type:range] flags:[RW access update]]] []]]
	// map[cas:map[arguments:[map[key_spec_index:0 name:key type:key] map[name:expected type:string] map[name:new type:string]] group:module summary:Sets key to new when it holds expected; replies 1 if it did, 0 if not.]]
}
