package core

import (
	"math"
	"math/big"
	"sync"
	"sync/atomic"
	"time"
)

// Blocking commands (BLPOP, BLMOVE, ...) never wait inside their handler:
// a handler that finds nothing to serve returns c.Block(keys, timeout), and
// the host takes over. It discards any partial reply, registers the client as
// a waiter on the keys while still holding their locks (so no write can slip
// in between the check and the registration), releases the locks and waits.
// A write that may serve a waiter calls DB.Signal for the key it changed;
// the host then runs the command again, with its keys locked, for the first
// client waiting on that key. When the timeout passes the host replies with
// a null array, as Redis does for every blocking list command.

// BlockRequest is the error a handler returns, through Ctx.Block, to block
// the client until one of Keys is signalled or Timeout passes (0: forever).
// It never reaches the client.
type BlockRequest struct {
	Keys    [][]byte
	Timeout time.Duration
	// State is what the command wants to remember from the run that
	// blocked, for the runs that follow a wake (Ctx.BlockState): XREAD's
	// "$" means the last ID at the time it blocked, not at the wake.
	State any
}

// Error implements error; the text only shows up if a host that does not
// support blocking sends it.
func (b *BlockRequest) Error() string { return "ERR blocking is not supported here" }

// Block returns the error that asks the host to block the client on keys.
// A handler returns it when it found nothing to serve and wrote no reply.
func (c *Ctx) Block(keys [][]byte, timeout time.Duration) error {
	return &BlockRequest{Keys: keys, Timeout: timeout}
}

// BlockWith is Block with state that the host keeps while the client
// waits and hands back through BlockState each time it runs the command
// again after a wake.
func (c *Ctx) BlockWith(keys [][]byte, timeout time.Duration, state any) error {
	return &BlockRequest{Keys: keys, Timeout: timeout, State: state}
}

// BlockState returns the state given to BlockWith by the run that blocked
// the client, while the host runs the command again after a wake; nil
// otherwise.
func (c *Ctx) BlockState() any { return c.blockState }

// SetBlockState is called by the host around the run of a woken client.
func (c *Ctx) SetBlockState(s any) { c.blockState = s }

// FromScript reports whether a script called the command (redis.call)
// rather than a client or EXEC. Such a call never blocks (BlockingDenied);
// commands that Redis refuses to run with BLOCK from scripts (XREAD,
// XREADGROUP) check it to send their error.
func (c *Ctx) FromScript() bool { return c.fromScript }

// SetFromScript is called by the scripting module for the commands a
// script calls.
func (c *Ctx) SetFromScript(s bool) { c.fromScript = s }

// Woken reports whether the host is running the command again for a client
// that was blocked. Redis 7.0 then keeps the client blocked on a key that
// now holds another type instead of answering WRONGTYPE.
func (c *Ctx) Woken() bool { return c.woken }

// SetWoken is called by the host around the run of a woken client.
func (c *Ctx) SetWoken(w bool) { c.woken = w }

var (
	errTimeoutNotFloat = NewError("ERR timeout is not a float or out of range")
	errTimeoutNegative = NewError("ERR timeout is negative")
)

// ParseTimeout parses the timeout of a blocking command in seconds, with
// Redis's rules: a long double as strtold reads it (hex and "inf" included),
// in milliseconds rounded up; 0 means forever. Redis then converts the
// milliseconds to a 64-bit integer, so a value too large to fit (inf, 1e16)
// wraps to a negative number and is reported as negative, and a tiny
// negative value such as -0.0001 rounds to 0 and blocks forever.
func ParseTimeout(b []byte) (time.Duration, error) {
	f, ok := ParseLongDouble(b)
	if !ok {
		return 0, errTimeoutNotFloat
	}
	ms := new(big.Float).SetPrec(ldPrec).Mul(f, big.NewFloat(1000))
	if ms.IsInf() || ms.Cmp(big.NewFloat(math.MaxInt64)) >= 0 || ms.Cmp(big.NewFloat(-1)) <= 0 {
		return 0, errTimeoutNegative
	}
	if ms.Sign() <= 0 {
		return 0, nil
	}
	n, acc := ms.Int64()
	if acc == big.Below {
		n++ // ceil
	}
	// Durations are nanoseconds; anything beyond ~292 years is forever.
	if n > math.MaxInt64/int64(time.Millisecond) {
		return 0, nil
	}
	return time.Duration(n) * time.Millisecond, nil
}

// Waiter is a client blocked on keys of one database, queued first in,
// first served on each of them.
type Waiter struct {
	// C receives a value when one of the keys was signalled while the
	// waiter was first in its queue; it holds at most one pending wake.
	C    chan struct{}
	keys []waitKey
}

