package core

import (
	"fmt"
	"sync"
	"testing"
)

// TestPrefetchConcurrentWriters runs Prefetch over keys that other
// goroutines set, turn into objects, delete and grow and shrink tables
// with, each under its slot's exclusive lock as commands do: under -race
// this checks that the prefetch reads the tables only under their locks,
// and the values read back check that it changes nothing.
func TestPrefetchConcurrentWriters(t *testing.T) {
	ks := NewKeyspace(1)
	db := ks.DB(0)
	const n = 2000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "k%d", i)
	}
	locked := func(key []byte, fn func()) {
		s := ks.SlotOf(key)
		ks.LockSlots([]int{s}, true)
		defer ks.UnlockSlots([]int{s}, true)
		fn()
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 3 {
				for i := w; i < n; i += 2 {
					k := keys[i]
					locked(k, func() {
						switch (i + r) % 3 {
						case 0:
							db.SetString(k, k, 0, false)
						case 1:
							db.Set(k, NewString(append([]byte(nil), k...)))
						default:
							db.Delete(k)
						}
					})
				}
			}
		}()
	}
	var p Prefetch
	for r := range 200 {
		for i := range 40 {
			p.Add(db, keys[(r*37+i*11)%n])
		}
		p.Run()
	}
	wg.Wait()
	if p.Len() != 0 {
		t.Fatalf("Len after Run = %d", p.Len())
	}
	for i, k := range keys {
		var got Value
		locked(k, func() { got = db.Get(k) })
		if s, ok := got.(*String); got != nil && (!ok || string(s.B) != string(k)) {
			t.Fatalf("key %d: got %v", i, got)
		}
	}
}

// TestPrefetchSkipsHeldSlots checks that a Prefetch of a key whose slot a
// command holds exclusively neither waits for it nor disturbs it.
func TestPrefetchSkipsHeldSlots(t *testing.T) {
	ks := NewKeyspace(1)
	db := ks.DB(0)
	key := []byte("held")
	other := []byte("other")
	db.SetString(key, []byte("v"), 0, false)
	db.SetString(other, []byte("w"), 0, false)
	s := []int{ks.SlotOf(key)}
	ks.LockSlots(s, true)
	var p Prefetch
	p.Add(db, key)
	p.Add(db, other)
	p.Add(db, []byte("missing"))
	p.Run() // would deadlock if it waited for the slot held
	ks.UnlockSlots(s, true)
	// Every shared lock it took is released: the slots lock again.
	for _, k := range [][]byte{key, other, []byte("missing")} {
		s := []int{ks.SlotOf(k)}
		ks.LockSlots(s, true)
		ks.UnlockSlots(s, true)
	}
	if v, ok, _ := db.GetBytes(key); !ok || string(v) != "v" {
		t.Fatalf("GetBytes = %q, %v", v, ok)
	}
	p.Add(db, key)
	p.Add(db, key)
	if p.Len() != 1 {
		t.Fatalf("the same key added twice in a row: Len %d, want 1", p.Len())
	}
	for i := range prefetchMax - 1 {
		p.Add(db, fmt.Appendf(nil, "k%d", i))
	}
	if p.Add(db, []byte("one more")) {
		t.Fatalf("Add beyond %d keys accepted", prefetchMax)
	}
	p.Reset()
	if p.Len() != 0 {
		t.Fatal("Reset kept keys")
	}
}
