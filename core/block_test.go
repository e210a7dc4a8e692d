package core

import (
	"testing"
	"time"
)

func TestParseTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  error
	}{
		{"0", 0, nil}, {"1", time.Second, nil}, {"0.1", 100 * time.Millisecond, nil},
		{"0.0001", time.Millisecond, nil}, {"1e-9", time.Millisecond, nil}, {".5", 500 * time.Millisecond, nil},
		{"+0.01", 10 * time.Millisecond, nil}, {"0x10", 16 * time.Second, nil}, {"0x0.8", 500 * time.Millisecond, nil},
		{"-0.0001", 0, nil}, {"-0.9e-3", 0, nil},
		{"-1", 0, errTimeoutNegative}, {"-0.001", 0, nil}, {"-0.0011", 0, errTimeoutNegative}, {"inf", 0, errTimeoutNegative},
		{"-inf", 0, errTimeoutNegative}, {"1e16", 0, errTimeoutNegative}, {"1e400", 0, errTimeoutNegative},
		{"9223372036854775", 0, nil},
		{"", 0, errTimeoutNotFloat}, {"abc", 0, errTimeoutNotFloat}, {" 1", 0, errTimeoutNotFloat},
		{"1 ", 0, errTimeoutNotFloat}, {"nan", 0, errTimeoutNotFloat}, {"1e5000", 0, errTimeoutNotFloat},
	} {
		got, err := ParseTimeout([]byte(tc.in))
		if err != tc.err || got != tc.want {
			t.Errorf("ParseTimeout(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestWaitersFIFO: a signal wakes only the first waiter of a key; a waiter
// that leaves passes an unused wake on, and nothing leaks.
func TestWaitersFIFO(t *testing.T) {
	ks := NewKeyspace(2)
	db := ks.DB(0)
	a := ks.AddWaiter(0, [][]byte{[]byte("k"), []byte("k")})
	b := ks.AddWaiter(0, [][]byte{[]byte("k"), []byte("j")})
	other := ks.AddWaiter(1, [][]byte{[]byte("k")})
	if ks.NumWaiters() != 3 || ks.NumWaitingKeys() != 3 {
		t.Fatalf("waiters %d, keys %d", ks.NumWaiters(), ks.NumWaitingKeys())
	}
	woken := func(w *Waiter) bool {
		select {
		case <-w.C:
			return true
		default:
			return false
		}
	}
	db.Signal([]byte("k"))
	db.Signal([]byte("k")) // coalesced
	if !woken(a) || woken(a) || woken(b) || woken(other) {
		t.Fatal("Signal must wake exactly the first waiter of the key, once")
	}
	db.Signal([]byte("j"))
	if !woken(b) {
		t.Fatal("b is first in line on j")
	}
	db.Signal([]byte("k"))
	ks.RemoveWaiter(a) // leaves with the wake unused: b gets it
	if !woken(b) {
		t.Fatal("the wake a did not use must pass to b")
	}
	ks.RemoveWaiter(b)
	ks.SignalAll()
	if !woken(other) {
		t.Fatal("SignalAll must wake the waiter of db 1")
	}
	ks.RemoveWaiter(other)
	if ks.NumWaiters() != 0 || ks.NumWaitingKeys() != 0 {
		t.Fatalf("leak: waiters %d, keys %d", ks.NumWaiters(), ks.NumWaitingKeys())
	}
}

func BenchmarkSignalNoWaiters(b *testing.B) {
	db := NewKeyspace(1).DB(0)
	k := []byte("key")
	for b.Loop() {
		db.Signal(k)
	}
}
