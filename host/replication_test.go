package host_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

// await polls cond until it holds or 20 s pass (a loaded machine is slow;
// a passing run returns as soon as the condition holds).
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func goClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, ReadTimeout: 30 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

// linked makes replica a replica of master and waits for the link.
func linked(t *testing.T, replica *redis.Client, masterAddr string) {
	t.Helper()
	ctx := context.Background()
	h, p := hostPort(t, masterAddr)
	if err := replica.Do(ctx, "replicaof", h, p).Err(); err != nil {
		t.Fatal(err)
	}
	await(t, "the link with the master", func() bool {
		info, _ := replica.Info(ctx, "replication").Result()
		return strings.Contains(info, "master_link_status:up")
	})
}

// replicasCaughtUp waits until the replica acknowledged everything written to the
// master so far (WAIT).
func replicasCaughtUp(t *testing.T, master *redis.Client) {
	t.Helper()
	n, err := master.Do(context.Background(), "wait", 1, 20000).Int()
	if err != nil || n < 1 {
		t.Fatalf("WAIT: %d %v", n, err)
	}
}

// moreWrites are writes of every kind after the image: a transaction, a
// script, expiry, SPOP, blocking-pop rewrites, another database.
func moreWrites(t *testing.T, c *redis.Client) {
	t.Helper()
	ctx := context.Background()
	conn := c.Conn()
	defer conn.Close()
	for _, args := range [][]any{
		{"set", "after", "1"},
		{"incrbyfloat", "flt", "1.5"},
		{"expire", "after", 3600},
		{"rpush", "q", "a", "b", "c"},
		{"lpop", "q"},
		{"hincrby", "hash", "n", 5},
		{"sadd", "pop", "1", "2", "3"},
		{"spop", "pop"},
		{"zincrby", "zset", 2, "a"},
		{"xadd", "stream", "*", "late", "1"},
		{"eval", "redis.call('set', KEYS[1], ARGV[1]); return redis.call('incr', KEYS[2])", 2, "sk", "sn", "v"},
		{"select", 5},
		{"set", "five", "5"},
		{"select", 0},
		{"del", "int"},
	} {
		if err := conn.Do(ctx, args...).Err(); err != nil && err != redis.Nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "txn")
		p.LPush(ctx, "txl", "x")
		p.Set(ctx, "txs", "y", time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func sameData(t *testing.T, master, replica *redis.Client) {
	t.Helper()
	difftest.Same(t, "replica", difftest.Contents(t, replica), difftest.Contents(t, master))
}

// A redmod replica of a redmod master: the image, then every later write,
// arrive identically; the replica is read-only and reports its role.
func TestReplicaOfRedmod(t *testing.T) {
	ms := redmodtest.Run(t)
	rs := redmodtest.Run(t)
	master, replica := goClient(t, ms.Addr()), goClient(t, rs.Addr())
	ctx := context.Background()
	difftest.Load(t, master)
	replica.Set(ctx, "stale", "gone after the sync", 0)

	linked(t, replica, ms.Addr())
	moreWrites(t, master)
	replicasCaughtUp(t, master)
	sameData(t, master, replica)

	if err := replica.Set(ctx, "x", "1", 0).Err(); err == nil || err.Error() != "READONLY You can't write against a read only replica." {
		t.Fatalf("write on a replica: %v", err)
	}
	role, err := replica.Do(ctx, "role").Slice()
	h, p := hostPort(t, ms.Addr())
	if err != nil || len(role) != 5 || role[0] != "slave" || role[1] != h || role[2] != mustInt(t, p) || role[3] != "connected" {
		t.Fatalf("ROLE of the replica: %v %v", role, err)
	}
	mrole, err := master.Do(ctx, "role").Slice()
	if err != nil || len(mrole) != 3 || mrole[0] != "master" || len(mrole[2].([]any)) != 1 {
		t.Fatalf("ROLE of the master: %v %v", mrole, err)
	}
	if s, _ := replica.Do(ctx, "replicaof", h, p).Result(); s != "OK Already connected to specified master" {
		t.Fatalf("REPLICAOF again: %v", s)
	}

	// REPLICAOF NO ONE: a master again, writable, data kept.
	if err := replica.Do(ctx, "replicaof", "no", "one").Err(); err != nil {
		t.Fatal(err)
	}
	if err := replica.Set(ctx, "x", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, _ := replica.Get(ctx, "after").Result(); v != "1" {
		t.Fatalf("data after REPLICAOF NO ONE: %q", v)
	}
	await(t, "the master to forget the replica", func() bool {
		info, _ := master.Info(ctx, "replication").Result()
		return strings.Contains(info, "connected_slaves:0")
	})
}

func mustInt(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The link comes back after it drops, with a full sync.
func TestReplicaReconnects(t *testing.T) {
	ms := redmodtest.Run(t)
	rs := redmodtest.Run(t)
	master, replica := goClient(t, ms.Addr()), goClient(t, rs.Addr())
	ctx := context.Background()
	difftest.Load(t, master)
	linked(t, replica, ms.Addr())
	master.Set(ctx, "a", "1", 0)
	replicasCaughtUp(t, master)
	// Kill the replica's connection on the master.
	if n, err := master.Do(ctx, "client", "kill", "type", "replica").Int(); n != 1 || err != nil {
		t.Fatalf("CLIENT KILL TYPE replica: %d %v", n, err)
	}
	master.Set(ctx, "b", "2", 0)
	await(t, "the write after the link dropped", func() bool {
		v, _ := replica.Get(ctx, "b").Result()
		return v == "2"
	})
	replicasCaughtUp(t, master)
	sameData(t, master, replica)
	// The replica continued from the backlog: one full sync in all.
	info, _ := master.Info(ctx, "stats").Result()
	if !strings.Contains(info, "sync_full:1\r") || !strings.Contains(info, "sync_partial_ok:1\r") {
		t.Fatalf("syncs after the link dropped:\n%s", info)
	}
}

// Expiry on a replica: its clients stop seeing a key once its time passed,
// but the key stays until the master deletes it.
func TestReplicaExpiry(t *testing.T) {
	ms := redmodtest.Run(t)
	rs := redmodtest.Run(t)
	master, replica := goClient(t, ms.Addr()), goClient(t, rs.Addr())
	ctx := context.Background()
	linked(t, replica, ms.Addr())
	master.Set(ctx, "k", "v", time.Hour)
	replicasCaughtUp(t, master)
	rs.FastForward(2 * time.Hour)
	if err := replica.Get(ctx, "k").Err(); err != redis.Nil {
		t.Fatalf("GET of an expired key on the replica: %v", err)
	}
	if n, _ := replica.DBSize(ctx).Result(); n != 1 {
		t.Fatalf("DBSIZE on the replica: %d, want 1 (kept for the master)", n)
	}
	ms.FastForward(2 * time.Hour)
	master.Get(ctx, "k") // the master expires it and sends DEL
	replicasCaughtUp(t, master)
	if n, _ := replica.DBSize(ctx).Result(); n != 0 {
		t.Fatalf("DBSIZE on the replica after the master's DEL: %d", n)
	}
}

// REPLICAOF's replies and errors, as Redis 7.0's.
func TestReplicaOfErrors(t *testing.T) {
	srv := redmodtest.Run(t)
	c := goClient(t, srv.Addr())
	ctx := context.Background()
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"replicaof", "localhost", "abc"}, "ERR Invalid master port"},
		{[]any{"replicaof", "localhost", "65536"}, "ERR Invalid master port"},
		{[]any{"replicaof", "localhost", "-1"}, "ERR Invalid master port"},
		{[]any{"replicaof", "no"}, "ERR wrong number of arguments for 'replicaof' command"},
		{[]any{"slaveof", "no", "one"}, "OK"},
		{[]any{"replicaof", "no", "one"}, "OK"},
		{[]any{"wait", "x", "0"}, "ERR value is not an integer or out of range"},
		{[]any{"wait", "0", "x"}, "ERR timeout is not an integer or out of range"},
		{[]any{"wait", "0", "-1"}, "ERR timeout is negative"},
		{[]any{"wait", "0", "0"}, "0"},
		{[]any{"replconf", "foo", "bar"}, "ERR Unrecognized REPLCONF option: foo"},
		{[]any{"replconf", "listening-port", "7000"}, "OK"},
	} {
		got, err := c.Do(ctx, tc.args...).Result()
		s := ""
		if err != nil {
			s = err.Error()
		} else {
			s = strings.TrimSpace(strings.Trim(strings.ReplaceAll(strings.ReplaceAll(fmtAny(got), "[", ""), "]", ""), " "))
		}
		if s != tc.want {
			t.Errorf("%v: %q, want %q", tc.args, s, tc.want)
		}
	}
	role, err := c.Do(ctx, "role").Slice()
	if err != nil || len(role) != 3 || role[0] != "master" {
		t.Fatalf("ROLE: %v %v", role, err)
	}
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}

// A redmod replica of a redis-server master, and a redis-server replica of
// a redmod master: the data arrives identically both ways.
func TestReplicationWithRedis(t *testing.T) {
	t.Run("redmod replica", func(t *testing.T) {
		raddr := difftest.RedisTCP(t, "--repl-diskless-sync-delay", "0")
		rs := redmodtest.Run(t)
		master, replica := goClient(t, raddr), goClient(t, rs.Addr())
		difftest.Load(t, master)
		linked(t, replica, raddr)
		moreWrites(t, master)
		replicasCaughtUp(t, master)
		sameData(t, master, replica)
	})
	t.Run("redis replica", func(t *testing.T) {
		ms := redmodtest.Run(t)
		raddr := difftest.RedisTCP(t)
		master, replica := goClient(t, ms.Addr()), goClient(t, raddr)
		difftest.Load(t, master)
		linked(t, replica, ms.Addr())
		moreWrites(t, master)
		replicasCaughtUp(t, master)
		sameData(t, master, replica)
	})
}

// A replica whose link is down, with replica-serve-stale-data no: MASTERDOWN
// for commands not flagged stale (EXEC too, when a queued one is not),
// scripts only with allow-stale, and inside them only stale commands.
func TestReplicaStale(t *testing.T) {
	srv := redmodtest.Run(t)
	c := goClient(t, srv.Addr())
	ctx := context.Background()
	c.Set(ctx, "x", "1", 0)
	c.ConfigSet(ctx, "replica-serve-stale-data", "no")
	// Nothing listens on port 1: the link stays down.
	if err := c.Do(ctx, "replicaof", "127.0.0.1", "1").Err(); err != nil {
		t.Fatal(err)
	}
	defer c.Do(ctx, "replicaof", "no", "one")
	const masterDown = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"get", "x"}, masterDown},
		{[]any{"eval", "return redis.call('get','x')", 1, "x"}, masterDown},
		{[]any{"eval", "#!lua flags=no-writes\nreturn 1", 0}, masterDown},
		{[]any{"eval", "#!lua flags=allow-stale,no-writes\nreturn 1", 0}, "1"},
		{[]any{"eval", "#!lua flags=allow-stale,no-writes\nreturn redis.call('echo','hi')", 0}, "hi"},
		{[]any{"eval", "#!lua flags=allow-stale,no-writes\nreturn redis.call('get','x')", 1, "x"}, "ERR Can not execute the command on a stale replica*"},
		{[]any{"config", "get", "replicaof"}, "replicaof 127.0.0.1 1"},
		{[]any{"config", "get", "slaveof"}, "slaveof 127.0.0.1 1"},
	} {
		got, err := c.Do(ctx, tc.args...).Result()
		s := fmtAny(got)
		if err != nil {
			s = err.Error()
		} else if m, ok := got.(map[any]any); ok {
			for k, v := range m {
				s = fmtAny(k) + " " + fmtAny(v)
			}
		} else if l, ok := got.([]any); ok && len(l) == 2 {
			s = fmtAny(l[0]) + " " + fmtAny(l[1])
		}
		if want, prefix := strings.CutSuffix(tc.want, "*"); !(s == tc.want || prefix && strings.HasPrefix(s, want)) {
			t.Errorf("%q: %q, want %q", tc.args, s, tc.want)
		}
	}
	// EXEC of a transaction queued while the link was fine.
	if err := c.Do(ctx, "replicaof", "no", "one").Err(); err != nil {
		t.Fatal(err)
	}
	conn := c.Conn()
	defer conn.Close()
	conn.Do(ctx, "multi")
	conn.Do(ctx, "get", "x")
	c.Do(ctx, "replicaof", "127.0.0.1", "1")
	if err := conn.Do(ctx, "exec").Err(); err == nil || !strings.HasPrefix(err.Error(), "EXECABORT Transaction discarded because of: MASTERDOWN") {
		t.Fatalf("EXEC on a stale replica: %v", err)
	}
}

