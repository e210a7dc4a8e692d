package core

import "time"

// monoBase anchors MonoNow.
var monoBase = time.Now()

// MonoNow returns nanoseconds on the monotonic clock since the process
// started: one clock read, where time.Now reads the wall clock too. The
// host reads it to time commands and to mark a client's activity, which
// only need differences.
func MonoNow() int64 { return int64(time.Since(monoBase)) }
