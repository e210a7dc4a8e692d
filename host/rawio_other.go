//go:build !linux

package host

import "net"

// rawIO exists on Linux only (rawio_linux.go); elsewhere connections use
// the runtime's path.
type rawIO struct{}

func newRawIO(net.Conn) *rawIO { return nil }

func (*rawIO) Read(p []byte) (int, error)  { panic("unreachable") }
func (*rawIO) Write(p []byte) (int, error) { panic("unreachable") }
