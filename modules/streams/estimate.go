package streams

import "github.com/redmod/redmod/core"

// EstimateMemory implements core.MemoryEstimator: MemoryUsage with the
// blocks sampled (the groups are counted, usually few), in constant time
// for the entries.
func (s *Stream) EstimateMemory() int {
	if len(s.blocks) <= 16 {
		return s.MemoryUsage()
	}
	n := core.SampleMemory(96+8*cap(s.blocks), len(s.blocks), func(yield func(int) bool) {
		// The last blocks, where XADD writes, and the first.
		for i := len(s.blocks) - 1; i >= len(s.blocks)-4; i-- {
			if !yield(48 + cap(s.blocks[i].data)) {
				return
			}
		}
		for _, b := range s.blocks[:4] {
			if !yield(48 + cap(b.data)) {
				return
			}
		}
	})
	for _, g := range s.groups {
		n += 96 + len(g.name) + 64*g.pel.Len()
		for _, c := range g.consumers {
			n += 64 + len(c.name)
		}
	}
	return n
}
