package host

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"

	"github.com/redmod/redmod/core"
)

// The host reads requests itself instead of through redcon's reader, which
// panics on huge bulk lengths, spins on huge counts and buffers without
// bound. This reader follows Redis's networking.c: the same limits, the same
// protocol errors, and no memory reserved from a length that has not arrived.

const (
	inlineMax         = 64 * 1024 // PROTO_INLINE_MAX_SIZE
	unauthMaxArgs     = 10
	unauthMaxBulk     = 16384
	readChunk         = 16 * 1024
	maxMultibulkCount = 1<<31 - 1 // INT_MAX
)

// protocolError is answered with "-ERR Protocol error: ..." and the
// connection is closed.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return "Protocol error: " + e.msg }

// errQueryBufferLimit closes the connection without a reply, as Redis does
// when client-query-buffer-limit is exceeded.
var errQueryBufferLimit = errors.New("client-query-buffer-limit reached")

type span struct{ from, to int }

type requestReader struct {
	src  io.Reader
	buf  []byte
	r, w int // unread bytes are buf[r:w]

	lim          *limits     // proto-max-bulk-len, client-query-buffer-limit: read live
	authRequired func() bool // small limits before AUTH
	readErr      error       // the error of the last read, reported once the buffer is used up
	onRead       func(n int) // statistics
	// waiting, when set, is true while the reader waits for the socket:
	// the client is then idle for `timeout`, and busy the rest of the time
	// (running commands, writing replies).
	waiting   *atomic.Bool
	args      [][]byte // reused between commands
	peeked    [][]byte // Ahead's arguments, reused
	spans     []span   // arguments of the multibulk being read
	multibulk int      // arguments still to read; 0: between commands
	bulk      int64    // length of the bulk being read; -1: at its $ line
	pos       int      // parse position inside buf
	// last is where the command Next returned last starts in buf; Ahead
	// has looked at the commands that start before scanned.
	last, scanned int

	// For CLIENT LIST, which reads them from other goroutines: the bytes
	// held (unread plus the running command's), the buffer's size and the
	// running command's argument bytes. peak is the most the buffer held
	// since it was last considered for shrinking (compact).
	held, size, argv atomic.Int64
	peak             int
}

func newRequestReader(src io.Reader, lim *limits) *requestReader {
	rd := &requestReader{src: src, buf: make([]byte, readChunk), lim: lim, bulk: -1}
	rd.size.Store(readChunk)
	return rd
}

// Buffered reports whether unread request bytes are waiting, so that replies
// are flushed only when the client's pipeline is drained.
func (rd *requestReader) Buffered() bool { return rd.w > rd.r }

// Next returns the arguments of the next command. The returned slices are
// fresh copies the command may keep; the outer slice is reused.
func (rd *requestReader) Next() ([][]byte, error) {
	for {
		from := rd.r
		args, done, err := rd.parse()
		if err != nil {
			return nil, err
		}
		if done {
			if len(args) == 0 {
				continue // blank inline line or *0 / *-1: ignored, as Redis does
			}
			// Until the command is done its bytes count as held, as in
			// Redis's query buffer (qbuf=26 for a client's own CLIENT LIST).
			rd.held.Store(int64(rd.w - from))
			rd.last = from
			var n int64
			for _, a := range args {
				n += int64(len(a))
			}
			rd.argv.Store(n)
			return args, nil
		}
		// The previous command is done: Redis trims it from the query
		// buffer and frees its arguments. (A command found in the buffer
		// sets both below; only a wait for more bytes shows these.)
		rd.held.Store(int64(rd.w - rd.r))
		rd.argv.Store(0)
		if err := rd.fill(); err != nil {
			return nil, err
		}
	}
}

// aheadArgs is the most arguments a command may have for Ahead to show it.
const aheadArgs = 64

// Ahead shows fn the complete commands buffered from the one Next returned
// last on, in their common shape (a multibulk of at most aheadArgs
// arguments), and stops at the first that is incomplete or has another
// shape, or when fn returns false; it shows no command twice. The
// arguments point into the buffer: fn must not keep or change them. The
// reader's state is unchanged: Next parses the same commands again, with
// all its checks. The host uses it to prefetch the keys of a pipelined
// batch.
func (rd *requestReader) Ahead(fn func(args [][]byte) bool) {
	p := max(rd.last, rd.scanned)
	for p < rd.w {
		args, next, ok := rd.peek(p)
		if !ok {
			break
		}
		p = next
		if !fn(args) {
			break
		}
	}
	rd.scanned = p
}

// Scanned reports whether Ahead has shown the command Next returned last.
func (rd *requestReader) Scanned() bool { return rd.scanned > rd.last }

