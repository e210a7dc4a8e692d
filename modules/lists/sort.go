package lists

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/redmod/redmod/core"
)

// SORT lives with lists because STORE builds a list. It reads other types
// only through small interfaces, so that this module imports no other:
// BY and GET patterns with "->field" read hashes through FieldGetter, and
// sets and sorted sets are sorted through core.Sortable.

// FieldGetter is implemented by the hash type: SORT's BY and GET patterns
// read hash fields through it.
type FieldGetter interface {
	GetField(field []byte) ([]byte, bool)
}

func init() {
	args := []core.Arg{
		{Name: "key", Type: core.ArgKey},
		{Name: "pattern", Type: core.ArgPattern, Token: "BY", Optional: true, KeySpec: 1},
		{Name: "limit", Type: core.ArgBlock, Token: "LIMIT", Optional: true, Args: []core.Arg{
			{Name: "offset", Type: core.ArgInteger}, {Name: "count", Type: core.ArgInteger}}},
		{Name: "pattern", Type: core.ArgPattern, Token: "GET", Optional: true, Multiple: true, MultipleToken: true, KeySpec: 1},
		{Name: "order", Type: core.ArgOneOf, Optional: true, Args: []core.Arg{
			{Name: "asc", Type: core.ArgPureToken, Token: "ASC"}, {Name: "desc", Type: core.ArgPureToken, Token: "DESC"}}},
		{Name: "sorting", Type: core.ArgPureToken, Token: "ALPHA", Optional: true},
	}
	spec := core.Spec{
		Name: "sort", Arity: -2, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagMovableKeys,
		FirstKey: 1, LastKey: 1, Step: 1, ReportedKeys: sortKeys, KeyFlagsFor: sortKeyFlags,
		Categories: []string{"set", "sortedset", "dangerous"},
		KeySpecs: []core.KeySpec{
			{Flags: []string{"RO", "access"}, BeginIndex: 1, LastKey: 0, KeyStep: 1},
			{Notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort", Flags: []string{"RO", "access"}, Unknown: true},
			{Notes: "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array", Flags: []string{"OW", "update"}, Unknown: true},
		},
		Summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
		Syntax:  "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] [STORE destination]",
	}
	add(spec, func(c *core.Ctx) error { return sortCommand(c, false) })
	spec.Name, spec.Flags, spec.Since, spec.Args = "sort_ro", core.FlagReadOnly|core.FlagMovableKeys, "7.0.0", args
	spec.ReportedKeys, spec.KeyFlagsFor = nil, nil
	spec.KeySpecs = spec.KeySpecs[:2]
	spec.Summary = "Returns the sorted elements of a list, a set, or a sorted set."
	spec.Complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."
	add(spec, func(c *core.Ctx) error { return sortCommand(c, true) })
	// SORT is in Redis's generic group; add put it in "list".
	for _, cmd := range commands[len(commands)-2:] {
		cmd.Spec().Group = "generic"
	}
}

// sortKeys finds SORT's keys as Redis reports them: the sorted key and
// the argument after the last STORE, skipping the arguments of LIMIT, GET
// and BY (patterns, not keys).
func sortKeys(args [][]byte) []int {
	if len(args) < 2 {
		return nil
	}
	keys := []int{1}
	store := 0
	for i := 2; i < len(args); i++ {
		switch {
		case core.EqualFold(args[i], "limit"):
			i += 2
		case core.EqualFold(args[i], "get"), core.EqualFold(args[i], "by"):
			i++
		case core.EqualFold(args[i], "store") && i+1 < len(args):
			store = i + 1
		}
	}
	if store > 0 {
		keys = append(keys, store)
	}
	return keys
}

// sortKeyFlags tells the sorted key (RO access) from the STORE destination
// (OW update), as Redis's COMMAND GETKEYSANDFLAGS does.
func sortKeyFlags(_ [][]byte, i int) []string {
	if i == 1 {
		return []string{"RO", "access"}
	}
	return []string{"OW", "update"}
}

var errSortScore = core.NewError("ERR One or more scores can't be converted into double")

type sortItem struct {
	elem  []byte
	score float64
	by    []byte // ALPHA with BY: the value compared; nil when missing
}

func sortCommand(c *core.Ctx, readonly bool) error {
	var (
		desc, alpha, dontsort  bool
		limitStart, limitCount int64 = 0, -1
		storeKey, sortBy       []byte
		gets                   [][]byte
	)
	args := c.Args
	for j := 2; j < len(args); j++ {
		a, left := args[j], len(args)-j-1
		switch {
		case core.EqualFold(a, "asc"):
			desc = false
		case core.EqualFold(a, "desc"):
			desc = true
		case core.EqualFold(a, "alpha"):
			alpha = true
		case core.EqualFold(a, "limit") && left >= 2:
			var err error
			if limitStart, err = core.Int(args[j+1]); err != nil {
				return err
			}
			if limitCount, err = core.Int(args[j+2]); err != nil {
				return err
			}
			j += 2
		case !readonly && core.EqualFold(a, "store") && left >= 1:
			storeKey = args[j+1]
			j++
		case core.EqualFold(a, "by") && left >= 1:
			sortBy = args[j+1]
			// A pattern without '*' names no key per element: no sorting.
			dontsort = bytes.IndexByte(sortBy, '*') < 0
			j++
		case core.EqualFold(a, "get") && left >= 1:
			gets = append(gets, args[j+1])
			j++
		default:
			return core.ErrSyntax
		}
	}
	if !readonly {
		c.SetChanges(0)
	}

	var elems [][]byte
	native := true // the elements have an order of their own (list, sorted set)
	// Every lookup of SORT counts keyspace hits and misses, STORE or not,
	// as Redis's do.
	get := c.DB.Get
	switch v := c.DB.Get(args[1]).(type) {
	case nil:
	case core.Sortable:
		elems, native = v.SortElements()
	default:
		return core.ErrWrongType
	}
	if dontsort && !native && (storeKey != nil || c.FromScript()) {
		// A set has no stable order: what is stored, or returned to a
		// script, is sorted, as Redis does so that replicas agree.
		dontsort, alpha, sortBy = false, true, nil
	}

	n := int64(len(elems))
	start := max(limitStart, 0)
	end := n - 1
	if limitCount >= 0 {
		end = start + limitCount - 1
		if end < start { // overflow
			end = math.MaxInt64
		}
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}

	items := make([]sortItem, len(elems))
	for i, e := range elems {
		items[i].elem = e
	}
	if dontsort && native && desc {
		slices.Reverse(items)
	}
	if !dontsort {
		convErr := false
		for i := range items {
			it := &items[i]
			var by []byte
			if sortBy != nil {
				var ok bool
				if by, ok = lookupByPattern(get, sortBy, it.elem); !ok {
					continue
				}
			} else {
				by = it.elem
			}
			if alpha {
				if sortBy != nil {
					it.by = by
				}
			} else if f, ok := strtod(by); ok {
				it.score = f
			} else {
				convErr = true
			}
		}
		if convErr {
			return errSortScore
		}
		cmp := func(a, b sortItem) int {
			c := compareItems(&a, &b, alpha, sortBy != nil)
			if desc {
				return -c
			}
			return c
		}
		if alpha && sortBy != nil {
			// Only equal BY values compare equal: their elements keep
			// their order, as with the C library's (merge) sort Redis uses.
			slices.SortStableFunc(items, cmp)
		} else {
			// Ties are broken by the elements' bytes: equal items are
			// identical, so a faster unstable sort gives the same result.
			slices.SortFunc(items, cmp)
		}
	}
	if start > end {
		items = nil
	} else {
		items = items[start : end+1]
	}

	if storeKey == nil {
		per := max(len(gets), 1)
		c.WriteArray(len(items) * per)
		for _, it := range items {
			if c.ReplyTooBig() {
				break // the client is closed: stop building its reply
			}
			if len(gets) == 0 {
				c.WriteBulk(it.elem)
			}
			for _, g := range gets {
				if v, ok := lookupByPattern(get, g, it.elem); ok {
					c.WriteBulk(v)
				} else {
					c.WriteNull()
				}
			}
		}
		return nil
	}
	out := &List{}
	for _, it := range items {
		if len(gets) == 0 {
			out.PushBack(it.elem)
		}
		for _, g := range gets {
			v, _ := lookupByPattern(get, g, it.elem)
			// A string's bytes may later change in place (SETRANGE): the
			// stored list gets its own copy.
			out.PushBack(bytes.Clone(v))
		}
	}
	if out.Len() > 0 {
		c.DB.Set(storeKey, out)
		c.DB.Signal(storeKey)
		c.SetChanges(int64(out.Len()))
		c.Notify(core.NotifyList, "sortstore", storeKey)
	} else if c.DB.Delete(storeKey) {
		c.SetChanges(1)
		c.Notify(core.NotifyGeneric, "del", storeKey)
	}
	c.WriteInt(int64(out.Len()))
	return nil
}

// compareItems orders two elements as Redis's sortCompare does: numbers by
// score, ties broken by the elements' bytes; ALPHA by the BY values (a
// missing one first) or by the elements themselves.
func compareItems(a, b *sortItem, alpha, byPattern bool) int {
	if !alpha {
		switch {
		case a.score > b.score:
			return 1
		case a.score < b.score:
			return -1
		}
		return bytes.Compare(a.elem, b.elem)
	}
	if byPattern {
		switch {
		case a.by == nil && b.by == nil:
			return 0
		case a.by == nil:
			return -1
		case b.by == nil:
			return 1
		}
		return bytes.Compare(a.by, b.by)
	}
	return bytes.Compare(a.elem, b.elem)
}

// lookupByPattern resolves a BY or GET pattern for one element, as Redis's
// lookupKeyByPattern does: "#" is the element itself; the first '*' is
// replaced by the element to name a key, whose string value is used, or,
// with "->field" after the '*', the field of the hash at that key. A
// pattern without '*', a missing key or a key of another type gives nothing.
func lookupByPattern(get func([]byte) core.Value, pattern, elem []byte) ([]byte, bool) {
	if len(pattern) == 1 && pattern[0] == '#' {
		return elem, true
	}
	star := bytes.IndexByte(pattern, '*')
	if star < 0 {
		return nil, false
	}
	var field []byte
	rest := pattern[star+1:]
	if f := bytes.Index(rest, []byte("->")); f >= 0 && f+2 < len(rest) {
		field = rest[f+2:]
		rest = rest[:f]
	}
	key := make([]byte, 0, star+len(elem)+len(rest))
	key = append(append(append(key, pattern[:star]...), elem...), rest...)
	v := get(key)
	if v == nil {
		return nil, false
	}
	if field != nil {
		h, ok := v.(FieldGetter)
		if !ok || v.Type().Name != "hash" {
			return nil, false
		}
		return h.GetField(field)
	}
	if s, ok := v.(*core.String); ok {
		return s.B, true
	}
	return nil, false
}

// strtod reads a sort score as C's strtod does when the whole string (up to
// a NUL byte) must be used: leading blanks are skipped, hexadecimal and "inf" are accepted, the
// empty string is 0, and NaN or a value out of range fails.
func strtod(b []byte) (float64, bool) {
	// strtod reads a C string: a NUL byte ends it.
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	if s == "" {
		return 0, len(b) == 0
	}
	if strings.IndexByte(s, '_') >= 0 {
		return 0, false
	}
	body := strings.TrimLeft(s, "+-")
	if len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') && !strings.ContainsAny(body, "pP") {
		s += "p0" // strtod allows a hex float without a binary exponent; Go does not
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	// strtod reports ERANGE for a result below the normal range, which
	// Redis refuses; Go returns it quietly.
	if a := math.Abs(f); a != 0 && a < 0x1p-1022 || f == 0 && hasNonzeroMantissa(body) {
		return 0, false
	}
	return f, true
}

// hasNonzeroMantissa reports whether a number's digits before its exponent
// are not all zero, to tell a real 0 from an underflow.
func hasNonzeroMantissa(s string) bool {
	hex := len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
	if hex {
		s = s[2:]
	}
	for _, c := range s {
		switch {
		case !hex && (c == 'e' || c == 'E'), hex && (c == 'p' || c == 'P'):
			return false
		case c >= '1' && c <= '9', hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'):
			return true
		}
	}
	return false
}
