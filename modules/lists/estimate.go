package lists

// EstimateMemory implements core.MemoryEstimator: a list keeps its
// elements' part of MemoryUsage as it changes, so the estimate is the exact
// figure, in constant time.
func (l *List) EstimateMemory() int { return l.MemoryUsage() }
