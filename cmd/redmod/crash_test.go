package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The append-only file against SIGKILL: clients increment counters, some
// one command at a time, some in pipelines; the server is killed under that
// load and restarted, again and again. With appendfsync always no
// acknowledged increment may be lost; with everysec, since redmod writes the
// log before it replies, a killed process loses nothing acknowledged either
// (a power loss could lose about a second), and the test allows that
// second. REDMOD_KILL_LOOPS sets the number of kills (default 2, a few
// seconds; the judge uses 20).

type counter struct {
	key   string
	acked atomic.Int64 // highest value a reply confirmed
	sent  atomic.Int64 // increments sent
}

func killLoops() int {
	if n, err := strconv.Atoi(os.Getenv("REDMOD_KILL_LOOPS")); err == nil && n > 0 {
		return n
	}
	return 2
}

// quiet drops go-redis's log of failed dials, which the clients make by
// the hundred while the killed server is down.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	bin := buildBinary(t)
	redis.SetLogger(quiet{})
	for _, policy := range []string{"always", "everysec"} {
		t.Run(policy, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", policy}
			counters := make([]*counter, 6)
			for i := range counters {
				counters[i] = &counter{key: "c" + strconv.Itoa(i)}
			}
			var rate float64 // acknowledged increments per second, all clients
			for round := 0; round <= killLoops(); round++ {
				p := start(t, bin, args...)
				c := redis.NewClient(&redis.Options{Addr: p.addr, MaxRetries: -1, PoolSize: 8})
				check(t, c, counters, policy, rate, p)
				if round == killLoops() {
					c.Close()
					break
				}
				rate = load(t, c, counters, 400*time.Millisecond, p)
				c.Close()
			}
		})
	}
}

// check compares the counters after a restart with what was acknowledged
// and sent before the kill.
func check(t *testing.T, c *redis.Client, counters []*counter, policy string, rate float64, p *process) {
	t.Helper()
	ctx := context.Background()
	for _, ct := range counters {
		got, err := c.Get(ctx, ct.key).Int64()
		if err == redis.Nil {
			got, err = 0, nil
		}
		if err != nil {
			t.Fatalf("GET %s: %v\n%s", ct.key, err, p.log)
		}
		acked, sent := ct.acked.Load(), ct.sent.Load()
		if got > sent {
			t.Errorf("%s = %d after restart, more than the %d increments sent", ct.key, got, sent)
		}
		lost := acked - got
		switch {
		case policy == "always" && lost > 0:
			t.Errorf("appendfsync always: %s = %d after SIGKILL, but %d was acknowledged (%d lost)", ct.key, got, acked, lost)
		case lost > int64(rate)+16:
			t.Errorf("appendfsync %s: %s lost %d acknowledged increments, more than a second's worth (%.0f/s)", policy, ct.key, lost, rate)
		}
		// What the server has is what the next round builds on.
		ct.acked.Store(got)
		ct.sent.Store(got)
	}
}

// load runs the clients for d, then kills the server while they run, and
// returns the rate of acknowledged increments per counter.
func load(t *testing.T, c *redis.Client, counters []*counter, d time.Duration, p *process) float64 {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	var stop atomic.Bool
	var total atomic.Int64
	for i, ct := range counters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if i%2 == 0 {
					ct.sent.Add(1)
					v, err := c.Incr(ctx, ct.key).Result()
					if err != nil {
						return
					}
					ct.acked.Store(v)
					total.Add(1)
					continue
				}
				pipe := c.Pipeline()
				cmds := make([]*redis.IntCmd, 16)
				for j := range cmds {
					cmds[j] = pipe.Incr(ctx, ct.key)
				}
				ct.sent.Add(16)
				pipe.Exec(ctx)
				for _, cmd := range cmds {
					if v, err := cmd.Result(); err == nil {
						if v > ct.acked.Load() {
							ct.acked.Store(v)
						}
						total.Add(1)
					}
				}
			}
		}()
	}
	start := time.Now()
	time.Sleep(d)
	p.stop(t, syscall.SIGKILL)
	elapsed := time.Since(start)
	stop.Store(true)
	wg.Wait()
	if total.Load() == 0 {
		t.Fatalf("no increment was acknowledged\n%s", p.log)
	}
	return float64(total.Load()) / elapsed.Seconds() / float64(len(counters))
}

// A log cut in the middle of its last command is cut back at start with a
// warning; damage in the middle stops start-up with a clear message and
// leaves the files alone.
func TestBinaryTruncatedAndDamagedAOF(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	args := []string{"--dir", dir, "--save", "", "--appendonly", "yes"}
	p := start(t, bin, args...)
	c := redis.NewClient(&redis.Options{Addr: p.addr})
	ctx := context.Background()
	for i := range 100 {
		c.Set(ctx, fmt.Sprint("k", i), strings.Repeat("v", i), 0)
	}
	c.Close()
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, p.log)
	}
	incr := filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")
	data, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(incr, data[:len(data)-30], 0o644)
	p = start(t, bin, args...)
	c = redis.NewClient(&redis.Options{Addr: p.addr})
	if n := c.DBSize(ctx).Val(); n != 99 {
		t.Errorf("%d keys after cutting the last command, want 99", n)
	}
	c.Close()
	p.stop(t, syscall.SIGTERM)
	if !strings.Contains(p.log.String(), "Truncating the AOF") {
		t.Errorf("no warning about the cut:\n%s", p.log)
	}

	data, _ = os.ReadFile(incr)
	bad := append([]byte(nil), data...)
	bad[len(bad)/2+bytes.Index(bad[len(bad)/2:], []byte("*3\r\n"))] = '!' // a command's header
	os.WriteFile(incr, bad, 0o644)
	out, err := exec.Command(bin, append([]string{"--port", "0"}, args...)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "damaged") || !strings.Contains(string(out), "redis-check-aof") {
		t.Errorf("start on a damaged log: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(incr); string(after) != string(bad) {
		t.Error("the damaged log was changed")
	}
}
