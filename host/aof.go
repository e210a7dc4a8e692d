package host

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redmod/redmod/aof"
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/rdb"
	"github.com/redmod/redmod/registry"
)

// The append-only file (package aof holds the format): when on, it is
// loaded at start instead of the snapshot; every unit of the effects
// stream is appended to it while the command that made it still holds its
// locks, and a reply waits until its unit is written (synced with
// appendfsync always) before it leaves.

// aofState is the server's append-only file.
type aofState struct {
	mu   sync.Mutex // turning the log on or off, rewrites
	log  atomic.Pointer[aof.Log]
	feed *aofFeed // the log's consumer on the effects stream

	rewriting      atomic.Bool
	scheduled      atomic.Bool
	rewriteStarted atomic.Int64 // unix seconds
	lastRewriteSec atomic.Int64 // -1 before the first
	lastRewriteOK  atomic.Bool
	rewrites       atomic.Int64
	failures       atomic.Int64 // consecutive failed rewrites
	lastFailure    atomic.Int64 // unix seconds of the last failed automatic rewrite
	wg             sync.WaitGroup
}

func (s *Server) aofInit() {
	s.aof.lastRewriteSec.Store(-1)
	s.aof.lastRewriteOK.Store(true)
}

// aofOn reports whether the configuration asks for the append-only file;
// --dump "" (no dbfilename) turns every kind of persistence off.
func (s *Server) aofOn(cfg *Config) bool { return cfg.AppendOnly && cfg.DBFilename != "" }

func aofOptions(cfg *Config, s *Server) aof.Options {
	p, _ := aof.ParseFsync(cfg.AppendFsync)
	return aof.Options{Dir: cfg.Dir, DirName: cfg.AppendDirName, Prefix: cfg.AppendFilename, Fsync: p, Log: s.log.Named("aof")}
}

// loadAOF loads the append-only files at start and opens the log; a
// folder without files gets a base of the (empty) data set, as Redis
// creates one.
func (s *Server) loadAOF() error {
	cfg := s.Config()
	s.ks.LockAll(true)
	res, err := s.replayAOF(&cfg)
	s.ks.UnlockAll(true)
	if err != nil {
		return err
	}
	var m *aof.Manifest
	if res.Exists {
		m = res.Manifest
	}
	l, err := aof.Open(aofOptions(&cfg, s), m, func(w io.Writer) (bool, error) {
		return s.writeAOFBase(w, cfg.AOFUseRDBPreamble, false, nil)
	})
	if err != nil {
		return err
	}
	s.attachAOF(l)
	return nil
}

// replayAOF loads the append-only files of cfg's folder into the
// keyspace, whose every lock the caller holds exclusively.
func (s *Server) replayAOF(cfg *Config) (*aof.LoadResult, error) {
	start := time.Now()
	var loaded int
	replay := newReplayer(s)
	res, err := aof.Load(aof.LoadOptions{
		Dir: cfg.Dir, DirName: cfg.AppendDirName, Prefix: cfg.AppendFilename,
		Truncated: cfg.AOFLoadTruncated, Log: s.log.Named("aof"),
		RDB: func(data []byte) error {
			n, err := s.loadRDBLocked(s.ks, data, false)
			loaded += n
			return err
		},
		Command: replay.run,
	})
	if err != nil {
		var missing *rdb.MissingTypeError
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("cannot load the append only file: %w", err)
		}
		if errors.Is(err, aof.ErrDamaged) || errors.Is(err, aof.ErrManifest) {
			return nil, fmt.Errorf("the append only file in %s is damaged, refusing to start: %w", cfg.AppendDirName, err)
		}
		return nil, fmt.Errorf("cannot load the append only file: %w", err)
	}
	if res.Exists {
		s.log.Info("DB loaded from append only file", "folder", cfg.AppendDirName, "commands", res.Commands,
			"rdb_keys", loaded, "duration", time.Since(start).Round(time.Microsecond))
	}
	return res, nil
}

