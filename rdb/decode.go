package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/redmod/redmod/core"
)

// ErrCorrupt is wrapped by every error about input that is not valid RDB.
var ErrCorrupt = errors.New("invalid RDB data")

// MissingTypeError reports a valid value of a type this binary has no
// module for: a standard type whose module was left out of the build, or a
// module type (RDB_TYPE_MODULE_2) no registered type is named after.
type MissingTypeError struct {
	// Kind is the standard type, or core.NativeNone for a module type.
	Kind core.NativeKind
	// ModuleType and EncodingVersion name a module type.
	ModuleType      string
	EncodingVersion int
}

func (e *MissingTypeError) Error() string {
	if e.Kind != core.NativeNone {
		return fmt.Sprintf("it holds values of Redis type %s, and this binary has no module for that type: build it with the %s module (redmod build --with %s)",
			e.Kind, e.Kind.StandardModule(), e.Kind.StandardModule())
	}
	return fmt.Sprintf("it holds values of module type %q (encoding version %d), and no module of this binary provides that type: build in the module that defines it",
		e.ModuleType, e.EncodingVersion)
}

// decoder reads RDB encodings from b with bounds checks everywhere, so
// damaged input gives an error, never a panic or an allocation larger than
// the input can justify.
type decoder struct {
	b   []byte
	p   int
	ver int
}

func (d *decoder) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrCorrupt, what, d.p)
}

func (d *decoder) left() int { return len(d.b) - d.p }

func (d *decoder) byte1() (byte, error) {
	if d.p >= len(d.b) {
		return 0, d.fail("unexpected end")
	}
	c := d.b[d.p]
	d.p++
	return c, nil
}

func (d *decoder) raw(n int) ([]byte, error) {
	if n < 0 || n > d.left() {
		return nil, d.fail("unexpected end")
	}
	b := d.b[d.p : d.p+n]
	d.p += n
	return b, nil
}

// length reads a length; encoded is set (and the length is the encoding)
// for the special string encodings.
func (d *decoder) length() (n uint64, encoded bool, err error) {
	c, err := d.byte1()
	if err != nil {
		return 0, false, err
	}
	switch c >> 6 {
	case 0:
		return uint64(c & 0x3f), false, nil
	case 1:
		c2, err := d.byte1()
		return uint64(c&0x3f)<<8 | uint64(c2), false, err
	case 3:
		return uint64(c & 0x3f), true, nil
	}
	switch c {
	case 0x80:
		b, err := d.raw(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(b)), false, nil
	case 0x81:
		b, err := d.raw(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(b), false, nil
	}
	return 0, false, d.fail("bad length encoding")
}

// plainLen reads a length that may not be a string encoding.
func (d *decoder) plainLen() (uint64, error) {
	n, enc, err := d.length()
	if err == nil && enc {
		err = d.fail("unexpected string encoding")
	}
	return n, err
}

// count reads a number of items each at least minBytes long, refusing
// counts the remaining input cannot hold.
func (d *decoder) count(minBytes int) (int, error) {
	n, err := d.plainLen()
	if err != nil {
		return 0, err
	}
	if n > uint64(d.left()/minBytes) {
		return 0, d.fail("count larger than the data")
	}
	return int(n), nil
}

// str reads a string into a new slice the caller may keep.
func (d *decoder) str() ([]byte, error) {
	n, enc, err := d.length()
	if err != nil {
		return nil, err
	}
	if enc {
		switch n {
		case encInt8:
			b, err := d.raw(1)
			if err != nil {
				return nil, err
			}
			return strconv.AppendInt(nil, int64(int8(b[0])), 10), nil
		case encInt16:
			b, err := d.raw(2)
			if err != nil {
				return nil, err
			}
			return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(b))), 10), nil
		case encInt32:
			b, err := d.raw(4)
			if err != nil {
				return nil, err
			}
			return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(b))), 10), nil
		case encLZF:
			clen, err := d.plainLen()
			if err != nil {
				return nil, err
			}
			ulen, err := d.plainLen()
			if err != nil {
				return nil, err
			}
			if clen > uint64(d.left()) || ulen > 1<<32 || ulen > 256*clen+64 {
				return nil, d.fail("bad compressed string")
			}
			c, _ := d.raw(int(clen))
			out, err := lzfDecompress(c, int(ulen))
			if err != nil {
				return nil, d.fail(err.Error())
			}
			return out, nil
		}
		return nil, d.fail("unknown string encoding")
	}
	b, err := d.raw(int(min(n, uint64(math.MaxInt32+1))))
	if err != nil || n > math.MaxInt32 {
		return nil, d.fail("string longer than the data")
	}
	return append([]byte(nil), b...), nil
}

