package std_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/redmod/redmod/registry"
)

// TestNotImplementedList keeps the README's "What is not implemented yet"
// true: every Redis 7.0 command (and subcommand) is registered or listed
// there, and nothing listed there is registered.
func TestNotImplementedList(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(readme), "\n## What is not implemented yet\n")
	if !ok {
		t.Fatal(`README has no "What is not implemented yet" section`)
	}
	if i := strings.Index(sec, "\n## "); i >= 0 {
		sec = sec[:i]
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Z][A-Z0-9-]*(?: [A-Z][A-Z0-9-]*)?)`").FindAllStringSubmatch(sec, -1) {
		listed[strings.ReplaceAll(strings.ToLower(m[1]), " ", "|")] = true
	}
	reg := registry.Default
	present := func(name string) bool {
		parent, sub, isSub := strings.Cut(name, "|")
		c := reg.Lookup([]byte(parent))
		if c == nil || !isSub {
			return c != nil
		}
		return c.Sub([]byte(sub)) != nil
	}
	for name := range listed {
		if present(name) {
			t.Errorf("README lists %q as not implemented, but it is registered", name)
		}
	}
	for _, name := range redis70Commands {
		parent, _, _ := strings.Cut(name, "|")
		if !present(name) && !listed[name] && !listed[parent] {
			t.Errorf("Redis 7.0 command %q is neither registered nor listed in the README", name)
		}
	}
}
