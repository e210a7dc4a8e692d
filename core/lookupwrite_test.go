package core

import "testing"

func TestLookupWriteCountsNoStats(t *testing.T) {
	ks := NewKeyspace(1)
	db := ks.DB(0)
	db.Set([]byte("s"), NewString([]byte("v")))
	s, err := LookupWrite[*String](db, []byte("s"))
	if err != nil || s == nil || string(s.B) != "v" {
		t.Fatalf("LookupWrite = %v, %v", s, err)
	}
	if s, err = LookupWrite[*String](db, []byte("missing")); err != nil || s != nil {
		t.Fatalf("LookupWrite(missing) = %v, %v", s, err)
	}
	if h, m := ks.KeyspaceHits.Load(), ks.KeyspaceMisses.Load(); h != 0 || m != 0 {
		t.Fatalf("hits %d misses %d, want none counted", h, m)
	}
	db.SetWithExpiry([]byte("e"), NewString([]byte("v")), ks.Now()-1)
	if db.GetForWrite([]byte("e")) != nil || db.Len() != 1 {
		t.Fatalf("expired key visible or not removed")
	}
	Lookup[*String](db, []byte("s"))
	if ks.KeyspaceHits.Load() != 1 {
		t.Fatalf("Lookup did not count a hit")
	}
}
