package scripting

import (
	"encoding/binary"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The struct library (Roberto Ierusalimschy's, as Redis bundles it):
// struct.pack, struct.unpack and struct.size over a format string.

type structFmt struct {
	f      string
	i      int
	little bool
	align  int
}

const structMaxInt = 8

func (s *structFmt) num(def int) int {
	if s.i >= len(s.f) || s.f[s.i] < '0' || s.f[s.i] > '9' {
		return def
	}
	n := 0
	for s.i < len(s.f) && s.f[s.i] >= '0' && s.f[s.i] <= '9' {
		n = n*10 + int(s.f[s.i]-'0')
		s.i++
		if n > 1<<20 {
			break
		}
	}
	return n
}

// next returns the next option and its size, handling the endianness and
// alignment options itself (size 0, opt 0 for those).
func (s *structFmt) next(L *lua.LState) (byte, int) {
	c := s.f[s.i]
	s.i++
	switch c {
	case 'b', 'B':
		return c, 1
	case 'h', 'H':
		return c, 2
	case 'l', 'L', 'T':
		return c, 8
	case 'f':
		return c, 4
	case 'd':
		return c, 8
	case 'x':
		return c, 1
	case 'c':
		return c, s.num(1)
	case 'i', 'I':
		n := s.num(4)
		if n > structMaxInt {
			L.RaiseError("integral size %d is larger than limit of %d", n, structMaxInt)
		}
		return c, n
	case 's':
		return c, 0
	case ' ':
		return 0, 0
	case '<':
		s.little = true
		return 0, 0
	case '>':
		s.little = false
		return 0, 0
	case '!':
		s.align = s.num(8)
		return 0, 0
	}
	L.ArgError(1, "invalid format option '"+string(c)+"'")
	return 0, 0
}

func (s *structFmt) pad(size, total int) int {
	align := size
	if align <= 1 || s.align <= 1 {
		return 0
	}
	if align > s.align {
		align = s.align
	}
	if align&(align-1) != 0 {
		return 0
	}
	return (align - (total & (align - 1))) & (align - 1)
}

func putInt(buf []byte, v uint64, size int, little bool) {
	for i := 0; i < size; i++ {
		b := byte(v >> (8 * i))
		if little {
			buf[i] = b
		} else {
			buf[size-1-i] = b
		}
	}
}

func structPack(L *lua.LState) int {
	s := &structFmt{f: L.CheckString(1), little: true, align: 1}
	var out []byte
	arg := 2
	for s.i < len(s.f) {
		opt, size := s.next(L)
		if opt == 0 {
			continue
		}
		if p := s.pad(size, len(out)); opt != 'c' && opt != 's' && opt != 'x' {
			out = append(out, make([]byte, p)...)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			f := float64(L.CheckNumber(arg))
			arg++
			var v uint64
			if f < 0 {
				v = uint64(int64(f))
			} else {
				v = uint64(f)
			}
			buf := make([]byte, size)
			putInt(buf, v, size, s.little)
			out = append(out, buf...)
		case 'x':
			out = append(out, 0)
		case 'f', 'd':
			f := float64(L.CheckNumber(arg))
			arg++
			buf := make([]byte, size)
			if size == 4 {
				putInt(buf, uint64(math.Float32bits(float32(f))), 4, s.little)
			} else {
				putInt(buf, math.Float64bits(f), 8, s.little)
			}
			out = append(out, buf...)
		case 'c', 's':
			str := L.CheckString(arg)
			arg++
			l := len(str)
			if opt == 'c' {
				if size == 0 {
					size = l
				}
				if l < size {
					L.ArgError(arg-1, "string too short")
				}
				out = append(out, str[:size]...)
			} else {
				if strings.IndexByte(str, 0) >= 0 {
					L.ArgError(arg-1, "string contains zeros")
				}
				out = append(out, str...)
				out = append(out, 0)
			}
		}
	}
	L.Push(lua.LString(out))
	return 1
}

func getInt(b []byte, little, signed bool) float64 {
	var v uint64
	size := len(b)
	for i := 0; i < size; i++ {
		var c byte
		if little {
			c = b[size-1-i]
		} else {
			c = b[i]
		}
		v = v<<8 | uint64(c)
	}
	if signed && size < 8 && v&(1<<(8*size-1)) != 0 {
		v |= ^uint64(0) << (8 * size)
	}
	if signed {
		return float64(int64(v))
	}
	return float64(v)
}

func structUnpack(L *lua.LState) int {
	s := &structFmt{f: L.CheckString(1), little: true, align: 1}
	data := L.CheckString(2)
	pos := L.OptInt(3, 1) - 1
	if pos < 0 || pos > len(data) {
		L.ArgError(3, "offset must be 1 or greater")
	}
	n := 0
	prev := 0.0
	for s.i < len(s.f) {
		opt, size := s.next(L)
		if opt == 0 {
			continue
		}
		if opt != 'c' && opt != 's' && opt != 'x' {
			pos += s.pad(size, pos)
		}
		if pos+size > len(data) {
			L.ArgError(2, "data string too short")
		}
		switch opt {
		case 'b', 'h', 'l', 'i':
			prev = getInt([]byte(data[pos:pos+size]), s.little, true)
			L.Push(lua.LNumber(prev))
			n++
		case 'B', 'H', 'L', 'T', 'I':
			prev = getInt([]byte(data[pos:pos+size]), s.little, false)
			L.Push(lua.LNumber(prev))
			n++
		case 'x':
		case 'f':
			var u uint32
			if s.little {
				u = binary.LittleEndian.Uint32([]byte(data[pos:]))
			} else {
				u = binary.BigEndian.Uint32([]byte(data[pos:]))
			}
			L.Push(lua.LNumber(math.Float32frombits(u)))
			n++
		case 'd':
			var u uint64
			if s.little {
				u = binary.LittleEndian.Uint64([]byte(data[pos:]))
			} else {
				u = binary.BigEndian.Uint64([]byte(data[pos:]))
			}
			L.Push(lua.LNumber(math.Float64frombits(u)))
			n++
		case 'c':
			if size == 0 {
				if n == 0 || prev < 0 {
					L.RaiseError("format 'c0' needs a previous size")
				}
				size = int(prev)
				L.Pop(1)
				n--
				if pos+size > len(data) {
					L.ArgError(2, "data string too short")
				}
			}
			L.Push(lua.LString(data[pos : pos+size]))
			n++
		case 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				L.RaiseError("unfinished string in data")
			}
			L.Push(lua.LString(data[pos : pos+e]))
			n++
			size = e + 1
		}
		pos += size
	}
	L.Push(lua.LNumber(pos + 1))
	return n + 1
}

func structSize(L *lua.LState) int {
	s := &structFmt{f: L.CheckString(1), little: true, align: 1}
	pos := 0
	for s.i < len(s.f) {
		opt, size := s.next(L)
		if opt == 0 {
			continue
		}
		if opt == 's' || opt == 'c' && size == 0 {
			L.ArgError(1, "options 'c0' - 's' have undefined sizes")
		}
		if opt != 'c' && opt != 'x' {
			pos += s.pad(size, pos)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}

func openStruct(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(structPack))
	t.RawSetString("unpack", L.NewFunction(structUnpack))
	t.RawSetString("size", L.NewFunction(structSize))
	return t
}
