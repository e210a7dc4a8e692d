package host

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc64"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redmod/redmod/core"
)

// Snapshot file layout (all integers varints unless noted):
//
//	"REDMOD" version
//	type count, type names      — the table that entries refer to
//	0xFE db                     — entries that follow belong to db
//	0x01 type key expire value  — one key (expire: unix ms, 0 = none)
//	0xFF                        — end
//	CRC-64/ECMA of everything before, 8 bytes little endian
//
// Each value is encoded by its type's own AppendSnapshot and decoded by the
// Decode of the type registered under its name, so a module's new type
// persists without changes here.
const (
	snapshotMagic   = "REDMOD"
	snapshotVersion = 1
	opSelectDB      = 0xFE
	opEntry         = 0x01
	opEOF           = 0xFF
)

var crcTable = crc64.MakeTable(crc64.ECMA)

var errSaveInProgress = core.NewError("ERR Background save already in progress")

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
}

func (s *Server) persistenceOn() bool {
	cfg := s.Config()
	return cfg.DBFilename != ""
}

func (s *Server) snapshotPath() string {
	cfg := s.Config()
	return filepath.Join(cfg.Dir, cfg.DBFilename)
}

// encodeSnapshot encodes the whole keyspace. It holds every lock shared
// while it encodes, so the snapshot is a single point in time; writing to
// disk happens after the locks are released.
func (s *Server) encodeSnapshot() (data []byte, dirty int64, keys int) {
	var body []byte
	typeIndex := map[*core.Type]uint64{}
	var typeNames []string
	s.ks.View(func(ks *core.Keyspace) error {
		dirty = ks.Dirty()
		for i := 0; i < ks.NumDBs(); i++ {
			db := ks.DB(i)
			if db.Len() == 0 {
				continue
			}
			body = append(body, opSelectDB)
			body = core.AppendUvarint(body, uint64(i))
			db.Range(func(key string, v core.Value, exp int64) bool {
				t := v.Type()
				idx, ok := typeIndex[t]
				if !ok {
					idx = uint64(len(typeNames))
					typeIndex[t] = idx
					typeNames = append(typeNames, t.Name)
				}
				body = append(body, opEntry)
				body = core.AppendUvarint(body, idx)
				body = core.AppendUvarint(body, uint64(len(key)))
				body = append(body, key...)
				body = core.AppendVarint(body, exp)
				lenAt := len(body)
				body = v.AppendSnapshot(body)
				// The payload is length-prefixed so that a decoder reads
				// exactly its own bytes; shift it right to make room.
				payloadLen := len(body) - lenAt
				var prefix [binary.MaxVarintLen64]byte
				pn := binary.PutUvarint(prefix[:], uint64(payloadLen))
				body = append(body, prefix[:pn]...)
				copy(body[lenAt+pn:], body[lenAt:lenAt+payloadLen])
				copy(body[lenAt:], prefix[:pn])
				keys++
				return true
			})
		}
		return nil
	})
	head := []byte(snapshotMagic)
	head = core.AppendUvarint(head, snapshotVersion)
	head = core.AppendUvarint(head, uint64(len(typeNames)))
	for _, n := range typeNames {
		head = core.AppendBytes(head, []byte(n))
	}
	data = append(head, body...)
	data = append(data, opEOF)
	data = binary.LittleEndian.AppendUint64(data, crc64.Checksum(data, crcTable))
	return data, dirty, keys
}

// writeFileAtomic writes data to a temporary file in the target's folder,
// syncs it, renames it over the target and syncs the folder, so that a crash
// at any point leaves either the old snapshot or the new one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, fmt.Sprintf("temp-%d.rdm", os.Getpid()))
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
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
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
	data, dirty, keys := s.encodeSnapshot()
	path := s.snapshotPath()
	if err := writeFileAtomic(path, data); err != nil {
		s.persist.lastStatusOK.Store(false)
		if background {
			s.persist.lastBgStatusOK.Store(false)
		}
		s.log.Error("snapshot failed", "path", path, "error", err)
		return core.NewError("ERR " + err.Error())
	}
	s.ks.ResetDirty(dirty)
	s.persist.lastSave.Store(time.Now().Unix())
	s.persist.lastStatusOK.Store(true)
	if background {
		s.persist.lastBgStatusOK.Store(true)
	}
	s.persist.saves.Add(1)
	s.log.Info("snapshot saved", "path", path, "keys", keys, "bytes", len(data), "duration", time.Since(start).Round(time.Microsecond))
	return nil
}

