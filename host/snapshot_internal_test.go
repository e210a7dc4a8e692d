package host

import (
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/modules/hashes"
	"github.com/redmod/redmod/modules/lists"
	"github.com/redmod/redmod/rdb"
)

func sampleKeyspace() *core.Keyspace {
	ks := core.NewKeyspace(4)
	ks.Update(func(ks *core.Keyspace) error {
		for db := 0; db < 4; db += 3 {
			d := ks.DB(db)
			d.Set([]byte("s"), core.NewString([]byte("value")))
			d.SetWithExpiry([]byte("e"), core.NewString(nil), ks.Now()+3600_000)
			l := &lists.List{}
			l.PushBack([]byte("a"))
			l.PushBack([]byte(""))
			d.Set([]byte("l"), l)
			h := &hashes.Hash{}
			h.Set([]byte("f"), []byte("v"))
			h.Set([]byte("g"), []byte("w"))
			d.Set([]byte("h\x00"), h)
		}
		return nil
	})
	return ks
}

func TestSnapshotRoundTrip(t *testing.T) {
	src := sampleKeyspace()
	data, _, keys, err := (&Server{ks: src}).encodeSnapshot()
	if err != nil || keys != 8 {
		t.Fatalf("encoded %d keys, %v; want 8", keys, err)
	}
	dst := core.NewKeyspace(4)
	n := 0
	dst.Update(func(ks *core.Keyspace) error {
		_, err = rdb.Load(data, func(e *rdb.Entry) error {
			ks.DB(e.DB).SetWithExpiry(e.Key, e.Value, e.ExpireAt)
			n++
			return nil
		})
		return err
	})
	if err != nil || n != 8 {
		t.Fatalf("decode: %d keys, %v", n, err)
	}
	again, _, _, _ := (&Server{ks: dst}).encodeSnapshot()
	if len(again) != len(data) {
		t.Errorf("re-encoded snapshot is %d bytes, want %d", len(again), len(data))
	}
	dst.View(func(ks *core.Keyspace) error {
		at, ok := ks.DB(3).Expiry([]byte("e"))
		want, _ := src.DB(3).Expiry([]byte("e"))
		if !ok || at != want {
			t.Errorf("expiry %d, want %d", at, want)
		}
		return nil
	})
}
