package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/aof"
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/fsync"
	"github.com/redmod/redmod/rdb"
	"github.com/redmod/redmod/registry"
)

// usedMemory is the heap in use, for the used-mem AUX field. It is read
// from runtime/metrics, which, unlike runtime.ReadMemStats, does not stop
// the world.
func usedMemory() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// Snapshots are RDB files (package rdb), the format of Redis's dump.rdb:
// every value's type maps onto Redis's own encoding or, for a type Redis
// does not have, onto a Redis module value, so a new module's type persists
// without changes here.

// legacySnapshotName is the file name of redmod's first snapshot format,
// loaded when the default dump.rdb does not exist yet.
const legacySnapshotName = "dump.rdm"

var errSaveAbandoned = errors.New("the data was flushed meanwhile; this save was abandoned")

var errSaveInProgress = core.NewError("ERR Background save already in progress")

// errMisconf is Redis's refusal of writes after a failed background save.
var errMisconf = core.NewError("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
	"Commands that may modify the data set are disabled, because this instance is configured to report errors during writes " +
	"if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.")

// diskQuiet reports whether diskError refuses nothing, in two loads: the
// last background save succeeded and no append-only file is open.
func (s *Server) diskQuiet() bool {
	return s.persist.lastBgStatusOK.Load() && s.aof.log.Load() == nil
}

// diskError refuses write commands (and PING, as Redis does) while the last
// background save failed, stop-writes-on-bgsave-error is on and save rules
// are set.
func (s *Server) diskError(c *conn, cmd *registry.Cmd) error {
	if s.persist.lastBgStatusOK.Load() {
		return s.aofDiskError(c, cmd)
	}
	cfg := s.Config()
	if !cfg.StopWritesOnBgsaveError || len(cfg.Save) == 0 || !s.persistenceOn() {
		return s.aofDiskError(c, cmd)
	}
	if writes(c, cmd) || cmd.FullName == "ping" {
		return errMisconf
	}
	return nil
}

type persistence struct {
	mu             sync.Mutex // one snapshot at a time
	bgInProgress   atomic.Bool
	bgStarted      atomic.Int64
	bgWG           sync.WaitGroup
	lastSave       atomic.Int64 // unix seconds of the last success
	lastAttempt    atomic.Int64
	lastStatusOK   atomic.Bool
	lastBgStatusOK atomic.Bool
	lastBgDuration atomic.Int64 // seconds, -1 before the first
	saves          atomic.Int64
	// flushes counts FLUSHALLs: a background save that encoded the data
	// before one must not rename its file over the flushed snapshot.
	flushes atomic.Int64
	// hurry, while not 0, tells a background save to stop pacing itself
	// (savePacer): a shutdown waits for it.
	hurry atomic.Int32
}

func (s *Server) persistenceOn() bool {
	cfg := s.Config()
	return cfg.DBFilename != ""
}

func (s *Server) snapshotPath() string {
	cfg := s.Config()
	return filepath.Join(cfg.Dir, cfg.DBFilename)
}

// errSaveFailed is SAVE's reply when the snapshot could not be written.
var errSaveFailed = core.NewError("ERR")

// tempName is the temporary file a save writes before renaming it over
// the snapshot: temp-<pid>.rdb, as Redis names its own.
func tempName(pid int) string { return fmt.Sprintf("temp-%d.rdb", pid) }

// removeStaleTemps deletes, at start, the temporary snapshot files that a
// save interrupted by a kill left in dir: regular files named exactly
// temp-<pid>.rdb (or temp-<pid>.rdm, the earlier format's) whose process is
// gone. Anything else, a file of a live process included (a Redis sharing
// the folder), is left alone.
func (s *Server) removeStaleTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, "temp-") {
			continue
		}
		digits, ok := strings.CutSuffix(name[len("temp-"):], ".rdb")
		if !ok {
			digits, ok = strings.CutSuffix(name[len("temp-"):], ".rdm")
		}
		pid, err := strconv.Atoi(digits)
		if !ok || err != nil || pid <= 0 || strconv.Itoa(pid) != digits || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err == nil {
			s.log.Info("removed a temporary snapshot file left by an interrupted save", "file", name)
		}
	}
	s.removeStaleRewriteTemps(filepath.Join(dir, s.Config().AppendDirName))
}

