package sets

import (
	"errors"

	"github.com/redmod/redmod/core"
)

// The set type is Redis's set (core.NativeSet, declared with SetType): RDB
// files and DUMP payloads hold it as Redis does (an intset or a plain set),
// and sets in Redis's files of any version are built by buildSet.

// defaultMaxIntset is set-max-intset-entries' default, the limit a loaded
// set is built with (Redis applies the server's setting; a set loaded past
// the limit converts on its next write in either case).
const defaultMaxIntset = 512

// NativeContent implements core.NativeValue: the members.
func (s *Set) NativeContent() core.NativeContent {
	return core.SetContent(s.Len(), func(yield func([]byte) bool) { s.Each(yield) })
}

// buildSet makes a set from the members of a Redis set, in the form Redis
// would give it; a repeated member means damaged input, as Redis decides.
func buildSet(c core.NativeContent) (core.Value, error) {
	if c.Kind != core.NativeSet {
		return nil, core.ErrCorrupt
	}
	var s *Set
	for m := range c.Elements {
		if s == nil {
			s = newFor(m)
		}
		if !s.add(m, defaultMaxIntset) {
			return nil, errors.New("duplicate set member")
		}
	}
	if s == nil {
		return nil, core.ErrCorrupt
	}
	return s, nil
}
