//go:build !linux

package host

// systemMemory returns 0 (unknown) where the machine's memory is not read;
// INFO then reports total_system_memory as 0, as Redis does when it cannot
// tell.
func systemMemory() int64 { return 0 }
