package zsets

import (
	"github.com/redmod/redmod/core"
)

func init() {
	add("zrange", func(c *core.Ctx) error { return zrangeGeneric(c, rangeOpts{auto: true}) })
	add("zrangestore", func(c *core.Ctx) error { return zrangeGeneric(c, rangeOpts{auto: true, store: true}) })
	add("zrevrange", func(c *core.Ctx) error { return zrangeGeneric(c, rangeOpts{kind: byRank, rev: true}) })
	add("zrangebyscore", func(c *core.Ctx) error { return zrangeGeneric(c, rangeOpts{kind: byScore}) })
	add("zrevrangebyscore", func(c *core.Ctx) error { return zrangeGeneric(c, rangeOpts{kind: byScore, rev: true}) })
	add("zrangebylex", func(c *core.Ctx) error { return zrangeGeneric(c, rangeOpts{kind: byLex}) })
	add("zrevrangebylex", func(c *core.Ctx) error { return zrangeGeneric(c, rangeOpts{kind: byLex, rev: true}) })
}

var (
	errLimitRank     = core.NewError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
	errLexWithScores = core.NewError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
)

// rangeOpts says which command of the ZRANGE family runs: auto is ZRANGE
// and ZRANGESTORE, whose kind and direction come from their options.
type rangeOpts struct {
	auto  bool
	store bool
	kind  rangeKind
	rev   bool
}

// zrangeGeneric is every command of the ZRANGE family, with the order of
// checks Redis uses: options, their conflicts, the range, then the key.
func zrangeGeneric(c *core.Ctx, o rangeOpts) error {
	args := c.Args
	keyIdx := 1
	if o.store {
		keyIdx = 2
	}
	minIdx, maxIdx := keyIdx+1, keyIdx+2
	withScores := false
	offset, limit := int64(0), int64(-1)
	haveKind, haveRev := !o.auto, !o.auto
	for j := keyIdx + 3; j < len(args); j++ {
		left := len(args) - j - 1
		a := args[j]
		switch {
		case !o.store && core.EqualFold(a, "withscores"):
			withScores = true
		case core.EqualFold(a, "limit") && left >= 2:
			var err error
			if offset, err = core.Int(args[j+1]); err != nil {
				return err
			}
			if limit, err = core.Int(args[j+2]); err != nil {
				return err
			}
			j += 2
		case !haveRev && core.EqualFold(a, "rev"):
			haveRev, o.rev = true, true
		case !haveKind && core.EqualFold(a, "bylex"):
			haveKind, o.kind = true, byLex
		case !haveKind && core.EqualFold(a, "byscore"):
			haveKind, o.kind = true, byScore
		default:
			return core.ErrSyntax
		}
	}
	// Redis refuses a LIMIT for a rank range only when its count is not
	// -1 (the value that means "no limit").
	if o.kind == byRank && limit != -1 {
		return errLimitRank
	}
	if withScores && o.kind == byLex {
		return errLexWithScores
	}
	if o.rev && o.kind != byRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	ranks, err := parseRanks(o.kind, args[minIdx], args[maxIdx])
	if err != nil {
		return err
	}
	z, err := getZSet(c, args[keyIdx])
	if err != nil {
		return err
	}
	var lo, hi int
	if z != nil {
		lo, hi = ranks(z)
		if o.kind == byRank && o.rev {
			// Reverse ranks count from the highest member.
			lo, hi = z.Len()-hi, z.Len()-lo
		}
		if o.kind != byRank {
			lo, hi = applyLimit(lo, hi, offset, limit, o.rev)
		}
	}
	if o.store {
		return storeRange(c, z, lo, hi, o.rev)
	}
	n := hi - lo
	writeRangeHeader(c, n, withScores)
	if n <= 0 {
		return nil
	}
	emit := func(m []byte, s float64) bool {
		writeMember(c, m, s, withScores)
		n--
		return n > 0
	}
	if o.rev {
		z.Descend(hi-1, emit)
	} else {
		z.Ascend(lo, emit)
	}
	return nil
}

// applyLimit narrows ranks [lo, hi) with LIMIT offset count, counted from
// the end in reverse order. A negative offset selects nothing, a negative
// count everything after the offset.
func applyLimit(lo, hi int, offset, limit int64, rev bool) (int, int) {
	if offset < 0 || limit == 0 {
		return lo, lo
	}
	n := int64(hi - lo)
	if offset >= n {
		return lo, lo
	}
	n -= offset
	if limit > 0 && limit < n {
		n = limit
	}
	if rev {
		hi -= int(offset)
		return hi - int(n), hi
	}
	lo += int(offset)
	return lo, lo + int(n)
}

// writeRangeHeader writes the array header of n members, each paired with
// its score when asked (see core.Writer.WritePairs).
func writeRangeHeader(c *core.Ctx, n int, withScores bool) {
	if withScores {
		c.WritePairs(n)
		return
	}
	c.WriteArray(n)
}

// writeMember writes one member of a range, with its score when asked.
func writeMember(c *core.Ctx, m []byte, s float64, withScores bool) {
	if withScores {
		c.WritePair()
		c.WriteBulk(m)
		c.WriteDouble(s)
		return
	}
	c.WriteBulk(m)
}

// storeRange is ZRANGESTORE's result: the members of ranks [lo, hi) go to
// the destination, which is deleted when there are none.
func storeRange(c *core.Ctx, src *ZSet, lo, hi int, rev bool) error {
	dst := c.Args[1]
	n := hi - lo
	if n <= 0 {
		c.WriteInt(0)
		storeResult(c, dst, nil, "")
		return nil
	}
	maxLen := 0
	src.Ascend(lo, func(m []byte, _ float64) bool {
		maxLen = max(maxLen, len(m))
		n--
		return n > 0
	})
	out := newZSet(hi-lo, maxLen)
	n = hi - lo
	src.Ascend(lo, func(m []byte, s float64) bool {
		out.add(append([]byte(nil), m...), s)
		n--
		return n > 0
	})
	c.WriteInt(int64(out.Len()))
	storeResult(c, dst, out, "zrangestore")
	return nil
}
