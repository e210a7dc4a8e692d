package core

import (
	"math"
	"strconv"
)

// ErrInvalidCursor is the reply to a SCAN-family cursor that is not a number.
var ErrInvalidCursor = NewError("ERR invalid cursor")

// ParseCursor parses a SCAN-family cursor the way Redis does with strtoul:
// an optional sign and decimal digits, a negative number wrapping around,
// and the empty string meaning 0. Leading spaces, trailing bytes and values
// beyond 64 bits are ErrInvalidCursor.
func ParseCursor(b []byte) (uint64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	i, neg := 0, false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i = 1
	}
	if i == len(b) {
		return 0, ErrInvalidCursor
	}
	var u uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, ErrInvalidCursor
		}
		d := uint64(c - '0')
		if u > (math.MaxUint64-d)/10 {
			return 0, ErrInvalidCursor
		}
		u = u*10 + d
	}
	if neg {
		u = -u
	}
	return u, nil
}

// ScanOptions are the options of SCAN, HSCAN, SSCAN and ZSCAN.
type ScanOptions struct {
	// Match filters the returned elements; nil matches everything.
	Match *Pattern
	// Count is the COUNT hint: about how many elements one call visits.
	Count int
	// Type is SCAN's TYPE filter (a type name, compared ignoring case); nil
	// matches every type.
	Type []byte
}

// ParseScanOptions reads [MATCH pattern] [COUNT count] and, when allowType is
// set (SCAN only), [TYPE type], with Redis's errors: a COUNT that is not an
// integer is ErrNotInteger, one below 1 or an unknown or incomplete option
// is ErrSyntax.
func ParseScanOptions(args [][]byte, allowType bool) (ScanOptions, error) {
	o := ScanOptions{Count: 10}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return o, ErrSyntax
		}
		switch a, v := args[i], args[i+1]; {
		case EqualFold(a, "count"):
			n, err := Int(v)
			if err != nil {
				return o, err
			}
			if n < 1 {
				return o, ErrSyntax
			}
			o.Count = int(min(n, math.MaxInt32))
		case EqualFold(a, "match"):
			if len(v) == 1 && v[0] == '*' {
				o.Match = nil
			} else {
				o.Match = CompilePattern(v)
			}
		case allowType && EqualFold(a, "type"):
			o.Type = v
		default:
			return o, ErrSyntax
		}
	}
	return o, nil
}

// Matches reports whether an element passes the MATCH filter.
func (o *ScanOptions) Matches(s string) bool { return o.Match == nil || o.Match.Match(s) }

// ScanItem is an element of a collection being scanned, with its position:
// a hash of the element that does not change while the element exists.
type ScanItem[T any] struct {
	// Pos is the element's position, the order in which a scan visits it.
	Pos uint64
	// Item is the element itself (a key, a field).
	Item T
}

// ScanSelect implements hash-ordered cursors, the way redmod gives SCAN's
// guarantee over Go maps, whose iteration order is random: every element has
// a fixed position (a hash), and a cursor is a position. It returns the
// elements of items at position from or later, at least n of them (all of the
// smallest positions, so that elements sharing a position are returned
// together), and the position where the next call continues; more is false
// when nothing is left. An element present during a whole iteration is
// therefore returned exactly once, whatever is added or removed meanwhile.
// items is reordered.
func ScanSelect[T any](items []ScanItem[T], from uint64, n int) (sel []ScanItem[T], next uint64, more bool) {
	cand := items[:0]
	for _, it := range items {
		if it.Pos >= from {
			cand = append(cand, it)
		}
	}
	if len(cand) <= n {
		return cand, 0, false
	}
	n = max(n, 1)
	selectSmallest(cand, n)
	// cand[:n] now holds the n smallest positions. Elements after them
	// sharing the largest of those positions join them; the smallest
	// position beyond is where the next call starts.
	h := cand[0].Pos
	for _, it := range cand[1:n] {
		h = max(h, it.Pos)
	}
	end := n
	next, more = uint64(math.MaxUint64), false
	for i := n; i < len(cand); i++ {
		switch p := cand[i].Pos; {
		case p == h:
			cand[end], cand[i] = cand[i], cand[end]
			end++
		case p < next || !more:
			next, more = p, true
		}
	}
	return cand[:end], next, more
}

// selectSmallest reorders items so that the n smallest positions come
// first, in no particular order (quickselect: linear on average, where a
// sort would be n log n on every SCAN call).
func selectSmallest[T any](items []ScanItem[T], n int) {
	lo, hi := 0, len(items)-1
	for lo < hi {
		// The median of three keeps sorted and reversed input linear.
		mid := lo + (hi-lo)/2
		a, b, c := items[lo].Pos, items[mid].Pos, items[hi].Pos
		pivot := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi
		for i <= j {
			for items[i].Pos < pivot {
				i++
			}
			for items[j].Pos > pivot {
				j--
			}
			if i <= j {
				items[i], items[j] = items[j], items[i]
				i++
				j--
			}
		}
		// items[lo..j] <= pivot <= items[i..hi]
		switch {
		case n-1 <= j:
			hi = j
		case n-1 >= i:
			lo = i
		default:
			return
		}
	}
}

// WriteScanReply writes the two-element reply of the SCAN family: the next
// cursor as a bulk string, then the array of elements, which the caller
// writes after this call (n of them).
func (w *Writer) WriteScanReply(cursor uint64, n int) {
	w.WriteArray(2)
	var tmp [20]byte
	w.WriteBulk(strconv.AppendUint(tmp[:0], cursor, 10))
	w.WriteArray(n)
}
