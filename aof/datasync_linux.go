package aof

import (
	"os"
	"syscall"
)

// datasync flushes f's data (and the size, which an append changes) to the
// disk, as Redis's fdatasync.
func datasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
