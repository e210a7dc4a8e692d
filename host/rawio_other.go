//go:build !linux

package host

import (
	"net"
	"sync/atomic"
)

// rawIO exists on Linux only (rawio_linux.go); elsewhere connections use
// the runtime's path.
type rawIO struct{ pending *atomic.Int64 }

func newRawIO(net.Conn) *rawIO { return nil }

func (*rawIO) Read(p []byte) (int, error)  { panic("unreachable") }
func (*rawIO) release()                    {}
func (*rawIO) Write(p []byte) (int, error) { panic("unreachable") }
