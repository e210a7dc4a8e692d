package core_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	_ "github.com/redmod/redmod/modules/std" // the standard commands, COMMAND and CONFIG among them
	"github.com/redmod/redmod/redmodtest"
)

// greeter is a module with one command. A real module registers itself
// from init with registry.Register(greeter{}); the examples hand it to
// redmodtest.WithModule instead, so that each example has its own server.
type greeter struct{}

// Name is the module's name, which `redmod modules` and INFO modules show.
func (greeter) Name() string { return "greeter" }

// Commands returns the module's commands: metadata plus handler.
func (greeter) Commands() []core.Command {
	return []core.Command{core.NewCommand(core.Spec{
		Name:  "greet",
		Arity: 2, // the command name and one argument, exactly
		Flags: core.FlagReadOnly | core.FlagFast,
		// The key is argument 1; the host locks it while Exec runs.
		FirstKey: 1, LastKey: 1, Step: 1,
		Group:      "string",
		Categories: []string{"string"}, // ACL categories beyond those the flags imply
		Summary:    "Greets the name stored at a key.",
		Since:      "1.0.0",
		Args:       []core.Arg{{Name: "key", Type: core.ArgKey}},
	}, func(c *core.Ctx) error {
		name, err := core.Lookup[*core.String](c.DB, c.Args[1])
		if err != nil {
			return err // WRONGTYPE, sent as Redis sends it
		}
		if name == nil {
			c.WriteNull()
			return nil
		}
		c.WriteBulkString("hello " + string(name.B))
		return nil
	})}
}

// connect returns a go-redis client of an in-memory test server.
func connect(srv *redmodtest.Server) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial})
}

// A command is a Spec and a handler. The host does everything the spec
// implies: the arity error, locking the key, COMMAND INFO and DOCS, call
// statistics; the handler only does the command's own work.
func Example() {
	srv, err := redmodtest.Start(redmodtest.WithModule(greeter{}), redmodtest.InMemory())
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	rdb := connect(srv)
	defer rdb.Close()

	rdb.Set(ctx, "name", "Ada", 0)
	rdb.RPush(ctx, "list", "x")
	fmt.Println(rdb.Do(ctx, "GREET", "name").Val())
	fmt.Println(rdb.Do(ctx, "greet", "nobody").Err())
	fmt.Println(rdb.Do(ctx, "GREET").Err())
	fmt.Println(rdb.Do(ctx, "GREET", "list").Err())

	info := rdb.Do(ctx, "COMMAND", "INFO", "greet").Val().([]any)[0].([]any)
	fmt.Println("name, arity, flags, first, last, step, categories:", info[:7])
	fmt.Println(rdb.Do(ctx, "COMMAND", "GETKEYS", "GREET", "name").Val())
	// Output:
	// hello Ada
	// redis: nil
	// ERR wrong number of arguments for 'greet' command
	// WRONGTYPE Operation against a key holding the wrong kind of value
	// name, arity, flags, first, last, step, categories: [greet 2 [readonly fast] 1 1 1 [@read @string @fast]]
	// [name]
}

