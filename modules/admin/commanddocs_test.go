package admin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
	"github.com/redmod/redmod/registry"
)

// argShape renders the parts of COMMAND DOCS arguments that redis-cli
// builds its hints from: names, types, tokens, flags, nesting.
func argShape(r resp.Reply) string {
	var b strings.Builder
	for _, a := range r.Elems {
		f := map[string]resp.Reply{}
		for i := 0; i+1 < len(a.Elems); i += 2 {
			f[a.Elems[i].Str] = a.Elems[i+1]
		}
		var flags []string
		for _, x := range f["flags"].Elems {
			flags = append(flags, x.Str)
		}
		fmt.Fprintf(&b, "(%s %s", f["type"].Str, f["token"].Str)
		if len(flags) > 0 {
			fmt.Fprintf(&b, " %v", flags)
		}
		if sub, ok := f["arguments"]; ok {
			b.WriteString(" " + argShape(sub))
		}
		b.WriteString(")")
	}
	return b.String()
}

// docsArgs returns the "arguments" of a COMMAND DOCS reply for one command.
func docsArgs(r resp.Reply) (resp.Reply, bool) {
	if len(r.Elems) != 2 {
		return resp.Reply{}, false
	}
	doc := r.Elems[1]
	for i := 0; i+1 < len(doc.Elems); i += 2 {
		if doc.Elems[i].Str == "arguments" {
			return doc.Elems[i+1], true
		}
	}
	return resp.Reply{}, true
}

// TestCommandDocsArgumentsMatchRedis compares, for every command in the
// registry that Redis 7.0 also has, the argument structure COMMAND DOCS
// gives (what redis-cli's hints are made of) with Redis's.
func TestCommandDocsArgumentsMatchRedis(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	ours, theirs := dial(t, srv.Addr()), dial(t, ref)
	for _, c := range registry.Default.Commands() {
		names := []string{c.FullName}
		for _, sub := range c.Subcommands() {
			names = append(names, sub.FullName)
		}
		for _, name := range names {
			want, ok := docsArgs(do(t, theirs, "COMMAND", "DOCS", name))
			if !ok {
				continue // not a Redis 7.0 command
			}
			got, ok := docsArgs(do(t, ours, "COMMAND", "DOCS", name))
			if !ok {
				t.Errorf("%s: redmod's COMMAND DOCS does not know it", name)
				continue
			}
			if g, w := argShape(got), argShape(want); g != w {
				t.Errorf("%s: arguments\n redmod: %s\n  redis: %s", name, g, w)
			}
		}
	}
}
