package zsets

import (
	"math"
	"sort"

	"github.com/redmod/redmod/core"
)

func init() {
	add("zunion", func(c *core.Ctx) error { return zsetOp(c, opUnion, false) }, func(a [][]byte) []int { return core.NumKeys(a, 1) })
	add("zinter", func(c *core.Ctx) error { return zsetOp(c, opInter, false) }, func(a [][]byte) []int { return core.NumKeys(a, 1) })
	add("zdiff", func(c *core.Ctx) error { return zsetOp(c, opDiff, false) }, func(a [][]byte) []int { return core.NumKeys(a, 1) })
	add("zunionstore", func(c *core.Ctx) error { return zsetOp(c, opUnion, true) }, storeKeys)
	add("zinterstore", func(c *core.Ctx) error { return zsetOp(c, opInter, true) }, storeKeys)
	add("zdiffstore", func(c *core.Ctx) error { return zsetOp(c, opDiff, true) }, storeKeys)
	add("zintercard", zintercard, func(a [][]byte) []int { return core.NumKeys(a, 1) })
}

// storeKeys finds the keys of ZUNIONSTORE and friends: the destination and
// the numkeys sources after it.
func storeKeys(args [][]byte) []int {
	return append([]int{1}, core.NumKeys(args, 2)...)
}

type setOp int

const (
	opUnion setOp = iota
	opInter
	opDiff
)

type aggregate int

const (
	aggSum aggregate = iota
	aggMin
	aggMax
)

var (
	errWeight        = core.NewError("ERR weight value is not a float")
	errLimitNegative = core.NewError("ERR LIMIT can't be negative")
)

func errAtLeastOneKey(name string) error {
	return core.NewError("ERR at least 1 input key is needed for '" + name + "' command")
}

func (a aggregate) apply(cur, v float64) float64 {
	// Comparisons, not math.Min/Max: a NaN value leaves the score as is.
	switch a {
	case aggMin:
		if v < cur {
			return v
		}
		return cur
	case aggMax:
		if v > cur {
			return v
		}
		return cur
	}
	s := cur + v
	if math.IsNaN(s) {
		return 0 // inf + -inf, as Redis does
	}
	return s
}

// source is one input of a set operation: a sorted set (nil when the key is
// missing) and its weight.
type source struct {
	z      *ZSet
	weight float64
}

func (s *source) len() int {
	if s.z == nil {
		return 0
	}
	return s.z.Len()
}

// loadSources reads the numkeys input keys that start at first, checking
// their types before anything is computed, as Redis does.
func loadSources(c *core.Ctx, keys [][]byte, write bool) ([]source, error) {
	srcs := make([]source, len(keys))
	for i, k := range keys {
		var v core.Value
		if write {
			v = c.DB.GetForWrite(k)
		} else {
			v = c.DB.Get(k)
		}
		z, err := asZSet(v)
		if err != nil {
			return nil, err
		}
		srcs[i] = source{z: z, weight: 1}
	}
	return srcs, nil
}

// asZSet returns a value as a sorted set: a sorted set itself, or a set
// (of any module implementing Redis's set) whose members all score 1, as
// Redis's ZUNION and friends read sets.
func asZSet(v core.Value) (*ZSet, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *ZSet:
		return x, nil
	case core.NativeValue:
		if x.Type().Native == nil || x.Type().Native.Kind != core.NativeSet {
			break
		}
		content := x.NativeContent()
		z := newZSet(content.Len, 0)
		z.toTree(content.Len)
		for m := range content.Elements {
			z.add(m, 1)
		}
		return z, nil
	}
	return nil, core.ErrWrongType
}

