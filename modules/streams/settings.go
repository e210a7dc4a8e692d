package streams

import (
	"errors"
	"strconv"

	"github.com/redmod/redmod/core"
)

// Redis's node limits of streams, under Redis's own names.
const (
	nodeMaxBytesSetting   = "stream-node-max-bytes"
	nodeMaxEntriesSetting = "stream-node-max-entries"
)

// Settings implements core.Configurable: stream-node-max-bytes (a memory
// size, as Redis reads it) and stream-node-max-entries.
func (Module) Settings() []core.Setting {
	return []core.Setting{
		{Name: nodeMaxBytesSetting, Default: "4096", Mutable: true, Global: true,
			Usage:    "most bytes of a block of stream entries (0: no limit)",
			Validate: func(v string) error { _, err := parseMemory(v); return err },
			// CONFIG GET shows the size in bytes, as Redis does.
			Normalize: func(v string) string {
				if n, err := parseMemory(v); err == nil {
					return strconv.FormatInt(n, 10)
				}
				return v
			},
			OnChange: nodeMaxBytes.Changed},
		{Name: nodeMaxEntriesSetting, Default: "100", Mutable: true, Global: true,
			Usage:    "most entries of a block of stream entries (0: no limit)",
			Validate: func(v string) error { _, err := parseNonNegative(v); return err },
			OnChange: nodeMaxEntries.Changed},
	}
}

// nodeMaxBytes and nodeMaxEntries are the server's stream-node-max-bytes
// and stream-node-max-entries, read on every XADD. Each server of a process
// follows its own (core.SettingCache), with no table of the module's own,
// which would keep every stopped server alive in a process that runs many.
var (
	nodeMaxBytes = core.SettingCache[int]{Name: nodeMaxBytesSetting, Default: 4096,
		Parse: func(v string) (int, bool) {
			n, err := parseMemory(v)
			return int(min(n, 1<<40)), err == nil
		}}
	nodeMaxEntries = core.SettingCache[int]{Name: nodeMaxEntriesSetting, Default: 100,
		Parse: func(v string) (int, bool) {
			n, err := parseNonNegative(v)
			return int(min(n, 1<<40)), err == nil
		}}
)

// nodeLimits returns the server's stream-node-max-bytes and
// stream-node-max-entries.
func nodeLimits(c *core.Ctx) (maxBytes, maxEntries int) {
	return nodeMaxBytes.Get(c), nodeMaxEntries.Get(c)
}

var errNotInteger = errors.New("argument couldn't be parsed into an integer")

func parseNonNegative(v string) (int64, error) {
	n, ok := core.ParseInt([]byte(v))
	if !ok {
		return 0, errNotInteger
	}
	if n < 0 {
		return 0, errors.New("argument must be between 0 and 9223372036854775807 inclusive")
	}
	return n, nil
}

// parseMemory reads a size as Redis's memtoull: a number with an optional
// unit (k, kb, m, mb, g, gb; k is 1000 and kb 1024).
func parseMemory(v string) (int64, error) {
	units := []struct {
		s string
		m int64
	}{{"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024 * 1024 * 1024}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}}
	mul := int64(1)
	num := v
	for _, u := range units {
		if len(v) > len(u.s) && eqFoldSuffix(v, u.s) {
			mul, num = u.m, v[:len(v)-len(u.s)]
			break
		}
	}
	n, err := strconv.ParseUint(num, 10, 63)
	if err != nil {
		return 0, errors.New("argument must be a memory value")
	}
	if int64(n) > (1<<63-1)/mul {
		return 0, errors.New("argument must be a memory value")
	}
	return int64(n) * mul, nil
}

func eqFoldSuffix(s, suffix string) bool {
	t := s[len(s)-len(suffix):]
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != suffix[i] {
			return false
		}
	}
	return true
}