// ReloadAOF implements core.Diagnostics (DEBUG LOADAOF): what the log
// holds is written out, the dataset emptied and loaded back from the
// append-only files, as Redis 7.0 does; it loads the files present even
// with appendonly off. Redis exits when there is nothing to load or the
// files are damaged; redmod answers an error instead (the dataset is left
// untouched when no files exist, and holds what loaded before the damage
// otherwise). A rewrite in progress finishes first, so that the files read
// are one consistent set.
func (s *Server) ReloadAOF() error {
	errLoad := errors.New("ERR Error trying to load the AOF files, check server logs.")
	cfg := s.Config()
	if !s.persistenceOn() {
		return errLoad
	}
	s.aof.wg.Wait()
	s.aof.mu.Lock()
	defer s.aof.mu.Unlock()
	if l := s.aof.log.Load(); l != nil {
		if err := l.Flush(l.Appended()); err != nil {
			s.log.Error("DEBUG LOADAOF: cannot write the append only file", "error", err)
			return errLoad
		}
	}
	manifest := filepath.Join(cfg.Dir, cfg.AppendDirName, aof.ManifestName(cfg.AppendFilename))
	if _, err := os.Stat(manifest); err != nil {
		s.log.Error("DEBUG LOADAOF: no append only file to load", "manifest", manifest, "error", err)
		return errLoad
	}
	return s.ks.Update(func(ks *core.Keyspace) error {
		for i := 0; i < ks.NumDBs(); i++ {
			ks.DB(i).Flush()
		}
		if _, err := s.replayAOF(&cfg); err != nil {
			s.log.Error("DEBUG LOADAOF failed", "error", err)
			return errLoad
		}
		// Nothing changed since the file: no save is due.
		ks.ResetDirty(ks.Dirty())
		s.log.Info("Append Only File loaded by DEBUG LOADAOF")
		return nil
	})
}

// aofFeed is the append-only file's place on the effects stream: it
// appends every unit to the log and is the stream's gate, so a reply
// leaves only once the effects of its command are written to the file
// (synced too, with appendfsync always). Writing before replying is what
// Redis does in every policy: a killed process loses nothing acknowledged.
type aofFeed struct {
	l *aof.Log
	// delta turns a stream offset into the log's: the stream had carried
	// delta more bytes than the log when the log was attached.
	delta int64
}

// Feed implements effects.Consumer.
func (f *aofFeed) Feed(unit []byte, end int64) { f.l.Append(unit) }

// WaitDurable implements effects.Gate. Only appendfsync always makes a
// failed write fail the reply (the client is disconnected unanswered); with
// everysec and no, as in Redis, the reply leaves, the bytes stay buffered
// for the next attempt, and later writes are refused with MISCONF until
// the file can be written again.
func (f *aofFeed) WaitDurable(end int64) error {
	err := f.l.Flush(end - f.delta)
	if err != nil && f.l.Policy() != aof.FsyncAlways {
		return nil
	}
	return err
}

// attachAOF makes l the consumer and gate of the effects stream. For a
// consistent cut the caller holds every key lock (or nothing runs yet).
func (s *Server) attachAOF(l *aof.Log) {
	f := &aofFeed{l: l}
	f.delta = s.effects.Attach(f) - l.Appended()
	s.effects.SetGate(f)
	s.aof.feed = f
	s.aof.log.Store(l)
}

// detachAOF takes the log off the stream.
func (s *Server) detachAOF() *aof.Log {
	l := s.aof.log.Swap(nil)
	if s.aof.feed != nil {
		s.effects.SetGate(nil)
		s.effects.Detach(s.aof.feed)
		s.aof.feed = nil
	}
	return l
}

// replayer runs the commands of an append-only file, as Redis's fake
// client does: no reply, no ACL, the database SELECT chose.
type replayer struct {
	s      *Server
	ctx    core.Ctx
	w      *core.Writer
	locks  core.LockSet
	client *core.Client
	sink   core.Ctx // collects the effects of the commands, dropped
}

func newReplayer(s *Server) *replayer {
	r := &replayer{s: s, w: core.NewWriter(2), client: core.NewClient(0, "aof", "")}
	r.ctx = core.Ctx{Writer: r.w, Keyspace: s.ks, Client: r.client, Server: s, Log: s.log, PubSub: s.ps}
	return r
}

