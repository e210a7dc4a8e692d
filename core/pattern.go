package core

// Pattern is a compiled Redis glob pattern, as KEYS, SCAN MATCH and the other
// MATCH options use: `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`, matched byte
// by byte. Braces and commas are literal. It follows Redis's stringmatchlen
// exactly, quirks included: an unclosed class is closed at the end of the
// pattern, range bounds compare as signed chars (so `[a-\xff]` covers 0xff
// and 0x00..'a'), and the empty string matches only the empty pattern and
// `*` (which KEYS and SCAN treat as "everything").
//
// Matching uses one backtracking point (the last star), so it takes at most
// O(len(pattern) × len(string)) steps: patterns such as
// `*a*a*a*a*a*a*a*a*a*a*b*` stay fast on long keys.
type Pattern struct {
	toks       []patToken
	all        bool // only stars: every non-empty string matches
	matchEmpty bool // "" or "*": the empty string matches
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
			pat.toks = append(pat.toks, patToken{kind: patStar})
		case '?':
			pat.toks = append(pat.toks, patToken{kind: patAny})
		case '\\':
			if i+1 < len(p) {
				i++
			}
			pat.toks = append(pat.toks, patToken{kind: patLiteral, c: p[i]})
		case '[':
			set := new(byteSet)
			i = parseClass(p, i+1, set)
			pat.toks = append(pat.toks, patToken{kind: patClass, set: set})
		default:
			pat.toks = append(pat.toks, patToken{kind: patLiteral, c: c})
		}
	}
	return pat
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
	toks := p.toks
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for si < len(s) {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case patStar:
				starTi, starSi = ti, si
				ti++
				continue
			case patAny:
				ti++
				si++
				continue
			case patLiteral:
				if t.c == s[si] {
					ti++
					si++
					continue
				}
			case patClass:
				if t.set.has(s[si]) {
					ti++
					si++
					continue
				}
			}
		}
		// Mismatch: let the last star swallow one more byte and retry
		// from there. Earlier stars never need revisiting, which keeps
		// the work bounded.
		if starTi < 0 {
			return false
		}
		starSi++
		ti, si = starTi+1, starSi
	}
	for ti < len(toks) && toks[ti].kind == patStar {
		ti++
	}
	return ti == len(toks)
}

// MatchBytes is Match for a byte slice.
func (p *Pattern) MatchBytes(b []byte) bool { return p.Match(string(b)) }
