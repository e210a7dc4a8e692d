package std_test

import (
	"testing"

	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/registry"
)

// Every standard command must pass the registry's checks (names, arity,
// locking: a write command declares its keys, FlagKeyspace or FlagNoKeys),
// or no server would start.
func TestStandardModulesResolve(t *testing.T) {
	if err := registry.Default.Resolve(); err != nil {
		t.Fatal(err)
	}
	if registry.Default.Len() < 200 {
		t.Errorf("only %d commands", registry.Default.Len())
	}
}
