package hashes

import "github.com/redmod/redmod/core"

// EstimateMemory implements core.MemoryEstimator: MemoryUsage with the
// fields sampled, in constant time.
func (h *Hash) EstimateMemory() int {
	n := h.Len()
	if n <= 16 {
		return h.MemoryUsage()
	}
	return core.SampleMemory(48, n, func(yield func(int) bool) {
		h.Each(func(f, v []byte) bool { return yield(len(f) + cap(v) + 48) })
	})
}
