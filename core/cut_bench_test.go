package core_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/redmod/redmod/core"
)

// BenchmarkSetDuringCut is the cost of an overwrite while a cut is open
// (the pre-image kept on the first change of each key), beside the same
// overwrite without one.
func BenchmarkSetDuringCut(b *testing.B) {
	for _, open := range []bool{false, true} {
		b.Run("cut="+strconv.FormatBool(open), func(b *testing.B) {
			const n = 1 << 18
			ks, keys := loadedKeyspace(n)
			var c *core.Cut
			if open {
				c = ks.BeginCut(nil)
				defer c.Close()
			}
			db := ks.DB(0)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := keys[(i*7919)%n]
				i++
				slot := []int{ks.SlotOf(k)}
				ks.LockSlots(slot, true)
				db.Preserve(k)
				db.Set(k, core.NewString([]byte("value-0123456789")))
				ks.UnlockSlots(slot, true)
			}
		})
	}
}

// BenchmarkGetDuringCut is a read of a random key under its slot's shared
// lock while a cut of 1M keys (4,000 per slot) is read beside it, again
// and again, as BGSAVE after BGSAVE: worst-us is the longest read, which
// waits for the reader whenever it holds the slot's lock exclusively.
func BenchmarkGetDuringCut(b *testing.B) {
	const n = 1 << 20
	ks, keys := loadedKeyspace(n)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			c := ks.BeginCut(nil)
			c.Range(0, func(string, core.Value, int64) error { return nil }, func() error {
				select {
				case <-stop:
					return errors.New("stopped")
				default:
					return nil
				}
			})
			c.Close()
		}
	}()
	db := ks.DB(0)
	var worst time.Duration
	i := 0
	for b.Loop() {
		k := keys[(i*7919)%n]
		i++
		slot := []int{ks.SlotOf(k)}
		start := time.Now()
		ks.LockSlots(slot, false)
		db.Get(k)
		ks.UnlockSlots(slot, false)
		worst = max(worst, time.Since(start))
	}
	close(stop)
	<-done
	b.ReportMetric(float64(worst.Nanoseconds())/1e3, "worst-us")
}

// loadedKeyspace returns a keyspace whose database 0 holds n keys
// ("key:<i>", 16-byte values), and the keys.
func loadedKeyspace(n int) (*core.Keyspace, [][]byte) {
	ks := core.NewKeyspace(1)
	keys := make([][]byte, n)
	ks.Update(func(ks *core.Keyspace) error {
		for i := range keys {
			keys[i] = []byte("key:" + strconv.Itoa(i))
			ks.DB(0).Set(keys[i], core.NewString([]byte("value-0123456789")))
		}
		return nil
	})
	return ks, keys
}
