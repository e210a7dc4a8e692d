package zsets

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"strconv"

	"github.com/redmod/redmod/core"
)

func init() {
	add("zadd", zadd)
	add("zincrby", zincrby)
	add("zscore", zscore)
	add("zmscore", zmscore)
	add("zcard", zcard)
	add("zcount", zcount)
	add("zlexcount", zlexcount)
	add("zrank", func(c *core.Ctx) error { return zrank(c, false) })
	add("zrevrank", func(c *core.Ctx) error { return zrank(c, true) })
	add("zrem", zrem)
	add("zremrangebyrank", func(c *core.Ctx) error { return zremrange(c, byRank) })
	add("zremrangebyscore", func(c *core.Ctx) error { return zremrange(c, byScore) })
	add("zremrangebylex", func(c *core.Ctx) error { return zremrange(c, byLex) })
	add("zscan", zscan)
}

var (
	errXXNX      = core.NewError("ERR XX and NX options at the same time are not compatible")
	errGTLTNX    = core.NewError("ERR GT, LT, and/or NX options at the same time are not compatible")
	errIncrPairs = core.NewError("ERR INCR option supports a single increment-element pair")
)

// zaddFlags are ZADD's options.
type zaddFlags struct {
	nx, xx, gt, lt, ch, incr bool
	// geoOpts is, for GEOADD, the number of option arguments after the
	// key (GEOADD propagates as ZADD); -1 otherwise.
	geo     bool
	geoOpts int
}

// zaddOne applies one score-member pair with ZADD's rules. It returns the
// resulting score, whether the member was added or its score updated, and
// whether anything happened at all (nop is false).
func (z *ZSet) zaddOne(f zaddFlags, m []byte, score float64) (newScore float64, added, updated, nop bool, err error) {
	cur, exists := z.Score(m)
	if exists {
		if f.nx {
			return cur, false, false, true, nil
		}
		if f.incr {
			score += cur
			if math.IsNaN(score) {
				return 0, false, false, true, errNaN
			}
		}
		if (f.lt && score >= cur) || (f.gt && score <= cur) {
			return cur, false, false, true, nil
		}
		if score != cur {
			z.add(m, score)
			return score, false, true, false, nil
		}
		return score, false, false, false, nil
	}
	if f.xx {
		return 0, false, false, true, nil
	}
	z.add(m, score)
	return score, true, false, false, nil
}

func zadd(c *core.Ctx) error {
	var f zaddFlags
	j := 2
loop:
	for ; j < len(c.Args); j++ {
		a := c.Args[j]
		switch {
		case core.EqualFold(a, "nx"):
			f.nx = true
		case core.EqualFold(a, "xx"):
			f.xx = true
		case core.EqualFold(a, "gt"):
			f.gt = true
		case core.EqualFold(a, "lt"):
			f.lt = true
		case core.EqualFold(a, "ch"):
			f.ch = true
		case core.EqualFold(a, "incr"):
			f.incr = true
		default:
			break loop
		}
	}
	pairs := c.Args[j:]
	if len(pairs)%2 != 0 || len(pairs) == 0 {
		return core.ErrSyntax
	}
	if f.nx && f.xx {
		return errXXNX
	}
	if (f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt) {
		return errGTLTNX
	}
	if f.incr && len(pairs) > 2 {
		return errIncrPairs
	}
	n := len(pairs) / 2
	var buf [8]float64
	scores := buf[:0]
	maxLen := 0
	for i := 0; i < n; i++ {
		s, err := parseScore(pairs[2*i])
		if err != nil {
			return err
		}
		scores = append(scores, s)
		maxLen = max(maxLen, len(pairs[2*i+1]))
	}
	return zaddApply(c, f, pairs, scores, maxLen)
}

