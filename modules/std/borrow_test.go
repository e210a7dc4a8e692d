package std_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
	"github.com/redmod/redmod/registry"
)

// Values of the three sizes the types store differently: inline in a word
// or beside the key, copied into shared chunks, and in a chunk of their own.
var (
	small = "s1"
	mid   = strings.Repeat("m", 60)
	large = strings.Repeat("L", 300)
)

// borrowWrites runs every command that declares core.Spec.BorrowsArgs
// (the test fails for one it does not run) in one pipeline, with keys and
// values that the types store in each of their forms. borrowChecks then
// reads back what they stored.
var borrowWrites = [][]any{
	// strings
	{"set", "s:set", large}, {"set", "s:setget", small}, {"set", "s:setget", mid, "get"},
	{"setex", "s:setex", 100, large}, {"psetex", "s:psetex", 100000, mid},
	{"setnx", "s:setnx", large}, {"set", "s:getset", "old"}, {"getset", "s:getset", mid},
	{"mset", "s:m1", small, "s:m2", large}, {"msetnx", "s:mx1", mid, "s:mx2", large},
	{"append", "s:app", mid}, {"append", "s:app", large}, {"setrange", "s:sr", 5, large},
	{"incr", "s:i"}, {"incrby", "s:i", 41}, {"decr", "s:i"}, {"decrby", "s:i", 2}, {"incrbyfloat", "s:f", "1.5"},
	{"set", "s:gd", "x"}, {"getdel", "s:gd"}, {"getex", "s:set", "ex", 100},
	{"get", "s:set"}, {"mget", "s:m1", "s:m2"}, {"strlen", "s:set"}, {"getrange", "s:set", 0, 3}, {"substr", "s:set", 0, 3},
	// keys
	{"set", "k:del", "x"}, {"del", "k:del"}, {"set", "k:unlink", "x"}, {"unlink", "k:unlink"},
	{"exists", "s:set", "k:none"}, {"expire", "s:m1", 100}, {"pexpire", "s:m2", 100000},
	{"expireat", "s:mx1", "4000000000"}, {"pexpireat", "s:mx2", "4000000000000"}, {"persist", "s:mx2"},
	{"ttl", "s:m1"}, {"pttl", "s:m2"}, {"expiretime", "s:mx1"}, {"pexpiretime", "s:mx1"},
	{"type", "s:set"}, {"touch", "s:set", "k:none"},
	// lists
	{"rpush", "l", small, mid, large}, {"lpush", "l", large + "2"}, {"lpushx", "l", mid + "2"}, {"rpushx", "l", small + "2"},
	{"lpushx", "l:none", "x"}, {"linsert", "l", "before", small, large + "3"}, {"lset", "l", 1, large + "4"},
	{"rpush", "l2", "a", large + "5", "c", "d", "e"}, {"lpop", "l2"}, {"rpop", "l2"}, {"lrem", "l2", 1, "d"},
	{"ltrim", "l2", 0, 5}, {"lmove", "l2", "l3", "left", "right"}, {"rpoplpush", "l2", "l3"},
	{"llen", "l"}, {"lrange", "l", 0, -1}, {"lindex", "l", 0}, {"lpos", "l", mid},
	// hashes
	{"hset", "h", "f1", small, "f2", large}, {"hmset", "h", "f3", mid}, {"hsetnx", "h", "f4", large + "6"},
	{"hincrby", "h", "n", 5}, {"hincrbyfloat", "h", "fl", "1.5"}, {"hset", "h", "gone", "x"}, {"hdel", "h", "gone"},
	{"hset", "hbig", strings.Repeat("F", 100), large}, // a field past the listpack's limit: the table form
	{"hget", "h", "f1"}, {"hmget", "h", "f1", "f2"}, {"hgetall", "h"}, {"hkeys", "h"}, {"hvals", "h"},
	{"hlen", "h"}, {"hexists", "h", "f1"}, {"hstrlen", "h", "f2"},
	// sets
	{"sadd", "st", small, mid, large, "123"}, {"sadd", "sti", "1", "2", "3"}, {"sadd", "stbig", large, large + "7"},
	{"srem", "st", "123"}, {"smove", "st", "st2", large}, {"sadd", "st3", "only"}, {"spop", "st3"},
	{"smembers", "st"}, {"sismember", "st", small}, {"smismember", "st", small, "no"}, {"scard", "st"}, {"srandmember", "st"},
	// sorted sets
	{"zadd", "z", 1, small, 2, mid, 3, large}, {"zincrby", "z", 10, small}, {"zadd", "z", 5, "gone"}, {"zrem", "z", "gone"},
	{"zadd", "zbig", 1, strings.Repeat("Z", 100)}, {"zadd", "z2", 1, "a", 2, "b", 3, "c"}, {"zpopmin", "z2"}, {"zpopmax", "z2"},
	{"zadd", "z3", 1, "a", 2, "b", 3, "c", 4, "d"}, {"zremrangebyrank", "z3", 0, 0}, {"zremrangebyscore", "z3", 4, 4},
	{"zadd", "z4", 0, "a", 0, "b", 0, "c"}, {"zremrangebylex", "z4", "[a", "[a"},
	{"zscore", "z", small}, {"zmscore", "z", small, mid}, {"zcard", "z"}, {"zcount", "z", 0, 100},
	{"zrank", "z", mid}, {"zrevrank", "z", mid}, {"zrange", "z", 0, -1}, {"zrangebyscore", "z", 0, 100},
	{"zrevrange", "z", 0, -1}, {"zrevrangebyscore", "z", 100, 0}, {"zlexcount", "z4", "-", "+"},
	{"zrangebylex", "z4", "-", "+"}, {"zrevrangebylex", "z4", "+", "-"},
	// connection
	{"ping"}, {"echo", mid},
}

