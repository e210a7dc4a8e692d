package core

import (
	"strings"
	"unicode/utf8"

	"github.com/gobwas/glob"
)

// Pattern is a compiled Redis glob pattern, as KEYS, SCAN MATCH and the other
// MATCH options use: `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`, matched byte
// by byte. Braces and commas are literal, unlike in gobwas/glob, which
// matches the translated pattern.
type Pattern struct {
	g     *glob.Pattern
	all   bool // the pattern is only stars
	never bool // the pattern has an empty class, which matches nothing
}

// CompilePattern translates a Redis pattern. Every byte string is a valid
// Redis pattern, so it never fails.
func CompilePattern(p []byte) *Pattern {
	var b strings.Builder
	all := len(p) > 0 // the empty pattern matches only the empty key
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '*' {
			all = false
		}
		switch c {
		case '*':
			for i+1 < len(p) && p[i+1] == '*' {
				i++
			}
			b.WriteByte('*')
		case '?':
			b.WriteByte('?')
		case '\\':
			if i+1 < len(p) {
				i++
			}
			writeLiteral(&b, p[i])
		case '[':
			var set [256]bool
			i = parseClass(p, i+1, &set)
			n := 0
			for _, in := range set {
				if in {
					n++
				}
			}
			switch n {
			case 0:
				return &Pattern{never: true}
			case 256:
				b.WriteByte('?')
			default:
				writeClass(&b, &set)
			}
		default:
			writeLiteral(&b, c)
		}
	}
	if all {
		return &Pattern{all: true}
	}
	g, err := glob.Compile(b.String())
	if err != nil {
		// The translation escapes everything gobwas/glob treats specially,
		// so this cannot happen; fail closed rather than match everything.
		return &Pattern{never: true}
	}
	return &Pattern{g: g}
}

// parseClass reads a Redis character class starting after '[' and marks the
// bytes it matches. It returns the index of the closing ']' (or of the last
// byte when the class is not closed, which Redis accepts).
func parseClass(p []byte, i int, set *[256]bool) int {
	negate := i < len(p) && p[i] == '^'
	if negate {
		i++
	}
	for ; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			i++
			set[p[i]] = true
		case c == ']':
			goto done
		case i+2 < len(p) && p[i+1] == '-':
			lo, hi := c, p[i+2]
			if lo > hi {
				lo, hi = hi, lo
			}
			for x := int(lo); x <= int(hi); x++ {
				set[x] = true
			}
			i += 2
		default:
			set[c] = true
		}
	}
	i = len(p) - 1
done:
	if negate {
		for x := range set {
			set[x] = !set[x]
		}
	}
	return i
}

func writeClass(b *strings.Builder, set *[256]bool) {
	b.WriteByte('[')
	for x := 0; x < 256; x++ {
		if !set[x] {
			continue
		}
		y := x
		for y+1 < 256 && set[y+1] {
			y++
		}
		if y > x+1 && isAlnum(byte(x)) && isAlnum(byte(y)) && sameClass(byte(x), byte(y)) {
			b.WriteByte(byte(x))
			b.WriteByte('-')
			b.WriteByte(byte(y))
			x = y
			continue
		}
		writeLiteral(b, byte(x))
	}
	b.WriteByte(']')
}

// writeLiteral writes one pattern byte so that gobwas/glob matches exactly
// that byte: bytes above 0x7F become the rune of the same number, which is how
// the matched strings are translated too (see Match).
func writeLiteral(b *strings.Builder, c byte) {
	if c >= utf8.RuneSelf {
		b.WriteRune(rune(c))
		return
	}
	if !isAlnum(c) {
		b.WriteByte('\\')
	}
	b.WriteByte(c)
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func sameClass(x, y byte) bool {
	class := func(c byte) int {
		switch {
		case c >= 'a' && c <= 'z':
			return 1
		case c >= 'A' && c <= 'Z':
			return 2
		default:
			return 3
		}
	}
	return class(x) == class(y)
}

// MatchAll reports whether the pattern matches every string ("*").
func (p *Pattern) MatchAll() bool { return p.all }

// Match reports whether s matches the pattern, byte by byte.
func (p *Pattern) Match(s string) bool {
	switch {
	case p.all:
		return true
	case p.never:
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return p.g.Match(bytesAsRunes(s))
		}
	}
	return p.g.Match(s)
}

// MatchBytes is Match for a byte slice.
func (p *Pattern) MatchBytes(b []byte) bool { return p.Match(string(b)) }

// bytesAsRunes maps each byte to the rune of the same number, so that
// gobwas/glob, which matches runes, sees one rune per byte.
func bytesAsRunes(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}
