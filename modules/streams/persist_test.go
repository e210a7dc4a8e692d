package streams_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

// streamState renders everything a snapshot must keep of stream s: the
// entries, the stream's counters and each group's consumers and pending
// entries with their delivery counts.
func streamState(t *testing.T, rdb *redis.Client, key string) string {
	t.Helper()
	ctx := context.Background()
	var out []any
	out = append(out, rdb.XRange(ctx, key, "-", "+").Val())
	info := rdb.Do(ctx, "XINFO", "STREAM", key, "FULL").Val()
	out = append(out, info)
	return fmtAny(out)
}

func fmtAny(v any) string {
	return stringify(v)
}

func stringify(v any) string {
	switch x := v.(type) {
	case []any:
		s := "["
		for i, e := range x {
			if i > 0 {
				s += " "
			}
			s += stringify(e)
		}
		return s + "]"
	case map[any]any:
		return "map"
	default:
		return fmtValue(x)
	}
}

func TestSnapshotKeepsStreamsAndGroups(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	for i := 1; i <= 250; i++ {
		rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-" + itoa(i), Values: []string{"f", itoa(i), "g", "x"}})
	}
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "2-0", Values: []string{"other", "fields"}})
	rdb.XDel(ctx, "s", "1-5", "1-120")
	rdb.XGroupCreate(ctx, "s", "g1", "0")
	rdb.XGroupCreate(ctx, "s", "g2", "$")
	rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g1", Consumer: "alice", Streams: []string{"s", ">"}, Count: 10})
	rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g1", Consumer: "bob", Streams: []string{"s", ">"}, Count: 5})
	rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g1", Consumer: "alice", Streams: []string{"s", "0"}, Count: 3})
	rdb.XAck(ctx, "s", "g1", "1-2")
	rdb.XGroupCreateConsumer(ctx, "s", "g2", "idle")
	rdb.Do(ctx, "XSETID", "s", "9-0", "ENTRIESADDED", "1000", "MAXDELETEDID", "3-0")
	rdb.Copy(ctx, "s", "copy", 0, false)
	before := streamState(t, rdb, "s")
	if c := streamState(t, rdb, "copy"); c != before {
		t.Fatalf("COPY differs:\n%s\n%s", c, before)
	}
	rdb.Close()
	srv.Close()

	srv2 := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb2 := redis.NewClient(&redis.Options{Addr: srv2.Addr()})
	defer rdb2.Close()
	if after := streamState(t, rdb2, "s"); after != before {
		t.Fatalf("after restart:\n%s\nwant\n%s", after, before)
	}
	if n := rdb2.XLen(ctx, "s").Val(); n != 249 {
		t.Fatalf("XLEN = %d", n)
	}
}

func itoa(i int) string { return fmtValue(i) }

func fmtValue(v any) string { return fmt.Sprint(v) }
