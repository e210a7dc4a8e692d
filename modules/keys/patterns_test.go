package keys_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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

// TestDiffKeysPatternNesting: Redis stops matching after 1000 nested stars
// (CVE-2022-36021), so a long pattern of `*a` matches nothing where a
// shorter one matches; redmod answers the same, on a 100 KB pattern too.
func TestDiffKeysPatternNesting(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	p := difftest.NewPair(t, srv.Addr(), ref)
	p.Check("SET", strings.Repeat("a", 3000), "v")
	p.Check("SET", "ab", "v")
	for _, pat := range []string{
		strings.Repeat("*a", 999), strings.Repeat("*a", 1000), strings.Repeat("*a", 1001),
		strings.Repeat("*a", 1000) + "*", strings.Repeat("*a", 1001) + "*", strings.Repeat("*a", 50000),
		strings.Repeat("*", 5000) + "a", strings.Repeat("a*", 1500), strings.Repeat("*?", 1001) + "*",
	} {
		p.CheckUnordered("KEYS", pat)
		p.Check("SCAN", "0", "MATCH", pat, "COUNT", "1000")
	}
}

// TestKeysPatternDoesNotStallWriters is the report's case: KEYS with
// *a*a*...*b against a 1 MB key took 8 s (quadratic in the key length)
// while another client's SET waited. Matching is linear now, so both
// answer at once.
func TestKeysPatternDoesNotStallWriters(t *testing.T) {
	srv := redmodtest.Run(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer c.Close()
	c.Do(ctx, "SET", strings.Repeat("a", 1<<20), "v")
	pat := strings.Repeat("*a", 40) + "*b"
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- c.Do(ctx, "KEYS", pat).Err() }()
	w := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer w.Close()
	if err := w.Set(ctx, "other", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("KEYS and a SET took %v", d)
	}
}
