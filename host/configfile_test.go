package host

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/redmod/redmod/core"
)

// TestConfigRewriteRoundTrip rewrites a file after changing settings and
// reads it back: every setting must come back with the value it had,
// empty strings and values with spaces included.
func TestConfigRewriteRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.conf")
	if err := os.WriteFile(path, []byte("# mine\nrequirepass old\nsave 1 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	if err := LoadConfigFile(path, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.DBFilename = ""
	cfg.EnableProtectedConfigs = "yes" // dir is a protected setting
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// CONFIG SET dir needs a folder that exists.
	quoted := filepath.Join(filepath.Dir(path), "a dir", `with "quotes"`)
	if err := os.MkdirAll(quoted, 0o755); err != nil {
		t.Fatal(err)
	}
	err = s.ConfigSet([]core.InfoField{
		{Name: "requirepass", Value: ""}, {Name: "save", Value: ""}, {Name: "dir", Value: quoted},
		{Name: "maxclients", Value: "123"}, {Name: "client-output-buffer-limit", Value: "normal 1mb 2mb 60"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ConfigRewrite(); err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := LoadConfigFile(path, &back); err != nil {
		data, _ := os.ReadFile(path)
		t.Fatalf("rewritten file does not load: %v\n%s", err, data)
	}
	now := s.Config()
	for _, name := range SettingNames() {
		want, _ := now.Get(name)
		got, _ := back.Get(name)
		def := DefaultConfig()
		if d, _ := def.Get(name); d == want {
			continue // not written unless it was in the file
		}
		if got != want {
			t.Errorf("%s: read back %q, want %q", name, got, want)
		}
	}
	if back.RequirePass != "" || len(back.Save) != 0 {
		t.Errorf("cleared settings read back as requirepass %q, save %v", back.RequirePass, back.Save)
	}
	data, _ := os.ReadFile(path)
	if string(data[:7]) != "# mine\n" {
		t.Errorf("comment lost:\n%s", data)
	}
}
