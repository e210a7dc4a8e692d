package core

import (
	"bytes"
	"os"
)

// readTSC returns the processor's time-stamp counter (RDTSC).
func readTSC() uint64

// tscUsable reports whether the kernel keeps time with the time-stamp
// counter: it then trusts it to run at a constant rate and in step on
// every processor, which MonoNow relies on.
var tscUsable = func() bool {
	b, err := os.ReadFile("/sys/devices/system/clocksource/clocksource0/current_clocksource")
	return err == nil && bytes.Equal(bytes.TrimSpace(b), []byte("tsc"))
}()
