package host

import "github.com/redmod/redmod/core"

// monoNow returns monotonic nanoseconds for timing commands
// (core.MonoNow): one clock read where time.Now takes two (wall and
// monotonic), on a path that times every command.
func monoNow() int64 { return core.MonoNow() }
