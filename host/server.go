// Package host is the redmod server: it accepts connections, reads requests
// with Redis's limits, dispatches them to the registered commands doing the
// shared work from each command's metadata (arity, key locking, statistics,
// write accounting, panic recovery), persists the keyspace and reports INFO.
package host

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/redmod/redmod/acl"
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/effects"
	"github.com/redmod/redmod/registry"
)

// Version is redmod's version, reported by INFO as redmod_version.
const Version = "0.1.0"

// RedisVersion is the Redis version whose behaviour redmod follows; INFO
// reports it as redis_version because clients adapt to it.
const RedisVersion = "7.0.15"

// Server is a redmod server.
type Server struct {
	cfgMu sync.RWMutex
	cfg   Config

	reg *registry.Registry
	// unpauseCmd is CLIENT UNPAUSE, which a pause never holds (nil when
	// the binary has no admin module).
	unpauseCmd *registry.Cmd
	ks         *core.Keyspace
	log        hclog.Logger

	ln      net.Listener
	order   orderer // arrival order across clients (order.go)
	mu      sync.Mutex
	conns   map[int64]*conn
	nextID  atomic.Int64
	closing atomic.Bool
	done    chan struct{}
	wg      sync.WaitGroup
	stopped sync.Once

	started time.Time
	stats   serverStats
	errMu   sync.Mutex
	errors  map[string]int64

	persist persistence
	aof     aofState
	modules []core.Module

	pauseMu sync.Mutex
	pause   atomic.Pointer[pauseState] // nil when clients are not paused

	acl    *acl.Store
	limits limits
	mem    memState // maxmemory (maxmemory.go)
	// busy is the error other clients get while a script runs past
	// busy-reply-threshold (core.BusyGate); nil otherwise.
	busy  atomic.Pointer[error]
	tlsLn net.Listener

	ps  *core.PubSub // pub/sub channels and patterns
	trk tracker      // client-side caching (tracking.go)
	// interestMu orders the updates of what the server wants to hear
	// from the keyspace (observeInterest).
	interestMu sync.Mutex

	effects *effects.Stream // the ordered stream of effects (effects.go)
	repl    replState       // master or replica (replication.go)

	monMu    sync.Mutex
	monitors atomic.Pointer[[]*core.Client] // MONITOR clients (monitor.go)

	onBug func(msg string) // Config.OnBug, fixed at start (contract.go)

	metrics infoMetrics // run ID, sampled figures (infometrics.go)
	cstats  []cmdStat   // per command, by registry.Cmd.Index (cmdstats.go)
	diag    diagnostics // slow log, latency monitor (slowlog.go, latency.go)

	replyBuf replyBufferPolicy // DEBUG REPLYBUFFER, reply_buffer_* (buffers.go)
}

type serverStats struct {
	connections       atomic.Int64
	rejectedConns     atomic.Int64
	netInput          atomic.Int64
	netOutput         atomic.Int64
	totalErrorReplies atomic.Int64
	blockedClients    atomic.Int64
	evictedClients    atomic.Int64
}