// setnx2 is a write command: it sets a key only when it does not exist.
// FlagWrite makes the host lock the key exclusively and count the call as a
// change for auto-save; when nothing changed, SetChanges(0) says so.
var setnx2 = core.NewCommand(core.Spec{
	Name: "setnx2", Arity: 3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast,
	FirstKey: 1, LastKey: 1, Step: 1, Group: "string",
	Summary: "Sets a key when it does not exist.",
}, func(c *core.Ctx) error {
	if c.DB.Exists(c.Args[1]) {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	// Args belong to the command: the value may keep the slice.
	c.DB.Set(c.Args[1], core.NewString(c.Args[2]))
	c.WriteInt(1)
	return nil
})

type writer struct{}

func (writer) Name() string             { return "writer" }
func (writer) Commands() []core.Command { return []core.Command{setnx2} }

// A write command reports how many changes it made, so that auto-save
// (`save 60 1`) sees only real changes.
func ExampleCtx_SetChanges() {
	srv, _ := redmodtest.Start(redmodtest.WithModule(writer{}), redmodtest.InMemory())
	defer srv.Close()
	ctx := context.Background()
	rdb := connect(srv)
	defer rdb.Close()

	fmt.Println(rdb.Do(ctx, "SETNX2", "k", "v1").Val(), srv.Keyspace().Dirty())
	fmt.Println(rdb.Do(ctx, "SETNX2", "k", "v2").Val(), srv.Keyspace().Dirty())
	// Output:
	// 1 1
	// 0 1
}

// set2 keeps none of its arguments once it returns: DB.SetString copies
// the value (core.NewString(c.Args[2]) would keep the slice), and the
// keyspace copies the key. So it declares BorrowsArgs, and the host runs
// it on views of the connection's read buffer instead of allocating a copy
// of its arguments for every call.
var set2 = core.NewCommand(core.Spec{
	Name: "set2", Arity: 3, Flags: core.FlagWrite | core.FlagDenyOOM,
	FirstKey: 1, LastKey: 1, Step: 1, Group: "string",
	Summary:     "Sets a key, keeping no argument.",
	BorrowsArgs: true,
}, func(c *core.Ctx) error {
	c.DB.SetString(c.Args[1], c.Args[2], 0, false)
	c.WriteOK()
	return nil
})

type borrower struct{}

func (borrower) Name() string             { return "borrower" }
func (borrower) Commands() []core.Command { return []core.Command{set2} }

// A command that stores only copies of its arguments declares BorrowsArgs.
// The values it stored stay intact while the buffer its arguments came
// from is reused for the requests that follow; COMMAND INFO does not show
// the declaration.
func ExampleSpec_borrowsArgs() {
	srv, _ := redmodtest.Start(redmodtest.WithModule(borrower{}), redmodtest.InMemory())
	defer srv.Close()
	ctx := context.Background()
	rdb := connect(srv)
	defer rdb.Close()

	pipe := rdb.Pipeline()
	pipe.Do(ctx, "SET2", "k1", "first")
	pipe.Do(ctx, "SET2", "k2", "other")
	pipe.Exec(ctx)
	fmt.Println(rdb.Get(ctx, "k1").Val(), rdb.Get(ctx, "k2").Val())
	info, _ := rdb.Do(ctx, "COMMAND", "INFO", "set2").Slice()
	fmt.Println(info[0].([]any)[2])
	// Output:
	// first other
	// [write denyoom]
}

// heartbeat is a module with the whole lifecycle: it declares a setting,
// receives its logger, the keyspace and its settings in Provision, checks
// them in Validate, runs background work between Start and Stop, and adds
// INFO fields.
type heartbeat struct {
	log   interface{ Info(string, ...any) }
	ks    *core.Keyspace
	every time.Duration
	beats atomicCounter
	stop  chan struct{}
	done  sync.WaitGroup
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (a *atomicCounter) add() int { a.mu.Lock(); defer a.mu.Unlock(); a.n++; return a.n }
func (a *atomicCounter) get() int { a.mu.Lock(); defer a.mu.Unlock(); return a.n }

func (*heartbeat) Name() string             { return "heartbeat" }
func (*heartbeat) Commands() []core.Command { return nil }

// Settings declares heartbeat.interval: --heartbeat.interval 5ms on the
// command line, CONFIG GET heartbeat.*, host.Config.Modules from Go.
func (*heartbeat) Settings() []core.Setting {
	return []core.Setting{{
		Name: "interval", Default: "1s", Usage: "how often to write the heartbeat key",
		Validate: func(v string) error {
			if _, err := time.ParseDuration(v); err != nil {
				return errors.New("argument must be a duration such as 1s")
			}
			return nil
		},
	}}
}

func (h *heartbeat) Provision(m *core.ModuleContext) error {
	h.log, h.ks = m.Logger, m.Keyspace
	v, _ := m.Config.Get("interval") // the default when not configured
	h.every, _ = time.ParseDuration(v)
	fmt.Println("provisioned; interval", h.every)
	return nil
}

func (h *heartbeat) Validate() error {
	if h.every < time.Millisecond {
		return errors.New("interval must be at least 1ms")
	}
	return nil
}

func (h *heartbeat) Start() error {
	h.stop = make(chan struct{})
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		t := time.NewTicker(h.every)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
			n := h.beats.add()
			// Outside a command, data changes only inside Update, which
			// holds every lock.
			h.ks.Update(func(ks *core.Keyspace) error {
				ks.DB(0).Set([]byte("heartbeat"), core.NewString(strconv.AppendInt(nil, int64(n), 10)))
				return nil
			})
		}
	}()
	fmt.Println("started")
	return nil
}

func (h *heartbeat) Stop() error {
	close(h.stop)
	h.done.Wait()
	fmt.Println("stopped")
	return nil
}

func (h *heartbeat) InfoSections() []string { return []string{"heartbeat"} }

func (h *heartbeat) Info(section string) []core.InfoField {
	if section != "heartbeat" {
		return nil
	}
	return []core.InfoField{{Name: "heartbeat_running", Value: "1"}}
}

