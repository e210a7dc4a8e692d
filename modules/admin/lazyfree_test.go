package admin_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
)

// lazyFreed reads lazyfreed_objects once no lazy free is pending (Redis
// frees in a background thread).
func lazyFreed(t *testing.T, c *resp.Conn) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for infoField(t, c, "memory", "lazyfree_pending_objects") != "0" {
		if time.Now().After(deadline) {
			t.Fatal("lazy free still pending")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return infoField(t, c, "memory", "lazyfreed_objects")
}

// TestDiffLazyFreedObjects: INFO's lazyfreed_objects counts what Redis
// frees in its background thread: values costly to free deleted by
// UNLINK (or DEL with lazyfree-lazy-user-del), and the keys of an
// asynchronous flush; CONFIG RESETSTAT zeroes it.
func TestDiffLazyFreedObjects(t *testing.T) {
	p := difftest.NewPair(t, debugServer(t).Addr(), difftest.Redis(t))
	fill := func(cmd, key string, n int, member func(i int) []string) {
		for i := 0; i < n; {
			args := []string{cmd, key}
			for j := 0; j < 500 && i < n; j, i = j+1, i+1 {
				args = append(args, member(i)...)
			}
			p.Do(args...)
		}
	}
	str := func(i int) []string { return []string{"element-" + strconv.Itoa(i)} }
	check := func(what string) {
		t.Helper()
		if ours, ref := lazyFreed(t, p.Ours), lazyFreed(t, p.Ref); ours != ref {
			t.Errorf("%s: lazyfreed_objects %s, Redis %s", what, ours, ref)
		}
	}
	p.Check("CONFIG", "RESETSTAT")
	p.Check("CONFIG", "SET", "stream-node-max-entries", "5")
	steps := []struct {
		what string
		fill func()
		del  []string
	}{
		{"big set", func() { fill("SADD", "k", 100, str) }, []string{"UNLINK", "k"}},
		{"small set", func() { fill("SADD", "k", 10, str) }, []string{"UNLINK", "k"}},
		{"intset", func() { fill("SADD", "k", 100, func(i int) []string { return []string{strconv.Itoa(i)} }) }, []string{"UNLINK", "k"}},
		{"big hash by DEL", func() { fill("HSET", "k", 200, func(i int) []string { return []string{"f" + strconv.Itoa(i), "v"} }) }, []string{"DEL", "k"}},
		{"skiplist", func() {
			fill("ZADD", "k", 200, func(i int) []string { return []string{strconv.Itoa(i), "m" + strconv.Itoa(i)} })
		}, []string{"UNLINK", "k"}},
		{"listpack zset", func() {
			fill("ZADD", "k", 20, func(i int) []string { return []string{strconv.Itoa(i), "m" + strconv.Itoa(i)} })
		}, []string{"UNLINK", "k"}},
		{"stream", func() {
			for i := 0; i < 400; i++ {
				p.Do("XADD", "k", "*", "f", strconv.Itoa(i))
			}
		}, []string{"UNLINK", "k"}},
		{"short list", func() { fill("RPUSH", "k", 1000, str) }, []string{"UNLINK", "k"}},
		{"long list", func() { fill("RPUSH", "k", 100000, str) }, []string{"UNLINK", "k"}},
		{"string", func() { p.Do("SET", "k", "v") }, []string{"UNLINK", "k"}},
	}
	for _, st := range steps {
		st.fill()
		p.Check(st.del...)
		check(st.what)
	}
	p.Check("CONFIG", "SET", "lazyfree-lazy-user-del", "yes")
	fill("HSET", "k", 200, func(i int) []string { return []string{"f" + strconv.Itoa(i), "v"} })
	p.Check("DEL", "k", "nokey")
	check("DEL with lazyfree-lazy-user-del")
	p.Check("MSET", "a", "1", "b", "2", "c", "3")
	p.Check("FLUSHALL", "ASYNC")
	check("FLUSHALL ASYNC")
	p.Check("MSET", "a", "1", "b", "2")
	p.Check("FLUSHDB")
	check("FLUSHDB")
	p.Check("CONFIG", "SET", "lazyfree-lazy-user-flush", "yes")
	p.Check("MSET", "a", "1", "b", "2")
	p.Check("FLUSHDB")
	check("FLUSHDB with lazyfree-lazy-user-flush")
	p.Check("CONFIG", "SET", "lazyfree-lazy-server-del", "yes")
	fill("SADD", "k", 200, str)
	p.Check("SET", "k", "v")
	check("SET over a big set with lazyfree-lazy-server-del")
	fill("RPUSH", "l", 1000, str)
	p.Check("RPUSH", "l", "more")
	check("a write that changes a value in place")
	p.Check("CONFIG", "SET", "lazyfree-lazy-server-del", "no")
	fill("SADD", "k2", 200, str)
	p.Check("SET", "k2", "v")
	check("SET over a big set without lazyfree-lazy-server-del")
	p.Check("CONFIG", "SET", "lazyfree-lazy-expire", "yes")
	fill("SADD", "h", 200, str)
	p.Check("PEXPIREAT", "h", "1000")
	check("an expiry in the past with lazyfree-lazy-expire")
	fill("SADD", "h", 200, str)
	p.Check("PEXPIRE", "h", "1")
	time.Sleep(5 * time.Millisecond)
	p.Check("EXISTS", "h")
	check("an expired key found by a command with lazyfree-lazy-expire")
	p.Check("CONFIG", "SET", "lazyfree-lazy-expire", "no")
	fill("SADD", "h", 200, str)
	p.Check("PEXPIREAT", "h", "1000")
	check("an expiry in the past without lazyfree-lazy-expire")
	p.Check("CONFIG", "RESETSTAT")
	check("CONFIG RESETSTAT")
}
