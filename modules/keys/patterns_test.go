package keys_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// patternKeys are the keys KEYS patterns are matched against: the
// characters patterns treat specially, binary bytes, and near misses.
var patternKeys = []string{
	"", "a", "b", "c", "z", "A", "Z", "0", "9", "ab", "abc", "aXc", "a\x00c", "abcd",
	"hello", "hallo", "hxllo", "hllo", "heeeello", "*", "?", "[", "]", "\\", "-", "^", "!",
	"{a,b}", "a,b", "{", "}", "[abc]", "a*", "a?", "ab\\", "\\*", "\x00", "\x7f", "\x80",
	"\xff", "\xfe\xff", "é", "\xc3", "k:1", "k:22", "k:", "user:1000:name", "user:1000:email",
	strings.Repeat("a", 300), strings.Repeat("ab", 100) + "b",
}

// specialPatterns are the forms KEYS must treat as Redis's stringmatchlen
// does.
var specialPatterns = []string{
	"*", "**", "***", "?", "??", "???", "", "*?", "?*", "a*", "*a", "*a*", "a*c", "a?c",
	"h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "h[z-a]llo",
	"[abc]", "[^a]", "[^abc]", "[a-z]", "[z-a]", "[A-Z]", "[0-9]", "[a-]", "[-a]", "[]",
	"[]]", "[]a]", "[^]", "[^]]", "[", "[a", "[abc", "[^", "[^a", "a[", "[\\]]", "[\\",
	"[a\\", "[\\a]", "[a\\-z]", "[a-\\z]", "\\*", "\\?", "\\[", "\\\\", "\\", "a\\", "*\\",
	"\\a", "\\a\\b\\c", "{a,b}", "{a,b", "a,b", "{", "}", "*,*", "\x00", "a\x00c", "a?c",
	"\x80", "\xff", "[\x80-\xff]", "[^\x00-\x7f]", "[\xff-\x80]", "*\xff", "\xc3?", "é",
	"[é]", "?\xa9", "k:[0-9]", "k:[0-9][0-9]", "k:*", "user:*:name", "user:*:*", "*:*:*",
	"[[]", "[*]", "[?]", "*[", "*]", "a**c", "a*?", "?*?*?", strings.Repeat("a", 300),
	strings.Repeat("a*", 20), strings.Repeat("?", 300), "*b", "[!a]", "[\\^a]",
}

func TestDiffKeysPatterns(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	for _, k := range patternKeys {
		p.Check("SET", k, "v")
	}
	p.Check("DBSIZE")
	for _, pat := range specialPatterns {
		p.CheckUnordered("KEYS", pat)
	}
	// Random patterns over an alphabet rich in special characters.
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "c", "*", "?", "[", "]", "^", "-", "\\", "{", "}", ",", "\x00", "\x80", "\xff", "\xc3", "h", "l", "o"}
	for i := 0; i < 1500; i++ {
		var b strings.Builder
		for j := r.IntN(7); j >= 0; j-- {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		p.CheckUnordered("KEYS", b.String())
	}
	// A pattern that is exponential for naive backtracking, against long
	// keys: same answer, quickly.
	p.Check("SET", strings.Repeat("a", 5000), "v")
	p.Check("SET", strings.Repeat("a", 4000)+"b", "v")
	start := time.Now()
	p.CheckUnordered("KEYS", "*a*a*a*a*a*a*a*a*a*a*b*")
	p.CheckUnordered("KEYS", "*a*a*a*a*a*a*a*a*a*a*c*")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("pathological KEYS took %v", d)
	}
	// Expired keys are never listed.
	p.Check("SET", "gone", "x", "PXAT", "1")
	p.CheckUnordered("KEYS", "g*")
	p.Check("KEYS")
	p.Check("KEYS", "a", "b")
}
