package streams_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

// TestGoRedisStreamAPI goes through go-redis's stream calls, whose reply
// parsers expect Redis's exact shapes (maps of XINFO, XAUTOCLAIM's three
// parts, XPENDING's summary).
func TestGoRedisStreamAPI(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range []string{"1-0", "2-0", "3-0"} {
		_, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: id, Values: map[string]any{"n": i}}).Result()
		must(err)
	}
	id, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", MaxLen: 10, Approx: true, Values: []string{"k", "v"}}).Result()
	must(err)
	if msgs := rdb.XRangeN(ctx, "s", "-", "+", 2).Val(); len(msgs) != 2 || msgs[1].Values["n"] != "1" {
		t.Fatalf("XRANGE = %+v", msgs)
	}
	if msgs := rdb.XRevRange(ctx, "s", "+", "-").Val(); len(msgs) != 4 || msgs[0].ID != id {
		t.Fatalf("XREVRANGE = %+v", msgs)
	}
	must(rdb.XGroupCreate(ctx, "s", "g", "0").Err())
	res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "alice", Streams: []string{"s", ">"}, Count: 2, Block: -1}).Result()
	must(err)
	if len(res) != 1 || len(res[0].Messages) != 2 {
		t.Fatalf("XREADGROUP = %+v", res)
	}
	p := rdb.XPending(ctx, "s", "g").Val()
	if p.Count != 2 || p.Lower != "1-0" || p.Higher != "2-0" || p.Consumers["alice"] != 2 {
		t.Fatalf("XPENDING = %+v", p)
	}
	ext := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "-", End: "+", Count: 10}).Val()
	if len(ext) != 2 || ext[0].Consumer != "alice" || ext[0].RetryCount != 1 {
		t.Fatalf("XPENDING extended = %+v", ext)
	}
	claimed, start, err := rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: "s", Group: "g", Consumer: "bob", Start: "0", Count: 1}).Result()
	must(err)
	if len(claimed) != 1 || start != "2-0" {
		t.Fatalf("XAUTOCLAIM = %+v %s", claimed, start)
	}
	ids := rdb.XClaimJustID(ctx, &redis.XClaimArgs{Stream: "s", Group: "g", Consumer: "bob", Messages: []string{"2-0"}}).Val()
	if len(ids) != 1 || ids[0] != "2-0" {
		t.Fatalf("XCLAIM JUSTID = %v", ids)
	}
	groups := rdb.XInfoGroups(ctx, "s").Val()
	if len(groups) != 1 || groups[0].Pending != 2 || groups[0].EntriesRead != 2 || groups[0].Lag != 2 {
		t.Fatalf("XINFO GROUPS = %+v", groups)
	}
	consumers := rdb.XInfoConsumers(ctx, "s", "g").Val()
	if len(consumers) != 2 || consumers[1].Name != "bob" || consumers[1].Pending != 2 {
		t.Fatalf("XINFO CONSUMERS = %+v", consumers)
	}
	info, err := rdb.XInfoStream(ctx, "s").Result()
	must(err)
	if info.Length != 4 || info.EntriesAdded != 4 || info.FirstEntry.ID != "1-0" || info.LastEntry.ID != id || info.Groups != 1 {
		t.Fatalf("XINFO STREAM = %+v", info)
	}
	full, err := rdb.XInfoStreamFull(ctx, "s", 10).Result()
	must(err)
	if len(full.Entries) != 4 || len(full.Groups) != 1 || len(full.Groups[0].Consumers) != 2 || len(full.Groups[0].Pending) != 2 {
		t.Fatalf("XINFO STREAM FULL = %+v", full)
	}
	if n := rdb.XAck(ctx, "s", "g", "1-0", "2-0").Val(); n != 2 {
		t.Fatalf("XACK = %d", n)
	}
	if n := rdb.XTrimMaxLen(ctx, "s", 1).Val(); n != 3 {
		t.Fatalf("XTRIM = %d", n)
	}
	if n := rdb.XDel(ctx, "s", id).Val(); n != 1 {
		t.Fatalf("XDEL = %d", n)
	}
	if v := rdb.Type(ctx, "s").Val(); v != "stream" {
		t.Fatalf("TYPE = %s", v)
	}
	keys, _ := rdb.ScanType(ctx, 0, "*", 10, "stream").Val()
	if len(keys) != 1 || keys[0] != "s" {
		t.Fatalf("SCAN TYPE stream = %v", keys)
	}
	must(rdb.Rename(ctx, "s", "r").Err())
	must(rdb.Move(ctx, "r", 1).Err())
	if n := rdb.MemoryUsage(ctx, "nokey").Val(); n != 0 {
		t.Fatalf("MEMORY USAGE nokey = %d", n)
	}
}
