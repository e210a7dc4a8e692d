package core

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestKeyspaceTableModel drives one database with random sets, deletes,
// expiries and lookups and checks it against a Go map after every step, so
// that the table's probing, back-shifting deletes, growth and compaction
// keep every key findable.
func TestKeyspaceTableModel(t *testing.T) {
	ks := NewKeyspace(1)
	db := ks.DB(0)
	rng := rand.New(rand.NewSource(1))
	type val struct {
		s   string
		exp int64
	}
	model := map[string]val{}
	far := ks.Now() + 3600_000
	key := func() []byte { return fmt.Appendf(nil, "k%d", rng.Intn(3000)) }
	check := func(step int) {
		t.Helper()
		if db.Len() != len(model) {
			t.Fatalf("step %d: Len %d, model %d", step, db.Len(), len(model))
		}
		vol := 0
		for k, v := range model {
			b, ok, err := db.GetBytes([]byte(k))
			if !ok || err != nil || string(b) != v.s {
				t.Fatalf("step %d: %q = %q %v %v, want %q", step, k, b, ok, err, v.s)
			}
			if exp, _ := db.Expiry([]byte(k)); exp != v.exp {
				t.Fatalf("step %d: %q expiry %d, want %d", step, k, exp, v.exp)
			}
			if v.exp != 0 {
				vol++
			}
		}
		if db.VolatileLen() != vol {
			t.Fatalf("step %d: VolatileLen %d, want %d", step, db.VolatileLen(), vol)
		}
		n := 0
		db.Range(func(k string, v Value, exp int64) bool {
			if string(v.(*String).B) != model[k].s {
				t.Fatalf("step %d: Range %q = %q", step, k, v.(*String).B)
			}
			n++
			return true
		})
		if n != len(model) {
			t.Fatalf("step %d: Range saw %d keys, want %d", step, n, len(model))
		}
		for i := range db.slots {
			tb := &db.slots[i]
			if len(tb.vol) > 0 && tb.n == 0 {
				t.Fatalf("step %d: slot %d keeps expiries of no keys", step, i)
			}
		}
	}
	for step := 0; step < 40000; step++ {
		k := key()
		switch op := rng.Intn(10); {
		case op < 4:
			v := fmt.Sprintf("v%d", rng.Intn(1000))
			if rng.Intn(4) == 0 {
				v += string(make([]byte, 80)) // too long to hold inline
			}
			db.SetString(k, []byte(v), 0, false)
			model[string(k)] = val{s: v}
		case op < 5:
			db.Set(k, NewString([]byte("obj")))
			model[string(k)] = val{s: "obj"}
		case op < 8:
			_, had := model[string(k)]
			if db.Delete(k) != had {
				t.Fatalf("step %d: Delete(%q) != %v", step, k, had)
			}
			delete(model, string(k))
		case op < 9:
			if v, ok := model[string(k)]; ok {
				v.exp = far
				if rng.Intn(2) == 0 {
					v.exp = 0
				}
				db.SetExpiry(k, v.exp)
				model[string(k)] = v
			}
		default:
			if v, ok := model[string(k)]; ok {
				s := db.GetForWrite(k).(*String)
				s.B = append(s.B, 'x')
				v.s += "x"
				model[string(k)] = v
			}
		}
		if step%997 == 0 {
			check(step)
		}
		if step == 30000 {
			// Delete most keys, so that tables compact.
			for k := range model {
				if rng.Intn(10) != 0 {
					db.Delete([]byte(k))
					delete(model, k)
				}
			}
			check(step)
		}
	}
	check(-1)
}

// TestKeyspaceActiveExpireTable expires keys through the active cycle while
// removals compact the tables under it.
func TestKeyspaceActiveExpireTable(t *testing.T) {
	ks := NewKeyspace(1)
	db := ks.DB(0)
	for i := 0; i < 20000; i++ {
		k := fmt.Appendf(nil, "k%d", i)
		db.SetString(k, []byte("v"), 0, false)
		if i%10 != 0 {
			db.SetExpiry(k, ks.Now()+1000)
		}
	}
	ks.FastForward(2 * 1e9)
	cursor := 0
	for n := 0; db.VolatileLen() > 0 && n < 1000; n++ {
		ks.ActiveExpire(1e9, &cursor)
	}
	if db.Len() != 2000 || db.VolatileLen() != 0 {
		t.Fatalf("after expiry: %d keys, %d volatile; want 2000, 0", db.Len(), db.VolatileLen())
	}
	for i := 0; i < 20000; i += 10 {
		if !db.Exists(fmt.Appendf(nil, "k%d", i)) {
			t.Fatalf("k%d lost", i)
		}
	}
}
