//go:build unix

package host

import (
	"syscall"
	"time"
)

// cpuUse is the processor time spent in user and kernel mode.
type cpuUse struct{ user, sys time.Duration }

// cpuTimes returns the processor time of the server process and of the
// children it waited for (INFO cpu).
func cpuTimes() (self, children cpuUse) {
	conv := func(who int) cpuUse {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) != nil {
			return cpuUse{}
		}
		return cpuUse{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())}
	}
	return conv(syscall.RUSAGE_SELF), conv(syscall.RUSAGE_CHILDREN)
}