func (d *decoder) millis() (int64, error) {
	b, err := d.raw(8)
	if err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(b)), nil
}

func (d *decoder) rawID() (core.StreamID, error) {
	b, err := d.raw(16)
	if err != nil {
		return core.StreamID{}, err
	}
	return core.StreamID{Ms: binary.BigEndian.Uint64(b), Seq: binary.BigEndian.Uint64(b[8:])}, nil
}

// asciiDouble reads a score of the old ZSET type: a length byte (253 nan,
// 254 +inf, 255 -inf) and the number as text.
func (d *decoder) asciiDouble() (float64, error) {
	c, err := d.byte1()
	if err != nil {
		return 0, err
	}
	switch c {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	b, err := d.raw(int(c))
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, d.fail("bad score")
	}
	return f, nil
}

// nativeType returns the registered type of a standard kind.
func nativeType(k core.NativeKind) (*core.Type, error) {
	t, ok := core.NativeTypeFor(k)
	if !ok {
		return nil, &MissingTypeError{Kind: k}
	}
	return t, nil
}

// errEmpty reports a collection without elements, which Redis's loader
// skips and RESTORE refuses.
var errEmpty = fmt.Errorf("%w: empty collection", ErrCorrupt)

// build hands content to the kind's type.
func build(c core.NativeContent) (core.Value, error) {
	if c.Len == 0 && c.Kind != core.NativeStream {
		return nil, errEmpty
	}
	t, err := nativeType(c.Kind)
	if err != nil {
		return nil, err
	}
	v, err := t.Native.Build(c)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, c.Kind, err)
	}
	return v, nil
}

func elements(items [][]byte) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for _, it := range items {
			if !yield(it) {
				return
			}
		}
	}
}

func pairs(items [][]byte) func(func([]byte, []byte) bool) {
	return func(yield func([]byte, []byte) bool) {
		for i := 0; i+1 < len(items); i += 2 {
			if !yield(items[i], items[i+1]) {
				return
			}
		}
	}
}

func scoredSeq(ms [][]byte, ss []float64) func(func([]byte, float64) bool) {
	return func(yield func([]byte, float64) bool) {
		for i := range ms {
			if !yield(ms[i], ss[i]) {
				return
			}
		}
	}
}

// entryBytes converts compact entries to strings.
func entryBytes(es []lpEntry) [][]byte {
	out := make([][]byte, len(es))
	for i, e := range es {
		out[i] = e.bytes()
	}
	return out
}

