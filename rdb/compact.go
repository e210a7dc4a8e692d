package rdb

import (
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
)

// The compact encodings of older Redis versions, read only: ziplists
// (ziplist.c, lists/hashes/sorted sets up to 6.2), intsets (intset.c, sets
// of integers, still written by 7.0) and zipmaps (zipmap.c, hashes of 2.x).
// intsets are also written.

var (
	errZiplist = errors.New("invalid ziplist")
	errIntset  = errors.New("invalid intset")
	errZipmap  = errors.New("invalid zipmap")
)

// parseZiplist decodes every element of a ziplist: a header (total bytes,
// tail offset, count), entries each led by the previous entry's length and
// an encoding, and an 0xFF terminator.
func parseZiplist(b []byte) ([]lpEntry, error) {
	if len(b) < 11 || binary.LittleEndian.Uint32(b) != uint32(len(b)) || b[len(b)-1] != 0xFF {
		return nil, errZiplist
	}
	count := int(binary.LittleEndian.Uint16(b[8:]))
	out := make([]lpEntry, 0, min(count, len(b)/2))
	p := 10
	prev := 0
	for {
		if p >= len(b) {
			return nil, errZiplist
		}
		if b[p] == 0xFF {
			if p != len(b)-1 || (count != 65535 && count != len(out)) {
				return nil, errZiplist
			}
			return out, nil
		}
		start := p
		var prevlen int
		if b[p] < 254 {
			prevlen = int(b[p])
			p++
		} else {
			if p+5 > len(b) {
				return nil, errZiplist
			}
			prevlen = int(binary.LittleEndian.Uint32(b[p+1:]))
			p += 5
		}
		if prevlen != prev {
			return nil, errZiplist
		}
		if p >= len(b) {
			return nil, errZiplist
		}
		need := func(n int) bool { return n >= 0 && p+n <= len(b)-1 }
		c := b[p]
		var e lpEntry
		switch {
		case c>>6 == 0:
			n := int(c & 0x3f)
			if !need(1 + n) {
				return nil, errZiplist
			}
			e = lpEntry{s: b[p+1 : p+1+n]}
			p += 1 + n
		case c>>6 == 1:
			if !need(2) {
				return nil, errZiplist
			}
			n := int(c&0x3f)<<8 | int(b[p+1])
			if !need(2 + n) {
				return nil, errZiplist
			}
			e = lpEntry{s: b[p+2 : p+2+n]}
			p += 2 + n
		case c == 0x80:
			if !need(5) {
				return nil, errZiplist
			}
			n := int(binary.BigEndian.Uint32(b[p+1:]))
			if !need(5 + n) {
				return nil, errZiplist
			}
			e = lpEntry{s: b[p+5 : p+5+n]}
			p += 5 + n
		case c == 0xC0:
			if !need(3) {
				return nil, errZiplist
			}
			e = lpEntry{v: int64(int16(binary.LittleEndian.Uint16(b[p+1:]))), isInt: true}
			p += 3
		case c == 0xD0:
			if !need(5) {
				return nil, errZiplist
			}
			e = lpEntry{v: int64(int32(binary.LittleEndian.Uint32(b[p+1:]))), isInt: true}
			p += 5
		case c == 0xE0:
			if !need(9) {
				return nil, errZiplist
			}
			e = lpEntry{v: int64(binary.LittleEndian.Uint64(b[p+1:])), isInt: true}
			p += 9
		case c == 0xF0:
			if !need(4) {
				return nil, errZiplist
			}
			u := int32(uint32(b[p+1])|uint32(b[p+2])<<8|uint32(b[p+3])<<16) << 8 >> 8
			e = lpEntry{v: int64(u), isInt: true}
			p += 4
		case c == 0xFE:
			if !need(2) {
				return nil, errZiplist
			}
			e = lpEntry{v: int64(int8(b[p+1])), isInt: true}
			p += 2
		case c >= 0xF1 && c <= 0xFD:
			e = lpEntry{v: int64(c&0x0f) - 1, isInt: true}
			p++
		default:
			return nil, errZiplist
		}
		prev = p - start
		out = append(out, e)
	}
}

// parseIntset decodes an intset: its integer width (2, 4 or 8 bytes), count,
// and the integers in ascending order, little endian.
func parseIntset(b []byte) ([][]byte, error) {
	if len(b) < 8 {
		return nil, errIntset
	}
	width := binary.LittleEndian.Uint32(b)
	n := binary.LittleEndian.Uint32(b[4:])
	if width != 2 && width != 4 && width != 8 || uint64(len(b)-8) != uint64(n)*uint64(width) || n == 0 {
		return nil, errIntset
	}
	out := make([][]byte, n)
	var prev int64
	for i := range out {
		p := b[8+i*int(width):]
		var v int64
		switch width {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && v <= prev {
			return nil, errIntset
		}
		prev = v
		out[i] = strconv.AppendInt(nil, v, 10)
	}
	return out, nil
}

// buildIntset encodes sorted-to-be integers as an intset.
func buildIntset(vals []int64) []byte {
	slices.Sort(vals)
	width := 2
	for _, v := range vals {
		if v < -2147483648 || v > 2147483647 {
			width = 8
			break
		}
		if v < -32768 || v > 32767 {
			width = 4
		}
	}
	b := make([]byte, 8, 8+width*len(vals))
	binary.LittleEndian.PutUint32(b, uint32(width))
	binary.LittleEndian.PutUint32(b[4:], uint32(len(vals)))
	for _, v := range vals {
		switch width {
		case 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case 4:
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}

// parseZipmap decodes a zipmap into field, value pairs: a count byte, then
// per pair the field's length and bytes, the value's length, a free-space
// byte, the value and its free space, and an 0xFF terminator.
func parseZipmap(b []byte) ([][]byte, error) {
	if len(b) < 2 || b[len(b)-1] != 0xFF {
		return nil, errZipmap
	}
	p := 1
	readLen := func() (int, bool) {
		if p >= len(b) {
			return 0, false
		}
		c := b[p]
		if c < 254 {
			p++
			return int(c), true
		}
		if c == 254 && p+5 <= len(b) {
			n := int(binary.LittleEndian.Uint32(b[p+1:]))
			p += 5
			return n, n >= 0
		}
		return 0, false
	}
	var out [][]byte
	for {
		if p >= len(b) {
			return nil, errZipmap
		}
		if b[p] == 0xFF {
			if p != len(b)-1 {
				return nil, errZipmap
			}
			return out, nil
		}
		kl, ok := readLen()
		if !ok || p+kl > len(b) {
			return nil, errZipmap
		}
		k := append([]byte(nil), b[p:p+kl]...)
		p += kl
		vl, ok := readLen()
		if !ok || p >= len(b) {
			return nil, errZipmap
		}
		free := int(b[p])
		p++
		if p+vl+free > len(b) {
			return nil, errZipmap
		}
		v := append([]byte(nil), b[p:p+vl]...)
		p += vl + free
		out = append(out, k, v)
	}
}
