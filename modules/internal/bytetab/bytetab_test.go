package bytetab

import (
	"math/rand/v2"
	"strconv"
	"testing"
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