// A module with lifecycle hooks and a setting. Provision, Validate, Start
// and Stop run at start-up, when serving begins and at shutdown.
func ExampleProvisioner() {
	srv, err := redmodtest.Start(
		redmodtest.WithModule(&heartbeat{}),
		redmodtest.WithConfig(func(c *host.Config) {
			c.Modules = map[string]string{"heartbeat.interval": "5ms"}
		}),
		redmodtest.InMemory())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	rdb := connect(srv)
	for rdb.Exists(ctx, "heartbeat").Val() == 0 {
		time.Sleep(time.Millisecond)
	}
	fmt.Println(rdb.ConfigGet(ctx, "heartbeat.*").Val())
	fmt.Print(strings.ReplaceAll(rdb.Info(ctx, "heartbeat").Val(), "\r", ""))
	rdb.Close()
	srv.Close()

	// A value its Validate rejects stops start-up.
	_, err = redmodtest.Start(redmodtest.WithModule(&heartbeat{}), redmodtest.WithConfig(func(c *host.Config) {
		c.Modules = map[string]string{"heartbeat.interval": "10us"}
	}))
	fmt.Println(err)
	// So does a value the setting's own Validate rejects, before Provision.
	_, err = redmodtest.Start(redmodtest.WithModule(&heartbeat{}), redmodtest.WithConfig(func(c *host.Config) {
		c.Modules = map[string]string{"heartbeat.interval": "soon"}
	}))
	fmt.Println(err)
	// Output:
	// provisioned; interval 5ms
	// started
	// map[heartbeat.interval:5ms]
	// # Heartbeat
	// heartbeat_running:1
	// stopped
	// provisioned; interval 10µs
	// module heartbeat: invalid configuration: interval must be at least 1ms
	// heartbeat.interval: argument must be a duration such as 1s
}

// Settings a module declares are CONFIG GET/SET parameters; CONFIG SET runs
// their Validate and refuses those not Mutable, with Redis's errors.
func ExampleConfigurable() {
	srv, _ := redmodtest.Start(redmodtest.WithModule(settingsDemo{}), redmodtest.InMemory())
	defer srv.Close()
	ctx := context.Background()
	rdb := connect(srv)
	defer rdb.Close()

	fmt.Println(rdb.ConfigGet(ctx, "demo.*").Val())
	fmt.Println(rdb.ConfigSet(ctx, "demo.limit", "20").Val())
	fmt.Println(rdb.ConfigSet(ctx, "demo.limit", "-1").Err())
	fmt.Println(rdb.ConfigSet(ctx, "demo.mode", "fast").Err())
	v, _ := srv.Config().Modules["demo.limit"]
	fmt.Println("demo.limit is now", v)
	// Output:
	// map[demo.limit:10 demo.mode:safe]
	// OK
	// ERR CONFIG SET failed (possibly related to argument 'demo.limit') - argument must be a positive integer
	// ERR CONFIG SET failed (possibly related to argument 'demo.mode') - can't set immutable config
	// demo.limit is now 20
}

type settingsDemo struct{}

func (settingsDemo) Name() string             { return "demo" }
func (settingsDemo) Commands() []core.Command { return nil }
func (settingsDemo) Settings() []core.Setting {
	return []core.Setting{
		{Name: "limit", Default: "10", Mutable: true, Usage: "requests per window", Validate: func(v string) error {
			if n, err := strconv.Atoi(v); err != nil || n < 1 {
				return errors.New("argument must be a positive integer")
			}
			return nil
		}},
		{Name: "mode", Default: "safe", Usage: "fixed at start"},
	}
}

// Point is a new value type: a pair of integers. A type is a descriptor
// (name for TYPE, decoder for snapshots) plus a Value implementation.
type Point struct{ X, Y int64 }

// PointType is the descriptor; its Name must be unique among the types of
// a binary.
var PointType = &core.Type{
	Name: "example-point",
	Decode: func(b []byte) (core.Value, error) {
		r := core.NewSnapshotReader(b)
		p := &Point{X: r.Varint(), Y: r.Varint()}
		return p, r.Done() // corrupt or left-over input is an error, never a panic
	},
}

func (p *Point) Type() *core.Type  { return PointType }
func (p *Point) Encoding() string  { return "raw" }
func (p *Point) MemoryUsage() int  { return 16 + 16 }
func (p *Point) Clone() core.Value { q := *p; return &q }
func (p *Point) AppendSnapshot(dst []byte) []byte {
	return core.AppendVarint(core.AppendVarint(dst, p.X), p.Y)
}

// points provides the type and two commands on it.
type points struct{}

func (points) Name() string             { return "points" }
func (points) Types() []*core.Type      { return []*core.Type{PointType} }
func (points) Commands() []core.Command { return pointCommands }

