package bytetab

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestModel runs random operations against a Go map and compares.
func TestModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tab Table
	m := map[string]string{}
	check := func() {
		t.Helper()
		if tab.Len() != len(m) {
			t.Fatalf("len %d, want %d", tab.Len(), len(m))
		}
		seen := 0
		tab.All(func(k, v []byte) bool {
			if want, ok := m[string(k)]; !ok || want != string(v) {
				t.Fatalf("entry %q=%q, want %q (%v)", k, v, want, ok)
			}
			seen++
			return true
		})
		if seen != len(m) {
			t.Fatalf("All saw %d, want %d", seen, len(m))
		}
	}
	for round := range 40000 {
		k := []byte("k" + strconv.Itoa(r.IntN(3000)))
		switch op := r.IntN(10); {
		case op < 4:
			v := []byte(strconv.Itoa(r.IntN(1 << uint(r.IntN(30)))))
			_, had := m[string(k)]
			added, old := tab.Set(k, v)
			if added == had || (had && old != len(m[string(k)])) {
				t.Fatalf("Set %q: added %v old %d, had %v %q", k, added, old, had, m[string(k)])
			}
			m[string(k)] = string(v)
		case op < 5:
			_, had := m[string(k)]
			if tab.Add(k, nil) == had {
				t.Fatalf("Add %q: had %v", k, had)
			}
			if !had {
				m[string(k)] = ""
			}
		case op < 8:
			_, had := m[string(k)]
			if tab.Delete(k) != had {
				t.Fatalf("Delete %q: had %v", k, had)
			}
			delete(m, string(k))
		case op < 9:
			v, ok := tab.Get(k)
			want, had := m[string(k)]
			if ok != had || string(v) != want {
				t.Fatalf("Get %q = %q %v, want %q %v", k, v, ok, want, had)
			}
		default:
			if tab.Len() > 0 {
				k, v := tab.PopRandom()
				if want, ok := m[string(k)]; !ok || want != string(v) {
					t.Fatalf("PopRandom %q=%q, want %q %v", k, v, want, ok)
				}
				delete(m, string(k))
			}
		}
		if round%997 == 0 {
			check()
			c := tab.Clone()
			if c.Len() != tab.Len() {
				t.Fatal("clone length")
			}
		}
	}
	check()
	for k := range m {
		tab.Delete([]byte(k))
	}
	if tab.Len() != 0 || tab.MemoryUsage() != 0 {
		t.Fatalf("emptied table: len %d, memory %d", tab.Len(), tab.MemoryUsage())
	}
}

// TestRandomUniform checks that Random draws every entry about equally.
func TestRandomUniform(t *testing.T) {
	var tab Table
	for i := range 50 {
		tab.Add([]byte(strconv.Itoa(i)), nil)
	}
	counts := map[string]int{}
	for range 50000 {
		k, _ := tab.Random()
		counts[string(k)]++
	}
	for k, c := range counts {
		if c < 700 || c > 1300 {
			t.Fatalf("%s drawn %d times of 50000 (expected about 1000)", k, c)
		}
	}
}

func BenchmarkSetExisting(b *testing.B) {
	var tab Table
	keys := make([][]byte, 100000)
	for i := range keys {
		keys[i] = []byte("element:" + strconv.Itoa(i))
		tab.Set(keys[i], []byte("xxx"))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		tab.Set(keys[r.IntN(len(keys))], []byte("yyy"))
	}
}

func BenchmarkMapSetExisting(b *testing.B) {
	m := map[string][]byte{}
	keys := make([][]byte, 100000)
	for i := range keys {
		keys[i] = []byte("element:" + strconv.Itoa(i))
		m[string(keys[i])] = []byte("xxx")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		k := keys[r.IntN(len(keys))]
		if _, ok := m[string(k)]; ok {
			m[string(k)] = []byte("yyy")
		}
	}
}

