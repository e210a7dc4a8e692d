package host

import (
	"encoding/binary"
	"hash/crc64"
	"strconv"
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/modules/hashes"
	"github.com/redmod/redmod/modules/lists"
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
	data, _, keys := (&Server{ks: src}).encodeSnapshot()
	if keys != 8 {
		t.Fatalf("encoded %d keys, want 8", keys)
	}
	dst := core.NewKeyspace(4)
	n, err := decodeSnapshot(data, dst)
	if err != nil || n != 8 {
		t.Fatalf("decode: %d keys, %v", n, err)
	}
	again, _, _ := (&Server{ks: dst}).encodeSnapshot()
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
	// Fewer databases than the snapshot uses: refused.
	if _, err := decodeSnapshot(data, core.NewKeyspace(2)); err == nil {
		t.Error("snapshot of database 3 loaded into 2 databases")
	}
}

// Every change to the body of a snapshot, checksum made valid again, must be
// refused or loaded, never panic: the decoders check bounds themselves.
func TestSnapshotDecoderBounds(t *testing.T) {
	data, _, _ := (&Server{ks: sampleKeyspace()}).encodeSnapshot()
	body := data[:len(data)-8]
	table := crc64.MakeTable(crc64.ECMA)
	try := func(name string, b []byte) {
		t.Helper()
		b = binary.LittleEndian.AppendUint64(b, crc64.Checksum(b, table))
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s: decoder panicked: %v", name, r)
			}
		}()
		decodeSnapshot(b, core.NewKeyspace(4))
	}
	for i := len(snapshotMagic); i < len(body); i++ {
		for _, v := range []byte{0x00, 0x01, 0x7f, 0x80, 0xff, body[i] ^ 1} {
			b := append([]byte(nil), body...)
			b[i] = v
			try("byte "+strconv.Itoa(i), b)
		}
		try("cut at "+strconv.Itoa(i), append([]byte(nil), body[:i]...))
	}
}

func TestSnapshotReaderBounds(t *testing.T) {
	// A count larger than the remaining input could hold is refused
	// before anyone allocates for it.
	r := core.NewSnapshotReader(binary.AppendUvarint(nil, 1<<40))
	if n := r.Count(1); n != 0 || r.Err() == nil {
		t.Errorf("Count = %d, err %v", n, r.Err())
	}
	r = core.NewSnapshotReader(append(binary.AppendUvarint(nil, 3), 'a', 'b', 'c', 'd'))
	if n := r.Count(2); n != 0 || r.Err() == nil {
		t.Errorf("Count(2) of 3 items in 4 bytes = %d, err %v", n, r.Err())
	}
	r = core.NewSnapshotReader(append(binary.AppendUvarint(nil, 5), "abc"...))
	if b := r.Bytes(); b != nil || r.Err() == nil {
		t.Errorf("Bytes past the end = %q, err %v", b, r.Err())
	}
	r = core.NewSnapshotReader([]byte{0x80, 0x80})
	if r.Uvarint(); r.Err() == nil {
		t.Error("unterminated varint accepted")
	}
	r = core.NewSnapshotReader([]byte{})
	if r.Byte(); r.Err() == nil {
		t.Error("Byte of empty input accepted")
	}
	r = core.NewSnapshotReader(append(binary.AppendUvarint(nil, 2), "abX"...))
	if b := r.Bytes(); string(b) != "ab" || r.Err() != nil {
		t.Errorf("Bytes = %q, %v", b, r.Err())
	}
	if r.Done() == nil {
		t.Error("Done with a byte left over reported no error")
	}
	// Errors stick: later reads return zero values.
	r = core.NewSnapshotReader([]byte{0x80})
	r.Uvarint()
	if r.Byte() != 0 || r.Varint() != 0 || r.Bytes() != nil || r.Err() != core.ErrCorrupt {
		t.Error("reads after an error returned data")
	}
}
