package core

import (
	"math"
	"strconv"

	"github.com/tidwall/redcon"
)

// Writer encodes replies for one connection. Commands write logical reply
// types (maps, sets, doubles, booleans, nulls); the Writer encodes them in
// the protocol the connection speaks: RESP2 by default, RESP3 after HELLO 3.
//
// A Writer may carry a limit (the host sets client-output-buffer-limit's
// hard limit): once the encoded replies pass it, the Writer drops them, keeps
// nothing more, and reports ReplyTooBig; the host then closes the client, as
// Redis does. With SetAbortOnOverflow the Writer also stops the command at
// once, so a command whose reply size the client chooses (HRANDFIELD with a
// huge negative count, LRANGE, KEYS, SCAN COUNT, and any module's command)
// can neither grow memory past the limit nor keep running: the host aborts
// commands that change no data this way. Commands that change data are not
// interrupted halfway; a loop in one that may write a long reply checks
// ReplyTooBig to stop early.
type Writer struct {
	buf        []byte
	proto      int
	limit      int  // hard limit in bytes; 0: none
	overflowed bool // the limit was passed: replies are dropped
	abort      bool // panic with ErrReplyTooBig on overflow

	// Reply accounting (see BeginReply): the replies begun since the mark,
	// the values still owed to the aggregate being written, and where the
	// first reply ended. Two integer steps per value: cheap enough to be
	// always on, so that a command's reply mistakes never reach the wire.
	begin    int
	replies  int
	need     int
	firstEnd int
}

// ErrReplyTooBig is the value a Writer panics with when its limit is passed
// while SetAbortOnOverflow is on; the host recovers it and closes the client.
var ErrReplyTooBig = NewError("ERR reply exceeds the client output buffer limit")

// SetLimit sets the hard limit on the encoded replies not yet taken, in
// bytes; 0 removes it.
func (w *Writer) SetLimit(n int) {
	if n < 0 {
		n = 0
	}
	w.limit = n
}

// SetAbortOnOverflow makes the Writer panic with ErrReplyTooBig when its
// limit is passed, stopping the command that writes; the host turns it on
// around commands that change no data.
func (w *Writer) SetAbortOnOverflow(on bool) { w.abort = on }

// ReplyTooBig reports whether the replies passed the limit. They are
// dropped, and the client will be closed: a command writing a long reply in
// a loop may check it to stop early.
func (w *Writer) ReplyTooBig() bool { return w.overflowed }

// ClearOverflow forgets a passed limit, for a Writer reused after the host
// dealt with it.
func (w *Writer) ClearOverflow() { w.overflowed = false }

// check applies the limit after each reply is appended.
func (w *Writer) check() {
	if w.overflowed {
		w.buf = w.buf[:0]
		return
	}
	if w.limit == 0 {
		return
	}
	if len(w.buf) <= w.limit {
		// A reply past 1 MB gets a buffer of the limit's size at once (for
		// limits up to 256 MB; eightfold steps beyond), rather than growing
		// by append's 1.25 steps: each step leaves the
		// old buffer as garbage, and the garbage piled up to several times
		// the limit before the collector caught up (a 64 MB limit peaked
		// at 290 MB of RSS). Pages of the new buffer not yet written cost
		// no memory, and Reset drops a buffer this large.
		if n := len(w.buf); n >= 1<<20 && cap(w.buf)-n < n/4 {
			if c := min(w.limit+64<<10, max(8*n, 256<<20)); c > cap(w.buf) {
				grown := make([]byte, n, c)
				copy(grown, w.buf)
				w.buf = grown
			}
		}
		return
	}
	w.overflowed = true
	// Drop the replies and their memory; further replies are dropped too.
	w.buf = nil
	if w.abort {
		panic(ErrReplyTooBig)
	}
}

// done accounts one value that was just appended, with children more to
// come when it starts an aggregate, and applies the limit.
func (w *Writer) done(children int) {
	if w.need > 0 {
		w.need--
	} else {
		w.replies++
	}
	if children > 0 {
		w.need += children
	}
	if w.need == 0 && w.replies == 1 {
		w.firstEnd = len(w.buf)
	}
	w.check()
}

// ReplyMark is where a command's reply begins in a Writer, with the
// accounting of any reply it is nested in (a command that EXEC or a script
// runs); BeginReply returns one.
type ReplyMark struct {
	begin, replies, need, firstEnd int
}

