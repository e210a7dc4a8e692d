// Package resp is a minimal RESP client for tests: it sends commands and
// returns each reply as the exact bytes the server wrote, so that tests can
// compare replies with a real Redis byte for byte.
package resp

import (
	"bufio"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Conn is a raw connection.
type Conn struct {
	nc net.Conn
	br *bufio.Reader
}

// Dial connects to addr ("host:port", or a unix socket path starting with '/').
func Dial(addr string) (*Conn, error) {
	network := "tcp"
	if strings.HasPrefix(addr, "/") {
		network = "unix"
	}
	nc, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &Conn{nc: nc, br: bufio.NewReader(nc)}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// Write sends raw bytes.
func (c *Conn) Write(b []byte) error {
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.nc.Write(b)
	return err
}

// Encode returns args as a RESP multibulk request.
func Encode(args ...string) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	return b
}

// Do sends a command and returns its reply.
func (c *Conn) Do(args ...string) (Reply, error) {
	if err := c.Write(Encode(args...)); err != nil {
		return Reply{}, err
	}
	return c.Read()
}

// Read reads one reply, waiting up to 10 seconds.
func (c *Conn) Read() (Reply, error) {
	return c.ReadTimeout(10 * time.Second)
}

// ReadTimeout reads one reply, waiting up to d.
func (c *Conn) ReadTimeout(d time.Duration) (Reply, error) {
	c.nc.SetReadDeadline(time.Now().Add(d))
	return read(c.br)
}

// Reply is one parsed reply.
type Reply struct {
	// Raw is the reply's exact bytes.
	Raw string
	// Kind is the RESP type byte ('+', '-', ':', '$', '*', '%', ...).
	Kind byte
	// Str is the payload of a simple, error, integer, bulk or double reply.
	Str string
	// Null is true for $-1, *-1 and _.
	Null bool
	// Elems are the elements of an aggregate (a map's keys and values
	// alternate).
	Elems []Reply
}

// String renders the reply compactly for test messages.
func (r Reply) String() string {
	switch {
	case r.Null:
		return "(nil)"
	case r.Kind == '*' || r.Kind == '%' || r.Kind == '~' || r.Kind == '>':
		parts := make([]string, len(r.Elems))
		for i, e := range r.Elems {
			parts[i] = e.String()
		}
		return string(r.Kind) + "[" + strings.Join(parts, " ") + "]"
	case r.Kind == '$':
		return strconv.Quote(r.Str)
	}
	return string(r.Kind) + r.Str
}

// Sorted returns the reply with its elements sorted, for replies whose order
// Redis does not define (KEYS, HGETALL of a big hash). Map pairs stay pairs.
func (r Reply) Sorted() Reply {
	if len(r.Elems) == 0 {
		return r
	}
	out := r
	if r.Kind == '%' {
		type pair struct{ k, v Reply }
		pairs := make([]pair, len(r.Elems)/2)
		for i := range pairs {
			pairs[i] = pair{r.Elems[2*i], r.Elems[2*i+1]}
		}
		sort.Slice(pairs, func(i, j int) bool { return pairs[i].k.Raw < pairs[j].k.Raw })
		out.Elems = nil
		for _, p := range pairs {
			out.Elems = append(out.Elems, p.k, p.v)
		}
	} else {
		out.Elems = append([]Reply(nil), r.Elems...)
		sort.Slice(out.Elems, func(i, j int) bool { return out.Elems[i].Raw < out.Elems[j].Raw })
	}
	var b strings.Builder
	b.WriteString(r.Raw[:strings.Index(r.Raw, "\r\n")+2])
	for _, e := range out.Elems {
		b.WriteString(e.Raw)
	}
	out.Raw = b.String()
	return out
}

func read(br *bufio.Reader) (Reply, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return Reply{}, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return Reply{}, fmt.Errorf("resp: bad line %q", line)
	}
	r := Reply{Raw: line, Kind: line[0]}
	body := line[1 : len(line)-2]
	switch r.Kind {
	case '+', '-', ':', ',', '#', '(':
		r.Str = body
	case '_':
		r.Null = true
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil {
			return r, fmt.Errorf("resp: bad length %q", line)
		}
		if n < 0 {
			r.Null = true
			return r, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(br, buf); err != nil {
			return r, err
		}
		r.Str = string(buf[:n])
		r.Raw += string(buf)
	case '*', '%', '~', '>', '|':
		n, err := strconv.Atoi(body)
		if err != nil {
			return r, fmt.Errorf("resp: bad count %q", line)
		}
		if n < 0 {
			r.Null = true
			return r, nil
		}
		if r.Kind == '%' || r.Kind == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			e, err := read(br)
			if err != nil {
				return r, err
			}
			r.Elems = append(r.Elems, e)
			r.Raw += e.Raw
		}
		if r.Kind == '|' { // an attribute precedes the real reply
			next, err := read(br)
			return next, err
		}
	default:
		return r, fmt.Errorf("resp: unknown type %q", line)
	}
	return r, nil
}

func ioReadFull(br *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := br.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