// BackgroundSave starts a snapshot in the background (BGSAVE); commands keep
// being served, and only write commands wait while the keyspace is encoded.
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

// loadSnapshot loads the snapshot if there is one. A missing file starts
// empty; a damaged one stops start-up, and is never overwritten.
func (s *Server) loadSnapshot() error {
	if !s.persistenceOn() {
		return nil
	}
	path := s.snapshotPath()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		s.log.Info("no snapshot, starting empty", "path", path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading snapshot %s: %w", path, err)
	}
	start := time.Now()
	n, err := decodeSnapshot(data, s.ks)
	if err != nil {
		return fmt.Errorf("snapshot %s is damaged, refusing to start (move it away to start empty): %w", path, err)
	}
	s.log.Info("snapshot loaded", "path", path, "keys", n, "duration", time.Since(start).Round(time.Microsecond))
	return nil
}

// decodeSnapshot checks and loads a snapshot into ks, returning the number
// of keys loaded. Keys already expired are skipped.
func decodeSnapshot(data []byte, ks *core.Keyspace) (int, error) {
	if len(data) < len(snapshotMagic)+2+8 || !bytes.HasPrefix(data, []byte(snapshotMagic)) {
		return 0, errors.New("not a redmod snapshot (bad header)")
	}
	body, sum := data[:len(data)-8], binary.LittleEndian.Uint64(data[len(data)-8:])
	if crc64.Checksum(body, crcTable) != sum {
		return 0, errors.New("checksum mismatch (truncated or corrupted)")
	}
	r := core.NewSnapshotReader(body[len(snapshotMagic):])
	if v := r.Uvarint(); r.Err() == nil && v != snapshotVersion {
		return 0, fmt.Errorf("unsupported snapshot version %d", v)
	}
	nt := r.Count(1)
	types := make([]*core.Type, nt)
	for i := range types {
		name := string(r.Bytes())
		if r.Err() != nil {
			return 0, r.Err()
		}
		t, ok := core.LookupType(name)
		if !ok {
			return 0, fmt.Errorf("snapshot holds values of type %q, which no module of this binary provides", name)
		}
		types[i] = t
	}
	loaded := 0
	now := ks.Now()
	var db *core.DB
	err := ks.Update(func(ks *core.Keyspace) error {
		for {
			op := r.Byte()
			if r.Err() != nil {
				return r.Err()
			}
			switch op {
			case opEOF:
				return r.Done()
			case opSelectDB:
				i := r.Uvarint()
				if r.Err() != nil {
					return r.Err()
				}
				if db = ks.DB(int(i)); i >= uint64(ks.NumDBs()) || db == nil {
					return fmt.Errorf("snapshot uses database %d but only %d are configured", i, ks.NumDBs())
				}
			case opEntry:
				ti := r.Uvarint()
				key := r.Bytes()
				exp := r.Varint()
				payload := r.Bytes()
				if r.Err() != nil {
					return r.Err()
				}
				if db == nil || ti >= uint64(len(types)) {
					return core.ErrCorrupt
				}
				v, err := types[ti].Decode(payload)
				if err != nil {
					return fmt.Errorf("key %q of type %s: %w", key, types[ti].Name, err)
				}
				if exp != 0 && exp <= now {
					continue
				}
				db.SetWithExpiry(key, v, exp)
				loaded++
			default:
				return fmt.Errorf("unknown record 0x%x", op)
			}
		}
	})
	return loaded, err
}
