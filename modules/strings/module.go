// Package strings provides Redis's string commands. Import it for its side
// effect of registering them:
//
//	import _ "github.com/redmod/redmod/modules/strings"
package strings

import (
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the strings module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "strings" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commands) }

var commands []core.Command

// add registers a command of this module, from the files that define them.
func add(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "string"
	spec.Categories = append([]string{"string"}, spec.Categories...)
	commands = append(commands, core.NewCommand(spec, run))
}

// addBitmap registers a bit command: Redis files them under the bitmap group
// and ACL category, not string.
func addBitmap(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "bitmap"
	spec.Categories = append([]string{"bitmap"}, spec.Categories...)
	commands = append(commands, core.NewCommand(spec, run))
}

// defaultMaxString is Redis's default proto-max-bulk-len, the largest string
// a command may build.
const defaultMaxString = 512 << 20

// minMaxString is the smallest proto-max-bulk-len the configuration accepts:
// sizes up to it never need the configured value.
const minMaxString = 1 << 20

// maxStringLen returns proto-max-bulk-len, which bounds the strings APPEND,
// SETRANGE and SETBIT build, as in Redis. It reads the configuration only
// for sizes that could exceed it.
func maxStringLen(c *core.Ctx, size int64) int64 {
	if size < minMaxString || c.Server == nil {
		return defaultMaxString
	}
	for _, f := range c.Server.ConfigGet("proto-max-bulk-len") {
		if n, ok := core.ParseInt([]byte(f.Value)); ok && n > 0 {
			return n
		}
	}
	return defaultMaxString
}

// checkStringLength returns ErrStringTooLong when a string of size bytes
// would exceed proto-max-bulk-len.
func checkStringLength(c *core.Ctx, size int64) error {
	if size > minMaxString && size > maxStringLen(c, size) {
		return core.ErrStringTooLong
	}
	return nil
}

// getString returns the string at key, nil when missing, or ErrWrongType.
func getString(c *core.Ctx, key []byte) (*core.String, error) {
	return core.Lookup[*core.String](c.DB, key)
}

// getStringForWrite is getString for commands that change the string
// (APPEND, INCR, SETBIT, ...): like Redis's lookupKeyWrite, it counts no
// keyspace hit or miss.
func getStringForWrite(c *core.Ctx, key []byte) (*core.String, error) {
	return core.LookupWrite[*core.String](c.DB, key)
}
