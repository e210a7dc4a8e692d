package core

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestParseCursor(t *testing.T) {
	ok := map[string]uint64{
		"": 0, "0": 0, "7": 7, "007": 7, "+5": 5, "-1": math.MaxUint64, "-18446744073709551615": 1,
		"18446744073709551615": math.MaxUint64,
	}
	for in, want := range ok {
		if got, err := ParseCursor([]byte(in)); err != nil || got != want {
			t.Errorf("ParseCursor(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"x", " 1", "1 ", "-", "+", "1x", "0x10", "18446744073709551616", "-18446744073709551616", "1.0"} {
		if _, err := ParseCursor([]byte(in)); err != ErrInvalidCursor {
			t.Errorf("ParseCursor(%q) error = %v; want invalid cursor", in, err)
		}
	}
}

func TestParseScanOptions(t *testing.T) {
	args := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, a := range s {
			out[i] = []byte(a)
		}
		return out
	}
	o, err := ParseScanOptions(args("count", "5", "MATCH", "a*", "TYPE", "hash"), true)
	if err != nil || o.Count != 5 || o.Match == nil || string(o.Type) != "hash" || !o.Matches("abc") || o.Matches("b") {
		t.Fatalf("options: %+v, %v", o, err)
	}
	if o, err = ParseScanOptions(nil, false); err != nil || o.Count != 10 || !o.Matches("anything") {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	if o, _ = ParseScanOptions(args("MATCH", "*"), false); o.Match != nil {
		t.Fatal("MATCH * should match without a pattern")
	}
	for _, bad := range [][]string{{"count", "0"}, {"count"}, {"type", "hash"}, {"foo", "bar"}, {"match"}} {
		if _, err := ParseScanOptions(args(bad...), false); err != ErrSyntax {
			t.Errorf("%q: error %v; want syntax error", bad, err)
		}
	}
	if _, err := ParseScanOptions(args("count", "x"), false); err != ErrNotInteger {
		t.Errorf("count x: %v", err)
	}
}

func TestScanSelect(t *testing.T) {
	mk := func(pos ...uint64) []ScanItem[int] {
		out := make([]ScanItem[int], len(pos))
		for i, p := range pos {
			out[i] = ScanItem[int]{Pos: p, Item: i}
		}
		return out
	}
	// Fewer candidates than asked: everything at or after from, and the end.
	sel, _, more := ScanSelect(mk(5, 1, 9, 3), 3, 10)
	if more || len(sel) != 3 {
		t.Fatalf("got %v more=%v", sel, more)
	}
	// The smallest positions first; equal positions stay together.
	sel, next, more := ScanSelect(mk(50, 10, 30, 30, 20, 40), 0, 3)
	if !more || next != 40 || len(sel) != 4 || sel[0].Pos != 10 || sel[3].Pos != 30 {
		t.Fatalf("got %v next=%d more=%v", sel, next, more)
	}
	sel, _, more = ScanSelect(mk(50, 10, 30, 30, 20, 40), 40, 3)
	if more || len(sel) != 2 {
		t.Fatalf("tail: got %v more=%v", sel, more)
	}
}

// TestScanSelectRandom compares ScanSelect with a sort on random positions,
// many of them repeated.
func TestScanSelectRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 2000 {
		size := r.IntN(60)
		items := make([]ScanItem[int], size)
		for i := range items {
			items[i] = ScanItem[int]{Pos: uint64(r.IntN(1 + round%40)), Item: i}
		}
		from := uint64(r.IntN(5))
		n := 1 + r.IntN(20)
		var want []uint64
		for _, it := range items {
			if it.Pos >= from {
				want = append(want, it.Pos)
			}
		}
		slices.Sort(want)
		sel, next, more := ScanSelect(slices.Clone(items), from, n)
		var got []uint64
		for _, it := range sel {
			got = append(got, it.Pos)
		}
		slices.Sort(got)
		end := len(want)
		if len(want) > n {
			end = n
			for end < len(want) && want[end] == want[n-1] {
				end++
			}
		}
		if !slices.Equal(got, want[:end]) {
			t.Fatalf("round %d: got %v, want %v", round, got, want[:end])
		}
		if wantMore := end < len(want); more != wantMore || more && next != want[end] {
			t.Fatalf("round %d: next %d more %v; want %v", round, next, more, want[end:])
		}
	}
}
