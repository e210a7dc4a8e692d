package strings

import (
	"encoding/binary"
	"math/bits"

	"github.com/redmod/redmod/core"
)

var (
	errBitOffset = core.NewError("ERR bit offset is not an integer or out of range")
	errBitValue  = core.NewError("ERR bit is not an integer or out of range")
	errBitArg    = core.NewError("ERR The bit argument must be 1 or 0.")
	errBitopNot  = core.NewError("ERR BITOP NOT must be called with a single source key.")
)

func init() {
	addBitmap(core.Spec{
		Name: "setbit", Arity: 4, Flags: core.FlagWrite | core.FlagDenyOOM,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: rwAccessUpdate,
		Summary: "Sets or clears the bit at offset in the string value stored at key",
		Syntax:  "key offset value:integer",
	}, setbit)
	addBitmap(core.Spec{
		Name: "getbit", Arity: 3, Flags: core.FlagReadOnly | core.FlagFast,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Returns the bit value at offset in the string value stored at key",
		Syntax:  "key offset",
	}, getbit)
	addBitmap(core.Spec{
		Name: "bitcount", Arity: -2, Flags: core.FlagReadOnly,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Count set bits in a string",
		Syntax:  "key [start end [BYTE|BIT]]",
	}, bitcount)
	addBitmap(core.Spec{
		Name: "bitpos", Arity: -3, Flags: core.FlagReadOnly,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Find first bit set or clear in a string",
		Syntax:  "key bit:integer [start [end [BYTE|BIT]]]",
	}, bitpos)
	addBitmap(core.Spec{
		Name: "bitop", Arity: -4, Flags: core.FlagWrite | core.FlagDenyOOM,
		KeySpecs: []core.KeySpec{{Flags: []string{"OW", "update"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}, {Flags: []string{"RO", "access"}, BeginIndex: 3, LastKey: -1, KeyStep: 1}},
		FirstKey: 2, LastKey: -1, Step: 1, KeyFlags: []string{"OW", "update"},
		Summary: "Perform bitwise operations between strings",
		Syntax:  "operation destkey key [key ...]",
	}, bitop)
}

// bitOffset parses a bit offset as Redis's getBitOffsetFromArgument does:
// a non-negative integer whose byte lies below proto-max-bulk-len.
func bitOffset(c *core.Ctx, arg []byte) (int64, error) {
	n, ok := core.ParseInt(arg)
	if !ok || n < 0 || n>>3 >= maxStringLen(c, n>>3) {
		return 0, errBitOffset
	}
	return n, nil
}

func setbit(c *core.Ctx) error {
	off, err := bitOffset(c, c.Args[2])
	if err != nil {
		return err
	}
	on, ok := core.ParseInt(c.Args[3])
	if !ok || on&^1 != 0 {
		return errBitValue
	}
	key := c.Args[1]
	s, err := getStringForWrite(c, key)
	if err != nil {
		return err
	}
	byteIdx := int(off >> 3)
	dirty := false
	if s == nil {
		s = core.NewString(make([]byte, byteIdx+1))
		c.DB.Set(key, s)
		dirty = true
	} else if byteIdx >= len(s.B) {
		s.B = growZero(s.B, byteIdx+1)
		dirty = true
	}
	mask := byte(1) << (7 - uint(off&7))
	old := s.B[byteIdx]&mask != 0
	// Redis makes the string its own "raw" copy whether or not the bit
	// changes.
	s.MarkModified()
	if dirty || old != (on == 1) {
		if on == 1 {
			s.B[byteIdx] |= mask
		} else {
			s.B[byteIdx] &^= mask
		}
		c.Notify(core.NotifyString, "setbit", key)
	} else {
		c.SetChanges(0)
	}
	if old {
		c.WriteInt(1)
	} else {
		c.WriteInt(0)
	}
	return nil
}

func getbit(c *core.Ctx) error {
	off, err := bitOffset(c, c.Args[2])
	if err != nil {
		return err
	}
	s, err := getString(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil || off>>3 >= int64(len(s.B)) {
		c.WriteInt(0)
		return nil
	}
	if s.B[off>>3]&(1<<(7-uint(off&7))) != 0 {
		c.WriteInt(1)
	} else {
		c.WriteInt(0)
	}
	return nil
}

// bitUnit parses BYTE or BIT.
func bitUnit(a []byte) (isBit bool, err error) {
	switch {
	case core.EqualFold(a, "bit"):
		return true, nil
	case core.EqualFold(a, "byte"):
		return false, nil
	}
	return false, core.ErrSyntax
}

// bitRange converts a start/end pair in bytes or bits (negative from the
// end, clamped) to a byte range of a string of n bytes, with the masks of the
// bits outside the range in the first and last byte (bit ranges only).
type bitRange struct {
	start, end          int64
	firstMask, lastMask byte
}

func makeBitRange(start, end, n int64, isBit bool) bitRange {
	total := n
	if isBit {
		total <<= 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	r := bitRange{start: start, end: end}
	if isBit && start <= end {
		r.firstMask = ^byte((1 << (8 - uint(start&7))) - 1)
		r.lastMask = byte((1 << (7 - uint(end&7))) - 1)
		r.start >>= 3
		r.end >>= 3
	}
	return r
}

// bitcount follows Redis 7.0: the key is looked up before the arguments are
// parsed, so a missing key answers 0 whatever they are.
func bitcount(c *core.Ctx) error {
	s, err := getString(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil {
		c.WriteInt(0)
		return nil
	}
	p := s.B
	var r bitRange
	switch len(c.Args) {
	case 4, 5:
		start, err := core.Int(c.Args[2])
		if err != nil {
			return err
		}
		end, err := core.Int(c.Args[3])
		if err != nil {
			return err
		}
		if start < 0 && end < 0 && start > end {
			c.WriteInt(0)
			return nil
		}
		isBit := false
		if len(c.Args) == 5 {
			if isBit, err = bitUnit(c.Args[4]); err != nil {
				return err
			}
		}
		r = makeBitRange(start, end, int64(len(p)), isBit)
	case 2:
		r = bitRange{start: 0, end: int64(len(p)) - 1}
	default:
		return core.ErrSyntax
	}
	if r.start > r.end {
		c.WriteInt(0)
		return nil
	}
	n := popcount(p[r.start : r.end+1])
	n -= int64(bits.OnesCount8(p[r.start]&r.firstMask) + bits.OnesCount8(p[r.end]&r.lastMask))
	c.WriteInt(n)
	return nil
}

// popcount counts the set bits of b, eight bytes at a time.
func popcount(b []byte) int64 {
	var n int
	for len(b) >= 32 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b)) +
			bits.OnesCount64(binary.LittleEndian.Uint64(b[8:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(b[16:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(b[24:]))
		b = b[32:]
	}
	for len(b) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return int64(n)
}

// bitposIn returns the position of the first bit equal to bit in b. When
// none is found it returns -1 when looking for a 1, and the first position
// past b when looking for a 0 (the string is taken as zero-padded), as
// Redis's redisBitpos does.
func bitposIn(b []byte, bit int64) int64 {
	skip := byte(0)
	if bit == 0 {
		skip = 0xff
	}
	i := 0
	if bit == 0 {
		for ; i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:]) == ^uint64(0); i += 8 {
		}
	} else {
		for ; i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:]) == 0; i += 8 {
		}
	}
	for ; i < len(b); i++ {
		if x := b[i]; x != skip {
			if bit == 0 {
				x = ^x
			}
			return int64(i)*8 + int64(bits.LeadingZeros8(x))
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(b)) * 8
}

func bitpos(c *core.Ctx) error {
	bit, ok := core.ParseInt(c.Args[2])
	if !ok {
		return core.ErrNotInteger
	}
	if bit != 0 && bit != 1 {
		return errBitArg
	}
	s, err := getString(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil {
		if bit == 1 {
			c.WriteInt(-1)
		} else {
			c.WriteInt(0)
		}
		return nil
	}
	p := s.B
	n := int64(len(p))
	var r bitRange
	endGiven := false
	switch len(c.Args) {
	case 4, 5, 6:
		start, err := core.Int(c.Args[3])
		if err != nil {
			return err
		}
		isBit := false
		if len(c.Args) == 6 {
			if isBit, err = bitUnit(c.Args[5]); err != nil {
				return err
			}
		}
		end := n - 1
		if len(c.Args) >= 5 {
			if end, err = core.Int(c.Args[4]); err != nil {
				return err
			}
			endGiven = true
		}
		r = makeBitRange(start, end, n, isBit)
	case 3:
		r = bitRange{start: 0, end: n - 1}
	default:
		return core.ErrSyntax
	}
	if r.start > r.end {
		c.WriteInt(-1)
		return nil
	}
	start, bytes := r.start, r.end-r.start+1
	var pos int64
	func() {
		if r.firstMask != 0 {
			var t byte
			if bit == 1 {
				t = p[start] &^ r.firstMask
			} else {
				t = p[start] | r.firstMask
			}
			if r.lastMask != 0 && bytes == 1 {
				if bit == 1 {
					t &^= r.lastMask
				} else {
					t |= r.lastMask
				}
			}
			pos = bitposIn([]byte{t}, bit)
			if bytes == 1 || pos != -1 && pos != 8 {
				return
			}
			start++
			bytes--
		}
		cur := bytes
		if r.lastMask != 0 {
			cur--
		}
		if cur > 0 {
			pos = bitposIn(p[start:start+cur], bit)
			if bytes == cur || pos != -1 && pos != cur<<3 {
				return
			}
			start += cur
			bytes -= cur
		}
		var t byte
		if bit == 1 {
			t = p[r.end] &^ r.lastMask
		} else {
			t = p[r.end] | r.lastMask
		}
		pos = bitposIn([]byte{t}, bit)
	}()
	// With an explicit end, the bits past the range are not zero padding: a
	// clear bit found only there does not count.
	if endGiven && bit == 0 && pos == bytes<<3 {
		c.WriteInt(-1)
		return nil
	}
	if pos != -1 {
		pos += start << 3
	}
	c.WriteInt(pos)
	return nil
}

// Bit operations of BITOP.
const (
	opAnd = iota
	opOr
	opXor
	opNot
)

func bitop(c *core.Ctx) error {
	var op int
	switch name := c.Args[1]; {
	case core.EqualFold(name, "and"):
		op = opAnd
	case core.EqualFold(name, "or"):
		op = opOr
	case core.EqualFold(name, "xor"):
		op = opXor
	case core.EqualFold(name, "not"):
		op = opNot
	default:
		return core.ErrSyntax
	}
	if op == opNot && len(c.Args) != 4 {
		return errBitopNot
	}
	srcKeys := c.Args[3:]
	srcs := make([][]byte, len(srcKeys))
	maxLen := 0
	for i, k := range srcKeys {
		s, err := getString(c, k)
		if err != nil {
			return err
		}
		if s != nil {
			srcs[i] = s.B
			maxLen = max(maxLen, len(s.B))
		}
	}
	dest := c.Args[2]
	if maxLen == 0 {
		if !c.DB.Delete(dest) {
			c.SetChanges(0)
		} else {
			c.Notify(core.NotifyGeneric, "del", dest)
		}
		c.WriteInt(0)
		return nil
	}
	res := make([]byte, maxLen)
	copy(res, srcs[0])
	switch op {
	case opNot:
		for j := range res {
			res[j] = ^res[j]
		}
	case opAnd:
		for _, src := range srcs[1:] {
			if len(src) < maxLen {
				clear(res[len(src):])
			}
			for j := range min(len(src), maxLen) {
				res[j] &= src[j]
			}
		}
	case opOr:
		for _, src := range srcs[1:] {
			for j := range src {
				res[j] |= src[j]
			}
		}
	case opXor:
		for _, src := range srcs[1:] {
			for j := range src {
				res[j] ^= src[j]
			}
		}
	}
	v := core.NewString(res)
	v.MarkModified() // a new raw string, as Redis builds it
	c.DB.Set(dest, v)
	c.Notify(core.NotifyString, "set", dest)
	c.WriteInt(int64(maxLen))
	return nil
}
