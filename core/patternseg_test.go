package core

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// redisMatch is Redis 7.0's stringmatchlen, restated as the oracle of the
// matcher: recursion on every star with the nesting limit, Redis's classes.
func redisMatch(p, s string, nesting int, skipLonger *bool) bool {
	if nesting > maxNesting {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if redisMatch(p[1:], s, nesting+1, skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			set := new(byteSet)
			end := parseClass([]byte(p), 1, set)
			if !set.has(s[0]) {
				return false
			}
			p = p[end:]
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if p[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}

func oracle(p, s string) bool {
	if s == "" {
		return p == "" || p == "*"
	}
	skip := false
	return redisMatch(p, s, 0, &skip)
}

// TestPatternMatchesOracle compares the matcher with Redis's algorithm on
// random patterns over a small alphabet, where stars, classes and escapes
// collide often.
func TestPatternMatchesOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2022))
	patAlpha := []string{"a", "b", "*", "*", "?", "[ab]", "[^a]", "[a-b]", `\*`, `\a`, "[", "]", "-"}
	strAlpha := "ab*[]-c"
	for i := 0; i < 15000; i++ {
		var pb strings.Builder
		for n := r.IntN(9); n > 0; n-- {
			pb.WriteString(patAlpha[r.IntN(len(patAlpha))])
		}
		sb := make([]byte, r.IntN(10))
		for j := range sb {
			sb[j] = strAlpha[r.IntN(len(strAlpha))]
		}
		p, s := pb.String(), string(sb)
		if got, want := CompilePattern([]byte(p)).Match(s), oracle(p, s); got != want {
			t.Fatalf("pattern %q on %q: %v, Redis %v", p, s, got, want)
		}
	}
}

// TestPatternNestingLimit: Redis stops recursing after 1000 stars, so a
// pattern with more stars before its last literal matches nothing; a
// trailing star does not count.
func TestPatternNestingLimit(t *testing.T) {
	key := strings.Repeat("a", 2000)
	for _, c := range []struct {
		pat  string
		want bool
	}{
		{strings.Repeat("*a", 1000), true},
		{strings.Repeat("*a", 1001), false},
		{strings.Repeat("*a", 1000) + "*", true},
		{strings.Repeat("*a", 50000), false}, // the 100 KB pattern of the report
		{strings.Repeat("a", 1500) + "*", true},
		{strings.Repeat("a", 2000), true},
		{strings.Repeat("?", 1999), false},
		{strings.Repeat("[a]", 2000), true},
	} {
		if got := CompilePattern([]byte(c.pat)).Match(key); got != c.want {
			t.Errorf("%d-byte pattern: %v, want %v", len(c.pat), got, c.want)
		}
		if len(c.pat) < 3000 {
			if want := oracle(c.pat, key); want != c.want {
				t.Errorf("oracle disagrees on %d-byte pattern", len(c.pat))
			}
		}
	}
}

// TestPatternLinear is the report's KEYS pattern on a 2 MB key: gobwas/glob's
// tree matcher took 8 s on 1 MB and 113 s on 4 MB; segments take
// milliseconds.
func TestPatternLinear(t *testing.T) {
	key := strings.Repeat("a", 2<<20)
	pats := []string{
		strings.Repeat("*a", 30) + "*b",
		strings.Repeat("*?", 30) + "*b",
		strings.Repeat("*[ab]", 30) + "*b*",
		"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
	}
	start := time.Now()
	for _, p := range pats {
		if CompilePattern([]byte(p)).Match(key) {
			t.Errorf("%q matched", p)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("matching took %v", d)
	}
}

func BenchmarkPatternStars(b *testing.B) {
	key := strings.Repeat("a", 1<<20)
	p := CompilePattern([]byte(strings.Repeat("*a", 30) + "*b"))
	b.SetBytes(int64(len(key)))
	for b.Loop() {
		p.Match(key)
	}
}

func BenchmarkPatternCommon(b *testing.B) {
	keys := []string{"user:1000:session", "user:1001:profile", "cache:page:/index.html", "queue:jobs"}
	for _, pat := range []string{"user:*", "*:session", "user:*:profile", "*page*", "u?er:*:p*"} {
		p := CompilePattern([]byte(pat))
		b.Run(pat, func(b *testing.B) {
			for b.Loop() {
				for _, k := range keys {
					p.Match(k)
				}
			}
		})
	}
}

// TestWriterLimit: past its limit a Writer drops the replies, reports
// ReplyTooBig, and with SetAbortOnOverflow stops the writer by panicking.
func TestWriterLimit(t *testing.T) {
	w := NewWriter(2)
	w.SetLimit(100)
	for i := 0; i < 10; i++ {
		w.WriteBulkString("0123456789")
	}
	if !w.ReplyTooBig() || w.Len() != 0 {
		t.Fatalf("over the limit: too big %v, %d bytes kept", w.ReplyTooBig(), w.Len())
	}
	w.WriteError(ErrSyntax)
	if w.Len() != 0 {
		t.Errorf("a reply after the overflow was kept")
	}
	w = NewWriter(2)
	w.SetLimit(100)
	w.SetAbortOnOverflow(true)
	defer func() {
		if r := recover(); r != ErrReplyTooBig {
			t.Errorf("recovered %v, want ErrReplyTooBig", r)
		}
	}()
	for i := 0; i < 1e9; i++ {
		w.WriteInt(int64(i))
	}
	t.Error("the loop was not stopped")
}
