package zsets_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

func newClient(t *testing.T, srv *redmodtest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ReadTimeout: -1, PoolSize: 8})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// waitBlocked waits until n clients are blocked, as INFO reports them.
func waitBlocked(t *testing.T, rdb *redis.Client, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r\n", n)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(rdb.Info(context.Background(), "clients").Val(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %q", want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestLeaderboardWithGoRedis(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		rdb.ZAdd(ctx, "board", redis.Z{Score: float64(i % 100), Member: fmt.Sprintf("p%04d", i)})
	}
	if enc := rdb.ObjectEncoding(ctx, "board").Val(); enc != "skiplist" {
		t.Fatalf("encoding %q", enc)
	}
	top := rdb.ZRevRangeWithScores(ctx, "board", 0, 2).Val()
	if len(top) != 3 || top[0].Member != "p0999" || top[0].Score != 99 {
		t.Fatalf("top = %v", top)
	}
	if r := rdb.ZRank(ctx, "board", "p0100").Val(); r != 1 {
		t.Fatalf("ZRANK = %d", r)
	}
	if n := rdb.ZCount(ctx, "board", "10", "(20").Val(); n != 100 {
		t.Fatalf("ZCOUNT = %d", n)
	}
	if typ := rdb.Type(ctx, "board").Val(); typ != "zset" {
		t.Fatalf("TYPE = %q", typ)
	}
	// Sliding-window rate limiter, as libraries build it.
	pipe := rdb.Pipeline()
	pipe.ZRemRangeByScore(ctx, "window", "-inf", "100")
	pipe.ZAdd(ctx, "window", redis.Z{Score: 150, Member: "req1"})
	pipe.ZCard(ctx, "window")
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if s := rdb.ZScore(ctx, "window", "req1").Val(); s != 150 {
		t.Fatalf("ZSCORE = %v", s)
	}
}

func TestBZPOPMINServesWaitersInOrder(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	got := []chan string{make(chan string, 1), make(chan string, 1)}
	for i := 0; i < 2; i++ {
		go func() {
			v := rdb.BZPopMin(ctx, 0, "q").Val()
			got[i] <- fmt.Sprint(v.Member)
		}()
		waitBlocked(t, rdb, i+1)
	}
	rdb.ZAdd(ctx, "q", redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 1, Member: "a"})
	for i, want := range []string{"a", "b"} {
		select {
		case v := <-got[i]:
			if v != want {
				t.Fatalf("served %q, want %q", v, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("BZPOPMIN was not woken")
		}
	}
	waitBlocked(t, rdb, 0)
	if rdb.Exists(ctx, "q").Val() != 0 {
		t.Fatal("the emptied set should be gone")
	}
	// BZMPOP with a timeout gives a null reply.
	if err := rdb.Do(ctx, "BZMPOP", "0.01", "1", "q", "MAX").Err(); err != redis.Nil {
		t.Fatalf("BZMPOP timeout: %v", err)
	}
}

func TestZSetSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb := newClient(t, srv)
	ctx := context.Background()
	rdb.ZAdd(ctx, "small", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: -1, Member: "b"})
	for i := 0; i < 300; i++ {
		rdb.ZAdd(ctx, "large", redis.Z{Score: float64(i), Member: fmt.Sprint(i)})
	}
	if err := srv.Save(); err != nil {
		t.Fatal(err)
	}
	rdb.Close()
	srv.Close()
	srv2 := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb2 := newClient(t, srv2)
	if v := rdb2.ZRangeWithScores(ctx, "small", 0, -1).Val(); len(v) != 2 || v[0].Member != "b" || v[1].Score != 1.5 {
		t.Fatalf("small after restart: %v", v)
	}
	if n := rdb2.ZCard(ctx, "large").Val(); n != 300 {
		t.Fatalf("large after restart: %d", n)
	}
	if enc := rdb2.ObjectEncoding(ctx, "large").Val(); enc != "skiplist" {
		t.Fatalf("large encoding after restart: %s", enc)
	}
}
