package host

import (
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

type cfgModule struct{ name string }

func (m cfgModule) Name() string           { return m.name }
func (cfgModule) Commands() []core.Command { return nil }

type declModule struct{ cfgModule }

func (declModule) Settings() []core.Setting {
	return []core.Setting{
		{Name: "limit", Default: "10", Mutable: true, Usage: "the limit", Validate: func(v string) error {
			if v == "0" {
				return errors.New("argument must be positive")
			}
			return nil
		}},
		{Name: "mode", Default: "safe"},
		{Name: "decl-max-entries", Default: "128", Mutable: true, Global: true,
			Normalize: func(v string) string { return strings.TrimSuffix(v, "b") }},
	}
}

func testRegistry(t *testing.T) *registry.Registry {
	t.Helper()
	reg := registry.New()
	for _, m := range []core.Module{declModule{cfgModule{"decl"}}, cfgModule{"free"}} {
		if err := reg.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	return reg
}

func TestResolveModuleSettings(t *testing.T) {
	reg := testRegistry(t)
	in := map[string]string{"decl.limit": "5", "free.anything": "x"}
	got, err := resolveModuleSettings(in, reg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"decl.limit": "5", "decl.mode": "safe", "decl-max-entries": "128", "free.anything": "x"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if len(in) != 2 {
		t.Fatal("the caller's map was changed")
	}
	for _, tc := range []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{"decl.limit": "0"}, "decl.limit: argument must be positive"},
		{map[string]string{"decl.typo": "1"}, `setting "decl.typo": module decl has no such setting`},
		{map[string]string{"nosuch.x": "1"}, `setting "nosuch.x": this binary has no module "nosuch"`},
		{map[string]string{"nosuch-global": "1"}, `unknown setting "nosuch-global"`},
	} {
		if _, err := resolveModuleSettings(tc.set, reg); err == nil || err.Error() != tc.want {
			t.Errorf("%v: error %v, want %q", tc.set, err, tc.want)
		}
	}
}

func TestModuleSettingsThroughServer(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DBFilename = ""
	cfg.Modules = map[string]string{"DECL.LIMIT": "7"}
	s, err := New(cfg, testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mc := moduleConfig{s: s, prefix: "decl."}
	if v, _ := mc.Get("limit"); v != "7" {
		t.Fatalf("Get(limit) = %q", v)
	}
	if err := s.ConfigSet([]core.InfoField{{Name: "decl.limit", Value: "8"}, {Name: "free.new", Value: "1"}}); err == nil ||
		!strings.Contains(err.Error(), "Unknown option") {
		t.Fatalf("setting an unknown undeclared setting: %v", err)
	}
	if v, _ := mc.Get("decl.limit"); v != "7" {
		t.Fatalf("a failed CONFIG SET changed decl.limit to %q", v)
	}
	if err := s.ConfigSet([]core.InfoField{{Name: "decl.limit", Value: "8"}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := mc.Get("limit"); v != "8" {
		t.Fatalf("after CONFIG SET, Get(limit) = %q", v)
	}
	got := s.ConfigGet("decl.*")
	if len(got) != 2 {
		t.Fatalf("CONFIG GET decl.* = %v", got)
	}
	// A global setting has no prefix: CONFIG GET and SET and the module
	// know it by its own name.
	if got := s.ConfigGet("decl-max-entries"); len(got) != 1 || got[0].Value != "128" {
		t.Fatalf("CONFIG GET decl-max-entries = %v", got)
	}
	if err := s.ConfigSet([]core.InfoField{{Name: "decl-max-entries", Value: "3b"}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := mc.Get("decl-max-entries"); v != "3" {
		t.Fatalf("after CONFIG SET, Get(decl-max-entries) = %q", v)
	}
	if got := s.ConfigGet("decl-max-*"); len(got) != 1 || got[0].Value != "3" {
		t.Fatalf("CONFIG GET decl-max-* = %v", got)
	}
	// core.ReadSetting answers as CONFIG GET of the exact name does, for
	// module and host settings, and reports a missing one.
	for name, want := range map[string]string{"decl-max-entries": "3", "decl.limit": "8", "maxmemory-policy": "noeviction"} {
		if v, ok := core.ReadSetting(s, name); !ok || v != want {
			t.Fatalf("ReadSetting(%s) = %q, %v; want %q", name, v, ok, want)
		}
	}
	if v, ok := core.ReadSetting(s, "no-such-setting"); ok {
		t.Fatalf("ReadSetting(no-such-setting) = %q", v)
	}
}

func TestRegisterModuleFlags(t *testing.T) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	RegisterFlags(fs, &cfg)
	RegisterModuleFlags(fs, &cfg, testRegistry(t))
	if err := fs.Parse([]string{"--decl.limit", "3", "--port", "7000", "--decl-max-entries", "9"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Modules["decl.limit"] != "3" || cfg.Port != 7000 || cfg.Modules["decl-max-entries"] != "9" {
		t.Fatalf("modules %v, port %d", cfg.Modules, cfg.Port)
	}
	if f := fs.Lookup("decl.limit"); f == nil || !strings.Contains(f.Usage, `the limit (default "10")`) {
		t.Fatalf("flag usage: %+v", f)
	}
}
