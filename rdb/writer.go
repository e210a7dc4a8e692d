package rdb

import (
	"encoding/binary"
	"io"
	"strconv"

	"github.com/redmod/redmod/core"
)

// Writer writes an RDB file: Header, then for each database SelectDB and
// its keys with Key, then Finish. It checksums what it writes; the first
// error sticks and is returned by every later call.
type Writer struct {
	w   io.Writer
	crc uint64
	e   encoder
	v   encoder // a value being encoded
	err error
	n   int64
	// noCRC writes a zero checksum (rdbchecksum no).
	noCRC bool
}

// NewWriter returns a Writer on w. Strings longer than 20 bytes are
// LZF-compressed when that saves space, as Redis's rdbcompression yes.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, e: encoder{compress: true}}
}

// SetCompression turns the LZF compression of long strings on or off.
func (w *Writer) SetCompression(on bool) { w.e.compress = on }

// SetChecksum turns the trailing CRC-64 on or off; off writes zero, which
// Redis and this package's reader take as a file saved without one.
func (w *Writer) SetChecksum(on bool) { w.noCRC = !on }

// flush writes the encoder's buffer once it is large enough, or always
// when force is set.
func (w *Writer) flush(force bool) error {
	if w.err != nil {
		return w.err
	}
	if len(w.e.b) == 0 || (!force && len(w.e.b) < 64<<10) {
		return nil
	}
	w.crc = CRC64(w.crc, w.e.b)
	n, err := w.w.Write(w.e.b)
	w.n += int64(n)
	w.e.b = w.e.b[:0]
	w.err = err
	return err
}

// Header writes the magic with the version and the AUX fields, in order
// (pairs of name and value).
func (w *Writer) Header(aux ...string) error {
	w.e.b = append(w.e.b, "REDIS00"...)
	w.e.b = strconv.AppendInt(w.e.b, Version, 10)
	for i := 0; i+1 < len(aux); i += 2 {
		w.e.byte1(opAux)
		w.e.str([]byte(aux[i]))
		w.e.str([]byte(aux[i+1]))
	}
	return w.flush(false)
}

// Aux writes one more AUX field (before the first SelectDB).
func (w *Writer) Aux(name, value string) error {
	w.e.byte1(opAux)
	w.e.str([]byte(name))
	w.e.str([]byte(value))
	return w.flush(false)
}

// Function writes a function library's code as a FUNCTION2 record, as
// Redis 7 stores its libraries (before the first SelectDB).
func (w *Writer) Function(code []byte) error {
	w.e.byte1(opFunction2)
	w.e.str(code)
	return w.flush(false)
}

// SelectDB starts database db, with its size hints (keys, keys with a TTL).
func (w *Writer) SelectDB(db, keys, expires int) error {
	w.e.byte1(opSelectDB)
	w.e.length(uint64(db))
	w.e.byte1(opResizeDB)
	w.e.length(uint64(keys))
	w.e.length(uint64(expires))
	return w.flush(false)
}

// Key writes one key with its value and absolute expiry in unix
// milliseconds (0: none).
func (w *Writer) Key(key []byte, v core.Value, expireAt int64) error {
	if w.err != nil {
		return w.err
	}
	if expireAt != 0 {
		w.e.byte1(opExpireTimeMs)
		w.e.millis(expireAt)
	}
	// The type byte comes before the key: encode the value aside first.
	w.v.b = w.v.b[:0]
	w.v.compress = w.e.compress
	if err := w.v.value(v); err != nil {
		w.err = err
		return err
	}
	w.e.byte1(w.v.b[0])
	w.e.str(key)
	w.e.b = append(w.e.b, w.v.b[1:]...)
	return w.flush(false)
}

// Finish writes the end marker and the checksum, and flushes.
func (w *Writer) Finish() error {
	w.e.byte1(opEOF)
	if err := w.flush(true); err != nil {
		return err
	}
	var sum [8]byte
	if !w.noCRC {
		binary.LittleEndian.PutUint64(sum[:], w.crc)
	}
	n, err := w.w.Write(sum[:])
	w.n += int64(n)
	w.err = err
	return err
}

// Written returns the number of bytes written so far.
func (w *Writer) Written() int64 { return w.n }