// New returns a server for the commands of reg (registry.Default when nil).
// It loads the snapshot, if there is one, and provisions the modules, but
// does not listen yet.
func New(cfg Config, reg *registry.Registry) (*Server, error) {
	if reg == nil {
		reg = registry.Default
	}
	if err := reg.Resolve(); err != nil {
		return nil, err
	}
	if cfg.Databases < 1 {
		return nil, fmt.Errorf("databases must be at least 1, not %d", cfg.Databases)
	}
	if cfg.Hz < 1 {
		cfg.Hz = 10
	}
	// The data folder: reported absolute (CONFIG GET dir), as Redis's
	// working directory is, and created now when persistence is on, so
	// that a folder that cannot exist stops start-up rather than the first
	// save.
	if cfg.Dir == "" {
		cfg.Dir = "."
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("dir %q: %w", cfg.Dir, err)
	}
	cfg.Dir = dir
	if cfg.DBFilename != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cannot create the data folder (dir): %w", err)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("the data folder (dir) %s is not a folder", dir)
		}
	}
	mods, err := resolveModuleSettings(cfg.Modules, reg)
	if err != nil {
		return nil, err
	}
	cfg.Modules = mods
	announceSettings(reg, nil, mods)
	level := hclog.LevelFromString(cfg.LogLevel)
	if level == hclog.NoLevel {
		return nil, fmt.Errorf("unknown log level %q (want trace, debug, info, warn or error)", cfg.LogLevel)
	}
	s := &Server{
		cfg:     cfg,
		onBug:   cfg.OnBug,
		reg:     reg,
		ks:      core.NewKeyspace(cfg.Databases),
		conns:   map[int64]*conn{},
		done:    make(chan struct{}),
		errors:  map[string]int64{},
		started: time.Now(),
		log: hclog.New(&hclog.LoggerOptions{
			Name:       "redmod",
			Level:      level,
			JSONFormat: cfg.LogFormat == "json",
			Output:     os.Stderr,
		}),
	}
	if cfg.Logger != nil {
		s.log = cfg.Logger
	}
	if client := reg.Lookup([]byte("client")); client != nil {
		s.unpauseCmd = client.Sub([]byte("unpause"))
	}
	s.limits.set(&cfg)
	s.applyMemory(&cfg)
	s.replyBuf.setDefaults(cfg.Hz)
	s.cstats = make([]cmdStat, reg.NumCmds())
	s.initMetrics()
	s.replInit()
	s.applyDiagSettings(&cfg)
	s.ps = core.NewPubSub()
	s.trk.init()
	s.trk.changed = s.observeInterest
	s.ks.Observe(s)
	s.observeInterest()
	s.effects = effects.New()
	s.ks.SetEffectSink(s.effects)
	if err := s.setupACL(); err != nil {
		return nil, err
	}
	s.persist.lastSave.Store(time.Now().Unix())
	s.persist.lastStatusOK.Store(true)
	s.persist.lastBgStatusOK.Store(true)
	s.aofInit()
	// With appendonly yes the append-only file is loaded instead of the
	// snapshot, as in Redis; its commands run through the modules, so
	// after they are provisioned.
	if !s.aofOn(&cfg) {
		if err := s.loadSnapshot(); err != nil {
			return nil, err
		}
	} else {
		s.removeStaleTemps(cfg.Dir)
	}
	if err := s.provisionModules(); err != nil {
		return nil, err
	}
	if s.aofOn(&cfg) {
		if err := s.loadAOF(); err != nil {
			return nil, err
		}
	}
	// After loading and provisioning, which touch keys outside commands.
	s.ks.SetKeyChecks(cfg.CheckKeys)
	return s, nil
}

// SetLogger replaces the server's logger (an embedding program's own).
func (s *Server) SetLogger(l hclog.Logger) { s.log = l }

// Logger returns the server's logger.
func (s *Server) Logger() hclog.Logger { return s.log }

// Keyspace returns the server's data.
func (s *Server) Keyspace() *core.Keyspace { return s.ks }

// Registry returns the commands the server serves.
func (s *Server) Registry() *registry.Registry { return s.reg }

// Config returns a copy of the current configuration.
func (s *Server) Config() Config {
	s.cfgMu.RLock()
	defer s.cfgMu.RUnlock()
	return s.cfg
}

func (s *Server) provisionModules() error {
	s.modules = s.reg.Modules()
	for _, m := range s.modules {
		if p, ok := m.(core.Provisioner); ok {
			mc := &core.ModuleContext{
				Logger:   s.log.Named(m.Name()),
				Keyspace: s.ks,
				Server:   s,
				Config:   moduleConfig{s: s, prefix: m.Name() + "."},
			}
			if err := p.Provision(mc); err != nil {
				return fmt.Errorf("module %s: %w", m.Name(), err)
			}
		}
		if v, ok := m.(core.Validator); ok {
			if err := v.Validate(); err != nil {
				return fmt.Errorf("module %s: invalid configuration: %w", m.Name(), err)
			}
		}
	}
	return nil
}

