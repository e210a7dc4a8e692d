package host

import "time"

// monoBase anchors monoNow.
var monoBase = time.Now()

// monoNow returns monotonic nanoseconds for timing commands: one clock read
// where time.Now takes two (wall and monotonic), on a path that times every
// command.
func monoNow() int64 { return int64(time.Since(monoBase)) }
