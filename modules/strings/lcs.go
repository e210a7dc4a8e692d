package strings

import (
	"github.com/redmod/redmod/core"
)

var (
	errLCSType    = core.NewError("ERR The specified keys must contain string values")
	errLCSLenIdx  = core.NewError("ERR If you want both the length and indexes, please just use IDX.")
	errLCSTooBig  = core.NewError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
	errLCSTooLong = core.NewError("ERR String too long for LCS")
)

func init() {
	add(core.Spec{
		Name: "lcs", Arity: -3, Flags: core.FlagReadOnly,
		FirstKey: 1, LastKey: 2, Step: 1,
		Summary: "Find longest common substring",
		Syntax:  "key1:key key2:key [LEN] [IDX] [MINMATCHLEN len:integer] [WITHMATCHLEN]",
	}, lcs)
}

// lcs computes the longest common subsequence with Redis's dynamic
// programming table and walks it back the same way, so that the string and
// the IDX ranges are the ones Redis picks among equally long answers. Like
// Redis, it refuses a table larger than proto-max-bulk-len rather than
// allocate it.
func lcs(c *core.Ctx) error {
	var a, b []byte
	for i, key := range c.Args[1:3] {
		v := c.DB.Get(key)
		if v == nil {
			continue
		}
		s, ok := v.(*core.String)
		if !ok {
			return errLCSType
		}
		if i == 0 {
			a = s.B
		} else {
			b = s.B
		}
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Args); j++ {
		opt := c.Args[j]
		switch {
		case core.EqualFold(opt, "idx"):
			getIdx = true
		case core.EqualFold(opt, "len"):
			getLen = true
		case core.EqualFold(opt, "withmatchlen"):
			withMatchLen = true
		case core.EqualFold(opt, "minmatchlen") && j+1 < len(c.Args):
			n, err := core.Int(c.Args[j+1])
			if err != nil {
				return err
			}
			minMatchLen = max(n, 0)
			j++
		default:
			return core.ErrSyntax
		}
	}
	if getIdx && getLen {
		return errLCSLenIdx
	}
	if uint64(len(a)) >= 1<<32-2 || uint64(len(b)) >= 1<<32-2 {
		return errLCSTooLong
	}
	alen, blen := len(a), len(b)
	cells := uint64(alen+1) * uint64(blen+1)
	if cells*4 > uint64(maxStringLen(c, int64(min(cells*4, 1<<62)))) {
		return errLCSTooBig
	}
	w := blen + 1
	table := make([]uint32, cells)
	for i := 1; i <= alen; i++ {
		row, prev := table[i*w:(i+1)*w], table[(i-1)*w:i*w]
		ai := a[i-1]
		for j := 1; j <= blen; j++ {
			switch {
			case ai == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	total := table[alen*w+blen]
	if getLen {
		c.WriteInt(int64(total))
		return nil
	}

	// Walk back from the end, collecting the common string and the ranges
	// of contiguous matches (from the last to the first, as Redis emits them).
	type match struct{ aStart, aEnd, bStart, bEnd uint32 }
	var matches []match
	result := make([]byte, total)
	idx := total
	i, j := uint32(alen), uint32(blen)
	aStart, aEnd, bStart, bEnd := uint32(alen), uint32(0), uint32(0), uint32(0)
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == uint32(alen) {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if table[(i-1)*uint32(w)+j] > table[i*uint32(w)+j-1] {
				i--
			} else {
				j--
			}
			if aStart != uint32(alen) {
				emit = true
			}
		}
		if emit {
			matchLen := aEnd - aStart + 1
			if getIdx && (minMatchLen == 0 || int64(matchLen) >= minMatchLen) {
				matches = append(matches, match{aStart, aEnd, bStart, bEnd})
			}
			aStart = uint32(alen)
		}
	}
	if !getIdx {
		c.WriteBulk(result)
		return nil
	}
	c.WriteMap(2)
	c.WriteBulkString("matches")
	c.WriteArray(len(matches))
	for _, m := range matches {
		if withMatchLen {
			c.WriteArray(3)
		} else {
			c.WriteArray(2)
		}
		c.WriteArray(2)
		c.WriteInt(int64(m.aStart))
		c.WriteInt(int64(m.aEnd))
		c.WriteArray(2)
		c.WriteInt(int64(m.bStart))
		c.WriteInt(int64(m.bEnd))
		if withMatchLen {
			c.WriteInt(int64(m.aEnd - m.aStart + 1))
		}
	}
	c.WriteBulkString("len")
	c.WriteInt(int64(total))
	return nil
}
