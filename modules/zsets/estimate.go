package zsets

import "github.com/redmod/redmod/core"

// EstimateMemory implements core.MemoryEstimator: MemoryUsage with the
// members sampled and the tree's nodes reckoned from the count, in constant
// time.
func (z *ZSet) EstimateMemory() int {
	if z.t == nil || z.Len() <= 16 {
		return z.MemoryUsage()
	}
	n := z.Len()
	nodes := 1 + n*3/(2*leafMax) // leaves are kept between half and full
	return core.SampleMemory(16+48+nodes*96, n, func(yield func(int) bool) {
		z.Ascend(0, func(m []byte, _ float64) bool { return yield(len(m) + 24 + 40 + 16) })
	})
}