// BeginReply starts accounting the replies of one command, which the host
// later checks with Replies: a command must write exactly one complete
// reply (or return an error and write nothing).
func (w *Writer) BeginReply() ReplyMark {
	m := ReplyMark{w.begin, w.replies, w.need, w.firstEnd}
	w.begin, w.replies, w.need, w.firstEnd = len(w.buf), 0, 0, 0
	return m
}

// Replies reports how many replies were begun since BeginReply and whether
// the last one is complete (every element of its aggregates written).
func (w *Writer) Replies() (n int, complete bool) { return w.replies, w.need == 0 }

// DropReplies removes everything written since BeginReply.
func (w *Writer) DropReplies() { w.Truncate(w.begin) }

// KeepFirstReply removes what was written after the first complete reply
// since BeginReply.
func (w *Writer) KeepFirstReply() {
	if w.replies >= 1 && w.firstEnd <= len(w.buf) {
		w.buf = w.buf[:w.firstEnd]
		w.replies, w.need = 1, 0
	}
}

// EndReply ends the accounting BeginReply started and counts the command's
// reply, when it wrote one, as one value of the reply around it (an error
// it returned instead is written, and counted, by the caller).
//
// What the command wrote may have been handed to the connection already
// (an event of a client subscribed to its own keys goes after the replies
// written before it): its accounting, which Reset keeps, still says it
// wrote.
func (w *Writer) EndReply(m ReplyMark) {
	w.endReply(m, len(w.buf) > w.begin || w.replies > 0 || w.need > 0)
}

// EndReplyCounted is EndReply for a command that may reply any number of
// times, or hand its replies to the connection ahead of pushes
// (core.FlagMultiReply: SUBSCRIBE in a transaction): it counts as one value
// of the reply around it whatever is left in the Writer, as Redis counts
// each queued command as one element of EXEC's reply.
func (w *Writer) EndReplyCounted(m ReplyMark) { w.endReply(m, true) }

func (w *Writer) endReply(m ReplyMark, wrote bool) {
	w.begin, w.replies, w.need, w.firstEnd = m.begin, m.replies, m.need, m.firstEnd
	if !wrote {
		return
	}
	if w.need > 0 {
		w.need--
	} else {
		w.replies++
	}
	if w.need == 0 && w.replies == 1 {
		w.firstEnd = len(w.buf)
	}
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

// Reset drops the encoded bytes, keeping the buffer for reuse unless it is
// over 1 MB.
func (w *Writer) Reset() {
	// Replies handed to the connection stay counted (a command that
	// pushes after its reply, as MONITOR, hands its reply off first).
	w.begin, w.firstEnd = 0, 0
	if cap(w.buf) > 1<<20 {
		w.buf = nil // one big reply does not keep its memory for the connection's life
		return
	}
	w.buf = w.buf[:0]
}

// Truncate drops what was written after the first n bytes.
// A mark beyond what is left (the replies were handed off since) is ignored.
func (w *Writer) Truncate(n int) {
	if n < len(w.buf) {
		w.buf = w.buf[:n]
	}
	if n <= w.begin {
		// The reply being accounted was taken back (the command blocked,
		// or panicked): its accounting starts over.
		w.replies, w.need, w.firstEnd = 0, 0, 0
	}
}

// WriteRaw appends bytes that are already encoded: one complete value, as
// far as the reply accounting (BeginReply) is concerned.
func (w *Writer) WriteRaw(b []byte) {
	w.buf = append(w.buf, b...)
	w.done(0)
}

// WriteOK writes the simple string OK.
func (w *Writer) WriteOK() {
	w.buf = redcon.AppendOK(w.buf)
	w.done(0)
}

// WriteSimple writes a simple (status) string; CR and LF become spaces.
func (w *Writer) WriteSimple(s string) {
	w.buf = redcon.AppendString(w.buf, s)
	w.done(0)
}

// WriteError writes an error reply; see ErrorText for how err is rendered.
func (w *Writer) WriteError(err error) {
	w.buf = redcon.AppendError(w.buf, ErrorText(err))
	w.done(0)
}

// WriteInt writes an integer.
func (w *Writer) WriteInt(n int64) {
	w.buf = appendRESPInt(w.buf, ':', n)
	w.done(0)
}

// WriteBulk writes a binary-safe string.
func (w *Writer) WriteBulk(b []byte) {
	w.buf = appendRESPBulk(w.buf, b)
	w.done(0)
}

// WriteBulkString writes a binary-safe string.
func (w *Writer) WriteBulkString(s string) {
	w.buf = appendRESPInt(w.buf, '$', int64(len(s)))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
	w.done(0)
}

// WriteBulkInt writes an integer as a bulk string, as GET does for INCR'd values.
func (w *Writer) WriteBulkInt(n int64) {
	var tmp [20]byte
	w.buf = appendRESPBulk(w.buf, strconv.AppendInt(tmp[:0], n, 10))
	w.done(0)
}

// WriteNull writes a null: $-1 in RESP2, _ in RESP3.
func (w *Writer) WriteNull() {
	if w.proto == 3 {
		w.buf = append(w.buf, '_', '\r', '\n')
		w.done(0)
		return
	}
	w.buf = redcon.AppendNull(w.buf)
	w.done(0)
}

// WriteNullArray writes a null array: *-1 in RESP2, _ in RESP3.
func (w *Writer) WriteNullArray() {
	if w.proto == 3 {
		w.buf = append(w.buf, '_', '\r', '\n')
		w.done(0)
		return
	}
	w.buf = append(w.buf, '*', '-', '1', '\r', '\n')
	w.done(0)
}

// WriteArray starts an array of n elements; the next n replies are its elements.
func (w *Writer) WriteArray(n int) {
	w.buf = appendRESPInt(w.buf, '*', int64(n))
	w.done(n)
}

// WriteMap starts a map of n pairs: the next 2n replies are keys and values.
// RESP2 receives a flat array of 2n elements.
func (w *Writer) WriteMap(n int) {
	if w.proto == 3 {
		w.buf = appendRESPInt(w.buf, '%', int64(n))
		w.done(2 * n)
		return
	}
	w.buf = appendRESPInt(w.buf, '*', int64(2*n))
	w.done(2 * n)
}

// WriteSet starts a set of n elements; RESP2 receives an array.
func (w *Writer) WriteSet(n int) {
	if w.proto == 3 {
		w.buf = appendRESPInt(w.buf, '~', int64(n))
		w.done(n)
		return
	}
	w.buf = appendRESPInt(w.buf, '*', int64(n))
	w.done(n)
}

// WritePush starts an out-of-band push message of n elements (RESP3); RESP2
// receives an array.
func (w *Writer) WritePush(n int) {
	if w.proto == 3 {
		w.buf = appendRESPInt(w.buf, '>', int64(n))
		w.done(n)
		return
	}
	w.buf = appendRESPInt(w.buf, '*', int64(n))
	w.done(n)
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
		s = AppendDouble(tmp[:0], f)
	}
	if w.proto == 3 {
		w.buf = append(w.buf, ',')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		w.done(0)
		return
	}
	w.buf = redcon.AppendBulk(w.buf, s)
	w.done(0)
}

