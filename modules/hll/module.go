// Package hll provides Redis's HyperLogLog commands. HLLs are strings in
// Redis's own representation, so they live in core.String values and GET,
// SET, APPEND and the rest work on them as in Redis. Import the package for
// its side effect of registering the commands:
//
//	import _ "github.com/redmod/redmod/modules/hll"
package hll

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the hll module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "hll" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commands) }

// sparseMaxSetting is Redis's hll-sparse-max-bytes: the largest sparse HLL
// (header included) before it is promoted to the dense encoding.
const sparseMaxSetting = "hll-sparse-max-bytes"

// Settings implements core.Configurable: hll-sparse-max-bytes, under Redis's
// own name.
func (Module) Settings() []core.Setting {
	return []core.Setting{{
		Name: sparseMaxSetting, Default: "3000", Mutable: true, Global: true,
		Usage: "largest sparse HyperLogLog in bytes before it becomes dense (12 KB)",
		Validate: func(v string) error {
			_, err := parseMemory(v)
			return err
		},
		// CONFIG GET shows the size in bytes, as Redis does.
		Normalize: func(v string) string {
			n, _ := parseMemory(v)
			return strconv.FormatInt(n, 10)
		},
	}}
}

// parseMemory reads a size as Redis's memory settings do: decimal digits
// (none reads as 0) with an optional unit (b, k, kb, m, mb, g, gb, any
// case); no sign, no spaces.
func parseMemory(v string) (int64, error) {
	lower := strings.ToLower(v)
	mul := uint64(1)
	for _, u := range []struct {
		suffix string
		mul    uint64
	}{{"kb", 1024}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}} {
		if strings.HasSuffix(lower, u.suffix) {
			lower, mul = strings.TrimSuffix(lower, u.suffix), u.mul
			break
		}
	}
	var n uint64
	overflow := false
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		if c < '0' || c > '9' {
			return 0, errors.New("argument must be a memory value")
		}
		if n > (math.MaxUint64-uint64(c-'0'))/10 {
			overflow = true
			continue
		}
		n = n*10 + uint64(c-'0')
	}
	if overflow || n > math.MaxInt64/mul {
		return 0, errors.New("argument must be between 0 and 9223372036854775807 inclusive")
	}
	return int64(n * mul), nil
}

// sparseMax returns the server's current hll-sparse-max-bytes.
func sparseMax(c *core.Ctx) int {
	if c.Server != nil {
		for _, f := range c.Server.ConfigGet(sparseMaxSetting) {
			if n, err := parseMemory(f.Value); err == nil {
				return int(min(n, 1<<40))
			}
		}
	}
	return 3000
}

var commands []core.Command

func add(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "hyperloglog"
	spec.Categories = append([]string{"hyperloglog"}, spec.Categories...)
	commands = append(commands, core.NewCommand(spec, run))
}

// Errors with Redis's wording.
var (
	errNotHLL     = core.NewError("WRONGTYPE Key is not a valid HyperLogLog string value.")
	errInvalidObj = core.NewError("INVALIDOBJ Corrupted HLL object detected")
	errNoKey      = core.NewError("ERR The specified key does not exist")
	errNotSparse  = core.NewError("ERR HLL encoding is not sparse")
)

// lookupHLL returns the HLL at key (nil when missing), WRONGTYPE for another
// type, and Redis's "not a valid HyperLogLog" for a string that is not one.
func lookupHLL(c *core.Ctx, key []byte, write bool) (*core.String, error) {
	var s *core.String
	var err error
	if write {
		s, err = core.LookupWrite[*core.String](c.DB, key)
	} else {
		s, err = core.Lookup[*core.String](c.DB, key)
	}
	if err != nil || s == nil {
		return nil, err
	}
	if !valid(s.B) {
		return nil, errNotHLL
	}
	return s, nil
}
