package core

import (
	"strings"
	"unicode/utf8"

	"github.com/gobwas/glob"
)

// Pattern is a compiled Redis glob pattern, as KEYS, SCAN MATCH and the other
// MATCH options use: `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`, matched byte
// by byte. Braces and commas are literal. It follows Redis's stringmatchlen
// exactly, quirks included: an unclosed class is closed at the end of the
// pattern, range bounds compare as signed chars (so `[a-\xff]` covers 0xff
// and 0x00..'a'), and the empty string matches only the empty pattern and
// `*` (which KEYS and SCAN treat as "everything").
//
// The pattern is parsed with Redis's rules into tokens, which are then
// translated to a gobwas/glob pattern (classes become explicit byte sets,
// every literal is escaped, bytes above 0x7F become the rune of the same
// number) so that gobwas/glob, which matches runes, matches byte by byte.
// gobwas/glob checks a pattern's required length and suffix before it walks,
// so patterns such as `*a*a*a*a*a*a*a*a*a*a*b*` stay fast on long keys.
type Pattern struct {
	g          *glob.Pattern // nil when the pattern can match nothing
	all        bool          // only stars: every non-empty string matches
	matchEmpty bool          // "" or "*": the empty string matches
}

type patKind uint8

const (
	patLiteral patKind = iota
	patAny
	patStar
	patClass
)

type patToken struct {
	kind patKind
	c    byte
	set  *byteSet
}

// byteSet is a set of bytes, one bit each.
type byteSet [4]uint64

func (s *byteSet) add(c byte)      { s[c>>6] |= 1 << (c & 63) }
func (s *byteSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }
func (s *byteSet) invert()         { s[0], s[1], s[2], s[3] = ^s[0], ^s[1], ^s[2], ^s[3] }
func (s *byteSet) addRange(lo, hi int8) {
	// Redis compares class ranges as C chars, which are signed on the
	// platforms it runs on.
	if lo > hi {
		lo, hi = hi, lo
	}
	for x := int(lo); x <= int(hi); x++ {
		s.add(byte(int8(x)))
	}
}

// CompilePattern compiles a Redis pattern. Every byte string is a valid
// Redis pattern, so it never fails.
func CompilePattern(p []byte) *Pattern {
	pat := &Pattern{all: len(p) > 0, matchEmpty: len(p) == 0 || len(p) == 1 && p[0] == '*'}
	var toks []patToken
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '*' {
			pat.all = false
		}
		switch c {
		case '*':
			for i+1 < len(p) && p[i+1] == '*' {
				i++
			}
			toks = append(toks, patToken{kind: patStar})
		case '?':
			toks = append(toks, patToken{kind: patAny})
		case '\\':
			if i+1 < len(p) {
				i++
			}
			toks = append(toks, patToken{kind: patLiteral, c: p[i]})
		case '[':
			set := new(byteSet)
			i = parseClass(p, i+1, set)
			toks = append(toks, patToken{kind: patClass, set: set})
		default:
			toks = append(toks, patToken{kind: patLiteral, c: c})
		}
	}
	pat.g = translate(toks)
	return pat
}

// translate writes the tokens as a gobwas/glob pattern. It returns nil for
// a pattern with an empty class, which matches nothing.
func translate(toks []patToken) *glob.Pattern {
	var b strings.Builder
	for _, t := range toks {
		switch t.kind {
		case patStar:
			b.WriteByte('*')
		case patAny:
			b.WriteByte('?')
		case patLiteral:
			writeGlobLiteral(&b, t.c)
		case patClass:
			n := 0
			for x := 0; x < 256; x++ {
				if t.set.has(byte(x)) {
					n++
				}
			}
			switch n {
			case 0:
				return nil
			case 256:
				b.WriteByte('?')
				continue
			case 1: // gobwas/glob rejects some one-byte classes ("[\-]")
				for x := 0; x < 256; x++ {
					if t.set.has(byte(x)) {
						writeGlobLiteral(&b, byte(x))
					}
				}
				continue
			}
			b.WriteByte('[')
			for x := 0; x < 256; x++ {
				// gobwas/glob reads an escaped '-' first in a class as
				// the start of a range, so '-' goes last.
				if !t.set.has(byte(x)) || x == '-' {
					continue
				}
				// Every member is listed: gobwas/glob v1.1.0 mismatches
				// some classes that mix ranges and single characters.
				writeGlobLiteral(&b, byte(x))
			}
			if t.set.has('-') {
				b.WriteString(`\-`)
			}
			b.WriteByte(']')
		}
	}
	g, err := glob.Compile(b.String())
	if err != nil {
		// Every special character is escaped above, so this cannot
		// happen; failing closed is safer than matching everything.
		return nil
	}
	return g
}

// writeGlobLiteral writes one byte so that gobwas/glob matches exactly it.
func writeGlobLiteral(b *strings.Builder, c byte) {
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

// parseClass reads a Redis character class starting after '[' and marks the
// bytes it matches. It returns the index of the closing ']' (or of the last
// byte when the class is not closed, which Redis accepts).
func parseClass(p []byte, i int, set *byteSet) int {
	negate := i < len(p) && p[i] == '^'
	if negate {
		i++
	}
	for ; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			i++
			set.add(p[i])
		case c == ']':
			goto done
		case i+2 < len(p) && p[i+1] == '-':
			set.addRange(int8(c), int8(p[i+2]))
			i += 2
		default:
			set.add(c)
		}
	}
	i = len(p) - 1
done:
	if negate {
		set.invert()
	}
	return i
}

// MatchAll reports whether the pattern matches every string ("*").
func (p *Pattern) MatchAll() bool { return p.all && p.matchEmpty }

// Match reports whether s matches the pattern, byte by byte.
func (p *Pattern) Match(s string) bool {
	if len(s) == 0 {
		// Redis's matcher stops at once on an empty string: only an
		// empty pattern matches it, and "*", which KEYS and SCAN treat
		// as matching everything.
		return p.matchEmpty
	}
	if p.all {
		return true
	}
	if p.g == nil {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return p.g.Match(bytesAsRunes(s))
		}
	}
	return p.g.Match(s)
}

// bytesAsRunes maps each byte to the rune of the same number, the way the
// pattern's literals were translated, so that one rune is one byte.
func bytesAsRunes(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// MatchBytes is Match for a byte slice.
func (p *Pattern) MatchBytes(b []byte) bool { return p.Match(string(b)) }
