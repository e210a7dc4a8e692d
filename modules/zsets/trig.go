package zsets

import "math"

// Redis computes distances with the C library's sin, cos and asin, which
// are accurate to about half a unit in the last place; Go's math package
// may be a unit off, which shows in the last digit of STOREDIST scores.
// These versions compute in double-double arithmetic (about 106 bits) and
// round once, so they return the correctly rounded result, as the C
// library does in all but the rarest cases.

// dd is an unevaluated sum hi+lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func (a dd) add(b dd) dd {
	s := twoSum(a.hi, b.hi)
	t := twoSum(a.lo, b.lo)
	s.lo += t.hi
	s = quickTwoSum(s.hi, s.lo)
	s.lo += t.lo
	return quickTwoSum(s.hi, s.lo)
}

func (a dd) neg() dd { return dd{-a.hi, -a.lo} }

func (a dd) mul(b dd) dd {
	p := twoProd(a.hi, b.hi)
	p.lo += a.hi*b.lo + a.lo*b.hi
	return quickTwoSum(p.hi, p.lo)
}

func (a dd) mulF(b float64) dd {
	p := twoProd(a.hi, b)
	p.lo += a.lo * b
	return quickTwoSum(p.hi, p.lo)
}

func (a dd) div(b dd) dd {
	q1 := a.hi / b.hi
	r := a.add(b.mulF(q1).neg())
	q2 := r.hi / b.hi
	r = r.add(b.mulF(q2).neg())
	q3 := r.hi / b.hi
	q := quickTwoSum(q1, q2)
	return q.add(dd{q3, 0})
}

// π/2 to about 160 bits, in three parts.
var (
	pio2a = 1.5707963267948966
	pio2b = 6.123233995736766e-17
	pio2c = -1.4973849048591698e-33
)

// sinCosDD returns sin(x) and cos(x) in double-double for a double x of
// moderate size (|x| well below 2^20, as latitudes and longitudes in
// radians are).
func sinCosDD(x float64) (dd, dd) {
	k := math.Round(x / pio2a)
	// r = x - k*π/2, exactly enough: k is small, each product is exact
	// in double-double.
	r := dd{x, 0}
	r = r.add(twoProd(k, pio2a).neg())
	r = r.add(twoProd(k, pio2b).neg())
	r = r.add(dd{-k * pio2c, 0})
	r2 := r.mul(r)
	// Taylor series; |r| <= π/4, so 14 terms reach far below 2^-106.
	s, c := dd{}, dd{}
	term := r         // r^(2i+1)/(2i+1)!
	cterm := dd{1, 0} // r^(2i)/(2i)!
	for i := 0; i < 14; i++ {
		s = s.add(term)
		c = c.add(cterm)
		n := float64(2*i + 2)
		term = term.mul(r2).neg().div(dd{n * (n + 1), 0})
		cterm = cterm.mul(r2).neg().div(dd{(n - 1) * n, 0})
	}
	switch int(math.Mod(k, 4)+4) % 4 {
	case 0:
		return s, c
	case 1:
		return c, s.neg()
	case 2:
		return s.neg(), c.neg()
	default:
		return c.neg(), s
	}
}

func sinCR(x float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) || math.Abs(x) > 1<<20 {
		return math.Sin(x)
	}
	s, _ := sinCosDD(x)
	return s.hi + s.lo
}

func cosCR(x float64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) || math.Abs(x) > 1<<20 {
		return math.Cos(x)
	}
	_, c := sinCosDD(x)
	return c.hi + c.lo
}

// asinCR refines Go's asin with one Newton step in double-double.
func asinCR(y float64) float64 {
	x0 := math.Asin(y)
	if y == 0 || math.Abs(y) >= 1 || math.IsNaN(y) {
		return x0
	}
	s, c := sinCosDD(x0)
	d := s.add(dd{-y, 0}).div(c)
	x := dd{x0, 0}.add(d.neg())
	return x.hi + x.lo
}
