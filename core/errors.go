package core

import (
	"bytes"
	"errors"
	"strings"
)

// Error is a command error whose text is sent to the client verbatim. The text
// starts with the Redis error code ("ERR", "WRONGTYPE", "NOAUTH", ...), which
// INFO errorstats counts by.
type Error struct {
	msg     string
	counted bool
}

// NewError returns an Error with the given full text, code included, e.g.
// NewError("ERR syntax error"). A text without an upper-case code word is
// prefixed with "ERR ".
func NewError(text string) *Error {
	if !hasCode(text) {
		text = "ERR " + text
	}
	return &Error{msg: text}
}

// Counted returns the error marked as already counted in the error
// statistics: the host does not count the reply that carries it again.
// A script's error raised by a command it called is counted when the
// command fails (or is refused), and again by no one when it becomes the
// script's reply, as in Redis.
func (e *Error) Counted() *Error {
	c := *e
	c.counted = true
	return &c
}

// AlreadyCounted reports whether the error was marked with Counted.
func (e *Error) AlreadyCounted() bool { return e.counted }

// RawError is an error reply sent exactly as text, without the ERR that
// NewError adds to a text with no code: a script's {err=...} reply. Its
// code (for the error statistics) is the first word.
func RawError(text string) *Error { return &Error{msg: text} }

// Error returns the text sent to the client, without the leading '-'.
func (e *Error) Error() string { return e.msg }

// Code returns the error code: the first word of the text ("ERR", "WRONGTYPE").
func (e *Error) Code() string {
	if i := strings.IndexByte(e.msg, ' '); i > 0 {
		return e.msg[:i]
	}
	return e.msg
}

func hasCode(s string) bool {
	i := strings.IndexByte(s, ' ')
	if i <= 0 {
		i = len(s)
	}
	if i == 0 {
		return false
	}
	for j := 0; j < i; j++ {
		if c := s[j]; c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// ErrorText renders any error as the text of a Redis error reply: an *Error
// as it is, anything else prefixed with "ERR ".
func ErrorText(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.msg
	}
	return "ERR " + err.Error()
}

// Errors shared by many commands, with Redis 7's exact text.
var (
	ErrWrongType       = NewError("WRONGTYPE Operation against a key holding the wrong kind of value")
	ErrNotInteger      = NewError("ERR value is not an integer or out of range")
	ErrNotFloat        = NewError("ERR value is not a valid float")
	ErrSyntax          = NewError("ERR syntax error")
	ErrOverflow        = NewError("ERR increment or decrement would overflow")
	ErrNaNOrInfinity   = NewError("ERR increment would produce NaN or Infinity")
	ErrNoSuchKey       = NewError("ERR no such key")
	ErrIndexOutOfRange = NewError("ERR index out of range")
	ErrDBIndex         = NewError("ERR DB index is out of range")
	ErrNotPositive     = NewError("ERR value is out of range, must be positive")
	ErrStringTooLong   = NewError("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
	ErrOffsetRange     = NewError("ERR offset is out of range")
	ErrHashNotInteger  = NewError("ERR hash value is not an integer")
	ErrHashNotFloat    = NewError("ERR hash value is not a float")
	ErrNoAuth          = NewError("NOAUTH Authentication required.")
	ErrWrongPass       = NewError("WRONGPASS invalid username-password pair or user is disabled.")
)

// ErrArity is the reply to a call with the wrong number of arguments; name is
// the command's name as Redis prints it (lower case, "config|get" for a
// subcommand).
func ErrArity(name string) *Error {
	return &Error{msg: "ERR wrong number of arguments for '" + name + "' command"}
}

// ErrInvalidExpire is the reply to an expire time that is not positive or that
// overflows, for the named command ("set", "expire", ...).
func ErrInvalidExpire(command string) *Error {
	return &Error{msg: "ERR invalid expire time in '" + command + "' command"}
}

// ErrUnknownSubcommand is the reply to an unknown subcommand of a container
// command such as CONFIG or CLIENT.
func ErrUnknownSubcommand(sub []byte, container string) *Error {
	return &Error{msg: "ERR unknown subcommand '" + previewArg(sub) + "'. Try " + strings.ToUpper(container) + " HELP."}
}

// ErrUnknownCommand is the reply to a command no module provides. The preview
// of the arguments follows Redis: each quoted and followed by a space, added
// while the preview is shorter than 128 bytes, with CR and LF turned into
// spaces.
func ErrUnknownCommand(args [][]byte) *Error {
	var b strings.Builder
	b.WriteString("ERR unknown command '")
	b.WriteString(previewArg(args[0]))
	b.WriteString("', with args beginning with: ")
	written := 0
	for _, a := range args[1:] {
		if written >= 128 {
			break
		}
		if room := 128 - written; len(a) > room {
			a = a[:room]
		}
		p := previewArg(a)
		b.WriteByte('\'')
		b.WriteString(p)
		b.WriteString("' ")
		written += len(p) + 3
	}
	return &Error{msg: b.String()}
}

// ErrorArg renders an argument for inclusion in an error text the way Redis's
// printf-style %s does: up to its first NUL byte. Use it for errors that quote
// what the client sent ("Unsupported option FOO").
func ErrorArg(a []byte) string {
	if i := bytes.IndexByte(a, 0); i >= 0 {
		a = a[:i]
	}
	return string(a)
}

// previewArg caps an argument at 128 bytes and replaces CR and LF, which may
// not appear in an error line. Redis formats the preview with printf's %s,
// so a NUL byte ends the argument there.
func previewArg(a []byte) string {
	if i := bytes.IndexByte(a, 0); i >= 0 {
		a = a[:i]
	}
	if len(a) > 128 {
		a = a[:128]
	}
	s := []byte(string(a))
	for i, c := range s {
		if c == '\r' || c == '\n' {
			s[i] = ' '
		}
	}
	return string(s)
}
