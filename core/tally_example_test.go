package core_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/redmodtest"
)

// Tally is a new data type: how many times each member was counted. The
// type and its module with four commands, persisted in the snapshot and
// with full COMMAND INFO and DOCS, take 97 lines (from here to the end of
// tallyAll).
type Tally struct{ counts map[string]int64 }

// TallyType describes Tally values: TYPE's name and the snapshot decoder.
var TallyType = &core.Type{Name: "tally", Decode: func(p []byte) (core.Value, error) {
	r := core.NewSnapshotReader(p)
	t := &Tally{counts: map[string]int64{}}
	for n := r.Count(2); n > 0; n-- {
		t.counts[string(r.Bytes())] = r.Varint()
	}
	return t, r.Done()
}}

func (t *Tally) Type() *core.Type  { return TallyType }
func (t *Tally) Encoding() string  { return "hashtable" }
func (t *Tally) MemoryUsage() int  { return 48 + 64*len(t.counts) }
func (t *Tally) Clone() core.Value { return &Tally{counts: maps.Clone(t.counts)} }

// AppendSnapshot writes the members in order, so equal tallies save alike.
func (t *Tally) AppendSnapshot(dst []byte) []byte {
	dst = core.AppendUvarint(dst, uint64(len(t.counts)))
	for _, m := range t.members() {
		dst = core.AppendVarint(core.AppendBytes(dst, []byte(m)), t.counts[m])
	}
	return dst
}

func (t *Tally) members() []string {
	ms := make([]string, 0, len(t.counts))
	for m := range t.counts {
		ms = append(ms, m)
	}
	slices.Sort(ms)
	return ms
}

type tally struct{}

func (tally) Name() string        { return "tally" }
func (tally) Types() []*core.Type { return []*core.Type{TallyType} }
func (tally) Commands() []core.Command {
	ro, w := core.FlagReadOnly|core.FlagFast, core.FlagWrite|core.FlagDenyOOM|core.FlagFast
	return []core.Command{
		core.NewCommand(core.Spec{Name: "tally.add", Syntax: "key member [member ...]", Flags: w, Summary: "Counts members; replies how many were new."}, tallyAdd),
		core.NewCommand(core.Spec{Name: "tally.count", Syntax: "key member", Flags: ro, Summary: "Replies how often a member was counted."}, tallyCount),
		core.NewCommand(core.Spec{Name: "tally.card", Syntax: "key", Flags: ro, Summary: "Replies the number of members."}, tallyCount),
		core.NewCommand(core.Spec{Name: "tally.all", Syntax: "key", Flags: core.FlagReadOnly, Summary: "Replies every member and its count."}, tallyAll),
	}
}

func tallyAdd(c *core.Ctx) error {
	t, err := core.LookupWrite[*Tally](c.DB, c.Args[1])
	if err != nil {
		return err
	}
	if t == nil {
		t = &Tally{counts: map[string]int64{}}
		c.DB.SetKeepTTL(c.Args[1], t)
	}
	added := 0
	for _, m := range c.Args[2:] {
		if t.counts[string(m)]++; t.counts[string(m)] == 1 {
			added++
		}
	}
	c.Notify(core.NotifyGeneric, "tally.add", c.Args[1])
	c.WriteInt(int64(added))
	return nil
}

// tallyCount answers TALLY.COUNT, and TALLY.CARD (without a member).
func tallyCount(c *core.Ctx) error {
	t, err := core.Lookup[*Tally](c.DB, c.Args[1])
	if err != nil || t == nil {
		c.WriteInt(0)
		return err
	}
	if len(c.Args) == 2 {
		c.WriteInt(int64(len(t.counts)))
	} else {
		c.WriteInt(t.counts[string(c.Args[2])])
	}
	return nil
}

func tallyAll(c *core.Ctx) error {
	t, err := core.Lookup[*Tally](c.DB, c.Args[1])
	if err != nil || t == nil {
		c.WriteMap(0)
		return err
	}
	c.WriteMap(len(t.counts))
	for _, m := range t.members() {
		c.WriteBulkString(m)
		c.WriteInt(t.counts[m])
	}
	return nil
}

// A new persistent type with four commands in under 120 lines: the specs
// are written with Syntax, the type implements core.Value, and the host
// does the rest (TYPE, COPY, DUMP/RESTORE, snapshots, COMMAND DOCS).
func ExampleType_tally() {
	dir, _ := os.MkdirTemp("", "tally")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		srv, err := redmodtest.Start(redmodtest.WithModule(tally{}), redmodtest.WithPersistence(dir), redmodtest.InMemory())
		if err != nil {
			panic(err)
		}
		rdb := connect(srv)
		if i == 0 {
			fmt.Println(rdb.Do(ctx, "TALLY.ADD", "t", "a", "b", "a").Val(), rdb.Do(ctx, "TALLY.ADD", "t", "c").Val())
			fmt.Println(rdb.Do(ctx, "TALLY.ADD", "t").Err())
			fmt.Println(rdb.Type(ctx, "t").Val(), rdb.Do(ctx, "TALLY.CARD", "t").Val())
		} else {
			fmt.Println(rdb.Do(ctx, "TALLY.COUNT", "t", "a").Val(), rdb.Do(ctx, "TALLY.ALL", "t").Val())
			fmt.Println(rdb.Do(ctx, "COMMAND", "DOCS", "tally.add").Val())
		}
		rdb.Close()
		srv.Close() // saves, as redmod does on SIGTERM
	}
	// Output:
	// 2 1
	// ERR wrong number of arguments for 'tally.add' command
	// tally 3
	// 2 map[a:2 b:1 c:1]
	// map[tally.add:map[arguments:[map[key_spec_index:0 name:key type:key] map[flags:[multiple] name:member type:string]] group:module summary:Counts members; replies how many were new.]]
}
