package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/redmod/redmod/core"
)

// Sizes of the compact encodings the writer chooses, Redis 7.0's defaults:
// a list node's listpack holds up to 8 KB (list-max-listpack-size -2), a
// stream node up to 100 entries or 4 KB (stream-node-max-entries and
// -bytes).
const (
	listNodeBytes     = 8192
	streamNodeEntries = 100
	streamNodeBytes   = 4096
)

// encoder appends RDB encodings to b.
type encoder struct {
	b        []byte
	compress bool
}

func (e *encoder) byte1(c byte) { e.b = append(e.b, c) }

// length appends a length: 6 or 14 bits, or a marker and 32 or 64 bits big
// endian.
func (e *encoder) length(n uint64) {
	switch {
	case n < 1<<6:
		e.b = append(e.b, byte(n))
	case n < 1<<14:
		e.b = append(e.b, 0x40|byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		e.b = append(e.b, 0x80)
		e.b = binary.BigEndian.AppendUint32(e.b, uint32(n))
	default:
		e.b = append(e.b, 0x81)
		e.b = binary.BigEndian.AppendUint64(e.b, n)
	}
}

// str appends a string: as an 8, 16 or 32-bit integer when it is one in
// canonical form, LZF-compressed when longer than 20 bytes and compression
// saves space, else raw, as Redis's rdbSaveRawString chooses.
func (e *encoder) str(s []byte) {
	if len(s) <= 11 {
		if v, ok := core.ParseInt(s); ok && v >= math.MinInt32 && v <= math.MaxInt32 {
			e.int(v)
			return
		}
	}
	if e.compress && len(s) > 20 {
		if c := lzfCompress(s); c != nil {
			e.b = append(e.b, 0xC0|encLZF)
			e.length(uint64(len(c)))
			e.length(uint64(len(s)))
			e.b = append(e.b, c...)
			return
		}
	}
	e.length(uint64(len(s)))
	e.b = append(e.b, s...)
}

// int appends v (within int32) in the smallest integer string encoding.
func (e *encoder) int(v int64) {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		e.b = append(e.b, 0xC0|encInt8, byte(v))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		e.b = append(e.b, 0xC0|encInt16)
		e.b = binary.LittleEndian.AppendUint16(e.b, uint16(v))
	default:
		e.b = append(e.b, 0xC0|encInt32)
		e.b = binary.LittleEndian.AppendUint32(e.b, uint32(v))
	}
}

func (e *encoder) millis(ms int64) { e.b = binary.LittleEndian.AppendUint64(e.b, uint64(ms)) }

func (e *encoder) rawID(id core.StreamID) {
	e.b = binary.BigEndian.AppendUint64(e.b, id.Ms)
	e.b = binary.BigEndian.AppendUint64(e.b, id.Seq)
}

// value appends the object type byte and the encoding of v.
func (e *encoder) value(v core.Value) error {
	if s, ok := v.(*core.String); ok {
		e.byte1(typeString)
		e.str(s.B)
		return nil
	}
	t := v.Type()
	if t.Native == nil {
		return e.module(v)
	}
	nv, ok := v.(core.NativeValue)
	if !ok {
		return fmt.Errorf("rdb: type %s declares Native but its values do not implement core.NativeValue", t.Name)
	}
	c := nv.NativeContent()
	switch c.Kind {
	case core.NativeList:
		e.list(c)
	case core.NativeSet:
		e.set(c, v.Encoding())
	case core.NativeHash:
		e.hash(c, v.Encoding())
	case core.NativeZSet:
		e.zset(c, v.Encoding())
	case core.NativeStream:
		if c.Stream == nil {
			return fmt.Errorf("rdb: stream value of type %s has no stream content", t.Name)
		}
		e.stream(c.Stream)
	default:
		return fmt.Errorf("rdb: type %s has unknown native kind %d", t.Name, c.Kind)
	}
	return nil
}

// module appends a value of a non-native type as a module value: the id of
// its module type name and encoding version, the type's own encoding as one
// string field, and the end marker.
func (e *encoder) module(v core.Value) error {
	t := v.Type()
	e.byte1(typeModule2)
	e.length(ModuleID(t.RDBModuleName(), t.EncodingVersion))
	e.length(moduleOpString)
	e.str(v.AppendSnapshot(nil))
	e.length(moduleOpEOF)
	return nil
}

