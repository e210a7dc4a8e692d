package scripting

import (
	"math"
	"math/bits"

	lua "github.com/yuin/gopher-lua"
)

// The bit library (LuaBitOp, as Redis bundles it): 32-bit operations on Lua
// numbers, results as signed 32-bit integers.

func tobit(L *lua.LState, i int) uint32 {
	f := float64(L.CheckNumber(i))
	// LuaBitOp adds 2^52+2^51 and keeps the low word: round half to even,
	// then wrap modulo 2^32.
	return uint32(int64(math.RoundToEven(math.Mod(f, 1<<53))))
}

func pushBits(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

func openBit(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	fold := func(op func(a, b uint32) uint32) lua.LGFunction {
		return func(L *lua.LState) int {
			r := tobit(L, 1)
			for i := 2; i <= L.GetTop(); i++ {
				r = op(r, tobit(L, i))
			}
			return pushBits(L, r)
		}
	}
	shift := func(op func(a uint32, n uint) uint32) lua.LGFunction {
		return func(L *lua.LState) int {
			return pushBits(L, op(tobit(L, 1), uint(tobit(L, 2)&31)))
		}
	}
	fns := map[string]lua.LGFunction{
		"tobit":   func(L *lua.LState) int { return pushBits(L, tobit(L, 1)) },
		"bnot":    func(L *lua.LState) int { return pushBits(L, ^tobit(L, 1)) },
		"band":    fold(func(a, b uint32) uint32 { return a & b }),
		"bor":     fold(func(a, b uint32) uint32 { return a | b }),
		"bxor":    fold(func(a, b uint32) uint32 { return a ^ b }),
		"lshift":  shift(func(a uint32, n uint) uint32 { return a << n }),
		"rshift":  shift(func(a uint32, n uint) uint32 { return a >> n }),
		"arshift": shift(func(a uint32, n uint) uint32 { return uint32(int32(a) >> n) }),
		"rol":     shift(func(a uint32, n uint) uint32 { return bits.RotateLeft32(a, int(n)) }),
		"ror":     shift(func(a uint32, n uint) uint32 { return bits.RotateLeft32(a, -int(n)) }),
		"bswap":   func(L *lua.LState) int { return pushBits(L, bits.ReverseBytes32(tobit(L, 1))) },
		"tohex": func(L *lua.LState) int {
			b := tobit(L, 1)
			n := int32(8)
			if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
				n = int32(tobit(L, 2))
			}
			digits := "0123456789abcdef"
			if n < 0 {
				n = -n
				digits = "0123456789ABCDEF"
			}
			if n > 8 {
				n = 8
			}
			buf := make([]byte, n)
			for i := int(n) - 1; i >= 0; i-- {
				buf[i] = digits[b&15]
				b >>= 4
			}
			L.Push(lua.LString(buf))
			return 1
		},
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	return t
}
