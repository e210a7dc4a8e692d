package sets

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

func members(s *Set) []string {
	var out []string
	s.Each(func(m []byte) bool {
		out = append(out, string(m))
		return true
	})
	return out
}

func TestSetForms(t *testing.T) {
	s := NewIntset()
	for _, m := range []string{"3", "-1", "2", "3"} {
		s.Add([]byte(m), 512)
	}
	if got := members(s); !slices.Equal(got, []string{"-1", "2", "3"}) || s.Encoding() != "intset" {
		t.Fatalf("intset %q %s", got, s.Encoding())
	}
	s.Add([]byte("x"), 512)
	if s.form != formPacked || s.Encoding() != "hashtable" || !s.Contains([]byte("2")) || !s.Contains([]byte("x")) || s.Len() != 4 {
		t.Fatalf("after a word: form %d, %q", s.form, members(s))
	}
	for i := range 200 {
		s.Add([]byte(strconv.Itoa(i)), 512)
	}
	if s.form != formTable || s.Len() != 202 || !s.Contains([]byte("x")) || !s.Contains([]byte("-1")) || s.Contains([]byte("01")) {
		t.Fatalf("table: form %d len %d", s.form, s.Len())
	}
	if !s.Remove([]byte("x")) || s.Remove([]byte("x")) || s.Len() != 201 {
		t.Fatal("Remove")
	}
	// Past the limit, an intset becomes a hash table.
	s = NewIntset()
	for i := range 5 {
		s.Add([]byte(strconv.Itoa(i)), 4)
	}
	if s.Encoding() != "hashtable" || s.Len() != 5 {
		t.Fatalf("over the limit: %s %d", s.Encoding(), s.Len())
	}
}

func TestSetSnapshotRoundTrip(t *testing.T) {
	for _, build := range []func() *Set{
		func() *Set { s := NewIntset(); s.Add([]byte("7"), 512); return s },
		func() *Set { s := newFor([]byte("a")); s.Add([]byte("a"), 512); s.Add([]byte("9"), 512); return s },
		func() *Set {
			s := NewIntset()
			for i := range 1000 {
				s.Add([]byte(strconv.Itoa(i)), 512)
			}
			return s
		},
	} {
		s := build()
		v, err := decodeSet(s.AppendSnapshot(nil))
		if err != nil {
			t.Fatal(err)
		}
		got := v.(*Set)
		a, b := members(s), members(got)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) || got.form != s.form {
			t.Fatalf("round trip: form %d→%d, %d→%d members", s.form, got.form, len(a), len(b))
		}
	}
	for _, bad := range [][]byte{nil, {9}, {0, 1, 1, 'x'}, {1, 5}} {
		if _, err := decodeSet(bad); err == nil {
			t.Errorf("decodeSet(%q) accepted", bad)
		}
	}
}

// TestSmallSetsAreCompact checks that a 100-member set is a few heap
// objects, not one per member, in both small forms.
func TestSmallSetsAreCompact(t *testing.T) {
	for _, word := range []bool{false, true} {
		const sets = 200
		keep := make([]*Set, sets)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range keep {
			s := NewIntset()
			for j := range 100 {
				m := strconv.Itoa(j)
				if word {
					m = "member:" + m
				}
				s.Add([]byte(m), 512)
			}
			keep[i] = s
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perSet := float64(after.HeapObjects-before.HeapObjects) / sets
		if perSet > 4 {
			t.Errorf("words %v: %.1f heap objects per 100-member set", word, perSet)
		}
		runtime.KeepAlive(keep)
	}
}

// TestSetAgainstModel applies random adds and removes to a set and to a Go
// map, across every form change and shrink, and requires the same members.
func TestSetAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		s := NewIntset()
		model := map[string]bool{}
		limit := []int{512, 4, 0, 100000}[round%4]
		for range 5000 {
			var m string
			switch r.IntN(4) {
			case 0:
				m = "w" + strconv.Itoa(r.IntN(3000))
			default:
				m = strconv.Itoa(r.IntN(3000) - 100)
			}
			if round%2 == 1 && r.IntN(3) == 0 {
				if s.Remove([]byte(m)) != model[m] {
					t.Fatalf("round %d: Remove(%q) disagrees", round, m)
				}
				delete(model, m)
				continue
			}
			if s.Add([]byte(m), limit) == model[m] {
				t.Fatalf("round %d: Add(%q) disagrees", round, m)
			}
			model[m] = true
		}
		if s.Len() != len(model) {
			t.Fatalf("round %d: Len %d, model %d", round, s.Len(), len(model))
		}
		got := members(s)
		if len(got) != len(model) {
			t.Fatalf("round %d: Each gave %d members, model %d", round, len(got), len(model))
		}
		for _, m := range got {
			if !model[m] || !s.Contains([]byte(m)) {
				t.Fatalf("round %d: stray member %q", round, m)
			}
		}
		if s.Len() > 0 && !model[string(s.Random())] {
			t.Fatalf("round %d: Random gave a non-member", round)
		}
	}
}

// TestSetPop checks that Pop empties every form of set, member by member,
// and keeps the memory estimate of the table form exact.
func TestSetPop(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members []string
	}{
		{"intset", []string{"1", "2", "3", "-7"}},
		{"packed", []string{"a", "b", "c"}},
		{"table", func() (m []string) {
			for i := range 3000 {
				m = append(m, "m"+strconv.Itoa(i))
				m = append(m, strconv.Itoa(i))
			}
			return m
		}()},
	} {
		s := NewIntset()
		want := map[string]bool{}
		for _, m := range tc.members {
			s.Add([]byte(m), 512)
			want[m] = true
		}
		for s.Len() > 0 {
			m := string(s.Pop())
			if !want[m] {
				t.Fatalf("%s: popped %q, not a member (or twice)", tc.name, m)
			}
			delete(want, m)
			if s.Contains([]byte(m)) {
				t.Fatalf("%s: %q still a member", tc.name, m)
			}
		}
		if len(want) != 0 {
			t.Fatalf("%s: never popped %v", tc.name, want)
		}
	}
}
