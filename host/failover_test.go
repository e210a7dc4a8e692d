package host_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

// replInfo returns one field of INFO's replication and stats sections.
func replInfo(t *testing.T, c *redis.Client, name string) string {
	t.Helper()
	return infoField(t, c, "everything", name)
}

func awaitField(t *testing.T, c *redis.Client, name, want string) {
	t.Helper()
	await(t, name+" "+want, func() bool {
		info, _ := c.Info(context.Background(), "replication", "stats").Result()
		return strings.Contains(info, "\r\n"+name+":"+want+"\r\n")
	})
}

func role(t *testing.T, c *redis.Client) string {
	t.Helper()
	r, err := c.Do(context.Background(), "role").Slice()
	if err != nil || len(r) == 0 {
		t.Fatalf("ROLE: %v %v", r, err)
	}
	return r[0].(string)
}

// syncedAt waits until replica's link is up and its offset is master's.
// masterAndTwoReplicas starts three servers, loads data into the first and
// makes the other two its replicas, caught up with it. Their masters PING
// hourly: a PING between the checks of the replicas' offsets and a switch
// would put the replicas that got it ahead of the promoted one, and
// partial resyncs would become full ones.
func masterAndTwoReplicas(t *testing.T) (s0, s1, s2 *redmodtest.Server, n0, n1, n2 *redis.Client) {
	t.Helper()
	s0, s1, s2 = quietServer(t), quietServer(t), quietServer(t)
	n0, n1, n2 = goClient(t, s0.Addr()), goClient(t, s1.Addr()), goClient(t, s2.Addr())
	loadAndFollow(t, n0, n1, s0.Addr())
	linked(t, n2, s0.Addr())
	syncedAt(t, n0, n2)
	return
}

// loadAndFollow loads data into master, makes replica follow it (at
// masterAddr), writes more and waits until the replica has caught up.
func loadAndFollow(t *testing.T, master, replica *redis.Client, masterAddr string) {
	t.Helper()
	difftest.Load(t, master)
	linked(t, replica, masterAddr)
	moreWrites(t, master)
	syncedAt(t, master, replica)
}

// quietServer runs a server whose master PINGs its replicas hourly.
func quietServer(t *testing.T) *redmodtest.Server {
	return redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.ReplPingPeriod = 3600 }))
}

func syncedAt(t *testing.T, master, replica *redis.Client) {
	t.Helper()
	await(t, "the replica at the master's offset", func() bool {
		info, _ := replica.Info(context.Background(), "replication").Result()
		if !strings.Contains(info, "master_link_status:up") {
			return false
		}
		mo, _ := master.Info(context.Background(), "replication").Result()
		return fieldOf(info, "master_repl_offset") == fieldOf(mo, "master_repl_offset")
	})
}

