package cli

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/redmod/redmod/host"
)

func TestConfigFileArg(t *testing.T) {
	for _, c := range []struct {
		args, rest []string
		file       string
		ok         bool
	}{
		{[]string{"/etc/redmod.conf", "--port", "1"}, []string{"--port", "1"}, "/etc/redmod.conf", true},
		{[]string{"--port", "1", "--config", "a.conf"}, []string{"--port", "1"}, "a.conf", true},
		{[]string{"-config=b.conf", "--hz", "5"}, []string{"--hz", "5"}, "b.conf", true},
		{[]string{"--port", "1"}, []string{"--port", "1"}, "", false},
		{nil, nil, "", false},
	} {
		file, rest, ok := configFileArg(c.args)
		if file != c.file || ok != c.ok || !slices.Equal(rest, c.rest) {
			t.Errorf("configFileArg(%q) = %q, %q, %v; want %q, %q, %v", c.args, file, rest, ok, c.file, c.rest, c.ok)
		}
	}
}

// TestConfigFileThenFlags checks that the file is read first and flags
// override it, as redis-server FILE --option does.
func TestConfigFileThenFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.conf")
	os.WriteFile(path, []byte("# comment\nmaxclients 77\ntimeout \"9\"\nsave 10 1\nsave 20 2\n"), 0o644)
	cfg := host.DefaultConfig()
	if err := host.LoadConfigFile(path, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.MaxClients != 77 || cfg.Timeout.Seconds() != 9 || host.FormatSaveRules(cfg.Save) != "10 1 20 2" || cfg.ConfigFile != path {
		t.Fatalf("config from file: %+v", cfg)
	}
	bad := filepath.Join(t.TempDir(), "bad.conf")
	os.WriteFile(bad, []byte("maxclients 1\nnosuchsetting 3\n"), 0o644)
	if err := host.LoadConfigFile(bad, &cfg); err == nil {
		t.Fatal("an unknown setting was accepted")
	}
	os.WriteFile(bad, []byte("dbfilename \"unterminated\n"), 0o644)
	if err := host.LoadConfigFile(bad, &cfg); err == nil {
		t.Fatal("unbalanced quotes were accepted")
	}
	if code := Main([]string{bad}, os.Stdout, os.Stderr); code != 1 {
		t.Fatalf("redmod with a bad file exited %d, want 1", code)
	}
}
