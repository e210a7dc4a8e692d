package keys_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestGenericCommandsE2E(t *testing.T) {
	ctx := context.Background()
	srv, rdb := client(t)
	rdb.Set(ctx, "a", "1", time.Hour)
	rdb.HSet(ctx, "h", "f", "v")

	if typ := rdb.Type(ctx, "h").Val(); typ != "hash" {
		t.Fatalf("TYPE = %q", typ)
	}
	if pttl := rdb.PTTL(ctx, "a").Val(); pttl <= 59*time.Minute || pttl > time.Hour {
		t.Fatalf("PTTL = %v", pttl)
	}
	at := rdb.ExpireTime(ctx, "a").Val()
	if want := time.Duration(time.Now().Add(time.Hour).Unix()) * time.Second; at < want-2*time.Second || at > want+2*time.Second {
		t.Fatalf("EXPIRETIME = %v, want about %v", at, want)
	}
	if !rdb.Persist(ctx, "a").Val() || rdb.TTL(ctx, "a").Val() != -1 {
		t.Fatal("PERSIST")
	}
	if !rdb.PExpire(ctx, "a", 1500*time.Millisecond).Val() {
		t.Fatal("PEXPIRE")
	}
	srv.FastForward(2 * time.Second)
	if rdb.Exists(ctx, "a").Val() != 0 {
		t.Fatal("key survived its PEXPIRE")
	}
	rdb.Set(ctx, "a", "1", 0)
	if !rdb.PExpireAt(ctx, "a", time.Now().Add(time.Minute)).Val() || rdb.PExpireTime(ctx, "a").Val() <= 0 {
		t.Fatal("PEXPIREAT")
	}
	if !rdb.ExpireAt(ctx, "a", time.Now().Add(-time.Minute)).Val() || rdb.Exists(ctx, "a").Val() != 0 {
		t.Fatal("EXPIREAT in the past must delete")
	}

	// RENAME keeps the TTL and replaces the destination.
	rdb.Set(ctx, "src", "v", time.Hour)
	rdb.Set(ctx, "dst", "old", 0)
	if err := rdb.Rename(ctx, "src", "dst").Err(); err != nil {
		t.Fatal(err)
	}
	if rdb.Get(ctx, "dst").Val() != "v" || rdb.TTL(ctx, "dst").Val() <= 0 || rdb.Exists(ctx, "src").Val() != 0 {
		t.Fatal("RENAME")
	}
	if err := rdb.Rename(ctx, "src", "x").Err(); err == nil || err.Error() != "ERR no such key" {
		t.Fatalf("RENAME of a missing key: %v", err)
	}
	if rdb.RenameNX(ctx, "dst", "h").Val() || !rdb.RenameNX(ctx, "dst", "dst2").Val() {
		t.Fatal("RENAMENX")
	}

	// COPY to another database, then MOVE back.
	if n := rdb.Copy(ctx, "h", "h", 3, false).Val(); n != 1 {
		t.Fatalf("COPY DB 3 = %d", n)
	}
	db3 := redis.NewClient(&redis.Options{Addr: srv.Addr(), DB: 3, Protocol: 2})
	defer db3.Close()
	if v := db3.HGet(ctx, "h", "f").Val(); v != "v" {
		t.Fatalf("copied hash: %q", v)
	}
	db3.HSet(ctx, "h", "f", "changed")
	if v := rdb.HGet(ctx, "h", "f").Val(); v != "v" {
		t.Fatal("COPY shares the value instead of cloning it")
	}
	if rdb.Move(ctx, "h", 3).Val() {
		t.Fatal("MOVE onto an existing key must fail")
	}
	db3.Del(ctx, "h")
	if !rdb.Move(ctx, "h", 3).Val() || rdb.Exists(ctx, "h").Val() != 0 || db3.Exists(ctx, "h").Val() != 1 {
		t.Fatal("MOVE")
	}

	if n := rdb.Touch(ctx, "dst2", "nope").Val(); n != 1 {
		t.Fatalf("TOUCH = %d", n)
	}
	if n := rdb.Unlink(ctx, "dst2", "nope").Val(); n != 1 {
		t.Fatalf("UNLINK = %d", n)
	}
	if err := rdb.RandomKey(ctx).Err(); err != redis.Nil {
		t.Fatalf("RANDOMKEY on an empty database: %v", err)
	}
	rdb.Set(ctx, "only", "1", 0)
	if k := rdb.RandomKey(ctx).Val(); k != "only" {
		t.Fatalf("RANDOMKEY = %q", k)
	}
}

// TestObjectIdletime checks that reads and writes reset the idle time and
// that OBJECT itself does not.
func TestObjectIdletime(t *testing.T) {
	ctx := context.Background()
	srv, rdb := client(t)
	rdb.Set(ctx, "k", "v", 0)
	rdb.Set(ctx, "other", "v", 0)
	srv.FastForward(100 * time.Second)
	if idle := rdb.ObjectIdleTime(ctx, "k").Val(); idle < 99*time.Second || idle > 101*time.Second {
		t.Fatalf("IDLETIME after 100 s = %v", idle)
	}
	rdb.Type(ctx, "k")
	rdb.TTL(ctx, "k")
	rdb.Exists(ctx, "k")
	if idle := rdb.ObjectIdleTime(ctx, "k").Val(); idle < 99*time.Second {
		t.Fatalf("OBJECT IDLETIME, TYPE, TTL or EXISTS counted as an access: %v", idle)
	}
	rdb.Get(ctx, "k")
	rdb.Touch(ctx, "other")
	if idle := rdb.ObjectIdleTime(ctx, "k").Val(); idle > time.Second {
		t.Fatalf("IDLETIME after GET = %v", idle)
	}
	if idle := rdb.ObjectIdleTime(ctx, "other").Val(); idle > time.Second {
		t.Fatalf("IDLETIME after TOUCH = %v", idle)
	}
	if err := rdb.ObjectIdleTime(ctx, "missing").Err(); err != redis.Nil {
		t.Fatalf("IDLETIME of a missing key: %v", err)
	}
	if err := rdb.ObjectFreq(ctx, "k").Err(); err == nil {
		t.Fatal("OBJECT FREQ must fail under noeviction")
	}
	if enc := rdb.ObjectEncoding(ctx, "k").Val(); enc != "embstr" {
		t.Fatalf("ENCODING = %q", enc)
	}
}
