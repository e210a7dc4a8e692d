package hashes

import (
	"hash/maphash"
	"math"
	"math/rand/v2"

	"github.com/redmod/redmod/core"
)

func init() {
	ro, rw := core.FlagReadOnly, core.FlagWrite|core.FlagDenyOOM
	add(core.Spec{
		Name: "hexists", Arity: 3, Flags: ro | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		Summary: "Determines whether a field exists in a hash.",
		Syntax:  "key field", KeyFlags: []string{"RO"},
	}, hexists)
	add(core.Spec{
		Name: "hincrby", Arity: 4, Flags: rw | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		Summary:  "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
		Syntax:   "key field increment",
		KeyFlags: []string{"RW", "access", "update"},
	}, hincrby)
	add(core.Spec{
		Name: "hkeys", Arity: 2, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		Summary: "Returns all fields in a hash.",
		Syntax:  "key", Tips: []string{"nondeterministic_output_order"},
	}, func(c *core.Ctx) error { return hkeysVals(c, true) })
	add(core.Spec{
		Name: "hvals", Arity: 2, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		Summary: "Returns all values in a hash.",
		Syntax:  "key", Tips: []string{"nondeterministic_output_order"},
	}, func(c *core.Ctx) error { return hkeysVals(c, false) })
	add(core.Spec{
		Name: "hlen", Arity: 2, Flags: ro | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		Summary: "Returns the number of fields in a hash.",
		Syntax:  "key", KeyFlags: []string{"RO"},
	}, hlen)
	add(core.Spec{
		Name: "hmget", Arity: -3, Flags: ro | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		Summary: "Returns the values of all fields in a hash.",
		Syntax:  "key field [field ...]",
	}, hmget)
	add(core.Spec{
		Name: "hmset", Arity: -4, Flags: rw | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		KeyFlags: []string{"RW", "update"},
		Summary:  "Sets the values of multiple fields.",
		Syntax:   "key (field value) [(field value) ...]",
	}, hmset)
	add(core.Spec{
		Name: "hsetnx", Arity: 4, Flags: rw | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		Summary:  "Sets the value of a field in a hash only when the field doesn't exist.",
		Syntax:   "key field value",
		KeyFlags: []string{"RW", "insert"},
	}, hsetnx)
	add(core.Spec{
		Name: "hstrlen", Arity: 3, Flags: ro | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1, BorrowsArgs: true,
		Summary: "Returns the length of the value of a field.",
		Syntax:  "key field", KeyFlags: []string{"RO"},
	}, hstrlen)
	add(core.Spec{
		Name: "hrandfield", Arity: -2, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns one or more random fields from a hash.",
		Syntax:  "key [count [WITHVALUES]]",
		Tips:    []string{"nondeterministic_output"},
	}, hrandfield)
	add(core.Spec{
		Name: "hscan", Arity: -3, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Iterates over fields and values of a hash.",
		Syntax:  "key cursor [MATCH pattern] [COUNT count]",
		Tips:    []string{"nondeterministic_output"},
	}, hscan)
}

func hexists(c *core.Ctx) error {
	h, err := getHash(c, c.Args[1])
	if err != nil {
		return err
	}
	found := false
	if h != nil {
		_, found = h.Get(c.Args[2])
	}
	c.WriteInt(boolInt(found))
	return nil
}

// getOrCreate returns the hash at key, creating an empty one when the key is
// missing, for the commands that add fields.
func getOrCreate(c *core.Ctx, key []byte) (*Hash, error) {
	h, err := getHashW(c, key)
	if err != nil || h != nil {
		return h, err
	}
	h = &Hash{}
	c.DB.Set(key, h)
	return h, nil
}

func hincrby(c *core.Ctx) error {
	incr, err := core.Int(c.Args[3])
	if err != nil {
		return err
	}
	h, err := getOrCreate(c, c.Args[1])
	if err != nil {
		return err
	}
	var cur int64
	if v, ok := h.Get(c.Args[2]); ok {
		n, ok := core.ParseInt(v)
		if !ok {
			c.SetChanges(0)
			return core.ErrHashNotInteger
		}
		cur = n
	}
	if incr < 0 && cur < 0 && incr < math.MinInt64-cur || incr > 0 && cur > 0 && incr > math.MaxInt64-cur {
		c.SetChanges(0)
		return core.ErrOverflow
	}
	cur += incr
	h.Set(c.Args[2], core.FormatInt(cur))
	c.WriteInt(cur)
	c.Notify(core.NotifyHash, "hincrby", c.Args[1])
	return nil
}

func hkeysVals(c *core.Ctx, keys bool) error {
	h, err := getHash(c, c.Args[1])
	if err != nil {
		return err
	}
	if h == nil {
		c.WriteArray(0)
		return nil
	}
	c.WriteArray(h.Len())
	h.Each(func(f, v []byte) bool {
		if keys {
			c.WriteBulk(f)
		} else {
			c.WriteBulk(v)
		}
		return true
	})
	return nil
}

