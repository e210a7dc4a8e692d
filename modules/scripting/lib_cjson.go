package scripting

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// The cjson library (lua-cjson, as Redis bundles it).

const cjsonMaxDepth = 1000

type cjson struct {
	null          *lua.LUserData
	precision     int
	sparseConvert bool
	sparseRatio   int
	sparseSafe    int
	encodeDepth   int
	decodeDepth   int
	invalidEnc    bool
	invalidDec    bool
}

func (j *cjson) fmtNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	s := strconv.FormatFloat(f, 'g', j.precision, 64)
	// C's %g keeps a two-digit exponent, as Go does; nothing else to do.
	return s
}

func (j *cjson) encode(L *lua.LState, b *strings.Builder, v lua.LValue, depth int) {
	switch x := v.(type) {
	case *lua.LNilType:
		b.WriteString("null")
	case lua.LBool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case lua.LNumber:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			if !j.invalidEnc {
				L.RaiseError("Cannot serialise number: must not be NaN or Inf")
			}
			b.WriteString("null")
			return
		}
		b.WriteString(j.fmtNumber(f))
	case lua.LString:
		jsonString(b, string(x))
	case *lua.LUserData:
		if x == j.null {
			b.WriteString("null")
			return
		}
		L.RaiseError("Cannot serialise userdata: type not supported")
	case *lua.LTable:
		depth++
		if depth > j.encodeDepth {
			L.RaiseError("Cannot serialise, excessive nesting (%d)", depth)
		}
		n := j.arrayLen(L, x)
		if n > 0 {
			b.WriteByte('[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					b.WriteByte(',')
				}
				j.encode(L, b, x.RawGetInt(i), depth)
			}
			b.WriteByte(']')
			return
		}
		b.WriteByte('{')
		first := true
		forEach(x, func(k, val lua.LValue) {
			if !first {
				b.WriteByte(',')
			}
			first = false
			switch kk := k.(type) {
			case lua.LString:
				jsonString(b, string(kk))
			case lua.LNumber:
				b.WriteByte('"')
				b.WriteString(j.fmtNumber(float64(kk)))
				b.WriteByte('"')
			default:
				L.RaiseError("Cannot serialise table: table key must be a number or string")
			}
			b.WriteByte(':')
			j.encode(L, b, val, depth)
		})
		b.WriteByte('}')
	default:
		L.RaiseError("Cannot serialise %s: type not supported", v.Type().String())
	}
}

// arrayLen returns n > 0 when the table is an array of n items (holes
// allowed unless excessively sparse), 0 for an object.
func (j *cjson) arrayLen(L *lua.LState, t *lua.LTable) int {
	max, items := 0, 0
	obj := false
	forEach(t, func(k, _ lua.LValue) {
		n, ok := k.(lua.LNumber)
		if !ok || float64(n) < 1 || float64(n) != math.Floor(float64(n)) {
			obj = true
			return
		}
		if int(n) > max {
			max = int(n)
		}
		items++
	})
	if obj || max == 0 {
		return 0
	}
	if j.sparseRatio > 0 && max > items*j.sparseRatio && max > j.sparseSafe {
		if !j.sparseConvert {
			L.RaiseError("Cannot serialise table: excessively sparse array")
		}
		return 0
	}
	return max
}

func jsonString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '/':
			b.WriteString(`\/`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[c>>4])
				b.WriteByte("0123456789abcdef"[c&15])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

type jsonDecoder struct {
	L     *lua.LState
	j     *cjson
	s     string
	pos   int
	depth int
}

func (d *jsonDecoder) fail(what string) {
	tok := "invalid token"
	if d.pos >= len(d.s) {
		tok = "T_END"
	} else {
		switch c := d.s[d.pos]; {
		case c == '{':
			tok = "T_OBJ_BEGIN"
		case c == '}':
			tok = "T_OBJ_END"
		case c == '[':
			tok = "T_ARR_BEGIN"
		case c == ']':
			tok = "T_ARR_END"
		case c == ',':
			tok = "T_COMMA"
		case c == ':':
			tok = "T_COLON"
		case c == '"':
			tok = "T_STRING"
		case c == '-' || c >= '0' && c <= '9':
			tok = "T_NUMBER"
		case strings.HasPrefix(d.s[d.pos:], "true"), strings.HasPrefix(d.s[d.pos:], "false"):
			tok = "T_BOOLEAN"
		case strings.HasPrefix(d.s[d.pos:], "null"):
			tok = "T_NULL"
		}
	}
	d.L.RaiseError("Expected %s but found %s at character %d", what, tok, d.pos+1)
}

