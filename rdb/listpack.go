package rdb

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/redmod/redmod/core"
)

// Listpacks are Redis 7's compact sequences (listpack.c): a 6-byte header
// (total bytes, element count), entries, and an 0xFF terminator. Each entry
// is an encoding byte with its data, then the entry's own length written
// backwards so the list can be walked from the end.

var errListpack = errors.New("invalid listpack")

// listpackWriter builds a listpack.
type listpackWriter struct {
	b []byte
	n int
}

func newListpack() *listpackWriter { return &listpackWriter{b: make([]byte, 6, 64)} }

// size is the listpack's length once finished.
func (w *listpackWriter) size() int { return len(w.b) + 1 }

// appendString adds s, as an integer when it is one in canonical form, as
// Redis's lpAppend does.
func (w *listpackWriter) appendString(s []byte) {
	if len(s) <= 20 {
		if v, ok := core.ParseInt(s); ok {
			w.appendInt(v)
			return
		}
	}
	start := len(w.b)
	switch n := len(s); {
	case n < 64:
		w.b = append(w.b, 0x80|byte(n))
	case n < 4096:
		w.b = append(w.b, 0xE0|byte(n>>8), byte(n))
	default:
		w.b = append(w.b, 0xF0)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(n))
	}
	w.b = append(w.b, s...)
	w.finishEntry(start)
}

func (w *listpackWriter) appendInt(v int64) {
	start := len(w.b)
	switch {
	case v >= 0 && v <= 127:
		w.b = append(w.b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & 0x1fff
		w.b = append(w.b, 0xC0|byte(u>>8), byte(u))
	case v >= -32768 && v <= 32767:
		w.b = append(w.b, 0xF1)
		w.b = binary.LittleEndian.AppendUint16(w.b, uint16(v))
	case v >= -8388608 && v <= 8388607:
		u := uint32(v)
		w.b = append(w.b, 0xF2, byte(u), byte(u>>8), byte(u>>16))
	case v >= -2147483648 && v <= 2147483647:
		w.b = append(w.b, 0xF3)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(v))
	default:
		w.b = append(w.b, 0xF4)
		w.b = binary.LittleEndian.AppendUint64(w.b, uint64(v))
	}
	w.finishEntry(start)
}

// finishEntry appends the back-length of the entry that starts at start.
func (w *listpackWriter) finishEntry(start int) {
	l := uint64(len(w.b) - start)
	switch {
	case l < 128:
		w.b = append(w.b, byte(l))
	case l < 16384:
		w.b = append(w.b, byte(l>>7), byte(l&127)|128)
	case l < 2097152:
		w.b = append(w.b, byte(l>>14), byte(l>>7&127)|128, byte(l&127)|128)
	case l < 268435456:
		w.b = append(w.b, byte(l>>21), byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	default:
		w.b = append(w.b, byte(l>>28), byte(l>>21&127)|128, byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	}
	w.n++
}

// finish terminates the listpack and fills in its header.
func (w *listpackWriter) finish() []byte {
	w.b = append(w.b, 0xFF)
	binary.LittleEndian.PutUint32(w.b, uint32(len(w.b)))
	n := w.n
	if n > 65535 {
		n = 65535 // unknown: counted by walking, as Redis does
	}
	binary.LittleEndian.PutUint16(w.b[4:], uint16(n))
	return w.b
}

// lpEntry is one decoded listpack element: a string, or an integer when
// isInt is set.
type lpEntry struct {
	s     []byte
	v     int64
	isInt bool
}

// bytes returns the element as a string (an integer in decimal), a slice
// the caller may keep.
func (e lpEntry) bytes() []byte {
	if e.isInt {
		return strconv.AppendInt(nil, e.v, 10)
	}
	return append([]byte(nil), e.s...)
}

// parseListpack decodes every element of a listpack, checking the header,
// every entry's bounds and back-length, and the terminator.
func parseListpack(b []byte) ([]lpEntry, error) {
	if len(b) < 7 || binary.LittleEndian.Uint32(b) != uint32(len(b)) || b[len(b)-1] != 0xFF {
		return nil, errListpack
	}
	count := int(binary.LittleEndian.Uint16(b[4:]))
	var out []lpEntry
	if count != 65535 {
		out = make([]lpEntry, 0, min(count, len(b)/2))
	}
	p := 6
	for {
		if p >= len(b) {
			return nil, errListpack
		}
		c := b[p]
		if c == 0xFF {
			if p != len(b)-1 || (count != 65535 && count != len(out)) {
				return nil, errListpack
			}
			return out, nil
		}
		start := p
		var e lpEntry
		need := func(n int) bool { return p+n <= len(b)-1 }
		switch {
		case c&0x80 == 0:
			e = lpEntry{v: int64(c), isInt: true}
			p++
		case c&0xC0 == 0x80:
			n := int(c & 0x3f)
			if !need(1 + n) {
				return nil, errListpack
			}
			e = lpEntry{s: b[p+1 : p+1+n]}
			p += 1 + n
		case c&0xE0 == 0xC0:
			if !need(2) {
				return nil, errListpack
			}
			u := int64(c&0x1f)<<8 | int64(b[p+1])
			if u >= 1<<12 {
				u -= 1 << 13
			}
			e = lpEntry{v: u, isInt: true}
			p += 2
		case c&0xF0 == 0xE0:
			if !need(2) {
				return nil, errListpack
			}
			n := int(c&0x0f)<<8 | int(b[p+1])
			if !need(2 + n) {
				return nil, errListpack
			}
			e = lpEntry{s: b[p+2 : p+2+n]}
			p += 2 + n
		case c == 0xF0:
			if !need(5) {
				return nil, errListpack
			}
			n := int(binary.LittleEndian.Uint32(b[p+1:]))
			if n < 0 || !need(5+n) {
				return nil, errListpack
			}
			e = lpEntry{s: b[p+5 : p+5+n]}
			p += 5 + n
		case c == 0xF1:
			if !need(3) {
				return nil, errListpack
			}
			e = lpEntry{v: int64(int16(binary.LittleEndian.Uint16(b[p+1:]))), isInt: true}
			p += 3
		case c == 0xF2:
			if !need(4) {
				return nil, errListpack
			}
			u := int32(uint32(b[p+1])|uint32(b[p+2])<<8|uint32(b[p+3])<<16) << 8 >> 8
			e = lpEntry{v: int64(u), isInt: true}
			p += 4
		case c == 0xF3:
			if !need(5) {
				return nil, errListpack
			}
			e = lpEntry{v: int64(int32(binary.LittleEndian.Uint32(b[p+1:]))), isInt: true}
			p += 5
		case c == 0xF4:
			if !need(9) {
				return nil, errListpack
			}
			e = lpEntry{v: int64(binary.LittleEndian.Uint64(b[p+1:])), isInt: true}
			p += 9
		default:
			return nil, errListpack
		}
		// The back-length: 1 to 5 bytes, the last with the high bit clear
		// when read from the end.
		l := uint64(p - start)
		var bl int
		switch {
		case l < 128:
			bl = 1
		case l < 16384:
			bl = 2
		case l < 2097152:
			bl = 3
		case l < 268435456:
			bl = 4
		default:
			bl = 5
		}
		if !need(bl) {
			return nil, errListpack
		}
		var got uint64
		for i := 0; i < bl; i++ {
			got = got<<7 | uint64(b[p+i]&127)
		}
		if got != l {
			return nil, errListpack
		}
		p += bl
		out = append(out, e)
	}
}
