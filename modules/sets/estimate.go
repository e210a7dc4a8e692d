package sets

// EstimateMemory implements core.MemoryEstimator: MemoryUsage, which costs
// constant time in every form (the table form keeps the cost of its string
// members as they come and go).
func (s *Set) EstimateMemory() int { return s.MemoryUsage() }
