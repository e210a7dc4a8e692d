package host

import (
	"bytes"
	"errors"
	"io"
	"sync"
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
	waiting *atomic.Bool
	args    [][]byte // reused between commands
	// viewed is whether args are views of buf (Next's) rather than
	// copies the command owns (Own's, or an inline command's words).
	viewed    bool
	peeked    [][]byte // Ahead's arguments, reused
	spans     []span   // arguments of the multibulk being read
	multibulk int      // arguments still to read; 0: between commands
	bulk      int64    // length of the bulk being read; -1: at its $ line
	pos       int      // parse position inside buf
	// queue holds the complete commands that follow rd.r in the buffer,
	// found by scan in one pass, from queue[qhead] on; their arguments
	// are spans of qspans.
	queue  []scanned
	qhead  int
	qspans []span
	// shown is whether Ahead has shown the command Next returned last.
	shown bool
	// argvLen is the length of the arguments Next returned last.
	argvLen int64

	// For CLIENT LIST, which reads them from other goroutines: the bytes
	// held (unread plus the running command's), the buffer's size and the
	// running command's argument bytes. peak is the most the buffer held
	// since it was last considered for shrinking (compact).
	//
	// held and argv are the figures of the batch being run; idle is what
	// the buffer held when the reader last started waiting for the socket
	// (the running command trimmed, no arguments), the figures while
	// waiting is true (Figures). Each is stored only when it changes: a
	// store is a locked instruction on amd64, and a client repeating a
	// command of one shape leaves all three as they were, where storing
	// the trimmed figures before each read and the batch's after it cost
	// four such stores per batch at redis-benchmark -P 1.
	held, idle, size, argv atomic.Int64
	peak                   int
}

// Figures returns the bytes the query buffer holds and the running
// command's argument bytes as CLIENT LIST shows them, from any goroutine:
// the waiting figures while the reader waits for the socket (reading is
// waiting's value), the batch's otherwise. A reader that starts or stops
// waiting meanwhile gives the figures of a moment before.
func (rd *requestReader) Figures(reading bool) (held, argv int64) {
	if reading {
		return rd.idle.Load(), 0
	}
	return rd.held.Load(), rd.argv.Load()
}

// storeChanged stores v in a only when it holds another value: a load is a
// plain read, a store a locked instruction.
func storeChanged(a *atomic.Int64, v int64) {
	if a.Load() != v {
		a.Store(v)
	}
}

// readBufs holds the read buffers of closed connections (readChunk bytes
// each), for new ones.
var readBufs = sync.Pool{New: func() any { b := make([]byte, readChunk); return &b }}

func newRequestReader(src io.Reader, lim *limits) *requestReader {
	rd := &requestReader{src: src, buf: *readBufs.Get().(*[]byte), lim: lim, bulk: -1}
	rd.size.Store(readChunk)
	return rd
}

// Buffered reports whether unread request bytes are waiting, so that replies
// are flushed only when the client's pipeline is drained.
func (rd *requestReader) Buffered() bool { return rd.w > rd.r }

// Next returns the arguments of the next command. The returned slices
// may be views of the read buffer, valid until the next call to Next (or
// fill): Own turns them into copies the command may keep. The outer slice
// is reused.
func (rd *requestReader) Next() ([][]byte, error) {
	for {
		rd.shown = false // take sets it for a command parsed ahead
		args, done, err := rd.parse()
		if err != nil {
			return nil, err
		}
		if done {
			if len(args) == 0 {
				continue // blank inline line or *0 / *-1: ignored, as Redis does
			}
			// The bytes held stay those of the last read until the
			// buffer is used up: Redis trims its query buffer only after
			// running every command it holds, so a pipelined command's
			// CLIENT LIST shows the whole batch (and a lone CLIENT LIST
			// its own 26 bytes).
			// A store is a locked instruction on amd64 and a client
			// repeats its commands: a load first is cheaper.
			storeChanged(&rd.argv, rd.argvLen)
			return args, nil
		}
		// The previous command is done: Redis trims it from the query
		// buffer and frees its arguments. fill publishes what the
		// buffer holds while it waits (idle).
		if err := rd.fill(); err != nil {
			return nil, err
		}
	}
}

