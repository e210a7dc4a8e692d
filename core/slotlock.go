package core

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// slotMutex is a slot's lock: a readers-writer lock in one word, whose
// every operation costs one atomic instruction when nobody waits.
// sync.RWMutex costs four for an exclusive lock and unlock (its inner
// Mutex's and its reader count's, both ways), which is how every keyed
// command takes its slots: on a pipelined workload of one-key commands
// those were 2.5% of the server's CPU. Shared holders are the prefetcher
// (TryRLock, once per key of a batch), keyspace-wide reads and eviction's
// sampling.
//
// A goroutine that finds the slot taken yields a few times (with one P,
// the holder may be a preempted goroutine that needs to run), then waits
// in the lock's parking place, made on first contention. As with
// sync.RWMutex, goroutines waiting keep new shared holders out, so that a
// stream of readers cannot starve a writer.
type slotMutex struct {
	// state is slotWriter while held exclusively, else the number of
	// shared holders; slotWaiters is set while goroutines wait in park.
	state atomic.Int32
	park  atomic.Pointer[slotPark]
}

const (
	slotWriter  = 1 << 30
	slotWaiters = 1 << 29
	slotReaders = slotWaiters - 1 // the mask of the shared holders' count
)

// slotPark is where goroutines wait for a slot; n counts them (guarded by
// mu). Whoever frees the slot while slotWaiters is set clears it and wakes
// one (Signal); a waiter that takes the slot while others still wait sets
// it again, and one that cannot take it sets it before it waits, so that
// no wake-up is lost.
type slotPark struct {
	mu   sync.Mutex
	cond sync.Cond
	n    int
}

// slotSpins is how many times a goroutine yields before it waits.
const slotSpins = 4

// Lock locks m exclusively.
func (m *slotMutex) Lock() {
	if !m.state.CompareAndSwap(0, slotWriter) {
		m.lockSlow(true)
	}
}

// TryLock locks m exclusively if nobody holds it or waits for it.
func (m *slotMutex) TryLock() bool { return m.state.CompareAndSwap(0, slotWriter) }

// Unlock releases an exclusive lock.
func (m *slotMutex) Unlock() {
	if !m.state.CompareAndSwap(slotWriter, 0) {
		m.unlockSlow()
	}
}

// RLock locks m shared.
func (m *slotMutex) RLock() {
	if !m.TryRLock() {
		m.lockSlow(false)
	}
}

// TryRLock locks m shared unless a writer holds it or goroutines wait for
// it.
func (m *slotMutex) TryRLock() bool {
	for {
		s := m.state.Load()
		if s&(slotWriter|slotWaiters) != 0 {
			return false
		}
		if m.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// RUnlock releases a shared lock.
func (m *slotMutex) RUnlock() {
	s := m.state.Add(-1)
	if s == slotWaiters {
		// The last shared holder left while goroutines wait: wake one,
		// unless a waiter took the slot meanwhile (it then wakes the next
		// when it leaves).
		if m.state.CompareAndSwap(slotWaiters, 0) {
			m.wake()
		}
		return
	}
	if s < 0 || s&slotWriter != 0 || s&slotReaders == slotReaders {
		panic("core: RUnlock of a slot not locked shared")
	}
}

func (m *slotMutex) unlockSlow() {
	for {
		s := m.state.Load()
		if s&slotWriter == 0 {
			panic("core: Unlock of a slot not locked")
		}
		// Besides the holder, only waiters change the word, and only to
		// set slotWaiters: the slot is free once this succeeds.
		if m.state.CompareAndSwap(s, 0) {
			if s&slotWaiters != 0 {
				m.wake()
			}
			return
		}
	}
}

// wake wakes one waiting goroutine, if one waits.
func (m *slotMutex) wake() {
	p := m.park.Load()
	if p == nil {
		return
	}
	p.mu.Lock()
	p.cond.Signal()
	p.mu.Unlock()
}

// parking returns m's parking place, made on first use.
func (m *slotMutex) parking() *slotPark {
	if p := m.park.Load(); p != nil {
		return p
	}
	p := &slotPark{}
	p.cond.L = &p.mu
	if m.park.CompareAndSwap(nil, p) {
		return p
	}
	return m.park.Load()
}

func (m *slotMutex) lockSlow(writer bool) {
	for i := 0; i < slotSpins; i++ {
		runtime.Gosched()
		if writer && m.TryLock() || !writer && m.TryRLock() {
			return
		}
	}
	p := m.parking()
	p.mu.Lock()
	woken := false
	for {
		s := m.state.Load()
		var next int32
		switch {
		case writer && s&(slotWriter|slotReaders) == 0:
			// Free (slotWaiters may be set for an instant, by a shared
			// holder that has just left and will find it taken).
			next = slotWriter
		case !writer && s&slotWriter == 0 && (s&slotWaiters == 0 || woken):
			// A reader that was woken joins the shared holders even while
			// others wait; a newcomer waits behind them.
			next = s&slotReaders + 1
		default:
			// Taken: wait, with the flag that makes the holder wake one.
			if s&slotWaiters == 0 && !m.state.CompareAndSwap(s, s|slotWaiters) {
				continue
			}
			p.n++
			p.cond.Wait()
			p.n--
			woken = true
			continue
		}
		if p.n > 0 {
			next |= slotWaiters
		}
		if m.state.CompareAndSwap(s, next) {
			break
		}
	}
	p.mu.Unlock()
}
