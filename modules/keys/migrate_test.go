package keys_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

// MIGRATE from redmod to a real Redis and back, with Redis's replies.
func TestMigrateWithRedis(t *testing.T) {
	ctx := context.Background()
	raddr := difftest.RedisTCP(t)
	rc := redis.NewClient(&redis.Options{Addr: raddr, Protocol: 2})
	defer rc.Close()
	srv, mc := client(t)
	rh, rp := hostPort(t, raddr)

	do := func(c *redis.Client, args ...any) (any, error) { return c.Do(ctx, args...).Result() }
	if v, err := do(mc, "migrate", rh, rp, "nokey", 0, 1000); err != nil || v != "NOKEY" {
		t.Fatalf("MIGRATE of a missing key: %v %v", v, err)
	}
	mc.Set(ctx, "key", "Some Value", 10*time.Second)
	mc.RPush(ctx, "list", "a", "b", "c")
	if v, err := do(mc, "migrate", rh, rp, "key", 9, 5000); err != nil || v != "OK" {
		t.Fatalf("MIGRATE: %v %v", v, err)
	}
	if mc.Exists(ctx, "key").Val() != 0 {
		t.Error("migrated key still here")
	}
	r9 := redis.NewClient(&redis.Options{Addr: raddr, DB: 9, Protocol: 2})
	defer r9.Close()
	if r9.Get(ctx, "key").Val() != "Some Value" {
		t.Error("the key did not arrive")
	}
	if ttl := r9.TTL(ctx, "key").Val(); ttl < 7*time.Second || ttl > 10*time.Second {
		t.Errorf("TTL at the target = %v", ttl)
	}
	if info := mc.Info(ctx, "stats").Val(); !strings.Contains(info, "migrate_cached_sockets:1") {
		t.Errorf("INFO stats: no cached socket:\n%s", info)
	}
	// COPY keeps the key; an existing target key is refused without
	// REPLACE.
	if v, err := do(mc, "migrate", rh, rp, "list", 9, 5000, "copy"); err != nil || v != "OK" {
		t.Fatalf("MIGRATE COPY: %v %v", v, err)
	}
	if _, err := do(mc, "migrate", rh, rp, "list", 9, 5000, "copy"); err == nil || err.Error() != "ERR Target instance replied with error: BUSYKEY Target key name already exists." {
		t.Fatalf("MIGRATE onto an existing key: %v", err)
	}
	if v, err := do(mc, "migrate", rh, rp, "list", 9, 5000, "copy", "replace"); err != nil || v != "OK" {
		t.Fatalf("MIGRATE COPY REPLACE: %v %v", v, err)
	}
	if strings.Join(r9.LRange(ctx, "list", 0, -1).Val(), ",") != "a,b,c" || mc.Exists(ctx, "list").Val() != 1 {
		t.Error("COPY REPLACE")
	}
	// KEYS: only the keys the target accepted are deleted here.
	mc.MSet(ctx, "a", "1", "b", "2", "c", "3")
	r9.Set(ctx, "b", "busy", 0)
	if _, err := do(mc, "migrate", rh, rp, "", 9, 5000, "keys", "a", "nokey", "b", "c"); err == nil || !strings.Contains(err.Error(), "BUSYKEY") {
		t.Fatalf("MIGRATE KEYS with a busy key: %v", err)
	}
	if mc.Exists(ctx, "a", "b", "c").Val() != 1 || mc.Get(ctx, "b").Val() != "2" || r9.Get(ctx, "c").Val() != "3" {
		t.Error("MIGRATE KEYS deleted the wrong keys")
	}
	if _, err := do(mc, "migrate", rh, rp, "x", 9, 5000, "keys", "a"); err == nil || err.Error() != "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string" {
		t.Fatalf("MIGRATE KEYS with a key: %v", err)
	}
	// AUTH: a wrong password is the target's error.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(rc.ConfigSet(ctx, "requirepass", "foobar").Err())
	rcAuth := redis.NewClient(&redis.Options{Addr: raddr, Password: "foobar", DB: 9, Protocol: 2})
	defer rcAuth.Close()
	mc.RPush(ctx, "l2", "x")
	if v, err := do(mc, "migrate", rh, rp, "l2", 9, 5000, "auth", "foobar"); err != nil || v != "OK" {
		t.Fatalf("MIGRATE AUTH: %v %v", v, err)
	}
	mc.RPush(ctx, "l3", "x")
	if _, err := do(mc, "migrate", rh, rp, "l3", 9, 5000, "auth", "wrong"); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Fatalf("MIGRATE with a wrong password: %v", err)
	}
	if v, err := do(mc, "migrate", rh, rp, "l3", 9, 5000, "replace", "auth2", "default", "foobar"); err != nil || v != "OK" {
		t.Fatalf("MIGRATE AUTH2: %v %v", v, err)
	}
	if rcAuth.Exists(ctx, "l2", "l3").Val() != 2 {
		t.Error("authenticated MIGRATE did not arrive")
	}
	// Nobody listening: Redis reports the refusal as a write error.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	_, deadPort := hostPort(t, ln.Addr().String())
	ln.Close()
	mc.Set(ctx, "l3x", "v", 0)
	if _, err := do(mc, "migrate", "127.0.0.1", deadPort, "l3x", 0, 100); err == nil || err.Error() != "IOERR error or timeout writing to target instance" {
		t.Fatalf("MIGRATE to nobody: %v", err)
	}

	// From Redis to redmod.
	must(rc.ConfigSet(ctx, "requirepass", "").Err())
	rc.Set(ctx, "fromredis", "v", time.Hour)
	mh, mp := hostPort(t, srv.Addr())
	if v, err := do(rc, "migrate", mh, mp, "fromredis", 0, 5000); err != nil || v != "OK" {
		t.Fatalf("Redis MIGRATE to redmod: %v %v", v, err)
	}
	if mc.Get(ctx, "fromredis").Val() != "v" || mc.TTL(ctx, "fromredis").Val() < 59*time.Minute {
		t.Error("the key from Redis did not arrive with its TTL")
	}
}

// MIGRATE between two redmod servers.
func TestMigrateBetweenRedmods(t *testing.T) {
	ctx := context.Background()
	_, a := client(t)
	dst := redmodtest.Run(t)
	b := redis.NewClient(&redis.Options{Addr: dst.Addr(), DB: 3})
	defer b.Close()
	h, p := hostPort(t, dst.Addr())
	a.HSet(ctx, "h", "f1", "item 1", "f2", "item 2")
	if v, err := a.Migrate(ctx, h, p, "h", 3, 5*time.Second).Result(); err != nil || v != "OK" {
		t.Fatalf("MIGRATE: %v %v", v, err)
	}
	if b.HGet(ctx, "h", "f2").Val() != "item 2" || a.Exists(ctx, "h").Val() != 0 {
		t.Error("the hash did not move")
	}
}
