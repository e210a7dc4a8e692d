package streams

import (
	"math"
	"slices"
	"strconv"

	"github.com/redmod/redmod/core"
)

var (
	errMaxLenNegative = core.NewError("ERR The MAXLEN argument must be >= 0.")
	errLimitNegative  = core.NewError("ERR The LIMIT argument must be >= 0.")
	errBothStrategies = core.NewError("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
	errLimitNoTrim    = core.NewError("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
	errLimitNoApprox  = core.NewError("ERR syntax error, LIMIT cannot be used without the special ~ option")
	errXTrimNoTrim    = core.NewError("ERR syntax error, XTRIM must be called with a trimming strategy")
	errXAddZero       = core.NewError("ERR The ID specified in XADD must be greater than 0-0")
	errXAddSmaller    = core.NewError("ERR The ID specified in XADD is equal or smaller than the target stream top item")
	errExhausted      = core.NewError("ERR The stream has exhausted the last possible ID, unable to add more items")
)

// addArgs are XADD's parsed options.
type addArgs struct {
	trimArgs
	noMkStream bool
	idGiven    bool
	seqGiven   bool
	id         ID
	// Positions of the arguments the propagated command rewrites: the
	// approximation's ~, the MAXLEN/MINID value, the LIMIT keyword (0: absent).
	approxIdx, valueIdx, limitIdx int
}

// parseAddOrTrim reads the options of XADD (xadd) or XTRIM from argument
// 2 on, as Redis does, and returns the index of XADD's ID argument.
func parseAddOrTrim(c *core.Ctx, xadd bool, maxEntries int) (addArgs, int, error) {
	var a addArgs
	limitGiven := false
	args := c.Args
	i := 2
	for ; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := args[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			return a.finish(xadd, limitGiven, i, maxEntries)
		case eq(opt, "maxlen") && more > 0:
			if a.strategy != trimNone {
				return a, 0, errBothStrategies
			}
			a.approx, a.approxIdx = false, 0
			if next := args[i+1]; more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				a.approx, a.approxIdx = next[0] == '~', i+1
				i++
			}
			a.valueIdx = i + 1
			n, err := parseInt(args[i+1])
			if err != nil {
				return a, 0, err
			}
			if n < 0 {
				return a, 0, errMaxLenNegative
			}
			a.maxLen = n
			a.strategy = trimMaxLen
			i++
		case eq(opt, "minid") && more > 0:
			if a.strategy != trimNone {
				return a, 0, errBothStrategies
			}
			a.approx, a.approxIdx = false, 0
			if next := args[i+1]; more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				a.approx, a.approxIdx = next[0] == '~', i+1
				i++
			}
			a.valueIdx = i + 1
			id, err := strictID(args[i+1])
			if err != nil {
				return a, 0, err
			}
			a.minID = id
			a.strategy = trimMinID
			i++
		case eq(opt, "limit") && more > 0:
			n, err := parseInt(args[i+1])
			if err != nil {
				return a, 0, err
			}
			if n < 0 {
				return a, 0, errLimitNegative
			}
			a.limit = n
			limitGiven = true
			a.limitIdx = i
			i++
		case xadd && eq(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			id, err := parseID(opt, 0, true, &a.seqGiven)
			if err != nil {
				return a, 0, err
			}
			a.id, a.idGiven = id, true
			return a.finish(xadd, limitGiven, i, maxEntries)
		default:
			return a, 0, core.ErrSyntax
		}
	}
	return a.finish(xadd, limitGiven, i, maxEntries)
}

func (a addArgs) finish(xadd, limitGiven bool, i, maxEntries int) (addArgs, int, error) {
	if a.limit != 0 && a.strategy == trimNone {
		return a, 0, errLimitNoTrim
	}
	if !xadd && a.strategy == trimNone {
		return a, 0, errXTrimNoTrim
	}
	if limitGiven {
		if !a.approx {
			return a, 0, errLimitNoApprox
		}
	} else if a.approx {
		a.limit = 100 * int64(maxEntries)
		if a.limit <= 0 || a.limit > 1000000 {
			a.limit = 1000000
		}
	} else {
		a.limit = 0
	}
	return a, i, nil
}

