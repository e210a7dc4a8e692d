package aof

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/redmod/redmod/internal/fsync"
)

// Fsync is the appendfsync policy.
type Fsync int

// The appendfsync policies.
const (
	// FsyncEverySec writes before the reply and syncs once a second in
	// the background: a process crash loses nothing acknowledged, a power
	// loss about a second.
	FsyncEverySec Fsync = iota
	// FsyncAlways writes and syncs before the reply (group commit: every
	// waiting client shares one fsync).
	FsyncAlways
	// FsyncNo writes before the reply and leaves syncing to the system.
	FsyncNo
)

// ParseFsync reads an appendfsync value.
func ParseFsync(s string) (Fsync, bool) {
	switch s {
	case "always":
		return FsyncAlways, true
	case "everysec":
		return FsyncEverySec, true
	case "no":
		return FsyncNo, true
	}
	return 0, false
}

func (p Fsync) String() string {
	switch p {
	case FsyncAlways:
		return "always"
	case FsyncNo:
		return "no"
	}
	return "everysec"
}

// Options configure a Log.
type Options struct {
	// Dir, DirName and Prefix are dir, appenddirname and appendfilename.
	Dir, DirName, Prefix string
	// Fsync is the appendfsync policy; it may change with SetFsync.
	Fsync Fsync
	// Log receives errors and notices; nil discards them.
	Log hclog.Logger
}

// Log is an open append-only folder: it appends to the newest incremental
// file, syncs as the policy says, and swaps in a new base after a rewrite.
//
// Offsets are the Log's own: the number of bytes appended since it was
// opened. Append returns the offset after the bytes; Flush waits until the
// bytes up to an offset are written (and synced, with FsyncAlways).
type Log struct {
	o      Options
	folder string
	log    hclog.Logger

	mu       sync.Mutex // buf and appended
	buf      []byte
	spare    []byte
	appended int64

	// wmu is held by the one goroutine writing to the file (the leader
	// of a group commit), and while the files change.
	wmu      sync.Mutex
	f        *os.File
	fileSize int64 // bytes in f
	// oldF is the previous incremental file after a rewrite's cut, until
	// the next sync has synced its last bytes too.
	oldF     *os.File
	manifest *Manifest

	written atomic.Int64
	synced  atomic.Int64
	policy  atomic.Int32

	// writeErr and syncErr hold the last write or sync error while it
	// lasts (aof_last_write_status:err); nil once a write (a sync)
	// succeeds again.
	writeErr, syncErr atomic.Pointer[error]
	// syncMu is held by a background sync, so that the file it syncs is
	// not closed under it.
	syncMu sync.Mutex

	syncing   atomic.Bool // a background fsync runs
	delayed   atomic.Int64
	baseSize  atomic.Int64
	incrSize  atomic.Int64 // bytes of the incremental files, for the auto-rewrite
	stop      chan struct{}
	stopped   sync.WaitGroup
	closeOnce sync.Once
}