// list appends a quicklist 2: nodes of listpacks of up to 8 KB.
func (e *encoder) list(c core.NativeContent) {
	e.byte1(typeListQuicklist2)
	var nodes [][]byte
	lp := newListpack()
	for el := range c.Elements {
		if lp.n > 0 && lp.size()+len(el)+11 > listNodeBytes {
			nodes = append(nodes, lp.finish())
			lp = newListpack()
		}
		lp.appendString(el)
	}
	if lp.n > 0 {
		nodes = append(nodes, lp.finish())
	}
	e.length(uint64(len(nodes)))
	for _, n := range nodes {
		e.length(containerPacked)
		e.str(n)
	}
}

// set appends an intset when the value reports that encoding and every
// member is an integer, else a plain set (Redis 7.0 knows no set listpack;
// it converts small sets on load).
func (e *encoder) set(c core.NativeContent, enc string) {
	if enc == "intset" {
		vals := make([]int64, 0, c.Len)
		ok := true
		for m := range c.Elements {
			v, isInt := core.ParseInt(m)
			if !isInt {
				ok = false
				break
			}
			vals = append(vals, v)
		}
		if ok && len(vals) > 0 {
			e.byte1(typeSetIntset)
			e.str(buildIntset(vals))
			return
		}
	}
	e.byte1(typeSet)
	e.length(uint64(c.Len))
	n := 0
	for m := range c.Elements {
		if n == c.Len {
			break
		}
		e.str(m)
		n++
	}
	e.pad(n, c.Len)
}

// pad keeps an encoding readable when a value yielded fewer elements than
// its Len promised: that is a bug in the type, reported by the panic the
// host recovers from rather than by writing a file that cannot be read.
func (e *encoder) pad(got, want int) {
	if got != want {
		panic(fmt.Sprintf("rdb: value yielded %d elements, its Len is %d", got, want))
	}
}

// hash appends a listpack of fields and values when the value reports that
// encoding, else a plain hash.
func (e *encoder) hash(c core.NativeContent, enc string) {
	if enc == "listpack" || enc == "ziplist" {
		lp := newListpack()
		for f, v := range c.Pairs {
			lp.appendString(f)
			lp.appendString(v)
		}
		e.byte1(typeHashListpack)
		e.str(lp.finish())
		return
	}
	e.byte1(typeHash)
	e.length(uint64(c.Len))
	n := 0
	for f, v := range c.Pairs {
		if n == c.Len {
			break
		}
		e.str(f)
		e.str(v)
		n++
	}
	e.pad(n, c.Len)
}

type scored struct {
	m []byte
	s float64
}

// zset appends a listpack of members and scores in score order when the
// value reports that encoding, else a skiplist set with binary scores.
func (e *encoder) zset(c core.NativeContent, enc string) {
	if enc == "listpack" || enc == "ziplist" {
		all := make([]scored, 0, c.Len)
		for m, s := range c.Scored {
			all = append(all, scored{bytes.Clone(m), s}) // the iterator may reuse m
		}
		// Redis's listpack sorted sets must be in (score, member) order.
		slices.SortFunc(all, func(a, b scored) int {
			if a.s != b.s {
				if a.s < b.s {
					return -1
				}
				return 1
			}
			return bytes.Compare(a.m, b.m)
		})
		lp := newListpack()
		for _, x := range all {
			lp.appendString(x.m)
			lp.appendString(formatScore(x.s))
		}
		e.byte1(typeZSetListpack)
		e.str(lp.finish())
		return
	}
	e.byte1(typeZSet2)
	e.length(uint64(c.Len))
	n := 0
	for m, s := range c.Scored {
		if n == c.Len {
			break
		}
		e.str(m)
		e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(s))
		n++
	}
	e.pad(n, c.Len)
}

// formatScore writes a score as Redis's d2string does for listpacks: an
// integer when it is one, else the shortest text that reads back exactly.
func formatScore(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return []byte("inf")
	case math.IsInf(f, -1):
		return []byte("-inf")
	case f == math.Trunc(f) && f >= -1<<52 && f <= 1<<52 && !(f == 0 && math.Signbit(f)):
		return strconv.AppendInt(nil, int64(f), 10)
	}
	return strconv.AppendFloat(nil, f, 'g', 17, 64)
}

