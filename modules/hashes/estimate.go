package hashes

// EstimateMemory implements core.MemoryEstimator: a hash keeps its
// MemoryUsage as it changes, so the estimate is the exact figure, in
// constant time.
func (h *Hash) EstimateMemory() int { return h.MemoryUsage() }