// zaddApply is the common tail of ZADD, ZINCRBY and GEOADD: apply the
// pairs (score at 2i, member at 2i+1, scores already parsed) and reply.
func zaddApply(c *core.Ctx, f zaddFlags, pairs [][]byte, scores []float64, maxLen int) error {
	key := c.Args[1]
	z, err := getZSetW(c, key)
	if err != nil {
		return err
	}
	var added, updated, processed int
	var score float64
	if z == nil {
		if f.xx {
			c.SetChanges(0)
			if f.incr {
				c.WriteNull()
			} else {
				c.WriteInt(0)
			}
			return nil
		}
		z = newZSet(len(scores), maxLen)
		c.DB.Set(key, z)
	}
	for i, s := range scores {
		ns, a, u, nop, err := z.zaddOne(f, pairs[2*i+1], s)
		if err != nil {
			c.SetChanges(int64(added + updated))
			dropIfEmpty(c, key, z)
			return err
		}
		if a {
			added++
		}
		if u {
			updated++
		}
		if !nop {
			processed++
		}
		score = ns
	}
	c.SetChanges(int64(added + updated))
	if f.geo && added+updated > 0 && c.Propagating() {
		// GEOADD propagates as the ZADD of the scores it computed, as
		// Redis 7.0 does.
		args := append([][]byte{[]byte("ZADD")}, c.Args[1:2+f.geoOpts]...)
		for i, s := range scores {
			args = append(args, strconv.AppendInt(nil, int64(s), 10), pairs[2*i+1])
		}
		c.Propagate(args...)
	}
	// Redis replies before it announces (its order for a client
	// subscribed to its own keys' events).
	switch {
	case f.incr && processed > 0:
		c.WriteDouble(score)
	case f.incr:
		c.WriteNull()
	case f.ch:
		c.WriteInt(int64(added + updated))
	default:
		c.WriteInt(int64(added))
	}
	if added+updated > 0 {
		if f.incr {
			notify(c, "zincr", key)
		} else {
			notify(c, "zadd", key)
		}
	}
	dropIfEmpty(c, key, z)
	if added > 0 {
		c.DB.Signal(key)
	}
	return nil
}

func zincrby(c *core.Ctx) error {
	s, err := parseScore(c.Args[2])
	if err != nil {
		return err
	}
	pairs := [][]byte{c.Args[2], c.Args[3]}
	return zaddApply(c, zaddFlags{incr: true}, pairs, []float64{s}, len(c.Args[3]))
}

func zscore(c *core.Ctx) error {
	z, err := getZSet(c, c.Args[1])
	if err != nil {
		return err
	}
	if z != nil {
		if s, ok := z.Score(c.Args[2]); ok {
			c.WriteDouble(s)
			return nil
		}
	}
	c.WriteNull()
	return nil
}

func zmscore(c *core.Ctx) error {
	z, err := getZSet(c, c.Args[1])
	if err != nil {
		return err
	}
	ms := c.Args[2:]
	c.WriteArray(len(ms))
	for _, m := range ms {
		if z != nil {
			if s, ok := z.Score(m); ok {
				c.WriteDouble(s)
				continue
			}
		}
		c.WriteNull()
	}
	return nil
}

func zcard(c *core.Ctx) error {
	z, err := getZSet(c, c.Args[1])
	if err != nil {
		return err
	}
	if z == nil {
		c.WriteInt(0)
		return nil
	}
	c.WriteInt(int64(z.Len()))
	return nil
}

func zcount(c *core.Ctx) error {
	r, err := parseScoreRange(c.Args[2], c.Args[3])
	if err != nil {
		return err
	}
	z, err := getZSet(c, c.Args[1])
	if err != nil || z == nil {
		if err == nil {
			c.WriteInt(0)
		}
		return err
	}
	lo, hi := r.ranks(z)
	c.WriteInt(int64(hi - lo))
	return nil
}

func zlexcount(c *core.Ctx) error {
	r, err := parseLexRange(c.Args[2], c.Args[3])
	if err != nil {
		return err
	}
	z, err := getZSet(c, c.Args[1])
	if err != nil || z == nil {
		if err == nil {
			c.WriteInt(0)
		}
		return err
	}
	lo, hi := r.ranks(z)
	c.WriteInt(int64(hi - lo))
	return nil
}

func zrank(c *core.Ctx, rev bool) error {
	z, err := getZSet(c, c.Args[1])
	if err != nil {
		return err
	}
	if z != nil {
		if r, ok := z.Rank(c.Args[2]); ok {
			if rev {
				r = z.Len() - 1 - r
			}
			c.WriteInt(int64(r))
			return nil
		}
	}
	c.WriteNull()
	return nil
}