// borrowChecks read back what borrowWrites stored, with the replies
// expected, as fmt prints them.
var borrowChecks = []struct {
	cmd  []any
	want string
}{
	{[]any{"get", "s:set"}, large}, {[]any{"get", "s:setget"}, mid}, {[]any{"get", "s:setex"}, large},
	{[]any{"get", "s:psetex"}, mid}, {[]any{"get", "s:setnx"}, large}, {[]any{"get", "s:getset"}, mid},
	{[]any{"mget", "s:m1", "s:m2", "s:mx1", "s:mx2"}, fmt.Sprint([]any{small, large, mid, large})},
	{[]any{"get", "s:app"}, mid + large}, {[]any{"get", "s:sr"}, "\x00\x00\x00\x00\x00" + large},
	{[]any{"get", "s:i"}, "39"}, {[]any{"get", "s:f"}, "1.5"}, {[]any{"exists", "s:gd", "k:del", "k:unlink"}, "0"},
	{[]any{"ttl", "s:set"}, "100"}, {[]any{"ttl", "s:m1"}, "100"}, {[]any{"expiretime", "s:mx1"}, "4000000000"},
	{[]any{"ttl", "s:mx2"}, "-1"},
	{[]any{"lrange", "l", 0, -1}, fmt.Sprint([]any{mid + "2", large + "4", large + "3", small, mid, large, small + "2"})},
	{[]any{"lrange", "l3", 0, -1}, fmt.Sprint([]any{"c", large + "5"})}, {[]any{"lrange", "l2", 0, -1}, "[]"},
	{[]any{"hgetall", "h"}, fmt.Sprint(map[any]any{"f1": small, "f2": large, "f3": mid, "f4": large + "6", "n": "5", "fl": "1.5"})},
	{[]any{"hgetall", "hbig"}, fmt.Sprint(map[any]any{strings.Repeat("F", 100): large})},
	{[]any{"sort", "st", "alpha"}, fmt.Sprint([]any{mid, small})}, {[]any{"smembers", "st2"}, fmt.Sprint([]any{large})},
	{[]any{"sort", "sti"}, "[1 2 3]"}, {[]any{"sort", "stbig", "alpha"}, fmt.Sprint([]any{large, large + "7"})},
	{[]any{"scard", "st3"}, "0"},
	{[]any{"zrange", "z", 0, -1, "withscores"}, fmt.Sprint([]any{[]any{mid, 2.0}, []any{large, 3.0}, []any{small, 11.0}})},
	{[]any{"zrange", "zbig", 0, -1}, fmt.Sprint([]any{strings.Repeat("Z", 100)})},
	{[]any{"zrange", "z2", 0, -1}, "[b]"}, {[]any{"zrange", "z3", 0, -1}, "[b c]"}, {[]any{"zrange", "z4", 0, -1}, "[b c]"},
	{[]any{"keys", "*"}, ""}, // compared with the keys expected below
}

