package sets

import (
	"slices"

	"github.com/redmod/redmod/core"
)

func init() {
	ro, rw := core.FlagReadOnly, core.FlagWrite|core.FlagDenyOOM
	srcs := func(from int) core.KeySpec {
		return core.KeySpec{Flags: []string{"RO", "access"}, BeginIndex: from, LastKey: -1, KeyStep: 1}
	}
	dst := func(flag string) core.KeySpec {
		return core.KeySpec{Flags: []string{flag, "update"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}
	}
	storeArgs := []core.Arg{{Name: "destination", Type: core.ArgKey}, {Name: "key", Type: core.ArgKey, KeySpec: 1, Multiple: true}}
	interComplexity := "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
	unionComplexity := "O(N) where N is the total number of elements in all given sets."
	for _, op := range []struct {
		name, summary, complexity string
		op                        setOp
		dstFlag                   string
	}{
		{"sinter", "Intersect multiple sets", interComplexity, opInter, "RW"},
		{"sunion", "Add multiple sets", unionComplexity, opUnion, "OW"},
		{"sdiff", "Subtract multiple sets", unionComplexity, opDiff, "OW"},
	} {
		add(core.Spec{
			Name: op.name, Arity: -2, Flags: ro, FirstKey: 1, LastKey: -1, Step: 1,
			KeySpecs: []core.KeySpec{srcs(1)},
			Summary:  op.summary, Since: "1.0.0", Complexity: op.complexity,
			Args: []core.Arg{keysArg}, Tips: []string{"nondeterministic_output_order"},
		}, func(c *core.Ctx) error { return setOperation(c, op.op, nil, c.Args[1:]) })
		add(core.Spec{
			Name: op.name + "store", Arity: -3, Flags: rw, FirstKey: 1, LastKey: -1, Step: 1,
			KeySpecs: []core.KeySpec{dst(op.dstFlag), srcs(2)},
			Summary:  op.summary + " and store the resulting set in a key", Since: "1.0.0", Complexity: op.complexity,
			Args: storeArgs,
		}, func(c *core.Ctx) error { return setOperation(c, op.op, c.Args[1], c.Args[2:]) })
	}
	add(core.Spec{
		Name: "sintercard", Arity: -3, Flags: ro | core.FlagMovableKeys,
		KeySpecs: []core.KeySpec{{Flags: []string{"RO", "access"}, BeginIndex: 1, Keynum: true, KeynumIdx: 0, FirstKey: 1, KeyStep: 1}},
		Keys:     numKeys,
		Summary:  "Intersect multiple sets and return the cardinality of the result",
		Syntax:   "numkeys key [key ...] [LIMIT limit:integer]",
	}, sintercard)
}

// numKeys finds SINTERCARD's keys: args[1] is their number and they follow
// it. A bad count gives no keys; the command reports the error.
// storeEvents are the keyspace events of the STORE forms, by operation.
var storeEvents = [...]string{opInter: "sinterstore", opUnion: "sunionstore", opDiff: "sdiffstore"}

func numKeys(args [][]byte) []int {
	if len(args) < 2 {
		return nil
	}
	n, ok := core.ParseInt(args[1])
	if !ok || n <= 0 || n > int64(len(args)-2) {
		return nil
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = 2 + i
	}
	return idx
}

type setOp int

const (
	opInter setOp = iota
	opUnion
	opDiff
)

// lookupSets returns the sets at keys (nil for a missing key) and how many
// were missing; a key of another type anywhere is WRONGTYPE, as in Redis,
// which checks every key before computing anything.
func lookupSets(c *core.Ctx, keys [][]byte) ([]*Set, int, error) {
	sets := make([]*Set, len(keys))
	missing := 0
	for i, k := range keys {
		s, err := getSet(c, k)
		if err != nil {
			return nil, 0, err
		}
		if s == nil {
			missing++
		}
		sets[i] = s
	}
	return sets, missing, nil
}

// setOperation runs SINTER, SUNION, SDIFF and their STORE forms. The result
// is built as Redis builds it (an intset first, converted as members are
// added), so that it has Redis's encoding and, for integers, its order.
func setOperation(c *core.Ctx, op setOp, dstKey []byte, keys [][]byte) error {
	sets, missing, err := lookupSets(c, keys)
	if err != nil {
		return err
	}
	limit := maxIntset(c)
	result := NewIntset()
	switch op {
	case opInter:
		if missing == 0 {
			inter(sets, func(m []byte) bool {
				result.Add(m, limit)
				return true
			})
		}
	case opUnion:
		for _, s := range sets {
			if s != nil {
				s.Each(func(m []byte) bool {
					result.Add(m, limit)
					return true
				})
			}
		}
	case opDiff:
		if sets[0] != nil {
			sets[0].Each(func(m []byte) bool {
				for _, o := range sets[1:] {
					if o != nil && o.Contains(m) {
						return true
					}
				}
				result.Add(m, limit)
				return true
			})
		}
	}
	if dstKey == nil {
		writeMembers(c, result)
		return nil
	}
	// Redis replies before it announces (its order for a client
	// subscribed to its own keys' events).
	c.WriteInt(int64(result.Len()))
	if result.Len() > 0 {
		c.DB.Set(dstKey, result)
		c.Notify(core.NotifySet, storeEvents[op], dstKey)
	} else if !c.DB.Delete(dstKey) {
		c.SetChanges(0)
	} else {
		c.Notify(core.NotifyGeneric, "del", dstKey)
	}
	return nil
}

// inter calls fn for each member of the intersection of sets, none of them
// nil, walking the smallest, until fn returns false.
func inter(sets []*Set, fn func(m []byte) bool) {
	sorted := slices.Clone(sets)
	slices.SortStableFunc(sorted, func(a, b *Set) int { return a.Len() - b.Len() })
	sorted[0].Each(func(m []byte) bool {
		for _, o := range sorted[1:] {
			if o != sorted[0] && !o.Contains(m) {
				return true
			}
		}
		return fn(m)
	})
}

var (
	errNumKeys      = core.NewError("ERR numkeys should be greater than 0")
	errNumKeysCount = core.NewError("ERR Number of keys can't be greater than number of args")
	errLimit        = core.NewError("ERR LIMIT can't be negative")
)

func sintercard(c *core.Ctx) error {
	n, ok := core.ParseInt(c.Args[1])
	if !ok || n <= 0 {
		return errNumKeys
	}
	if n > int64(len(c.Args)-2) {
		return errNumKeysCount
	}
	keys := c.Args[2 : 2+n]
	limit := int64(0)
	for i := 2 + int(n); i < len(c.Args); i++ {
		if core.EqualFold(c.Args[i], "limit") && i+1 < len(c.Args) {
			l, ok := core.ParseInt(c.Args[i+1])
			if !ok || l < 0 {
				return errLimit
			}
			limit = l
			i++
			continue
		}
		return core.ErrSyntax
	}
	sets, missing, err := lookupSets(c, keys)
	if err != nil {
		return err
	}
	var count int64
	if missing == 0 {
		inter(sets, func([]byte) bool {
			count++
			return limit == 0 || count < limit
		})
	}
	c.WriteInt(count)
	return nil
}
