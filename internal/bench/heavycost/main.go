// Command heavycost times heavy single calls — large values, long lists,
// big sets, wide patterns — on redmod beside a real redis-server with the
// same data, and prints the ratio of each. The hostile-use contract is that
// no call costs more than 10× Redis's for the same input; this tool finds
// the ones that come close.
//
// Usage (from the repository's root):
//
//	go build -o /tmp/redmod ./cmd/redmod
//	go run ./internal/bench/heavycost -redmod /tmp/redmod [-n 1000000] [-run REGEXP]
//
// Each scenario builds its data (untimed), then times its call REPEAT
// times and keeps the fastest. The machine may be shared: quote ratios.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

type scenario struct {
	name  string
	setup func(ctx context.Context, c *redis.Client, n int) error
	call  func(ctx context.Context, c *redis.Client, n int) error
}

// fill runs cmd(i) for i in [0, n) in pipelines of 10k.
func fill(ctx context.Context, c *redis.Client, n int, cmd func(p redis.Pipeliner, i int)) error {
	for i := 0; i < n; i += 10000 {
		p := c.Pipeline()
		for j := i; j < min(n, i+10000); j++ {
			cmd(p, j)
		}
		if _, err := p.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// bulk runs one variadic command with n generated arguments after prefix,
// in chunks of 100k arguments.
func bulk(ctx context.Context, c *redis.Client, n int, prefix []any, arg func(i int) []any) error {
	for i := 0; i < n; i += 100000 {
		args := append([]any{}, prefix...)
		for j := i; j < min(n, i+100000); j++ {
			args = append(args, arg(j)...)
		}
		if err := c.Do(ctx, args...).Err(); err != nil {
			return err
		}
	}
	return nil
}

func member(i int) []any { return []any{"m" + strconv.Itoa(i)} }

func do(args ...any) func(ctx context.Context, c *redis.Client, n int) error {
	return func(ctx context.Context, c *redis.Client, n int) error {
		err := c.Do(ctx, args...).Err()
		if err == redis.Nil {
			return nil
		}
		return err
	}
}

var scenarios = []scenario{
	{"LRANGE 0 -1 of a long list", listOf, do("LRANGE", "l", 0, -1)},
	{"LINDEX in the middle", listOf, func(ctx context.Context, c *redis.Client, n int) error {
		return c.LIndex(ctx, "l", int64(n/2)).Err()
	}},
	{"LINSERT in the middle", listOf, func(ctx context.Context, c *redis.Client, n int) error {
		return c.LInsertBefore(ctx, "l", "m"+strconv.Itoa(n/2), "x").Err()
	}},
	{"LREM of a missing value", listOf, do("LREM", "l", 0, "absent")},
	{"LPOS of the last element", listOf, func(ctx context.Context, c *redis.Client, n int) error {
		return c.Do(ctx, "LPOS", "l", "m"+strconv.Itoa(n-1)).Err()
	}},
	{"LSET in the middle", listOf, func(ctx context.Context, c *redis.Client, n int) error {
		return c.LSet(ctx, "l", int64(n/2), "y").Err()
	}},
	{"SORT a list of numbers", func(ctx context.Context, c *redis.Client, n int) error {
		return bulk(ctx, c, n/4, []any{"RPUSH", "nums"}, func(i int) []any { return []any{(i * 7919) % 1000003} })
	}, do("SORT", "nums", "LIMIT", 0, 10)},
	{"SMEMBERS of a big set", setOf, do("SMEMBERS", "s")},
	{"SUNIONSTORE of two big sets", twoSets, do("SUNIONSTORE", "u", "s", "t")},
	{"SINTERCARD of two big sets", twoSets, do("SINTERCARD", 2, "s", "t")},
	{"SDIFF of two big sets", twoSets, do("SDIFFSTORE", "d", "s", "t")},
	{"SPOP half of a set", setOf, func(ctx context.Context, c *redis.Client, n int) error {
		return c.SPopN(ctx, "s", int64(n/2)).Err()
	}},
	{"SRANDMEMBER -n", setOf, func(ctx context.Context, c *redis.Client, n int) error {
		return c.SRandMemberN(ctx, "s", -int64(n)).Err()
	}},
	{"ZADD of n members in one call", nil, func(ctx context.Context, c *redis.Client, n int) error {
		return bulk(ctx, c, n, []any{"ZADD", "z"}, func(i int) []any { return []any{i % 1000, "m" + strconv.Itoa(i)} })
	}},
	{"ZRANGEBYSCORE of everything", zsetOf, do("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES")},
	{"ZUNIONSTORE of two big zsets", twoZsets, do("ZUNIONSTORE", "u", 2, "z", "y")},
	{"ZREMRANGEBYRANK of half", zsetOf, func(ctx context.Context, c *redis.Client, n int) error {
		return c.ZRemRangeByRank(ctx, "z", 0, int64(n/2)).Err()
	}},
	{"ZRANK of n/2 members", zsetOf, func(ctx context.Context, c *redis.Client, n int) error {
		return fill(ctx, c, n/10, func(p redis.Pipeliner, i int) { p.ZRank(ctx, "z", "m"+strconv.Itoa(i*10)) })
	}},
	{"HGETALL of a big hash", hashOf, do("HGETALL", "h")},
	{"HSET of n fields in one call", nil, func(ctx context.Context, c *redis.Client, n int) error {
		return bulk(ctx, c, n, []any{"HSET", "h"}, func(i int) []any { return []any{"f" + strconv.Itoa(i), i} })
	}},
	{"RPUSH of n elements in one call", nil, func(ctx context.Context, c *redis.Client, n int) error {
		return bulk(ctx, c, n, []any{"RPUSH", "l"}, member)
	}},
	{"MSET of n/10 keys in one call", nil, func(ctx context.Context, c *redis.Client, n int) error {
		return bulk(ctx, c, n/10, []any{"MSET"}, func(i int) []any { return []any{"k" + strconv.Itoa(i), i} })
	}},
	{"DEL of a big hash", hashOf, do("DEL", "h")},
	{"DEL of a big zset", zsetOf, do("DEL", "z")},
	{"COPY of a big zset", zsetOf, do("COPY", "z", "z2")},
	{"DUMP of a big list", listOf, do("DUMP", "l")},
	{"RESTORE of a big hash", func(ctx context.Context, c *redis.Client, n int) error {
		if err := hashOf(ctx, c, n); err != nil {
			return err
		}
		d, err := c.Dump(ctx, "h").Result()
		if err != nil {
			return err
		}
		return c.Set(ctx, "dump", d, 0).Err()
	}, func(ctx context.Context, c *redis.Client, n int) error {
		d, err := c.Get(ctx, "dump").Result()
		if err != nil {
			return err
		}
		return c.RestoreReplace(ctx, "h", 0, d).Err()
	}},
	{"KEYS * on many keys", keysOf, do("KEYS", "*")},
	{"KEYS with a nasty pattern", keysOf, do("KEYS", "*a*a*a*a*a*a*a*a*a*a*b")},
	{"SCAN all with COUNT 1000", keysOf, func(ctx context.Context, c *redis.Client, n int) error {
		var cur uint64
		for {
			_, next, err := c.Scan(ctx, cur, "", 1000).Result()
			if err != nil || next == 0 {
				return err
			}
			cur = next
		}
	}},
	{"FLUSHALL of many keys", keysOf, do("FLUSHALL")},
	{"APPEND 10k times", nil, func(ctx context.Context, c *redis.Client, n int) error {
		return fill(ctx, c, 10000, func(p redis.Pipeliner, i int) { p.Append(ctx, "s", strings.Repeat("x", 100)) })
	}},
	{"BITCOUNT of 64 MB", bigString, do("BITCOUNT", "big")},
	{"BITPOS of 64 MB", bigString, do("BITPOS", "big", 0)},
	{"GETRANGE of 64 MB", bigString, do("GETRANGE", "big", 0, -1)},
	{"XRANGE of a long stream", streamOf, do("XRANGE", "x", "-", "+")},
	{"XADD n entries", nil, func(ctx context.Context, c *redis.Client, n int) error {
		return fill(ctx, c, n/4, func(p redis.Pipeliner, i int) { p.XAdd(ctx, &redis.XAddArgs{Stream: "x", Values: []any{"f", i}}) })
	}},
	{"PFADD of n elements", nil, func(ctx context.Context, c *redis.Client, n int) error {
		return bulk(ctx, c, n, []any{"PFADD", "hll"}, member)
	}},
	{"EVAL with 100k calls", nil, do("EVAL", "for i=1,100000 do redis.call('INCR','c') end return 1", 0)},
	{"GEOSEARCH over many points", geoPoints, do("GEOSEARCH", "g", "FROMLONLAT", 0, 0, "BYRADIUS", 5000, "km", "ASC")},
	{"GEOSEARCH finding every point", geoPoints, do("GEOSEARCH", "g", "FROMLONLAT", 0, 0, "BYRADIUS", 21000, "km", "WITHDIST")},
}

func geoPoints(ctx context.Context, c *redis.Client, n int) error {
	return bulk(ctx, c, n/4, []any{"GEOADD", "g"}, func(i int) []any {
		return []any{float64(i%360) - 179.5, float64(i%170) - 84.5, "p" + strconv.Itoa(i)}
	})
}

func listOf(ctx context.Context, c *redis.Client, n int) error {
	return bulk(ctx, c, n, []any{"RPUSH", "l"}, member)
}

func setOf(ctx context.Context, c *redis.Client, n int) error {
	return bulk(ctx, c, n, []any{"SADD", "s"}, member)
}

func twoSets(ctx context.Context, c *redis.Client, n int) error {
	if err := bulk(ctx, c, n/2, []any{"SADD", "s"}, member); err != nil {
		return err
	}
	return bulk(ctx, c, n/2, []any{"SADD", "t"}, func(i int) []any { return member(i + n/4) })
}

func zsetOf(ctx context.Context, c *redis.Client, n int) error {
	return bulk(ctx, c, n, []any{"ZADD", "z"}, func(i int) []any { return []any{i % 1000, "m" + strconv.Itoa(i)} })
}

func twoZsets(ctx context.Context, c *redis.Client, n int) error {
	if err := bulk(ctx, c, n/2, []any{"ZADD", "z"}, func(i int) []any { return []any{i, "m" + strconv.Itoa(i)} }); err != nil {
		return err
	}
	return bulk(ctx, c, n/2, []any{"ZADD", "y"}, func(i int) []any { return []any{i, "m" + strconv.Itoa(i+n/4)} })
}

func hashOf(ctx context.Context, c *redis.Client, n int) error {
	return bulk(ctx, c, n, []any{"HSET", "h"}, func(i int) []any { return []any{"f" + strconv.Itoa(i), i} })
}

func keysOf(ctx context.Context, c *redis.Client, n int) error {
	return bulk(ctx, c, n, []any{"MSET"}, func(i int) []any { return []any{"key:" + strconv.Itoa(i), "v"} })
}

func streamOf(ctx context.Context, c *redis.Client, n int) error {
	return fill(ctx, c, n/4, func(p redis.Pipeliner, i int) { p.XAdd(ctx, &redis.XAddArgs{Stream: "x", Values: []any{"f", i}}) })
}

func bigString(ctx context.Context, c *redis.Client, n int) error {
	chunk := strings.Repeat("\x55", 1<<20)
	for i := 0; i < 64; i++ {
		if err := c.Append(ctx, "big", chunk).Err(); err != nil {
			return err
		}
	}
	return nil
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func start(name string, argv ...string) (*redis.Client, func()) {
	port := freePort()
	dir, _ := os.MkdirTemp("", "heavycost")
	args := append(argv[1:], "--port", strconv.Itoa(port), "--dir", dir, "--save", "", "--appendonly", "no")
	cmd := exec.Command(argv[0], args...)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, name, err)
		os.Exit(1)
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute, PoolSize: 1})
	for i := 0; i < 100 && c.Ping(context.Background()).Err() != nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	return c, func() { c.Close(); cmd.Process.Kill(); cmd.Wait(); os.RemoveAll(dir) }
}

