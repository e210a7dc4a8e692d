package core_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/core"
)

func TestPatternMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"**", "", false}, // only "*" itself is special-cased for the empty key
		{"**", "x", true},
		{"", "", true},
		{"", "a", false},
		{"?", "", false},
		{"?", "\xff", true},
		{"h?llo", "hello", true},
		{"h?llo", "hllo", false},
		{"h*llo", "hllo", true},
		{"h*llo", "heeeello", true},
		{"h[ae]llo", "hallo", true},
		{"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true},
		{"h[^e]llo", "hello", false},
		{"h[a-b]llo", "hbllo", true},
		{"[z-a]", "m", true}, // reversed ranges are swapped
		{"[]", "]", false},   // an empty class matches nothing
		{"[^]", "x", true},
		{"[abc", "c", true}, // unclosed: the class ends with the pattern
		{"[", "[", false},
		{"[a-]", "^", true}, // a range from 'a' down to ']'
		{"[-a]", "-", true},
		{"[-a]", "^", false},
		{"[a\\-z]", "-", true},
		{"[a\\-z]", "m", false},
		{"\\*", "*", true},
		{"\\*", "a", false},
		{"\\", "\\", true}, // a trailing backslash is literal
		{"a\\", "a\\", true},
		{"{a,b}", "{a,b}", true},
		{"{a,b}", "a", false},
		{"[\x80-\xff]", "\x90", true},
		{"[\x80-\xff]", "a", false},
		{"[a-\xff]", "\x00", true}, // signed chars: 0xff is -1
		{"[a-\xff]", "\xff", true},
		{"[a-\xff]", "b", false},
		{"[a-\xff]", "\x80", false},
		{"a\x00c", "a\x00c", true},
		{"é", "é", true},
		{"?", "é", false}, // two bytes
		{"??", "é", true},
		{"*a*a*b", "aaab", true},
		{"*a*a*b", "aab", true},
		{"*a*a*b", "ab", false},
		{"a*", "a", true},
		{"a*?", "a", false},
		{"*?", "a", true},
	}
	for _, c := range cases {
		if got := core.CompilePattern([]byte(c.pattern)).Match(c.s); got != c.want {
			t.Errorf("%q matching %q = %v, want %v", c.pattern, c.s, got, c.want)
		}
		if got := core.CompilePattern([]byte(c.pattern)).MatchBytes([]byte(c.s)); got != c.want {
			t.Errorf("MatchBytes %q matching %q = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
	if !core.CompilePattern([]byte("*")).MatchAll() || core.CompilePattern([]byte("**")).MatchAll() ||
		core.CompilePattern([]byte("a*")).MatchAll() {
		t.Error("MatchAll wrong")
	}
}

const pathological = "*a*a*a*a*a*a*a*a*a*a*b*"

// A pattern that makes naive backtracking exponential must stay linear in
// practice: Redis answers it in milliseconds.
func TestPatternPathologicalIsFast(t *testing.T) {
	p := core.CompilePattern([]byte(pathological))
	keys := []string{strings.Repeat("a", 10000), strings.Repeat("a", 5000) + "c", strings.Repeat("ab", 3000)}
	start := time.Now()
	for i := 0; i < 3; i++ {
		if p.Match(keys[0]) || p.Match(keys[1]) {
			t.Fatal("matched a key without b")
		}
		if !p.Match(keys[2]) {
			t.Fatal("did not match a key with enough a's and a b")
		}
	}
	// A generous bound (the work is ~10 ms per key); exponential matching would
	// take years.
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("pathological pattern took %v", d)
	}
}

func BenchmarkPatternPathological(b *testing.B) {
	p := core.CompilePattern([]byte(pathological))
	key := strings.Repeat("a", 10000)
	b.SetBytes(int64(len(key)))
	for b.Loop() {
		p.Match(key)
	}
}

func BenchmarkPatternTypical(b *testing.B) {
	p := core.CompilePattern([]byte("user:*:na[mn]e"))
	key := "user:123456:name"
	for b.Loop() {
		p.Match(key)
	}
}
