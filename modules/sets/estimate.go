package sets

import "github.com/redmod/redmod/core"

// EstimateMemory implements core.MemoryEstimator: MemoryUsage with the
// members of the table form sampled, in constant time.
func (s *Set) EstimateMemory() int {
	if s.form == formIntset || s.form == formPacked || len(s.ts) <= 16 {
		return s.MemoryUsage()
	}
	return core.SampleMemory(96+12*len(s.ti), len(s.ts), func(yield func(int) bool) {
		for m := range s.ts {
			if !yield(28 + (len(m)+7)&^7) {
				return
			}
		}
	})
}
