package keys

import (
	"strconv"
	"testing"

	"github.com/redmod/redmod/core"
)

// TestScanDBCursor walks a database directly, changing it between calls,
// and checks that cursors move forward through the slots and that every key
// present throughout is returned once.
func TestScanDBCursor(t *testing.T) {
	ks := core.NewKeyspace(1)
	db := ks.DB(0)
	for i := range 5000 {
		db.Set([]byte("k"+strconv.Itoa(i)), core.NewString([]byte("v")))
	}
	opts := core.ScanOptions{Count: 7}
	seen := map[string]int{}
	var cursor, last uint64
	for calls := 1; ; calls++ {
		keys, next, _ := scanDB(db, cursor, opts)
		for _, k := range keys {
			seen[k]++
		}
		if next != 0 && next <= last {
			t.Fatalf("cursor went back: %d after %d", next, last)
		}
		db.Set([]byte("added"+strconv.Itoa(calls)), core.NewString(nil))
		db.Delete([]byte("k" + strconv.Itoa(4000+calls)))
		if next == 0 {
			break
		}
		cursor, last = next, next
	}
	for i := range 4000 {
		if k := "k" + strconv.Itoa(i); seen[k] != 1 {
			t.Fatalf("%s seen %d times", k, seen[k])
		}
	}
	// A cursor beyond every position ends the iteration.
	if _, next, _ := scanDB(db, 1<<64-1, opts); next != 0 {
		t.Fatalf("the last cursor continues at %d", next)
	}
}

// BenchmarkScanFullIteration measures a whole SCAN iteration with the
// default COUNT over 100,000 keys; ns/op is per iteration, not per call.
func BenchmarkScanFullIteration(b *testing.B) {
	ks := core.NewKeyspace(1)
	db := ks.DB(0)
	for i := range 100000 {
		db.Set([]byte("key:"+strconv.Itoa(i)), core.NewString([]byte("v")))
	}
	opts := core.ScanOptions{Count: 10}
	b.ResetTimer()
	for range b.N {
		var cursor uint64
		n := 0
		for {
			keys, next, _ := scanDB(db, cursor, opts)
			n += len(keys)
			if cursor = next; cursor == 0 {
				break
			}
		}
		if n != 100000 {
			b.Fatalf("%d keys", n)
		}
	}
}