var borrowKeys = []string{"s:set", "s:setget", "s:setex", "s:psetex", "s:setnx", "s:getset", "s:m1", "s:m2",
	"s:mx1", "s:mx2", "s:app", "s:sr", "s:i", "s:f", "l", "l3", "h", "hbig", "st", "st2", "sti", "stbig",
	"z", "zbig", "z2", "z3", "z4"}

// TestBorrowedArgumentsSurvive runs every command that borrows its
// arguments, overwrites the read buffer with other requests of the same
// shape, and checks that what the commands stored is intact: with the
// checking mode, which overwrites borrowed arguments as each command
// returns, and without it (the next reads overwrite them).
func TestBorrowedArgumentsSurvive(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range borrowWrites {
		covered[c[0].(string)] = true
	}
	for _, c := range registry.Default.Commands() {
		if c.Spec.BorrowsArgs && !covered[c.FullName] {
			t.Errorf("%s declares BorrowsArgs but this test does not run it", c.FullName)
		}
	}
	for _, checks := range []bool{true, false} {
		var opts []redmodtest.Option
		if !checks {
			opts = append(opts, redmodtest.WithoutKeyChecks())
		}
		srv := redmodtest.Run(t, opts...)
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
		ctx := context.Background()
		p := rdb.Pipeline()
		for _, c := range borrowWrites {
			p.Do(ctx, c...)
		}
		cmds, _ := p.Exec(ctx)
		for i, c := range cmds {
			if err := c.Err(); err != nil && err != redis.Nil {
				t.Fatalf("%v: %v", borrowWrites[i], err)
			}
		}
		// The same shapes with other bytes, twice over: the buffer's
		// bytes under every argument above change.
		for range 2 {
			p = rdb.Pipeline()
			for _, c := range borrowWrites {
				junk := make([]any, len(c))
				junk[0] = "echo"
				for j := 1; j < len(c); j++ {
					junk[j] = strings.Repeat("#", len(fmt.Sprint(c[j])))
				}
				p.Do(ctx, "echo", fmt.Sprint(junk))
			}
			if _, err := p.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, ck := range borrowChecks {
			got, err := rdb.Do(ctx, ck.cmd...).Result()
			if err != nil {
				t.Errorf("checks %v: %v: %v", checks, ck.cmd, err)
				continue
			}
			if ck.cmd[0] == "keys" {
				names := make([]string, 0)
				for _, k := range got.([]any) {
					names = append(names, k.(string))
				}
				slices.Sort(names)
				want := slices.Sorted(slices.Values(borrowKeys))
				if !slices.Equal(names, want) {
					t.Errorf("checks %v: KEYS * = %q, want %q", checks, names, want)
				}
				continue
			}
			if s := fmt.Sprint(got); s != ck.want {
				t.Errorf("checks %v: %v = %.120q, want %.120q", checks, ck.cmd, s, ck.want)
			}
		}
		rdb.Close()
	}
}

// TestBorrowedArgumentsRace runs borrowing commands from several clients
// at once, each pipelining writes and reads of its own keys, for the race
// detector: the borrowed views are each connection's own buffer.
func TestBorrowedArgumentsRace(t *testing.T) {
	srv := redmodtest.Run(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
			defer rdb.Close()
			ctx := context.Background()
			for round := range 20 {
				p := rdb.Pipeline()
				val := fmt.Sprintf("%d-%d-%s", w, round, mid)
				for i := range 8 {
					k := fmt.Sprintf("race:%d:%d", w, i)
					p.Set(ctx, k, val, 0)
					p.RPush(ctx, k+":l", val)
					p.HSet(ctx, k+":h", "f", val)
					p.SAdd(ctx, k+":s", val)
					p.ZAdd(ctx, k+":z", redis.Z{Score: float64(round), Member: val})
				}
				if _, err := p.Exec(ctx); err != nil {
					t.Error(err)
					return
				}
				k := fmt.Sprintf("race:%d:%d", w, round%8)
				if got, err := rdb.Get(ctx, k).Result(); err != nil || got != val {
					t.Errorf("GET %s = %q, %v; want %q", k, got, err, val)
					return
				}
				if got, err := rdb.LIndex(ctx, k+":l", -1).Result(); err != nil || got != val {
					t.Errorf("LINDEX %s:l = %q, %v; want %q", k, got, err, val)
					return
				}
				if got, err := rdb.HGet(ctx, k+":h", "f").Result(); err != nil || got != val {
					t.Errorf("HGET %s:h = %q, %v; want %q", k, got, err, val)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestBorrowedArgumentsOtherShapes covers the reader's other paths with
// commands that borrow their arguments: an inline command (its words are
// copies already), and values larger than the read buffer, which the
// incremental parse reads across several reads while the buffer grows.
func TestBorrowedArgumentsOtherShapes(t *testing.T) {
	srv := redmodtest.Run(t)
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	big := strings.Repeat("B", 200<<10)
	var req strings.Builder
	req.WriteString("SET inline:k inline-value\r\n")
	fmt.Fprintf(&req, "*3\r\n$3\r\nSET\r\n$5\r\nbig:k\r\n$%d\r\n%s\r\n", len(big), big)
	fmt.Fprintf(&req, "*4\r\n$5\r\nRPUSH\r\n$5\r\nbig:l\r\n$%d\r\n%s\r\n$1\r\nx\r\n", len(big), big)
	req.WriteString("*3\r\n$4\r\nECHO\r\n$3\r\nabc\r\n$3\r\ndef\r\n") // ECHO takes one argument: an error
	req.WriteString("*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n")
	if _, err := conn.Write([]byte(req.String())); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(conn)
	for _, want := range []string{"+OK", "+OK", ":2", "-ERR wrong number of arguments for 'echo' command", "$3", "abc"} {
		line, err := rd.ReadString('\n')
		if err != nil || strings.TrimRight(line, "\r\n") != want {
			t.Fatalf("reply %q, %v; want %q", line, err, want)
		}
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
	defer rdb.Close()
	ctx := context.Background()
	overwrite := rdb.Pipeline()
	for range 100 {
		overwrite.Do(ctx, "echo", strings.Repeat("#", 3000))
	}
	if _, err := overwrite.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rdb.Get(ctx, "inline:k").Val(); got != "inline-value" {
		t.Errorf("GET inline:k = %q", got)
	}
	if got := rdb.Get(ctx, "big:k").Val(); got != big {
		t.Errorf("GET big:k: %d bytes, want the %d sent", len(got), len(big))
	}
	if got := rdb.LRange(ctx, "big:l", 0, -1).Val(); len(got) != 2 || got[0] != big || got[1] != "x" {
		t.Errorf("LRANGE big:l: %d elements, not the two sent", len(got))
	}
}
