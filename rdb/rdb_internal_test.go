package rdb

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/redmod/redmod/core"
)

func TestCRC64CheckValue(t *testing.T) {
	// The check value of Redis's crc64.c.
	if got := CRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("CRC64 = %#x", got)
	}
	// Continuing over a split input gives the same sum.
	if CRC64(CRC64(0, []byte("1234")), []byte("56789")) != 0xe9c6d914c4b8d9ca {
		t.Fatal("CRC64 does not continue")
	}
}

func TestLZFRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	inputs := [][]byte{
		bytes.Repeat([]byte("a"), 1000),
		bytes.Repeat([]byte("abcdefghij"), 5000),
		[]byte("hello hello hello hello hello hello"),
	}
	for i := 0; i < 200; i++ {
		b := make([]byte, r.IntN(3000)+4)
		for j := range b {
			b[j] = byte('a' + r.IntN(1+i%8))
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		c := lzfCompress(in)
		if c == nil {
			continue
		}
		if len(c) >= len(in) {
			t.Fatalf("compressed %d bytes to %d", len(in), len(c))
		}
		out, err := lzfDecompress(c, len(in))
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("round trip of %d bytes: %v", len(in), err)
		}
		if _, err := lzfDecompress(c, len(in)+1); err == nil {
			t.Fatal("wrong length accepted")
		}
	}
	if lzfCompress([]byte("abcdefghijklmnopqrstuvwxyz")) != nil {
		t.Error("incompressible input compressed")
	}
}

func TestListpackRoundTrip(t *testing.T) {
	vals := [][]byte{
		[]byte(""), []byte("0"), []byte("127"), []byte("128"), []byte("-1"), []byte("4095"), []byte("-4096"),
		[]byte("4096"), []byte("32767"), []byte("-32769"), []byte("8388607"), []byte("-8388609"),
		[]byte("2147483647"), []byte("-2147483649"), []byte("9223372036854775807"), []byte("-9223372036854775808"),
		[]byte("01"), []byte("+1"), []byte("-0"), []byte("9223372036854775808"),
		bytes.Repeat([]byte("x"), 63), bytes.Repeat([]byte("x"), 64), bytes.Repeat([]byte("y"), 4095),
		bytes.Repeat([]byte("z"), 4096), bytes.Repeat([]byte("w"), 70000),
	}
	lp := newListpack()
	for _, v := range vals {
		lp.appendString(v)
	}
	es, err := parseListpack(lp.finish())
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != len(vals) {
		t.Fatalf("%d elements, want %d", len(es), len(vals))
	}
	for i, e := range es {
		if !bytes.Equal(e.bytes(), vals[i]) {
			t.Errorf("element %d = %.20q, want %.20q", i, e.bytes(), vals[i])
		}
	}
}

func TestIntsetRoundTrip(t *testing.T) {
	for _, vals := range [][]int64{{3, 1, 2}, {-40000, 5}, {1 << 40, -1}} {
		out, err := parseIntset(buildIntset(append([]int64(nil), vals...)))
		if err != nil || len(out) != len(vals) {
			t.Fatalf("%v: %q %v", vals, out, err)
		}
	}
}

func TestModuleID(t *testing.T) {
	name, ver := moduleName(ModuleID("ratelimit", 7))
	if name != "ratelimit" || ver != 7 {
		t.Fatalf("%s %d", name, ver)
	}
}