func fieldOf(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

// FAILOVER's errors, in Redis 7.0's words and order.
func TestFailoverErrors(t *testing.T) {
	ms, rs := redmodtest.Run(t), redmodtest.Run(t)
	master, replica := goClient(t, ms.Addr()), goClient(t, rs.Addr())
	ctx := context.Background()
	_, rport := hostPort(t, rs.Addr())
	check := func(c *redis.Client, want string, args ...any) {
		t.Helper()
		err := c.Do(ctx, append([]any{"failover"}, args...)...).Err()
		if got := errText(err); got != want {
			t.Errorf("FAILOVER %v: %q, want %q", args, got, want)
		}
	}
	check(master, "ERR FAILOVER requires connected replicas.")
	check(master, "ERR FAILOVER requires connected replicas.", "to", "127.0.0.1", rport)
	check(master, "ERR No failover in progress.", "abort")
	check(master, "ERR syntax error", "abort", "timeout", "10")
	check(master, "ERR syntax error", "to", "127.0.0.1")
	check(master, "ERR syntax error", "bogus")
	check(master, "ERR syntax error", "force", "force")
	check(master, "ERR value is not an integer or out of range", "to", "127.0.0.1", "x")
	check(master, "ERR value is not an integer or out of range", "timeout", "x")
	check(master, "ERR FAILOVER timeout must be greater than 0", "timeout", "0")
	check(master, "ERR FAILOVER timeout must be greater than 0", "timeout", "-5")
	linked(t, replica, ms.Addr())
	check(replica, "ERR FAILOVER is not valid when server is a replica.")
	check(master, "ERR FAILOVER with force option requires both a timeout and target HOST and IP.", "force", "timeout", "100")
	check(master, "ERR FAILOVER with force option requires both a timeout and target HOST and IP.", "to", "127.0.0.1", rport, "force")
	check(master, "ERR FAILOVER target HOST and PORT is not a replica.", "to", "invalidhost", rport)
	check(master, "ERR FAILOVER target HOST and PORT is not a replica.", "to", "127.0.0.1", "1")
	// PSYNC's FAILOVER option.
	if err := master.Do(ctx, "psync", "x", "1", "failover").Err(); errText(err) != "ERR PSYNC FAILOVER can't be sent to a master." {
		t.Errorf("PSYNC FAILOVER to a master: %v", err)
	}
	if err := replica.Do(ctx, "psync", "x", "1", "failover").Err(); errText(err) != "ERR PSYNC FAILOVER replid must match my replid." {
		t.Errorf("PSYNC FAILOVER with another ID: %v", err)
	}
	if got := replInfo(t, master, "master_failover_state"); got != "no-failover" {
		t.Errorf("master_failover_state: %q", got)
	}
}

func errText(err error) string {
	if err == nil {
		return "OK"
	}
	return err.Error()
}

// A failover between two redmod servers: writes wait meanwhile, the
// replica becomes the master, the old master its replica with a partial
// resynchronisation, and writes that waited are then refused (READONLY).
func TestFailoverTwoServers(t *testing.T) {
	ms, rs := redmodtest.Run(t), redmodtest.Run(t)
	master, replica := goClient(t, ms.Addr()), goClient(t, rs.Addr())
	ctx := context.Background()
	loadAndFollow(t, master, replica, ms.Addr())
	if err := master.Do(ctx, "failover").Err(); err != nil {
		t.Fatal(err)
	}
	awaitField(t, master, "master_failover_state", "no-failover")
	if role(t, master) != "slave" || role(t, replica) != "master" {
		t.Fatalf("roles after FAILOVER: %s %s", role(t, master), role(t, replica))
	}
	awaitField(t, master, "master_link_status", "up")
	if got := replInfo(t, replica, "sync_partial_ok"); got != "1" {
		t.Errorf("sync_partial_ok on the new master: %s", got)
	}
	if got := replInfo(t, replica, "sync_full"); got != "0" {
		t.Errorf("sync_full on the new master: %s", got)
	}
	if err := master.Set(ctx, "x", "1", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "READONLY") {
		t.Fatalf("a write on the old master: %v", err)
	}
	replica.Set(ctx, "after", "failover", 0)
	syncedAt(t, replica, master)
	sameData(t, replica, master)
	// And back, to the address the old master announces
	// (replica-announce-ip): the IDs chain, so this is partial too.
	if err := master.ConfigSet(ctx, "replica-announce-ip", "localhost").Err(); err != nil {
		t.Fatal(err)
	}
	replica.Do(ctx, "client", "kill", "type", "replica")
	_, mport := hostPort(t, ms.Addr())
	await(t, "the announced address", func() bool {
		info, _ := replica.Info(ctx, "replication").Result()
		return strings.Contains(info, "ip=localhost,port="+mport+",state=online")
	})
	syncedAt(t, replica, master)
	if err := replica.Do(ctx, "failover", "to", "localhost", mport).Err(); err != nil {
		t.Fatal(err)
	}
	awaitField(t, replica, "master_failover_state", "no-failover")
	if role(t, master) != "master" || role(t, replica) != "slave" {
		t.Fatalf("roles after the second FAILOVER: %s %s", role(t, master), role(t, replica))
	}
	awaitField(t, replica, "master_link_status", "up")
	if got := replInfo(t, master, "sync_full"); got != "1" {
		t.Errorf("sync_full on the first master: %s (the first link's only)", got)
	}
	if got := replInfo(t, replica, "sync_full"); got != "0" {
		t.Errorf("sync_full on the second master: %s", got)
	}
}

// Three servers, as Redis's failover test: FAILOVER TO one replica, then
// the other replica and the old master both continue with PSYNC on the new
// master; the data agree everywhere.
func TestFailoverThreeServers(t *testing.T) {
	_, s1, _, n0, n1, n2 := masterAndTwoReplicas(t)
	ctx := context.Background()
	h1, p1 := hostPort(t, s1.Addr())
	if err := n0.Do(ctx, "failover", "to", h1, p1, "timeout", 20000).Err(); err != nil {
		t.Fatal(err)
	}
	awaitField(t, n0, "master_failover_state", "no-failover")
	linked(t, n2, s1.Addr())
	syncedAt(t, n1, n0)
	syncedAt(t, n1, n2)
	if role(t, n0) != "slave" || role(t, n1) != "master" || role(t, n2) != "slave" {
		t.Fatalf("roles: %s %s %s", role(t, n0), role(t, n1), role(t, n2))
	}
	if got := replInfo(t, n1, "sync_partial_ok"); got != "2" {
		t.Errorf("sync_partial_ok on the new master: %s", got)
	}
	if got := replInfo(t, n1, "sync_full"); got != "0" {
		t.Errorf("sync_full on the new master: %s", got)
	}
	n1.Set(ctx, "new", "master", 0)
	syncedAt(t, n1, n0)
	syncedAt(t, n1, n2)
	sameData(t, n1, n0)
	sameData(t, n1, n2)
}

// REPLICAOF NO ONE keeps the old ID as the second one: the old master and
// a sibling replica that turn to the promoted replica continue (PSYNC
// +CONTINUE) instead of loading a new image.
func TestPromotedReplicaContinues(t *testing.T) {
	_, s1, s2, n0, n1, n2 := masterAndTwoReplicas(t)
	ctx := context.Background()
	oldID := replInfo(t, n0, "master_replid")
	off := replInfo(t, n0, "master_repl_offset")
	if err := n1.Do(ctx, "replicaof", "no", "one").Err(); err != nil {
		t.Fatal(err)
	}
	if got := replInfo(t, n1, "master_replid2"); got != oldID {
		t.Errorf("master_replid2 after promotion: %s, want %s", got, oldID)
	}
	if got, want := replInfo(t, n1, "second_repl_offset"), strconv.Itoa(int(mustInt(t, off))+1); got != want {
		t.Errorf("second_repl_offset: %s, want %s", got, want)
	}
	linked(t, n2, s1.Addr())
	linked(t, n0, s1.Addr())
	n1.Set(ctx, "after", "promotion", 0)
	syncedAt(t, n1, n0)
	syncedAt(t, n1, n2)
	if got := replInfo(t, n1, "sync_partial_ok"); got != "2" {
		t.Errorf("sync_partial_ok on the promoted replica: %s", got)
	}
	if got := replInfo(t, n1, "sync_full"); got != "0" {
		t.Errorf("sync_full on the promoted replica: %s", got)
	}
	sameData(t, n1, n0)
	sameData(t, n1, n2)
	// A replica relays its master's stream: a sub-replica continues from
	// it too, and keeps up with the master's writes.
	s3 := redmodtest.Run(t)
	n3 := goClient(t, s3.Addr())
	linked(t, n3, s2.Addr())
	n1.Set(ctx, "chained", "1", 0)
	syncedAt(t, n1, n3)
	if err := n3.Do(ctx, "client", "kill", "type", "master").Err(); err != nil {
		t.Fatal(err)
	}
	n2.Do(ctx, "client", "kill", "type", "replica")
	n1.Set(ctx, "chained", "2", 0)
	syncedAt(t, n1, n3)
	if got := replInfo(t, n2, "sync_partial_ok"); got != "1" {
		t.Errorf("sync_partial_ok on the middle replica: %s", got)
	}
	sameData(t, n1, n3)
}

// fakeReplica links to a master as a replica that announces port and never
// acknowledges, so a failover to it waits; it listens on port and answers
// PSYNC FAILOVER with refusal.
type fakeReplica struct {
	ln   net.Listener
	port string
}

func newFakeReplica(t *testing.T, masterAddr string) *fakeReplica {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f := &fakeReplica{ln: ln, port: strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)}
	nc, err := net.Dial("tcp", masterAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	io.WriteString(nc, "*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$"+strconv.Itoa(len(f.port))+"\r\n"+f.port+"\r\n")
	io.WriteString(nc, "*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
	r := bufio.NewReader(nc)
	if line, _ := r.ReadString('\n'); line != "+OK\r\n" {
		t.Fatalf("REPLCONF: %q", line)
	}
	if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "+FULLRESYNC") {
		t.Fatalf("PSYNC: %q", line)
	}
	go io.Copy(io.Discard, r)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				cr := bufio.NewReader(c)
				for {
					line, err := cr.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(strings.ToUpper(line), "PSYNC") {
						io.WriteString(c, "-NOPERM this user has no permissions to run the 'psync' command\r\n")
					} else if strings.HasPrefix(strings.ToUpper(line), "PING") {
						io.WriteString(c, "+PONG\r\n")
					} else if strings.HasPrefix(line, "$") || strings.HasPrefix(line, "*") {
						continue
					} else if strings.HasPrefix(strings.ToUpper(line), "REPLCONF") {
						io.WriteString(c, "+OK\r\n")
					}
				}
			}()
		}
	}()
	return f
}

