package scripting

import (
	"reflect"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua reports every call of a value that is not a function as
// "attempt to call a non-function object"; Lua 5.1, which Redis embeds,
// names what was called and its type ("attempt to call field
// 'register_function' (a nil value)", "attempt to call a nil value"), and
// scripts and tests match those texts. luaCallError rebuilds Lua 5.1's
// message from the failed frame, as Lua's getobjname does: the CALL
// instruction gives the register, the instruction that last set it the
// name. gopher-lua keeps the frame's position and registers unexported;
// they are read (never written) through reflection, and any surprise
// leaves gopher-lua's message as it is.

const gopherCallError = "attempt to call a non-function object"

// luaCallError returns Lua 5.1's text for the failed call of the Lua frame
// at level (the message handler runs above it), or "" when it cannot tell.
func luaCallError(L *lua.LState, level int) (msg string) {
	defer func() {
		if recover() != nil {
			msg = ""
		}
	}()
	dbg, ok := L.GetStack(level)
	if !ok {
		return ""
	}
	frame := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if !frame.IsValid() || frame.IsNil() {
		return ""
	}
	frame = frame.Elem()
	pc, base := int(frame.FieldByName("Pc").Int()), int(frame.FieldByName("LocalBase").Int())
	f, err := L.GetInfo("f", dbg, lua.LNil)
	if err != nil {
		return ""
	}
	fn, _ := f.(*lua.LFunction)
	if fn == nil || fn.IsG || fn.Proto == nil || pc < 1 || pc > len(fn.Proto.Code) {
		return ""
	}
	inst := fn.Proto.Code[pc-1]
	if op := int(inst >> 26); op != lua.OP_CALL && op != lua.OP_TAILCALL {
		return ""
	}
	a := int(inst>>18) & 0xff
	regs := reflect.ValueOf(L).Elem().FieldByName("reg").Elem().FieldByName("array")
	if base+a >= regs.Len() {
		return ""
	}
	typ := luaTypeName(regs.Index(base + a))
	if typ == "" {
		return ""
	}
	if kind, name := objectName(fn.Proto, pc-1, a, 0); kind != "" {
		return "attempt to call " + kind + " '" + name + "' (a " + typ + " value)"
	}
	return "attempt to call a " + typ + " value"
}

// luaTypeName names the Lua type of a register's value as Lua 5.1 does.
func luaTypeName(v reflect.Value) string {
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "nil"
		}
		v = v.Elem()
	}
	switch v.Type() {
	case reflect.TypeOf(lua.LNil):
		return "nil"
	case reflect.TypeOf(lua.LTrue):
		return "boolean"
	case reflect.TypeOf(lua.LNumber(0)):
		return "number"
	case reflect.TypeOf(lua.LString("")):
		return "string"
	case reflect.TypeOf(&lua.LTable{}):
		return "table"
	case reflect.TypeOf(&lua.LUserData{}):
		return "userdata"
	case reflect.TypeOf(&lua.LState{}):
		return "thread"
	}
	return ""
}

// objectName finds what register reg held at instruction pc: a local
// variable, or what the last instruction before pc that set it loaded (a
// global, a field, a method, an upvalue), as Lua 5.1's getobjname.
func objectName(p *lua.FunctionProto, pc, reg, depth int) (kind, name string) {
	if n := localName(p, reg, pc); n != "" {
		return "local", n
	}
	if depth > 8 {
		return "", ""
	}
	for i := pc - 1; i >= 0; i-- {
		inst := p.Code[i]
		op, a := int(inst>>26), int(inst>>18)&0xff
		b, c, bx := int(inst&0x1ff), int(inst>>9)&0x1ff, int(inst&0x3ffff)
		if !setsRegister(op, a, b, c, reg) {
			continue
		}
		switch op {
		case lua.OP_GETGLOBAL:
			if s, ok := constString(p, bx); ok {
				return "global", s
			}
		case lua.OP_MOVE:
			if b < a {
				return objectName(p, i, b, depth+1)
			}
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS:
			if s, ok := rkString(p, c); ok {
				return "field", s
			}
		case lua.OP_SELF:
			if s, ok := rkString(p, c); ok {
				return "method", s
			}
		case lua.OP_GETUPVAL:
			if b < len(p.DbgUpvalues) {
				return "upvalue", p.DbgUpvalues[b]
			}
		}
		return "", ""
	}
	return "", ""
}

// setsRegister reports whether an instruction writes register reg.
func setsRegister(op, a, b, c, reg int) bool {
	switch op {
	case lua.OP_LOADNIL:
		return reg >= a && reg <= b
	case lua.OP_CALL:
		return reg >= a // its results, and whatever it clobbers above
	case lua.OP_TFORLOOP:
		return reg >= a+3
	case lua.OP_SELF:
		return reg == a || reg == a+1
	case lua.OP_SETGLOBAL, lua.OP_SETUPVAL, lua.OP_SETTABLE, lua.OP_SETTABLEKS, lua.OP_SETLIST,
		lua.OP_EQ, lua.OP_LT, lua.OP_LE, lua.OP_TEST, lua.OP_JMP, lua.OP_RETURN, lua.OP_TAILCALL, lua.OP_CLOSE:
		return false
	}
	return reg == a
}

func constString(p *lua.FunctionProto, i int) (string, bool) {
	if i < 0 || i >= len(p.Constants) {
		return "", false
	}
	s, ok := p.Constants[i].(lua.LString)
	return string(s), ok
}

// rkString reads an RK operand that names a constant string.
func rkString(p *lua.FunctionProto, rk int) (string, bool) {
	const bitRK = 1 << 8
	if rk&bitRK == 0 {
		return "", false
	}
	return constString(p, rk&^bitRK)
}

// localName is the name of the reg-th local variable active at pc.
func localName(p *lua.FunctionProto, reg, pc int) string {
	n := reg
	for _, l := range p.DbgLocals {
		if l.StartPc > pc {
			break
		}
		if pc < l.EndPc {
			if n == 0 {
				return l.Name
			}
			n--
		}
	}
	return ""
}

// withLuaCallError rewrites gopher-lua's text for a failed call in msg.
func withLuaCallError(L *lua.LState, msg string) string {
	if !strings.Contains(msg, gopherCallError) {
		return msg
	}
	if lua51 := luaCallError(L, 1); lua51 != "" {
		return strings.Replace(msg, gopherCallError, lua51, 1)
	}
	return msg
}
