//go:build !linux

package host

import "github.com/redmod/redmod/registry"

// orderer keeps the runtime's order on systems without the kernel support
// order_linux.go uses.
type orderer struct{}

type connOrder struct{}

func (o *orderer) close()                            {}
func (o *orderer) attach(c *conn)                    {}
func (o *orderer) detach(c *conn)                    {}
func (o *orderer) before(c *conn, cmd *registry.Cmd) {}
func (o *orderer) warm() bool                        { return false }