func (r *replayer) run(args [][]byte) error {
	s := r.s
	if core.EqualFold(args[0], "multi") || core.EqualFold(args[0], "exec") {
		// The reader hands transactions over whole.
		return nil
	}
	if core.EqualFold(args[0], "select") && len(args) == 2 {
		n, err := strconv.Atoi(string(args[1]))
		if err != nil || n < 0 || n >= s.ks.NumDBs() {
			return fmt.Errorf("%w: SELECT %q: invalid database", aof.ErrDamaged, args[1])
		}
		r.client.SetDBIndex(n)
		return nil
	}
	cmd := s.reg.Lookup(args[0])
	if cmd == nil {
		return fmt.Errorf("%w: unknown command '%s' reading the append only file", aof.ErrDamaged, args[0])
	}
	if cmd.Spec.Subcommands != nil && len(args) >= 2 {
		if sub := cmd.Sub(args[1]); sub != nil {
			cmd = sub
		}
	}
	if !arityOK(cmd.Spec.Arity, len(args)) {
		return fmt.Errorf("%w: wrong number of arguments for '%s' reading the append only file", aof.ErrDamaged, cmd.FullName)
	}
	ctx := &r.ctx
	ctx.Args = args
	ctx.Name = cmd.FullName
	ctx.DB = s.ks.DB(r.client.DBIndex())
	r.locks.Reset(s.ks)
	r.locks.HoldAll(true)
	ctx.Locks = &r.locks
	var kbuf [8]int
	// Effects go to the sink: what is loaded is not propagated again.
	_, err := s.invoke(cmd, ctx, r.w, cmd.Spec.KeyIndexes(args, kbuf[:0]), nil, true, &r.sink, nil)
	r.sink.TakeEffects(false)
	// Work a command leaves for after its locks (waking blocked clients,
	// FLUSHALL's snapshot) has no one to serve while loading, and a save
	// would wait for the locks the load holds: it is dropped.
	for ctx.TakeAfterUnlock() != nil {
	}
	r.w.Reset()
	if _, ok := err.(*core.BlockRequest); ok {
		err = nil
	}
	if err != nil {
		// Redis logs and goes on for a command that fails (its reply is
		// dropped); the data it did not change stays as it was.
		s.log.Warn("a command of the append only file failed", "command", cmd.FullName, "error", core.ErrorText(err))
	}
	return nil
}

// writeAOFBase writes the data set as an append-only base: an RDB file
// (aof-use-rdb-preamble yes) or commands. cut, when set, runs while every
// key is locked, before anything is read: what it does happens exactly at
// the point in time the base shows. paced is SnapshotOptions.Paced.
func (s *Server) writeAOFBase(w io.Writer, preamble, paced bool, cut func() error) (bool, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	var err error
	if preamble {
		err = s.writeRDBTo(bw, paced, cut)
	} else {
		err = s.writeCommandsTo(bw, paced, cut)
	}
	if err == nil {
		err = bw.Flush()
	}
	return preamble, err
}

// writeRDBTo writes the base as an RDB file at one point in time, while
// commands keep being served (WriteSnapshot); cut runs at that point.
func (s *Server) writeRDBTo(out io.Writer, paced bool, cut func() error) error {
	var cutErr error
	_, err := s.WriteSnapshot(out, SnapshotOptions{AOFBase: true, Paced: paced, AtCut: func() {
		if cut != nil {
			cutErr = cut()
		}
	}})
	if cutErr != nil {
		return cutErr
	}
	return err
}

// aofItemsPerCommand is how many elements one rewritten command carries,
// Redis's AOF_REWRITE_ITEMS_PER_CMD.
const aofItemsPerCommand = 64

// writeCommandsTo writes the data set as the commands that rebuild it, as
// Redis's rewrite without the RDB preamble: SET, RPUSH, SADD, ZADD, HMSET
// in batches, PEXPIREAT for expiry times, and RESTORE of a DUMP payload
// for the other types (streams, modules' types).
func (s *Server) writeCommandsTo(out io.Writer, paced bool, cut func() error) error {
	var b []byte
	pause := runtime.Gosched
	if paced {
		pause = newSavePacer(s).pause
	}
	drain := func() error {
		pause()
		_, err := out.Write(b)
		b = b[:0]
		return err
	}
	var cutErr error
	c := s.ks.BeginCut(func(*core.Keyspace) {
		if cut != nil {
			cutErr = cut()
		}
	})
	defer c.Close()
	if cutErr != nil {
		return cutErr
	}
	for _, db := range c.DBs() {
		b = aof.AppendCommand(b, []byte("SELECT"), []byte(strconv.Itoa(db.Index)))
		err := c.Range(db.Index, func(key string, v core.Value, exp int64) error {
			k := []byte(key)
			var err error
			if b, err = appendValueCommands(b, k, v); err != nil {
				return err
			}
			if exp != 0 {
				b = aof.AppendCommand(b, []byte("PEXPIREAT"), k, []byte(strconv.FormatInt(exp, 10)))
			}
			return nil
		}, drain)
		if err != nil {
			return err
		}
	}
	c.Close()
	return drain()
}

