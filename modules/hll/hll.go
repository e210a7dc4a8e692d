package hll

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// The representation is Redis's, byte for byte, so that GET of an HLL key
// returns what Redis returns and a value written by one server is read by
// the other:
//
//	header   "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes, then the
//	         cached cardinality, 8 bytes little endian; the top bit of the
//	         last byte set means the cache is stale.
//	dense    16384 registers of 6 bits, packed from the low bit of each byte.
//	sparse   a run-length code of the registers: ZERO 00xxxxxx (1-64 zero
//	         registers), XZERO 01xxxxxx yyyyyyyy (1-16384 zero registers),
//	         VAL 1vvvvvxx (1-4 registers of value 1-32).
const (
	hllP             = 14
	hllQ             = 64 - hllP
	numRegisters     = 1 << hllP
	registerMax      = 1<<6 - 1
	headerSize       = 16
	denseSize        = headerSize + (numRegisters*6+7)/8
	encodingDense    = 0
	encodingSparse   = 1
	sparseMaxValue   = 32
	sparseMaxValLen  = 4
	sparseMaxZeroLen = 64
	sparseMaxXZero   = 16384
	cacheByte        = 15 // the byte holding the stale-cache bit
	alphaInf         = 0.721347520444481703680
)

// newSparse returns an empty HLL as Redis creates it: a sparse header and
// one XZERO covering every register, with a valid cached cardinality of 0.
func newSparse() []byte {
	b := make([]byte, headerSize+2, headerSize+64)
	copy(b, "HYLL")
	b[4] = encodingSparse
	b[headerSize] = 0x40 | byte((sparseMaxXZero-1)>>8)
	b[headerSize+1] = byte((sparseMaxXZero - 1) & 0xff)
	return b
}

