// Package redmodtest runs a redmod server inside a Go test, the way people
// use miniredis: in-process, on a free loopback port, stopped when the test
// ends.
//
//	srv := redmodtest.Run(t)
//	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
//
// The server serves the modules the test binary imports (import
// github.com/redmod/redmod/modules/std for all standard ones), a chosen
// subset with WithModules, plus modules under test with WithModule. It has
// no persistence unless WithPersistence gives it a folder, in which case
// closing it and starting another is a restart. InMemory serves without a
// port; clients connect through Server.Dial:
//
//	srv := redmodtest.Run(t, redmodtest.InMemory())
//	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial})
//
// NewPipeListener is the in-memory listener on its own, for a program that
// embeds a host.Server and talks to it in-process.
package redmodtest

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/registry"
)

// Server is a running in-process server. It embeds the host.Server, so
// Keyspace, Config, Save, Info and the rest of host's API are at hand.
type Server struct {
	*host.Server
	addr string
	pipe *PipeListener // in-memory listener, with InMemory

	served chan struct{} // closed when Serve has returned
}

// Close stops the server and waits until it has stopped serving, so that
// nothing of it runs (or logs to a finished test) afterwards.
func (s *Server) Close() error {
	err := s.Server.Close()
	<-s.served
	return err
}

// Option changes how Run starts the server.
type Option func(*options)

type options struct {
	cfg       host.Config
	modules   []string
	extra     []core.Module
	logs      bool
	logOutput io.Writer
	inMemory  bool
	noChecks  bool
}

// WithModules serves only the named modules ("strings", "hashes") of those
// the test binary imports.
func WithModules(names ...string) Option {
	return func(o *options) { o.modules = append(o.modules, names...) }
}

// WithModule serves m in addition to the binary's modules (or those
// WithModules chose), without registering it in registry.Default: the way to
// test a module under development, or several variants of one, in one test
// binary. Its types are registered globally (core.RegisterType), so two
// different types must not share a name.
func WithModule(m ...core.Module) Option {
	return func(o *options) { o.extra = append(o.extra, m...) }
}

// InMemory serves on an in-memory listener instead of a TCP port: clients
// connect with Server.Dial, which go-redis takes as Options.Dialer. No port
// is opened, so nothing outside the process can connect.
func InMemory() Option { return func(o *options) { o.inMemory = true } }

// WithConfig changes the configuration before the server starts;
// persistence is off unless it sets DBFilename.
func WithConfig(fn func(*host.Config)) Option {
	return func(o *options) { fn(&o.cfg) }
}

// WithPersistence turns persistence on with the snapshot in dir (dump.rdb):
// the server loads it at start and saves it when it is closed, as redmod does
// on SIGTERM, so a test restarts a server by closing it and starting another
// with the same dir. Auto-save stays off; SAVE and BGSAVE work.
func WithPersistence(dir string) Option {
	return func(o *options) {
		o.cfg.Dir, o.cfg.DBFilename = dir, host.DefaultDBFilename
		// A rule that never fires within a test: Close saves only when
		// there are save rules, as a real server does on SIGTERM.
		o.cfg.Save = []host.SaveRule{{Seconds: 1 << 40, Changes: 1}}
	}
}

// OnBug receives the module bugs the server detects (a command that wrote
// no reply, two replies, a reply and an error, or touched a key it did not
// declare) instead of failing the test, as Run does by default: for a test
// that makes such a mistake on purpose.
func OnBug(fn func(msg string)) Option {
	return func(o *options) { o.cfg.OnBug = fn }
}

// WithoutKeyChecks turns off the checking mode that reports a command
// touching a key it did not declare (host.Config.CheckKeys), which Run and
// Start turn on: for a benchmark, where it would cost a little per access.
func WithoutKeyChecks() Option { return func(o *options) { o.noChecks = true } }

// WithLogs sends the server's log to the test's log (Run) or to stderr
// (Start) instead of discarding it.
func WithLogs() Option { return func(o *options) { o.logs = true } }

// Run starts a server on 127.0.0.1 with a free port, with persistence off
// by default, and stops it when the test ends.
func Run(t testing.TB, opts ...Option) *Server {
	t.Helper()
	opts = append([]Option{func(o *options) {
		o.logOutput = testWriter{t}
		o.cfg.OnBug = func(msg string) { t.Errorf("redmodtest: %s", msg) }
	}}, opts...)
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
	o := options{cfg: host.DefaultConfig(), logOutput: os.Stderr}
	o.cfg.Port = 0
	o.cfg.DBFilename = ""
	o.cfg.Save = nil
	o.cfg.LogLevel = "warn"
	// The processors are the embedding program's: a server started here
	// keeps GOMAXPROCS as it finds it, where a standalone server on a
	// small machine runs commands on one (host.Config.MaxProcs). The
	// program's own goroutines (a test's clients, its parallel tests)
	// share them. WithConfig can still set MaxProcs.
	o.cfg.KeepProcs = true
	for _, opt := range opts {
		opt(&o)
	}
	o.cfg.CheckKeys = !o.noChecks
	reg := registry.Default
	if len(o.modules) > 0 || len(o.extra) > 0 {
		names := o.modules
		if len(names) == 0 {
			for _, m := range registry.Default.Modules() {
				names = append(names, m.Name())
			}
		}
		var err error
		if reg, err = registry.Default.Select(names...); err != nil {
			return nil, err
		}
		for _, m := range o.extra {
			if err := reg.Add(m); err != nil {
				return nil, err
			}
		}
	}
	if o.cfg.Logger == nil {
		if o.logs {
			o.cfg.Logger = hclog.New(&hclog.LoggerOptions{Name: "redmod", Level: hclog.LevelFromString(o.cfg.LogLevel), Output: o.logOutput})
		} else {
			o.cfg.Logger = hclog.NewNullLogger()
		}
	}
	srv, err := host.New(o.cfg, reg)
	if err != nil {
		return nil, err
	}
	s := &Server{Server: srv}
	var ln net.Listener
	if o.inMemory {
		s.pipe = NewPipeListener()
		ln = s.pipe
	} else if ln, err = net.Listen("tcp", net.JoinHostPort(o.cfg.Bind, "0")); err != nil {
		srv.Close()
		return nil, err
	}
	s.addr = ln.Addr().String()
	errc := make(chan error, 1)
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		errc <- srv.Serve(ln)
	}()
	// Serve takes the listener first thing; until it has, Close would not
	// find it to close.
	for srv.Addr() == nil {
		select {
		case err := <-errc:
			ln.Close()
			srv.Close()
			return nil, err
		case <-time.After(time.Millisecond):
		}
	}
	return s, nil
}

// Addr returns the host:port to connect to ("pipe" for an in-memory server).
func (s *Server) Addr() string { return s.addr }

// Dial connects to the server, over TCP or in memory. Its signature is
// go-redis's Options.Dialer:
//
//	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Dialer: srv.Dial})
func (s *Server) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if s.pipe != nil {
		return s.pipe.Dial(ctx, network, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.addr)
}

// FastForward moves the server's clock forward, so keys expire without the
// test sleeping.
func (s *Server) FastForward(d time.Duration) { s.Keyspace().FastForward(d) }

// Update changes data directly, with every key locked: the way to set up
// state without going through a client.
func (s *Server) Update(fn func(ks *core.Keyspace) error) error { return s.Keyspace().Update(fn) }

// testWriter writes log lines to a test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
