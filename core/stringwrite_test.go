package core

import (
	"errors"
	"testing"
)

// TestGetStringForWrite: an inline string is handed out as bytes and stays
// inline through Replace, with its expiry and a memory total that follows;
// an object is handed out as itself and Replace makes it inline; a missing
// key is created; another type is refused.
func TestGetStringForWrite(t *testing.T) {
	db := NewKeyspace(1).DB(0)
	w, err := db.GetStringForWrite([]byte("new"))
	if w.Found || err != nil {
		t.Fatalf("missing key: found %v err %v", w.Found, err)
	}
	w.Replace([]byte("1"))
	if v, _, _ := db.GetBytes([]byte("new")); string(v) != "1" {
		t.Fatalf("created: %q", v)
	}

	exp := db.ks.Now() + 100_000
	db.SetString([]byte("n"), []byte("41"), exp, false)
	w, err = db.GetStringForWrite([]byte("n"))
	if !w.Found || err != nil || w.Object != nil || string(w.Bytes) != "41" {
		t.Fatalf("inline: %+v %v", w, err)
	}
	w.Replace([]byte("4200000000"))
	tab, id, _ := db.lookup([]byte("n"))
	if e := &tab.ents[id]; e.obj != 0 || string(tab.inline(e)) != "4200000000" || tab.expOf(e, id) != exp {
		t.Fatalf("after Replace: obj %d value %q expiry %d, want inline 4200000000 expiring at %d", e.obj, tab.inline(e), tab.expOf(e, id), exp)
	}

	obj := NewString([]byte("7"))
	db.Set([]byte("o"), obj)
	w, err = db.GetStringForWrite([]byte("o"))
	if !w.Found || err != nil || w.Object != obj || string(w.Bytes) != "7" {
		t.Fatalf("object: %+v %v", w, err)
	}
	w.Replace([]byte("8"))
	if tab, id, _ := db.lookup([]byte("o")); tab.ents[id].obj != 0 || string(tab.inline(&tab.ents[id])) != "8" {
		t.Fatalf("object replaced: obj %d", tab.ents[id].obj)
	}

	// The running memory total equals a fresh count of every key.
	before := db.mem.Load()
	db.ks.RecountMemory()
	if after := db.mem.Load(); after != before {
		t.Fatalf("memory total %d, a recount gives %d", before, after)
	}

	db.Set([]byte("other"), testValue{})
	if _, err := db.GetStringForWrite([]byte("other")); !errors.Is(err, ErrWrongType) {
		t.Fatalf("another type: err %v", err)
	}
}

// testValue is a value of a type other than string.
type testValue struct{}

var testValueType = &Type{Name: "testvalue"}

func (testValue) Type() *Type                      { return testValueType }
func (testValue) Encoding() string                 { return "test" }
func (testValue) MemoryUsage() int                 { return 8 }
func (v testValue) Clone() Value                   { return v }
func (testValue) AppendSnapshot(dst []byte) []byte { return dst }
