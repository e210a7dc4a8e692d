package scripting

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The cmsgpack library (lua-cmsgpack, as Redis bundles it): MessagePack
// encoding of Lua values.

const msgpackMaxNesting = 16

func mpPack(b []byte, v lua.LValue, depth int) []byte {
	switch x := v.(type) {
	case lua.LBool:
		if x {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		return mpNumber(b, float64(x))
	case lua.LString:
		return mpString(b, string(x))
	case *lua.LTable:
		if depth >= msgpackMaxNesting {
			return append(b, 0xc0)
		}
		if n, ok := mpArrayLen(x); ok {
			b = mpHeader(b, n, 0x90, 0xdc, 0xdd)
			for i := 1; i <= n; i++ {
				b = mpPack(b, x.RawGetInt(i), depth+1)
			}
			return b
		}
		n := 0
		forEach(x, func(_, _ lua.LValue) { n++ })
		b = mpHeader(b, n, 0x80, 0xde, 0xdf)
		forEach(x, func(k, val lua.LValue) {
			b = mpPack(b, k, depth+1)
			b = mpPack(b, val, depth+1)
		})
		return b
	}
	return append(b, 0xc0)
}

func mpHeader(b []byte, n int, fix, b16, b32 byte) []byte {
	switch {
	case n < 16:
		return append(b, fix|byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, b16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, b32), uint32(n))
}

// mpArrayLen reports whether t is an array (keys 1..n), as lua-cmsgpack
// decides it; an empty table is an array.
func mpArrayLen(t *lua.LTable) (int, bool) {
	count, max := 0, 0
	array := true
	forEach(t, func(k, _ lua.LValue) {
		n, ok := k.(lua.LNumber)
		if !ok || float64(n) != math.Floor(float64(n)) || n < 1 {
			array = false
			return
		}
		count++
		if int(n) > max {
			max = int(n)
		}
	})
	return max, array && max == count
}

func mpString(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= 0xff:
		b = append(b, 0xd9, byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

func mpNumber(b []byte, f float64) []byte {
	if f == math.Trunc(f) && !math.IsInf(f, 0) && f >= -9223372036854775808 && f < 18446744073709551616 {
		if f >= 0 {
			u := uint64(f)
			switch {
			case u <= 127:
				return append(b, byte(u))
			case u <= 0xff:
				return append(b, 0xcc, byte(u))
			case u <= 0xffff:
				return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(u))
			case u <= 0xffffffff:
				return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(u))
			}
			return binary.BigEndian.AppendUint64(append(b, 0xcf), u)
		}
		i := int64(f)
		switch {
		case i >= -32:
			return append(b, byte(int8(i)))
		case i >= -128:
			return append(b, 0xd0, byte(int8(i)))
		case i >= -32768:
			return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(int16(i)))
		case i >= -2147483648:
			return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(int32(i)))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(i))
	}
	if float64(float32(f)) == f {
		return binary.BigEndian.AppendUint32(append(b, 0xca), math.Float32bits(float32(f)))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(f))
}

type mpDecoder struct {
	L   *lua.LState
	b   []byte
	pos int
	err bool
}

func (d *mpDecoder) need(n int) bool {
	if d.pos+n > len(d.b) {
		d.err = true
		return false
	}
	return true
}

func (d *mpDecoder) u(n int) uint64 {
	if !d.need(n) {
		return 0
	}
	var v uint64
	for i := 0; i < n; i++ {
		v = v<<8 | uint64(d.b[d.pos+i])
	}
	d.pos += n
	return v
}

func (d *mpDecoder) str(n int) lua.LValue {
	if !d.need(n) {
		return lua.LNil
	}
	s := string(d.b[d.pos : d.pos+n])
	d.pos += n
	return lua.LString(s)
}

func (d *mpDecoder) array(n int) lua.LValue {
	t := d.L.NewTable()
	for i := 1; i <= n && !d.err; i++ {
		t.RawSetInt(i, d.value())
	}
	return t
}