func appendValueCommands(b []byte, key []byte, v core.Value) ([]byte, error) {
	if str, ok := v.(*core.String); ok {
		return aof.AppendCommand(b, []byte("SET"), key, str.B), nil
	}
	nv, ok := v.(core.NativeValue)
	if !ok {
		return appendRestore(b, key, v)
	}
	c := nv.NativeContent()
	var name string
	switch c.Kind {
	case core.NativeList:
		name = "RPUSH"
	case core.NativeSet:
		name = "SADD"
	case core.NativeHash:
		name = "HMSET"
	case core.NativeZSet:
		name = "ZADD"
	default:
		return appendRestore(b, key, v)
	}
	args := [][]byte{[]byte(name), key}
	items := 0
	emit := func() {
		if items > 0 {
			b = aof.AppendCommand(b, args...)
		}
		args, items = args[:2], 0
	}
	add := func(xs ...[]byte) {
		args = append(args, xs...)
		if items++; items == aofItemsPerCommand {
			emit()
		}
	}
	switch {
	case c.Elements != nil:
		// The iterators may reuse their buffers: copy what is kept.
		for e := range c.Elements {
			add(bytes.Clone(e))
		}
	case c.Pairs != nil:
		for f, val := range c.Pairs {
			add(bytes.Clone(f), bytes.Clone(val))
		}
	case c.Scored != nil:
		for m, sc := range c.Scored {
			add(formatAOFScore(sc), bytes.Clone(m))
		}
	}
	emit()
	return b, nil
}

func formatAOFScore(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return []byte("inf")
	case math.IsInf(f, -1):
		return []byte("-inf")
	}
	return strconv.AppendFloat(nil, f, 'g', 17, 64)
}

func appendRestore(b []byte, key []byte, v core.Value) ([]byte, error) {
	payload, err := rdb.Dump(v)
	if err != nil {
		return b, err
	}
	return aof.AppendCommand(b, []byte("RESTORE"), key, []byte("0"), payload, []byte("REPLACE")), nil
}

