package host_test

import (
	"context"
	"fmt"
	"net"

	"github.com/hashicorp/go-hclog"
	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/host"
	_ "github.com/redmod/redmod/modules/std" // the modules the program serves
	"github.com/redmod/redmod/redmodtest"
)

// A program embeds redmod with New and Serve: New loads the snapshot and
// provisions the modules the program imports, Serve accepts connections on
// any net.Listener until Close, which saves when save rules are set.
func ExampleServer_Serve() {
	cfg := host.DefaultConfig()
	cfg.DBFilename = "" // no persistence in this example; set Dir and DBFilename to keep data
	cfg.Logger = hclog.NewNullLogger()
	srv, err := host.New(cfg, nil) // nil: every module the program imports
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	rdb := redis.NewClient(&redis.Options{Addr: ln.Addr().String()})
	defer rdb.Close()
	fmt.Println(rdb.Ping(context.Background()).Val())
	// Output: PONG
}

// The same server without a port: the program talks to its embedded server
// in memory.
func ExampleServer_Serve_inMemory() {
	cfg := host.DefaultConfig()
	cfg.DBFilename = ""
	cfg.Logger = hclog.NewNullLogger()
	srv, _ := host.New(cfg, nil)
	ln := redmodtest.NewPipeListener()
	go srv.Serve(ln)
	defer srv.Close()

	rdb := redis.NewClient(&redis.Options{Addr: "redmod", Dialer: ln.Dial})
	defer rdb.Close()
	ctx := context.Background()
	rdb.HSet(ctx, "user:1", "name", "Ada")
	fmt.Println(rdb.HGet(ctx, "user:1", "name").Val())
	// Output: Ada
}