// removeStaleRewriteTemps deletes the new bases that rewrites interrupted
// by a kill left in the append-only folder (aof.TempPID's names), when
// their process is gone, as removeStaleTemps does for snapshots.
func (s *Server) removeStaleRewriteTemps(folder string) {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, ok := aof.TempPID(e.Name())
		if !ok || !e.Type().IsRegular() || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if err := os.Remove(filepath.Join(folder, e.Name())); err == nil {
			s.log.Info("removed a temporary append only file left by an interrupted rewrite", "file", e.Name())
		}
	}
}

// writeFileAtomic writes data to a temporary file in the target's folder,
// syncs it, renames it over the target and syncs the folder, so that a crash
// at any point leaves either the old snapshot or the new one.
// A save whose data predates a FLUSHALL (still reports false just before the
// rename) is abandoned: the FLUSHALL's own save writes the emptied data.
func writeFileAtomic(path string, data []byte, still func() bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, tempName(os.Getpid()))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if !still() {
		os.Remove(tmp)
		return errSaveAbandoned
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return fsync.Dir(dir)
}

// Save writes a snapshot and waits for it (SAVE).
func (s *Server) Save() error {
	if !s.persistenceOn() {
		return core.NewError("ERR persistence is disabled (dbfilename is empty)")
	}
	if s.persist.bgInProgress.Load() {
		return errSaveInProgress
	}
	s.persist.mu.Lock()
	defer s.persist.mu.Unlock()
	return s.saveLocked(false)
}

func (s *Server) saveLocked(background bool) error {
	start := time.Now()
	s.persist.lastAttempt.Store(start.Unix())
	flushes := s.persist.flushes.Load()
	path := s.snapshotPath()
	st, err := s.saveFile(path, background, func() bool { return s.persist.flushes.Load() == flushes })
	if errors.Is(err, errSaveAbandoned) {
		// Not a failure: a FLUSHALL's save supersedes it, as Redis kills
		// its saving child.
		s.log.Info("background save abandoned: the data was flushed meanwhile", "path", path)
		return nil
	}
	if err != nil {
		s.persist.lastStatusOK.Store(false)
		if background {
			s.persist.lastBgStatusOK.Store(false)
		}
		s.log.Error("snapshot failed", "path", path, "error", err)
		// The reason, with its paths, goes to the log only; the client gets
		// Redis's plain "-ERR".
		return errSaveFailed
	}
	s.ks.ResetDirty(st.Dirty)
	s.persist.lastSave.Store(time.Now().Unix())
	s.persist.lastStatusOK.Store(true)
	// Any successful save clears a background failure, as Redis's rdbSave
	// does: writes are accepted again.
	s.persist.lastBgStatusOK.Store(true)
	s.persist.saves.Add(1)
	s.log.Info("snapshot saved", "path", path, "keys", st.Keys, "bytes", st.Bytes, "duration", time.Since(start).Round(time.Microsecond))
	return nil
}

// Snapshot implements core.Server.
func (s *Server) Snapshot() ([]byte, error) {
	data, _, _, err := s.encodeSnapshot()
	return data, err
}

// SaveFlushed implements core.Server for FLUSHALL.
func (s *Server) SaveFlushed() error {
	s.persist.flushes.Add(1)
	if !s.persistenceOn() || len(s.Config().Save) == 0 {
		return nil
	}
	s.persist.mu.Lock()
	defer s.persist.mu.Unlock()
	return s.saveLocked(false)
}

// BackgroundSave starts a snapshot in the background (BGSAVE); commands keep
// being served meanwhile (see WriteSnapshot).
func (s *Server) BackgroundSave() error {
	if !s.persistenceOn() {
		return core.NewError("ERR persistence is disabled (dbfilename is empty)")
	}
	if !s.persist.bgInProgress.CompareAndSwap(false, true) {
		return errSaveInProgress
	}
	s.persist.bgStarted.Store(time.Now().Unix())
	s.persist.bgWG.Add(1)
	go func() {
		defer s.persist.bgWG.Done()
		defer s.persist.bgInProgress.Store(false)
		start := time.Now()
		s.persist.mu.Lock()
		defer s.persist.mu.Unlock()
		s.saveLocked(true)
		s.persist.lastBgDuration.Store(int64(time.Since(start).Seconds()))
	}()
	return nil
}

