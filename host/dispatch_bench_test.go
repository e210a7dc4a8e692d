package host

import (
	"net"
	"testing"

	"github.com/redmod/redmod/registry"
)

// BenchmarkDispatch measures the host's dispatch of one command (lookup,
// checks, locking, invoke, statistics) without the network: the path every
// client command takes, which transactions and WATCH must not slow down.
func BenchmarkDispatch(b *testing.B) {
	cfg := DefaultConfig()
	cfg.DBFilename = ""
	s, err := New(cfg, registry.Default)
	if err != nil {
		b.Fatal(err)
	}
	a, z := net.Pipe()
	defer a.Close()
	defer z.Close()
	c := newConn(s, a, 1, cfg)
	for _, tc := range []struct {
		name string
		args []string
	}{{"set", []string{"SET", "key:1", "value"}}, {"get", []string{"GET", "key:1"}}, {"incr", []string{"INCR", "n"}}} {
		args := make([][]byte, len(tc.args))
		for i, a := range tc.args {
			args[i] = []byte(a)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c.execute(args)
				c.w.Reset()
			}
		})
	}
}
