package hll

import (
	"crypto/md5"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"testing"
)

// The expected bytes and estimates below were produced by Redis 7.0.

func TestSparseBytesMatchRedis(t *testing.T) {
	b := newSparse()
	for _, e := range []string{"a", "b", "c"} {
		b, _ = addElement(b, []byte(e), 3000)
	}
	b[cacheByte] |= 0x80
	want := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ"
	if string(b) != want {
		t.Fatalf("PFADD a b c:\n got %q\nwant %q", b, want)
	}
	h, ok := histogram(b)
	if n := estimate(h); !ok || n != 3 {
		t.Fatalf("estimate %d, ok %v", n, ok)
	}
}

func TestEstimatesMatchRedis(t *testing.T) {
	for _, tc := range []struct {
		n         int
		card      uint64
		size      int
		md5, form string
	}{
		{300, 302, 698, "5fc431a21c9cfde1a652b197ea6286d1", "sparse"},
		{2000, 2006, denseSize, "39cc0c4396a0f77c0a93a6f64b02efe4", "dense"},
	} {
		b := newSparse()
		for i := 1; i <= tc.n; i++ {
			b, _ = addElement(b, []byte(strconv.Itoa(i)), 3000)
		}
		b[cacheByte] |= 0x80
		h, ok := histogram(b)
		card := estimate(h)
		setCached(b, card)
		sum := md5.Sum(append(b, '\n'))
		if !ok || card != tc.card || len(b) != tc.size || hex.EncodeToString(sum[:]) != tc.md5 {
			t.Errorf("%d elements: card %d (want %d), %d bytes (want %d), md5 %x", tc.n, card, tc.card, len(b), tc.size, sum)
		}
	}
}

func TestRegisterPacking(t *testing.T) {
	r := make([]byte, denseSize-headerSize)
	for i := range numRegisters {
		denseSetReg(r, i, (i*7)%64)
	}
	for i := range numRegisters {
		if got := denseGet(r, i); got != (i*7)%64 {
			t.Fatalf("register %d = %d", i, got)
		}
	}
}

func TestCorruptSparseIsRejected(t *testing.T) {
	b := newSparse()
	b = append(b, 0x7f, 0xff) // a second XZERO: 32768 registers
	if _, ok := histogram(b); ok {
		t.Fatal("a code covering too many registers was accepted")
	}
	if _, ok := toDense(b); ok {
		t.Fatal("toDense accepted a corrupt code")
	}
	if !valid(newSparse()) || valid([]byte("HYLL")) || valid(append([]byte("HYLL\x00"), make([]byte, 11)...)) {
		t.Fatal("valid")
	}
}

// TestSelfTest runs PFSELFTEST's checks with fewer elements than the
// command's ten million, to stay quick under the race detector.
func TestSelfTest(t *testing.T) {
	if err := selfTest(3000, 10, 100000); err != nil {
		t.Fatal(err)
	}
}

// TestSparseAgreesWithDense adds the same random elements to a sparse and
// a dense HLL, with several promotion limits, and requires the same
// registers, as Redis's PFSELFTEST does for the estimates.
func TestSparseAgreesWithDense(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, maxBytes := range []int{100, 3000, 1 << 20} {
		sp := newSparse()
		dense, _ := toDense(newSparse())
		for i := range 6000 {
			ele := []byte(strconv.FormatUint(r.Uint64(), 36))
			sp, _ = addElement(sp, ele, maxBytes)
			dense, _ = addElement(dense, ele, maxBytes)
			if i%997 != 0 {
				continue
			}
			got, ok := toDense(sp)
			if !ok {
				t.Fatalf("max %d, %d elements: the sparse code is corrupt", maxBytes, i)
			}
			if string(got[headerSize:]) != string(dense[headerSize:]) {
				t.Fatalf("max %d, %d elements: registers differ", maxBytes, i)
			}
			if sp[4] == encodingSparse && len(sp) > max(maxBytes, headerSize+2) {
				t.Fatalf("max %d: sparse HLL of %d bytes", maxBytes, len(sp))
			}
		}
	}
}
