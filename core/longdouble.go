package core

import (
	"math/big"
)

// Redis does INCRBYFLOAT and HINCRBYFLOAT in C's long double, which on x86-64
// is the 80-bit x87 format: a 64-bit mantissa and a 15-bit exponent. Plain
// float64 arithmetic gives different digits (0.1+0.2 prints as
// 0.30000000000000004 in float64 but as 0.3 in Redis), so these helpers
// emulate the format with math/big: values are rounded to 64 mantissa bits
// after every step, overflow past the format's range becomes infinity, and
// tiny values keep only the precision of x87 subnormals.

const (
	// ldPrec is the mantissa width of the x87 extended format.
	ldPrec = 64
	// ldMaxExp is the largest big.Float exponent (value = mant × 2^exp with
	// 0.5 <= mant < 1) a finite long double can have.
	ldMaxExp = 16384
	// ldMinNormalExp is the exponent of the smallest normal long double
	// (2^-16382).
	ldMinNormalExp = -16381
	// ldSubnormalBits: a value with exponent e below ldMinNormalExp keeps
	// e+ldSubnormalBits mantissa bits (the quantum is 2^-16445).
	ldSubnormalBits = 16445
	// maxLongDoubleChars is Redis's MAX_LONG_DOUBLE_CHARS: longer inputs
	// are not numbers, and formatted results always fit.
	maxLongDoubleChars = 5 * 1024
)

// ParseLongDouble parses b as Redis's string2ld does with strtold: an
// optional sign, then a decimal number with an optional exponent, a
// hexadecimal number ("0x1.8p3"), or "inf"/"infinity" in any case. Leading
// blanks, trailing garbage (a NUL byte included), NaN, and numbers that
// overflow the long double range or underflow to zero are rejected (ok
// false). The result has the long double's precision.
func ParseLongDouble(b []byte) (f *big.Float, ok bool) {
	if len(b) == 0 || len(b) >= maxLongDoubleChars || isSpace(b[0]) {
		return nil, false
	}
	for _, c := range b {
		if c == 0 {
			return nil, false // strtold would stop early: trailing garbage
		}
	}
	neg := false
	s := b
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if isInfWord(s) {
		f = new(big.Float).SetPrec(ldPrec).SetInf(neg)
		return f, true
	}
	base, nonzero, valid := scanStrtold(s)
	if !valid {
		return nil, false
	}
	f, _, err := big.ParseFloat(string(b), base, ldPrec, big.ToNearestEven)
	if err != nil {
		// Only an exponent beyond big.Float's range gets here: strtold
		// reports ERANGE for it unless the mantissa is zero.
		if nonzero {
			return nil, false
		}
		return new(big.Float).SetPrec(ldPrec), true
	}
	if !nonzero {
		return f.SetInt64(0), true
	}
	roundLongDouble(f)
	if f.IsInf() || f.Sign() == 0 {
		return nil, false // ERANGE: overflow or underflow to zero
	}
	return f, true
}

// isInfWord reports whether s is "inf" or "infinity", ignoring case.
func isInfWord(s []byte) bool {
	return EqualFold(s, "inf") || EqualFold(s, "infinity")
}

// scanStrtold checks that s (after the sign) is a whole number strtold reads
// completely, and returns the base big.ParseFloat needs and whether a
// mantissa digit is not zero. "nan" is not accepted (Redis rejects NaN).
func scanStrtold(s []byte) (base int, nonzero, ok bool) {
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	isHex := func(c byte) bool {
		return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
	}
	digit, expChar, base := isDigit, byte('e'), 10
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		digit, expChar, base = isHex, 'p', 0
		s = s[2:]
	}
	i, digits := 0, 0
	for ; i < len(s) && digit(s[i]); i++ {
		digits++
		nonzero = nonzero || s[i] != '0'
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && digit(s[i]); i++ {
			digits++
			nonzero = nonzero || s[i] != '0'
		}
	}
	if digits == 0 {
		return 0, false, false
	}
	if i < len(s) && s[i]|0x20 == expChar {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return 0, false, false // strtold stops before the 'e': garbage follows
		}
	}
	return base, nonzero, i == len(s)
}

// roundLongDouble rounds f in place to what an x87 long double holds:
// infinity past the largest finite value, and the reduced precision of
// subnormals below the smallest normal value.
func roundLongDouble(f *big.Float) {
	if f.IsInf() || f.Sign() == 0 {
		return
	}
	f.SetPrec(ldPrec)
	exp := f.MantExp(nil)
	switch {
	case exp > ldMaxExp:
		f.SetInf(f.Sign() < 0)
	case exp < ldMinNormalExp:
		bits := exp + ldSubnormalBits
		if bits <= 0 {
			// Below the smallest subnormal m = 2^-16445: the value rounds
			// to ±m when it is more than m/2, to zero otherwise (a tie goes
			// to zero, the even neighbour).
			neg := f.Sign() < 0
			half := new(big.Float).SetMantExp(big.NewFloat(0.5), -ldSubnormalBits)
			if bits == 0 && new(big.Float).Abs(f).Cmp(half) > 0 {
				f.SetMantExp(big.NewFloat(0.5), -ldSubnormalBits+1)
				if neg {
					f.Neg(f)
				}
			} else {
				f.SetInt64(0)
			}
			return
		}
		f.SetPrec(uint(bits))
		f.SetPrec(ldPrec)
	}
}

// AddLongDouble returns x+y computed in long double arithmetic. ok is false
// when the sum is NaN or infinite, which Redis refuses with
// ErrNaNOrInfinity.
func AddLongDouble(x, y *big.Float) (sum *big.Float, ok bool) {
	if x.IsInf() || y.IsInf() {
		return nil, false
	}
	sum = new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven)
	sum.Add(x, y)
	roundLongDouble(sum)
	if sum.IsInf() {
		return nil, false
	}
	return sum, true
}

// AppendLongDouble appends f formatted as Redis's ld2string does in its
// human-friendly mode: printf's "%.17Lf", then trailing zeros and a trailing
// '.' removed, and "-0" written as "0".
func AppendLongDouble(dst []byte, f *big.Float) []byte {
	if f.IsInf() {
		if f.Sign() < 0 {
			return append(dst, "-inf"...)
		}
		return append(dst, "inf"...)
	}
	if f.Sign() == 0 || f.MantExp(nil) <= -58 {
		// |f| < 2^-58 < 5e-18 prints as 0.00000000000000000 (or its
		// negative), which becomes "0". Shortcut: the exact decimal expansion
		// of a tiny long double has thousands of digits and takes
		// milliseconds to compute.
		return append(dst, '0')
	}
	start := len(dst)
	dst = f.Append(dst, 'f', 17)
	end := len(dst)
	for end > start && dst[end-1] == '0' {
		end--
	}
	if end > start && dst[end-1] == '.' {
		end--
	}
	dst = dst[:end]
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}