func xadd(c *core.Ctx) error {
	maxBytes, maxEntries := nodeLimits(c)
	a, idPos, err := parseAddOrTrim(c, true, maxEntries)
	if err != nil {
		return err
	}
	fv := c.Args[idPos+1:]
	if len(fv) < 2 || len(fv)%2 == 1 {
		return core.ErrArity(c.Name)
	}
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		return errXAddZero
	}
	key := c.Args[1]
	s, err := getStreamW(c, key)
	if err != nil {
		return err
	}
	created := false
	if s == nil {
		if a.noMkStream {
			c.SetChanges(0)
			c.WriteNull()
			return nil
		}
		s = &Stream{}
		created = true
	}
	if s.lastID == maxID {
		return errExhausted
	}
	var id ID
	switch {
	case !a.idGiven:
		id = nextID(s.lastID, c.Now())
	case a.seqGiven:
		id = a.id
	case s.lastID.Ms == a.id.Ms:
		if s.lastID.Seq == math.MaxUint64 {
			return errXAddSmaller
		}
		id = ID{a.id.Ms, s.lastID.Seq + 1}
	default:
		id = a.id
	}
	if !s.lastID.Less(id) {
		return errXAddSmaller
	}
	if created {
		c.DB.Set(key, s)
	}
	s.add(id, fv, maxBytes, maxEntries)
	writeID(c, id)
	c.Notify(core.NotifyStream, "xadd", key)
	if s.trim(a.trimArgs) > 0 {
		c.Notify(core.NotifyStream, "xtrim", key)
	}
	c.DB.Signal(key)
	if (!a.idGiven || !a.seqGiven || a.approx) && c.Propagating() {
		args := slices.Clone(c.Args)
		if !a.idGiven || !a.seqGiven {
			// The ID the server chose, as Redis 7.0 propagates it.
			args[idPos] = id.Append(nil)
		}
		c.Propagate(exactTrim(args, a, s)...)
	}
	return nil
}

// exactTrim rewrites the arguments of an XADD or XTRIM that trimmed
// approximately into an exact trim to the result (MAXLEN = the length left,
// MINID = the first ID left), as Redis 7.0 propagates it: where the
// approximation stops depends on the node sizes, which a replica or a
// reloaded file need not share. Unlike Redis 7.0, LIMIT is dropped too:
// with = it would be refused on replay.
func exactTrim(args [][]byte, a addArgs, s *Stream) [][]byte {
	if !a.approx {
		return args
	}
	args[a.approxIdx] = []byte("=")
	switch {
	case a.strategy == trimMaxLen:
		args[a.valueIdx] = strconv.AppendUint(nil, s.length, 10)
	case s.length > 0:
		args[a.valueIdx] = s.edge(false).Append(nil)
	}
	if a.limitIdx > 0 {
		args = slices.Delete(args, a.limitIdx, a.limitIdx+2)
	}
	return args
}

// nextID is the ID XADD * generates: the current millisecond, or the
// last ID's plus one when the clock has not moved past it.
func nextID(last ID, now int64) ID {
	if now > 0 && uint64(now) > last.Ms {
		return ID{uint64(now), 0}
	}
	id, _ := last.next()
	return id
}

