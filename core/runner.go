package core

import (
	"errors"
	"math/bits"
	"runtime"
	"time"
)

// CallRequest is one registered command run from inside another command, as a
// script's redis.call runs it: the host resolves it, checks the calling
// client's permissions, and runs it with the locks the outer command holds.
type CallRequest struct {
	// Args is the command and its arguments.
	Args [][]byte
	// Spec and Name are filled in by CommandRunner.PrepareCall: the
	// resolved command's (or subcommand's) metadata and full name.
	Spec *Spec
	Name string

	cmd any // the host's record of the command
}

// SetHandle records the host's record of the command; hosts call it from
// PrepareCall.
func (c *CallRequest) SetHandle(h any) { c.cmd = h }

// Handle returns what SetHandle recorded.
func (c *CallRequest) Handle() any { return c.cmd }

// Stages of a call that can refuse it, for RunError.
const (
	// RunUnknown: no such command (or subcommand).
	RunUnknown = iota + 1
	// RunArity: wrong number of arguments.
	RunArity
	// RunNoPermCommand: the client's ACL user may not run the command.
	RunNoPermCommand
	// RunNoPermKey: the client's ACL user may not access one of the keys.
	RunNoPermKey
)

// RunError is a call refused before it ran. Stage says why, so that the
// caller can word the error its own way (scripts say "Unknown Redis command
// called from script"); Err is the error a client would have received.
type RunError struct {
	Stage int
	Err   error
}

func (e *RunError) Error() string { return ErrorText(e.Err) }

// CommandRunner runs registered commands from inside a command. The host
// implements it on the Server it gives to commands (type-assert c.Server),
// so every module's commands — in the tree or not — can be called with their
// own arity, ACL and key checks.
type CommandRunner interface {
	// PrepareCall resolves call.Args to a command (a container's
	// subcommand) and checks the arity; it fills call.Spec and call.Name,
	// also when the arity is wrong. It returns a *RunError (RunUnknown,
	// RunArity).
	PrepareCall(call *CallRequest) error
	// CheckCallACL checks the ACL permissions of the client of c for a
	// prepared call, logging a denial in ACL LOG with the given context
	// ("lua"). It returns a *RunError (RunNoPermCommand, RunNoPermKey).
	CheckCallACL(c *Ctx, call *CallRequest, context string) error
	// RunCall runs a prepared call with c (whose Args, Name, Writer, DB and
	// Client the caller sets up), counts it in commandstats and write
	// accounting, and turns a panic into an error. It takes no locks: the
	// caller must hold the locks of the call's keys (see LockSet.Ensure).
	// Work the command schedules with AfterUnlock is handed to parent.
	RunCall(parent, c *Ctx, call *CallRequest) error
	// RejectCall counts a call its caller refused to run (a write in a
	// read-only script, out of memory, a command not allowed there): the
	// rejected_calls of its command and err in the error statistics, as
	// Redis counts a command it rejects. With call nil (no command was
	// found, or CheckCallACL counted it already) only err is counted.
	RejectCall(call *CallRequest, err error)
}

// LockSet records the lock slots a running command holds. The host fills it
// before Exec (Ctx.Locks); a command whose keys are known only while it runs
// (a script's redis.call) takes more with Ensure, and the host releases all
// of them after Exec.
type LockSet struct {
	ks    *Keyspace
	all   bool // every slot is held (exclusively when excl)
	excl  bool
	held  [NumSlots / 64]uint64
	max   int // highest held slot, -1 when none
	extra []int

	// In checking mode (keycheck.go): the command's name and the keys it
	// declared, which are the only keys of its slots it may touch.
	name     string
	args     [][]byte
	keyIdx   []int
	moreKeys [][]byte
	keySet   map[string]struct{}

	later []func() // unlocks run by ReleaseExtra (ReleaseLater)
	// owner is the client running the command, recorded as the holder of
	// its slots (Keyspace.holders) while set (SetOwner).
	owner *Client
	// frozen is the time FreezeClock set (0: the clock runs).
	frozen int64
}

// ErrLockTimeout is returned by LockSet.Ensure when a slot stays taken by
// another client that may be waiting for one of ours.
var ErrLockTimeout = errors.New("ERR script accessed a key held by another client for too long; declare the keys the script uses")

// Reset empties the set for a new command on ks.
func (l *LockSet) Reset(ks *Keyspace) {
	// Every command resets its connection's set: a pointer field is
	// written only when it changes, since each such write costs a write
	// barrier while the collector runs.
	if l.ks != ks {
		l.ks = ks
	}
	l.all, l.excl = false, false
	l.held = [NumSlots / 64]uint64{}
	l.max = -1
	if len(l.extra) > 0 {
		l.extra = l.extra[:0]
	}
	l.frozen = 0
	if l.name != "" || l.args != nil || l.keyIdx != nil || len(l.moreKeys) > 0 || l.keySet != nil {
		l.name, l.args, l.keyIdx, l.moreKeys, l.keySet = "", nil, nil, l.moreKeys[:0], nil
	}
}

// SetOwner makes the set record cl, from the slots held from now on until
// Disown, as the client whose command holds them, so that keyspace events
// the keyspace announces while the command runs (lazy expiry, keymiss, new)
// count as caused by cl and reach it in line with its replies. The host
// sets it for a subscribed client's command and nil otherwise.
func (l *LockSet) SetOwner(cl *Client) {
	if l.owner != cl {
		l.owner = cl // a pointer written only when it changes, as in Reset
	}
}

