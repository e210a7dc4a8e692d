package admin_test

import (
	"testing"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

// TestDiffMulti compares MULTI, EXEC, DISCARD, WATCH and UNWATCH with Redis,
// byte for byte: queuing, errors found while queuing (EXECABORT), errors at
// run time that do not roll back, nesting, WATCH touched by the client's own
// writes, no-multi commands, blocking commands answering at once, SELECT and
// SWAPDB inside a transaction, in RESP2 and RESP3.
func TestDiffMulti(t *testing.T) {
	p := newPair(t)
	for _, proto := range []string{"2", "3"} {
		p.Do("HELLO", proto)
		cases := [][]string{
			{"EXEC"}, {"DISCARD"}, {"EXEC", "x"}, {"MULTI", "x"}, {"DISCARD", "x"}, {"WATCH"}, {"UNWATCH", "x"},
			{"MULTI"}, {"SET", "a", "1"}, {"INCR", "a"}, {"LPUSH", "a", "x"}, {"GET", "a"}, {"PING"}, {"EXEC"},
			{"MULTI"}, {"MULTI"}, {"WATCH", "a"}, {"GET", "a"}, {"EXEC"},
			{"MULTI"}, {"SET", "b", "1"}, {"NOSUCH", "x"}, {"SET", "c", "2"}, {"EXEC"}, {"EXISTS", "b", "c"},
			{"MULTI"}, {"SET", "b", "1"}, {"GET"}, {"EXEC"}, {"EXISTS", "b"},
			{"MULTI"}, {"SET", "b", "1"}, {"SAVE"}, {"EXEC"}, {"EXISTS", "b"},
			{"MULTI"}, {"SET", "b", "1"}, {"SHUTDOWN"}, {"EXEC"},
			{"MULTI"}, {"CONFIG", "NOSUCH"}, {"EXEC"},
			{"MULTI"}, {"DEL", "b"}, {"DISCARD"}, {"EXISTS", "b"}, {"DISCARD"},
			{"MULTI"}, {"EXEC"},
			{"MULTI"}, {"BLPOP", "empty", "0"}, {"BRPOP", "empty", "0"}, {"BRPOPLPUSH", "e1", "e2", "0"},
			{"BLMOVE", "e1", "e2", "LEFT", "LEFT", "0"}, {"BLMPOP", "0", "1", "empty", "LEFT"}, {"EXEC"},
			{"RPUSH", "l", "x", "y"},
			{"MULTI"}, {"BLPOP", "l", "0"}, {"BLMOVE", "l", "l2", "LEFT", "RIGHT", "0"}, {"BLPOP", "l", "0"}, {"EXEC"},
			{"MULTI"}, {"SELECT", "1"}, {"SET", "k", "in1"}, {"SELECT", "0"}, {"GET", "k"}, {"SELECT", "1"}, {"EXEC"},
			{"GET", "k"}, {"SELECT", "0"}, {"GET", "k"},
			{"MULTI"}, {"SET", "sw", "0"}, {"SWAPDB", "0", "1"}, {"GET", "sw"}, {"GET", "k"}, {"SWAPDB", "0", "1"}, {"EXEC"},
			{"GET", "sw"},
			{"WATCH", "w"}, {"SET", "w", "1"}, {"MULTI"}, {"INCR", "w"}, {"EXEC"}, {"GET", "w"},
			{"WATCH", "w"}, {"MULTI"}, {"INCR", "w"}, {"EXEC"}, {"GET", "w"},
			{"WATCH", "w", "w", "other"}, {"UNWATCH"}, {"SET", "w", "5"}, {"MULTI"}, {"INCR", "w"}, {"EXEC"},
			{"WATCH", "w"}, {"SET", "w", "1"}, {"MULTI"}, {"DISCARD"}, {"MULTI"}, {"INCR", "w"}, {"EXEC"},
			{"WATCH", "nokey"}, {"DEL", "nokey"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "w"}, {"SET", "w", "x", "NX"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "w"}, {"EXPIRE", "w", "100"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "w"}, {"RENAME", "w", "w2"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "w"}, {"RENAME", "w2", "w"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "w"}, {"MOVE", "w", "2"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"SET", "x", "1"}, {"WATCH", "x"}, {"FLUSHALL"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "x"}, {"FLUSHALL"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"SET", "x", "1"}, {"WATCH", "x"}, {"FLUSHDB"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"SET", "x", "1"}, {"WATCH", "x"}, {"SWAPDB", "0", "1"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "x"}, {"SWAPDB", "0", "1"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"SELECT", "5"}, {"SET", "x", "30"}, {"WATCH", "x"}, {"SELECT", "1"}, {"SET", "x", "10"}, {"SELECT", "5"},
			{"MULTI"}, {"PING"}, {"EXEC"}, {"SELECT", "0"},
			{"LPUSH", "foo", "bar"}, {"WATCH", "foo"}, {"SORT", "emptylist", "STORE", "foo"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "foo"}, {"DEL", "foo", "nokey"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"SET", "s", "v"}, {"WATCH", "s"}, {"GET", "s"}, {"APPEND", "s", "x"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"HSET", "h", "f", "v"}, {"WATCH", "h"}, {"HSET", "h", "g", "v"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "h"}, {"HDEL", "h", "nofield"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "h"}, {"INCR", "h"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"RPUSH", "l", "a"}, {"WATCH", "l"}, {"LPOP", "l"}, {"MULTI"}, {"PING"}, {"EXEC"},
			{"MULTI"}, {"WATCH", "x"}, {"UNWATCH"}, {"EXEC"},
			{"MULTI"}, {"CLIENT", "SETNAME", "tx"}, {"CLIENT", "GETNAME"}, {"EXEC"},
			{"FLUSHALL"},
		}
		for _, c := range cases {
			p.Check(c...)
		}
	}
}

// TestDiffMultiAuthAndACL compares transactions under requirepass and ACL
// users with Redis: MULTI before AUTH, commands or keys the user may not
// use (refused while queuing, so EXEC aborts), rules changed between
// queuing and EXEC, and the ACL LOG entries they leave.
func TestDiffMultiAuthAndACL(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	admin := difftest.NewPair(t, srv.Addr(), ref)
	admin.Check("ACL", "SETUSER", "u", "on", ">pw", "~a*", "+@all", "-get")
	admin.Check("CONFIG", "SET", "requirepass", "secret")
	p := difftest.Connect(t, srv.Addr(), ref)
	for _, c := range [][]string{
		{"MULTI"}, {"PING"}, {"EXEC"},
		{"AUTH", "secret"}, {"MULTI"}, {"AUTH", "u", "pw"}, {"PING"}, {"EXEC"},
		{"MULTI"}, {"SET", "a1", "x"}, {"GET", "a1"}, {"SET", "b", "x"}, {"EXEC"}, {"EXISTS", "a1", "b"},
		{"MULTI"}, {"SET", "a1", "x"}, {"LPUSH", "a2", "y"}, {"APPEND", "a1", "z"},
	} {
		p.Check(c...)
	}
	admin.Check("ACL", "SETUSER", "u", "-append", "resetkeys", "~a1")
	p.Check("EXEC")
	p.Check("MGET", "a1")
	p.Check("ACL", "WHOAMI")
	ours, theirs := admin.Do("ACL", "LOG")
	if len(ours.Elems) != len(theirs.Elems) {
		t.Fatalf("ACL LOG: redmod %d entries, redis %d", len(ours.Elems), len(theirs.Elems))
	}
	for i := range ours.Elems {
		o, r := ours.Elems[i].Elems, theirs.Elems[i].Elems
		// reason, context, object, username; the rest is timing and client details.
		for j := 0; j+1 < len(o) && j+1 < len(r); j += 2 {
			switch o[j].Str {
			case "reason", "context", "object", "username":
				if o[j].Raw != r[j].Raw || o[j+1].Raw != r[j+1].Raw {
					t.Errorf("ACL LOG entry %d %s: redmod %s, redis %s", i, o[j].Str, o[j+1], r[j+1])
				}
			}
		}
	}
	admin.Do("AUTH", "secret")
	admin.Do("CONFIG", "SET", "requirepass", "")
}

// TestDiffMinReplicasToWrite compares min-replicas-to-write with Redis on a
// server without replicas: writes are refused with NOREPLICAS, reads are
// not, a write queued in MULTI marks the transaction, and EXEC of writes
// queued before the setting changed is refused as a whole (EXECABORT).
func TestDiffMinReplicasToWrite(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	admin := difftest.Connect(t, srv.Addr(), ref)
	t.Cleanup(func() { admin.Do("CONFIG", "SET", "min-replicas-to-write", "0") })
	p.Check("SET", "xx", "1")
	p.Check("MULTI")
	p.Check("INCR", "xx")
	admin.Check("CONFIG", "SET", "min-replicas-to-write", "2")
	admin.Check("CONFIG", "GET", "min-slaves-to-write")
	p.Check("EXEC")
	for _, c := range [][]string{
		{"GET", "xx"}, {"SET", "xx", "2"}, {"DEL", "xx"}, {"PING"},
		{"MULTI"}, {"GET", "xx"}, {"SET", "xx", "3"}, {"EXEC"},
		{"MULTI"}, {"GET", "xx"}, {"EXEC"},
	} {
		p.Check(c...)
	}
	// min-replicas-max-lag 0 turns the check off.
	admin.Check("CONFIG", "SET", "min-replicas-max-lag", "0")
	p.Check("SET", "xx", "4")
	admin.Check("CONFIG", "SET", "min-slaves-max-lag", "10")
	admin.Check("CONFIG", "GET", "min-replicas-max-lag")
	p.Check("SET", "xx", "5")
	admin.Check("CONFIG", "SET", "min-replicas-to-write", "0")
	p.Check("SET", "xx", "6")
}

// TestDiffReadOnlyScriptMayReplicate compares with Redis the refusal of
// may-replicate commands (PUBLISH) in read-only scripts, and PFCOUNT's and
// PUBLISH's COMMAND INFO flags, where Redis hides may_replicate.
func TestDiffReadOnlyScriptMayReplicate(t *testing.T) {
	p := newPair(t)
	p.Check("EVAL_RO", "return redis.call('publish','ch','msg')", "0")
	p.Check("EVAL", "#!lua flags=no-writes\nreturn redis.call('publish','ch','msg')", "0")
	p.Check("EVAL", "return redis.call('publish','ch','msg')", "0")
	p.Check("COMMAND", "INFO", "publish", "pfcount", "spublish")
}