// peek reads the complete multibulk command at p without consuming it:
// its arguments (in rd.peeked, over buf) and where it ends.
func (rd *requestReader) peek(p int) (args [][]byte, next int, ok bool) {
	if rd.buf[p] != '*' {
		return nil, 0, false
	}
	n, q, ok := rd.quickLen(p)
	if !ok || n > aheadArgs {
		return nil, 0, false
	}
	args = rd.peeked[:0]
	for range n {
		if q >= rd.w || rd.buf[q] != '$' {
			return nil, 0, false
		}
		l, from, ok := rd.quickLen(q)
		if !ok || l > int64(rd.w-from-2) {
			return nil, 0, false
		}
		to := from + int(l)
		if rd.buf[to] != '\r' || rd.buf[to+1] != '\n' {
			return nil, 0, false
		}
		args = append(args, rd.buf[from:to:to])
		q = to + 2
	}
	rd.peeked = args
	return args, q, true
}

// fill reads more bytes, growing the buffer only as data arrives.
func (rd *requestReader) fill() error {
	if rd.readErr != nil {
		return rd.readErr
	}
	if rd.w == len(rd.buf) {
		if rd.r > 0 {
			n := copy(rd.buf, rd.buf[rd.r:rd.w])
			shift := rd.r
			rd.r, rd.w, rd.pos = 0, n, rd.pos-shift
			rd.last, rd.scanned = max(rd.last-shift, 0), max(rd.scanned-shift, 0)
			for i := range rd.spans {
				rd.spans[i].from -= shift
				rd.spans[i].to -= shift
			}
		}
		if rd.w == len(rd.buf) {
			if int64(rd.w) >= rd.lim.maxQuery.Load() {
				return errQueryBufferLimit
			}
			grown := make([]byte, 2*len(rd.buf))
			copy(grown, rd.buf[:rd.w])
			rd.buf = grown
		}
	}
	if rd.waiting != nil {
		rd.waiting.Store(true)
	}
	n, err := rd.src.Read(rd.buf[rd.w:])
	if rd.waiting != nil {
		rd.waiting.Store(false)
	}
	rd.w += n
	if rd.onRead != nil && n > 0 {
		rd.onRead(n)
	}
	rd.peak = max(rd.peak, rd.w-rd.r)
	rd.held.Store(int64(rd.w - rd.r))
	rd.size.Store(int64(len(rd.buf)))
	if err != nil {
		if n > 0 {
			rd.readErr = err
			return nil
		}
		return err
	}
	if int64(rd.w-rd.r) > rd.lim.maxQuery.Load() {
		return errQueryBufferLimit
	}
	return nil
}

// parse tries to complete one command from the buffered bytes.
func (rd *requestReader) parse() (args [][]byte, done bool, err error) {
	if rd.multibulk == 0 && len(rd.spans) == 0 {
		if rd.r == rd.w {
			rd.compact()
			return nil, false, nil
		}
		rd.pos = rd.r
		if rd.buf[rd.r] != '*' {
			return rd.parseInline()
		}
		n, next, ok := rd.quickLen(rd.r)
		if !ok {
			line, ok, err := rd.line(rd.r, "too big mbulk count string")
			if !ok || err != nil {
				return nil, false, err
			}
			n, ok = core.ParseInt(rd.buf[line.from+1 : line.to])
			if !ok {
				return nil, false, &protocolError{"invalid multibulk length"}
			}
			next = line.to + 2
		}
		if n > maxMultibulkCount {
			return nil, false, &protocolError{"invalid multibulk length"}
		}
		if n > unauthMaxArgs && rd.authRequired != nil && rd.authRequired() {
			return nil, false, &protocolError{"unauthenticated multibulk length"}
		}
		rd.pos = next
		if n <= 0 {
			rd.r = rd.pos
			return nil, true, nil
		}
		rd.multibulk = int(n)
		rd.bulk = -1
	}
	for rd.multibulk > 0 {
		if rd.bulk < 0 {
			n, next, ok := int64(0), 0, false
			if rd.pos < rd.w && rd.buf[rd.pos] == '$' {
				n, next, ok = rd.quickLen(rd.pos)
			}
			if !ok {
				line, ok, err := rd.line(rd.pos, "too big bulk count string")
				if !ok || err != nil {
					return nil, false, err
				}
				if c := rd.buf[line.from]; c != '$' {
					return nil, false, &protocolError{"expected '$', got '" + string([]byte{c}) + "'"}
				}
				n, ok = core.ParseInt(rd.buf[line.from+1 : line.to])
				if !ok || n < 0 {
					return nil, false, &protocolError{"invalid bulk length"}
				}
				next = line.to + 2
			}
			if n > rd.lim.maxBulk.Load() {
				return nil, false, &protocolError{"invalid bulk length"}
			}
			if n > unauthMaxBulk && rd.authRequired != nil && rd.authRequired() {
				return nil, false, &protocolError{"unauthenticated bulk length"}
			}
			rd.pos = next
			rd.bulk = n
		}
		if int64(rd.w-rd.pos) < rd.bulk+2 {
			return nil, false, nil
		}
		rd.spans = append(rd.spans, span{rd.pos, rd.pos + int(rd.bulk)})
		rd.pos += int(rd.bulk) + 2
		rd.bulk = -1
		rd.multibulk--
	}
	args = rd.collect(rd.spans)
	rd.spans = rd.spans[:0]
	rd.r = rd.pos
	return args, true, nil
}

