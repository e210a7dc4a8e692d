package core

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
// built backwards in a stack buffer and appended at once, instead of three
// appends around strconv.AppendInt.
func appendRESPInt(dst []byte, prefix byte, n int64) []byte {
	if uint64(n) < 10 {
		return append(dst, prefix, byte('0'+n), '\r', '\n')
	}
	// prefix, sign, 19 digits, CRLF
	var tmp [23]byte
	i := len(tmp) - 2
	tmp[i], tmp[i+1] = '\r', '\n'
	u := uint64(n)
	if n < 0 {
		u = -u // MinInt64 too: its magnitude fits a uint64
	}
	for u >= 100 {
		q := u / 100
		r := (u - q*100) * 2
		i -= 2
		tmp[i], tmp[i+1] = digitPairs[r], digitPairs[r+1]
		u = q
	}
	if u >= 10 {
		i -= 2
		tmp[i], tmp[i+1] = digitPairs[2*u], digitPairs[2*u+1]
	} else {
		i--
		tmp[i] = byte('0' + u)
	}
	if n < 0 {
		i--
		tmp[i] = '-'
	}
	i--
	tmp[i] = prefix
	return append(dst, tmp[i:]...)
}

// appendRESPBulk appends b as a bulk string: its length header, its bytes
// and CRLF.
func appendRESPBulk(dst, b []byte) []byte {
	dst = appendRESPInt(dst, '$', int64(len(b)))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}