// A failover to a replica that never catches up: writes wait, reads do
// not; TIMEOUT aborts it, ABORT too; with FORCE the master hands over
// anyway, and a target that refuses the PSYNC aborts it.
func TestFailoverWaitsAbortsForces(t *testing.T) {
	ms := redmodtest.Run(t)
	master := goClient(t, ms.Addr())
	ctx := context.Background()
	master.Set(ctx, "k", "v", 0)
	f := newFakeReplica(t, ms.Addr())
	await(t, "the fake replica online", func() bool {
		info, _ := master.Info(ctx, "replication").Result()
		return strings.Contains(info, "state=online")
	})
	master.Set(ctx, "k", "v2", 0) // the fake replica never acknowledges it

	// ABORT.
	if err := master.Do(ctx, "failover", "to", "127.0.0.1", f.port, "timeout", 60000).Err(); err != nil {
		t.Fatal(err)
	}
	if got := replInfo(t, master, "master_failover_state"); got != "waiting-for-sync" {
		t.Fatalf("master_failover_state: %s", got)
	}
	if err := master.Do(ctx, "failover").Err(); errText(err) != "ERR FAILOVER already in progress." {
		t.Errorf("a second FAILOVER: %v", err)
	}
	if v, err := master.Get(ctx, "k").Result(); v != "v2" || err != nil {
		t.Fatalf("a read while failing over: %q %v", v, err)
	}
	writer := goClient(t, ms.Addr())
	done := make(chan error, 1)
	go func() { done <- writer.Set(ctx, "held", "1", 0).Err() }()
	await(t, "the write held", func() bool { return replInfo(t, master, "blocked_clients") == "1" || len(done) > 0 })
	select {
	case err := <-done:
		t.Fatalf("a write during the failover ran: %v", err)
	default:
	}
	// SYNC is refused meanwhile.
	if err := master.Do(ctx, "sync").Err(); errText(err) != "NOMASTERLINK Can't SYNC while failing over" {
		t.Errorf("SYNC while failing over: %v", err)
	}
	if err := master.Do(ctx, "failover", "abort").Err(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the held write after ABORT: %v", err)
	}
	if got := replInfo(t, master, "master_failover_state"); got != "no-failover" {
		t.Fatalf("after ABORT: %s", got)
	}

	// TIMEOUT without FORCE.
	if err := master.Do(ctx, "failover", "to", "127.0.0.1", f.port, "timeout", 100).Err(); err != nil {
		t.Fatal(err)
	}
	awaitField(t, master, "master_failover_state", "no-failover")
	if role(t, master) != "master" {
		t.Fatal("a timed-out failover changed the role")
	}

	// FORCE: after the timeout the master hands over; the target refuses
	// the PSYNC, so the failover is aborted and the server a master again.
	oldID := replInfo(t, master, "master_replid")
	if err := master.Do(ctx, "failover", "to", "127.0.0.1", f.port, "force", "timeout", 50).Err(); err != nil {
		t.Fatal(err)
	}
	awaitField(t, master, "master_failover_state", "no-failover")
	await(t, "a master again", func() bool { return role(t, master) == "master" })
	if got := replInfo(t, master, "master_replid2"); got != oldID {
		t.Errorf("master_replid2 after the aborted handover: %s, want %s", got, oldID)
	}
	if err := master.Set(ctx, "k", "v3", 0).Err(); err != nil {
		t.Fatalf("a write after the aborted failover: %v", err)
	}
}