type waitKey struct {
	db  int
	key string
}

// waiters is the keyspace's registry of blocked clients.
type waiters struct {
	n      atomic.Int64 // number of waiters, read without the lock by Signal
	mu     sync.Mutex
	queues map[waitKey][]*Waiter
}

// AddWaiter registers a client blocked on keys of database db. The caller
// holds the locks of the keys, so that no write can change them between the
// command's check and the registration.
func (ks *Keyspace) AddWaiter(db int, keys [][]byte) *Waiter {
	w := &Waiter{C: make(chan struct{}, 1)}
	wr := &ks.waiters
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if wr.queues == nil {
		wr.queues = map[waitKey][]*Waiter{}
	}
	for _, k := range keys {
		wk := waitKey{db, string(k)}
		q := wr.queues[wk]
		if len(q) > 0 && q[len(q)-1] == w {
			continue // the same key twice (BLPOP k k 0)
		}
		wr.queues[wk] = append(q, w)
		w.keys = append(w.keys, wk)
	}
	wr.n.Add(1)
	return w
}

// RemoveWaiter unregisters a waiter that was served, timed out or went
// away. A wake it received but did not use passes to the clients that are
// now first in line, so that no signal is lost.
func (ks *Keyspace) RemoveWaiter(w *Waiter) {
	wr := &ks.waiters
	wr.mu.Lock()
	defer wr.mu.Unlock()
	for _, wk := range w.keys {
		q := wr.queues[wk]
		for i, x := range q {
			if x == w {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(wr.queues, wk)
			continue
		}
		wr.queues[wk] = q
		wake(q[0])
	}
	wr.n.Add(-1)
}

// NumWaiters returns the number of blocked clients.
func (ks *Keyspace) NumWaiters() int { return int(ks.waiters.n.Load()) }

// NumWaitingKeys returns the number of keys clients are blocked on; tests
// use it to check that nothing leaks.
func (ks *Keyspace) NumWaitingKeys() int {
	ks.waiters.mu.Lock()
	defer ks.waiters.mu.Unlock()
	return len(ks.waiters.queues)
}

func wake(w *Waiter) {
	select {
	case w.C <- struct{}{}:
	default: // a wake is already pending
	}
}

// Signal tells clients blocked on key that it may now serve them: every
// command that creates or grows a list calls it after the change (LPUSH,
// LMOVE's destination, RENAME's target, ...). It wakes the first client in
// line, which runs its command again once the signalling command has
// released its locks. It costs one atomic load when nobody is blocked.
func (db *DB) Signal(key []byte) {
	wr := &db.ks.waiters
	if wr.n.Load() == 0 {
		return
	}
	wr.mu.Lock()
	if q := wr.queues[waitKey{db.index, string(key)}]; len(q) > 0 {
		wake(q[0])
	}
	wr.mu.Unlock()
}

// Broadcast wakes every client blocked on key, not only the first in
// line. The keyspace calls it when a key is deleted or replaced by another
// value, so that commands whose wait depends on the key itself (Redis
// unblocks XREADGROUP with an error when its stream goes away) run again;
// a command that still finds nothing keeps waiting in its place.
func (db *DB) Broadcast(key []byte) {
	if db.ks.waiters.n.Load() == 0 {
		return
	}
	db.broadcastString(string(key))
}

// broadcastString is Broadcast for a key held as a string.
func (db *DB) broadcastString(key string) {
	wr := &db.ks.waiters
	if wr.n.Load() == 0 {
		return
	}
	wr.mu.Lock()
	for _, w := range wr.queues[waitKey{db.index, key}] {
		wake(w)
	}
	wr.mu.Unlock()
}

// broadcastAll wakes every client blocked on a key of the database, when
// its keys are removed wholesale (FLUSHDB, FLUSHALL).
func (db *DB) broadcastAll() {
	wr := &db.ks.waiters
	if wr.n.Load() == 0 {
		return
	}
	wr.mu.Lock()
	for wk, q := range wr.queues {
		if wk.db == db.index {
			for _, w := range q {
				wake(w)
			}
		}
	}
	wr.mu.Unlock()
}

// SignalAll wakes the first client in line on every key, for commands that
// change keys wholesale (SWAPDB, FLUSHALL, a snapshot load).
func (ks *Keyspace) SignalAll() {
	wr := &ks.waiters
	if wr.n.Load() == 0 {
		return
	}
	wr.mu.Lock()
	for _, q := range wr.queues {
		wake(q[0])
	}
	wr.mu.Unlock()
}