// Open opens the folder for appending. m is the manifest found at load
// (nil when there was none): the newest incremental file is continued,
// or a new one is created; a folder without any file gets a new base from
// writeBase first, as Redis creates one when it starts empty. The manifest
// is written before Open returns.
func Open(o Options, m *Manifest, writeBase func(w io.Writer) (rdb bool, err error)) (*Log, error) {
	l := &Log{o: o, folder: filepath.Join(o.Dir, o.DirName), log: o.Log, stop: make(chan struct{})}
	if l.log == nil {
		l.log = hclog.NewNullLogger()
	}
	l.policy.Store(int32(o.Fsync))
	if err := os.MkdirAll(l.folder, 0o755); err != nil {
		return nil, fmt.Errorf("can't create the append-only folder %s: %w", l.folder, err)
	}
	if m == nil {
		m = &Manifest{}
	} else {
		m = m.Clone()
	}
	if m.Base == nil && len(m.Incrs) == 0 && writeBase != nil {
		name, size, err := l.writeBaseFile(m, writeBase)
		if err != nil {
			return nil, err
		}
		m.Base = &FileInfo{Name: name, Seq: 1, Type: TypeBase}
		l.baseSize.Store(size)
	} else if m.Base != nil {
		if fi, err := os.Stat(filepath.Join(l.folder, m.Base.Name)); err == nil {
			l.baseSize.Store(fi.Size())
		}
	}
	var incrSize int64
	for _, fi := range m.Incrs {
		if st, err := os.Stat(filepath.Join(l.folder, fi.Name)); err == nil {
			incrSize += st.Size()
		}
	}
	if len(m.Incrs) == 0 {
		m.Incrs = append(m.Incrs, FileInfo{Name: incrName(o.Prefix, 1), Seq: 1, Type: TypeIncr})
	}
	last := m.Incrs[len(m.Incrs)-1]
	f, err := os.OpenFile(filepath.Join(l.folder, last.Name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("can't open the append-only file %s: %w", last.Name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	l.f, l.fileSize = f, st.Size()
	l.incrSize.Store(incrSize)
	l.manifest = m
	if err := l.writeManifest(m); err != nil {
		f.Close()
		return nil, err
	}
	l.deleteHistory()
	l.stopped.Add(1)
	go l.everySecond()
	return l, nil
}

// Append adds bytes (whole commands) to the log and returns the offset
// after them. It does not wait: Flush does.
func (l *Log) Append(p []byte) int64 {
	l.mu.Lock()
	l.buf = append(l.buf, p...)
	l.appended += int64(len(p))
	off := l.appended
	l.mu.Unlock()
	return off
}

// Appended returns the offset after the last byte appended.
func (l *Log) Appended() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.appended
}

// SetFsync changes the policy.
func (l *Log) SetFsync(p Fsync) { l.policy.Store(int32(p)) }

// Policy returns the current policy.
func (l *Log) Policy() Fsync { return Fsync(l.policy.Load()) }

// Flush returns once the bytes up to off are written to the file and, with
// FsyncAlways, synced. Whoever finds them unwritten writes everything
// appended so far, so concurrent callers share writes and syncs (group
// commit). An error means the bytes are not on disk; they stay buffered
// and are retried.
func (l *Log) Flush(off int64) error {
	always := l.Policy() == FsyncAlways
	if l.done(off, always) {
		return nil
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.done(off, always) {
		return nil
	}
	if err := l.writeLocked(); err != nil {
		return err
	}
	if always {
		return l.syncLocked()
	}
	return nil
}

func (l *Log) done(off int64, synced bool) bool {
	if synced {
		return l.synced.Load() >= off
	}
	return l.written.Load() >= off
}

// writeLocked writes the buffer to the file; l.wmu is held. On failure
// the file is cut back to its size before the write, so that it never ends
// in half a command, and the bytes stay buffered.
func (l *Log) writeLocked() error {
	l.mu.Lock()
	data, end := l.buf, l.appended
	l.buf = l.spare[:0]
	l.spare = nil
	l.mu.Unlock()
	if len(data) == 0 {
		l.spare = data
		return nil
	}
	n, err := l.f.Write(data)
	if err != nil {
		if n > 0 {
			if terr := l.f.Truncate(l.fileSize); terr != nil {
				// The half command cannot be taken back: keep it and
				// send only the rest later, as Redis does.
				l.log.Warn("could not remove a partial write from the append only file", "error", terr)
				l.fileSize += int64(n)
				l.incrSize.Add(int64(n))
				data = data[n:]
			}
		}
		l.mu.Lock()
		l.buf = append(data, l.buf...)
		l.mu.Unlock()
		return l.setFailed(&l.writeErr, fmt.Errorf("writing the append only file: %w", err))
	}
	l.fileSize += int64(n)
	l.incrSize.Add(int64(n))
	if cap(data) <= 4<<20 {
		l.spare = data[:0]
	}
	l.written.Store(end)
	l.setOK(&l.writeErr)
	return nil
}

// syncLocked syncs what was written; l.wmu is held.
func (l *Log) syncLocked() error {
	w := l.written.Load()
	if l.synced.Load() >= w {
		return nil
	}
	if l.oldF != nil {
		if err := datasync(l.oldF); err != nil {
			return l.setFailed(&l.syncErr, fmt.Errorf("syncing the append only file: %w", err))
		}
		l.syncMu.Lock()
		l.oldF.Close()
		l.oldF = nil
		l.syncMu.Unlock()
	}
	if err := datasync(l.f); err != nil {
		return l.setFailed(&l.syncErr, fmt.Errorf("syncing the append only file: %w", err))
	}
	l.synced.Store(w)
	l.setOK(&l.syncErr)
	return nil
}

func (l *Log) setFailed(p *atomic.Pointer[error], err error) error {
	if l.Err() == nil {
		l.log.Error("error writing to the append only file; write commands are refused until it works again", "error", err)
	}
	p.Store(&err)
	return err
}

func (l *Log) setOK(p *atomic.Pointer[error]) {
	if p.Load() != nil {
		p.Store(nil)
		if l.Err() == nil {
			l.log.Warn("append only file write error resolved, write commands are accepted again")
		}
	}
}

func (l *Log) lastErr() error {
	if p := l.writeErr.Load(); p != nil {
		return *p
	}
	if p := l.syncErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Err returns the error of the last failed write or sync while the log is
// failing (aof_last_write_status:err), nil when it works.
func (l *Log) Err() error { return l.lastErr() }

// Retry writes and syncs what is buffered, as the once-a-second task does;
// a failing disk that works again clears Err.
func (l *Log) Retry() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if err := l.writeLocked(); err != nil {
		return err
	}
	if l.Policy() != FsyncNo || l.syncErr.Load() != nil {
		return l.syncLocked()
	}
	return nil
}

// everySecond writes what no reply waited for (expiry, background work)
// and, with FsyncEverySec, syncs in the background; a failed write is
// retried.
func (l *Log) everySecond() {
	defer l.stopped.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		l.Tick()
	}
}

// Tick is the once-a-second work: write what is buffered and, with
// FsyncEverySec, start a background sync unless one still runs.
func (l *Log) Tick() {
	policy := l.Policy()
	l.wmu.Lock()
	err := l.writeLocked()
	if err == nil && (l.syncErr.Load() != nil || l.oldF != nil && policy != FsyncNo) {
		// Writes work again but the last sync failed: sync now.
		err = l.syncLocked()
	}
	f := l.f
	w := l.written.Load()
	l.wmu.Unlock()
	if err != nil || policy != FsyncEverySec || l.synced.Load() >= w {
		return
	}
	if !l.syncing.CompareAndSwap(false, true) {
		l.delayed.Add(1)
		return
	}
	l.stopped.Add(1)
	go func() {
		defer l.stopped.Done()
		defer l.syncing.Store(false)
		l.syncMu.Lock()
		defer l.syncMu.Unlock()
		if l.f != f && l.synced.Load() >= w {
			return // the file was switched, and synced, meanwhile
		}
		if err := datasync(f); err != nil {
			l.setFailed(&l.syncErr, fmt.Errorf("syncing the append only file: %w", err))
			return
		}
		l.setOK(&l.syncErr)
		for {
			s := l.synced.Load()
			if s >= w || l.synced.CompareAndSwap(s, w) {
				break
			}
		}
	}()
}

// DelayedFsyncs counts the seconds a sync was skipped because the previous
// one still ran (aof_delayed_fsync).
func (l *Log) DelayedFsyncs() int64 { return l.delayed.Load() }

// Syncing reports whether a background sync runs (aof_pending_bio_fsync).
func (l *Log) Syncing() bool { return l.syncing.Load() }

// Buffered is the number of bytes appended and not yet written
// (aof_buffer_length).
func (l *Log) Buffered() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(len(l.buf))
}

// BaseSize is the size of the base file; IncrSize the bytes of the
// incremental files written since it (aof_base_size, aof_current_size is
// their sum).
func (l *Log) BaseSize() int64 { return l.baseSize.Load() }

// IncrSize returns the bytes of the incremental files.
func (l *Log) IncrSize() int64 { return l.incrSize.Load() }

// Manifest returns a copy of the current manifest.
func (l *Log) Manifest() *Manifest {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	return l.manifest.Clone()
}

// Close writes and syncs what is buffered and closes the file.
func (l *Log) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.stop)
		l.stopped.Wait()
		l.wmu.Lock()
		defer l.wmu.Unlock()
		err = l.writeLocked()
		if l.oldF != nil {
			if serr := datasync(l.oldF); err == nil {
				err = serr
			}
			l.oldF.Close()
			l.oldF = nil
		}
		if err == nil {
			if serr := datasync(l.f); serr != nil {
				err = serr
			} else {
				l.synced.Store(l.written.Load())
			}
		}
		if cerr := l.f.Close(); err == nil {
			err = cerr
		}
	})
	return err
}

