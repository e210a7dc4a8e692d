package cli

import (
	"flag"
	"slices"
	"testing"

	"github.com/redmod/redmod/host"
)

func TestModuleArgs(t *testing.T) {
	cfg := host.DefaultConfig()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	host.RegisterFlags(fs, &cfg)
	rest, err := moduleArgs(fs, &cfg, []string{"--port", "1", "--mymod.a", "x", "-mymod.b=y", "--save", ""})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"--port", "1", "--save", ""}; !slices.Equal(rest, want) {
		t.Fatalf("rest = %q, want %q", rest, want)
	}
	if cfg.Modules["mymod.a"] != "x" || cfg.Modules["mymod.b"] != "y" {
		t.Fatalf("modules = %v", cfg.Modules)
	}
	if _, err := moduleArgs(fs, &cfg, []string{"--mymod.c"}); err == nil {
		t.Fatal("a dotted flag without a value was accepted")
	}
}
