package aof

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
)

// LoadOptions says where the append-only files are and how to read them.
type LoadOptions struct {
	// Dir is the data folder (dir); DirName the append-only folder inside
	// it (appenddirname); Prefix the base of the file names
	// (appendfilename).
	Dir, DirName, Prefix string
	// Truncated cuts back a last file that ends mid-command, with a
	// warning, instead of refusing to start (aof-load-truncated).
	Truncated bool
	// Log receives Redis's warnings; nil discards them.
	Log hclog.Logger
	// RDB loads a base file that is an RDB file (it starts with "REDIS").
	RDB func(data []byte) error
	// Command applies one command read from a file. Transactions arrive
	// whole (MULTI, the commands, EXEC) once their EXEC has been read.
	Command func(args [][]byte) error
}

// LoadResult describes what Load found.
type LoadResult struct {
	// Exists is false when the folder holds no manifest and there is no
	// single-file append-only file from before Redis 7.0 to upgrade.
	Exists bool
	// Manifest is the manifest read (or built for an upgraded file).
	Manifest *Manifest
	// Upgraded is set when a pre-7.0 appendonly.aof was moved into the
	// folder as its base; the manifest still has to be written.
	Upgraded bool
	// BaseSize and IncrSize are the sizes of the files loaded.
	BaseSize, IncrSize int64
	// Commands counts the commands replayed.
	Commands int64
}

// ErrDamaged wraps the errors of a file that cannot be loaded.
var ErrDamaged = errors.New("the append only file is damaged")

// Load reads the manifest of o.Dir/o.DirName and replays its base file and
// incremental files in order, as Redis 7.0 loads them. A missing manifest
// with a pre-7.0 o.Dir/o.Prefix file upgrades that file into the folder as
// its base (as Redis does; the caller writes the manifest). A last file
// that ends mid-command (or inside MULTI) is cut back to its last whole
// command when o.Truncated is set; any other damage, or a truncated file
// that is not the last, returns an error wrapping ErrDamaged.
func Load(o LoadOptions) (*LoadResult, error) {
	log := o.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	folder := filepath.Join(o.Dir, o.DirName)
	res := &LoadResult{}
	data, err := os.ReadFile(filepath.Join(folder, manifestName(o.Prefix)))
	switch {
	case errors.Is(err, os.ErrNotExist):
		legacy := filepath.Join(o.Dir, o.Prefix)
		fi, lerr := os.Stat(legacy)
		if lerr != nil || !fi.Mode().IsRegular() {
			return res, nil
		}
		// A Redis 6 single file: it becomes the base of a new folder,
		// keeping its name.
		if err := os.MkdirAll(folder, 0o755); err != nil {
			return nil, err
		}
		if err := os.Rename(legacy, filepath.Join(folder, o.Prefix)); err != nil {
			return nil, fmt.Errorf("moving %s into %s: %w", legacy, folder, err)
		}
		log.Info("upgraded an append only file of an earlier Redis into the multi-part folder", "file", o.Prefix, "folder", folder)
		res.Manifest = &Manifest{Base: &FileInfo{Name: o.Prefix, Seq: 1, Type: TypeBase}}
		res.Upgraded = true
	case err != nil:
		return nil, err
	default:
		m, err := ParseManifest(data)
		if err != nil {
			return nil, err
		}
		res.Manifest = m
	}
	res.Exists = true
	m := res.Manifest
	files := make([]FileInfo, 0, 1+len(m.Incrs))
	if m.Base != nil {
		files = append(files, *m.Base)
	}
	files = append(files, m.Incrs...)
	for i, fi := range files {
		last := i == len(files)-1
		path := filepath.Join(folder, fi.Name)
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			log.Warn("the append log file doesn't exist", "file", fi.Name)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("can't open the append log file %s for reading: %w", fi.Name, err)
		}
		size, n, err := loadFile(f, fi, o, last, log)
		f.Close()
		if err != nil {
			return nil, err
		}
		res.Commands += n
		if fi.Type == TypeBase {
			res.BaseSize = size
		} else {
			res.IncrSize += size
		}
	}
	return res, nil
}

// loadFile replays one file and returns its size once loaded (after any
// cut) and the number of commands it held.
func loadFile(f *os.File, fi FileInfo, o LoadOptions, last bool, log hclog.Logger) (int64, int64, error) {
	head := make([]byte, 5)
	hn, _ := io.ReadFull(f, head)
	if hn == 5 && bytes.Equal(head, []byte("REDIS")) {
		if fi.Type != TypeBase {
			return 0, 0, fmt.Errorf("%w: %s is an RDB file but not the base", ErrDamaged, fi.Name)
		}
		data, err := os.ReadFile(f.Name())
		if err != nil {
			return 0, 0, err
		}
		if o.RDB == nil {
			return 0, 0, fmt.Errorf("%w: %s: RDB base files are not supported here", ErrDamaged, fi.Name)
		}
		if err := o.RDB(data); err != nil {
			return 0, 0, fmt.Errorf("%w: the RDB preamble of %s: %w", ErrDamaged, fi.Name, err)
		}
		return int64(len(data)), 0, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, 0, err
	}
	var n int64
	valid, err := ReadCommands(f, func(args [][]byte) error {
		n++
		return o.Command(args)
	})
	var tr *ErrTruncated
	var fe *FormatError
	switch {
	case errors.As(err, &tr):
		if !last {
			return 0, 0, fmt.Errorf("%w: unexpected end of file reading the append only file %s, which is not the last one (%v); "+
				"make a backup of the folder, then use redis-check-aof --fix <manifest>", ErrDamaged, fi.Name, tr)
		}
		if !o.Truncated {
			return 0, 0, fmt.Errorf("%w: unexpected end of file reading the append only file %s (%v); "+
				"make a backup of the folder, then use redis-check-aof --fix <manifest>, "+
				"or set aof-load-truncated yes and restart", ErrDamaged, fi.Name, tr)
		}
		if tr.InMulti {
			log.Warn("revert incomplete MULTI/EXEC transaction in AOF file", "file", fi.Name)
		}
		log.Warn("!!! Warning: short read while loading the AOF file !!!", "file", fi.Name)
		log.Warn("!!! Truncating the AOF at offset !!!", "file", fi.Name, "offset", tr.Offset)
		if err := truncateFile(f.Name(), tr.Offset); err != nil {
			return 0, 0, fmt.Errorf("error truncating the AOF file %s: %w", fi.Name, err)
		}
		log.Warn("AOF loaded anyway because aof-load-truncated is enabled", "file", fi.Name)
		return tr.Offset, n, nil
	case errors.As(err, &fe):
		return 0, 0, fmt.Errorf("%w: %s: %v; make a backup of the folder, then use redis-check-aof --fix <manifest>", ErrDamaged, fi.Name, fe)
	case err != nil:
		return 0, 0, fmt.Errorf("loading %s: %w", fi.Name, err)
	}
	return valid, n, nil
}

func truncateFile(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return err
	}
	return f.Sync()
}
