package core

import (
	"runtime"
	"sync"
	"testing"
	"unsafe"
)

func TestSlotLockFillsCacheLine(t *testing.T) {
	if n := unsafe.Sizeof(slotLock{}); n != 64 {
		t.Fatalf("slotLock is %d bytes, want 64", n)
	}
}

// TestSlotMutexExcludes has writers, readers and both kinds of try-lockers
// work on one slot at once: the writers' unsynchronised counter comes out
// exact, and a reader never sees a writer's half-done update (the race
// detector checks the rest).
func TestSlotMutexExcludes(t *testing.T) {
	var m slotMutex
	var a, b int
	const workers, rounds = 8, 2000
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				switch {
				case w%4 == 0:
					m.RLock()
					if a != b {
						panic("reader saw a write in progress")
					}
					m.RUnlock()
				case w%4 == 1 && i%2 == 0:
					if m.TryRLock() {
						if a != b {
							panic("reader saw a write in progress")
						}
						m.RUnlock()
					}
				case w%4 == 1:
					for !m.TryLock() {
						runtime.Gosched()
					}
					a++
					b++
					m.Unlock()
				default:
					m.Lock()
					a++
					runtime.Gosched()
					b++
					m.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	want := workers/4*rounds/2 + workers/2*rounds
	if a != want || b != want {
		t.Fatalf("counted %d/%d, want %d", a, b, want)
	}
	if s := m.state.Load(); s != 0 || !m.TryLock() {
		t.Fatalf("left held: state %#x", s)
	}
}

// TestSlotMutexWriterWaitsForReaders checks that a writer waits for the
// shared holders, keeps new ones out meanwhile, and gets the slot when the
// last one leaves.
func TestSlotMutexWriterWaitsForReaders(t *testing.T) {
	var m slotMutex
	m.RLock()
	m.RLock()
	if m.TryLock() {
		t.Fatal("TryLock succeeded under shared holders")
	}
	got := make(chan struct{})
	go func() {
		m.Lock()
		close(got)
	}()
	// The writer parks, flagged, once its spins are over.
	for m.state.Load()&slotWaiters == 0 {
		runtime.Gosched()
	}
	if m.TryRLock() {
		t.Fatal("TryRLock succeeded while a writer waits")
	}
	m.RUnlock()
	select {
	case <-got:
		t.Fatal("writer got the slot while a shared holder stays")
	default:
	}
	m.RUnlock()
	<-got
	if m.TryRLock() {
		t.Fatal("TryRLock succeeded while a writer holds the slot")
	}
	m.Unlock()
	if !m.TryRLock() {
		t.Fatal("TryRLock failed on a free slot")
	}
	m.RUnlock()
}

// TestSlotMutexWakesEveryWaiter parks writers and readers behind a held
// slot and checks that releasing it lets every one of them through.
func TestSlotMutexWakesEveryWaiter(t *testing.T) {
	var m slotMutex
	m.Lock()
	const n = 16
	count := 0
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				m.Lock()
				count++
				m.Unlock()
			} else {
				m.RLock()
				_ = count
				m.RUnlock()
			}
		}(i)
	}
	for parked := 0; parked < n; runtime.Gosched() {
		if p := m.park.Load(); p != nil {
			p.mu.Lock()
			parked = p.n
			p.mu.Unlock()
		}
	}
	m.Unlock()
	wg.Wait()
	if s := m.state.Load(); count != n/2 || s != 0 {
		t.Fatalf("count %d, state %#x", count, s)
	}
}

func TestSlotMutexRUnlockUnlocked(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("RUnlock of a free slot did not panic")
		}
	}()
	var m slotMutex
	m.RUnlock()
}

// BenchmarkSlotLock measures a command's lock and unlock of its slot, alone
// and with every P contending for the same slot, against sync.RWMutex.
func BenchmarkSlotLock(b *testing.B) {
	b.Run("slot", func(b *testing.B) {
		var m slotMutex
		for b.Loop() {
			m.Lock()
			m.Unlock()
		}
	})
	b.Run("rwmutex", func(b *testing.B) {
		var m sync.RWMutex
		for b.Loop() {
			m.Lock()
			m.Unlock()
		}
	})
	b.Run("slot-contended", func(b *testing.B) {
		var m slotMutex
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Lock()
				m.Unlock()
			}
		})
	})
	b.Run("rwmutex-contended", func(b *testing.B) {
		var m sync.RWMutex
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Lock()
				m.Unlock()
			}
		})
	})
}
