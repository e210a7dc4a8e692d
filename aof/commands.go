package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/redmod/redmod/effects"
)

// AppendCommand appends args as a RESP multibulk command, the form every
// command takes in an append-only file (the effects stream's encoding).
func AppendCommand(b []byte, args ...[]byte) []byte {
	return effects.AppendCommand(b, args...)
}

// ErrTruncated reports a file that ends in the middle of a command (or of
// a transaction); Offset is where the last whole command ends.
type ErrTruncated struct {
	Offset int64
	// InMulti is set when the file ends inside MULTI ... EXEC: Offset is
	// then where that MULTI starts.
	InMulti bool
}

func (e *ErrTruncated) Error() string {
	if e.InMulti {
		return fmt.Sprintf("incomplete MULTI/EXEC transaction at the end, last whole command ends at offset %d", e.Offset)
	}
	return fmt.Sprintf("unexpected end of file, last whole command ends at offset %d", e.Offset)
}

// ErrFormat is a file that is not a sequence of RESP commands at Offset:
// the damage is not at the end, and nothing can be cut back.
var ErrFormat = errors.New("bad file format reading the append only file")

// FormatError says where a file stops being readable.
type FormatError struct {
	Offset int64
	Reason string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("%v at offset %d: %s", ErrFormat, e.Offset, e.Reason)
}

func (e *FormatError) Unwrap() error { return ErrFormat }

// maxArgLen bounds one argument's declared length, so a damaged length
// cannot make the reader allocate gigabytes (Redis's proto-max-bulk-len
// upper bound).
const maxArgLen = 1 << 40

// ReadCommands reads the RESP commands of r, as Redis's loader does: '#'
// lines are annotations and skipped, every command is "*<n>" followed by n
// "$<len>" arguments. Commands between MULTI and EXEC are held back and
// handed over only once EXEC is read, so an incomplete transaction at the
// end is never applied. fn receives each command (MULTI and EXEC
// included); its arguments are fresh copies it may keep.
//
// It returns the number of bytes of whole commands read. A file that ends
// mid-command or inside a transaction returns *ErrTruncated; any other
// damage a *FormatError; an error of fn is returned as it is.
func ReadCommands(r io.Reader, fn func(args [][]byte) error) (int64, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	var off, valid, beforeMulti int64
	inMulti := false
	var queued [][][]byte
	line := func() ([]byte, error) {
		l, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// No RESP header line is this long: damage.
			return nil, &FormatError{Offset: off, Reason: "line too long"}
		}
		off += int64(len(l))
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	truncated := func() error {
		if inMulti {
			return &ErrTruncated{Offset: beforeMulti, InMulti: true}
		}
		return &ErrTruncated{Offset: valid}
	}
	for {
		start := off
		l, err := line()
		if err == io.EOF && len(l) == 0 && off == start {
			if inMulti {
				return valid, truncated()
			}
			return valid, nil
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return valid, truncated()
		}
		if err != nil {
			return valid, err
		}
		if l[0] == '#' {
			valid = off
			continue
		}
		if l[0] != '*' {
			return valid, &FormatError{Offset: start, Reason: "expected '*'"}
		}
		argc, ok := parseLen(l[1:])
		if !ok || argc < 1 {
			return valid, &FormatError{Offset: start, Reason: "bad argument count"}
		}
		args := make([][]byte, 0, min(argc, 1024))
		for range argc {
			hs := off
			h, err := line()
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return valid, truncated()
			}
			if err != nil {
				return valid, err
			}
			if h[0] != '$' {
				return valid, &FormatError{Offset: hs, Reason: "expected '$'"}
			}
			n, ok := parseLen(h[1:])
			if !ok || int64(n) > maxArgLen {
				return valid, &FormatError{Offset: hs, Reason: "bad argument length"}
			}
			arg := make([]byte, n+2)
			m, err := io.ReadFull(br, arg)
			off += int64(m)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return valid, truncated()
			}
			if err != nil {
				return valid, err
			}
			// Redis discards the two bytes after an argument unread; a
			// missing CRLF is damage all the same.
			if arg[n] != '\r' || arg[n+1] != '\n' {
				return valid, &FormatError{Offset: off - 2, Reason: "argument not followed by CRLF"}
			}
			args = append(args, arg[:n:n])
		}
		switch {
		case !inMulti && isCommand(args, "multi"):
			inMulti, beforeMulti = true, start
			queued = append(queued[:0], args)
		case inMulti && isCommand(args, "exec"):
			queued = append(queued, args)
			for _, q := range queued {
				if err := fn(q); err != nil {
					return valid, err
				}
			}
			queued, inMulti = queued[:0], false
		case inMulti:
			queued = append(queued, args)
		default:
			if err := fn(args); err != nil {
				return valid, err
			}
		}
		valid = off
	}
}

func isCommand(args [][]byte, name string) bool {
	return len(args) == 1 && bytes.EqualFold(args[0], []byte(name))
}

// parseLen reads the decimal number of a header line, which must end with
// CRLF.
func parseLen(b []byte) (int, bool) {
	b, ok := bytes.CutSuffix(b, []byte("\r\n"))
	if !ok || len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