// HoldSlots records slots the host locked (sorted ascending).
func (l *LockSet) HoldSlots(slots []int) {
	for _, s := range slots {
		l.held[s>>6] |= 1 << (s & 63)
		if s > l.max {
			l.max = s
		}
		if l.ks != nil && l.ks.check.on {
			l.ks.locks[s].claim.Store(l)
		}
		if l.owner != nil && l.ks != nil {
			l.ks.holders[s] = l.owner
		}
	}
}

// HoldAll records that every slot is locked.
func (l *LockSet) HoldAll(exclusive bool) {
	l.all, l.excl = true, exclusive
	if exclusive && l.owner != nil && l.ks != nil {
		l.ks.allHolder = l.owner
	}
}

// All reports whether every slot is held.
func (l *LockSet) All() bool { return l.all }

// Holds reports whether slot s is held.
func (l *LockSet) Holds(s int) bool { return l.all || l.held[s>>6]&(1<<(s&63)) != 0 }

// Ensure locks, exclusively, the slots of keys not held yet. A slot above
// every held slot is locked in the global ascending order, which cannot
// deadlock; one below is only tried, and retried while another client holds
// it, because that client may be waiting for a slot of ours: after a while
// Ensure gives up with ErrLockTimeout rather than deadlock. With all set,
// every slot is wanted.
func (l *LockSet) Ensure(keys [][]byte, all bool) error {
	if l.all || l.ks == nil {
		return nil
	}
	if all {
		for s := 0; s < NumSlots; s++ {
			if err := l.ensureSlot(s); err != nil {
				return err
			}
		}
		return nil
	}
	for _, k := range keys {
		if err := l.ensureSlot(l.ks.SlotOf(k)); err != nil {
			return err
		}
	}
	if l.ks.check.on {
		l.Declare(keys...)
	}
	return nil
}

func (l *LockSet) ensureSlot(s int) error {
	if l.Holds(s) {
		return nil
	}
	mu := &l.ks.locks[s]
	if s > l.max {
		mu.Lock()
	} else if !mu.TryLock() {
		deadline := time.Now().Add(time.Second)
		for !mu.TryLock() {
			if time.Now().After(deadline) {
				return ErrLockTimeout
			}
			runtime.Gosched()
			time.Sleep(10 * time.Microsecond)
		}
	}
	l.held[s>>6] |= 1 << (s & 63)
	if s > l.max {
		l.max = s
	}
	l.extra = append(l.extra, s)
	if l.ks.check.on {
		mu.claim.Store(l)
	}
	if l.owner != nil {
		l.ks.holders[s] = l.owner
	}
	if l.frozen != 0 {
		l.ks.freezeSlot(s, l.frozen)
	}
	return nil
}

// FreezeClock makes the keys of the slots held, and of those Ensure takes
// later, expire against now rather than the running clock until
// ThawClock, which must come before the locks are released: a script sees
// time stand still while it runs, as Redis's scripts do (a key it found
// does not expire halfway through it). It does nothing on slots held
// shared, which other commands may be reading.
func (l *LockSet) FreezeClock(now int64) {
	if l.ks == nil || (l.all && !l.excl) || now == 0 {
		return
	}
	l.frozen = now
	l.eachHeld(func(s int) { l.ks.freezeSlot(s, now) })
}

// ThawClock ends FreezeClock.
func (l *LockSet) ThawClock() {
	if l.frozen == 0 {
		return
	}
	l.frozen = 0
	l.eachHeld(func(s int) { l.ks.freezeSlot(s, 0) })
}

// eachHeld calls fn for every held slot, ascending. It walks the set bits
// rather than testing all NumSlots: a script freezes and thaws the clock of
// its slots on every run, usually one or two of them.
func (l *LockSet) eachHeld(fn func(s int)) {
	if l.all {
		for s := 0; s < NumSlots; s++ {
			fn(s)
		}
		return
	}
	for w, word := range l.held {
		for word != 0 {
			fn(w*64 + bits.TrailingZeros64(word))
			word &= word - 1
		}
	}
}

// ReleaseLater makes ReleaseExtra call unlock: locks a command takes while it
// runs (EXEC's, through Server.LockCommands) stay held until the host has
// propagated the command's effects.
func (l *LockSet) ReleaseLater(unlock func()) { l.later = append(l.later, unlock) }

// ReleaseExtra unlocks what Ensure and ReleaseLater took; the host calls it
// after Exec.
func (l *LockSet) ReleaseExtra() {
	for i := len(l.later) - 1; i >= 0; i-- {
		l.later[i]()
		l.later[i] = nil
	}
	l.later = l.later[:0]
	for i := len(l.extra) - 1; i >= 0; i-- {
		if l.ks.check.on {
			l.ks.locks[l.extra[i]].claim.CompareAndSwap(l, nil)
		}
		l.ks.locks[l.extra[i]].Unlock()
	}
	l.extra = l.extra[:0]
}

// Count returns the number of slots held.
func (l *LockSet) Count() int {
	if l.all {
		return NumSlots
	}
	n := 0
	for _, w := range l.held {
		n += bits.OnesCount64(w)
	}
	return n
}

// BusyGate lets a module make other clients wait out a long operation, as a
// script running past busy-reply-threshold does: while a busy error is set,
// the host answers every command without FlagAllowBusy with it. The host
// implements it on its Server.
type BusyGate interface {
	// SetBusy sets (nil clears) the error other clients receive.
	SetBusy(err error)
}