// AppendDouble appends f as Redis formats a finite double ("%.17g"). An
// integral value below 1e17 (scores are often whole numbers) prints as the
// integer it is, without the general formatting's cost.
func AppendDouble(dst []byte, f float64) []byte {
	if f > -1e17 && f < 1e17 && f != 0 && f == math.Trunc(f) {
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// WriteBool writes a boolean: #t/#f in RESP3, the integer 1 or 0 in RESP2.
func (w *Writer) WriteBool(b bool) {
	if w.proto == 3 {
		if b {
			w.buf = append(w.buf, '#', 't', '\r', '\n')
		} else {
			w.buf = append(w.buf, '#', 'f', '\r', '\n')
		}
		w.done(0)
		return
	}
	if b {
		w.buf = redcon.AppendInt(w.buf, 1)
	} else {
		w.buf = redcon.AppendInt(w.buf, 0)
	}
	w.done(0)
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
		w.done(0)
		return
	}
	w.buf = redcon.AppendBulkString(w.buf, s)
	w.done(0)
}

// WriteStrings writes an array of bulk strings.
func (w *Writer) WriteStrings(items []string) {
	w.WriteArray(len(items))
	for _, s := range items {
		w.WriteBulkString(s)
	}
}

// WritePairs starts a reply of n pairs (member and score, field and value)
// in the shape Redis gives such lists: a flat array of 2n elements in RESP2
// and an array of n two-element arrays in RESP3. Write each pair as
// WritePair followed by its two elements. Replies that are maps in RESP3
// (HGETALL, CONFIG GET) use WriteMap instead.
func (w *Writer) WritePairs(n int) {
	if w.proto == 3 {
		w.WriteArray(n)
		return
	}
	w.WriteArray(2 * n)
}

// WritePair starts one pair of a WritePairs reply: the two elements that
// follow are its member and score (or field and value).
func (w *Writer) WritePair() {
	if w.proto == 3 {
		w.WriteArray(2)
	}
}