func (d *mpDecoder) dict(n int) lua.LValue {
	t := d.L.NewTable()
	for i := 0; i < n && !d.err; i++ {
		k := d.value()
		v := d.value()
		if k != lua.LNil {
			t.RawSet(k, v)
		}
	}
	return t
}

func (d *mpDecoder) value() lua.LValue {
	if !d.need(1) {
		return lua.LNil
	}
	c := d.b[d.pos]
	d.pos++
	switch {
	case c <= 0x7f:
		return lua.LNumber(c)
	case c >= 0xe0:
		return lua.LNumber(int8(c))
	case c&0xe0 == 0xa0:
		return d.str(int(c & 0x1f))
	case c&0xf0 == 0x90:
		return d.array(int(c & 0x0f))
	case c&0xf0 == 0x80:
		return d.dict(int(c & 0x0f))
	}
	switch c {
	case 0xc0:
		return lua.LNil
	case 0xc2:
		return lua.LFalse
	case 0xc3:
		return lua.LTrue
	case 0xca:
		return lua.LNumber(math.Float32frombits(uint32(d.u(4))))
	case 0xcb:
		return lua.LNumber(math.Float64frombits(d.u(8)))
	case 0xcc:
		return lua.LNumber(d.u(1))
	case 0xcd:
		return lua.LNumber(d.u(2))
	case 0xce:
		return lua.LNumber(d.u(4))
	case 0xcf:
		return lua.LNumber(float64(d.u(8)))
	case 0xd0:
		return lua.LNumber(int8(d.u(1)))
	case 0xd1:
		return lua.LNumber(int16(d.u(2)))
	case 0xd2:
		return lua.LNumber(int32(d.u(4)))
	case 0xd3:
		return lua.LNumber(int64(d.u(8)))
	case 0xc4, 0xd9:
		return d.str(int(d.u(1)))
	case 0xc5, 0xda:
		return d.str(int(d.u(2)))
	case 0xc6, 0xdb:
		return d.str(int(d.u(4)))
	case 0xdc:
		return d.array(int(d.u(2)))
	case 0xdd:
		return d.array(int(d.u(4)))
	case 0xde:
		return d.dict(int(d.u(2)))
	case 0xdf:
		return d.dict(int(d.u(4)))
	}
	d.err = true
	return lua.LNil
}

// mpUnpack decodes up to limit objects (0: all) from offset, pushing them
// after the next offset (-1 at the end) when withOffset.
func mpUnpack(L *lua.LState, s string, limit, offset int, withOffset bool) int {
	if offset < 0 || offset > len(s) {
		L.ArgError(2, "offset must be between 0 and the length of the data")
	}
	d := &mpDecoder{L: L, b: []byte(s), pos: offset}
	var vals []lua.LValue
	for d.pos < len(d.b) && (limit == 0 || len(vals) < limit) {
		v := d.value()
		if d.err {
			L.RaiseError("Missing bytes in input.")
		}
		vals = append(vals, v)
	}
	n := 0
	if withOffset {
		next := d.pos
		if next >= len(d.b) {
			next = -1
		}
		L.Push(lua.LNumber(next))
		n++
	}
	for _, v := range vals {
		L.Push(v)
	}
	return n + len(vals)
}

func openCmsgpack(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(func(L *lua.LState) int {
		n := L.GetTop()
		if n == 0 {
			L.ArgError(0, "MessagePack pack needs input.")
		}
		var b []byte
		for i := 1; i <= n; i++ {
			b = mpPack(b, L.Get(i), 0)
		}
		L.Push(lua.LString(b))
		return 1
	}))
	t.RawSetString("unpack", L.NewFunction(func(L *lua.LState) int {
		return mpUnpack(L, L.CheckString(1), 0, 0, false)
	}))
	t.RawSetString("unpack_one", L.NewFunction(func(L *lua.LState) int {
		return mpUnpack(L, L.CheckString(1), 1, L.OptInt(2, 0), true)
	}))
	t.RawSetString("unpack_limit", L.NewFunction(func(L *lua.LState) int {
		return mpUnpack(L, L.CheckString(1), L.CheckInt(2), L.OptInt(3, 0), true)
	}))
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}