// Failover between redmod and a real redis-server 7.0, both ways.
func TestFailoverWithRedis(t *testing.T) {
	t.Run("redmod master, redis replica", func(t *testing.T) {
		ms := redmodtest.Run(t)
		raddr := difftest.RedisTCP(t)
		master, replica := goClient(t, ms.Addr()), goClient(t, raddr)
		ctx := context.Background()
		loadAndFollow(t, master, replica, ms.Addr())
		h, p := hostPort(t, raddr)
		if err := master.Do(ctx, "failover", "to", h, p).Err(); err != nil {
			t.Fatal(err)
		}
		awaitField(t, master, "master_failover_state", "no-failover")
		if role(t, master) != "slave" || role(t, replica) != "master" {
			t.Fatalf("roles: %s %s", role(t, master), role(t, replica))
		}
		replica.Set(ctx, "after", "failover", 0)
		syncedAt(t, replica, master)
		if got := replInfo(t, replica, "sync_partial_ok"); got != "1" {
			t.Errorf("sync_partial_ok on redis-server: %s", got)
		}
		sameData(t, replica, master)
	})
	t.Run("redis master, redmod replica", func(t *testing.T) {
		raddr := difftest.RedisTCP(t, "--repl-diskless-sync-delay", "0")
		rs := redmodtest.Run(t)
		master, replica := goClient(t, raddr), goClient(t, rs.Addr())
		ctx := context.Background()
		loadAndFollow(t, master, replica, raddr)
		if err := master.Do(ctx, "failover").Err(); err != nil {
			t.Fatal(err)
		}
		awaitField(t, master, "master_failover_state", "no-failover")
		if role(t, master) != "slave" || role(t, replica) != "master" {
			t.Fatalf("roles: %s %s", role(t, master), role(t, replica))
		}
		replica.Set(ctx, "after", "failover", 0)
		syncedAt(t, replica, master)
		if got := replInfo(t, replica, "sync_partial_ok"); got != "1" {
			t.Errorf("sync_partial_ok on redmod: %s", got)
		}
		sameData(t, replica, master)
	})
}

