package core

import (
	"strconv"
	"testing"
)

// TestTouchedOnce: each modified key is reported once per command, whether
// the command touches few keys (searched one by one) or many (indexed),
// and nothing carries over to the next command.
func TestTouchedOnce(t *testing.T) {
	ks := NewKeyspace(2)
	c := &Ctx{Keyspace: ks, DB: ks.DB(0)}
	for _, n := range []int{3, touchedScan, touchedScan + 1, 5000} {
		for round := 0; round < 2; round++ {
			for i := 0; i < n; i++ {
				key := []byte("k" + strconv.Itoa(i))
				c.Notify(NotifyString, "set", key)
				c.Touch(key)
				c.NotifyDB(ks.DB(1), NotifyString, "set", key) // same name, other database
			}
			seen := map[string]int{}
			any := c.TakeTouched(func(db int, key []byte) { seen[strconv.Itoa(db)+":"+string(key)]++ })
			if !any || len(seen) != 2*n {
				t.Fatalf("n=%d: %d keys reported, want %d", n, len(seen), 2*n)
			}
			for k, times := range seen {
				if times != 1 {
					t.Fatalf("n=%d: %s reported %d times", n, k, times)
				}
			}
		}
	}
	if c.TakeTouched(func(int, []byte) { t.Fatal("a key carried over") }) {
		t.Fatal("a command that touched nothing reports a change")
	}
}

// BenchmarkTouchMany is the cost of recording the keys of an MSET of 10k
// keys: linear in the keys (it was quadratic, 24× Redis's time for MSET).
func BenchmarkTouchMany(b *testing.B) {
	ks := NewKeyspace(1)
	c := &Ctx{Keyspace: ks, DB: ks.DB(0)}
	keys := make([][]byte, 10000)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, k := range keys {
			c.Notify(NotifyString, "set", k)
		}
		c.TakeTouched(func(int, []byte) {})
	}
}
