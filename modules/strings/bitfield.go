package strings

import (
	"bytes"

	"github.com/redmod/redmod/core"
)

var (
	errBitfieldType = core.NewError("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
	errOverflowType = core.NewError("ERR Invalid OVERFLOW type specified")
	errBitfieldRO   = core.NewError("ERR BITFIELD_RO only supports the GET subcommand")
)

// bitfieldKeyFlags resolves BITFIELD's variable key flags: only GET
// operations read the key (RO access); any SET or INCRBY writes it.
func bitfieldKeyFlags(args [][]byte, _ int) []string {
	for i := 2; i < len(args); i++ {
		switch {
		case core.EqualFold(args[i], "get"):
			i += 2
		case core.EqualFold(args[i], "set"), core.EqualFold(args[i], "incrby"):
			return []string{"RW", "access", "update"}
		case core.EqualFold(args[i], "overflow"):
			i++
		}
	}
	return []string{"RO", "access"}
}

func init() {
	addBitmap(core.Spec{
		Name: "bitfield", Arity: -2, Flags: core.FlagWrite | core.FlagDenyOOM,
		FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []core.KeySpec{{Notes: "This command allows both access and modification of the key",
			Flags: []string{"RW", "access", "update", "variable_flags"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}}, KeyFlagsFor: bitfieldKeyFlags,
		Summary: "Perform arbitrary bitfield integer operations on strings",
		Syntax:  "key [((GET encoding offset)|([OVERFLOW (WRAP|SAT|FAIL)] ((SET encoding offset value:integer)|(INCRBY encoding offset increment)))) [((GET encoding offset)|([OVERFLOW (WRAP|SAT|FAIL)] ((SET encoding offset value:integer)|(INCRBY encoding offset increment)))) ...]]",
	}, func(c *core.Ctx) error { return bitfield(c, false) })
	addBitmap(core.Spec{
		Name: "bitfield_ro", Arity: -2, Flags: core.FlagReadOnly | core.FlagFast,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
		Syntax:  "key [(GET encoding offset) [(GET encoding offset) ...]]",
	}, func(c *core.Ctx) error { return bitfield(c, true) })
}

// Operations of BITFIELD.
const (
	bfGet = iota
	bfSet
	bfIncrBy
)

// Overflow behaviours of BITFIELD's SET and INCRBY.
const (
	bfWrap = iota
	bfSat
	bfFail
)

type bitfieldOp struct {
	op       int
	overflow int
	signed   bool
	bits     uint
	offset   uint64
	value    int64 // SET's value or INCRBY's increment
}

// bitfieldType parses "i1".."i64" or "u1".."u63" (the sign letter is case
// sensitive, as in Redis).
func bitfieldType(a []byte) (signed bool, bits uint, err error) {
	if len(a) == 0 || a[0] != 'i' && a[0] != 'u' {
		return false, 0, errBitfieldType
	}
	signed = a[0] == 'i'
	num := a[1:]
	if i := bytes.IndexByte(num, 0); i >= 0 {
		num = num[:i] // Redis reads the width as a C string
	}
	n, ok := core.ParseInt(num)
	if !ok || n < 1 || signed && n > 64 || !signed && n > 63 {
		return false, 0, errBitfieldType
	}
	return signed, uint(n), nil
}

// bitfieldOffset parses an offset in bits, or "#N" meaning N times the
// field's width; like Redis, the product wraps around on overflow (and is
// then refused as negative or too large).
func bitfieldOffset(c *core.Ctx, a []byte, bits uint) (uint64, error) {
	hash := len(a) > 0 && a[0] == '#'
	if hash {
		a = a[1:]
	}
	n, ok := core.ParseInt(a)
	if !ok {
		return 0, errBitOffset
	}
	if hash {
		n *= int64(bits)
	}
	if n < 0 || n>>3 >= maxStringLen(c, n>>3) {
		return 0, errBitOffset
	}
	return uint64(n), nil
}

func bitfield(c *core.Ctx, readOnlyCmd bool) error {
	var ops []bitfieldOp
	overflow := bfWrap
	readOnly := true
	var highest uint64
	args := c.Args
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		sub := args[j]
		var op int
		switch {
		case core.EqualFold(sub, "get") && rem >= 2:
			op = bfGet
		case core.EqualFold(sub, "set") && rem >= 3:
			op = bfSet
		case core.EqualFold(sub, "incrby") && rem >= 3:
			op = bfIncrBy
		case core.EqualFold(sub, "overflow") && rem >= 1:
			j++
			switch kind := args[j]; {
			case core.EqualFold(kind, "wrap"):
				overflow = bfWrap
			case core.EqualFold(kind, "sat"):
				overflow = bfSat
			case core.EqualFold(kind, "fail"):
				overflow = bfFail
			default:
				return errOverflowType
			}
			continue
		default:
			return core.ErrSyntax
		}
		signed, bits, err := bitfieldType(args[j+1])
		if err != nil {
			return err
		}
		offset, err := bitfieldOffset(c, args[j+2], bits)
		if err != nil {
			return err
		}
		o := bitfieldOp{op: op, overflow: overflow, signed: signed, bits: bits, offset: offset}
		if op != bfGet {
			readOnly = false
			highest = max(highest, offset+uint64(bits)-1)
			if o.value, err = core.Int(args[j+3]); err != nil {
				return err
			}
			j++
		}
		ops = append(ops, o)
		j += 2
	}

	var p []byte
	var s *core.String
	changes := int64(0)
	grown := false // the key was created or lengthened
	if readOnly {
		var err error
		if s, err = getString(c, args[1]); err != nil {
			return err
		}
		if s != nil {
			p = s.B
		}
		c.SetChanges(0)
	} else {
		if readOnlyCmd {
			return errBitfieldRO
		}
		var err error
		if s, err = getStringForWrite(c, args[1]); err != nil {
			return err
		}
		need := int(highest>>3) + 1
		dirty := false
		if s == nil {
			s = core.NewString(make([]byte, need))
			c.DB.Set(args[1], s)
			dirty = true
		} else if need > len(s.B) {
			s.B = growZero(s.B, need)
			dirty = true
		}
		s.MarkModified() // Redis unshares the value into a raw string
		p = s.B
		grown = dirty
	}

	c.WriteArray(len(ops))
	for _, o := range ops {
		if o.op == bfGet {
			// Read through a zero-padded copy: fields may run past the end.
			var buf [9]byte
			byteIdx := o.offset >> 3
			if byteIdx < uint64(len(p)) {
				copy(buf[:], p[byteIdx:])
			}
			v := getBits(buf[:], o.offset-byteIdx*8, o.bits)
			if o.signed {
				c.WriteInt(signExtend(v, o.bits))
			} else {
				c.WriteInt(int64(v))
			}
			continue
		}
		old := getBits(p, o.offset, o.bits)
		var newVal, ret uint64
		var over bool
		if o.signed {
			oldS := signExtend(old, o.bits)
			var wrapped int64
			if o.op == bfIncrBy {
				over, wrapped = signedOverflow(oldS, o.value, o.bits, o.overflow)
				n := oldS + o.value
				if over {
					n = wrapped
				}
				newVal, ret = uint64(n), uint64(n)
			} else {
				n := o.value
				over, wrapped = signedOverflow(n, 0, o.bits, o.overflow)
				if over {
					n = wrapped
				}
				newVal, ret = uint64(n), uint64(oldS)
			}
		} else {
			var wrapped uint64
			if o.op == bfIncrBy {
				newVal = old + uint64(o.value)
				over, wrapped = unsignedOverflow(old, o.value, o.bits, o.overflow)
				if over {
					newVal = wrapped
				}
				ret = newVal
			} else {
				newVal = uint64(o.value)
				over, wrapped = unsignedOverflow(newVal, 0, o.bits, o.overflow)
				if over {
					newVal = wrapped
				}
				ret = old
			}
		}
		if over && o.overflow == bfFail {
			c.WriteNull()
			continue
		}
		c.WriteInt(int64(ret))
		setBits(p, o.offset, o.bits, newVal)
		// As Redis counts them: every write of a created or lengthened
		// key is a change, otherwise only those that change the field.
		if grown || old != newVal&fieldMask(o.bits) {
			changes++
		}
	}
	if !readOnly {
		c.SetChanges(changes)
		if changes > 0 {
			c.Notify(core.NotifyString, "setbit", args[1])
		}
	}
	return nil
}

// fieldMask has the low bits bits set.
func fieldMask(bits uint) uint64 {
	if bits >= 64 {
		return ^uint64(0)
	}
	return 1<<bits - 1
}

// getBits reads the bits-wide unsigned field at bit offset off (bit 0 is the
// most significant bit of the first byte, as SETBIT numbers them).
func getBits(p []byte, off uint64, bits uint) uint64 {
	var v uint64
	for j := uint(0); j < bits; j++ {
		v = v<<1 | uint64(p[off>>3]>>(7-off&7)&1)
		off++
	}
	return v
}

// setBits writes the low bits bits of v at bit offset off.
func setBits(p []byte, off uint64, bits uint, v uint64) {
	for j := uint(0); j < bits; j++ {
		bit := byte(v>>(bits-1-j)) & 1
		shift := 7 - off&7
		p[off>>3] = p[off>>3]&^(1<<shift) | bit<<shift
		off++
	}
}

// signExtend reads a bits-wide field as a two's complement number.
func signExtend(v uint64, bits uint) int64 {
	if bits < 64 && v&(1<<(bits-1)) != 0 {
		v |= ^uint64(0) << bits
	}
	return int64(v)
}

// unsignedOverflow reports whether value+incr leaves the range of a
// bits-wide unsigned field and, for WRAP and SAT, the value to store
// instead, with the same arithmetic as Redis's
// checkUnsignedBitfieldOverflow.
func unsignedOverflow(value uint64, incr int64, bits uint, behaviour int) (bool, uint64) {
	maxV := fieldMask(bits)
	maxIncr := int64(maxV - value)
	minIncr := -int64(value)
	wrap := func() uint64 { return (value + uint64(incr)) & maxV }
	switch {
	case value > maxV || incr > 0 && incr > maxIncr:
		switch behaviour {
		case bfWrap:
			return true, wrap()
		case bfSat:
			return true, maxV
		}
		return true, 0
	case incr < 0 && incr < minIncr:
		switch behaviour {
		case bfWrap:
			return true, wrap()
		case bfSat:
			return true, 0
		}
		return true, 0
	}
	return false, 0
}

// signedOverflow is unsignedOverflow for a bits-wide two's complement field,
// following Redis's checkSignedBitfieldOverflow.
func signedOverflow(value, incr int64, bits uint, behaviour int) (bool, int64) {
	maxV := int64(fieldMask(bits - 1))
	minV := -maxV - 1
	maxIncr := int64(uint64(maxV) - uint64(value))
	minIncr := minV - value
	wrap := func() int64 {
		c := uint64(value) + uint64(incr)
		if bits < 64 {
			mask := ^uint64(0) << bits
			if c&(1<<(bits-1)) != 0 {
				c |= mask
			} else {
				c &^= mask
			}
		}
		return int64(c)
	}
	switch {
	case value > maxV || bits != 64 && incr > maxIncr || value >= 0 && incr > 0 && incr > maxIncr:
		switch behaviour {
		case bfWrap:
			return true, wrap()
		case bfSat:
			return true, maxV
		}
		return true, 0
	case value < minV || bits != 64 && incr < minIncr || value < 0 && incr < 0 && incr < minIncr:
		switch behaviour {
		case bfWrap:
			return true, wrap()
		case bfSat:
			return true, minV
		}
		return true, 0
	}
	return false, 0
}