// entryScore reads a score stored in a listpack or ziplist.
func entryScore(e lpEntry) (float64, error) {
	if e.isInt {
		return float64(e.v), nil
	}
	f, err := strconv.ParseFloat(string(e.s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%w: bad score %q", ErrCorrupt, e.s)
	}
	return f, nil
}

// blob reads a string that holds a compact encoding and decodes it.
func (d *decoder) blob(parse func([]byte) ([]lpEntry, error)) ([]lpEntry, error) {
	b, err := d.str()
	if err != nil {
		return nil, err
	}
	es, err := parse(b)
	if err != nil {
		return nil, d.fail(err.Error())
	}
	return es, nil
}

// object reads a value of the given object type.
func (d *decoder) object(typ byte) (core.Value, error) {
	switch typ {
	case typeString:
		b, err := d.str()
		if err != nil {
			return nil, err
		}
		return core.NewString(b), nil
	case typeList, typeSet:
		n, err := d.count(1)
		if err != nil {
			return nil, err
		}
		items := make([][]byte, 0, n)
		for i := 0; i < n; i++ {
			s, err := d.str()
			if err != nil {
				return nil, err
			}
			items = append(items, s)
		}
		if typ == typeList {
			return build(core.ListContent(n, elements(items)))
		}
		return build(core.SetContent(n, elements(items)))
	case typeZSet, typeZSet2:
		n, err := d.count(2)
		if err != nil {
			return nil, err
		}
		ms := make([][]byte, 0, n)
		ss := make([]float64, 0, n)
		for i := 0; i < n; i++ {
			m, err := d.str()
			if err != nil {
				return nil, err
			}
			var s float64
			if typ == typeZSet {
				s, err = d.asciiDouble()
			} else {
				var b []byte
				b, err = d.raw(8)
				if err == nil {
					s = math.Float64frombits(binary.LittleEndian.Uint64(b))
				}
			}
			if err != nil {
				return nil, err
			}
			ms, ss = append(ms, m), append(ss, s)
		}
		return build(core.ZSetContent(n, scoredSeq(ms, ss)))
	case typeHash:
		n, err := d.count(2)
		if err != nil {
			return nil, err
		}
		items := make([][]byte, 0, 2*n)
		for i := 0; i < 2*n; i++ {
			s, err := d.str()
			if err != nil {
				return nil, err
			}
			items = append(items, s)
		}
		return build(core.HashContent(n, pairs(items)))
	case typeHashZipmap:
		b, err := d.str()
		if err != nil {
			return nil, err
		}
		items, err := parseZipmap(b)
		if err != nil {
			return nil, d.fail(err.Error())
		}
		return build(core.HashContent(len(items)/2, pairs(items)))
	case typeListZiplist:
		es, err := d.blob(parseZiplist)
		if err != nil {
			return nil, err
		}
		return build(core.ListContent(len(es), elements(entryBytes(es))))
	case typeSetIntset:
		b, err := d.str()
		if err != nil {
			return nil, err
		}
		items, err := parseIntset(b)
		if err != nil {
			return nil, d.fail(err.Error())
		}
		return build(core.SetContent(len(items), elements(items)))
	case typeSetListpack:
		es, err := d.blob(parseListpack)
		if err != nil {
			return nil, err
		}
		return build(core.SetContent(len(es), elements(entryBytes(es))))
	case typeHashZiplist, typeHashListpack:
		parse := parseZiplist
		if typ == typeHashListpack {
			parse = parseListpack
		}
		es, err := d.blob(parse)
		if err != nil {
			return nil, err
		}
		if len(es)%2 != 0 {
			return nil, d.fail("odd number of hash elements")
		}
		return build(core.HashContent(len(es)/2, pairs(entryBytes(es))))
	case typeZSetZiplist, typeZSetListpack:
		parse := parseZiplist
		if typ == typeZSetListpack {
			parse = parseListpack
		}
		es, err := d.blob(parse)
		if err != nil {
			return nil, err
		}
		if len(es)%2 != 0 {
			return nil, d.fail("odd number of sorted set elements")
		}
		ms := make([][]byte, 0, len(es)/2)
		ss := make([]float64, 0, len(es)/2)
		for i := 0; i < len(es); i += 2 {
			s, err := entryScore(es[i+1])
			if err != nil {
				return nil, err
			}
			ms, ss = append(ms, es[i].bytes()), append(ss, s)
		}
		return build(core.ZSetContent(len(ms), scoredSeq(ms, ss)))
	case typeListQuicklist, typeListQuicklist2:
		nodes, err := d.count(2)
		if err != nil {
			return nil, err
		}
		var items [][]byte
		for i := 0; i < nodes; i++ {
			container := uint64(containerPacked)
			if typ == typeListQuicklist2 {
				if container, err = d.plainLen(); err != nil {
					return nil, err
				}
				if container != containerPlain && container != containerPacked {
					return nil, d.fail("bad quicklist container")
				}
			}
			if container == containerPlain {
				s, err := d.str()
				if err != nil {
					return nil, err
				}
				items = append(items, s)
				continue
			}
			parse := parseZiplist
			if typ == typeListQuicklist2 {
				parse = parseListpack
			}
			es, err := d.blob(parse)
			if err != nil {
				return nil, err
			}
			items = append(items, entryBytes(es)...)
		}
		return build(core.ListContent(len(items), elements(items)))
	case typeStreamListpacks, typeStreamListpack2, typeStreamListpack3:
		s, err := d.stream(typ)
		if err != nil {
			return nil, err
		}
		return build(core.NativeContent{Kind: core.NativeStream, Len: int(s.Length), Stream: s})
	case typeModule2:
		return d.module()
	case typeModule:
		return nil, d.fail("module value of the pre-4.0 format (RDB_TYPE_MODULE), which cannot be read without its module")
	}
	return nil, d.fail(fmt.Sprintf("unknown value type %d", typ))
}

// module reads a module value. A registered type of that module type name
// gets the bytes of the string field its own encoder wrote; a type that is
// not registered is reported by name.
func (d *decoder) module() (core.Value, error) {
	id, err := d.plainLen()
	if err != nil {
		return nil, err
	}
	name, encver := moduleName(id)
	t, ok := core.LookupModuleType(name)
	if !ok {
		return nil, &MissingTypeError{ModuleType: name, EncodingVersion: encver}
	}
	var payload []byte
	fields := 0
	for {
		op, err := d.plainLen()
		if err != nil {
			return nil, err
		}
		if op == moduleOpEOF {
			break
		}
		if op != moduleOpString || fields > 0 {
			return nil, d.fail(fmt.Sprintf("module type %s: value not written by redmod", name))
		}
		if payload, err = d.str(); err != nil {
			return nil, err
		}
		fields++
	}
	if fields != 1 {
		return nil, d.fail(fmt.Sprintf("module type %s: empty value", name))
	}
	v, err := t.Decode(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: module type %s: %v", ErrCorrupt, name, err)
	}
	return v, nil
}

// skipModuleData skips the tagged fields of module data up to its end
// marker, as redis-check-rdb does for modules it does not know.
func (d *decoder) skipModuleData() error {
	for {
		op, err := d.plainLen()
		if err != nil {
			return err
		}
		switch op {
		case moduleOpEOF:
			return nil
		case moduleOpSInt, moduleOpUInt:
			_, err = d.plainLen()
		case moduleOpFloat:
			_, err = d.raw(4)
		case moduleOpDouble:
			_, err = d.raw(8)
		case moduleOpString:
			_, err = d.str()
		default:
			return d.fail("bad module data opcode")
		}
		if err != nil {
			return err
		}
	}
}

// stream reads the three stream types.
func (d *decoder) stream(typ byte) (*core.StreamContent, error) {
	nodes, err := d.count(2)
	if err != nil {
		return nil, err
	}
	type entry struct {
		id core.StreamID
		kv [][]byte
	}
	var entries []entry
	for i := 0; i < nodes; i++ {
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		if len(key) != 16 {
			return nil, d.fail("bad stream node key")
		}
		master := core.StreamID{Ms: binary.BigEndian.Uint64(key), Seq: binary.BigEndian.Uint64(key[8:])}
		es, err := d.blob(parseListpack)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			return nil, d.fail("empty listpack inside stream")
		}
		p := 0
		next := func() (lpEntry, bool) {
			if p >= len(es) {
				return lpEntry{}, false
			}
			p++
			return es[p-1], true
		}
		nextInt := func() (int64, bool) {
			e, ok := next()
			if !ok {
				return 0, false
			}
			if e.isInt {
				return e.v, true
			}
			v, ok := core.ParseInt(e.s)
			return v, ok
		}
		bad := func() error { return d.fail("bad stream listpack") }
		count, ok1 := nextInt()
		deleted, ok2 := nextInt()
		nf, ok3 := nextInt()
		if !ok1 || !ok2 || !ok3 || nf < 0 || int(nf) > len(es) || count < 0 || deleted < 0 {
			return nil, bad()
		}
		fields := make([][]byte, nf)
		for j := range fields {
			e, ok := next()
			if !ok {
				return nil, bad()
			}
			fields[j] = e.bytes()
		}
		if z, ok := nextInt(); !ok || z != 0 {
			return nil, bad()
		}
		for p < len(es) {
			flags, ok1 := nextInt()
			msd, ok2 := nextInt()
			seqd, ok3 := nextInt()
			if !ok1 || !ok2 || !ok3 {
				return nil, bad()
			}
			id := core.StreamID{Ms: master.Ms + uint64(msd), Seq: master.Seq + uint64(seqd)}
			var kv [][]byte
			if flags&streamFlagSameFields != 0 {
				kv = make([][]byte, 0, 2*len(fields))
				for _, f := range fields {
					e, ok := next()
					if !ok {
						return nil, bad()
					}
					kv = append(kv, f, e.bytes())
				}
			} else {
				n, ok := nextInt()
				if !ok || n < 0 || int(n) > len(es) {
					return nil, bad()
				}
				kv = make([][]byte, 0, 2*n)
				for j := 0; j < int(2*n); j++ {
					e, ok := next()
					if !ok {
						return nil, bad()
					}
					kv = append(kv, e.bytes())
				}
			}
			if _, ok := nextInt(); !ok { // lp-count
				return nil, bad()
			}
			if flags&streamFlagDeleted == 0 {
				if len(entries) > 0 && !idLess(entries[len(entries)-1].id, id) {
					return nil, d.fail("stream entries out of order")
				}
				entries = append(entries, entry{id, kv})
			}
		}
	}
	s := &core.StreamContent{}
	var err2 error
	get := func() uint64 {
		if err2 != nil {
			return 0
		}
		var n uint64
		n, err2 = d.plainLen()
		return n
	}
	s.Length = get()
	s.LastID = core.StreamID{Ms: get(), Seq: get()}
	if typ >= typeStreamListpack2 {
		s.FirstID = core.StreamID{Ms: get(), Seq: get()}
		s.MaxDeletedID = core.StreamID{Ms: get(), Seq: get()}
		s.EntriesAdded = get()
	} else {
		s.EntriesAdded = s.Length
		if len(entries) > 0 {
			s.FirstID = entries[0].id
		}
	}
	if err2 != nil {
		return nil, err2
	}
	if s.Length != uint64(len(entries)) {
		return nil, d.fail("stream length does not match its entries")
	}
	s.Entries = func(yield func(core.StreamID, [][]byte) bool) {
		for _, e := range entries {
			if !yield(e.id, e.kv) {
				return
			}
		}
	}
	ng, err := d.count(2)
	if err != nil {
		return nil, err
	}
	for i := 0; i < ng; i++ {
		var g core.StreamGroup
		if g.Name, err = d.str(); err != nil {
			return nil, err
		}
		g.LastID = core.StreamID{Ms: get(), Seq: get()}
		if typ >= typeStreamListpack2 {
			g.EntriesRead = int64(get())
		} else {
			g.EntriesRead = legacyEntriesRead(s, g.LastID)
		}
		if err2 != nil {
			return nil, err2
		}
		np, err := d.count(17)
		if err != nil {
			return nil, err
		}
		index := make(map[core.StreamID]int, np)
		for j := 0; j < np; j++ {
			var pe core.StreamPending
			if pe.ID, err = d.rawID(); err != nil {
				return nil, err
			}
			if pe.DeliveryTime, err = d.millis(); err != nil {
				return nil, err
			}
			if pe.DeliveryCount, err = d.plainLen(); err != nil {
				return nil, err
			}
			if _, dup := index[pe.ID]; dup {
				return nil, d.fail("duplicated pending entry")
			}
			index[pe.ID] = len(g.Pending)
			g.Pending = append(g.Pending, pe)
		}
		nc, err := d.count(9)
		if err != nil {
			return nil, err
		}
		for j := 0; j < nc; j++ {
			c := core.StreamConsumer{ActiveTime: -1}
			if c.Name, err = d.str(); err != nil {
				return nil, err
			}
			if c.SeenTime, err = d.millis(); err != nil {
				return nil, err
			}
			if typ >= typeStreamListpack3 {
				if c.ActiveTime, err = d.millis(); err != nil {
					return nil, err
				}
			}
			n, err := d.count(16)
			if err != nil {
				return nil, err
			}
			for k := 0; k < n; k++ {
				id, err := d.rawID()
				if err != nil {
					return nil, err
				}
				at, ok := index[id]
				if !ok || g.Pending[at].Consumer != nil {
					return nil, d.fail("consumer's pending entry not in the group's list")
				}
				g.Pending[at].Consumer = c.Name
			}
			g.Consumers = append(g.Consumers, c)
		}
		for _, pe := range g.Pending {
			if pe.Consumer == nil {
				return nil, d.fail("pending entry without a consumer")
			}
		}
		s.Groups = append(s.Groups, g)
	}
	return s, nil
}

func idLess(a, b core.StreamID) bool { return a.Ms < b.Ms || a.Ms == b.Ms && a.Seq < b.Seq }

// legacyEntriesRead is the entries-read counter Redis gives, when loading
// a stream saved before Redis 7.0 (which kept none), to a group whose last
// delivered ID is last: its estimate of last's distance from the first
// entry ever added, -1 when it cannot tell. Such a stream has no deleted
// ID recorded and counts its entries as all it ever added.
func legacyEntriesRead(s *core.StreamContent, last core.StreamID) int64 {
	switch {
	case s.EntriesAdded == 0:
		return 0
	case last == s.LastID, s.Length == 0 && idLess(last, s.LastID):
		return int64(s.EntriesAdded)
	case idLess(s.LastID, last):
		return -1
	case idLess(last, s.FirstID):
		return int64(s.EntriesAdded - s.Length)
	case last == s.FirstID:
		return int64(s.EntriesAdded - s.Length + 1)
	}
	return -1
}
