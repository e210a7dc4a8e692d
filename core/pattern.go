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
// and 0x00..'a'), the empty string matches only the empty pattern and `*`
// (which KEYS and SCAN treat as "everything"), and a pattern with more than
// 1000 stars before its last non-star (Redis's nesting limit since
// CVE-2022-36021) matches nothing.
//
// The pattern is parsed with Redis's rules into tokens. A pattern with at
// most one run of stars (`user:*`, `*:tmp`, `a?c*[xy]`, the common case) is
// translated to a gobwas/glob pattern (classes become explicit byte sets,
// every literal is escaped, bytes above 0x7F become the rune of the same
// number) so that gobwas/glob, which matches runes, matches byte by byte;
// its prefix, suffix and fixed-length matchers are linear. Patterns with
// more stars are matched by segments instead: gobwas/glob's tree matcher
// tries every split of the string between the pieces of such a pattern,
// which made `*a*a*a*...*b` quadratic in the key length (8 s for a 1 MB
// key). The segment matcher anchors the first segment at the start and the
// last at the end, and finds each middle segment at its leftmost position,
// which is exact for globs whose pieces between stars have a fixed length:
// time O(len(key) × longest segment), linear for literal segments.
type Pattern struct {
	g          *glob.Pattern // gobwas/glob's matcher, when it serves
	segs       *segments     // the segment matcher, when g does not serve
	none       bool          // the pattern can match nothing
	all        bool          // only stars: every non-empty string matches
	matchEmpty bool          // "" or "*": the empty string matches
}

// maxNesting is Redis's limit on the stars a match may recurse through
// (stringmatchlen's nesting check, CVE-2022-36021).
const maxNesting = 1000

// gobwasMaxTokens bounds the patterns given to gobwas/glob: a class is
// spelled out byte by byte in its syntax, so a long pattern of classes
// would compile into a huge one.
const gobwasMaxTokens = 256

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
func (s *byteSet) empty() bool     { return s[0]|s[1]|s[2]|s[3] == 0 }
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
	groups, trailing := 0, false
	for i, t := range toks {
		if t.kind == patStar {
			groups++
			trailing = i == len(toks)-1
		}
		if t.kind == patClass && t.set.empty() {
			pat.none = true // an empty class matches no byte
		}
	}
	nested := groups
	if trailing {
		nested-- // a final star returns a match without recursing
	}
	switch {
	case pat.none || pat.all:
	case nested > maxNesting:
		pat.none = true
	case groups <= 1 && len(toks) <= gobwasMaxTokens:
		pat.g = translate(toks)
		pat.none = pat.g == nil
	default:
		pat.segs = newSegments(toks)
	}
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
	if p.none {
		return false
	}
	if p.segs != nil {
		return p.segs.match(s)
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
