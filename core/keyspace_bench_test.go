package core

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// Benchmarks of the keyspace's operations on small keys and values, the
// shape of redis-benchmark's and compare.sh's data: run with
//
//	go test ./core -run '^$' -bench Keyspace -benchmem
//
// BenchmarkKeyspaceMemory reports the heap bytes each key costs
// (bytes/key); REDMOD_BENCH_KEYS changes its key count from 1M.

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
	for b.Loop() {
		keys := benchKeys(n)
		before := heapInUse()
		db := benchDB(keys)
		after := heapInUse()
		runtime.KeepAlive(db)
		runtime.KeepAlive(keys)
		b.ReportMetric(float64(after-before)/float64(n), "bytes/key")
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