// aheadArgs is the most arguments a command may have for scan to parse it
// ahead and for Ahead to show it.
const aheadArgs = 64

// The most commands, and arguments in all, that scan parses ahead: a batch
// of redis-benchmark -P 16 is 16 commands, and Prefetch takes 32 keys. A
// connection keeps the queue's memory (under 4 kB at most).
const (
	queueMax      = 32
	queueSpansMax = 128
)

// scanned is a complete command in its common shape (see scan), parsed
// ahead of Next.
type scanned struct {
	from, to int // its bytes in buf
	first, n int // its arguments: qspans[first:first+n]
	longest  int // the length of its longest argument
	total    int // the length of its arguments in all
	shown    bool
}

// scan parses the complete commands buffered from p on in their common
// shape into the queue, in one pass: a multibulk of 1 to aheadArgs
// arguments whose count and lengths are plain decimals followed by CR LF,
// each argument followed by CR LF. It stops at the first command that is
// incomplete or has another shape: the incremental parse takes that one,
// with every check and error. The limits that may change between commands
// (proto-max-bulk-len, authentication) are checked when Next takes a
// command (take), not here.
func (rd *requestReader) scan(p int) {
	buf := rd.buf[:rd.w]
	queue, spans := rd.queue, rd.qspans
	defer func() { rd.queue, rd.qspans = queue, spans }()
	for len(queue) < queueMax && p < len(buf) && buf[p] == '*' {
		n, q, ok := lenAt(buf, p)
		if !ok || n == 0 || n > aheadArgs || len(spans)+n > queueSpansMax || len(buf)-q < 6*n {
			return // "$0\r\n\r\n" is the shortest argument
		}
		first, longest, total := len(spans), 0, 0
		for range n {
			// lenAt's "$<n>\r\n", inline: this runs for every argument.
			if q+4 > len(buf) || buf[q] != '$' {
				spans = spans[:first]
				return
			}
			l, i := int(buf[q+1])-'0', q+2
			if l < 0 || l > 9 {
				spans = spans[:first]
				return
			}
			if l > 0 {
				for ; i < len(buf) && i < q+10; i++ {
					d := buf[i] - '0'
					if d > 9 {
						break
					}
					l = l*10 + int(d)
				}
			}
			if i+1 >= len(buf) || buf[i] != '\r' || buf[i+1] != '\n' {
				spans = spans[:first]
				return
			}
			from := i + 2
			if l > len(buf)-from-2 {
				spans = spans[:first]
				return
			}
			to := from + l
			if buf[to] != '\r' || buf[to+1] != '\n' {
				spans = spans[:first]
				return
			}
			spans = append(spans, span{from, to})
			longest, total = max(longest, l), total+l
			q = to + 2
		}
		queue = append(queue, scanned{from: p, to: q, first: first, n: n, longest: longest, total: total})
		p = q
	}
}

// lenAt reads the "*<n>\r\n" or "$<n>\r\n" line at p in its common shape:
// a plain decimal of at most 9 digits (an int on every platform) without
// sign or leading zero, or a lone 0, followed by CR LF; next is where the
// line ends. ok is false for any other shape or an incomplete line: the
// incremental parse then reads the line with line and ParseInt, which
// decide. scan and the incremental parse both use it.
func lenAt(buf []byte, p int) (n, next int, ok bool) {
	b := buf[p:]
	if len(b) < 4 {
		return 0, 0, false
	}
	d := b[1]
	if d == '0' {
		if b[2] == '\r' && b[3] == '\n' {
			return 0, p + 4, true
		}
		return 0, 0, false
	}
	if d < '1' || d > '9' {
		return 0, 0, false
	}
	n = int(d - '0')
	i := 2
	for ; i < len(b) && i <= 9; i++ {
		d = b[i]
		if d < '0' || d > '9' {
			break
		}
		n = n*10 + int(d-'0')
	}
	if i+1 >= len(b) || b[i] != '\r' || b[i+1] != '\n' {
		return 0, 0, false
	}
	return n, p + i + 2, true
}

