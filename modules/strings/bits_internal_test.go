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

func TestBitfieldGetSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 2000; trial++ {
		p := make([]byte, 12)
		bits := uint(1 + rng.IntN(64))
		off := uint64(rng.IntN(96 - int(bits) + 1))
		v := rng.Uint64() & fieldMask(bits)
		setBits(p, off, bits, v|^fieldMask(bits)) // high bits must be ignored
		if got := getBits(p, off, bits); got != v {
			t.Fatalf("bits %d off %d: got %x, want %x", bits, off, got, v)
		}
		for i := uint64(0); i < 96; i++ {
			inField := i >= off && i < off+uint64(bits)
			set := p[i/8]>>(7-i%8)&1 == 1
			if !inField && set {
				t.Fatalf("bit %d outside the field was set", i)
			}
		}
	}
	// The example of Redis's documentation: 23 as u5 at offset 7.
	p := make([]byte, 2)
	setBits(p, 7, 5, 23)
	if p[0] != 0x01 || p[1] != 0x70 {
		t.Fatalf("u5 23 at 7 = %08b %08b", p[0], p[1])
	}
	if signExtend(0b101, 3) != -3 || signExtend(0b011, 3) != 3 || signExtend(^uint64(0), 64) != -1 {
		t.Fatal("signExtend")
	}
}

func TestBitfieldOverflow(t *testing.T) {
	for _, c := range []struct {
		value, incr int64
		bits        uint
		behaviour   int
		over        bool
		want        int64
	}{
		{100, 27, 8, bfWrap, false, 0},
		{127, 1, 8, bfWrap, true, -128},
		{127, 1, 8, bfSat, true, 127},
		{-128, -1, 8, bfWrap, true, 127},
		{-128, -1, 8, bfSat, true, -128},
		{200, 0, 8, bfWrap, true, -56},
		{-9223372036854775808, -1, 64, bfWrap, true, 9223372036854775807},
		{9223372036854775807, 1, 64, bfSat, true, 9223372036854775807},
		{0, 0, 1, bfWrap, false, 0},
		{1, 0, 1, bfWrap, true, -1},
	} {
		over, got := signedOverflow(c.value, c.incr, c.bits, c.behaviour)
		if over != c.over || over && got != c.want {
			t.Errorf("signed %d%+d i%d: %v %d, want %v %d", c.value, c.incr, c.bits, over, got, c.over, c.want)
		}
	}
	for _, c := range []struct {
		value     uint64
		incr      int64
		bits      uint
		behaviour int
		over      bool
		want      uint64
	}{
		{3, 1, 2, bfWrap, true, 0},
		{3, 1, 2, bfSat, true, 3},
		{0, -1, 2, bfWrap, true, 3},
		{0, -1, 2, bfSat, true, 0},
		{1, 2, 2, bfWrap, false, 0},
		{256, 0, 8, bfWrap, true, 0},
		{^uint64(0), 0, 8, bfSat, true, 255}, // SET u8 -1 with SAT
	} {
		over, got := unsignedOverflow(c.value, c.incr, c.bits, c.behaviour)
		if over != c.over || over && got != c.want {
			t.Errorf("unsigned %d%+d u%d: %v %d, want %v %d", c.value, c.incr, c.bits, over, got, c.over, c.want)
		}
	}
}
