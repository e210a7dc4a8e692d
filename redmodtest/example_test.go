package redmodtest_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/redmodtest"
)

// In a test, redmodtest.Run(t) does the same and stops the server when the
// test ends; Start is for code outside tests (examples, TestMain, tools).
func ExampleStart() {
	srv, err := redmodtest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()}) // 127.0.0.1:<free port>
	defer rdb.Close()
	ctx := context.Background()
	rdb.Set(ctx, "greeting", "hello", 0)
	fmt.Println(rdb.Get(ctx, "greeting").Val())
	// Output: hello
}

// An in-memory server opens no port: go-redis connects through Dial.
func ExampleInMemory() {
	srv, _ := redmodtest.Start(redmodtest.InMemory())
	defer srv.Close()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial})
	defer rdb.Close()
	ctx := context.Background()
	fmt.Println(srv.Addr(), rdb.Ping(ctx).Val())
	// Output: pipe PONG
}

// FastForward moves the server's clock: keys expire without sleeping.
func ExampleServer_FastForward() {
	srv, _ := redmodtest.Start(redmodtest.InMemory())
	defer srv.Close()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial})
	defer rdb.Close()
	ctx := context.Background()
	rdb.Set(ctx, "session", "abc", time.Hour)
	srv.FastForward(time.Hour)
	fmt.Println(rdb.Exists(ctx, "session").Val())
	// Output: 0
}

// Update sets up data directly, without a client.
func ExampleServer_Update() {
	srv, _ := redmodtest.Start(redmodtest.InMemory())
	defer srv.Close()
	srv.Update(func(ks *core.Keyspace) error {
		ks.DB(0).Set([]byte("k"), core.NewString([]byte("v")))
		return nil
	})
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial})
	defer rdb.Close()
	fmt.Println(rdb.Get(context.Background(), "k").Val())
	// Output: v
}

// WithModules serves a subset of the modules the test binary imports;
// the others' commands are unknown.
func ExampleWithModules() {
	srv, _ := redmodtest.Start(redmodtest.WithModules("admin", "strings"), redmodtest.InMemory())
	defer srv.Close()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial})
	defer rdb.Close()
	fmt.Println(rdb.LPush(context.Background(), "l", "x").Err())
	// Output: ERR unknown command 'lpush', with args beginning with: 'l' 'x'
}

// WithPersistence keeps the snapshot in a folder: closing the server saves
// it and the next server loads it, a restart within one test.
func ExampleWithPersistence() {
	dir, _ := os.MkdirTemp("", "redmodtest")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		srv, _ := redmodtest.Start(redmodtest.WithPersistence(dir), redmodtest.InMemory())
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial})
		fmt.Println(rdb.Incr(ctx, "restarts").Val())
		rdb.Close()
		srv.Close()
	}
	// Output:
	// 1
	// 2
}
