package core

import "math/bits"

// digitPairs holds "00" to "99": the integer encoder below writes two
// digits per division, which halves the divisions strconv's general
// formatting would leave on the reply path.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendRESPInt appends prefix, n in decimal and CRLF: the header of an
// integer reply (':'), an array ('*') or a bulk string ('$'). Integer
// replies are most of what write commands answer (LPUSH and RPUSH reply the
// list's length, which grows into the millions under load), so the line is
// written straight into dst's spare room, instead of three appends around
// strconv.AppendInt.
func appendRESPInt(dst []byte, prefix byte, n int64) []byte {
	if uint64(n) < 10 {
		return append(dst, prefix, byte('0'+n), '\r', '\n')
	}
	u := uint64(n)
	if n < 0 {
		u = -u // MinInt64 too: its magnitude fits a uint64
	}
	size := 3 + decimalDigits(u) // prefix, digits, CRLF
	if n < 0 {
		size++
	}
	if cap(dst)-len(dst) < size {
		dst = append(dst, make([]byte, size)...)[:len(dst)]
	}
	// The line is written in place in dst's spare room, backwards from
	// its CRLF: no intermediate buffer, no copy.
	at := len(dst)
	b := dst[at : at+size]
	i := size - 2
	b[i], b[i+1] = '\r', '\n'
	for u >= 100 {
		q := u / 100
		r := (u - q*100) * 2
		i -= 2
		b[i], b[i+1] = digitPairs[r], digitPairs[r+1]
		u = q
	}
	if u >= 10 {
		b[i-2], b[i-1] = digitPairs[2*u], digitPairs[2*u+1]
	} else {
		b[i-1] = byte('0' + u)
	}
	b[0] = prefix
	if n < 0 {
		b[1] = '-'
	}
	return dst[:at+size]
}

// pow10 holds 10^0 to 10^19, for decimalDigits.
var pow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// decimalDigits returns how many decimal digits u has (1 for 0): the
// estimate from its bit length (log10(2) ~ 1233/4096) is exact or one
// short.
func decimalDigits(u uint64) int {
	d := bits.Len64(u) * 1233 >> 12
	if d < len(pow10) && u >= pow10[d] {
		d++
	}
	return max(d, 1)
}

// appendRESPBulk appends b as a bulk string: its length header, its bytes
// and CRLF.
func appendRESPBulk(dst, b []byte) []byte {
	dst = appendRESPInt(dst, '$', int64(len(b)))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}
