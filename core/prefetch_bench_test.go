package core

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkKeyspaceBatch looks keys up in batches of 16 random keys, as a
// connection runs the commands of a pipeline (redis-benchmark -P 16 -r N),
// with and without a Prefetch of the batch first; ns/key is per lookup.
// The object variant holds the values as *String objects, as INCR leaves
// them.
func BenchmarkKeyspaceBatch(b *testing.B) {
	const batch = 16
	for _, n := range []int{1000, 100000, 1000000} {
		for _, obj := range []bool{false, true} {
			var db *DB
			var keys [][]byte
			var order []int
			for _, pf := range []bool{false, true} {
				b.Run(fmt.Sprintf("keys=%d/object=%v/prefetch=%v", n, obj, pf), func(b *testing.B) {
					if db == nil {
						keys = benchKeys(n)
						db = NewKeyspace(1).DB(0)
						for _, k := range keys {
							if obj {
								db.Set(k, NewString([]byte("12345")))
							} else {
								db.SetString(k, benchVal, 0, false)
							}
						}
						order = rand.New(rand.NewPCG(1, 2)).Perm(n)
					}
					var p Prefetch
					i := 0
					for b.Loop() {
						ks := order[i : i+batch]
						if i += batch; i+batch > n {
							i = 0
						}
						if pf {
							for _, j := range ks {
								p.Add(db, keys[j])
							}
							p.Run()
						}
						for _, j := range ks {
							if obj {
								s, _ := Lookup[*String](db, keys[j])
								if s == nil || s.B[0] != '1' {
									b.Fatal("missing")
								}
							} else if _, ok, _ := db.GetBytes(keys[j]); !ok {
								b.Fatal("missing")
							}
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/key")
				})
			}
		}
	}
}