func zrem(c *core.Ctx) error {
	key := c.Args[1]
	z, err := getZSetW(c, key)
	if err != nil {
		return err
	}
	n := 0
	if z != nil {
		for _, m := range c.Args[2:] {
			if z.remove(m) {
				n++
				if z.Len() == 0 {
					break
				}
			}
		}
		if n > 0 {
			notify(c, "zrem", key)
		}
		dropIfEmpty(c, key, z)
	}
	c.SetChanges(int64(n))
	c.WriteInt(int64(n))
	return nil
}

type rangeKind int

const (
	byRank rangeKind = iota
	byScore
	byLex
)

// parseRanks reads the range of a ZREMRANGEBY* or ZRANGE-family command
// and returns a function that turns it into ranks [lo, hi) of a set.
func parseRanks(kind rangeKind, min, max []byte) (func(z *ZSet) (int, int), error) {
	switch kind {
	case byScore:
		r, err := parseScoreRange(min, max)
		if err != nil {
			return nil, err
		}
		return r.ranks, nil
	case byLex:
		r, err := parseLexRange(min, max)
		if err != nil {
			return nil, err
		}
		return r.ranks, nil
	}
	start, err := core.Int(min)
	if err != nil {
		return nil, err
	}
	stop, err := core.Int(max)
	if err != nil {
		return nil, err
	}
	return func(z *ZSet) (int, int) {
		from, to, ok := rankRange(start, stop, z.Len())
		if !ok {
			return 0, 0
		}
		return from, to + 1
	}, nil
}

func zremrange(c *core.Ctx, kind rangeKind) error {
	key := c.Args[1]
	ranks, err := parseRanks(kind, c.Args[2], c.Args[3])
	if err != nil {
		return err
	}
	z, err := getZSetW(c, key)
	if err != nil {
		return err
	}
	if z == nil {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	lo, hi := ranks(z)
	if hi > lo {
		z.removeRanks(lo, hi-1)
		notify(c, [...]string{"zremrangebyrank", "zremrangebyscore", "zremrangebylex"}[kind], key)
		dropIfEmpty(c, key, z)
	}
	c.SetChanges(int64(hi - lo))
	c.WriteInt(int64(hi - lo))
	return nil
}

// posSeed seeds the ZSCAN positions of a large set's members; it is fixed
// for the life of the process so that positions stay put.
var posSeed = maphash.MakeSeed()

func memberPos(m []byte) uint64 { return maphash.Bytes(posSeed, m) | 1 }

func zscan(c *core.Ctx) error {
	cursor, err := core.ParseCursor(c.Args[2])
	if err != nil {
		return err
	}
	z, err := getZSet(c, c.Args[1])
	if err != nil {
		return err
	}
	if z == nil {
		c.WriteScanReply(0, 0)
		return nil
	}
	opts, err := core.ParseScanOptions(c.Args[3:], false)
	if err != nil {
		return err
	}
	type pair struct {
		m []byte
		s float64
	}
	var out []pair
	next := uint64(0)
	if z.t == nil {
		// A listpack is returned whole in one call, as Redis does.
		z.Ascend(0, func(m []byte, s float64) bool {
			if opts.Matches(string(m)) {
				out = append(out, pair{m, s})
			}
			return true
		})
	} else {
		items := make([]core.ScanItem[pair], 0, z.dict.Len())
		z.dict.All(func(m, v []byte) bool {
			if pos := memberPos(m); pos >= cursor {
				s := math.Float64frombits(binary.LittleEndian.Uint64(v))
				items = append(items, core.ScanItem[pair]{Pos: pos, Item: pair{m, s}})
			}
			return true
		})
		sel, nx, more := core.ScanSelect(items, cursor, max(opts.Count, z.dict.Len()/8))
		if more {
			next = nx
		}
		for _, it := range sel {
			if opts.Matches(string(it.Item.m)) {
				out = append(out, it.Item)
			}
		}
	}
	c.WriteScanReply(next, 2*len(out))
	for _, p := range out {
		c.WriteBulk(p.m)
		c.WriteBulk(formatScore(p.s))
	}
	return nil
}

// formatScore formats a score as Redis prints it in a string (%.17g,
// "inf", "-inf").
func formatScore(s float64) []byte {
	switch {
	case math.IsInf(s, 1):
		return []byte("inf")
	case math.IsInf(s, -1):
		return []byte("-inf")
	}
	return core.AppendDouble(nil, s)
}