// resetQueue forgets the commands parsed ahead.
func (rd *requestReader) resetQueue() {
	rd.queue, rd.qspans, rd.qhead = rd.queue[:0], rd.qspans[:0], 0
}

// refill scans the buffer from rd.r when the queue holds nothing there.
func (rd *requestReader) refill() {
	if rd.qhead == len(rd.queue) || rd.queue[rd.qhead].from != rd.r {
		rd.resetQueue()
		rd.scan(rd.r)
	}
}

// take returns the command at rd.r from the queue, scanning the buffer
// when the queue is used up, and consumes it. ok is false when there is
// none, or when it breaks a limit checked live: the incremental parse then
// reads it again and answers with Redis's error.
func (rd *requestReader) take() (args [][]byte, ok bool) {
	rd.refill()
	if rd.qhead == len(rd.queue) {
		return nil, false
	}
	c := &rd.queue[rd.qhead]
	if int64(c.longest) > rd.lim.maxBulk.Load() ||
		(c.n > unauthMaxArgs || c.longest > unauthMaxBulk) && rd.authRequired != nil && rd.authRequired() {
		rd.resetQueue()
		return nil, false
	}
	rd.qhead++
	rd.r, rd.pos = c.to, c.to
	rd.shown = c.shown
	return rd.views(rd.qspans[c.first:c.first+c.n], c.total), true
}

// Ahead shows fn the command Next returned last and the complete commands
// buffered after it, in their common shape (see scan), and stops at the
// first that is incomplete or has another shape, or when fn returns false;
// it shows no command twice. The arguments may point into the buffer: fn
// must not keep or change them. Next takes the commands Ahead shows from
// the queue that scan filled, with the checks that may change between
// commands: a command is parsed once. The host uses it to prefetch the
// keys of a pipelined batch.
func (rd *requestReader) Ahead(fn func(args [][]byte) bool) {
	if !rd.shown {
		rd.shown = true
		if len(rd.args) == 0 || len(rd.args) > aheadArgs || !fn(rd.args) {
			return
		}
	}
	rd.refill()
	for i := rd.qhead; i < len(rd.queue); i++ {
		c := &rd.queue[i]
		if c.shown {
			continue
		}
		c.shown = true
		args := rd.peeked[:0]
		for _, s := range rd.qspans[c.first : c.first+c.n] {
			args = append(args, rd.buf[s.from:s.to:s.to])
		}
		rd.peeked = args
		if !fn(args) {
			return
		}
	}
}