// murmur64A is MurmurHash64A as Redis uses it to hash elements.
func murmur64A(data []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ (uint64(len(data)) * m)
	n := len(data) &^ 7
	for i := 0; i < n; i += 8 {
		k := binary.LittleEndian.Uint64(data[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	tail := data[n:]
	if len(tail) > 0 {
		for i := len(tail) - 1; i >= 0; i-- {
			h ^= uint64(tail[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// patLen returns the register an element updates and the value it offers:
// one more than the number of zero bits after the index bits of its hash.
func patLen(ele []byte) (index int, count int) {
	hash := murmur64A(ele, 0xadc83b19)
	index = int(hash & (numRegisters - 1))
	hash >>= hllP
	hash |= 1 << hllQ
	return index, bits.TrailingZeros64(hash) + 1
}

// denseGet returns register i of dense registers r.
func denseGet(r []byte, i int) int {
	byteAt := i * 6 / 8
	fb := uint(i * 6 & 7)
	v := uint(r[byteAt]) >> fb
	if byteAt+1 < len(r) {
		v |= uint(r[byteAt+1]) << (8 - fb)
	}
	return int(v & registerMax)
}

// denseSetReg sets register i of dense registers r to v.
func denseSetReg(r []byte, i, v int) {
	byteAt := i * 6 / 8
	fb := uint(i * 6 & 7)
	r[byteAt] &^= byte(registerMax << fb)
	r[byteAt] |= byte(v << fb)
	if byteAt+1 < len(r) {
		r[byteAt+1] &^= byte(registerMax >> (8 - fb))
		r[byteAt+1] |= byte(v >> (8 - fb))
	}
}

// denseSet raises register i to count and reports whether it changed.
func denseSet(r []byte, i, count int) bool {
	if count > denseGet(r, i) {
		denseSetReg(r, i, count)
		return true
	}
	return false
}

// Sparse opcodes.
func isZero(b byte) bool  { return b&0xc0 == 0 }
func isXZero(b byte) bool { return b&0xc0 == 0x40 }
func isVal(b byte) bool   { return b&0x80 != 0 }
func zeroLen(b byte) int  { return int(b&0x3f) + 1 }
func valValue(b byte) int { return int(b>>2&0x1f) + 1 }
func valLen(b byte) int   { return int(b&3) + 1 }
func valOp(v, n int) byte { return byte((v-1)<<2|(n-1)) | 0x80 }

// xzeroLen reads the XZERO at p; a truncated one reads a missing second
// byte as 0, as Redis reads the string's terminator.
func xzeroLen(b []byte, p int) int {
	lo := 0
	if p+1 < len(b) {
		lo = int(b[p+1])
	}
	return (int(b[p]&0x3f)<<8 | lo) + 1
}

// appendZeros appends the opcode for n zero registers: ZERO when it fits,
// XZERO otherwise.
func appendZeros(seq []byte, n int) []byte {
	if n > sparseMaxZeroLen {
		return append(seq, 0x40|byte((n-1)>>8), byte((n-1)&0xff))
	}
	return append(seq, byte(n-1))
}

// toDense converts a sparse HLL to the dense encoding, keeping the header;
// ok is false when the sparse code does not cover exactly the registers.
func toDense(b []byte) (dense []byte, ok bool) {
	if b[4] == encodingDense {
		return b, true
	}
	dense = make([]byte, denseSize)
	copy(dense, b[:headerSize])
	dense[4] = encodingDense
	regs := dense[headerSize:]
	idx := 0
	for p := headerSize; p < len(b); {
		switch op := b[p]; {
		case isZero(op):
			idx += zeroLen(op)
			p++
		case isXZero(op):
			idx += xzeroLen(b, p)
			p += 2
		default:
			n, v := valLen(op), valValue(op)
			if n+idx > numRegisters {
				return nil, false
			}
			for range n {
				denseSetReg(regs, idx, v)
				idx++
			}
			p++
		}
	}
	if idx != numRegisters {
		return nil, false
	}
	return dense, true
}

// sparseSet raises register index to count in a sparse HLL, as Redis's
// hllSparseSet does (the same opcodes, split and merged the same way, so
// the bytes are Redis's), promoting it to dense when count does not fit a
// VAL opcode or the code would outgrow maxBytes. It returns the new value
// and 1 when a register changed, 0 when not, -1 when the code is corrupt.
func sparseSet(b []byte, index, count, maxBytes int) ([]byte, int) {
	if count > sparseMaxValue {
		return promote(b, index, count)
	}
	end := len(b)
	p, first, prev, span := headerSize, 0, -1, 0
	for p < end {
		oplen := 1
		switch op := b[p]; {
		case isZero(op):
			span = zeroLen(op)
		case isVal(op):
			span = valLen(op)
		default:
			span = xzeroLen(b, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return b, -1
	}
	op := b[p]
	runlen := 0
	switch {
	case isZero(op):
		runlen = zeroLen(op)
	case isXZero(op):
		runlen = xzeroLen(b, p)
	default:
		runlen = valLen(op)
	}
	updated := false
	if isVal(op) {
		if valValue(op) >= count {
			return b, 0
		}
		if runlen == 1 {
			b[p] = valOp(count, 1)
			updated = true
		}
	}
	if !updated && isZero(op) && runlen == 1 {
		b[p] = valOp(count, 1)
		updated = true
	}
	if !updated {
		// Split the opcode into up to three: what precedes the register,
		// the register, what follows.
		var seqBuf [5]byte
		seq := seqBuf[:0]
		last := first + span - 1
		if isVal(op) {
			cur := valValue(op)
			if index != first {
				seq = append(seq, valOp(cur, index-first))
			}
			seq = append(seq, valOp(count, 1))
			if index != last {
				seq = append(seq, valOp(cur, last-index))
			}
		} else {
			if index != first {
				seq = appendZeros(seq, index-first)
			}
			seq = append(seq, valOp(count, 1))
			if index != last {
				seq = appendZeros(seq, last-index)
			}
		}
		oldlen := 1
		if isXZero(op) {
			oldlen = 2
		}
		delta := len(seq) - oldlen
		if delta > 0 && len(b)+delta > maxBytes {
			return promote(b, index, count)
		}
		// As Redis: the tail moves only when an opcode follows; a
		// truncated XZERO at the very end (corrupt input) has none, and
		// the new code is cut to the new length, as Redis's memcpy past
		// the string's end leaves it.
		oldEnd := len(b)
		newLen := oldEnd + delta
		if need := max(newLen, p+len(seq)); need > len(b) {
			b = append(b, make([]byte, need-len(b))...)
		}
		if next := p + oldlen; next < oldEnd {
			copy(b[next+delta:], b[next:oldEnd])
		}
		copy(b[p:], seq)
		b = b[:newLen]
		end = newLen
	}
	// Merge adjacent VAL opcodes of the same value, from the opcode before
	// the change, over at most five opcodes, as Redis does.
	p = headerSize
	if prev >= 0 {
		p = prev
	}
	for scan := 5; p < end && scan > 0; {
		scan--
		switch {
		case isXZero(b[p]):
			p += 2
			continue
		case isZero(b[p]):
			p++
			continue
		}
		if p+1 < end && isVal(b[p+1]) {
			v1, v2 := valValue(b[p]), valValue(b[p+1])
			if n := valLen(b[p]) + valLen(b[p+1]); v1 == v2 && n <= sparseMaxValLen {
				b[p+1] = valOp(v1, n)
				copy(b[p:], b[p+1:end])
				end--
				b = b[:end]
				continue
			}
		}
		p++
	}
	b[cacheByte] |= 0x80
	return b, 1
}

// promote converts to dense and sets the register there.
func promote(b []byte, index, count int) ([]byte, int) {
	d, ok := toDense(b)
	if !ok {
		return b, -1
	}
	denseSet(d[headerSize:], index, count)
	return d, 1
}

// addElement adds one element; see sparseSet for the result.
func addElement(b []byte, ele []byte, maxBytes int) ([]byte, int) {
	index, count := patLen(ele)
	if b[4] == encodingDense {
		if denseSet(b[headerSize:], index, count) {
			return b, 1
		}
		return b, 0
	}
	return sparseSet(b, index, count, maxBytes)
}

// histogram counts the registers of each value; ok is false when a sparse
// code does not cover exactly the registers.
func histogram(b []byte) (h [64]int, ok bool) {
	if b[4] == encodingDense {
		r := b[headerSize:]
		for i := range numRegisters {
			h[denseGet(r, i)]++
		}
		return h, true
	}
	idx := 0
	for p := headerSize; p < len(b); {
		switch op := b[p]; {
		case isZero(op):
			n := zeroLen(op)
			idx += n
			h[0] += n
			p++
		case isXZero(op):
			n := xzeroLen(b, p)
			idx += n
			h[0] += n
			p += 2
		default:
			n := valLen(op)
			idx += n
			h[valValue(op)] += n
			p++
		}
	}
	return h, idx == numRegisters
}

// rawHistogram counts the registers of a raw array (one byte each).
func rawHistogram(r []byte) (h [64]int) {
	for _, v := range r {
		h[v]++
	}
	return h
}

// estimate is Redis's cardinality estimate from a register histogram
// (Otmar Ertl's improved estimator), in the same floating-point steps, so
// that the result is Redis's to the unit.
func estimate(h [64]int) uint64 {
	m := float64(numRegisters)
	z := m * tau((m-float64(h[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += m * sigma(float64(h[0])/m)
	return uint64(math.Round(alphaInf * m * m / z))
}

func sigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zPrime := z
		z += x * y
		y += y
		if zPrime == z {
			return z
		}
	}
}

func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zPrime := z
		y *= 0.5
		d := 1 - x
		z -= d * d * y
		if zPrime == z {
			return z / 3
		}
	}
}

// mergeInto raises the raw registers max to those of HLL b; ok is false
// when b's sparse code is corrupt.
func mergeInto(max []byte, b []byte) bool {
	if b[4] == encodingDense {
		r := b[headerSize:]
		for i := range numRegisters {
			if v := byte(denseGet(r, i)); v > max[i] {
				max[i] = v
			}
		}
		return true
	}
	i := 0
	for p := headerSize; p < len(b); {
		switch op := b[p]; {
		case isZero(op):
			i += zeroLen(op)
			p++
		case isXZero(op):
			i += xzeroLen(b, p)
			p += 2
		default:
			n, v := valLen(op), byte(valValue(op))
			if n+i > numRegisters {
				return false
			}
			for range n {
				if v > max[i] {
					max[i] = v
				}
				i++
			}
			p++
		}
	}
	return i == numRegisters
}

// valid reports whether b looks like an HLL: Redis's checks, the header's
// magic and encoding and a dense value's exact length.
func valid(b []byte) bool {
	if len(b) < headerSize || string(b[:4]) != "HYLL" || b[4] > encodingSparse {
		return false
	}
	return b[4] != encodingDense || len(b) == denseSize
}

// cached returns the cached cardinality and whether it is valid.
func cached(b []byte) (uint64, bool) {
	if b[cacheByte]&0x80 != 0 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[8:16]), true
}

// setCached stores a cardinality in the header, which makes it valid.
func setCached(b []byte, n uint64) { binary.LittleEndian.PutUint64(b[8:16], n) }