// TestStreamRoundTrip encodes a stream with groups and reads it back
// through the decoder, without a stream module.
func TestStreamRoundTrip(t *testing.T) {
	type ent struct {
		id core.StreamID
		kv [][]byte
	}
	var ents []ent
	for i := 0; i < 250; i++ {
		kv := [][]byte{[]byte("f"), []byte(strconv.Itoa(i))}
		if i%7 == 0 {
			kv = append(kv, []byte("extra"), []byte("x"))
		}
		ents = append(ents, ent{core.StreamID{Ms: 1000 + uint64(i/3), Seq: uint64(i % 3)}, kv})
	}
	s := &core.StreamContent{
		Length: uint64(len(ents)), LastID: ents[len(ents)-1].id, FirstID: ents[0].id,
		MaxDeletedID: core.StreamID{Ms: 5}, EntriesAdded: 300,
		Entries: func(yield func(core.StreamID, [][]byte) bool) {
			for _, e := range ents {
				if !yield(e.id, e.kv) {
					return
				}
			}
		},
		Groups: []core.StreamGroup{{
			Name: []byte("g"), LastID: ents[10].id, EntriesRead: 11,
			Pending: []core.StreamPending{
				{ID: ents[3].id, Consumer: []byte("alice"), DeliveryTime: 1700000000000, DeliveryCount: 2},
				{ID: ents[4].id, Consumer: []byte("bob"), DeliveryTime: 1700000000001, DeliveryCount: 1},
			},
			Consumers: []core.StreamConsumer{{Name: []byte("alice"), SeenTime: 17, ActiveTime: -1}, {Name: []byte("bob"), SeenTime: 18, ActiveTime: -1}},
		}},
	}
	e := encoder{}
	e.stream(s)
	d := &decoder{b: e.b[1:]}
	got, err := d.stream(e.b[0])
	if err != nil {
		t.Fatal(err)
	}
	if d.left() != 0 || got.Length != s.Length || got.EntriesAdded != 300 || got.MaxDeletedID != s.MaxDeletedID || got.FirstID != s.FirstID {
		t.Fatalf("stream header %+v", got)
	}
	i := 0
	for id, kv := range got.Entries {
		if id != ents[i].id || !bytes.Equal(bytes.Join(kv, []byte(",")), bytes.Join(ents[i].kv, []byte(","))) {
			t.Fatalf("entry %d: %v %q", i, id, kv)
		}
		i++
	}
	if i != len(ents) {
		t.Fatalf("%d entries", i)
	}
	g := got.Groups[0]
	if string(g.Name) != "g" || g.EntriesRead != 11 || len(g.Pending) != 2 || string(g.Pending[1].Consumer) != "bob" || g.Pending[0].DeliveryCount != 2 {
		t.Fatalf("group %+v", g)
	}
}

// FuzzLoad feeds damaged files to the loader: errors are fine, panics are
// not.
func FuzzLoad(f *testing.F) {
	e := encoder{}
	e.b = append(e.b, "REDIS0010"...)
	e.byte1(opSelectDB)
	e.length(0)
	e.byte1(typeString)
	e.str([]byte("k"))
	e.str(bytes.Repeat([]byte("v"), 40))
	lp := newListpack()
	lp.appendString([]byte("a"))
	lp.appendString([]byte("12"))
	e.byte1(typeHashListpack)
	e.str([]byte("h"))
	e.str(lp.finish())
	e.byte1(typeSetIntset)
	e.str([]byte("s"))
	e.str(buildIntset([]int64{1, 2, 3}))
	e.byte1(opEOF)
	f.Add(append(e.b, make([]byte, 8)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		Load(data, func(*Entry) error { return nil })
		Restore(data)
		parseListpack(data)
		parseZiplist(data)
		parseZipmap(data)
		parseIntset(data)
		d := &decoder{b: data}
		for _, typ := range []byte{typeStreamListpacks, typeStreamListpack2, typeStreamListpack3} {
			d.p = 0
			d.stream(typ)
		}
	})
}

// TestLegacyEntriesRead: a group loaded from a stream saved before Redis
// 7.0 gets Redis's estimate of its entries-read counter. The stream had
// entries 1..6 added, 3 deleted, then trimmed to 5-0 and 6-0, as in
// Redis's own legacy-loading test.
func TestLegacyEntriesRead(t *testing.T) {
	s := &core.StreamContent{Length: 2, EntriesAdded: 2, LastID: core.StreamID{Ms: 6}, FirstID: core.StreamID{Ms: 5}}
	for _, tc := range []struct {
		last core.StreamID
		want int64
	}{
		{core.StreamID{Ms: 5}, 1}, // the first entry: read one
		{core.StreamID{}, 0},      // before the first: none
		{core.StreamID{Ms: 6}, 2}, // the last: all
		{core.StreamID{Ms: 7}, -1},
		{core.StreamID{Ms: 5, Seq: 1}, -1}, // between entries: unknown
	} {
		if got := legacyEntriesRead(s, tc.last); got != tc.want {
			t.Errorf("last %v: entries read %d, want %d", tc.last, got, tc.want)
		}
	}
	if got := legacyEntriesRead(&core.StreamContent{}, core.StreamID{}); got != 0 {
		t.Errorf("empty stream: %d", got)
	}
	empty := &core.StreamContent{EntriesAdded: 3, LastID: core.StreamID{Ms: 9}}
	if got := legacyEntriesRead(empty, core.StreamID{Ms: 4}); got != 3 {
		t.Errorf("emptied stream: %d, want 3", got)
	}
}