func weighted(s, w float64) float64 {
	v := s * w
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// compute runs a set operation and returns the result as member → score
// plus the members in no particular order.
func compute(op setOp, agg aggregate, srcs []source) (map[string]float64, []string) {
	out := map[string]float64{}
	var order []string
	if op != opDiff {
		// Redis visits the inputs from the smallest (a stable sort), which
		// decides the result when infinities of both signs meet.
		srcs = append([]source(nil), srcs...)
		sort.SliceStable(srcs, func(i, j int) bool { return srcs[i].len() < srcs[j].len() })
	}
	switch op {
	case opUnion:
		for _, src := range srcs {
			if src.z == nil {
				continue
			}
			src.z.Ascend(0, func(m []byte, s float64) bool {
				v := weighted(s, src.weight)
				if cur, ok := out[string(m)]; ok {
					out[string(m)] = agg.apply(cur, v)
				} else {
					k := string(m)
					out[k] = v
					order = append(order, k)
				}
				return true
			})
		}
	case opInter:
		sorted := srcs
		if sorted[0].len() == 0 {
			return out, nil
		}
		first := sorted[0]
		first.z.Ascend(0, func(m []byte, s float64) bool {
			v := weighted(s, first.weight)
			for _, o := range sorted[1:] {
				os, ok := o.z.Score(m)
				if !ok {
					return true
				}
				v = agg.apply(v, os*o.weight)
			}
			k := string(m)
			out[k] = v
			order = append(order, k)
			return true
		})
	case opDiff:
		if srcs[0].z == nil {
			return out, nil
		}
		srcs[0].z.Ascend(0, func(m []byte, s float64) bool {
			for _, o := range srcs[1:] {
				if o.z == nil {
					continue
				}
				if _, ok := o.z.Score(m); ok {
					return true
				}
			}
			k := string(m)
			out[k] = s
			order = append(order, k)
			return true
		})
	}
	return out, order
}

// zsetOp is ZUNION, ZINTER, ZDIFF and their STORE forms.
func zsetOp(c *core.Ctx, op setOp, store bool) error {
	numIdx := 1
	if store {
		numIdx = 2
	}
	n, err := core.Int(c.Args[numIdx])
	if err != nil {
		return err
	}
	if n < 1 {
		return errAtLeastOneKey(c.Name)
	}
	if n > int64(len(c.Args)-numIdx-1) {
		return core.ErrSyntax
	}
	keys := c.Args[numIdx+1 : numIdx+1+int(n)]
	srcs, err := loadSources(c, keys, store)
	if err != nil {
		return err
	}
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = 1
	}
	agg := aggSum
	withScores := false
	for j := numIdx + 1 + int(n); j < len(c.Args); j++ {
		left := len(c.Args) - j - 1
		a := c.Args[j]
		switch {
		case op != opDiff && left >= int(n) && core.EqualFold(a, "weights"):
			for i := range weights {
				j++
				w, ok := parseStrictFloat(c.Args[j])
				if !ok {
					return errWeight
				}
				weights[i] = w
			}
		case op != opDiff && left >= 1 && core.EqualFold(a, "aggregate"):
			j++
			switch b := c.Args[j]; {
			case core.EqualFold(b, "sum"):
				agg = aggSum
			case core.EqualFold(b, "min"):
				agg = aggMin
			case core.EqualFold(b, "max"):
				agg = aggMax
			default:
				return core.ErrSyntax
			}
		case !store && core.EqualFold(a, "withscores"):
			withScores = true
		default:
			return core.ErrSyntax
		}
	}
	for i := range srcs {
		srcs[i].weight = weights[i]
	}
	scores, members := compute(op, agg, srcs)
	result := buildZSet(scores, members, store)
	if store {
		dst := c.Args[1]
		// Redis replies before it announces (its order for a client
		// subscribed to its own keys' events).
		c.WriteInt(int64(result.Len()))
		storeResult(c, dst, result, [...]string{"zunionstore", "zinterstore", "zdiffstore"}[op])
		return nil
	}
	writeRangeHeader(c, result.Len(), withScores)
	result.Ascend(0, func(m []byte, s float64) bool {
		writeMember(c, m, s, withScores)
		return true
	})
	return nil
}

// buildZSet makes a sorted set of the given members: in the form Redis
// would choose for it when it is stored, in the large form otherwise (as
// Redis computes a reply, which keeps a -0 score).
func buildZSet(scores map[string]float64, members []string, store bool) *ZSet {
	maxLen := 0
	for _, m := range members {
		maxLen = max(maxLen, len(m))
	}
	z := newZSet(len(members), maxLen)
	if !store {
		z.toTree(len(members))
	}
	if z.t != nil {
		for _, m := range members {
			z.dictAdd(bytesOf(m), scores[m])
			z.t.insert(item{member: m, score: scores[m]})
		}
		return z
	}
	items := make([]item, len(members))
	for i, m := range members {
		items[i] = item{member: m, score: scores[m]}
	}
	sort.Slice(items, func(i, j int) bool { return less(&items[i], &items[j]) })
	for _, it := range items {
		z.lp = appendEntry(z.lp, bytesOf(it.member), it.score)
	}
	z.n = len(items)
	return z
}

func zintercard(c *core.Ctx) error {
	n, ok := core.ParseInt(c.Args[1])
	if !ok {
		return core.ErrNotInteger
	}
	if n < 1 {
		return errAtLeastOneKey(c.Name)
	}
	if n > int64(len(c.Args)-2) {
		return core.ErrSyntax
	}
	keys := c.Args[2 : 2+n]
	srcs, err := loadSources(c, keys, false)
	if err != nil {
		return err
	}
	limit := int64(0)
	for j := 2 + int(n); j < len(c.Args); j++ {
		if core.EqualFold(c.Args[j], "limit") && j+1 < len(c.Args) {
			j++
			l, ok := core.ParseInt(c.Args[j])
			if !ok || l < 0 {
				return errLimitNegative
			}
			limit = l
			continue
		}
		return core.ErrSyntax
	}
	sort.SliceStable(srcs, func(i, j int) bool { return srcs[i].len() < srcs[j].len() })
	count := int64(0)
	if srcs[0].len() > 0 {
		srcs[0].z.Ascend(0, func(m []byte, _ float64) bool {
			for _, o := range srcs[1:] {
				if _, ok := o.z.Score(m); !ok {
					return true
				}
			}
			count++
			return limit == 0 || count < limit
		})
	}
	c.WriteInt(count)
	return nil
}
