package streams

import (
	"math"
	"strconv"

	"github.com/redmod/redmod/core"
)

// ID is a stream entry ID: a millisecond time and a sequence number within
// that millisecond, ordered by both.
type ID struct{ Ms, Seq uint64 }

var (
	minID = ID{}
	maxID = ID{math.MaxUint64, math.MaxUint64}
)

// Cmp returns -1, 0 or 1 as a is before, equal to or after b.
func (a ID) Cmp(b ID) int {
	switch {
	case a.Ms < b.Ms:
		return -1
	case a.Ms > b.Ms:
		return 1
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// Less reports whether a is before b.
func (a ID) Less(b ID) bool { return a.Ms < b.Ms || (a.Ms == b.Ms && a.Seq < b.Seq) }

// IsZero reports whether the ID is 0-0.
func (a ID) IsZero() bool { return a.Ms == 0 && a.Seq == 0 }

// Append appends the ID as "ms-seq".
func (a ID) Append(dst []byte) []byte {
	dst = strconv.AppendUint(dst, a.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, a.Seq, 10)
}

// String returns "ms-seq".
func (a ID) String() string { return string(a.Append(nil)) }

// next returns the ID right after a; ok is false for the largest ID.
func (a ID) next() (ID, bool) {
	switch {
	case a.Seq < math.MaxUint64:
		return ID{a.Ms, a.Seq + 1}, true
	case a.Ms < math.MaxUint64:
		return ID{a.Ms + 1, 0}, true
	}
	return a, false
}

// prev returns the ID right before a; ok is false for 0-0.
func (a ID) prev() (ID, bool) {
	switch {
	case a.Seq > 0:
		return ID{a.Ms, a.Seq - 1}, true
	case a.Ms > 0:
		return ID{a.Ms - 1, math.MaxUint64}, true
	}
	return a, false
}

var errInvalidID = core.NewError("ERR Invalid stream ID specified as stream command argument")

// parseID reads an ID as Redis's streamGenericParseIDOrReply does: "ms" or
// "ms-seq"; a bare "ms" gets missingSeq. With strict, "-" and "+" are
// refused; otherwise they are the smallest and largest IDs. When seqGiven
// is not nil, "ms-*" is accepted and reported by setting it to false.
func parseID(b []byte, missingSeq uint64, strict bool, seqGiven *bool) (ID, error) {
	if seqGiven != nil {
		*seqGiven = true
	}
	if len(b) > 127 {
		return ID{}, errInvalidID
	}
	if !strict && len(b) == 1 {
		switch b[0] {
		case '-':
			return minID, nil
		case '+':
			return maxID, nil
		}
	}
	dash := -1
	for i, c := range b {
		if c == '-' {
			dash = i
			break
		}
	}
	msPart := b
	if dash >= 0 {
		msPart = b[:dash]
	}
	ms, ok := parseU64(msPart)
	if !ok {
		return ID{}, errInvalidID
	}
	if dash < 0 {
		return ID{ms, missingSeq}, nil
	}
	seqPart := b[dash+1:]
	if seqGiven != nil && len(seqPart) == 1 && seqPart[0] == '*' {
		*seqGiven = false
		return ID{ms, 0}, nil
	}
	seq, ok := parseU64(seqPart)
	if !ok {
		return ID{}, errInvalidID
	}
	return ID{ms, seq}, nil
}

// strictID reads an ID argument that may not be "-" or "+".
func strictID(b []byte) (ID, error) { return parseID(b, 0, true, nil) }

// parseU64 reads an unsigned 64-bit number as Redis's string2ull does: a
// canonical integer must not be negative; anything else goes through
// strtoull, which skips leading white space, takes a sign (a '-' wraps
// around, as in C) and refuses overflow and trailing bytes.
func parseU64(b []byte) (uint64, bool) {
	if n, ok := core.ParseInt(b); ok {
		return uint64(n), n >= 0
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var n uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseRangeID reads an XRANGE/XPENDING bound: an ID, "-", "+", or an
// exclusive "(id". missingSeq fills a bare "ms". ok is false when an
// exclusive bound has no ID after or before it.
func parseRangeID(b []byte, missingSeq uint64, start bool) (ID, error) {
	if len(b) > 1 && b[0] == '(' {
		id, err := parseID(b[1:], missingSeq, true, nil)
		if err != nil {
			return ID{}, err
		}
		var ok bool
		if start {
			id, ok = id.next()
		} else {
			id, ok = id.prev()
		}
		if !ok {
			if start {
				return ID{}, errExclusiveStart
			}
			return ID{}, errExclusiveEnd
		}
		return id, nil
	}
	return parseID(b, missingSeq, false, nil)
}

var (
	errExclusiveStart = core.NewError("ERR invalid start ID for the interval")
	errExclusiveEnd   = core.NewError("ERR invalid end ID for the interval")
)
