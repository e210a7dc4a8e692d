package core_test

import (
	"strconv"
	"testing"

	"github.com/redmod/redmod/core"
)

// BenchmarkSetDuringCut is the cost of an overwrite while a cut is open
// (the pre-image kept on the first change of each key), beside the same
// overwrite without one.
func BenchmarkSetDuringCut(b *testing.B) {
	for _, open := range []bool{false, true} {
		b.Run("cut="+strconv.FormatBool(open), func(b *testing.B) {
			ks := core.NewKeyspace(1)
			const n = 1 << 18
			keys := make([][]byte, n)
			ks.Update(func(ks *core.Keyspace) error {
				for i := range keys {
					keys[i] = []byte("key:" + strconv.Itoa(i))
					ks.DB(0).Set(keys[i], core.NewString([]byte("value-0123456789")))
				}
				return nil
			})
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