// ListenAndServe listens on the configured address and serves until Close.
func (s *Server) ListenAndServe() error {
	cfg := s.Config()
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Bind, strconv.Itoa(cfg.Port)))
	if err != nil {
		// A server that never served stops without saving: a failed
		// start (port in use) must not write a snapshot over one that
		// another server may own.
		s.stop(stopNoSave)
		return err
	}
	if cfg.TLS.Port > 0 {
		tln, err := net.Listen("tcp", net.JoinHostPort(cfg.Bind, strconv.Itoa(cfg.TLS.Port)))
		if err != nil {
			ln.Close()
			s.stop(stopNoSave)
			return err
		}
		go func() {
			if err := s.ServeTLS(tln); err != nil {
				s.log.Error("TLS listener stopped", "error", err)
			}
		}()
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln until Close. It starts the modules and the
// background tasks (active expiry, auto-save) first.
func (s *Server) Serve(ln net.Listener) error {
	procs := s.Config().MaxProcs
	if procs == 0 && s.Config().KeepProcs {
		procs = runtime.GOMAXPROCS(0)
	}
	s.mu.Lock()
	if s.ln != nil {
		s.mu.Unlock()
		return errors.New("server is already serving")
	}
	if s.closing.Load() {
		// Closed before it served (an embedding program's deferred Close
		// can run before the goroutine that calls Serve).
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.ln = ln
	// stop undoes these when s.ln is set.
	startGCTuning()
	startProcTuning(procs)
	// The background loops count in wg before the lock is released, so that
	// a Close racing with Serve waits for them rather than passing its Wait
	// before they are added.
	s.wg.Add(3)
	s.mu.Unlock()
	for _, m := range s.modules {
		if st, ok := m.(core.Starter); ok {
			if err := st.Start(); err != nil {
				s.wg.Add(-3)
				return fmt.Errorf("module %s: %w", m.Name(), err)
			}
		}
	}
	s.startReplication()
	go s.cron()
	go s.memoryReleaser()
	go s.lruTicker()
	s.log.Info("ready to accept connections", "addr", ln.Addr().String(), "commands", s.reg.Len(), "version", Version)
	return s.acceptLoop(ln)
}

// acceptLoop accepts connections on ln until Close, and on the listener
// that replaces it when CONFIG SET moves it (relisten).
func (s *Server) acceptLoop(ln net.Listener) error {
	var tempDelay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return nil
			}
			s.mu.Lock()
			cur := s.ln
			s.mu.Unlock()
			if cur != ln {
				ln = cur
				continue
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if tempDelay == 0 {
					tempDelay = 5 * time.Millisecond
				} else if tempDelay *= 2; tempDelay > time.Second {
					tempDelay = time.Second
				}
				time.Sleep(tempDelay)
				continue
			}
			return err
		}
		tempDelay = 0
		s.accept(nc)
	}
}

// relisten moves the TCP listener to bind and port (CONFIG SET), as Redis
// does: the new address is listened on first, so that a failure leaves the
// old one serving; connections already open stay. It returns the port
// listened on (the one chosen when port is 0). Before Serve there is
// nothing to move: the settings apply when it starts.
func (s *Server) relisten(bind string, port int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil || s.closing.Load() {
		return port, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(bind, strconv.Itoa(port)))
	if err != nil {
		s.log.Warn("CONFIG SET: cannot listen", "addr", net.JoinHostPort(bind, strconv.Itoa(port)), "error", err)
		return 0, err
	}
	old := s.ln
	s.ln = ln
	old.Close()
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		port = a.Port
	}
	return port, nil
}

// Addr returns the address the server listens on, or nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

