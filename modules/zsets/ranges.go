package zsets

import (
	"bytes"

	"github.com/redmod/redmod/core"
)

var (
	errMinMaxFloat = core.NewError("ERR min or max is not a float")
	errLexRange    = core.NewError("ERR min or max not valid string range item")
	errNaN         = core.NewError("ERR resulting score is not a number (NaN)")
)

// parseScore reads a score argument as Redis does (strtod: "inf", "-inf",
// "+inf", exponents); NaN and garbage are ErrNotFloat.
func parseScore(b []byte) (float64, error) {
	f, ok := parseStrictFloat(b)
	if !ok {
		return 0, core.ErrNotFloat
	}
	return f, nil
}

// scoreRange is a score interval as ZRANGEBYSCORE reads it: "(" before a
// bound makes it exclusive.
type scoreRange struct {
	min, max       float64
	minExc, maxExc bool
}

func parseScoreBound(b []byte) (f float64, exc bool, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		exc = true
		b = b[1:]
	}
	f, ok = parseRangeFloat(b)
	if !ok {
		return 0, false, false
	}
	return f, exc, true
}

func parseScoreRange(min, max []byte) (scoreRange, error) {
	var r scoreRange
	var ok1, ok2 bool
	r.min, r.minExc, ok1 = parseScoreBound(min)
	r.max, r.maxExc, ok2 = parseScoreBound(max)
	if !ok1 || !ok2 {
		return r, errMinMaxFloat
	}
	return r, nil
}

// ranks returns the ranks [lo, hi) of the members within the range.
func (r *scoreRange) ranks(z *ZSet) (lo, hi int) {
	if r.min > r.max || (r.min == r.max && (r.minExc || r.maxExc)) {
		return 0, 0
	}
	if r.minExc {
		lo = z.countBefore(func(_ []byte, s float64) bool { return s <= r.min })
	} else {
		lo = z.countBefore(func(_ []byte, s float64) bool { return s < r.min })
	}
	if r.maxExc {
		hi = z.countBefore(func(_ []byte, s float64) bool { return s < r.max })
	} else {
		hi = z.countBefore(func(_ []byte, s float64) bool { return s <= r.max })
	}
	return lo, max(lo, hi)
}

// lexBound is one end of a lex range: "-" and "+" are the extremes, "["
// includes the value and "(" excludes it.
type lexBound struct {
	inf   int // -1: "-", +1: "+", 0: a value
	value []byte
	exc   bool
}

func parseLexBound(b []byte) (lexBound, bool) {
	if len(b) == 0 {
		return lexBound{}, false
	}
	switch b[0] {
	case '-':
		if len(b) == 1 {
			return lexBound{inf: -1}, true
		}
	case '+':
		if len(b) == 1 {
			return lexBound{inf: 1}, true
		}
	case '[':
		return lexBound{value: b[1:]}, true
	case '(':
		return lexBound{value: b[1:], exc: true}, true
	}
	return lexBound{}, false
}

type lexRange struct{ min, max lexBound }

func parseLexRange(min, max []byte) (lexRange, error) {
	a, ok1 := parseLexBound(min)
	b, ok2 := parseLexBound(max)
	if !ok1 || !ok2 {
		return lexRange{}, errLexRange
	}
	return lexRange{a, b}, nil
}

// gteMin reports whether m is at or beyond the range's start.
func (r *lexRange) gteMin(m []byte) bool {
	switch r.min.inf {
	case -1:
		return true
	case 1:
		return false
	}
	c := bytes.Compare(m, r.min.value)
	if r.min.exc {
		return c > 0
	}
	return c >= 0
}

// lteMax reports whether m is at or before the range's end.
func (r *lexRange) lteMax(m []byte) bool {
	switch r.max.inf {
	case 1:
		return true
	case -1:
		return false
	}
	c := bytes.Compare(m, r.max.value)
	if r.max.exc {
		return c < 0
	}
	return c <= 0
}

// empty reports a range that can hold nothing whatever the members.
func (r *lexRange) empty() bool {
	if r.min.inf == 1 || r.max.inf == -1 {
		return true
	}
	if r.min.inf == 0 && r.max.inf == 0 {
		c := bytes.Compare(r.min.value, r.max.value)
		return c > 0 || (c == 0 && (r.min.exc || r.max.exc))
	}
	return false
}

// ranks returns the ranks [lo, hi) of the members within the range. Lex
// ranges assume that every member has the same score, as Redis's do.
func (r *lexRange) ranks(z *ZSet) (lo, hi int) {
	if r.empty() {
		return 0, 0
	}
	lo = z.countBefore(func(m []byte, _ float64) bool { return !r.gteMin(m) })
	if lo >= z.Len() {
		return lo, lo
	}
	hi = lo
	if z.t == nil {
		// A listpack is scanned from the first member in range, as Redis
		// does, which matters only when scores differ.
		z.Ascend(lo, func(m []byte, _ float64) bool {
			if !r.lteMax(m) {
				return false
			}
			hi++
			return true
		})
		return lo, hi
	}
	hi = z.countBefore(func(m []byte, _ float64) bool { return r.lteMax(m) })
	return lo, max(lo, hi)
}

// rankRange turns Redis start/stop indexes (negative from the end) into an
// inclusive range over n members; ok is false when it is empty.
func rankRange(start, stop int64, n int) (from, to int, ok bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0, false
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop), true
}
