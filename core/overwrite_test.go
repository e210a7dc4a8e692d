package core

import "testing"

// TestOverwriteInPlace: a value of the same length is written over the old
// one's bytes while they were never handed out and no cut is open; bytes a
// Get, GetBytes or Peek handed out keep their content through later writes,
// and a cut sees the value of its instant.
func TestOverwriteInPlace(t *testing.T) {
	ks := NewKeyspace(1)
	db := ks.DB(0)
	key := []byte("k")
	place := func() (uint32, uint32) {
		tab, id, _ := db.lookup(key)
		return tab.ents[id].chunk, tab.ents[id].off
	}
	db.SetString(key, []byte("aaaa"), 0, false)
	c0, o0 := place()
	db.SetString(key, []byte("bbbb"), 0, false)
	if c, o := place(); c != c0 || o != o0 {
		t.Fatalf("SET of the same length moved the value: %d/%d -> %d/%d", c0, o0, c, o)
	}
	w, _ := db.GetStringForWrite(key)
	w.Replace([]byte("1234"))
	if c, o := place(); c != c0 || o != o0 {
		t.Fatal("Replace of the same length moved the value")
	}

	// Handed-out bytes never change.
	got := db.Get(key).(*String)
	db.SetString(key, []byte("cccc"), 0, false)
	b, _, _ := db.GetBytes(key)
	w, _ = db.GetStringForWrite(key)
	w.Replace([]byte("5678"))
	peeked := db.Peek(key).(*String)
	db.SetString(key, []byte("dddd"), 0, false)
	if string(got.B) != "1234" || string(b) != "cccc" || string(peeked.B) != "5678" {
		t.Fatalf("handed-out bytes changed: Get %q GetBytes %q Peek %q", got.B, b, peeked.B)
	}
	if v, _, _ := db.GetBytes(key); string(v) != "dddd" {
		t.Fatalf("value %q, want dddd", v)
	}

	// A different length, and an open cut, get new bytes.
	db.SetString(key, []byte("eeee"), 0, false) // after GetBytes: new bytes, not shared
	c1, o1 := place()
	db.SetString(key, []byte("ffffff"), 0, false)
	if c, o := place(); c == c1 && o == o1 {
		t.Fatal("a longer value was written in place")
	}
	db.SetString(key, []byte("gggggg"), 0, false)
	cut := ks.BeginCut(nil)
	db.SetString(key, []byte("hhhhhh"), 0, false)
	w, _ = db.GetStringForWrite(key)
	w.Replace([]byte("999999"))
	var atCut string
	if err := cut.Range(0, func(k string, v Value, _ int64) error {
		atCut = string(v.(*String).B)
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	cut.Close()
	if atCut != "gggggg" {
		t.Fatalf("the cut saw %q, want gggggg", atCut)
	}
	if v, _, _ := db.GetBytes(key); string(v) != "999999" {
		t.Fatalf("value %q, want 999999", v)
	}

	// The memory total still equals a fresh count.
	before := db.mem.Load()
	ks.RecountMemory()
	if after := db.mem.Load(); after != before {
		t.Fatalf("memory total %d, a recount gives %d", before, after)
	}
}
