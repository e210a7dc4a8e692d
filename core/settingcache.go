package core

import (
	"sync/atomic"
	"weak"
)

// SettingCache keeps the parsed value of one setting that a module reads on
// every call (the streams module's node limits on every XADD), so that the
// call costs no lookup in the server's configuration: ReadSetting takes the
// configuration's lock and two map lookups, a good part of a small
// command's time.
//
// Each server of a process follows its own value: the cache holds the
// value of the last server read (known by its keyspace, held weakly so that
// a stopped server is not kept alive), and a change of the setting in any
// server makes every server read it again. The setting's OnChange must
// therefore call Changed:
//
//	var maxThings = core.SettingCache[int]{Name: "max-things", Default: 16, Parse: parseThings}
//	core.Setting{Name: "max-things", ..., OnChange: maxThings.Changed}
type SettingCache[T any] struct {
	// Name is the setting's name as ReadSetting takes it.
	Name string
	// Default is the value when the server has no such setting or its
	// value does not parse, and for a Ctx without a server.
	Default T
	// Parse reads the setting's text.
	Parse func(string) (T, bool)

	gen  atomic.Uint64
	last atomic.Pointer[cachedSetting[T]]
}

type cachedSetting[T any] struct {
	ks  weak.Pointer[Keyspace]
	gen uint64
	val T
}

// Changed records that the setting changed in some server; it has the
// signature of Setting.OnChange.
func (s *SettingCache[T]) Changed(string) { s.gen.Add(1) }

// Get returns the setting's value in c's server.
func (s *SettingCache[T]) Get(c *Ctx) T {
	if c.Server == nil {
		return s.Default
	}
	// The generation is read before the setting: a change made meanwhile
	// leaves the entry stale, and the next call reads the setting again.
	gen := s.gen.Load()
	if l := s.last.Load(); l != nil && l.gen == gen && c.Keyspace != nil && l.ks.Value() == c.Keyspace {
		return l.val
	}
	val := s.Default
	if v, ok := ReadSetting(c.Server, s.Name); ok {
		if p, ok := s.Parse(v); ok {
			val = p
		}
	}
	if c.Keyspace != nil {
		s.last.Store(&cachedSetting[T]{ks: weak.Make(c.Keyspace), gen: gen, val: val})
	}
	return val
}
