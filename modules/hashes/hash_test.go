package hashes

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestHashForms(t *testing.T) {
	h := &Hash{}
	for i := range int(maxListpackEntries.Load()) {
		if !h.Set([]byte("f"+strconv.Itoa(i)), []byte("v")) {
			t.Fatalf("field %d reported as existing", i)
		}
	}
	if h.Encoding() != "listpack" || h.Len() != int(maxListpackEntries.Load()) {
		t.Fatalf("%d fields: %s, len %d", maxListpackEntries.Load(), h.Encoding(), h.Len())
	}
	if h.Set([]byte("f0"), []byte("w")) {
		t.Fatal("overwrite reported as new")
	}
	// Insertion order is kept in the small form.
	first := ""
	h.Each(func(f, _ []byte) bool { first = string(f); return false })
	if first != "f0" {
		t.Fatalf("first field %q", first)
	}
	h.Set([]byte("one-more"), []byte("v"))
	if h.Encoding() != "hashtable" || h.Len() != int(maxListpackEntries.Load())+1 {
		t.Fatalf("past the limit: %s, len %d", h.Encoding(), h.Len())
	}
	if v, ok := h.Get([]byte("f0")); !ok || string(v) != "w" {
		t.Fatalf("f0 = %q %v after conversion", v, ok)
	}
	long := &Hash{}
	long.Set([]byte("f"), []byte(strings.Repeat("x", int(maxListpackValue.Load())+1)))
	if long.Encoding() != "hashtable" {
		t.Fatal("a long value must convert")
	}
	if !h.Delete([]byte("f1")) || h.Delete([]byte("f1")) {
		t.Fatal("Delete")
	}
	if got := len(h.pairList()); got != h.Len() {
		t.Fatalf("pairList has %d pairs, hash %d", got, h.Len())
	}
}

func TestHashCloneAndSnapshot(t *testing.T) {
	for _, n := range []int{3, 600} {
		h := &Hash{}
		for i := range n {
			h.Set([]byte("f"+strconv.Itoa(i)), []byte(strconv.Itoa(i)))
		}
		c := h.Clone().(*Hash)
		c.Set([]byte("f0"), []byte("changed"))
		if v, _ := h.Get([]byte("f0")); string(v) != "0" {
			t.Fatal("Clone shares values")
		}
		d, err := decodeHash(h.AppendSnapshot(nil))
		if err != nil {
			t.Fatal(err)
		}
		back := d.(*Hash)
		if back.Len() != n || back.Encoding() != h.Encoding() {
			t.Fatalf("round trip: len %d encoding %s", back.Len(), back.Encoding())
		}
		h.Each(func(f, v []byte) bool {
			if got, ok := back.Get(f); !ok || string(got) != string(v) {
				t.Fatalf("field %s: %q", f, got)
			}
			return true
		})
	}
	if _, err := decodeHash([]byte{5, 1}); err == nil {
		t.Fatal("truncated snapshot accepted")
	}
}

// TestRandomPairSpread checks that random picks from a large hash reach
// every field with a roughly even share.
func TestRandomPairSpread(t *testing.T) {
	h := &Hash{}
	const n = 1000
	for i := range n {
		h.Set([]byte("f"+strconv.Itoa(i)), []byte("v"))
	}
	counts := map[string]int{}
	for range 200 * n {
		counts[string(h.randomPair().field)]++
	}
	lo, hi := 1<<30, 0
	for _, c := range counts {
		lo, hi = min(lo, c), max(hi, c)
	}
	t.Logf("fields picked %d of %d; per field min %d max %d (mean 200)", len(counts), n, lo, hi)
	if len(counts) != n || lo < 60 || hi > 500 {
		t.Fatalf("uneven picks: %d fields, min %d, max %d", len(counts), lo, hi)
	}
}

// TestHashCostKept checks the cost a hash reports as fields come and go
// against a walk of its fields, in both forms and across the conversion.
func TestHashCostKept(t *testing.T) {
	h := &Hash{}
	check := func(step string) {
		t.Helper()
		raw := 0
		h.Each(func(f, v []byte) bool {
			raw += len(f) + len(v)
			return true
		})
		got := h.MemoryUsage()
		// Both forms count their bytes (the small one its packed slice,
		// the table its index and arena): at least the bytes held, at
		// most a few times them.
		if got-48 < raw || got-48 > 4*raw+32*h.Len()+64 {
			t.Fatalf("%s: MemoryUsage = %d for %d fields of %d bytes", step, got, h.Len(), raw)
		}
		if est := h.EstimateMemory(); est != got {
			t.Fatalf("%s: EstimateMemory = %d, MemoryUsage %d", step, est, got)
		}
	}
	for round := range 3 {
		for i := range 700 {
			f := []byte("field" + strconv.Itoa(i%600))
			v := []byte(strings.Repeat("v", i%7+round))
			h.Set(f, v)
			if i%5 == 0 {
				h.Delete([]byte("field" + strconv.Itoa(i/2)))
			}
		}
		check("round " + strconv.Itoa(round))
		h.Delete([]byte("missing"))
		check("delete missing")
	}
	for i := range 600 {
		h.Delete([]byte("field" + strconv.Itoa(i)))
	}
	check("emptied")
	if h.Len() != 0 || h.MemoryUsage() != 48 {
		t.Fatalf("emptied hash: Len %d MemoryUsage %d", h.Len(), h.MemoryUsage())
	}
}

// TestSmallHashModel checks the packed small form against a map as fields
// are set (values of changing lengths), replaced and deleted, and that it
// keeps insertion order and stays one heap object.
func TestSmallHashModel(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	h := &Hash{}
	model := map[string]string{}
	var order []string
	for range 20000 {
		f := "f" + strconv.Itoa(r.IntN(40))
		switch r.IntN(3) {
		case 0, 1:
			v := strings.Repeat("v", r.IntN(20))
			_, had := model[f]
			if h.Set([]byte(f), []byte(v)) == had {
				t.Fatalf("Set %s: new reported wrongly (had %v)", f, had)
			}
			if !had {
				order = append(order, f)
			}
			model[f] = v
		default:
			_, had := model[f]
			if h.Delete([]byte(f)) != had {
				t.Fatalf("Delete %s: had %v", f, had)
			}
			if had {
				delete(model, f)
				order = slices.DeleteFunc(order, func(s string) bool { return s == f })
			}
		}
		if h.m != nil || h.Len() != len(model) {
			t.Fatalf("form %v, len %d, want small form of %d", h.m != nil, h.Len(), len(model))
		}
	}
	i := 0
	h.Each(func(f, v []byte) bool {
		if string(f) != order[i] || string(v) != model[order[i]] {
			t.Fatalf("field %d: %s=%s, want %s=%s", i, f, v, order[i], model[order[i]])
		}
		i++
		return true
	})
	for f, v := range model {
		if got, ok := h.Get([]byte(f)); !ok || string(got) != v {
			t.Fatalf("Get %s = %q %v, want %q", f, got, ok, v)
		}
	}
	if n := testing.AllocsPerRun(100, func() { h.Set([]byte("f1"), []byte("vvv")) }); n > 0 {
		t.Fatalf("replacing a value allocates %v times", n)
	}
}