// Scanned reports whether Ahead has shown the command Next returned last.
func (rd *requestReader) Scanned() bool { return rd.shown }

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
			for i := range rd.spans {
				rd.spans[i].from -= shift
				rd.spans[i].to -= shift
			}
			// The queue may hold commands here only when a blocked
			// command's watch fills the buffer.
			for i := range rd.queue {
				rd.queue[i].from -= shift
				rd.queue[i].to -= shift
			}
			for i := range rd.qspans {
				rd.qspans[i].from -= shift
				rd.qspans[i].to -= shift
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
	storeChanged(&rd.idle, int64(rd.w-rd.r))
	if rd.waiting != nil {
		rd.waiting.Store(true)
	} else {
		// Without a waiting flag the batch's figures are the only ones.
		storeChanged(&rd.held, int64(rd.w-rd.r))
		storeChanged(&rd.argv, 0)
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
	storeChanged(&rd.held, int64(rd.w-rd.r))
	if rd.multibulk > 0 || len(rd.spans) > 0 {
		// A command arriving over several reads has no arguments yet.
		storeChanged(&rd.argv, 0)
	}
	storeChanged(&rd.size, int64(len(rd.buf)))
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
		if rd.buf[rd.r] != '*' {
			rd.pos = rd.r
			return rd.parseInline()
		}
		if args, ok := rd.take(); ok {
			return args, true, nil
		}
		rd.pos = rd.r
		c, next, ok := lenAt(rd.buf[:rd.w], rd.r)
		n := int64(c)
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
				var c int
				c, next, ok = lenAt(rd.buf[:rd.w], rd.pos)
				n = int64(c)
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
	args = rd.views(rd.spans, -1)
	rd.spans = rd.spans[:0]
	rd.r = rd.pos
	return args, true, nil
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

// views points the arguments, of total bytes in all (-1: unknown), at
// their bytes in the buffer, without copying them: a command that keeps no
// argument (core.Spec.BorrowsArgs) runs on them, and Own copies them for
// the others. Each view's capacity ends with it, so that an append to an
// argument never writes into the buffer.
func (rd *requestReader) views(spans []span, total int) [][]byte {
	if total < 0 {
		total = 0
		for _, s := range spans {
			total += s.to - s.from
		}
	}
	if cap(rd.args) < len(spans) {
		rd.args = make([][]byte, len(spans), max(len(spans), 2*cap(rd.args)))
	}
	args := rd.args[:len(spans)]
	for i, s := range spans {
		args[i] = rd.buf[s.from:s.to:s.to]
	}
	rd.args = args
	rd.argvLen = int64(total)
	rd.viewed = true
	return args
}

// Own makes args, the arguments Next returned last, copies the command
// owns and may keep, in one fresh allocation (the buffer's bytes are
// overwritten by the reads that follow), and returns them in the same outer
// slice. Arguments that are copies already are returned as they are.
func (rd *requestReader) Own(args [][]byte) [][]byte {
	if !rd.viewed {
		return args
	}
	rd.viewed = false
	slab := make([]byte, rd.argvLen)
	off := 0
	for i, a := range args {
		n := copy(slab[off:], a)
		args[i] = slab[off : off+n : off+n]
		off += n
	}
	return args
}

// Borrowed reports whether the arguments Next returned last are still
// views of the buffer (Own was not called).
func (rd *requestReader) Borrowed() bool { return rd.viewed }

// scribble overwrites the bytes of the arguments Next returned last when
// they are views of the buffer, as the reads that follow would: the
// checking mode (Config.CheckKeys) calls it after each command, so that a
// command declaring core.Spec.BorrowsArgs that keeps an argument shows
// wrong bytes in the tests at once rather than under load.
func (rd *requestReader) scribble() {
	if !rd.viewed {
		return
	}
	for _, a := range rd.args {
		for i := range a {
			a[i] = scribbleByte
		}
	}
}

// scribbleByte is what scribble writes: not a character a test would send.
const scribbleByte = 0xdb

// compact returns an oversized buffer to its normal size once it is empty,
// so that one big request does not keep its memory for the connection's
// life. As Redis does, a buffer more than twice the size of what it held
// lately is shrunk, and one that was just needed is kept for the next
// request: a client sending large values keeps its buffer, one that sent
// one large value gives it back with its next request.
func (rd *requestReader) compact() {
	rd.r, rd.w, rd.pos = 0, 0, 0
	rd.resetQueue()
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
	rd.viewed = false // splitInline's words are fresh
	rd.argvLen = 0
	for _, w := range words {
		rd.argvLen += int64(len(w))
	}
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

// release gives the read buffer back for another connection once the
// connection is done: nothing views it any more (commands ran on views of
// it only while they ran).
func (rd *requestReader) release() {
	b := rd.buf
	rd.buf, rd.r, rd.w, rd.pos = nil, 0, 0, 0
	if len(b) == readChunk {
		readBufs.Put(&b)
	}
}