func (s *Server) accept(nc net.Conn) {
	s.stats.connections.Add(1)
	cfg := s.Config()
	s.mu.Lock()
	if len(s.conns) >= cfg.MaxClients {
		s.mu.Unlock()
		s.stats.rejectedConns.Add(1)
		nc.Write([]byte("-ERR max number of clients reached\r\n"))
		nc.Close()
		return
	}
	if s.protectedRefuses(nc) {
		s.mu.Unlock()
		s.log.Warn("protected mode: refused a client from another host", "client", nc.RemoteAddr().String())
		nc.Write([]byte(deniedMessage))
		nc.Close()
		return
	}
	id := s.nextID.Add(1)
	c := newConn(s, nc, id, cfg)
	s.conns[id] = c
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.serve()
		s.mu.Lock()
		delete(s.conns, id)
		s.mu.Unlock()
		s.clientGone(c)
	}()
}

// cron runs the background tasks: active expiry hz times a second and the
// auto-save check once a second.
func (s *Server) cron() {
	defer s.wg.Done()
	hz := s.Config().Hz
	tick := time.NewTicker(time.Second / time.Duration(hz))
	defer tick.Stop()
	cursor := 0
	n := 0
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
		}
		if s.diag.cronPaused.Load() {
			continue // DEBUG PAUSE-CRON
		}
		// Like Redis: at most a quarter of each period goes to expiry.
		if !s.diag.noActiveExpire.Load() && s.pause.Load() == nil {
			start := time.Now()
			s.ks.ActiveExpire(time.Second/time.Duration(hz)/4, &cursor)
			s.latencyCheck("expire-cycle", time.Since(start))
		}
		s.memoryCron()
		if s.trk.on.Load() > 0 {
			s.limitTrackingTable(nil)
		}
		// CONFIG SET hz takes effect at the next tick.
		s.cfgMu.RLock()
		newHz := s.cfg.Hz
		s.cfgMu.RUnlock()
		s.sampleMetrics()
		if newHz != hz && newHz > 0 {
			hz = newHz
			s.replyBuf.setHz(hz)
			tick.Reset(time.Second / time.Duration(hz))
		}
		if n++; n%hz == 0 {
			s.autoSave()
			s.aofCron()
			s.replCron()
			s.closeIdle()
		}
	}
}

func (s *Server) closeIdle() {
	timeout := s.Config().Timeout
	if timeout <= 0 {
		return
	}
	now := time.Now()
	for _, c := range s.connList() {
		if !c.blocked.Load() && c.reading.Load() && c.client.Idle(now) > timeout {
			c.nc.Close()
		}
	}
}

func (s *Server) connList() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	return out
}

// Close stops accepting, closes every connection, saves when save rules are
// configured, and stops the modules.
func (s *Server) Close() error {
	if s.Config().ShutdownSave {
		return s.stop(stopSave)
	}
	return s.stop(stopNoSave)
}

// What stop saves after the last client is gone.
const (
	stopNoSave      = iota
	stopSave        // when save rules are set
	stopSaveIfDirty // what changed since the save just made, if anything
)

// Terminate is the SIGTERM and SIGINT path, as Redis's: with save rules,
// save while still serving; if that fails, log it and keep running (the
// error is returned; a later signal tries again), else stop, saving once
// more only what changed meanwhile.
func (s *Server) Terminate() error {
	cfg := s.Config()
	if cfg.ShutdownSave && s.persistenceOn() && len(cfg.Save) > 0 {
		if err := s.saveForShutdown(); err != nil {
			s.log.Error("Error trying to save the DB, can't exit; SIGTERM received but errors trying to shut down the server, check the logs for more information", "error", err)
			return err
		}
		return s.stop(stopSaveIfDirty)
	}
	return s.stop(stopNoSave)
}

// saveForShutdown waits for a background save to end, then saves.
func (s *Server) saveForShutdown() error {
	s.persist.hurry.Add(1)
	defer s.persist.hurry.Add(-1)
	s.persist.bgWG.Wait()
	s.persist.mu.Lock()
	defer s.persist.mu.Unlock()
	return s.saveLocked(false)
}

