package strings

import (
	"math/bits"
	"math/rand/v2"
	"testing"
)

// naiveBitpos is the definition bitposIn must agree with.
func naiveBitpos(b []byte, bit int64) int64 {
	for i := range len(b) * 8 {
		if int64(b[i/8]>>(7-i%8)&1) == bit {
			return int64(i)
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(b)) * 8
}

func TestBitposIn(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 40; n++ {
		for trial := 0; trial < 50; trial++ {
			b := make([]byte, n)
			fill := []byte{0x00, 0xff}[trial%2]
			for i := range b {
				b[i] = fill
			}
			if n > 0 && trial%3 != 0 {
				b[rng.IntN(n)] = byte(rng.IntN(256))
			}
			for bit := int64(0); bit <= 1; bit++ {
				if got, want := bitposIn(b, bit), naiveBitpos(b, bit); got != want {
					t.Fatalf("bitposIn(%x, %d) = %d, want %d", b, bit, got, want)
				}
			}
		}
	}
}

func TestPopcount(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := 0; n < 100; n++ {
		b := make([]byte, n)
		want := int64(0)
		for i := range b {
			b[i] = byte(rng.IntN(256))
			want += int64(bits.OnesCount8(b[i]))
		}
		if got := popcount(b); got != want {
			t.Fatalf("popcount(%x) = %d, want %d", b, got, want)
		}
	}
}

func TestClampRange(t *testing.T) {
	for _, c := range []struct {
		start, end, n, lo, hi int64
		ok                    bool
	}{
		{0, -1, 5, 0, 4, true},
		{-3, -1, 5, 2, 4, true},
		{-1, -3, 5, 0, 0, false},
		{3, 1, 5, 0, 0, false},
		{-100, 100, 5, 0, 4, true},
		{5, 10, 5, 0, 0, false},
		{0, 0, 0, 0, 0, false},
		{-9223372036854775808, 9223372036854775807, 3, 0, 2, true},
	} {
		lo, hi, ok := clampRange(c.start, c.end, c.n)
		if ok != c.ok || ok && (lo != c.lo || hi != c.hi) {
			t.Errorf("clampRange(%d, %d, %d) = %d, %d, %v", c.start, c.end, c.n, lo, hi, ok)
		}
	}
}

func TestMakeBitRange(t *testing.T) {
	// Bits 5..30 of a 6-byte string: bytes 0..3, the first five bits of
	// byte 0 and the last bit of byte 3 outside.
	r := makeBitRange(5, 30, 6, true)
	if r.start != 0 || r.end != 3 || r.firstMask != 0xf8 || r.lastMask != 0x01 {
		t.Fatalf("makeBitRange = %+v", r)
	}
	r = makeBitRange(-8, -1, 2, true)
	if r.start != 1 || r.end != 1 || r.firstMask != 0 || r.lastMask != 0 {
		t.Fatalf("makeBitRange = %+v", r)
	}
	if r = makeBitRange(1, 0, 2, false); r.start <= r.end {
		t.Fatalf("empty range not empty: %+v", r)
	}
}

func TestGrowZero(t *testing.T) {
	b := make([]byte, 2, 10)
	b[0], b[1] = 1, 2
	full := b[:10]
	full[5] = 9 // stale byte beyond len must be cleared when growing in place
	b = growZero(b, 8)
	if len(b) != 8 || b[0] != 1 || b[1] != 2 || b[5] != 0 {
		t.Fatalf("growZero = %v", b)
	}
	if b = growZero(b, 20); len(b) != 20 || b[19] != 0 || b[1] != 2 {
		t.Fatalf("growZero = %v", b)
	}
}

func BenchmarkPopcount(b *testing.B) {
	buf := make([]byte, 1<<16)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		popcount(buf)
	}
}
