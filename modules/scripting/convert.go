package scripting

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/redmod/redmod/core"
)

// formatArg renders a Lua number given to redis.call as Redis does: C's
// %.17g.
func formatArg(f float64) string {
	switch {
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', 17, 64)
}

// formatLuaNumber is Lua 5.1's tostring of a number: C's %.14g.
func formatLuaNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e14 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// toInteger converts a Lua number to a reply integer the way C's cast to
// long long does on x86-64: out of range and NaN give the minimum.
func toInteger(f float64) int64 {
	if math.IsNaN(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(f)
}

var crlf = []byte("\r\n")

// respParser reads the RESP2/RESP3 a command wrote into Lua values, with
// Redis's conversions.
type respParser struct {
	b   []byte
	L   *lua.LState
	err bool
}

// line returns the rest of the header line, without a copy: the common
// replies (integers, bulk and array lengths) need no string of it.
func (p *respParser) line() []byte {
	i := bytes.Index(p.b, crlf)
	if i < 0 {
		p.err = true
		s := p.b
		p.b = nil
		return s
	}
	s := p.b[:i]
	p.b = p.b[i+2:]
	return s
}

// count reads a length or an integer of a header line; 0 when malformed.
func count(b []byte) int {
	n, _ := core.ParseInt(b)
	return int(n)
}

func (p *respParser) bulk(n int) string {
	if n < 0 || n+2 > len(p.b) {
		p.err = true
		p.b = nil
		return ""
	}
	s := string(p.b[:n])
	p.b = p.b[n+2:]
	return s
}

// value parses one reply.
func (p *respParser) value() lua.LValue {
	L := p.L
	if len(p.b) == 0 {
		p.err = true
		return lua.LNil
	}
	t := p.b[0]
	p.b = p.b[1:]
	ln := p.line()
	switch t {
	case '+':
		tb := L.NewTable()
		tb.RawSetString("ok", lua.LString(ln))
		return tb
	case '-':
		return errTable(L, string(ln))
	case ':':
		n, _ := core.ParseInt(ln)
		return lua.LNumber(n)
	case '$':
		n := count(ln)
		if n < 0 {
			return lua.LFalse
		}
		return lua.LString(p.bulk(n))
	case '*', '~', '>':
		n := count(ln)
		if n < 0 {
			return lua.LFalse
		}
		// RESP3 nulls become holes, as in Redis's Lua (where # of
		// {nil, 'v'} is 0): no preallocated array part.
		tb := L.NewTable()
		if t == '~' {
			set := L.NewTable()
			for i := 0; i < n; i++ {
				set.RawSet(p.value(), lua.LTrue)
			}
			tb.RawSetString("set", set)
			return tb
		}
		hole := false
		for i := 1; i <= n; i++ {
			v := p.value()
			switch {
			case v == lua.LNil:
				hole = true
			case hole:
				// After a hole the item goes to the hash part, so that
				// # stops at the hole as it does in Redis's Lua.
				tb.RawSetH(lua.LNumber(i), v)
			default:
				tb.RawSetInt(i, v)
			}
		}
		return tb
	case '%':
		n := count(ln)
		m := L.NewTable()
		for i := 0; i < n; i++ {
			k := p.value()
			m.RawSet(k, p.value())
		}
		tb := L.NewTable()
		tb.RawSetString("map", m)
		return tb
	case '|':
		// An attribute is not given to the script (as in Redis): its
		// pairs are read and dropped, and the reply that follows is the
		// value.
		n := count(ln)
		for i := 0; i < 2*n && !p.err; i++ {
			p.value()
		}
		return p.value()
	case '_':
		return lua.LNil
	case '#':
		return lua.LBool(string(ln) == "t")
	case ',':
		f, _ := strconv.ParseFloat(string(ln), 64)
		switch string(ln) {
		case "inf":
			f = math.Inf(1)
		case "-inf":
			f = math.Inf(-1)
		case "nan":
			f = math.NaN()
		}
		tb := L.NewTable()
		tb.RawSetString("double", lua.LNumber(f))
		return tb
	case '(':
		tb := L.NewTable()
		tb.RawSetString("big_number", lua.LString(ln))
		return tb
	case '=':
		n := count(ln)
		s := p.bulk(n)
		v := L.NewTable()
		if len(s) >= 4 {
			v.RawSetString("format", lua.LString(s[:3]))
			v.RawSetString("string", lua.LString(s[4:]))
		}
		tb := L.NewTable()
		tb.RawSetString("verbatim_string", v)
		return tb
	}
	p.err = true
	return lua.LNil
}

// maxReplyDepth bounds the nesting of a script's reply (a table that
// contains itself would recurse forever).
const maxReplyDepth = 1000

var errStackLimit = core.NewError("ERR reached lua stack limit")

// writeReply converts a Lua value to the client's reply with Redis's rules.
// resp is the protocol the script chose with redis.setresp.
func writeReply(w *core.Writer, v lua.LValue, resp int, depth int) {
	if depth > maxReplyDepth {
		w.WriteError(errStackLimit)
		return
	}
	switch x := v.(type) {
	case lua.LString:
		w.WriteBulkString(string(x))
	case lua.LBool:
		if resp == 3 {
			w.WriteBool(bool(x))
		} else if x {
			w.WriteInt(1)
		} else {
			w.WriteNull()
		}
	case lua.LNumber:
		w.WriteInt(toInteger(float64(x)))
	case *lua.LTable:
		writeTable(w, x, resp, depth)
	default:
		w.WriteNull()
	}
}

func oneLine(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	}
	return s
}

func writeTable(w *core.Writer, t *lua.LTable, resp int, depth int) {
	if e, ok := t.RawGetString("err").(lua.LString); ok {
		w.WriteRaw([]byte("-" + oneLine(string(e)) + "\r\n"))
		return
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		w.WriteSimple(oneLine(string(s)))
		return
	}
	if d, ok := t.RawGetString("double").(lua.LNumber); ok {
		w.WriteDouble(float64(d))
		return
	}
	if b, ok := t.RawGetString("big_number").(lua.LString); ok {
		s := oneLine(string(b))
		if w.Protocol() == 3 {
			w.WriteRaw([]byte("(" + s + "\r\n"))
		} else {
			w.WriteBulkString(s)
		}
		return
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		var keys, vals []lua.LValue
		forEach(m, func(k, v lua.LValue) { keys = append(keys, k); vals = append(vals, v) })
		w.WriteMap(len(keys))
		for i := range keys {
			writeReply(w, keys[i], resp, depth+1)
			writeReply(w, vals[i], resp, depth+1)
		}
		return
	}
	if s, ok := t.RawGetString("set").(*lua.LTable); ok {
		var keys []lua.LValue
		forEach(s, func(k, v lua.LValue) { keys = append(keys, k) })
		w.WriteSet(len(keys))
		for _, k := range keys {
			writeReply(w, k, resp, depth+1)
		}
		return
	}
	if v, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		f, _ := v.RawGetString("format").(lua.LString)
		s, _ := v.RawGetString("string").(lua.LString)
		w.WriteVerbatim(string(f), string(s))
		return
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	w.WriteArray(n)
	for i := 1; i <= n; i++ {
		writeReply(w, t.RawGetInt(i), resp, depth+1)
	}
}

// forEach visits a table's pairs in lua_next order (gopher-lua's ForEach
// iterates Go maps, whose order changes from run to run).
func forEach(t *lua.LTable, fn func(k, v lua.LValue)) {
	k, v := t.Next(lua.LNil)
	for k != lua.LNil {
		fn(k, v)
		k, v = t.Next(k)
	}
}