func (s *Server) stop(mode int) error {
	var err error
	s.stopped.Do(func() {
		s.closing.Store(true)
		close(s.done)
		s.stopLink()
		s.dropMemoryLimit()
		s.mu.Lock()
		if s.ln != nil {
			stopGCTuning()
			stopProcTuning()
			s.ln.Close()
		}
		if s.tlsLn != nil {
			s.tlsLn.Close()
		}
		for _, c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
		s.order.close()
		s.persist.bgWG.Wait()
		save := mode == stopSave && len(s.Config().Save) > 0 || mode == stopSaveIfDirty && s.ks.Dirty() != 0
		if save && s.persistenceOn() {
			s.persist.mu.Lock()
			if e := s.saveLocked(false); e != nil {
				err = e
			}
			s.persist.mu.Unlock()
		}
		s.closeAOF()
		for _, m := range s.modules {
			if st, ok := m.(core.Stopper); ok {
				if e := st.Stop(); e != nil {
					s.log.Error("module stop failed", "module", m.Name(), "error", e)
				}
			}
		}
		s.log.Info("server stopped")
	})
	return err
}

// Done is closed when the server stops (Close or SHUTDOWN).
func (s *Server) Done() <-chan struct{} { return s.done }

// Shutdown implements core.Server for SHUTDOWN: save first when asked,
// refusing to stop when that fails, as Redis does.
func (s *Server) Shutdown(save bool) error {
	mode := stopNoSave
	if save && s.persistenceOn() {
		if err := s.saveForShutdown(); err != nil {
			s.log.Error("Error trying to save the DB, can't exit", "error", err)
			return core.NewError("ERR Errors trying to SHUTDOWN. Check logs.")
		}
		mode = stopSaveIfDirty
	}
	go s.stop(mode)
	return nil
}

// Clients implements core.Server.
func (s *Server) Clients() []*core.Client {
	conns := s.connList()
	out := make([]*core.Client, len(conns), len(conns)+1)
	for i, c := range conns {
		out[i] = c.client
	}
	if l := s.masterLinkNow(); l != nil {
		if cl := l.client.Load(); cl != nil {
			out = append(out, cl)
		}
	}
	return out
}

// KillClient implements core.Server.
func (s *Server) KillClient(id int64) bool {
	// The client leaves the client list at once, as in Redis, rather than
	// when its goroutine notices the closed connection: a CLIENT LIST or
	// CLIENT KILL right after must not see it again.
	s.mu.Lock()
	c, ok := s.conns[id]
	delete(s.conns, id)
	s.mu.Unlock()
	if ok {
		c.nc.Close()
		return true
	}
	// A replica's master: its link reconnects, as after Redis's CLIENT
	// KILL TYPE master.
	if l := s.masterLinkNow(); l != nil {
		if cl := l.client.Load(); cl != nil && cl.ID == id && l.client.CompareAndSwap(cl, nil) {
			l.wmu.Lock()
			if l.nc != nil {
				l.nc.Close()
			}
			l.wmu.Unlock()
			return true
		}
	}
	return false
}

// masterLinkNow returns the link with the master, nil on a master.
func (s *Server) masterLinkNow() *masterLink {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	return s.repl.link
}

// countError counts an error reply in total_error_replies and errorstats,
// unless it was counted where it arose (core.Error.Counted).
func (s *Server) countError(err error) {
	code := "ERR"
	var e *core.Error
	if errors.As(err, &e) {
		if e.AlreadyCounted() {
			return
		}
		code = e.Code()
	}
	s.stats.totalErrorReplies.Add(1)
	s.errMu.Lock()
	s.errors[code]++
	s.errMu.Unlock()
}

// recovered logs a panic from a command with its stack.
func (s *Server) recovered(name string, r any) error {
	if r == core.ErrReplyTooBig {
		// Not a bug: the Writer stopped a command whose reply passed the
		// output limit; the client is closed.
		return core.ErrReplyTooBig
	}
	s.log.Error("command panicked", "command", name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	return core.NewError(fmt.Sprintf("ERR internal error in '%s' command", name))
}

// Effects returns the server's effects stream, which the append-only file
// and replication attach to (effects.Stream.Attach).
func (s *Server) Effects() *effects.Stream { return s.effects }
