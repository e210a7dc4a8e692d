package core_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/effects"
	"github.com/redmod/redmod/redmodtest"
)

// stamp stores the current time at a key. Replayed as received, STAMP would
// store the time of the replay, so it propagates the SET that reproduces
// what it did; when the key already holds a stamp it changes nothing and
// propagates nothing (SetChanges(0)).
var stamp = core.NewCommand(core.Spec{
	Name: "stamp", Arity: 2, Flags: core.FlagWrite | core.FlagFast,
	FirstKey: 1, LastKey: 1, Step: 1, Group: "string",
	Summary: "Stores the current unix time in milliseconds at a key, once.",
}, func(c *core.Ctx) error {
	if c.DB.Exists(c.Args[1]) {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	now := []byte(strconv.FormatInt(c.Now(), 10))
	c.DB.Set(c.Args[1], core.NewString(now))
	// The effect: what a replica or the append-only file must apply.
	c.Propagate([]byte("SET"), c.Args[1], now)
	c.WriteInt(1)
	return nil
})

type stamper struct{}

func (stamper) Name() string             { return "stamper" }
func (stamper) Commands() []core.Command { return []core.Command{stamp} }

// A command whose request would not replay to the same data (it reads the
// clock, draws random numbers, or depends on what a blocking wait found)
// says with Ctx.Propagate which commands reproduce what it did. Every other
// write command is propagated as received, when it changed something.
func ExampleCtx_Propagate() {
	srv, err := redmodtest.Start(redmodtest.WithModule(stamper{}), redmodtest.InMemory())
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	// What the append-only file or a replica would receive.
	rec := &effects.Recorder{}
	srv.Effects().Attach(rec)

	ctx := context.Background()
	rdb := connect(srv)
	defer rdb.Close()
	rdb.Do(ctx, "STAMP", "started")
	rdb.Do(ctx, "STAMP", "started") // changed nothing: propagates nothing
	rdb.Set(ctx, "name", "Ada", 0)  // verbatim
	stamped := rdb.Get(ctx, "started").Val()
	for _, cmd := range rec.Commands() {
		fmt.Println(strings.ReplaceAll(strings.Join(cmd, " "), stamped, "<time>"))
	}
	// Output:
	// SELECT 0
	// SET started <time>
	// set name Ada
}

// greeting is module state kept outside the keyspace: the last greeting
// each server was told. The append-only file has no use for it, but every
// replica must hear it too.
var greeting atomic.Value

var greet = core.NewCommand(core.Spec{
	Name: "greet", Arity: 2, Flags: core.FlagFast | core.FlagMayReplicate,
	Group: "server", Summary: "Tells this server and its replicas a greeting.",
}, func(c *core.Ctx) error {
	greeting.Store(string(c.Args[1]))
	c.PropagateTo(core.ToReplicas, c.Args...)
	c.WriteOK()
	return nil
})

type announcer struct{}

func (announcer) Name() string             { return "announcer" }
func (announcer) Commands() []core.Command { return []core.Command{greet} }

// A command whose effect must reach the replicas but not the append-only
// file (it changes no data, as PUBLISH) propagates with core.ToReplicas.
// The two readers each keep their own selected database and offset.
func ExampleCtx_PropagateTo() {
	srv, err := redmodtest.Start(redmodtest.WithModule(announcer{}), redmodtest.InMemory())
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	file := &effects.Recorder{}           // what the append-only file gets
	replica := &effects.ReplicaRecorder{} // what a replica gets
	srv.Effects().Attach(file)
	srv.Effects().AttachReplica(replica)

	ctx := context.Background()
	rdb := connect(srv)
	defer rdb.Close()
	rdb.Do(ctx, "GREET", "hello")
	rdb.Set(ctx, "name", "Ada", 0)
	show := func(who string, cmds [][]string) {
		for _, cmd := range cmds {
			fmt.Println(who, strings.Join(cmd, " "))
		}
	}
	show("file:", file.Commands())
	show("replica:", replica.Commands())
	// Output:
	// file: SELECT 0
	// file: set name Ada
	// replica: SELECT 0
	// replica: GREET hello
	// replica: set name Ada
}
