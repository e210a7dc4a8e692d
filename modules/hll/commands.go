package hll

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "pfadd", Arity: -2, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "insert"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		Summary:  "Adds the specified elements to the specified HyperLogLog.",
		Syntax:   "key [element [element ...]]",
	}, pfadd)
	add(core.Spec{
		Name: "pfcount", Arity: -2, Flags: core.FlagReadOnly | core.FlagMayReplicate, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []core.KeySpec{{Notes: "RW because it may change the internal representation of the key, and propagate to replicas",
			Flags: []string{"RW", "access"}, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
		Summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
		Syntax:  "key [key ...]",
	}, pfcount)
	add(core.Spec{
		Name: "pfmerge", Arity: -2, Flags: core.FlagWrite | core.FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []core.KeySpec{
			{Flags: []string{"RW", "access", "insert"}, BeginIndex: 1, LastKey: 0, KeyStep: 1},
			{Flags: []string{"RO", "access"}, BeginIndex: 2, LastKey: -1, KeyStep: 1},
		},
		Summary: "Merge N different HyperLogLogs into a single one.",
		Syntax:  "destkey sourcekey [sourcekey ...]",
	}, pfmerge)
	add(core.Spec{
		Name: "pfdebug", Arity: 3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagAdmin, FirstKey: 2, LastKey: 2, Step: 1,
		KeySpecs: []core.KeySpec{{Flags: []string{"RW", "access"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
		Summary:  "Internal commands for debugging HyperLogLog values",
		Syntax:   "subcommand key",
	}, pfdebug)
	add(core.Spec{
		Name: "pfselftest", Arity: 1, Flags: core.FlagAdmin,
		Summary: "An internal command for testing HyperLogLog values",
	}, pfselftest)
}

func pfadd(c *core.Ctx) error {
	key := c.Args[1]
	s, err := lookupHLL(c, key, true)
	if err != nil {
		return err
	}
	updated := 0
	if s == nil {
		s = core.NewString(newSparse())
		c.DB.Set(key, s)
		updated++
	}
	// Redis turns the value into a private raw string before changing it.
	s.MarkModified()
	maxBytes := 0
	if s.B[4] == encodingSparse {
		maxBytes = sparseMax(c)
	}
	for _, ele := range c.Args[2:] {
		b, r := addElement(s.B, ele, maxBytes)
		s.B = b
		switch r {
		case 1:
			updated++
		case -1:
			c.SetChanges(int64(updated))
			return errInvalidObj
		}
	}
	c.SetChanges(int64(updated))
	if updated > 0 {
		s.B[cacheByte] |= 0x80
		c.Notify(core.NotifyString, "pfadd", key)
		c.WriteInt(1)
	} else {
		c.WriteInt(0)
	}
	return nil
}

func pfcount(c *core.Ctx) error {
	if len(c.Args) > 2 {
		// Several keys: merge into raw registers (one byte each) and
		// estimate the union, leaving the keys as they are.
		var max [numRegisters]byte
		for _, key := range c.Args[1:] {
			s, err := lookupHLL(c, key, false)
			if err != nil {
				return err
			}
			if s != nil && !mergeInto(max[:], s.B) {
				return errInvalidObj
			}
		}
		c.WriteInt(int64(estimate(rawHistogram(max[:]))))
		return nil
	}
	s, err := lookupHLL(c, c.Args[1], false)
	if err != nil {
		return err
	}
	if s == nil {
		c.WriteInt(0)
		return nil
	}
	s.MarkModified()
	card, ok := cached(s.B)
	if !ok {
		h, valid := histogram(s.B)
		if !valid {
			return errInvalidObj
		}
		card = estimate(h)
		// The estimate is cached in the value, as Redis does: GET then
		// returns the same bytes.
		setCached(s.B, card)
		// The cache is a change to the string: caches of it are stale,
		// as Redis signals (without an event), and replicas and the
		// append-only file get the PFCOUNT that updates theirs.
		c.Touch(c.Args[1])
		c.PropagateVerbatim()
	}
	c.WriteInt(int64(card))
	return nil
}

func pfmerge(c *core.Ctx) error {
	var max [numRegisters]byte
	useDense := false
	for _, key := range c.Args[1:] {
		s, err := lookupHLL(c, key, false)
		if err != nil {
			return err
		}
		if s == nil {
			continue
		}
		if s.B[4] == encodingDense {
			useDense = true
		}
		if !mergeInto(max[:], s.B) {
			return errInvalidObj
		}
	}
	key := c.Args[1]
	s, err := lookupHLL(c, key, true)
	if err != nil {
		return err
	}
	if s == nil {
		s = core.NewString(newSparse())
		c.DB.Set(key, s)
	}
	s.MarkModified()
	if useDense {
		d, ok := toDense(s.B)
		if !ok {
			return errInvalidObj
		}
		s.B = d
	}
	maxBytes := sparseMax(c)
	for j, v := range max {
		if v == 0 {
			continue
		}
		if s.B[4] == encodingDense {
			denseSet(s.B[headerSize:], j, int(v))
		} else {
			s.B, _ = sparseSet(s.B, j, int(v), maxBytes)
		}
	}
	s.B[cacheByte] |= 0x80
	c.Notify(core.NotifyString, "pfadd", key)
	c.WriteOK()
	return nil
}

func pfdebug(c *core.Ctx) error {
	sub := c.Args[1]
	s, err := lookupHLL(c, c.Args[2], true)
	if err != nil {
		return err
	}
	if s == nil {
		return errNoKey
	}
	s.MarkModified()
	c.SetChanges(0)
	switch {
	case core.EqualFold(sub, "getreg"):
		if s.B[4] == encodingSparse {
			d, ok := toDense(s.B)
			if !ok {
				return errInvalidObj
			}
			s.B = d
			c.SetChanges(1)
		}
		r := s.B[headerSize:]
		c.WriteArray(numRegisters)
		for i := range numRegisters {
			c.WriteInt(int64(denseGet(r, i)))
		}
	case core.EqualFold(sub, "decode"):
		if s.B[4] != encodingSparse {
			return errNotSparse
		}
		var out strings.Builder
		b := s.B
		for p := headerSize; p < len(b); {
			switch op := b[p]; {
			case isZero(op):
				out.WriteString("z:" + strconv.Itoa(zeroLen(op)) + " ")
				p++
			case isXZero(op):
				out.WriteString("Z:" + strconv.Itoa(xzeroLen(b, p)) + " ")
				p += 2
			default:
				out.WriteString("v:" + strconv.Itoa(valValue(op)) + "," + strconv.Itoa(valLen(op)) + " ")
				p++
			}
		}
		c.WriteBulkString(strings.TrimRight(out.String(), " "))
	case core.EqualFold(sub, "encoding"):
		if s.B[4] == encodingSparse {
			c.WriteSimple("sparse")
		} else {
			c.WriteSimple("dense")
		}
	case core.EqualFold(sub, "todense"):
		converted := int64(0)
		if s.B[4] == encodingSparse {
			d, ok := toDense(s.B)
			if !ok {
				return errInvalidObj
			}
			s.B = d
			converted = 1
			c.SetChanges(1)
		}
		c.WriteInt(converted)
	default:
		return core.NewError("ERR Unknown PFDEBUG subcommand '" + string(sub) + "'")
	}
	return nil
}

// pfselftest checks the register packing and the estimator as Redis's
// PFSELFTEST does: random register values read back, then ten million
// elements added to a dense and a sparse HLL, whose estimates must agree
// and stay within the expected error at every power of ten.
func pfselftest(c *core.Ctx) error {
	if err := selfTest(sparseMax(c), 1000, 10000000); err != nil {
		return err
	}
	c.WriteOK()
	return nil
}

// selfTest is PFSELFTEST's work: cycles of random register values, then
// elements added to a dense and a sparse HLL.
func selfTest(maxBytes, cycles int, elements uint64) error {
	dense := make([]byte, denseSize)
	copy(dense, "HYLL")
	regs := dense[headerSize:]
	var want [numRegisters]byte
	for range cycles {
		for i := range numRegisters {
			v := byte(rand.IntN(registerMax + 1))
			want[i] = v
			denseSetReg(regs, i, int(v))
		}
		for i := range numRegisters {
			if got := denseGet(regs, i); got != int(want[i]) {
				return core.NewError("TESTFAILED Register " + strconv.Itoa(i) + " should be " +
					strconv.Itoa(int(want[i])) + " but is " + strconv.Itoa(got))
			}
		}
	}
	clear(regs)
	sp := newSparse()
	relerr := 1.04 / math.Sqrt(numRegisters)
	checkpoint := uint64(1)
	seed := rand.Uint64()
	var ele [8]byte
	for j := uint64(1); j <= elements; j++ {
		v := j ^ seed
		for k := range ele {
			ele[k] = byte(v >> (8 * k))
		}
		index, count := patLen(ele[:])
		denseSet(regs, index, count)
		sp, _ = addElement(sp, ele[:], maxBytes)
		if j != checkpoint {
			continue
		}
		if j < uint64(maxBytes/2) && sp[4] != encodingSparse {
			return core.NewError("TESTFAILED sparse encoding not used")
		}
		hd, _ := histogram(dense)
		hs, _ := histogram(sp)
		card := estimate(hd)
		if card != estimate(hs) {
			return core.NewError("TESTFAILED dense/sparse disagree")
		}
		abserr := int64(checkpoint) - int64(card)
		maxerr := int64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > maxerr {
			return core.NewError("TESTFAILED Too big error. card:" + strconv.FormatUint(checkpoint, 10) +
				" abserr:" + strconv.FormatInt(abserr, 10))
		}
		checkpoint *= 10
	}
	return nil
}
