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
			checkArena(t, tb)
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

// checkArena verifies a table's arena bookkeeping against its entries: the
// live bytes of each chunk, the totals, and that every entry's bytes lie
// within its chunk.
func checkArena(t *testing.T, tb *table) {
	t.Helper()
	a := &tb.kv
	live := make([]uint32, len(a.chunks))
	for i := range tb.ents {
		e := &tb.ents[i]
		if e.klen == freeEnt {
			continue
		}
		n := e.keyLen() + e.valLen()
		if n == 0 {
			continue
		}
		if a.chunks[e.chunk] == nil || int(e.off)+n > len(a.chunks[e.chunk]) {
			t.Fatalf("entry %d outside its chunk %d", i, e.chunk)
		}
		live[e.chunk] += uint32(n)
	}
	total, dead := 0, 0
	for c, b := range a.chunks {
		if live[c] != a.live[c] {
			t.Fatalf("chunk %d: %d live bytes counted, entries hold %d", c, a.live[c], live[c])
		}
		total += len(b)
		dead += len(b) - int(live[c])
	}
	if total != a.total || dead != a.dead {
		t.Fatalf("arena total %d dead %d, chunks say %d and %d", a.total, a.dead, total, dead)
	}
}

// TestTableArena overwrites, converts and deletes the keys of one table
// with keys and values of many sizes (some longer than a chunk's share),
// checking every key's bytes and the arena's bookkeeping, and that the
// arena's dead bytes stay bounded: compaction keeps up.
func TestTableArena(t *testing.T) {
	ks := NewKeyspace(1)
	var tb table
	rng := rand.New(rand.NewSource(2))
	model := map[string]string{}
	keyOf := func(i int) []byte {
		k := fmt.Appendf(nil, "key:%d:", i)
		if i%97 == 0 {
			k = append(k, make([]byte, chunkBig)...) // a key of its own chunk
		}
		return k
	}
	for step := 0; step < 60000; step++ {
		k := keyOf(rng.Intn(4000))
		h := ks.hash(k)
		id := tb.find(k, h)
		switch op := rng.Intn(10); {
		case op < 6:
			v := fmt.Appendf(nil, "v%d", rng.Intn(1<<20))
			v = append(v, make([]byte, rng.Intn(60))...)
			if id < 0 {
				tb.insert(h, ent{}, k, v, nil)
			} else {
				e := &tb.ents[id]
				tb.setObject(e, nil)
				tb.setKV(e, k, v, true)
			}
			model[string(k)] = string(v)
		case op < 7:
			if id >= 0 {
				e := &tb.ents[id]
				s := NewString([]byte(model[string(k)] + "o"))
				tb.setObject(e, s)
				tb.dropInline(e)
				model[string(k)] = string(s.B)
			}
		default:
			if id >= 0 {
				tb.remove(id, h)
				delete(model, string(k))
			}
		}
		if step%1999 == 0 {
			checkArena(t, &tb)
			if tb.n != len(model) {
				t.Fatalf("step %d: %d keys, model %d", step, tb.n, len(model))
			}
			for k, v := range model {
				id := tb.findString(k, ks.hash([]byte(k)))
				if id < 0 {
					t.Fatalf("step %d: %.20q lost", step, k)
				}
				e := &tb.ents[id]
				if tb.key(e) != k {
					t.Fatalf("step %d: key %.20q reads %.20q", step, k, tb.key(e))
				}
				var got string
				if o := tb.object(e); o != nil {
					got = string(o.(*String).B)
				} else {
					got = string(tb.inline(e))
				}
				if got != v {
					t.Fatalf("step %d: %.20q = %q, want %q", step, k, got, v)
				}
			}
			if a := &tb.kv; a.dead > compactMin+chunkMax && a.dead*compactPart > a.total+chunkMax*compactPart {
				t.Fatalf("step %d: %d of %d arena bytes dead", step, a.dead, a.total)
			}
		}
	}
}

// TestTableHotHint checks that find's hint (table.hot) is only a hint: a
// key sharing the hinted key's tag, a hinted entry freed and reused by
// another key, and entries renumbered by compaction are all found by
// probing, never taken for the hinted key.
func TestTableHotHint(t *testing.T) {
	var tb table
	const tag = uint64(0xabcd) << 32
	a := tb.insert(tag|1, ent{}, []byte("a"), []byte("1"), nil)
	b := tb.insert(tag|2, ent{}, []byte("b"), []byte("2"), nil)
	tb.hot, tb.hotTag = a+1, tagOf(tag)
	if got := tb.find([]byte("b"), tag|2); got != b {
		t.Fatalf("b with a's tag hinted found %d, want %d", got, b)
	}
	if got := tb.find([]byte("a"), tag|1); got != a {
		t.Fatalf("a found %d, want %d", got, a)
	}
	tb.remove(a, tag|1)
	if got := tb.find([]byte("a"), tag|1); got != -1 {
		t.Fatalf("a removed found %d", got)
	}
	c := tb.insert(tag|3, ent{}, []byte("c"), []byte("3"), nil)
	if c != a {
		t.Fatalf("c took entry %d, want a's %d reused", c, a)
	}
	if got := tb.find([]byte("a"), tag|1); got != -1 {
		t.Fatalf("a found %d after its entry went to c", got)
	}
	for i := 0; i < 200; i++ {
		tb.insert(uint64(i)<<32|4, ent{}, fmt.Appendf(nil, "x%d", i), nil, nil)
	}
	for i := 0; i < 200; i++ {
		k := fmt.Appendf(nil, "x%d", i)
		tb.remove(tb.find(k, uint64(i)<<32|4), uint64(i)<<32|4)
	}
	tb.hot, tb.hotTag = c+1, tagOf(tag)
	if got := tb.find([]byte("c"), tag|3); got < 0 || tb.key(&tb.ents[got]) != "c" {
		t.Fatalf("c after compaction found %d", got)
	}
	if got := tb.find([]byte("b"), tag|2); got < 0 || tb.key(&tb.ents[got]) != "b" {
		t.Fatalf("b after compaction found %d", got)
	}
}
