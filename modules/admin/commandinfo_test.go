package admin_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/internal/resp"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
	"github.com/redmod/redmod/registry"
)

// commandInfo is the part of a COMMAND INFO entry that must agree with
// Redis: the metadata clients, cluster proxies and ACLs act on.
type commandInfo struct {
	arity             string
	flags             []string
	first, last, step string
	categories        []string
	tips              []string
	keySpecs          string
}

func parseCommandInfo(t *testing.T, r resp.Reply) (commandInfo, bool) {
	t.Helper()
	if r.Null || len(r.Elems) != 1 || r.Elems[0].Null {
		return commandInfo{}, false
	}
	e := r.Elems[0].Elems
	if len(e) < 10 {
		t.Fatalf("COMMAND INFO entry has %d fields: %s", len(e), r)
	}
	set := func(r resp.Reply) []string {
		var out []string
		for _, x := range r.Elems {
			out = append(out, x.Str)
		}
		slices.Sort(out)
		return out
	}
	return commandInfo{
		arity: e[1].Str, flags: set(e[2]),
		first: e[3].Str, last: e[4].Str, step: e[5].Str,
		categories: set(e[6]), tips: set(e[7]), keySpecs: e[8].String(),
	}, true
}

// TestCommandInfoMatchesRedis compares the metadata of every command and
// subcommand in the registry with Redis 7's COMMAND INFO, field by field.
// It walks the registry at test time, so commands added later are covered
// without changing this test.
func TestCommandInfoMatchesRedis(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	ours, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	theirs, err := resp.Dial(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Close()

	var names []string
	for _, c := range registry.Default.Commands() {
		names = append(names, c.FullName)
		for _, sub := range c.Subcommands() {
			names = append(names, sub.FullName)
		}
	}
	var unknown []string
	for _, name := range names {
		r, err := theirs.Do("COMMAND", "INFO", name)
		if err != nil {
			t.Fatal(err)
		}
		want, ok := parseCommandInfo(t, r)
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		o, err := ours.Do("COMMAND", "INFO", name)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseCommandInfo(t, o)
		if !ok {
			t.Errorf("%s: redmod's COMMAND INFO does not know it", name)
			continue
		}
		check := func(field string, g, w any) {
			if !equalAny(g, w) {
				t.Errorf("%s: %s is %v, Redis says %v", name, field, g, w)
			}
		}
		check("arity", got.arity, want.arity)
		check("flags", got.flags, want.flags)
		check("first key", got.first, want.first)
		check("last key", got.last, want.last)
		check("key step", got.step, want.step)
		check("ACL categories", got.categories, want.categories)
		check("tips", got.tips, want.tips)
		check("key specs", got.keySpecs, want.keySpecs)
	}
	if len(unknown) > 0 {
		t.Logf("commands Redis 7.0 does not have (not compared): %s", strings.Join(unknown, " "))
	}
}

func equalAny(a, b any) bool {
	if as, ok := a.([]string); ok {
		return slices.Equal(as, b.([]string))
	}
	return a == b
}