var (
	errRewriteInProgress = core.NewError("ERR Background append only file rewriting already in progress")
	errRewriteFailed     = core.NewError("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
)

// RewriteAOF starts a background rewrite of the append-only file
// (BGREWRITEAOF): the log is cut, new commands go to a new incremental file,
// and a base holding the data as of the cut replaces the files before it.
// It returns the status line to reply.
func (s *Server) RewriteAOF(schedule bool) (string, error) {
	if !s.persistenceOn() {
		return "", core.NewError("ERR persistence is disabled (dbfilename is empty)")
	}
	if s.aof.rewriting.Load() {
		return "", errRewriteInProgress
	}
	if schedule {
		s.aof.scheduled.Store(true)
		return "Background append only file rewriting scheduled", nil
	}
	if !s.aof.rewriting.CompareAndSwap(false, true) {
		return "", errRewriteInProgress
	}
	if err := s.startRewrite(); err != nil {
		s.aof.rewriting.Store(false)
		return "", errRewriteFailed
	}
	return "Background append only file rewriting started", nil
}

// startRewrite begins a rewrite; s.aof.rewriting is set by the caller and
// cleared when the rewrite ends. With the log open, the rewrite's new
// incremental file is prepared first; at the base's point in time (every
// slot held for a moment) the log switches to it and the effects stream
// is cut, so that the new base plus the new file hold every write once.
func (s *Server) startRewrite() error {
	s.aof.mu.Lock()
	cfg := s.Config()
	l := s.aof.log.Load()
	var rw *aof.Rewrite
	if l != nil {
		var err error
		if rw, err = l.PrepareRewrite(); err != nil {
			s.aof.mu.Unlock()
			s.finishRewrite(time.Now(), err)
			return err
		}
	}
	s.aof.rewriteStarted.Store(time.Now().Unix())
	s.aof.wg.Add(1)
	go func() {
		defer s.aof.wg.Done()
		defer s.aof.mu.Unlock()
		defer s.aof.rewriting.Store(false)
		start := time.Now()
		var err error
		if l == nil {
			// No log open (appendonly no): the folder gets a base alone.
			err = aof.RewriteClosed(aofOptions(&cfg, s), func(w io.Writer) (bool, error) {
				return s.writeAOFBase(w, cfg.AOFUseRDBPreamble, true, nil)
			})
		} else {
			cut := false
			err = rw.Finish(func(w io.Writer) (bool, error) {
				return s.writeAOFBase(w, cfg.AOFUseRDBPreamble, true, func() error {
					if err := rw.Cut(); err != nil {
						return err
					}
					cut = true
					// The new incremental file starts with a SELECT.
					s.effects.Cut()
					return nil
				})
			})
			if !cut {
				rw.Abort()
			}
		}
		s.finishRewrite(start, err)
	}()
	return nil
}

func (s *Server) finishRewrite(start time.Time, err error) {
	s.aof.lastRewriteSec.Store(int64(time.Since(start).Seconds()))
	if err != nil {
		s.aof.lastRewriteOK.Store(false)
		s.aof.failures.Add(1)
		s.aof.lastFailure.Store(time.Now().Unix())
		s.log.Error("background AOF rewrite failed", "error", err)
		return
	}
	s.aof.lastRewriteOK.Store(true)
	s.aof.failures.Store(0)
	s.aof.rewrites.Add(1)
	s.log.Info("background AOF rewrite finished successfully", "duration", time.Since(start).Round(time.Microsecond))
}

// aofCron is the once-a-second work: a scheduled or automatic rewrite.
func (s *Server) aofCron() {
	l := s.aof.log.Load()
	if s.aof.rewriting.Load() || l == nil && !s.aof.scheduled.Load() {
		return
	}
	cfg := s.Config()
	now := time.Now().Unix()
	// After a failure, retry no sooner than a minute later, as Redis.
	if s.aof.failures.Load() > 0 && now-s.aof.lastFailure.Load() < 60 {
		return
	}
	if !s.aof.scheduled.Load() {
		if cfg.AutoAOFRewritePercentage <= 0 {
			return
		}
		base := l.BaseSize()
		cur := base + l.IncrSize()
		if cur < cfg.AutoAOFRewriteMinSize {
			return
		}
		if base == 0 {
			base = 1
		}
		if (cur-base)*100/base < int64(cfg.AutoAOFRewritePercentage) {
			return
		}
		s.log.Info("starting automatic rewriting of AOF", "growth_percent", (cur-base)*100/base)
	}
	if s.aof.rewriting.CompareAndSwap(false, true) {
		s.aof.scheduled.Store(false)
		if err := s.startRewrite(); err != nil {
			s.aof.rewriting.Store(false)
		}
	}
}

// setAppendOnly turns the log on or off while running (CONFIG SET
// appendonly): on writes a base of the data as of now and opens a new
// incremental file for what follows, as Redis's rewrite does.
func (s *Server) setAppendOnly(on bool) error {
	if !on {
		s.aof.wg.Wait()
		s.aof.mu.Lock()
		defer s.aof.mu.Unlock()
		if l := s.detachAOF(); l != nil {
			if err := l.Close(); err != nil {
				s.log.Warn("closing the append only file", "error", err)
			}
		}
		return nil
	}
	if s.aof.log.Load() != nil {
		return nil
	}
	s.aof.wg.Wait()
	s.aof.mu.Lock()
	defer s.aof.mu.Unlock()
	cfg := s.Config()
	cfg.AppendOnly = true
	s.aof.rewriting.Store(true)
	defer s.aof.rewriting.Store(false)
	start := time.Now()
	l, rw, err := aof.Start(aofOptions(&cfg, s))
	if err == nil {
		// The log joins the stream at the base's point in time.
		err = rw.Finish(func(w io.Writer) (bool, error) {
			return s.writeAOFBase(w, cfg.AOFUseRDBPreamble, false, func() error {
				s.attachAOF(l)
				return nil
			})
		})
	}
	if err != nil {
		if l != nil {
			if s.aof.log.Load() == l {
				s.detachAOF()
			}
			l.Close()
		}
		s.finishRewrite(start, err)
		return errors.New("Unable to turn on AOF. Check server logs.")
	}
	s.finishRewrite(start, nil)
	return nil
}

// applyAOFConfig applies CONFIG SET's changes to the append-only
// settings: appendonly turns the log on (a base of the data as of now) or
// off, appendfsync changes the policy at once. A log that cannot be turned
// on leaves appendonly no, with Redis's error.
func (s *Server) applyAOFConfig(old, next Config) error {
	if p, ok := aof.ParseFsync(next.AppendFsync); ok {
		if l := s.aof.log.Load(); l != nil {
			l.SetFsync(p)
		}
	}
	if s.aofOn(&old) == s.aofOn(&next) {
		return nil
	}
	if err := s.setAppendOnly(s.aofOn(&next)); err != nil {
		s.cfgMu.Lock()
		s.cfg.AppendOnly = false
		s.cfgMu.Unlock()
		return core.NewError("ERR CONFIG SET failed (possibly related to argument 'appendonly') - " + err.Error())
	}
	return nil
}

// closeAOF writes and syncs what is buffered and closes the log, at
// shutdown.
func (s *Server) closeAOF() {
	s.aof.wg.Wait()
	s.aof.mu.Lock()
	defer s.aof.mu.Unlock()
	if l := s.detachAOF(); l != nil {
		if err := l.Close(); err != nil {
			s.log.Error("error syncing the append only file at shutdown", "error", err)
		} else {
			s.log.Info("append only file synced")
		}
	}
}

// aofDiskError is Redis's refusal of writes while the log cannot be
// written or synced.
func (s *Server) aofDiskError(c *conn, cmd *registry.Cmd) error {
	l := s.aof.log.Load()
	if l == nil {
		return nil
	}
	err := l.Err()
	if err == nil {
		return nil
	}
	if writes(c, cmd) || cmd.FullName == "ping" {
		return core.NewError("MISCONF Errors writing to the AOF file: " + strerror(err))
	}
	return nil
}

// strerror words an error as C's strerror does ("No space left on
// device"), as Redis's MISCONF text carries it.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		t := errno.Error()
		if t != "" {
			return strings.ToUpper(t[:1]) + t[1:]
		}
	}
	return err.Error()
}

