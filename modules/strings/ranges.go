package strings

import (
	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "append", Arity: 3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: []string{"RW", "insert"},
		Summary: "Append a value to a key",
		Syntax:  "key value",
	}, appendCmd)
	add(core.Spec{
		Name: "strlen", Arity: 2, Flags: core.FlagReadOnly | core.FlagFast, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: []string{"RO"},
		Summary: "Get the length of the value stored in a key",
		Syntax:  "key",
	}, strlen)
	const rangeComplexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."
	add(core.Spec{
		Name: "getrange", Arity: 4, Flags: core.FlagReadOnly, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Get a substring of the string stored at a key",
		Syntax:  "key start end",
	}, getrange)
	add(core.Spec{
		Name: "substr", Arity: 4, Flags: core.FlagReadOnly, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1,
		Summary: "Get a substring of the string stored at a key",
		Syntax:  "key start end",
	}, getrange)
	add(core.Spec{
		Name: "setrange", Arity: 4, Flags: core.FlagWrite | core.FlagDenyOOM, BorrowsArgs: true,
		FirstKey: 1, LastKey: 1, Step: 1, KeyFlags: []string{"RW", "update"},
		Summary: "Overwrite part of a string at key starting at the specified offset",
		Syntax:  "key offset value",
	}, setrange)
}

func appendCmd(c *core.Ctx) error {
	key, val := c.Args[1], c.Args[2]
	s, err := getStringForWrite(c, key)
	if err != nil {
		return err
	}
	if s == nil {
		// A new key gets the value as SET would store it (same encoding).
		c.DB.SetString(key, val, 0, false)
		c.Notify(core.NotifyString, "append", key)
		c.WriteInt(int64(len(val)))
		return nil
	}
	if err := checkStringLength(c, int64(len(s.B))+int64(len(val))); err != nil {
		return err
	}
	s.B = append(s.B, val...)
	s.MarkModified()
	c.Notify(core.NotifyString, "append", key)
	c.WriteInt(int64(len(s.B)))
	return nil
}

func strlen(c *core.Ctx) error {
	s, err := getString(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil {
		c.WriteInt(0)
		return nil
	}
	c.WriteInt(int64(len(s.B)))
	return nil
}

// getrange is GETRANGE and SUBSTR: both indexes are parsed before the key is
// read, negative ones count from the end, and the range is clamped.
func getrange(c *core.Ctx) error {
	start, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	end, err := core.Int(c.Args[3])
	if err != nil {
		return err
	}
	s, err := getString(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil {
		c.WriteBulk(nil)
		return nil
	}
	lo, hi, ok := clampRange(start, end, int64(len(s.B)))
	if !ok {
		c.WriteBulk(nil)
		return nil
	}
	c.WriteBulk(s.B[lo : hi+1])
	return nil
}

// clampRange turns GETRANGE's start and end (inclusive, negative from the
// end) into valid indexes of a string of n bytes, or ok false when the range
// is empty.
func clampRange(start, end, n int64) (lo, hi int64, ok bool) {
	if start < 0 && end < 0 && start > end {
		return 0, 0, false
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		return 0, 0, false
	}
	return start, end, true
}

func setrange(c *core.Ctx) error {
	offset, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	if offset < 0 {
		return core.ErrOffsetRange
	}
	key, val := c.Args[1], c.Args[3]
	s, err := getStringForWrite(c, key)
	if err != nil {
		return err
	}
	if len(val) == 0 {
		// Nothing to write: the key is neither created nor changed.
		c.SetChanges(0)
		if s == nil {
			c.WriteInt(0)
		} else {
			c.WriteInt(int64(len(s.B)))
		}
		return nil
	}
	// offset < 2^63 and len(val) <= proto-max-bulk-len: no overflow, and
	// nothing is allocated before the size is known to be acceptable.
	size := offset + int64(len(val))
	if size < offset {
		return core.ErrStringTooLong
	}
	if err := checkStringLength(c, size); err != nil {
		return err
	}
	if s == nil {
		s = core.NewString(make([]byte, size))
		c.DB.Set(key, s)
	} else {
		s.B = growZero(s.B, int(size))
	}
	copy(s.B[offset:], val)
	// Redis builds the new or changed string in place: "raw" from now on.
	s.MarkModified()
	c.Notify(core.NotifyString, "setrange", key)
	c.WriteInt(int64(len(s.B)))
	return nil
}

// growZero extends b with zero bytes to at least n bytes.
func growZero(b []byte, n int) []byte {
	if n <= len(b) {
		return b
	}
	if n <= cap(b) {
		old := len(b)
		b = b[:n]
		clear(b[old:])
		return b
	}
	return append(b, make([]byte, n-len(b))...)
}