func (d *jsonDecoder) ws() {
	for d.pos < len(d.s) {
		switch d.s[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value() lua.LValue {
	d.ws()
	if d.pos >= len(d.s) {
		d.fail("value")
	}
	c := d.s[d.pos]
	switch {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return lua.LString(d.str())
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case strings.HasPrefix(d.s[d.pos:], "true"):
		d.pos += 4
		return lua.LTrue
	case strings.HasPrefix(d.s[d.pos:], "false"):
		d.pos += 5
		return lua.LFalse
	case strings.HasPrefix(d.s[d.pos:], "null"):
		d.pos += 4
		return d.j.null
	}
	d.fail("value")
	return lua.LNil
}

func (d *jsonDecoder) nest() {
	d.depth++
	if d.depth > d.j.decodeDepth {
		d.L.RaiseError("Found too many nested data structures (%d) at character %d", d.depth, d.pos+1)
	}
}

func (d *jsonDecoder) object() lua.LValue {
	d.nest()
	d.pos++
	t := d.L.NewTable()
	d.ws()
	if d.pos < len(d.s) && d.s[d.pos] == '}' {
		d.pos++
		d.depth--
		return t
	}
	for {
		d.ws()
		if d.pos >= len(d.s) || d.s[d.pos] != '"' {
			d.fail("object key string")
		}
		k := d.str()
		d.ws()
		if d.pos >= len(d.s) || d.s[d.pos] != ':' {
			d.fail("colon")
		}
		d.pos++
		t.RawSetString(k, d.value())
		d.ws()
		if d.pos < len(d.s) && d.s[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.pos < len(d.s) && d.s[d.pos] == '}' {
			d.pos++
			d.depth--
			return t
		}
		d.fail("comma or object end")
	}
}

func (d *jsonDecoder) array() lua.LValue {
	d.nest()
	d.pos++
	t := d.L.NewTable()
	d.ws()
	if d.pos < len(d.s) && d.s[d.pos] == ']' {
		d.pos++
		d.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, d.value())
		d.ws()
		if d.pos < len(d.s) && d.s[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.pos < len(d.s) && d.s[d.pos] == ']' {
			d.pos++
			d.depth--
			return t
		}
		d.fail("comma or array end")
	}
}

func (d *jsonDecoder) str() string {
	start := d.pos
	d.pos++
	var b strings.Builder
	for {
		if d.pos >= len(d.s) {
			d.pos = start
			d.fail("string")
		}
		c := d.s[d.pos]
		switch {
		case c == '"':
			d.pos++
			return b.String()
		case c == '\\':
			if d.pos+1 >= len(d.s) {
				d.pos = start
				d.fail("string")
			}
			e := d.s[d.pos+1]
			d.pos += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r := d.hex4()
				if r >= 0xd800 && r <= 0xdbff && strings.HasPrefix(d.s[d.pos:], `\u`) {
					d.pos += 2
					lo := d.hex4()
					r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
				}
				var buf [4]byte
				n := utf8.EncodeRune(buf[:], rune(r))
				b.Write(buf[:n])
			default:
				d.pos = start
				d.fail("string")
			}
		default:
			b.WriteByte(c)
			d.pos++
		}
	}
}

func (d *jsonDecoder) hex4() int {
	if d.pos+4 > len(d.s) {
		d.fail("string")
	}
	n, err := strconv.ParseUint(d.s[d.pos:d.pos+4], 16, 32)
	if err != nil {
		d.fail("string")
	}
	d.pos += 4
	return int(n)
}

func (d *jsonDecoder) number() lua.LValue {
	start := d.pos
	for d.pos < len(d.s) && strings.IndexByte("+-0123456789.eE", d.s[d.pos]) >= 0 {
		d.pos++
	}
	f, err := strconv.ParseFloat(d.s[start:d.pos], 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		d.pos = start
		d.fail("value")
	}
	return lua.LNumber(f)
}

func openCjson(L *lua.LState) *lua.LTable {
	j := &cjson{precision: 14, sparseRatio: 2, sparseSafe: 10, encodeDepth: cjsonMaxDepth, decodeDepth: cjsonMaxDepth}
	j.null = L.NewUserData()
	t := L.NewTable()
	t.RawSetString("encode", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.ArgError(1, "expected 1 argument")
		}
		var b strings.Builder
		j.encode(L, &b, L.Get(1), 0)
		L.Push(lua.LString(b.String()))
		return 1
	}))
	t.RawSetString("decode", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.ArgError(1, "expected 1 argument")
		}
		d := &jsonDecoder{L: L, j: j, s: L.CheckString(1)}
		v := d.value()
		d.ws()
		if d.pos < len(d.s) {
			d.fail("the end")
		}
		L.Push(v)
		return 1
	}))
	intOpt := func(p *int, lo, hi int) lua.LGFunction {
		return func(L *lua.LState) int {
			if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
				n := L.CheckInt(1)
				if n < lo || n > hi {
					L.ArgError(1, "expected integer between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi))
				}
				*p = n
			}
			L.Push(lua.LNumber(*p))
			return 1
		}
	}
	boolOpt := func(p *bool) lua.LGFunction {
		return func(L *lua.LState) int {
			if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
				*p = L.ToBool(1)
			}
			L.Push(lua.LBool(*p))
			return 1
		}
	}
	keep := true
	t.RawSetString("encode_number_precision", L.NewFunction(intOpt(&j.precision, 1, 14)))
	t.RawSetString("encode_max_depth", L.NewFunction(intOpt(&j.encodeDepth, 1, math.MaxInt32)))
	t.RawSetString("decode_max_depth", L.NewFunction(intOpt(&j.decodeDepth, 1, math.MaxInt32)))
	t.RawSetString("encode_keep_buffer", L.NewFunction(boolOpt(&keep)))
	t.RawSetString("encode_invalid_numbers", L.NewFunction(boolOpt(&j.invalidEnc)))
	t.RawSetString("decode_invalid_numbers", L.NewFunction(boolOpt(&j.invalidDec)))
	t.RawSetString("encode_sparse_array", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
			j.sparseConvert = L.ToBool(1)
		}
		if L.GetTop() >= 2 {
			j.sparseRatio = L.CheckInt(2)
		}
		if L.GetTop() >= 3 {
			j.sparseSafe = L.CheckInt(3)
		}
		L.Push(lua.LBool(j.sparseConvert))
		L.Push(lua.LNumber(j.sparseRatio))
		L.Push(lua.LNumber(j.sparseSafe))
		return 3
	}))
	t.RawSetString("new", L.NewFunction(func(L *lua.LState) int { L.Push(openCjson(L)); return 1 }))
	t.RawSetString("null", j.null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}
