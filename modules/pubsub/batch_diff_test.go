package pubsub_test

import (
	"testing"
	"time"

	"github.com/redmod/redmod/internal/resp"
)

// TestDiffMessagesAfterBatch: pub/sub and keyspace-event messages another
// client causes while a RESP3 subscriber runs a pipelined batch follow the
// batch's replies, as from Redis, where the batch runs before the other
// client's commands; the subscriber's own messages (its PUBLISH to itself,
// its own keys' events) stay in line with its replies.
func TestDiffMessagesAfterBatch(t *testing.T) {
	a, b := debugPairs(t)
	b.do(1, "CONFIG", "SET", "notify-keyspace-events", "KEA")
	a.do(1, "SET", "k", "v")
	a.do(1, "SUBSCRIBE", "ch")
	a.do(1, "PSUBSCRIBE", "__keyspace@0__:*")
	a.sendPipeline([]string{"GET", "k"}, []string{"SET", "own", "1"}, []string{"DEBUG", "SLEEP", "0.3"},
		[]string{"PUBLISH", "ch", "mine"}, []string{"EVAL", "return redis.call('publish', 'ch', 'script')", "0"},
		[]string{"PING"})
	time.Sleep(100 * time.Millisecond) // while a's batch sleeps
	b.sendPipeline([]string{"PUBLISH", "ch", "theirs"}, []string{"SET", "k", "v2"})
	// GET; own set event, OK; DEBUG's OK; own message, PUBLISH's 1; the
	// script's message, EVAL's 1; PONG; then b's message and b's set event.
	a.expect(11, "a's batch, then the messages b caused")
	b.expect(2, "b's PUBLISH and SET")
	a.quiet()
}

// TestDiffMessagesAfterBatchRESP2: the same for a RESP2 client whose batch
// subscribes in a transaction: a message published while the transaction
// runs follows the EXEC reply and the PING after it.
func TestDiffMessagesAfterBatchRESP2(t *testing.T) {
	ours, ref := debugServers(t)
	a, b := dial(t, ours, ref), dial(t, ours, ref)
	a.sendPipeline([]string{"MULTI"}, []string{"SUBSCRIBE", "ch"}, []string{"DEBUG", "SLEEP", "0.3"},
		[]string{"EXEC"}, []string{"PING"})
	time.Sleep(100 * time.Millisecond) // while a's EXEC sleeps
	b.do(1, "PUBLISH", "ch", "theirs")
	// MULTI's OK, two QUEUED, EXEC's reply, PONG, the message.
	a.expect(6, "a's batch, then b's message")
	a.quiet()
}

// TestDiffLazyExpiryEventsInLine: a key a RESP3 subscriber's own command
// finds expired is deleted during that command, and its "expired" event
// (like "keymiss" and "new") goes where Redis 7.0 writes it: in line,
// before the command's reply and after those before it, inside an MGET's or
// EXEC's reply where the key is reached, before a script's reply.
func TestDiffLazyExpiryEventsInLine(t *testing.T) {
	ours, ref := debugServers(t)
	c := dial(t, ours, ref)
	for _, cn := range []*resp.Conn{c.ours, c.ref} {
		if _, err := cn.Do("HELLO", "3"); err != nil {
			t.Fatal(err)
		}
	}
	c.do(1, "CONFIG", "SET", "notify-keyspace-events", "KEAmn")
	c.do(1, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
	c.do(1, "PSUBSCRIBE", "__key*__:*")
	compare := func(cmds [][]string) {
		t.Helper()
		o, r := c.pipeline(cmds)
		if len(o) != len(r) {
			t.Fatalf("%q: redmod sent %d values, Redis %d:\n%q\n%q", cmds, len(o), len(r), o, r)
		}
		for i := range o {
			if o[i] != r[i] {
				t.Fatalf("%q: value %d: redmod %q, Redis %q\nredmod %q\nRedis  %q", cmds, i, o[i], r[i], o, r)
			}
		}
	}
	var set [][]string
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5"} {
		set = append(set, []string{"SET", k, "v", "PX", "1"})
	}
	compare(set)
	time.Sleep(20 * time.Millisecond) // their TTLs pass
	compare([][]string{
		{"PING"}, {"GET", "k1"}, {"PING"}, {"MGET", "a", "k2", "b"},
		{"MULTI"}, {"GET", "k3"}, {"EXEC"},
		{"EVAL", "return redis.call('get', KEYS[1])", "1", "k4"},
		{"SET", "k5", "new"}, {"PING"},
	})
}

// TestDiffTrackingOwnInvalidationAfterReply: in a pipelined batch, the
// invalidation a tracking client's own command causes (a key its GET finds
// expired, its FLUSHALL) follows that command's reply and precedes the next
// one's, as from Redis 7.0, not the whole batch.
func TestDiffTrackingOwnInvalidationAfterReply(t *testing.T) {
	a, b := debugPairs(t)
	b.do(1, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
	a.do(1, "CLIENT", "TRACKING", "on")
	a.do(1, "SET", "k", "v", "PX", "30")
	a.do(1, "GET", "k")
	time.Sleep(50 * time.Millisecond) // k's TTL passes
	a.sendPipeline([]string{"GET", "k"}, []string{"PING"}, []string{"GET", "x"},
		[]string{"FLUSHALL"}, []string{"PING"})
	// GET, k's invalidation, PONG, GET, FLUSHALL, the null invalidation, PONG.
	a.expect(7, "a's batch")
	a.quiet()
}