// LastSave implements core.Server.
func (s *Server) LastSave() time.Time { return time.Unix(s.persist.lastSave.Load(), 0) }

// autoSave applies the save rules, as Redis's serverCron does.
func (s *Server) autoSave() {
	if !s.persistenceOn() || s.persist.bgInProgress.Load() {
		return
	}
	cfg := s.Config()
	now := time.Now().Unix()
	dirty := s.ks.Dirty()
	for _, r := range cfg.Save {
		if dirty < r.Changes || dirty == 0 || now-s.persist.lastSave.Load() < r.Seconds {
			continue
		}
		// After a failure, retry no sooner than 5 seconds later.
		if !s.persist.lastStatusOK.Load() && now-s.persist.lastAttempt.Load() < 5 {
			continue
		}
		s.log.Info("saving", "changes", dirty, "seconds", r.Seconds)
		s.BackgroundSave()
		return
	}
}

// loadSnapshot loads the snapshot if there is one: an RDB file of any
// Redis version, or redmod's first format, which is then saved again as
// RDB. A missing file starts empty; a damaged one stops start-up, and is
// never overwritten; a file holding a type no module of this binary
// provides stops start-up with the module to build in.
func (s *Server) loadSnapshot() error {
	if !s.persistenceOn() {
		return nil
	}
	s.removeStaleTemps(s.Config().Dir)
	path := s.snapshotPath()
	data, err := os.ReadFile(path)
	legacy := false
	if errors.Is(err, os.ErrNotExist) && s.Config().DBFilename == DefaultDBFilename {
		old := filepath.Join(s.Config().Dir, legacySnapshotName)
		if d, e := os.ReadFile(old); e == nil {
			s.log.Info("loading the snapshot of redmod's previous format; it will be saved as RDB", "path", old, "rdb", path)
			data, err, path, legacy = d, nil, old, true
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		s.log.Info("no snapshot, starting empty", "path", path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading snapshot %s: %w", path, err)
	}
	start := time.Now()
	var loaded int
	err = s.ks.Update(func(ks *core.Keyspace) error {
		var err error
		if rdb.IsLegacy(data) {
			legacy = true
			loaded, err = s.loadLegacyLocked(ks, data)
			return err
		}
		loaded, err = s.loadRDBLocked(ks, data, false)
		return err
	})
	var missing *rdb.MissingTypeError
	switch {
	case errors.As(err, &missing):
		return fmt.Errorf("cannot load snapshot %s: %w", path, err)
	case err != nil && (errors.Is(err, rdb.ErrCorrupt) || errors.Is(err, core.ErrCorrupt)):
		return fmt.Errorf("snapshot %s is damaged, refusing to start (move it away to start empty): %w", path, err)
	case err != nil:
		return fmt.Errorf("cannot load snapshot %s: %w", path, err)
	}
	s.log.Info("snapshot loaded", "path", path, "keys", loaded, "duration", time.Since(start).Round(time.Microsecond))
	if legacy {
		s.persist.mu.Lock()
		defer s.persist.mu.Unlock()
		if err := s.saveLocked(false); err != nil {
			return fmt.Errorf("saving the snapshot of %s as RDB: %w", path, err)
		}
	}
	return nil
}

// loadImage adds the keys of a snapshot image (RDB, or redmod's previous
// format) to ks, whose every lock the caller holds, and the state of the
// modules it holds. It returns how many keys it loaded; keys already
// expired are skipped.
func (s *Server) loadImage(ks *core.Keyspace, data []byte, exclusive bool) (loaded int, legacy bool, err error) {
	if rdb.IsLegacy(data) {
		loaded, err = s.loadLegacyLocked(ks, data)
		return loaded, true, err
	}
	loaded, err = s.loadRDBLocked(ks, data, exclusive)
	return loaded, false, err
}

// loadRDBLocked loads an RDB file's keys and module state into ks, whose
// every lock the caller holds; keys already expired are left out. With
// exclusive, module state already there (a function library of the same
// name) makes the load fail instead of being replaced.
func (s *Server) loadRDBLocked(ks *core.Keyspace, data []byte, exclusive bool) (int, error) {
	loaded := 0
	info, err := rdb.Load(data, s.rdbPut(ks, &loaded))
	if err == nil {
		err = s.loadModuleState(ks, info, exclusive)
	}
	return loaded, err
}

func (s *Server) loadLegacyLocked(ks *core.Keyspace, data []byte) (int, error) {
	loaded := 0
	_, err := rdb.LoadLegacy(data, s.rdbPut(ks, &loaded))
	return loaded, err
}

func (s *Server) rdbPut(ks *core.Keyspace, loaded *int) func(e *rdb.Entry) error {
	now := ks.Now()
	delay := s.Config().KeyLoadDelay
	return func(e *rdb.Entry) error {
		switch {
		case delay > 0:
			time.Sleep(time.Duration(delay) * time.Microsecond)
		case delay < 0 && *loaded%-delay == 0:
			time.Sleep(time.Microsecond)
		}
		db := ks.DB(e.DB)
		if db == nil {
			return fmt.Errorf("it uses database %d but only %d are configured (databases)", e.DB, ks.NumDBs())
		}
		if e.ExpireAt != 0 && e.ExpireAt <= now && !ks.Replica() {
			// A replica keeps them for its master to delete
			// (core.Keyspace.SetReplica).
			return nil
		}
		db.Adopt(e.Key, e.Value, e.ExpireAt)
		if e.Idle >= 0 {
			db.SetIdleTime(e.Key, e.Idle)
		}
		*loaded++
		return nil
	}
}

// moduleAuxPrefix starts the AUX fields that hold the state of modules
// (core.StatePersister), other than function libraries.
const moduleAuxPrefix = "redmod-"

func (s *Server) statePersisters() []core.Module {
	if s.reg == nil {
		return nil
	}
	var out []core.Module
	for _, m := range s.reg.Modules() {
		if _, ok := m.(core.StatePersister); ok {
			out = append(out, m)
		}
	}
	return out
}

type moduleState struct {
	module string
	rec    core.StateRecord
}

// moduleStates collects the modules' state records, at a snapshot's cut.
func (s *Server) moduleStates(ks *core.Keyspace) []moduleState {
	var out []moduleState
	for _, m := range s.statePersisters() {
		for _, rec := range m.(core.StatePersister).SnapshotState(ks) {
			out = append(out, moduleState{m.Name(), rec})
		}
	}
	return out
}

// writeModuleStates writes the modules' state records: function libraries
// as FUNCTION2 records, the rest as AUX fields.
func writeModuleStates(w *rdb.Writer, states []moduleState) error {
	for _, st := range states {
		var err error
		if st.rec.Kind == "function" {
			err = w.Function(st.rec.Data)
		} else {
			err = w.Aux(moduleAuxPrefix+st.module+"-"+st.rec.Kind, string(st.rec.Data))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// loadModuleState hands the modules their state records.
func (s *Server) loadModuleState(ks *core.Keyspace, info *rdb.Info, exclusive bool) error {
	mods := s.statePersisters()
	var fnOwner core.StatePersister
	for _, m := range mods {
		p := m.(core.StatePersister)
		prefix := moduleAuxPrefix + m.Name() + "-"
		for k, v := range info.Aux {
			if strings.HasPrefix(k, prefix) {
				if err := p.LoadState(ks, core.StateRecord{Kind: k[len(prefix):], Data: []byte(v), Exclusive: exclusive}); err != nil {
					return fmt.Errorf("module %s: %w", m.Name(), err)
				}
			}
		}
		if m.Name() == "scripting" || fnOwner == nil {
			fnOwner = p
		}
	}
	if len(info.FunctionCodes) == 0 {
		return nil
	}
	if fnOwner == nil {
		s.log.Warn("the snapshot holds function libraries, which were skipped (no module keeps them)", "libraries", info.Functions)
		return nil
	}
	for _, code := range info.FunctionCodes {
		if err := fnOwner.LoadState(ks, core.StateRecord{Kind: "function", Data: []byte(code), Exclusive: exclusive}); err != nil {
			return fmt.Errorf("function library: %w", err)
		}
	}
	return nil
}