// stream appends a stream as STREAM_LISTPACKS_2 (Redis 7.0): nodes of
// listpacks keyed by their first ID, the stream's counters, and the consumer
// groups with their pending entries and consumers.
func (e *encoder) stream(s *core.StreamContent) {
	e.byte1(typeStreamListpack2)
	type node struct {
		master core.StreamID
		lp     *listpackWriter
	}
	var nodes []node
	var cur *listpackWriter
	var master core.StreamID
	var masterFields [][]byte
	entries := 0
	startNode := func(id core.StreamID, kv [][]byte) {
		cur = newListpack()
		master = id
		masterFields = masterFields[:0]
		for i := 0; i+1 < len(kv); i += 2 {
			masterFields = append(masterFields, kv[i])
		}
		entries = 0
		// Master entry: valid count and deleted count (patched when the
		// node is done), the fields, and a 0 terminator.
		cur.appendInt(0)
		cur.appendInt(0)
		cur.appendInt(int64(len(masterFields)))
		for _, f := range masterFields {
			cur.appendString(f)
		}
		cur.appendInt(0)
		nodes = append(nodes, node{id, cur})
	}
	finishNode := func() {
		if cur == nil {
			return
		}
		// Rewrite the valid-count entry now that it is known: rebuild the
		// listpack's first element (always a 1-byte integer up to 100).
		cur.b[6] = byte(entries)
	}
	for id, kv := range s.Entries {
		if cur == nil || entries >= streamNodeEntries || cur.size() >= streamNodeBytes {
			finishNode()
			startNode(id, kv)
		}
		same := len(kv) == 2*len(masterFields)
		for i := 0; same && i < len(masterFields); i++ {
			same = bytes.Equal(kv[2*i], masterFields[i])
		}
		flags := int64(0)
		if same {
			flags = streamFlagSameFields
		}
		cur.appendInt(flags)
		cur.appendInt(int64(id.Ms - master.Ms))
		cur.appendInt(int64(id.Seq - master.Seq))
		nf := len(kv) / 2
		if same {
			for i := 1; i < len(kv); i += 2 {
				cur.appendString(kv[i])
			}
			cur.appendInt(int64(nf + 3))
		} else {
			cur.appendInt(int64(nf))
			for _, x := range kv[:2*nf] {
				cur.appendString(x)
			}
			cur.appendInt(int64(2*nf + 4))
		}
		entries++
	}
	finishNode()
	e.length(uint64(len(nodes)))
	for _, n := range nodes {
		var key [16]byte
		binary.BigEndian.PutUint64(key[:], n.master.Ms)
		binary.BigEndian.PutUint64(key[8:], n.master.Seq)
		e.str(key[:])
		e.str(n.lp.finish())
	}
	e.length(s.Length)
	e.length(s.LastID.Ms)
	e.length(s.LastID.Seq)
	e.length(s.FirstID.Ms)
	e.length(s.FirstID.Seq)
	e.length(s.MaxDeletedID.Ms)
	e.length(s.MaxDeletedID.Seq)
	e.length(s.EntriesAdded)
	e.length(uint64(len(s.Groups)))
	for _, g := range s.Groups {
		e.str(g.Name)
		e.length(g.LastID.Ms)
		e.length(g.LastID.Seq)
		e.length(uint64(g.EntriesRead))
		e.length(uint64(len(g.Pending)))
		for _, p := range g.Pending {
			e.rawID(p.ID)
			e.millis(p.DeliveryTime)
			e.length(p.DeliveryCount)
		}
		e.length(uint64(len(g.Consumers)))
		for _, c := range g.Consumers {
			e.str(c.Name)
			e.millis(c.SeenTime)
			var own []core.StreamID
			for _, p := range g.Pending {
				if bytes.Equal(p.Consumer, c.Name) {
					own = append(own, p.ID)
				}
			}
			e.length(uint64(len(own)))
			for _, id := range own {
				e.rawID(id)
			}
		}
	}
}
