package zsets

import (
	"errors"
	"math"

	"github.com/redmod/redmod/core"
)

// The sorted-set type is Redis's zset (core.NativeZSet, declared with
// ZSetType): RDB files and DUMP payloads hold it in Redis's encodings, and
// sorted sets from Redis's files are built by buildZSetNative.

// NativeContent implements core.NativeValue: members and scores in order.
func (z *ZSet) NativeContent() core.NativeContent {
	return core.ZSetContent(z.Len(), func(yield func([]byte, float64) bool) { z.Ascend(0, yield) })
}

// buildZSetNative makes a sorted set from the content of a Redis zset, in
// the form Redis gives a loaded set; a repeated member or a NaN score means
// damaged input.
func buildZSetNative(c core.NativeContent) (core.Value, error) {
	if c.Kind != core.NativeZSet || c.Len <= 0 {
		return nil, core.ErrCorrupt
	}
	z := newZSet(c.Len, 0)
	for m, s := range c.Scored {
		if math.IsNaN(s) {
			return nil, errors.New("zset score is NaN")
		}
		if _, dup := z.Score(m); dup {
			return nil, errors.New("duplicate zset member")
		}
		z.add(m, s)
	}
	if z.Len() == 0 {
		return nil, core.ErrCorrupt
	}
	z.maybeShrink()
	return z, nil
}

// SortElements implements core.Sortable: SORT sorts a sorted set's members,
// and BY nosort keeps their order by score.
func (z *ZSet) SortElements() ([][]byte, bool) {
	out := make([][]byte, 0, z.Len())
	z.Ascend(0, func(m []byte, _ float64) bool {
		out = append(out, m)
		return true
	})
	return out, true
}
