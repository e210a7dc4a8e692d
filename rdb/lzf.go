package rdb

import "errors"

var errLZF = errors.New("invalid LZF data")

// lzfDecompress expands LZF data (the format of Redis's compressed strings)
// into exactly n bytes; anything that does not decode to exactly n bytes is
// an error.
func lzfDecompress(in []byte, n int) ([]byte, error) {
	out := make([]byte, 0, n)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 { // a run of ctrl+1 literal bytes
			run := ctrl + 1
			if i+run > len(in) || len(out)+run > n {
				return nil, errLZF
			}
			out = append(out, in[i:i+run]...)
			i += run
			continue
		}
		// A back reference: length in the top 3 bits (7: one more byte),
		// offset in the low 5 bits and the next byte.
		length := ctrl >> 5
		if length == 7 {
			if i >= len(in) {
				return nil, errLZF
			}
			length += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, errLZF
		}
		ref := len(out) - ((ctrl&0x1f)<<8 | int(in[i])) - 1
		i++
		length += 2
		if ref < 0 || len(out)+length > n {
			return nil, errLZF
		}
		for k := 0; k < length; k++ { // may overlap what it writes
			out = append(out, out[ref+k])
		}
	}
	if len(out) != n {
		return nil, errLZF
	}
	return out, nil
}

// lzfCompress compresses in with LZF, returning nil when the result would
// not be smaller. It finds matches of at least 3 bytes through a hash of the
// next 3 bytes, which is all the format needs for its decoder above and
// Redis's to read it.
func lzfCompress(in []byte) []byte {
	const (
		hashBits = 14
		maxOff   = 1 << 13
		maxRef   = (1 << 8) + (1 << 3)
	)
	if len(in) < 4 {
		return nil
	}
	var table [1 << hashBits]int32
	out := make([]byte, 0, len(in))
	lit := 0 // bytes in the current literal run
	litStart := -1
	flush := func() {
		if lit > 0 {
			out = append(out, byte(lit-1))
			out = append(out, in[litStart:litStart+lit]...)
			lit = 0
		}
	}
	i := 0
	for i < len(in)-2 {
		h := (uint32(in[i])<<16 | uint32(in[i+1])<<8 | uint32(in[i+2])) * 2654435761 >> (32 - hashBits)
		ref := int(table[h]) - 1
		table[h] = int32(i + 1)
		if ref >= 0 && i-ref-1 < maxOff && in[ref] == in[i] && in[ref+1] == in[i+1] && in[ref+2] == in[i+2] {
			length := 3
			for length < maxRef && i+length < len(in) && in[ref+length] == in[i+length] {
				length++
			}
			flush()
			off := i - ref - 1
			l := length - 2
			if l < 7 {
				out = append(out, byte(l<<5|off>>8))
			} else {
				out = append(out, byte(7<<5|off>>8), byte(l-7))
			}
			out = append(out, byte(off))
			i += length
			if len(out) >= len(in) {
				return nil
			}
			continue
		}
		if lit == 0 {
			litStart = i
		}
		lit++
		i++
		if lit == 32 {
			flush()
		}
		if len(out)+lit >= len(in) {
			return nil
		}
	}
	for ; i < len(in); i++ {
		if lit == 0 {
			litStart = i
		}
		lit++
		if lit == 32 {
			flush()
		}
	}
	flush()
	if len(out) >= len(in) {
		return nil
	}
	return out
}
