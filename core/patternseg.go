package core

import "strings"

// segments matches a pattern with stars as the fixed-length pieces between
// them: head before the first star, tail after the last, mids in between.
type segments struct {
	head, tail []patToken
	mids       [][]patToken
	lits       []string // mids[i] as a string when it is all literals, else ""
	min        int      // the length every match needs
	exact      bool     // no star: the string is exactly head
}

func newSegments(toks []patToken) *segments {
	var pieces [][]patToken
	cur := []patToken{}
	for _, t := range toks {
		if t.kind == patStar {
			pieces = append(pieces, cur)
			cur = []patToken{}
			continue
		}
		cur = append(cur, t)
	}
	pieces = append(pieces, cur)
	if len(pieces) == 1 {
		return &segments{head: pieces[0], min: len(pieces[0]), exact: true}
	}
	sg := &segments{head: pieces[0], tail: pieces[len(pieces)-1]}
	sg.min = len(sg.head) + len(sg.tail)
	for _, m := range pieces[1 : len(pieces)-1] {
		if len(m) == 0 {
			continue
		}
		sg.mids = append(sg.mids, m)
		sg.lits = append(sg.lits, literalString(m))
		sg.min += len(m)
	}
	return sg
}

// literalString returns the bytes of a piece made only of literals, or "".
func literalString(toks []patToken) string {
	var b strings.Builder
	for _, t := range toks {
		if t.kind != patLiteral {
			return ""
		}
		b.WriteByte(t.c)
	}
	return b.String()
}

func (t *patToken) matches(c byte) bool {
	switch t.kind {
	case patLiteral:
		return c == t.c
	case patClass:
		return t.set.has(c)
	}
	return true // patAny
}

// matchAt reports whether the piece matches s at i (s is long enough).
func matchAt(piece []patToken, s string, i int) bool {
	for j := range piece {
		if !piece[j].matches(s[i+j]) {
			return false
		}
	}
	return true
}

// find returns the leftmost position in s[from:to] where the piece matches,
// or -1.
func (sg *segments) find(k int, s string, from, to int) int {
	piece := sg.mids[k]
	if lit := sg.lits[k]; lit != "" {
		if i := strings.Index(s[from:to], lit); i >= 0 {
			return from + i
		}
		return -1
	}
	first := &piece[0]
	for i := from; i+len(piece) <= to; i++ {
		if first.kind == patLiteral {
			j := strings.IndexByte(s[i:to-len(piece)+1], first.c)
			if j < 0 {
				return -1
			}
			i += j
		}
		if matchAt(piece, s, i) {
			return i
		}
	}
	return -1
}

// match reports whether s (not empty) matches. A star matches any run of
// bytes, so once the head and tail are anchored, taking each middle piece
// at its leftmost match leaves the most room for the pieces after it.
func (sg *segments) match(s string) bool {
	if sg.exact {
		return len(s) == len(sg.head) && matchAt(sg.head, s, 0)
	}
	if len(s) < sg.min || !matchAt(sg.head, s, 0) || !matchAt(sg.tail, s, len(s)-len(sg.tail)) {
		return false
	}
	pos, end := len(sg.head), len(s)-len(sg.tail)
	for k := range sg.mids {
		i := sg.find(k, s, pos, end)
		if i < 0 {
			return false
		}
		pos = i + len(sg.mids[k])
	}
	return true
}
