package lists

import "github.com/redmod/redmod/core"

// EstimateMemory implements core.MemoryEstimator: MemoryUsage with the
// elements' bytes sampled, in constant time.
func (l *List) EstimateMemory() int {
	if l.n <= 16 {
		return l.MemoryUsage()
	}
	return core.SampleMemory(48+24*len(l.buf), l.n, func(yield func(int) bool) {
		l.each(func(b []byte) bool { return yield(cap(b)) })
	})
}