func xlen(c *core.Ctx) error {
	s, err := getStream(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil {
		c.WriteInt(0)
		return nil
	}
	c.WriteInt(int64(s.length))
	return nil
}

func xrange(c *core.Ctx) error    { return rangeGeneric(c, false) }
func xrevrange(c *core.Ctx) error { return rangeGeneric(c, true) }

func rangeGeneric(c *core.Ctx, rev bool) error {
	startArg, endArg := c.Args[2], c.Args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, err := parseRangeID(startArg, 0, true)
	if err != nil {
		return err
	}
	end, err := parseRangeID(endArg, math.MaxUint64, false)
	if err != nil {
		return err
	}
	count := int64(-1)
	for j := 4; j < len(c.Args); j++ {
		if eq(c.Args[j], "count") && j+1 < len(c.Args) {
			n, err := parseInt(c.Args[j+1])
			if err != nil {
				return err
			}
			count = max(n, 0)
			j++
			continue
		}
		return core.ErrSyntax
	}
	s, err := getStream(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil {
		c.WriteArray(0)
		return nil
	}
	if count == 0 {
		c.WriteNullArray()
		return nil
	}
	writeRange(c, s, start, end, count, rev)
	return nil
}

// writeRange replies with the entries in [start, end], at most count of
// them when count > 0.
func writeRange(c *core.Ctx, s *Stream, start, end ID, count int64, rev bool) {
	var ids []ID
	n := int64(0)
	// The entries are written after counting them: the array header comes
	// first. Collect the IDs, then write from the stream again in one pass.
	s.scan(start, end, rev, func(id ID, fv [][]byte) bool {
		ids = append(ids, id)
		n++
		return count <= 0 || n < count
	})
	c.WriteArray(len(ids))
	if len(ids) == 0 {
		return
	}
	i := 0
	s.scan(start, end, rev, func(id ID, fv [][]byte) bool {
		writeEntry(c, id, fv)
		i++
		return i < len(ids)
	})
}

func xdel(c *core.Ctx) error {
	key := c.Args[1]
	s, err := getStreamW(c, key)
	if err != nil {
		return err
	}
	if s == nil {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	ids := make([]ID, 0, len(c.Args)-2)
	for _, a := range c.Args[2:] {
		id, err := strictID(a)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	deleted := 0
	for _, id := range ids {
		if s.delete(id) {
			if s.maxDeleted.Less(id) {
				s.maxDeleted = id
			}
			deleted++
		}
	}
	if deleted > 0 {
		if s.length == 0 {
			s.firstID = ID{}
		}
		c.Notify(core.NotifyStream, "xdel", key)
	}
	c.SetChanges(int64(deleted))
	c.WriteInt(int64(deleted))
	return nil
}

func xtrim(c *core.Ctx) error {
	key := c.Args[1]
	_, maxEntries := nodeLimits(c)
	a, _, err := parseAddOrTrim(c, false, maxEntries)
	if err != nil {
		return err
	}
	s, err := getStreamW(c, key)
	if err != nil {
		return err
	}
	if s == nil {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	n := s.trim(a.trimArgs)
	if n > 0 {
		c.Notify(core.NotifyStream, "xtrim", key)
		if a.approx && c.Propagating() {
			c.Propagate(exactTrim(slices.Clone(c.Args), a, s)...)
		}
	}
	c.SetChanges(n)
	c.WriteInt(n)
	return nil
}

var (
	errEntriesAddedNegative = core.NewError("ERR entries_added must be positive")
	errSetIDMaxDeleted      = core.NewError("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
	errSetIDSmaller         = core.NewError("ERR The ID specified in XSETID is smaller than the target stream top item")
	errSetIDEntriesAdded    = core.NewError("ERR The entries_added specified in XSETID is smaller than the target stream length")
)

func xsetid(c *core.Ctx) error {
	id, err := strictID(c.Args[2])
	if err != nil {
		return err
	}
	entriesAdded := int64(-1)
	var maxDel ID
	for i := 3; i < len(c.Args); i += 2 {
		more := len(c.Args) - 1 - i
		switch {
		case eq(c.Args[i], "entriesadded") && more > 0:
			n, err := parseInt(c.Args[i+1])
			if err != nil {
				return err
			}
			if n < 0 {
				return errEntriesAddedNegative
			}
			entriesAdded = n
		case eq(c.Args[i], "maxdeletedid") && more > 0:
			m, err := strictID(c.Args[i+1])
			if err != nil {
				return err
			}
			if id.Less(m) {
				return errSetIDMaxDeleted
			}
			maxDel = m
		default:
			return core.ErrSyntax
		}
	}
	s, err := getStreamW(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil {
		return errNoSuchKey
	}
	// Redis 7.0 checks the current top item only when the stream has
	// entries, and never the current max_deleted_entry_id (an ID below the
	// last deleted one is accepted, as redis-server 7.0.15 does).
	if s.length > 0 {
		if id.Less(s.edge(true)) {
			return errSetIDSmaller
		}
		if entriesAdded != -1 && s.length > uint64(entriesAdded) {
			return errSetIDEntriesAdded
		}
	}
	s.lastID = id
	if entriesAdded != -1 {
		s.entriesAdded = uint64(entriesAdded)
	}
	if !maxDel.IsZero() {
		s.maxDeleted = maxDel
	}
	c.WriteOK()
	c.Notify(core.NotifyStream, "xsetid", c.Args[1])
	return nil
}
