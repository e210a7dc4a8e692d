package core

import (
	"math"
	"strconv"

	"github.com/tidwall/redcon"
)

// Writer encodes replies for one connection. Commands write logical reply
// types (maps, sets, doubles, booleans, nulls); the Writer encodes them in
// the protocol the connection speaks: RESP2 by default, RESP3 after HELLO 3.
type Writer struct {
	buf   []byte
	proto int
}

// NewWriter returns a Writer for the given protocol version (2 or 3).
func NewWriter(proto int) *Writer {
	if proto != 3 {
		proto = 2
	}
	return &Writer{proto: proto}
}

// Protocol returns the protocol version replies are encoded in.
func (w *Writer) Protocol() int { return w.proto }

// SetProtocol switches the protocol for the replies that follow.
func (w *Writer) SetProtocol(p int) {
	if p == 3 {
		w.proto = 3
	} else {
		w.proto = 2
	}
}

// Bytes returns the encoded replies not yet taken.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of encoded bytes not yet taken.
func (w *Writer) Len() int { return len(w.buf) }

// Reset drops the encoded bytes, keeping the buffer for reuse.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Truncate drops what was written after the first n bytes.
// A mark beyond what is left (the replies were handed off since) is ignored.
func (w *Writer) Truncate(n int) {
	if n < len(w.buf) {
		w.buf = w.buf[:n]
	}
}

// WriteRaw appends bytes that are already encoded.
func (w *Writer) WriteRaw(b []byte) { w.buf = append(w.buf, b...) }

// WriteOK writes the simple string OK.
func (w *Writer) WriteOK() { w.buf = redcon.AppendOK(w.buf) }

// WriteSimple writes a simple (status) string; CR and LF become spaces.
func (w *Writer) WriteSimple(s string) { w.buf = redcon.AppendString(w.buf, s) }

// WriteError writes an error reply; see ErrorText for how err is rendered.
func (w *Writer) WriteError(err error) { w.buf = redcon.AppendError(w.buf, ErrorText(err)) }

// WriteInt writes an integer.
func (w *Writer) WriteInt(n int64) { w.buf = redcon.AppendInt(w.buf, n) }

// WriteBulk writes a binary-safe string.
func (w *Writer) WriteBulk(b []byte) { w.buf = redcon.AppendBulk(w.buf, b) }

// WriteBulkString writes a binary-safe string.
func (w *Writer) WriteBulkString(s string) { w.buf = redcon.AppendBulkString(w.buf, s) }

// WriteBulkInt writes an integer as a bulk string, as GET does for INCR'd values.
func (w *Writer) WriteBulkInt(n int64) {
	var tmp [20]byte
	w.buf = redcon.AppendBulk(w.buf, strconv.AppendInt(tmp[:0], n, 10))
}

// WriteNull writes a null: $-1 in RESP2, _ in RESP3.
func (w *Writer) WriteNull() {
	if w.proto == 3 {
		w.buf = append(w.buf, '_', '\r', '\n')
		return
	}
	w.buf = redcon.AppendNull(w.buf)
}

// WriteNullArray writes a null array: *-1 in RESP2, _ in RESP3.
func (w *Writer) WriteNullArray() {
	if w.proto == 3 {
		w.buf = append(w.buf, '_', '\r', '\n')
		return
	}
	w.buf = append(w.buf, '*', '-', '1', '\r', '\n')
}

// WriteArray starts an array of n elements; the next n replies are its elements.
func (w *Writer) WriteArray(n int) { w.buf = redcon.AppendArray(w.buf, n) }

// WriteMap starts a map of n pairs: the next 2n replies are keys and values.
// RESP2 receives a flat array of 2n elements.
func (w *Writer) WriteMap(n int) {
	if w.proto == 3 {
		w.buf = append(w.buf, '%')
		w.buf = strconv.AppendInt(w.buf, int64(n), 10)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = redcon.AppendArray(w.buf, 2*n)
}

// WriteSet starts a set of n elements; RESP2 receives an array.
func (w *Writer) WriteSet(n int) {
	if w.proto == 3 {
		w.buf = append(w.buf, '~')
		w.buf = strconv.AppendInt(w.buf, int64(n), 10)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = redcon.AppendArray(w.buf, n)
}

// WritePush starts an out-of-band push message of n elements (RESP3); RESP2
// receives an array.
func (w *Writer) WritePush(n int) {
	if w.proto == 3 {
		w.buf = append(w.buf, '>')
		w.buf = strconv.AppendInt(w.buf, int64(n), 10)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = redcon.AppendArray(w.buf, n)
}

// WriteDouble writes a floating point number: a double in RESP3, a bulk
// string in RESP2, formatted as Redis 7.0 does (%.17g, inf, -inf, nan).
func (w *Writer) WriteDouble(f float64) {
	var tmp [32]byte
	var s []byte
	switch {
	case math.IsInf(f, 1):
		s = append(tmp[:0], "inf"...)
	case math.IsInf(f, -1):
		s = append(tmp[:0], "-inf"...)
	case math.IsNaN(f):
		s = append(tmp[:0], "nan"...)
	default:
		s = strconv.AppendFloat(tmp[:0], f, 'g', 17, 64)
	}
	if w.proto == 3 {
		w.buf = append(w.buf, ',')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = redcon.AppendBulk(w.buf, s)
}

// WriteBool writes a boolean: #t/#f in RESP3, the integer 1 or 0 in RESP2.
func (w *Writer) WriteBool(b bool) {
	if w.proto == 3 {
		if b {
			w.buf = append(w.buf, '#', 't', '\r', '\n')
		} else {
			w.buf = append(w.buf, '#', 'f', '\r', '\n')
		}
		return
	}
	if b {
		w.buf = redcon.AppendInt(w.buf, 1)
	} else {
		w.buf = redcon.AppendInt(w.buf, 0)
	}
}

// WriteVerbatim writes a verbatim string with a three-letter format ("txt");
// RESP2 receives a bulk string.
func (w *Writer) WriteVerbatim(format, s string) {
	if w.proto == 3 && len(format) == 3 {
		w.buf = append(w.buf, '=')
		w.buf = strconv.AppendInt(w.buf, int64(len(s)+4), 10)
		w.buf = append(w.buf, '\r', '\n')
		w.buf = append(w.buf, format...)
		w.buf = append(w.buf, ':')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = redcon.AppendBulkString(w.buf, s)
}

// WriteStrings writes an array of bulk strings.
func (w *Writer) WriteStrings(items []string) {
	w.WriteArray(len(items))
	for _, s := range items {
		w.WriteBulkString(s)
	}
}
