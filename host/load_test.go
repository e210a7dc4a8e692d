//go:build unix

package host_test

import (
	"net"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// TestManyIdleAndSlowClients connects 2000 idle clients and a few slow ones
// (one sending a byte every 50 ms, one never reading its replies) and
// checks that another client is still served promptly. Each connection
// costs two file descriptors here (both ends are in this process).
func TestManyIdleAndSlowClients(t *testing.T) {
	const idle = 2000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 2*idle+200 {
		t.Skipf("file descriptor limit %d is too low for %d connections (ulimit -n)", lim.Cur, idle)
	}
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) { c.MaxClients = idle + 100 }))
	conns := make([]net.Conn, 0, idle)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < idle; i++ {
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	stop := make(chan struct{})
	defer close(stop)
	slow, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	go func() {
		req := []byte("SET slow 1\r\n")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := slow.Write(req[i%len(req) : i%len(req)+1]); err != nil {
				return
			}
		}
	}()
	hog, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer hog.Close()
	go func() {
		req := resp.Encode("ECHO", string(make([]byte, 64<<10)))
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := hog.Write(req); err != nil {
				return
			}
		}
	}()

	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var lat []time.Duration
	for i := 0; i < 300; i++ {
		start := time.Now()
		if r, err := c.Do("INCR", "counter"); err != nil || r.Kind != ':' {
			t.Fatalf("INCR: %v %v", r, err)
		}
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99, worst := lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	t.Logf("%d idle + 2 slow clients: INCR latency p50 %v, p99 %v, max %v", idle, p50, p99, worst)
	if p99 > time.Second {
		t.Errorf("p99 latency %v with %d idle clients", p99, idle)
	}
	if n := len(srv.Clients()); n < idle {
		t.Errorf("server lists %d clients, want at least %d", n, idle)
	}
}