// quickLen reads the "*<n>\r\n" or "$<n>\r\n" line at from in its common
// shape, a plain decimal of at most 10 digits without sign or leading zero
// followed by CR LF, without searching the buffer; next is where the line
// ends. ok is false for any other shape, or an incomplete line: line and
// ParseInt then decide, as before.
func (rd *requestReader) quickLen(from int) (n int64, next int, ok bool) {
	b := rd.buf[from:rd.w]
	if len(b) < 4 || b[1] < '1' || b[1] > '9' {
		return 0, 0, false
	}
	n = int64(b[1] - '0')
	i := 2
	for ; i < len(b) && i <= 10; i++ {
		d := b[i]
		if d < '0' || d > '9' {
			break
		}
		n = n*10 + int64(d-'0')
	}
	if i+1 >= len(b) || b[i] != '\r' || b[i+1] != '\n' {
		return 0, 0, false
	}
	return n, from + i + 2, true
}

// line finds a "\r\n"-terminated line starting at from, as Redis does with
// strchr: the search for '\r' stops at a NUL byte. ok is false when more
// bytes are needed; a line longer than the inline limit is an error.
func (rd *requestReader) line(from int, tooBig string) (span, bool, error) {
	data := rd.buf[from:rd.w]
	// Only the bytes before the '\r' are searched for a NUL: searching all
	// buffered input for every line made a request of n arguments cost
	// O(n²).
	cr := bytes.IndexByte(data, '\r')
	if cr >= 0 && bytes.IndexByte(data[:cr], 0) >= 0 {
		cr = -1
	}
	if cr < 0 {
		if len(data) > inlineMax {
			return span{}, false, &protocolError{tooBig}
		}
		return span{}, false, nil
	}
	if cr+1 >= len(data) { // the '\n' has not arrived
		return span{}, false, nil
	}
	return span{from, from + cr}, true, nil
}

// collect copies the arguments into one fresh allocation.
func (rd *requestReader) collect(spans []span) [][]byte {
	total := 0
	for _, s := range spans {
		total += s.to - s.from
	}
	slab := make([]byte, total)
	args := rd.args[:0]
	off := 0
	for _, s := range spans {
		n := copy(slab[off:], rd.buf[s.from:s.to])
		args = append(args, slab[off:off+n:off+n])
		off += n
	}
	rd.args = args
	return args
}

// compact returns an oversized buffer to its normal size once it is empty,
// so that one big request does not keep its memory for the connection's
// life. As Redis does, a buffer more than twice the size of what it held
// lately is shrunk, and one that was just needed is kept for the next
// request: a client sending large values keeps its buffer, one that sent
// one large value gives it back with its next request.
func (rd *requestReader) compact() {
	rd.r, rd.w, rd.pos = 0, 0, 0
	rd.last, rd.scanned = 0, 0
	if len(rd.buf) > 2*readChunk && len(rd.buf)/2 > rd.peak {
		rd.buf = make([]byte, readChunk)
		rd.size.Store(readChunk)
	}
	rd.peak = 0
}

func (rd *requestReader) parseInline() ([][]byte, bool, error) {
	data := rd.buf[rd.r:rd.w]
	nl := bytes.IndexByte(data, '\n')
	// Redis finds the newline with strchr, which stops at a NUL byte: a
	// line with a NUL before its newline is never complete. Only the line
	// itself is searched, so a pipeline costs time linear in its size.
	if nl >= 0 && bytes.IndexByte(data[:nl], 0) >= 0 {
		nl = -1
	}
	if nl < 0 {
		if len(data) > inlineMax {
			return nil, false, &protocolError{"too big inline request"}
		}
		return nil, false, nil
	}
	line := data[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	words, ok := splitInline(line)
	if !ok {
		return nil, false, &protocolError{"unbalanced quotes in request"}
	}
	rd.r += nl + 1
	if len(words) == 0 {
		return nil, true, nil
	}
	args := rd.args[:0]
	args = append(args, words...)
	rd.args = args
	return args, true, nil
}

// splitInline splits an inline request line as Redis's sdssplitargs does:
// blanks separate words, "..." understands \n \r \t \b \a \xHH and escaped
// characters, '...' understands \', and a closing quote must be followed by
// a blank or the end. A NUL byte ends the line.
func splitInline(line []byte) ([][]byte, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	var words [][]byte
	p := 0
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	for {
		for p < len(line) && isBlank(line[p]) {
			p++
		}
		if p >= len(line) {
			return words, true
		}
		var cur []byte
		inDouble, inSingle := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inDouble:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					cur = append(cur, unhex(at(p+2))<<4|unhex(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := at(p); e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if n := at(p + 1); n != 0 && !isBlank(n) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			case inSingle:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if n := at(p + 1); n != 0 && !isBlank(n) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					cur = append(cur, c)
				}
			}
			if p < len(line) {
				p++
			}
		}
		if cur == nil {
			cur = []byte{}
		}
		words = append(words, cur)
	}
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
