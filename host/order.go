package host

import (
	"time"

	"github.com/redmod/redmod/core"
)

// Arrival order across connections.
//
// Redis runs commands one at a time in the order its event loop sees them:
// when client A sends a blocking XREADGROUP and client B a DEL of the
// stream right after, A blocks first and B's DEL ends A's wait. Here every
// connection has its own goroutine, and the Go runtime hands back the
// goroutines whose sockets became readable together in no useful order
// (in practice the last to arrive first), so B's DEL could run before A's
// read and A would block on a stream that is gone.
//
// The host restores Redis's order where it can be observed, without a cost
// for clients that never block:
//
//   - Ordering is "hot" for a while after any command that may block
//     (core.FlagBlocking) or any command of a subscribed client ran; until
//     then the paths below are skipped.
//   - While hot, each read records the kernel's receive time of the bytes
//     it got (SO_TIMESTAMPNS): the connection is "in flight" until it goes
//     back to its socket for more, that is until the commands in those
//     bytes have run (a command that blocks has registered its wait).
//   - Before a command that may block or is not read-only (an ordered
//     command) runs, it waits while another connection holds older bytes
//     that may be an ordered command: bytes in flight whose command is not
//     known yet or is ordered, or bytes still in the kernel (found with a
//     process-wide epoll set polled without waiting, read with MSG_PEEK)
//     that start with an ordered command. Read-only commands keep running
//     in parallel.
//
// Waits only go from newer to older bytes, so they cannot form a cycle, and
// each is bounded by orderMaxWait so that a stalled client cannot hold
// others. On other systems, and for TLS and Unix-socket clients, the
// runtime's order stands.

// orderHotSpan is how long ordering stays on after a blocking command.
const orderHotSpan = 60 * time.Second

// orderMaxWait bounds one command's wait for older ones.
const orderMaxWait = 500 * time.Millisecond

// What a connection's oldest unfinished bytes hold, for others' waits.
const (
	kindUnknown = iota // read, not yet parsed
	kindPlain          // a read-only command that does not block
	kindOrdered        // a command that may block or is not read-only
)

// requestName returns the name of the command that b, the start of a
// request, holds (multibulk or inline), or nil if b is too short to tell.
func requestName(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	if b[0] != '*' {
		for i, ch := range b {
			if ch == ' ' || ch == '\r' || ch == '\n' || ch == '\t' {
				return b[:i]
			}
		}
		return nil
	}
	i := indexCRLF(b)
	if i < 0 || i+2 >= len(b) || b[i+2] != '$' {
		return nil
	}
	b = b[i+3:]
	j := indexCRLF(b)
	if j < 0 {
		return nil
	}
	n, ok := core.ParseInt(b[:j])
	if !ok || n < 0 || int64(len(b)) < int64(j+2)+n {
		return nil
	}
	return b[j+2 : j+2+int(n)]
}

func indexCRLF(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return i
		}
	}
	return -1
}