func hlen(c *core.Ctx) error {
	h, err := getHash(c, c.Args[1])
	if err != nil {
		return err
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	c.WriteInt(int64(n))
	return nil
}

func hmget(c *core.Ctx) error {
	h, err := getHash(c, c.Args[1])
	if err != nil {
		return err
	}
	c.WriteArray(len(c.Args) - 2)
	for _, f := range c.Args[2:] {
		if h != nil {
			if v, ok := h.Get(f); ok {
				c.WriteBulk(v)
				continue
			}
		}
		c.WriteNull()
	}
	return nil
}

func hmset(c *core.Ctx) error {
	if len(c.Args)%2 != 0 {
		return core.ErrArity(c.Name)
	}
	h, err := getOrCreate(c, c.Args[1])
	if err != nil {
		return err
	}
	for i := 2; i < len(c.Args); i += 2 {
		h.Set(c.Args[i], c.Args[i+1])
	}
	c.WriteOK()
	c.Notify(core.NotifyHash, "hset", c.Args[1])
	return nil
}

func hsetnx(c *core.Ctx) error {
	h, err := getOrCreate(c, c.Args[1])
	if err != nil {
		return err
	}
	if _, ok := h.Get(c.Args[2]); ok {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	h.Set(c.Args[2], c.Args[3])
	c.WriteInt(1)
	c.Notify(core.NotifyHash, "hset", c.Args[1])
	return nil
}

func hstrlen(c *core.Ctx) error {
	h, err := getHash(c, c.Args[1])
	if err != nil {
		return err
	}
	n := 0
	if h != nil {
		v, _ := h.Get(c.Args[2])
		n = len(v)
	}
	c.WriteInt(int64(n))
	return nil
}

// Errors of HRANDFIELD's count, with Redis's wording (its typo included).
var (
	errRandCountRange  = core.NewError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	errRandValuesRange = core.NewError("ERR value is out of range")
)

func hrandfield(c *core.Ctx) error {
	if len(c.Args) == 2 {
		h, err := getHash(c, c.Args[1])
		if err != nil {
			return err
		}
		if h == nil {
			c.WriteNull()
			return nil
		}
		c.WriteBulk(h.randomPair().field)
		return nil
	}
	l, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	if l == math.MinInt64 {
		return errRandCountRange
	}
	withValues := false
	switch {
	case len(c.Args) > 4 || len(c.Args) == 4 && !core.EqualFold(c.Args[3], "withvalues"):
		return core.ErrSyntax
	case len(c.Args) == 4:
		withValues = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			return errRandValuesRange
		}
	}
	h, err := getHash(c, c.Args[1])
	if err != nil {
		return err
	}
	if h == nil || l == 0 {
		c.WriteArray(0)
		return nil
	}
	size := h.Len()
	writePair := func(p pair) {
		if withValues {
			c.WritePair()
		}
		c.WriteBulk(p.field)
		if withValues {
			c.WriteBulk(p.value)
		}
	}
	header := func(n int) {
		if withValues {
			c.WritePairs(n)
		} else {
			c.WriteArray(n)
		}
	}
	switch {
	case l < 0 || l == 1:
		// Repeats allowed: independent picks.
		n := int(min(-l, math.MaxInt/4))
		if l == 1 {
			n = 1
		}
		header(n)
		if h.m != nil && n < size {
			// Fewer picks than fields: pick from the map directly rather
			// than copy it.
			for range n {
				writePair(h.randomPair())
			}
			break
		}
		pairs := h.pairList()
		for range n {
			writePair(pairs[rand.IntN(size)])
		}
	case int(l) >= size:
		// The whole hash, in its own order, as Redis replies.
		header(size)
		h.Each(func(f, v []byte) bool {
			writePair(pair{f, v})
			return true
		})
	case h.m != nil && int(l)*3 <= size:
		// Few distinct fields of a large hash: random picks, skipping
		// repeats, as Redis does when the count is small against the size.
		n := int(l)
		seen := make(map[string]bool, n)
		header(n)
		for len(seen) < n {
			p := h.randomPair()
			if !seen[string(p.field)] {
				seen[string(p.field)] = true
				writePair(p)
			}
		}
	default:
		// Distinct picks: the head of a partial Fisher-Yates shuffle.
		pairs := h.pairList()
		n := int(l)
		idx := make([]int, size)
		for i := range idx {
			idx[i] = i
		}
		header(n)
		for i := range n {
			j := i + rand.IntN(size-i)
			idx[i], idx[j] = idx[j], idx[i]
			writePair(pairs[idx[i]])
		}
	}
	return nil
}

func hscan(c *core.Ctx) error {
	cursor, err := core.ParseCursor(c.Args[2])
	if err != nil {
		return err
	}
	h, err := getHash(c, c.Args[1])
	if err != nil {
		return err
	}
	if h == nil {
		c.WriteScanReply(0, 0)
		return nil
	}
	opts, err := core.ParseScanOptions(c.Args[3:], false)
	if err != nil {
		return err
	}
	var out [][]byte
	next := uint64(0)
	if h.m == nil {
		// A small hash is returned whole in one call, as Redis does for a
		// listpack, whatever the cursor.
		h.Each(func(f, v []byte) bool {
			if opts.Matches(string(f)) {
				out = append(out, f, v)
			}
			return true
		})
	} else {
		var items []core.ScanItem[pair]
		h.m.All(func(f, v []byte) bool {
			if pos := fieldPos(f); pos >= cursor {
				items = append(items, core.ScanItem[pair]{Pos: pos, Item: pair{f, v}})
			}
			return true
		})
		hashSize := h.m.Len()
		// COUNT is a hint; returning at least an eighth of the hash per call
		// bounds a full iteration to a few passes over the fields.
		sel, nx, more := core.ScanSelect(items, cursor, max(opts.Count, hashSize/8))
		if more {
			next = nx
		}
		for _, it := range sel {
			if opts.Matches(string(it.Item.field)) {
				out = append(out, it.Item.field, it.Item.value)
			}
		}
	}
	c.WriteScanReply(next, len(out))
	for _, b := range out {
		c.WriteBulk(b)
	}
	return nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// posSeed seeds the positions of a large hash's fields for HSCAN cursors; it
// is fixed for the life of the process so that positions stay put.
var posSeed = maphash.MakeSeed()

// fieldPos is a field's HSCAN position. It is never 0, so that a cursor
// pointing at a field is never mistaken for the end of an iteration.
func fieldPos(f []byte) uint64 { return maphash.Bytes(posSeed, f) | 1 }
