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

// docFields returns the fields of a one-command COMMAND DOCS reply in
// their order, without "subcommands" (each subcommand is compared on its
// own), or ok false when the server does not know the command.
func docFields(r resp.Reply) (names []string, fields map[string]string, ok bool) {
	if len(r.Elems) != 2 {
		return nil, nil, false
	}
	doc := r.Elems[1]
	fields = map[string]string{}
	for i := 0; i+1 < len(doc.Elems); i += 2 {
		k := doc.Elems[i].Str
		if k == "subcommands" {
			continue
		}
		names = append(names, k)
		fields[k] = doc.Elems[i+1].Raw
	}
	return names, fields, true
}

// TestCommandDocsMatchRedis compares COMMAND DOCS field by field (summary,
// since, group, complexity, doc_flags, deprecated_since, replaced_by,
// history, and the arguments with their since, flags and
// deprecated_since) with Redis 7.0's, for every command and subcommand of
// the registry that Redis has, in RESP2 and RESP3.
func TestCommandDocsMatchRedis(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	for _, proto := range []string{"2", "3"} {
		ours, theirs := dial(t, srv.Addr()), dial(t, ref)
		do(t, ours, "HELLO", proto)
		do(t, theirs, "HELLO", proto)
		compared := 0
		for _, c := range registry.Default.Commands() {
			names := []string{c.FullName}
			for _, sub := range c.Subcommands() {
				names = append(names, sub.FullName)
			}
			for _, name := range names {
				wantOrder, want, ok := docFields(do(t, theirs, "COMMAND", "DOCS", name))
				if !ok {
					continue // not a Redis 7.0 command
				}
				gotOrder, got, ok := docFields(do(t, ours, "COMMAND", "DOCS", name))
				if !ok {
					t.Errorf("RESP%s %s: redmod's COMMAND DOCS does not know it", proto, name)
					continue
				}
				compared++
				for _, f := range wantOrder {
					if got[f] != want[f] {
						t.Errorf("RESP%s %s: %s\n redmod: %q\n  redis: %q", proto, name, f, got[f], want[f])
					}
				}
				if strings.Join(gotOrder, " ") != strings.Join(wantOrder, " ") {
					t.Errorf("RESP%s %s: fields\n redmod: %v\n  redis: %v", proto, name, gotOrder, wantOrder)
				}
			}
		}
		if compared < 200 {
			t.Errorf("RESP%s: only %d commands compared", proto, compared)
		}
	}
}
