package zsets

import (
	"math"
	"strconv"
)

// Redis reads scores with C's strtod, which accepts more than Go's
// ParseFloat (hexadecimal without an exponent, "infinity", a trailing
// dot) and less (underscores); these functions reproduce its grammar and
// Redis's two ways of checking the result.

// strtod parses the whole of b as strtod would, after optional leading
// white space when space is set. ok is false when bytes are left over or
// nothing parses; erange reports an overflow or an underflow to zero.
func strtod(b []byte, space bool) (f float64, ok, erange bool) {
	i := 0
	if space {
		for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
			i++
		}
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	rest := b[i:]
	lower := func(s []byte, word string) bool {
		if len(s) < len(word) {
			return false
		}
		for j := 0; j < len(word); j++ {
			if s[j]|0x20 != word[j] {
				return false
			}
		}
		return true
	}
	switch {
	case lower(rest, "infinity") && len(rest) == 8, lower(rest, "inf") && len(rest) == 3:
		if neg {
			return math.Inf(-1), true, false
		}
		return math.Inf(1), true, false
	case lower(rest, "nan"):
		return math.NaN(), false, false // NaN is refused either way
	}
	hex := len(rest) >= 2 && rest[0] == '0' && rest[1]|0x20 == 'x'
	j := 0
	digits := 0
	isDigit := func(c byte) bool {
		if hex {
			return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
		}
		return c >= '0' && c <= '9'
	}
	if hex {
		j = 2
	}
	for j < len(rest) && isDigit(rest[j]) {
		j++
		digits++
	}
	if j < len(rest) && rest[j] == '.' {
		j++
		for j < len(rest) && isDigit(rest[j]) {
			j++
			digits++
		}
	}
	if digits == 0 {
		// strtod converts nothing and points back at the start, so only
		// the empty string passes the whole-string check.
		return 0, len(b) == 0, false
	}
	mant := j
	expCh := byte('e')
	if hex {
		expCh = 'p'
	}
	if j < len(rest) && rest[j]|0x20 == expCh {
		k := j + 1
		if k < len(rest) && (rest[k] == '+' || rest[k] == '-') {
			k++
		}
		if k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
			for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
				k++
			}
			j = k
		}
	}
	if j != len(rest) {
		return 0, false, false
	}
	s := string(rest)
	if hex && j == mant {
		s += "p0" // Go needs the exponent of a hexadecimal float
	}
	if neg {
		s = "-" + s
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
			return v, true, true
		}
		return 0, false, false
	}
	if v == 0 && !allZero(rest) {
		return v, true, true // underflow
	}
	return v, true, false
}

// allZero reports whether the mantissa digits of a number are all zero, so
// that a zero result is exact rather than an underflow.
func allZero(s []byte) bool {
	hex := len(s) >= 2 && s[0] == '0' && s[1]|0x20 == 'x'
	if hex {
		s = s[2:]
	}
	for _, c := range s {
		switch {
		case c == '0' || c == '.':
		case !hex && (c == 'e' || c == 'E'), hex && (c == 'p' || c == 'P'):
			return true
		default:
			return false
		}
	}
	return true
}

// parseStrictFloat is Redis's getDoubleFromObject: no leading space, the
// whole string, no overflow or underflow to zero, no NaN.
func parseStrictFloat(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	f, ok, erange := strtod(b, false)
	if !ok || erange || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// parseRangeFloat is how Redis reads the bounds of a score range: strtod
// with leading space allowed, the empty string as 0, overflow as infinity.
func parseRangeFloat(b []byte) (float64, bool) {
	f, ok, _ := strtod(b, true)
	if !ok || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