// A master that goes silent after the image: with repl-timeout 1 the
// replica drops the link and connects again.
func TestReplicaTimeout(t *testing.T) {
	rs := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.ReplTimeout = 1 }))
	image, err := rs.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := make(chan net.Conn, 4)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- nc
			go fakeMaster(nc, image)
		}
	}()
	replica := goClient(t, rs.Addr())
	h, p := hostPort(t, ln.Addr().String())
	if err := replica.Do(context.Background(), "replicaof", h, p).Err(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		select {
		case nc := <-conns:
			defer nc.Close()
		case <-time.After(20 * time.Second):
			t.Fatalf("the replica connected %d times, want a second connection after the timeout", i)
		}
	}
}

// fakeMaster answers a replica's handshake, sends image, and goes silent.
func fakeMaster(nc net.Conn, image []byte) {
	r := bufio.NewReader(nc)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		var args []string
		for i := 0; i < n; i++ {
			r.ReadString('\n')
			a, _ := r.ReadString('\n')
			args = append(args, strings.TrimSpace(a))
		}
		switch strings.ToUpper(args[0]) {
		case "PING":
			io.WriteString(nc, "+PONG\r\n")
		case "PSYNC":
			io.WriteString(nc, "+FULLRESYNC "+strings.Repeat("a", 40)+" 0\r\n$"+strconv.Itoa(len(image))+"\r\n")
			nc.Write(image)
		case "REPLCONF":
			if len(args) > 1 && strings.EqualFold(args[1], "ack") {
				continue
			}
			io.WriteString(nc, "+OK\r\n")
		}
	}
}