func measure(ctx context.Context, c *redis.Client, s scenario, n, repeat int) (time.Duration, error) {
	best := time.Duration(-1)
	for r := 0; r < repeat; r++ {
		if err := c.FlushAll(ctx).Err(); err != nil {
			return 0, err
		}
		if s.setup != nil {
			if err := s.setup(ctx, c, n); err != nil {
				return 0, fmt.Errorf("setup: %w", err)
			}
		}
		t := time.Now()
		if err := s.call(ctx, c, n); err != nil {
			return 0, err
		}
		if d := time.Since(t); best < 0 || d < best {
			best = d
		}
	}
	return best, nil
}

func main() {
	redmod := flag.String("redmod", "", "redmod binary (required)")
	redisBin := flag.String("redis", "redis-server", "redis-server binary")
	n := flag.Int("n", 1000000, "size of each data set")
	repeat := flag.Int("repeat", 3, "runs per scenario (the fastest counts)")
	run := flag.String("run", "", "only scenarios matching this regexp")
	flag.Parse()
	if *redmod == "" {
		flag.Usage()
		os.Exit(2)
	}
	re := regexp.MustCompile(*run)
	ctx := context.Background()
	rc, stopRedis := start("redis", *redisBin)
	defer stopRedis()
	mc, stopRedmod := start("redmod", *redmod, "--dbfilename", "")
	defer stopRedmod()
	fmt.Printf("%-34s %12s %12s %8s\n", "scenario", "redis", "redmod", "ratio")
	for _, s := range scenarios {
		if !re.MatchString(s.name) {
			continue
		}
		dr, err1 := measure(ctx, rc, s, *n, *repeat)
		dm, err2 := measure(ctx, mc, s, *n, *repeat)
		if err1 != nil || err2 != nil {
			fmt.Printf("%-34s error: redis %v, redmod %v\n", s.name, err1, err2)
			continue
		}
		ratio := float64(dm) / float64(max(dr, time.Microsecond))
		mark := ""
		if ratio > 10 {
			mark = "  <-- over 10x"
		}
		fmt.Printf("%-34s %12s %12s %7.2fx%s\n", s.name, dr.Round(time.Microsecond), dm.Round(time.Microsecond), ratio, mark)
	}
}