// aofInfo is the append-only part of INFO persistence.
func (s *Server) aofInfo() []core.InfoField {
	var out []core.InfoField
	add := func(name string, v any) { out = append(out, field(name, v)) }
	l := s.aof.log.Load()
	on := 0
	if l != nil {
		on = 1
	}
	add("aof_enabled", on)
	add("aof_rewrite_in_progress", b2i(s.aof.rewriting.Load()))
	add("aof_rewrite_scheduled", b2i(s.aof.scheduled.Load()))
	add("aof_last_rewrite_time_sec", s.aof.lastRewriteSec.Load())
	cur := int64(-1)
	if s.aof.rewriting.Load() {
		cur = time.Now().Unix() - s.aof.rewriteStarted.Load()
	}
	add("aof_current_rewrite_time_sec", cur)
	add("aof_last_bgrewrite_status", okErr(s.aof.lastRewriteOK.Load()))
	add("aof_rewrites", s.aof.rewrites.Load())
	add("aof_rewrites_consecutive_failures", s.aof.failures.Load())
	add("aof_last_write_status", okErr(l == nil || l.Err() == nil))
	add("aof_last_cow_size", 0)
	add("module_fork_in_progress", 0)
	add("module_fork_last_cow_size", 0)
	if l != nil {
		add("aof_current_size", l.BaseSize()+l.IncrSize())
		add("aof_base_size", l.BaseSize())
		add("aof_pending_rewrite", b2i(s.aof.scheduled.Load()))
		add("aof_buffer_length", l.Buffered())
		add("aof_pending_bio_fsync", b2i(l.Syncing()))
		add("aof_delayed_fsync", l.DelayedFsyncs())
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}
