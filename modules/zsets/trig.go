package zsets

import (
	"math"
	"math/big"
)

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
	// Taylor series by Horner's rule; |r| <= π/4, so 14 terms reach far
	// below 2^-106.
	s, c := sinCoef[len(sinCoef)-1], cosCoef[len(cosCoef)-1]
	for i := len(sinCoef) - 2; i >= 0; i-- {
		s = s.mul(r2).add(sinCoef[i])
		c = c.mul(r2).add(cosCoef[i])
	}
	s = s.mul(r)
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

// sinCoef and cosCoef are the Taylor coefficients (-1)^i/(2i+1)! and
// (-1)^i/(2i)! in double-double, computed once with 200-bit floats.
var sinCoef, cosCoef = taylorCoefficients(14)

func taylorCoefficients(n int) (sin, cos []dd) {
	fact := new(big.Float).SetPrec(200).SetInt64(1)
	toDD := func(f *big.Float) dd {
		hi, _ := f.Float64()
		rest := new(big.Float).SetPrec(200).Sub(f, new(big.Float).SetFloat64(hi))
		lo, _ := rest.Float64()
		return dd{hi, lo}
	}
	one := new(big.Float).SetPrec(200).SetInt64(1)
	for k := 0; k < 2*n; k++ {
		if k > 0 {
			fact.Mul(fact, new(big.Float).SetInt64(int64(k)))
		}
		c := toDD(new(big.Float).SetPrec(200).Quo(one, fact))
		if (k/2)%2 == 1 {
			c = c.neg()
		}
		if k%2 == 0 {
			cos = append(cos, c)
		} else {
			sin = append(sin, c)
		}
	}
	return sin, cos
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
