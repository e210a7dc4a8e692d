// Package zsets provides Redis's sorted-set type, its commands and the geo
// commands, which Redis builds on sorted sets. Import it for its side effect
// of registering them:
//
//	import _ "github.com/redmod/redmod/modules/zsets"
package zsets

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the zsets module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "zsets" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commands) }

// Types implements core.TypeProvider.
func (Module) Types() []*core.Type { return []*core.Type{ZSetType} }

var commands []core.Command

// add registers a command with the metadata of Redis's command table
// (specs) and, for a command whose keys move, the function that finds them.
func add(name string, run func(*core.Ctx) error, keys ...func([][]byte) []int) {
	spec, ok := specs[name]
	if !ok {
		panic("zsets: no spec for " + name)
	}
	if len(keys) > 0 {
		spec.Keys = keys[0]
	}
	commands = append(commands, core.NewCommand(spec, run))
}

func getZSet(c *core.Ctx, key []byte) (*ZSet, error) {
	return core.Lookup[*ZSet](c.DB, key)
}

// getZSetW is getZSet for commands that change the set: like Redis's
// lookupKeyWrite it counts no keyspace hit or miss.
func getZSetW(c *core.Ctx, key []byte) (*ZSet, error) {
	return core.LookupWrite[*ZSet](c.DB, key)
}

// dropIfEmpty deletes key when its set has been emptied: Redis never keeps
// an empty sorted set.
func dropIfEmpty(c *core.Ctx, key []byte, z *ZSet) {
	if z.Len() == 0 {
		c.DB.Delete(key)
		c.Notify(core.NotifyGeneric, "del", key)
	}
}

// notify announces a sorted-set event (Redis's event names: "zadd",
// "zrem", "zpopmin", ...).
func notify(c *core.Ctx, event string, key []byte) {
	c.Notify(core.NotifyZSet, event, key)
}

// storeResult sets dst to a computed set and announces it, or deletes dst
// when the result is empty, as the STORE commands do.
func storeResult(c *core.Ctx, dst []byte, z *ZSet, event string) {
	if z == nil || z.Len() == 0 {
		if c.DB.Delete(dst) {
			c.Notify(core.NotifyGeneric, "del", dst)
		}
		return
	}
	c.DB.Set(dst, z)
	c.DB.Signal(dst)
	notify(c, event, dst)
}

// The listpack limits are Redis's settings under Redis's names (and the
// names Redis kept from its ziplist days), changed with CONFIG SET.
const (
	settingEntries = "zset-max-listpack-entries"
	settingValue   = "zset-max-listpack-value"
)

// Settings implements core.Configurable.
func (Module) Settings() []core.Setting {
	return []core.Setting{
		{
			Name: settingEntries, Default: "128", Mutable: true, Global: true,
			Aliases:  []string{"zset-max-ziplist-entries"},
			Usage:    "most members of a sorted set kept in the compact listpack encoding",
			Validate: validateEntries,
			OnChange: storeEntries,
		},
		{
			Name: settingValue, Default: "64", Mutable: true, Global: true,
			Aliases:  []string{"zset-max-ziplist-value"},
			Usage:    "longest member (bytes) of a sorted set kept in the listpack encoding",
			Validate: validateMemory,
			OnChange: storeValue,
			Normalize: func(v string) string {
				n, _ := parseMemory(v)
				return strconv.FormatInt(n, 10)
			},
		},
	}
}

// The limits as last set in any server of the process (each server
// announces its values when it starts and on CONFIG SET), so that a ZADD
// to a small sorted set reads two atomics rather than the configuration
// under its lock.
var maxEntries, maxValue atomic.Int64

func init() {
	maxEntries.Store(128)
	maxValue.Store(64)
}

func storeEntries(v string) {
	if n, ok := core.ParseInt([]byte(v)); ok {
		maxEntries.Store(n)
	}
}

func storeValue(v string) {
	if n, ok := parseMemory(v); ok {
		maxValue.Store(n)
	}
}

// limits returns zset-max-listpack-entries and zset-max-listpack-value.
func limits() (entries, value int64) { return maxEntries.Load(), maxValue.Load() }

func validateEntries(v string) error {
	n, ok := core.ParseInt([]byte(v))
	if !ok {
		return errors.New("argument couldn't be parsed into an integer")
	}
	if n < 0 {
		return errors.New("argument must be between 0 and 9223372036854775807 inclusive")
	}
	return nil
}

func validateMemory(v string) error {
	n, ok := parseMemory(v)
	if !ok {
		return errors.New("argument must be a memory value")
	}
	if n < 0 {
		return errors.New("argument must be between 0 and 9223372036854775807 inclusive")
	}
	return nil
}

// parseMemory reads a size as Redis's memtoull does: digits and an
// optional unit (b, k, kb, m, mb, g, gb; k is 1000, kb 1024). A value
// beyond int64 is returned as -1.
func parseMemory(v string) (int64, bool) {
	s := strings.ToLower(v)
	mul := uint64(1)
	for _, u := range []struct {
		suffix string
		mul    uint64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mul = strings.TrimSuffix(s, u.suffix), u.mul
			break
		}
	}
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return -1, true
		}
		return 0, false
	}
	if n > math.MaxInt64/mul {
		return -1, true
	}
	return int64(n * mul), true
}