// PUBLISH reaches the replicas (not the append-only file): a replica's
// subscribers get the master's messages, from any database and inside
// transactions, and the replication offsets agree (WAIT sees the
// replica's acknowledgement cover them).
func TestPublishReachesReplicas(t *testing.T) {
	check := func(t *testing.T, master, replica *redis.Client, masterAddr string) {
		ctx := context.Background()
		linked(t, replica, masterAddr)
		sub := replica.Subscribe(ctx, "news")
		defer sub.Close()
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		conn := master.Conn()
		defer conn.Close()
		conn.Do(ctx, "select", 3)
		conn.Publish(ctx, "news", "one")
		if _, err := conn.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "k", "v", 0)
			p.Publish(ctx, "news", "two")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		conn.Do(ctx, "select", 0)
		conn.Eval(ctx, "return redis.call('publish', 'news', 'three')", nil)
		for _, want := range []string{"one", "two", "three"} {
			m, err := sub.ReceiveTimeout(ctx, 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if msg, ok := m.(*redis.Message); !ok || msg.Payload != want {
				t.Fatalf("got %v, want %q", m, want)
			}
		}
		replicasCaughtUp(t, master)
	}
	t.Run("redmod replica", func(t *testing.T) {
		ms, rs := redmodtest.Run(t), redmodtest.Run(t)
		check(t, goClient(t, ms.Addr()), goClient(t, rs.Addr()), ms.Addr())
	})
	t.Run("redis replica", func(t *testing.T) {
		ms := redmodtest.Run(t)
		raddr := difftest.RedisTCP(t)
		check(t, goClient(t, ms.Addr()), goClient(t, raddr), ms.Addr())
	})
}
