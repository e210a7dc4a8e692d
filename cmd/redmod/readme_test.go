package main

import (
	"os"
	"strings"
	"testing"

	"github.com/redmod/redmod/cli"
	"github.com/redmod/redmod/registry"
)

// The README's command table is generated from the registry; this test fails
// when a command changed without `go generate ./...`.
func TestReadmeCommandTableIsCurrent(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, cli.TableBegin), strings.Index(s, cli.TableEnd)
	if i < 0 || j < i {
		t.Fatal("README.md has no command table markers")
	}
	got := strings.TrimSpace(s[i+len(cli.TableBegin) : j])
	want := strings.TrimSpace(cli.CommandTable(registry.Default))
	if got != want {
		t.Fatal("README.md's command table is stale: run `go generate ./...`")
	}
}
