package admin_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

// TestDiffModuleCommand: MODULE answers as a Redis 7.0 server with no
// module loaded, and loading a library fails as Redis's does for one it
// cannot load.
func TestDiffModuleCommand(t *testing.T) {
	ref := difftest.RedisIn(t, t.TempDir(), "--enable-module-command", "yes")
	ours := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.EnableModuleCommand = "yes" }))
	p := difftest.NewPair(t, ours.Addr(), ref)
	for _, args := range [][]string{
		{"MODULE", "LIST"}, {"MODULE", "LIST", "x"}, {"MODULE", "HELP"}, {"MODULE", "FOO"}, {"MODULE"},
		{"MODULE", "LOAD"}, {"MODULE", "LOAD", "/no/such/library.so"}, {"MODULE", "LOAD", "/no/such/library.so", "a", "b"},
		{"MODULE", "LOADEX", "/no/such/library.so", "CONFIG", "p", "v", "ARGS", "a"},
		{"MODULE", "UNLOAD", "nosuch"}, {"MODULE", "UNLOAD"},
	} {
		p.Check(args...)
	}
	p.Do("HELLO", "3")
	p.Check("MODULE", "LIST")
}

// TestModuleCommandRefused: MODULE is refused by default, as in Redis.
func TestModuleCommandRefused(t *testing.T) {
	c := dial(t, redmodtest.Run(t).Addr())
	if r := do(t, c, "MODULE", "LIST"); !strings.Contains(r.Str, "MODULE command not allowed") {
		t.Errorf("MODULE LIST by default = %s", r)
	}
	if r := do(t, c, "MODULE", "HELP"); r.Kind != '*' {
		t.Errorf("MODULE HELP by default = %s", r)
	}
}

// TestDiffDebugObjectLength: DEBUG OBJECT's serializedlength is the size
// Redis gives each encoding in an RDB file (the rest of the line holds an
// address and a clock). Strings LZF compresses are left out: redmod's
// compressor finds other matches than Redis's, so the sizes differ.
func TestDiffDebugObjectLength(t *testing.T) {
	ref := difftest.Redis(t)
	p := difftest.NewPair(t, debugServer(t).Addr(), ref)
	length := regexp.MustCompile(`serializedlength:\d+`)
	for _, setup := range [][]string{
		{"SET", "k", "bar"}, {"SET", "k", "12345"}, {"SET", "k", "-9223372036854775808"},
		{"SET", "k", "a string of 20 bytes"}, {"SET", "k", "1.5"}, {"SET", "k", ""},
	} {
		p.Do(setup...)
		ours, theirs := p.Do("DEBUG", "OBJECT", "k")
		if a, b := length.FindString(ours.Str), length.FindString(theirs.Str); a == "" || a != b {
			t.Errorf("%q: %s, Redis %s", setup[2][:min(len(setup[2]), 10)], a, b)
		}
	}
}
