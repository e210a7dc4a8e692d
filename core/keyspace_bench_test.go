package core

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// Benchmarks of the keyspace's operations on small keys and values, the
// shape of redis-benchmark's and compare.sh's data: run with
//
//	go test ./core -run '^$' -bench Keyspace -benchmem
//
// BenchmarkKeyspaceMemory reports the heap bytes each key costs
// (bytes/key), what the keyspace's estimate counts (est-bytes/key) and what
// stays after deleting and flushing, for 16-, 100- and 1024-byte values;
// REDMOD_BENCH_KEYS changes its key count from 1M (a tenth for the larger
// values).

func benchKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key:%012d", i)
	}
	return keys
}

var benchVal = []byte("vvvvvvvvvvvvvvvv")

func benchDB(keys [][]byte) *DB {
	db := NewKeyspace(1).DB(0)
	for _, k := range keys {
		db.SetString(k, benchVal, 0, false)
	}
	return db
}

func BenchmarkKeyspaceSet(b *testing.B) {
	keys := benchKeys(100000)
	db := benchDB(keys)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		db.SetString(keys[i%len(keys)], benchVal, 0, false)
		i++
	}
}

func BenchmarkKeyspaceSetObject(b *testing.B) {
	keys := benchKeys(100000)
	db := benchDB(keys)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		db.Set(keys[i%len(keys)], NewString(append([]byte(nil), benchVal...)))
		i++
	}
}

func BenchmarkKeyspaceGet(b *testing.B) {
	keys := benchKeys(100000)
	db := benchDB(keys)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if db.Get(keys[i%len(keys)]) == nil {
			b.Fatal("missing")
		}
		i++
	}
}

func BenchmarkKeyspaceGetBytes(b *testing.B) {
	keys := benchKeys(100000)
	db := benchDB(keys)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok, _ := db.GetBytes(keys[i%len(keys)]); !ok {
			b.Fatal("missing")
		}
		i++
	}
}

func BenchmarkKeyspaceDeleteSet(b *testing.B) {
	keys := benchKeys(100000)
	db := benchDB(keys)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := keys[i%len(keys)]
		db.Delete(k)
		db.SetString(k, benchVal, 0, false)
		i++
	}
}

func BenchmarkKeyspaceExpire(b *testing.B) {
	keys := benchKeys(100000)
	db := benchDB(keys)
	at := db.Keyspace().Now() + 3600_000
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := keys[i%len(keys)]
		db.SetExpiry(k, at)
		db.SetExpiry(k, 0)
		i++
	}
}

func BenchmarkKeyspaceMemory(b *testing.B) {
	n := 1000000
	if s := benchEnv("REDMOD_BENCH_KEYS"); s > 0 {
		n = s
	}
	// bytes/key is the live heap a key adds; est-bytes/key what the
	// keyspace counts for it (used_memory, MEMORY USAGE); left-bytes/key
	// what stays live after every key is deleted and then after FLUSHALL
	// (tables that do not shrink).
	for _, size := range []int{16, 100, 1024} {
		b.Run(fmt.Sprintf("value=%d", size), func(b *testing.B) {
			keys := benchKeys(n)
			if size > 16 {
				keys = keys[:n/10]
			}
			val := bytes.Repeat([]byte("v"), size)
			for b.Loop() {
				before := heapInUse()
				db := NewKeyspace(1).DB(0)
				for _, k := range keys {
					db.SetString(k, val, 0, false)
				}
				after := heapInUse()
				b.ReportMetric(float64(after-before)/float64(len(keys)), "bytes/key")
				b.ReportMetric(float64(db.ks.UsedMemory())/float64(len(keys)), "est-bytes/key")
				for _, k := range keys {
					db.Delete(k)
				}
				deleted := heapInUse()
				b.ReportMetric(float64(int64(deleted)-int64(before))/float64(len(keys)), "left-bytes/key")
				for _, k := range keys {
					db.SetString(k, val, 0, false)
				}
				db.Flush()
				flushed := heapInUse()
				b.ReportMetric(float64(int64(flushed)-int64(before))/float64(len(keys)), "flushed-left-bytes/key")
				runtime.KeepAlive(db)
			}
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func benchEnv(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// shuffled returns keys in a random order, as redis-benchmark's -r picks
// them: walking keys in the order they were made finds their objects next
// to each other in memory, which real traffic does not.
func shuffled(keys [][]byte) [][]byte {
	out := slices.Clone(keys)
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// BenchmarkKeyspaceIncr is INCR's keyspace work on 100,000 counters held
// inline, in random order: GetStringForWrite, then Replace.
func BenchmarkKeyspaceIncr(b *testing.B) {
	keys := benchKeys(100000)
	db := NewKeyspace(1).DB(0)
	for _, k := range keys {
		db.SetString(k, []byte("1000"), 0, false)
	}
	keys = shuffled(keys)
	b.ReportAllocs()
	i := 0
	var digits [20]byte
	for b.Loop() {
		k := keys[i%len(keys)]
		w, _ := db.GetStringForWrite(k)
		n, _ := ParseInt(w.Bytes)
		w.Replace(strconv.AppendInt(digits[:0], n+1, 10))
		i++
	}
}

// BenchmarkKeyspaceIncrObject is the same with the counters held as String
// objects changed in place, as INCR kept them before.
func BenchmarkKeyspaceIncrObject(b *testing.B) {
	keys := benchKeys(100000)
	db := NewKeyspace(1).DB(0)
	for _, k := range keys {
		db.Set(k, NewString([]byte("1000")))
	}
	keys = shuffled(keys)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := db.GetForWrite(keys[i%len(keys)]).(*String)
		n, _ := s.Int()
		s.B = strconv.AppendInt(s.B[:0], n+1, 10)
		i++
	}
}

// BenchmarkKeyspaceWriteSettle is a write command's keyspace work on one
// of 100,000 keys, the memory settled after it as the host settles it
// (SettleMemoryHashed with the lock's hash): "set" stores a new inline
// string (SET), "append" grows a String object in place, taken with
// GetForWrite (APPEND, and RPUSH's shape).
func BenchmarkKeyspaceWriteSettle(b *testing.B) {
	keys := shuffled(benchKeys(100000))
	idx := []int{0}
	for _, tc := range []string{"set", "append"} {
		b.Run(tc, func(b *testing.B) {
			ks := NewKeyspace(1)
			db := ks.DB(0)
			for _, k := range keys {
				db.Set(k, NewString([]byte("v")))
			}
			b.ReportAllocs()
			i := 0
			args := [][]byte{nil}
			h := []uint64{0}
			for b.Loop() {
				k := keys[i%len(keys)]
				args[0], h[0] = k, ks.KeyHash(k)
				if tc == "set" {
					db.SetString(k, benchVal, 0, false)
				} else {
					s := db.GetForWrite(k).(*String)
					if len(s.B) > 64 {
						s.B = s.B[:1]
					}
					s.B = append(s.B, 'x')
				}
				ks.SettleMemoryHashed(db, args, idx, h)
				i++
			}
		})
	}
}
