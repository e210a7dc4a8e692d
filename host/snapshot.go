package host

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
	"unsafe"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/rdb"
)

// Snapshots are taken while serving, without fork (core.Cut): every slot
// is held only for the moment that fixes the point in time, then the image
// is encoded a slot at a time, under that slot's lock for short batches,
// and streamed to its destination, while writers keep the pre-image of a
// key they change before the saver reaches it.

// SnapshotOptions tune WriteSnapshot.
type SnapshotOptions struct {
	// AtCut, when set, runs at the image's point in time, while every slot
	// is held: whatever it records (the offset of a stream of changes, from
	// which an append-only file or a replica continues) matches the image
	// exactly. It must be quick and must not take keyspace locks.
	AtCut func()
	// AOFBase marks the image as the base of an append-only file (the
	// aof-base AUX field).
	AOFBase bool
	// Abort, when set, is asked between batches; true abandons the image
	// with ErrSnapshotAborted.
	Abort func() bool
	// Paced spreads the work while commands are being served (savePacer),
	// for an image nobody waits for.
	Paced bool

	pacer *savePacer // the pacer of a Paced image, when the caller made it
}

// SnapshotStats describes a written image.
type SnapshotStats struct {
	Keys  int   // keys written
	Bytes int64 // size of the image
	Dirty int64 // the change counter at the cut
}

// ErrSnapshotAborted is WriteSnapshot's error when SnapshotOptions.Abort
// stopped it.
var ErrSnapshotAborted = errors.New("snapshot abandoned")

// WriteSnapshot writes an RDB image of every database at one point in time
// to w while commands keep being served. The caller must hold no keyspace
// lock. One image is written at a time: a second call waits for the first.
func (s *Server) WriteSnapshot(w io.Writer, opts SnapshotOptions) (SnapshotStats, error) {
	var st SnapshotStats
	// Written beside the commands: on the other CPU too (procs.go).
	defer backgroundJob()()
	cfg := s.Config()
	// The encoder writes into chunk while a slot's lock is held; chunk goes
	// to w between batches, with no lock held, so a slow disk or peer
	// never holds up a command.
	var chunk bytes.Buffer
	rw := rdb.NewWriter(&chunk)
	rw.SetCompression(cfg.RDBCompression)
	rw.SetChecksum(cfg.RDBChecksum)
	var written int64
	// The saver runs beside the commands on few cores: between batches it
	// lets waiting connections run first, and a paced one rests.
	pause := runtime.Gosched
	if opts.Paced {
		if opts.pacer == nil {
			opts.pacer = newSavePacer(s)
		}
		pause = opts.pacer.pause
	}
	drain := func() error {
		pause()
		if chunk.Len() == 0 {
			return nil
		}
		n, err := w.Write(chunk.Bytes())
		written += int64(n)
		chunk.Reset()
		if err != nil {
			return err
		}
		if opts.Abort != nil && opts.Abort() {
			return ErrSnapshotAborted
		}
		return nil
	}
	aofBase := "0"
	if opts.AOFBase {
		aofBase = "1"
	}
	rw.Header("redis-ver", RedisVersion, "redis-bits", "64",
		"ctime", strconv.FormatInt(time.Now().Unix(), 10),
		"used-mem", strconv.FormatUint(usedMemory(), 10), "aof-base", aofBase)
	// Module state is taken at the cut, so that it matches the keys.
	var states []moduleState
	cut := s.ks.BeginCut(func(ks *core.Keyspace) {
		st.Dirty = ks.Dirty()
		states = s.moduleStates(ks)
		if opts.AtCut != nil {
			opts.AtCut()
		}
	})
	defer cut.Close()
	if err := writeModuleStates(rw, states); err != nil {
		return st, err
	}
	for _, db := range cut.DBs() {
		if err := rw.SelectDB(db.Index, db.Keys, db.Volatile); err != nil {
			return st, err
		}
		err := cut.Range(db.Index, func(key string, v core.Value, exp int64) error {
			st.Keys++
			// The key's bytes are only read, and not kept.
			return rw.Key(unsafe.Slice(unsafe.StringData(key), len(key)), v, exp)
		}, drain)
		if err != nil {
			return st, err
		}
	}
	cut.Close()
	if err := rw.Finish(); err != nil {
		return st, err
	}
	err := drain()
	st.Bytes = written
	return st, err
}

// autoSyncBytes is how much of a snapshot is written between two syncs of
// its file (rdb-save-incremental-fsync), Redis's REDIS_AUTOSYNC_BYTES.
const autoSyncBytes = 4 << 20

// autoSync syncs a snapshot's file every autoSyncBytes written, as Redis's
// rdb-save-incremental-fsync: the system writes the file out as it grows
// instead of all at once at the final sync (or when its dirty pages
// expire), which stalls other writers to the disk for long.
type autoSync struct {
	f     *os.File
	n     int
	pacer *savePacer // told of the time spent syncing, which is no work
}

func (a *autoSync) Write(p []byte) (int, error) {
	n, err := a.f.Write(p)
	a.n += n
	if err == nil && a.n >= autoSyncBytes {
		a.n = 0
		start := time.Now()
		err = a.f.Sync()
		if a.pacer != nil {
			a.pacer.waited(time.Since(start))
		}
	}
	return n, err
}

// encodeSnapshot returns the image WriteSnapshot writes, in memory.
func (s *Server) encodeSnapshot() (data []byte, dirty int64, keys int, err error) {
	var buf bytes.Buffer
	st, err := s.WriteSnapshot(&buf, SnapshotOptions{})
	return buf.Bytes(), st.Dirty, st.Keys, err
}

// saveFile writes a snapshot to a temporary file in path's folder through
// a buffered writer, syncs it, renames it over path and syncs the folder,
// so that a crash at any point leaves either the old snapshot or the new
// one; paced is SnapshotOptions.Paced. A save whose data predates a FLUSHALL (still reports false) is
// abandoned, as soon as that is seen: the FLUSHALL's own save writes the
// emptied data.
func (s *Server) saveFile(path string, paced bool, still func() bool) (SnapshotStats, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return SnapshotStats{}, err
	}
	tmp := filepath.Join(dir, tempName(os.Getpid()))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return SnapshotStats{}, err
	}
	fail := func(err error) (SnapshotStats, error) {
		f.Close()
		os.Remove(tmp)
		return SnapshotStats{}, err
	}
	opts := SnapshotOptions{Paced: paced, Abort: func() bool { return !still() }}
	var out io.Writer = f
	if cfg := s.Config(); cfg.compatBool("rdb-save-incremental-fsync") {
		if paced {
			opts.pacer = newSavePacer(s)
		}
		out = &autoSync{f: f, pacer: opts.pacer}
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	st, err := s.WriteSnapshot(bw, opts)
	if errors.Is(err, ErrSnapshotAborted) {
		return fail(errSaveAbandoned)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return SnapshotStats{}, err
	}
	if !still() {
		os.Remove(tmp)
		return SnapshotStats{}, errSaveAbandoned
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return SnapshotStats{}, err
	}
	d, err := os.Open(dir)
	if err != nil {
		return st, err
	}
	defer d.Close()
	return st, d.Sync()
}
