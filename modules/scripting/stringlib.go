package scripting

import (
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxLuaString bounds the strings string.rep builds (Redis's Lua fails
// with "not enough memory" long before gopher-lua would exhaust the
// server's memory).
const maxLuaString = 512 << 20

// guardStringLib replaces string.rep and wraps string.format with Lua 5.1's
// limits, so that a script cannot make the server allocate gigabytes.
func guardStringLib(L *lua.LState, str *lua.LTable) {
	str.RawSetString("rep", L.NewFunction(func(L *lua.LState) int {
		s := L.CheckString(1)
		f := float64(L.CheckNumber(2))
		// C's cast to int: out of range gives INT_MIN, so nothing.
		n := int64(math.MinInt32)
		if f >= math.MinInt32 && f <= math.MaxInt32 {
			n = int64(f)
		}
		if n <= 0 || s == "" {
			L.Push(lua.LString(""))
			return 1
		}
		if int64(len(s))*n > maxLuaString {
			L.RaiseError("not enough memory")
		}
		L.Push(lua.LString(strings.Repeat(s, int(n))))
		return 1
	}))
	// string.dump exists in Redis's Lua, but Redis refuses to load binary
	// chunks, so what it returns is only ever passed to loadstring, which
	// then returns nil. gopher-lua has no bytecode format to dump: the
	// function gives Lua 5.1's chunk header, which loadstring refuses the
	// same way.
	str.RawSetString("dump", L.NewFunction(func(L *lua.LState) int {
		L.CheckFunction(1)
		L.Push(lua.LString("\x1bLuaQ\x00\x01\x04\x08\x04\x08\x00"))
		return 1
	}))
	format := str.RawGetString("format").(*lua.LFunction)
	str.RawSetString("format", L.NewFunction(func(L *lua.LState) int {
		checkFormat(L, L.CheckString(1))
		top := L.GetTop()
		L.Push(format)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, 1)
		return 1
	}))
}

// checkFormat applies Lua 5.1's limits to a string.format pattern: at most
// five flags, two digits of width and two of precision.
func checkFormat(L *lua.LState, f string) {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			continue
		}
		start := i
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		if i-start > 5 {
			L.RaiseError("invalid format (repeated flags)")
		}
		digits := 0
		for i < len(f) && f[i] >= '0' && f[i] <= '9' {
			i++
			digits++
		}
		if i < len(f) && f[i] == '.' {
			i++
			p := 0
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
				p++
			}
			if p > 2 {
				digits = 3
			}
		}
		if digits > 2 {
			L.RaiseError("invalid format (width or precision too long)")
		}
	}
}
