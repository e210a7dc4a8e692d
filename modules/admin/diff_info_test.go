package admin_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var usecRe = regexp.MustCompile(`usec=\d+,usec_per_call=[\d.]+`)

// infoLines returns the lines of an INFO reply with the timings masked,
// sorted, as Redis's commandstats order is its dictionary's.
func infoLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\r\n") {
		out = append(out, usecRe.ReplaceAllString(l, "usec=X"))
	}
	slices.Sort(out)
	return out
}

// TestDiffInfoStats compares INFO commandstats and errorstats after the
// same calls, failed and rejected ones included, with Redis's.
func TestDiffInfoStats(t *testing.T) {
	p := newPair(t)
	p.Do("CONFIG", "RESETSTAT")
	for _, c := range [][]string{
		{"SET", "k", "v"}, {"GET", "k"}, {"GET"}, {"NOSUCH", "x"}, {"LPUSH", "k", "x"}, {"INCR", "k"},
		{"CONFIG", "GET"}, {"CONFIG", "NOSUCH"}, {"CLIENT", "SETNAME", "a b"}, {"CLIENT", "GETNAME"},
		{"HELLO", "7"}, {"SELECT", "99"}, {"EXPIRE", "k", "10", "FOO"}, {"GET", "k", "extra"},
	} {
		p.Check(c...)
	}
	ours, ref := p.Do("INFO", "commandstats")
	if g, w := infoLines(ours.Str), infoLines(ref.Str); !slices.Equal(g, w) {
		t.Errorf("INFO commandstats:\n redmod: %q\n  redis: %q", g, w)
	}
	ours, ref = p.Do("INFO", "errorstats")
	if g, w := infoLines(ours.Str), infoLines(ref.Str); !slices.Equal(g, w) {
		t.Errorf("INFO errorstats:\n redmod: %q\n  redis: %q", g, w)
	}
}
