package host

import _ "unsafe" // go:linkname

// yield lets the goroutines ready to run on this processor run before the
// caller, which then continues. It is runtime.Gosched without the
// scheduler's global lock: Gosched puts the caller on the global run queue
// (a lock and an unlock of the scheduler's mutex, and another pair when it
// is taken from there), goyield on the processor's own, behind the
// goroutines already waiting there, which are those the network poller
// woke with it.
func yield() { goyield() }

// goyield is the runtime's (go.dev/issue/67401 keeps it for linkname).
//
//go:linkname goyield runtime.goyield
func goyield()