// A replica lists its master as a client (flags M, type master); CLIENT
// KILL TYPE master drops the link, which comes back with a partial
// resynchronisation.
func TestClientKillMaster(t *testing.T) {
	ms, rs := redmodtest.Run(t), redmodtest.Run(t)
	master, replica := goClient(t, ms.Addr()), goClient(t, rs.Addr())
	ctx := context.Background()
	linked(t, replica, ms.Addr())
	master.Set(ctx, "a", "1", 0)
	syncedAt(t, master, replica)
	list, err := replica.Do(ctx, "client", "list", "type", "master").Text()
	if err != nil || strings.Count(list, "\n") != 1 || !strings.Contains(list, " flags=M ") || !strings.Contains(list, "addr="+ms.Addr()+" ") {
		t.Fatalf("CLIENT LIST TYPE master: %q %v", list, err)
	}
	if n, err := replica.Do(ctx, "client", "kill", "type", "master").Int(); n != 1 || err != nil {
		t.Fatalf("CLIENT KILL TYPE master: %d %v", n, err)
	}
	master.Set(ctx, "b", "2", 0)
	syncedAt(t, master, replica)
	if v, _ := replica.Get(ctx, "b").Result(); v != "2" {
		t.Fatalf("a write after the link came back: %q", v)
	}
	if got := replInfo(t, master, "sync_partial_ok"); got != "1" {
		t.Errorf("sync_partial_ok after CLIENT KILL TYPE master: %s", got)
	}
	if n, _ := master.Do(ctx, "client", "kill", "type", "master").Int(); n != 0 {
		t.Errorf("CLIENT KILL TYPE master on a master: %d", n)
	}
}

// A replica that did not announce capa psync2 gets +CONTINUE without the
// replication ID, as Redis answers an old replica.
func TestContinueWithoutPsync2(t *testing.T) {
	ms, rs := redmodtest.Run(t), redmodtest.Run(t)
	master, replica := goClient(t, ms.Addr()), goClient(t, rs.Addr())
	ctx := context.Background()
	linked(t, replica, ms.Addr()) // the backlog starts
	master.Set(ctx, "a", "1", 0)
	syncedAt(t, master, replica)
	id, off := replInfo(t, master, "master_replid"), replInfo(t, master, "master_repl_offset")
	next := strconv.FormatInt(mustInt(t, off)+1, 10)
	for _, tc := range []struct{ capa, want string }{
		{"", "+CONTINUE\r\n"},
		{"*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n", "+CONTINUE " + id + "\r\n"},
	} {
		nc, err := net.Dial("tcp", ms.Addr())
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(nc)
		if tc.capa != "" {
			io.WriteString(nc, tc.capa)
			if line, _ := r.ReadString('\n'); line != "+OK\r\n" {
				t.Fatalf("REPLCONF: %q", line)
			}
		}
		io.WriteString(nc, "PSYNC "+id+" "+next+"\r\n")
		if line, _ := r.ReadString('\n'); line != tc.want {
			t.Errorf("PSYNC after capa %q: %q, want %q", tc.capa, line, tc.want)
		}
		nc.Close()
	}
}