// TestModelLarge runs a table through the shapes a small one never takes:
// segments splitting and the directory doubling as it grows, long records
// in chunks of their own, compactions, and the index rebuilt smaller as it
// drains, comparing with a Go map.
func TestModelLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var tab Table
	m := map[string]string{}
	check := func() {
		t.Helper()
		if tab.Len() != len(m) {
			t.Fatalf("len %d, want %d", tab.Len(), len(m))
		}
		for k, v := range m {
			if got, ok := tab.Get([]byte(k)); !ok || string(got) != v {
				t.Fatalf("Get %q: %d bytes %v, want %d bytes", k, len(got), ok, len(v))
			}
		}
		seen := 0
		tab.All(func(k, v []byte) bool { seen++; return true })
		if seen != len(m) {
			t.Fatalf("All saw %d, want %d", seen, len(m))
		}
	}
	long := string(make([]byte, bigRecord+1))
	for i := range 40000 {
		k := "member:" + strconv.Itoa(i)
		v := strconv.Itoa(i)
		if i%5000 == 0 {
			v = long
		}
		tab.Set([]byte(k), []byte(v))
		m[k] = v
		if i%3 == 0 {
			// A payload of another length: dead bytes, compactions.
			j := "member:" + strconv.Itoa(r.IntN(i+1))
			nv := strconv.Itoa(r.Int())
			tab.Set([]byte(j), []byte(nv))
			m[j] = nv
		}
	}
	if tab.depth < 3 || len(tab.segs) < 8 {
		t.Fatalf("depth %d, %d segments: the table did not split", tab.depth, len(tab.segs))
	}
	check()
	c := tab.Clone()
	for len(m) > 50 {
		if r.IntN(2) == 0 {
			k, v := tab.PopRandom()
			if want, ok := m[string(k)]; !ok || want != string(v) {
				t.Fatalf("PopRandom %q: %d bytes, want %d bytes %v", k, len(v), len(want), ok)
			}
			delete(m, string(k))
		} else {
			for k := range m {
				if !tab.Delete([]byte(k)) {
					t.Fatalf("Delete %q: absent", k)
				}
				delete(m, k)
				break
			}
		}
		if len(m)%10000 == 0 {
			check()
		}
	}
	check()
	if len(tab.segs) != 1 || tab.MemoryUsage() > 1<<20 {
		t.Fatalf("drained to %d: %d segments, %d bytes", len(m), len(tab.segs), tab.MemoryUsage())
	}
	if c.Len() != 40000 {
		t.Fatalf("clone: %d entries", c.Len())
	}
	if v, ok := c.Get([]byte("member:5000")); !ok || len(v) == 0 {
		t.Fatal("clone lost an entry")
	}
}

// TestRandomUniformSegments checks that Random draws the entries of every
// segment in proportion to their number, whatever each segment's load.
func TestRandomUniformSegments(t *testing.T) {
	var tab Table
	for i := range 20000 {
		tab.Add([]byte(strconv.Itoa(i)), nil)
	}
	if len(tab.segs) < 4 {
		t.Fatalf("%d segments", len(tab.segs))
	}
	counts := map[*segment]int{}
	const draws = 200000
	for range draws {
		k, _ := tab.Random()
		counts[tab.segFor(tagOf(Hash(k)))]++
	}
	for _, s := range tab.segs {
		want := float64(draws) * float64(s.n) / float64(tab.Len())
		if got := float64(counts[s]); got < want*0.85 || got > want*1.15 {
			t.Fatalf("segment of %d entries drawn %.0f times, expected about %.0f", s.n, got, want)
		}
	}
}

// BenchmarkWorstInsert fills a table with 10M members, as SADD does to a
// set of that size, and reports the longest single insert beside the mean:
// a table that grows all at once pays one long copy on the insert that
// crosses a power of two, the client's stall. Run with -benchtime=1x.
func BenchmarkWorstInsert(b *testing.B) {
	const n = 10_000_000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte("member:" + strconv.Itoa(i))
	}
	b.ResetTimer()
	for range b.N {
		var t Table
		var worst time.Duration
		for _, k := range keys {
			start := time.Now()
			t.Add(k, nil)
			if d := time.Since(start); d > worst {
				worst = d
			}
		}
		b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/insert")
}
