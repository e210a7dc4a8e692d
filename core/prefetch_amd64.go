package core

import "unsafe"

// prefetchLine asks the CPU to bring the cache line at p into the cache
// without waiting for it (PREFETCHT0): unlike a load, it does not hold the
// instructions that follow until the memory arrives, so the lines of a
// whole batch of keys are on their way at once. It never faults.
//
//go:noescape
func prefetchLine(p unsafe.Pointer)

// hwPrefetch says that prefetchLine issues a prefetch instruction.
const hwPrefetch = true
