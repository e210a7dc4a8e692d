package core

import (
	"math"
	"strconv"
)

// ParseInt parses b as Redis parses integers: an optional '-', no '+', no
// leading zeros or spaces, within int64. ok is false for anything else.
func ParseInt(b []byte) (n int64, ok bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var u uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// Int parses b as an integer or returns ErrNotInteger.
func Int(b []byte) (int64, error) {
	n, ok := ParseInt(b)
	if !ok {
		return 0, ErrNotInteger
	}
	return n, nil
}

// ParseFloat parses b as Redis parses a double (strtod): no leading space,
// no trailing garbage, no NaN, and no overflow. "inf" and "-inf" are allowed.
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// Float parses b as a double or returns ErrNotFloat.
func Float(b []byte) (float64, error) {
	f, ok := ParseFloat(b)
	if !ok {
		return 0, ErrNotFloat
	}
	return f, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// EqualFold reports whether b equals the ASCII word s, ignoring case. It is
// how commands recognise their options without allocating.
func EqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if d >= 'A' && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// AppendLower appends b in ASCII lower case to dst.
func AppendLower(dst, b []byte) []byte {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// FormatInt formats n in decimal.
func FormatInt(n int64) []byte { return strconv.AppendInt(nil, n, 10) }

// NumKeys returns the positions of keys counted by args[at] and following
// it (LMPOP, ZUNION, ZMPOP), for a Spec.Keys function. A count that is not
// a positive integer, or more keys than there are arguments, gives none:
// the command reports the error when it runs.
func NumKeys(args [][]byte, at int) []int {
	if at >= len(args) {
		return nil
	}
	n, ok := ParseInt(args[at])
	if !ok || n <= 0 || n > int64(len(args)-at-1) {
		return nil
	}
	out := make([]int, n)
	for i := range out {
		out[i] = at + 1 + i
	}
	return out
}

// ErrCountPositive is Redis's reply to a COUNT that is not a positive
// integer.
var ErrCountPositive = NewError("ERR count should be greater than 0")

// TrailingCount parses an optional "COUNT n" that is all of args[from:]
// (LMPOP and ZMPOP end so): def when there is nothing, ErrCountPositive
// when n is not a positive integer, ErrSyntax for anything else (COUNT
// twice, without n, another word).
func TrailingCount(args [][]byte, from int, def int64) (int64, error) {
	switch {
	case from >= len(args):
		return def, nil
	case len(args)-from != 2 || !EqualFold(args[from], "count"):
		if len(args)-from > 2 && EqualFold(args[from], "count") {
			if n, ok := ParseInt(args[from+1]); !ok || n <= 0 {
				return 0, ErrCountPositive
			}
		}
		return 0, ErrSyntax
	}
	n, ok := ParseInt(args[from+1])
	if !ok || n <= 0 {
		return 0, ErrCountPositive
	}
	return n, nil
}