// Rewrite is a rewrite in progress: the new base is written from a
// snapshot taken at the cut, while new commands go to a new incremental
// file.
type Rewrite struct {
	l        *Log
	newIncr  FileInfo
	replaced []FileInfo
	next     *os.File // the new incremental file until Cut
}

// Start opens the folder for a log that starts now, as CONFIG SET
// appendonly yes does: new commands go to a new incremental file at once,
// but the manifest on disk changes only when the returned rewrite's
// Finish has written a base holding the data as of now (the files listed
// before become history then). The caller must make sure nothing is
// appended before the cut it snapshots.
func Start(o Options) (*Log, *Rewrite, error) {
	m, err := ReadManifest(o)
	if err != nil {
		return nil, nil, err
	}
	l := &Log{o: o, folder: filepath.Join(o.Dir, o.DirName), log: o.Log, stop: make(chan struct{})}
	if l.log == nil {
		l.log = hclog.NewNullLogger()
	}
	l.policy.Store(int32(o.Fsync))
	if err := os.MkdirAll(l.folder, 0o755); err != nil {
		return nil, nil, fmt.Errorf("can't create the append-only folder %s: %w", l.folder, err)
	}
	seq := m.lastIncrSeq() + 1
	fi := FileInfo{Name: incrName(o.Prefix, seq), Seq: seq, Type: TypeIncr}
	f, err := os.OpenFile(filepath.Join(l.folder, fi.Name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("can't open the append-only file %s: %w", fi.Name, err)
	}
	replaced := append([]FileInfo(nil), m.Incrs...)
	if m.Base != nil {
		replaced = append(replaced, *m.Base)
	}
	m.Incrs = append(m.Incrs, fi)
	l.f, l.manifest = f, m
	l.stopped.Add(1)
	go l.everySecond()
	return l, &Rewrite{l: l, newIncr: fi, replaced: replaced}, nil
}

// ReadManifest reads the folder's manifest; a folder without one gives an
// empty manifest.
func ReadManifest(o Options) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(o.Dir, o.DirName, manifestName(o.Prefix)))
	if errors.Is(err, os.ErrNotExist) {
		return &Manifest{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseManifest(data)
}

// RewriteClosed writes a new base while no log is open (BGREWRITEAOF with
// appendonly no): the manifest then lists that base alone, and the files
// it listed before are deleted.
func RewriteClosed(o Options, write func(w io.Writer) (rdb bool, err error)) error {
	m, err := ReadManifest(o)
	if err != nil {
		return err
	}
	l := &Log{o: o, folder: filepath.Join(o.Dir, o.DirName), log: o.Log, manifest: m}
	if l.log == nil {
		l.log = hclog.NewNullLogger()
	}
	if err := os.MkdirAll(l.folder, 0o755); err != nil {
		return err
	}
	name, _, err := l.writeBaseFile(m, write)
	if err != nil {
		return err
	}
	var seq int64 = 1
	if m.Base != nil {
		seq = m.Base.Seq + 1
	}
	next := &Manifest{Base: &FileInfo{Name: name, Seq: seq, Type: TypeBase}, History: m.History}
	if m.Base != nil {
		next.History = append(next.History, FileInfo{Name: m.Base.Name, Seq: m.Base.Seq, Type: TypeHistory})
	}
	for _, fi := range m.Incrs {
		fi.Type = TypeHistory
		next.History = append(next.History, fi)
	}
	if err := l.writeManifest(next); err != nil {
		return err
	}
	l.manifest = next
	l.deleteHistory()
	return nil
}

// PrepareRewrite starts a rewrite: it creates the next incremental file
// and lists it in the manifest at once (as Redis 7.0 opens a new
// incremental file before it forks), while commands still go to the
// current one until Cut. A crash meanwhile replays the old files, then the
// empty new one.
func (l *Log) PrepareRewrite() (*Rewrite, error) {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	m := l.manifest.Clone()
	seq := m.lastIncrSeq() + 1
	fi := FileInfo{Name: incrName(l.o.Prefix, seq), Seq: seq, Type: TypeIncr}
	f, err := os.OpenFile(filepath.Join(l.folder, fi.Name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("can't open the append-only file %s: %w", fi.Name, err)
	}
	replaced := append([]FileInfo(nil), m.Incrs...)
	if m.Base != nil {
		replaced = append(replaced, *m.Base)
	}
	m.Incrs = append(m.Incrs, fi)
	if err := l.writeManifest(m); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	l.manifest = m
	return &Rewrite{l: l, newIncr: fi, replaced: replaced, next: f}, nil
}

// Cut switches the log to the rewrite's new incremental file: what was
// appended before goes to the old file (synced by the next sync), what is
// appended from now on to the new one. The caller makes sure nothing is
// appended meanwhile (it holds the locks every append needs) and takes
// its snapshot at the same moment; Cut only writes what is buffered, it
// does not sync, so that the moment stays short.
func (r *Rewrite) Cut() error {
	l := r.l
	if r.next == nil {
		return nil
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if err := l.writeLocked(); err != nil {
		return err
	}
	l.syncMu.Lock()
	if l.oldF != nil {
		// A previous cut's file was never synced: do it now.
		datasync(l.oldF)
		l.oldF.Close()
	}
	l.oldF, l.f, l.fileSize = l.f, r.next, 0
	l.syncMu.Unlock()
	r.next = nil
	l.incrSize.Store(0)
	return nil
}

// Abort gives up a rewrite that never reached its cut: the new
// incremental file stays listed (empty) and is used by the next rewrite's
// history.
func (r *Rewrite) Abort() {
	if r.next != nil {
		r.next.Close()
		r.next = nil
	}
}

// Finish writes the new base with write (which reports whether it wrote
// an RDB file) and makes it the base: the files it replaces become history
// in the manifest and are deleted once the manifest is on disk. On error,
// the old base and incremental files stay (the new incremental file is
// kept as one more increment), as after a failed rewrite in Redis.
func (r *Rewrite) Finish(write func(w io.Writer) (rdb bool, err error)) error {
	l := r.l
	m := l.Manifest()
	name, size, err := l.writeBaseFile(m, write)
	if err != nil {
		return err
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	m = l.manifest.Clone()
	var seq int64 = 1
	if m.Base != nil {
		seq = m.Base.Seq + 1
	}
	isReplaced := func(fi FileInfo) bool {
		for _, r := range r.replaced {
			if r.Name == fi.Name {
				return true
			}
		}
		return false
	}
	next := &Manifest{Base: &FileInfo{Name: name, Seq: seq, Type: TypeBase}, History: m.History}
	for _, fi := range r.replaced {
		fi.Type = TypeHistory
		next.History = append(next.History, fi)
	}
	for _, fi := range m.Incrs {
		if !isReplaced(fi) {
			next.Incrs = append(next.Incrs, fi)
		}
	}
	if err := l.writeManifest(next); err != nil {
		os.Remove(filepath.Join(l.folder, name))
		return err
	}
	l.manifest = next
	l.baseSize.Store(size)
	l.deleteHistory()
	return nil
}

// writeBaseFile writes a base file to a temporary name, syncs it and
// renames it to the next base name; it returns that name and the size.
func (l *Log) writeBaseFile(m *Manifest, write func(w io.Writer) (bool, error)) (string, int64, error) {
	tmp := filepath.Join(l.folder, tempBaseName(os.Getpid()))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return "", 0, err
	}
	cw := &countWriter{w: f}
	isRDB, err := write(cw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", 0, fmt.Errorf("writing the new append only base: %w", err)
	}
	var seq int64 = 1
	if m.Base != nil {
		seq = m.Base.Seq + 1
	}
	name := baseName(l.o.Prefix, seq, isRDB)
	if err := os.Rename(tmp, filepath.Join(l.folder, name)); err != nil {
		os.Remove(tmp)
		return "", 0, err
	}
	return name, cw.n, syncDir(l.folder)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeManifest writes m to a temporary file, syncs it, renames it over
// the manifest and syncs the folder, as Redis does.
func (l *Log) writeManifest(m *Manifest) error {
	tmp := filepath.Join(l.folder, "temp-"+manifestName(l.o.Prefix))
	if err := writeSynced(tmp, m.Marshal()); err != nil {
		return fmt.Errorf("writing the AOF manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(l.folder, manifestName(l.o.Prefix))); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the AOF manifest: %w", err)
	}
	return syncDir(l.folder)
}

// deleteHistory removes the history files and writes the manifest again
// without them, as Redis does after a rewrite.
func (l *Log) deleteHistory() {
	if len(l.manifest.History) == 0 {
		return
	}
	for _, fi := range l.manifest.History {
		if err := os.Remove(filepath.Join(l.folder, fi.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			l.log.Warn("could not delete a replaced append-only file", "file", fi.Name, "error", err)
		}
	}
	m := l.manifest.Clone()
	m.History = nil
	if err := l.writeManifest(m); err != nil {
		l.log.Warn("could not write the AOF manifest without the deleted files", "error", err)
		return
	}
	l.manifest = m
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

func syncDir(dir string) error { return fsync.Dir(dir) }
