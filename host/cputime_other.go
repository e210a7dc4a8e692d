//go:build !unix

package host

import "time"

// cpuUse is the processor time spent in user and kernel mode.
type cpuUse struct{ user, sys time.Duration }

// cpuTimes returns zeros where the system does not report processor time
// through getrusage.
func cpuTimes() (self, children cpuUse) { return cpuUse{}, cpuUse{} }
