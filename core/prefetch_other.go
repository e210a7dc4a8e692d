//go:build !amd64

package core

import "unsafe"

// prefetchLine is not called where no prefetch instruction is wired up
// (hwPrefetch): Prefetch.touch loads the memory instead.
func prefetchLine(p unsafe.Pointer) {}

// hwPrefetch is false: Prefetch.touch uses loads.
const hwPrefetch = false
