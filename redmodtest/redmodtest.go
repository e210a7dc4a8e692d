// Package redmodtest runs a redmod server inside a Go test, the way people
// use miniredis: in-process, on a free loopback port, stopped when the test
// ends.
//
//	srv := redmodtest.Run(t)
//	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
//
// The server serves the modules the test binary imports (import
// github.com/redmod/redmod/modules/std for all standard ones), or a chosen
// subset with WithModules.
package redmodtest

import (
	"net"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/registry"
)

// Server is a running in-process server.
type Server struct {
	*host.Server
	addr string
}

// Option changes how Run starts the server.
type Option func(*options)

type options struct {
	cfg     host.Config
	modules []string
	logs    bool
}

// WithModules serves only the named modules ("strings", "hashes") of those
// the test binary imports.
func WithModules(names ...string) Option {
	return func(o *options) { o.modules = append(o.modules, names...) }
}

// WithConfig changes the configuration before the server starts;
// persistence is off unless it sets DBFilename.
func WithConfig(fn func(*host.Config)) Option {
	return func(o *options) { fn(&o.cfg) }
}

// WithLogs sends the server's log to the test log instead of discarding it.
func WithLogs() Option { return func(o *options) { o.logs = true } }

// Run starts a server on 127.0.0.1 with a free port, with persistence off
// by default, and stops it when the test ends.
func Run(t testing.TB, opts ...Option) *Server {
	t.Helper()
	srv, err := Start(opts...)
	if err != nil {
		t.Fatalf("redmodtest: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// Start is Run for code outside a test: the caller stops the server with
// Close.
func Start(opts ...Option) (*Server, error) {
	o := options{cfg: host.DefaultConfig()}
	o.cfg.Port = 0
	o.cfg.DBFilename = ""
	o.cfg.Save = nil
	o.cfg.LogLevel = "warn"
	for _, opt := range opts {
		opt(&o)
	}
	reg := registry.Default
	if len(o.modules) > 0 {
		var err error
		if reg, err = registry.Default.Select(o.modules...); err != nil {
			return nil, err
		}
	}
	srv, err := host.New(o.cfg, reg)
	if err != nil {
		return nil, err
	}
	if !o.logs {
		srv.SetLogger(hclog.NewNullLogger())
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.cfg.Bind, "0"))
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	return &Server{Server: srv, addr: ln.Addr().String()}, nil
}

// Addr returns the host:port to connect to.
func (s *Server) Addr() string { return s.addr }

// FastForward moves the server's clock forward, so keys expire without the
// test sleeping.
func (s *Server) FastForward(d time.Duration) { s.Keyspace().FastForward(d) }

// Update changes data directly, with every key locked: the way to set up
// state without going through a client.
func (s *Server) Update(fn func(ks *core.Keyspace) error) error { return s.Keyspace().Update(fn) }