var pointCommands = []core.Command{
	core.NewCommand(core.Spec{Name: "pset", Arity: 4, Flags: core.FlagWrite | core.FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Stores a point."}, func(c *core.Ctx) error {
		x, err1 := core.Int(c.Args[2])
		y, err2 := core.Int(c.Args[3])
		if err := errors.Join(err1, err2); err != nil {
			return core.ErrNotInteger
		}
		if _, err := core.Lookup[*Point](c.DB, c.Args[1]); err != nil {
			return err
		}
		c.DB.Set(c.Args[1], &Point{X: x, Y: y})
		c.WriteOK()
		return nil
	}),
	core.NewCommand(core.Spec{Name: "pget", Arity: 2, Flags: core.FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns a point."}, func(c *core.Ctx) error {
		p, err := core.Lookup[*Point](c.DB, c.Args[1])
		if err != nil || p == nil {
			c.WriteNullArray()
			return err
		}
		c.WriteArray(2)
		c.WriteInt(p.X)
		c.WriteInt(p.Y)
		return nil
	}),
}

// A new data type persists through the snapshot without changes to the
// host: the value encodes itself, the type decodes it.
func ExampleType() {
	v := core.Value(&Point{X: 3, Y: -4})
	enc := v.AppendSnapshot(nil)
	back, err := PointType.Decode(enc)
	fmt.Println(v.Type().Name, v.MemoryUsage(), enc, back, err)
	_, err = PointType.Decode(enc[:1])
	fmt.Println(err)

	// The same through a server: save, restart, read back.
	dir, _ := os.MkdirTemp("", "points")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		srv, err := redmodtest.Start(redmodtest.WithModule(points{}), redmodtest.WithPersistence(dir), redmodtest.InMemory())
		if err != nil {
			panic(err)
		}
		rdb := connect(srv)
		if i == 0 {
			fmt.Println(rdb.Do(ctx, "PSET", "p", "3", "-4").Val())
			fmt.Println(rdb.Do(ctx, "PSET", "p", "3", "north").Err())
			// The generic commands work on the new type through Value.
			fmt.Println(rdb.Type(ctx, "p").Val(), rdb.ObjectEncoding(ctx, "p").Val())
			// MEMORY USAGE adds the key and the server's overhead to
			// the value's estimate.
			fmt.Println(rdb.MemoryUsage(ctx, "p").Val() >= int64((&Point{}).MemoryUsage()))
			rdb.Copy(ctx, "p", "q", 0, false)
			fmt.Println(rdb.Do(ctx, "PGET", "q").Val())
		} else {
			fmt.Println(rdb.Do(ctx, "PGET", "p").Val())
		}
		rdb.Close()
		srv.Close() // saves, as redmod does on SIGTERM
	}
	// Output:
	// example-point 32 [6 7] &{3 -4} <nil>
	// corrupt snapshot data
	// OK
	// ERR value is not an integer or out of range
	// example-point raw
	// true
	// [3 -4]
	// [3 -4]
}

// hits counts calls of its HIT command and reports them in INFO.
type hits struct{ n atomic.Int64 }

func (*hits) Name() string { return "hits" }

func (h *hits) Commands() []core.Command {
	return []core.Command{core.NewCommand(core.Spec{Name: "hit", Arity: 1, Flags: core.FlagFast, Summary: "Counts a hit."},
		func(c *core.Ctx) error {
			c.WriteInt(h.n.Add(1))
			return nil
		})}
}

// InfoSections names the module's own section, printed after the standard
// ones by INFO, INFO all and INFO hits.
func (*hits) InfoSections() []string { return []string{"hits"} }

// Info fills the module's section and may extend standard ones.
func (h *hits) Info(section string) []core.InfoField {
	switch section {
	case "hits":
		return []core.InfoField{{Name: "hits_total", Value: strconv.FormatInt(h.n.Load(), 10)}}
	case "stats":
		return []core.InfoField{{Name: "hits_enabled", Value: "1"}}
	}
	return nil
}

// A module adds its own INFO section and fields to standard sections. Info
// runs without locks, so the counter is atomic.
func ExampleInfoProvider() {
	srv, _ := redmodtest.Start(redmodtest.WithModule(&hits{}), redmodtest.InMemory())
	defer srv.Close()
	ctx := context.Background()
	rdb := connect(srv)
	defer rdb.Close()
	rdb.Do(ctx, "HIT")
	rdb.Do(ctx, "HIT")
	fmt.Print(strings.ReplaceAll(rdb.Info(ctx, "hits").Val(), "\r", ""))
	fmt.Println(strings.Contains(rdb.Info(ctx, "stats").Val(), "hits_enabled:1"))
	// Output:
	// # Hits
	// hits_total:2
	// true
}
