//go:build !amd64

package core

import "unsafe"

// prefetchLine does nothing where no prefetch instruction is wired up:
// Prefetch.Run then loads the memory itself.
func prefetchLine(p unsafe.Pointer) {}

// hwPrefetch is false: Prefetch.Run uses loads.
const hwPrefetch = false
