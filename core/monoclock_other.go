//go:build !amd64

package core

// readTSC is not used where there is no time-stamp counter to read.
func readTSC() uint64 { return 0 }

// tscUsable is false: MonoNow reads the system's clock.
const tscUsable = false
