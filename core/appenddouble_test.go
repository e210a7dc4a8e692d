package core

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestAppendDouble checks the integer shortcut against the general
// formatting for whole numbers around its bounds and random doubles.
func TestAppendDouble(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, 1e16, 1e17, -1e17, 99999999999999999, 1e17 - 16,
		1 << 53, 1<<53 + 2, -(1 << 53), 123456789012345678, 1e300, 5e-324, math.MaxFloat64}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		vals = append(vals, float64(r.Int64N(1<<62)-1<<61), math.Trunc(r.NormFloat64()*1e6), r.NormFloat64()*1e18)
	}
	for _, f := range vals {
		if got, want := string(AppendDouble(nil, f)), strconv.FormatFloat(f, 'g', 17, 64); got != want {
			t.Fatalf("AppendDouble(%v) = %s, want %s", f, got, want)
		}
	}
}
