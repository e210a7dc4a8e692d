package zsets

import (
	"strconv"
	"time"

	"github.com/redmod/redmod/core"
)

func init() {
	add("zpopmin", func(c *core.Ctx) error { return zpop(c, false) })
	add("zpopmax", func(c *core.Ctx) error { return zpop(c, true) })
	add("bzpopmin", func(c *core.Ctx) error { return bzpop(c, false) })
	add("bzpopmax", func(c *core.Ctx) error { return bzpop(c, true) })
	add("zmpop", func(c *core.Ctx) error { return zmpop(c, 1, false) }, func(a [][]byte) []int { return core.NumKeys(a, 1) })
	add("bzmpop", func(c *core.Ctx) error { return zmpop(c, 2, true) }, func(a [][]byte) []int { return core.NumKeys(a, 2) })
}

var (
	errNumKeysPositive = core.NewError("ERR numkeys should be greater than 0")
)

// popOne removes and returns the lowest (or highest) member.
func (z *ZSet) popOne(highest bool) ([]byte, float64) {
	r := 0
	if highest {
		r = z.Len() - 1
	}
	if z.t != nil {
		// The member's string leaves the set and is never changed: it is
		// handed out as it is, with no copy and one walk down the tree by
		// rank, comparing nothing.
		it := z.t.removeAt(r)
		z.dict.Delete(bytesOf(it.member))
		return bytesOf(it.member), it.score
	}
	if !highest {
		m, s, next := z.lpEntry(0)
		m = append([]byte(nil), m...)
		z.lp = append(z.lp[:0], z.lp[next:]...)
		z.n--
		return m, s
	}
	m, s := z.At(r)
	m = append([]byte(nil), m...)
	z.removeRanks(r, r)
	return m, s
}

func zpop(c *core.Ctx, highest bool) error {
	if len(c.Args) > 3 {
		return core.ErrSyntax
	}
	count := int64(1)
	withCount := len(c.Args) == 3
	if withCount {
		n, ok := core.ParseInt(c.Args[2])
		if !ok || n < 0 {
			return core.ErrNotPositive
		}
		count = n
	}
	key := c.Args[1]
	z, err := getZSetW(c, key)
	if err != nil {
		return err
	}
	if z == nil || count == 0 {
		c.SetChanges(0)
		c.WriteArray(0)
		return nil
	}
	n := int(min(count, int64(z.Len())))
	// With a count, RESP3 nests each pair; without, the one pair is flat.
	if withCount {
		c.WritePairs(n)
	} else {
		c.WriteArray(2)
	}
	// Redis announces the pop between the reply's header and its elements
	// (what a client subscribed to its own keys' events sees).
	notify(c, popEvent(highest), key)
	for i := 0; i < n; i++ {
		m, s := z.popOne(highest)
		if withCount {
			c.WritePair()
		}
		c.WriteBulk(m)
		c.WriteDouble(s)
	}
	dropIfEmpty(c, key, z)
	c.SetChanges(int64(n))
	return nil
}

func popEvent(highest bool) string {
	if highest {
		return "zpopmax"
	}
	return "zpopmin"
}

// firstZSet returns the first key in keys holding a sorted set. A key of
// another type is an error, except for a client woken from blocking, which
// skips it as Redis 7.0 does.
func firstZSet(c *core.Ctx, keys [][]byte) ([]byte, *ZSet, error) {
	for _, k := range keys {
		z, err := getZSetW(c, k)
		if err != nil {
			if c.Woken() {
				continue
			}
			return nil, nil, err
		}
		if z != nil {
			return k, z, nil
		}
	}
	return nil, nil, nil
}

// bzpop is BZPOPMIN and BZPOPMAX: the first non-empty set in argument order
// is served; otherwise the client waits, first come first served.
func bzpop(c *core.Ctx, highest bool) error {
	timeout, err := core.ParseTimeout(c.Args[len(c.Args)-1])
	if err != nil {
		return err
	}
	keys := c.Args[1 : len(c.Args)-1]
	k, z, err := firstZSet(c, keys)
	if err != nil {
		return err
	}
	if z == nil {
		c.SetChanges(0)
		return c.Block(keys, timeout)
	}
	m, s := z.popOne(highest)
	c.WriteArray(3)
	c.WriteBulk(k)
	notify(c, popEvent(highest), k) // before the member, as Redis
	c.WriteBulk(m)
	c.WriteDouble(s)
	dropIfEmpty(c, k, z)
	// The pop it made, without blocking, as Redis 7.0 propagates it.
	c.Propagate(popCommand(highest), k)
	return nil
}

// popCommand is the non-blocking pop a blocking one propagates as.
func popCommand(highest bool) []byte {
	if highest {
		return []byte("ZPOPMAX")
	}
	return []byte("ZPOPMIN")
}

// zmpop is ZMPOP and BZMPOP; numIdx is the position of numkeys.
func zmpop(c *core.Ctx, numIdx int, blocking bool) error {
	var timeout time.Duration
	if blocking {
		t, err := core.ParseTimeout(c.Args[1])
		if err != nil {
			return err
		}
		timeout = t
	}
	n, ok := core.ParseInt(c.Args[numIdx])
	if !ok || n <= 0 {
		return errNumKeysPositive
	}
	if n >= int64(len(c.Args)) {
		return core.ErrSyntax
	}
	whereIdx := int64(numIdx) + n + 1
	if whereIdx >= int64(len(c.Args)) {
		return core.ErrSyntax
	}
	var highest bool
	switch w := c.Args[whereIdx]; {
	case core.EqualFold(w, "min"):
	case core.EqualFold(w, "max"):
		highest = true
	default:
		return core.ErrSyntax
	}
	count, err := core.TrailingCount(c.Args, int(whereIdx)+1, 1)
	if err != nil {
		return err
	}
	keys := c.Args[numIdx+1 : whereIdx]
	k, z, err := firstZSet(c, keys)
	if err != nil {
		return err
	}
	if z == nil {
		c.SetChanges(0)
		if blocking {
			return c.Block(keys, timeout)
		}
		c.WriteNullArray()
		return nil
	}
	m := int(min(count, int64(z.Len())))
	c.WriteArray(2)
	c.WriteBulk(k)
	c.WriteArray(m)
	notify(c, popEvent(highest), k) // before the elements, as Redis
	for i := 0; i < m; i++ {
		mem, s := z.popOne(highest)
		c.WriteArray(2)
		c.WriteBulk(mem)
		c.WriteDouble(s)
	}
	dropIfEmpty(c, k, z)
	c.SetChanges(int64(m))
	// ZMPOP and BZMPOP propagate the pop they made, with the count popped,
	// as Redis 7.0 does.
	c.Propagate(popCommand(highest), k, strconv.AppendInt(nil, int64(m), 10))
	return nil
}
