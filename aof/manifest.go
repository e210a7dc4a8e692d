// Package aof reads and writes Redis 7.0's multi-part append-only file: a
// folder (appenddirname) holding a manifest, one base file (an RDB file or
// RESP commands) and incremental files of RESP commands, named and listed
// exactly as Redis names and lists them, so that redis-server and
// redis-check-aof read redmod's folder and redmod reads Redis's.
//
// The package knows the file formats and the write discipline (group commit,
// fsync policies, atomic manifest swaps); what the commands mean and how the
// keyspace is snapshotted is the host's business, passed in as functions.
package aof

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redmod/redmod/core"
)

// FileType is a manifest entry's type: base, history or incremental.
type FileType byte

// The manifest's file types, as Redis writes them.
const (
	TypeBase    FileType = 'b'
	TypeHistory FileType = 'h'
	TypeIncr    FileType = 'i'
)

// FileInfo is one line of the manifest.
type FileInfo struct {
	Name string
	Seq  int64
	Type FileType
}

// Manifest lists the files of an append-only folder: at most one base, the
// incremental files in ascending sequence, and history files (a base and
// incremental files a rewrite replaced, deleted once the new manifest is
// on disk).
type Manifest struct {
	Base    *FileInfo
	Incrs   []FileInfo
	History []FileInfo
}

// ErrManifest wraps every manifest parsing error.
var ErrManifest = errors.New("invalid AOF manifest")

// maxManifestLine is the longest manifest line Redis accepts.
const maxManifestLine = 1024

// ParseManifest reads a manifest with Redis 7.0's rules: one file per line
// as key/value pairs (file, seq, type; unknown keys are allowed), '#' lines
// are comments, quoting as redis.conf's, at most one base, incremental
// sequence numbers strictly increasing, base names only.
func ParseManifest(data []byte) (*Manifest, error) {
	m := &Manifest{}
	var maxSeq int64
	lines := 0
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		var line []byte
		if nl < 0 {
			// Redis reads lines with fgets: a last line without its newline
			// is read as it is, unless it is too long.
			line, data = data, nil
		} else {
			line, data = data[:nl], data[nl+1:]
		}
		if len(line) >= maxManifestLine {
			return nil, fmt.Errorf("%w: the AOF manifest file contains too long line", ErrManifest)
		}
		if len(line) > 0 && line[0] == '#' {
			continue
		}
		lines++
		t := strings.Trim(string(line), " \t\r\n")
		if t == "" {
			return nil, fmt.Errorf("%w: invalid AOF manifest file format", ErrManifest)
		}
		argv, ok := core.SplitArgs(t)
		if !ok || len(argv) < 6 || len(argv)%2 != 0 {
			return nil, fmt.Errorf("%w: invalid AOF manifest file format", ErrManifest)
		}
		var fi FileInfo
		for i := 0; i < len(argv); i += 2 {
			switch strings.ToLower(argv[i]) {
			case "file":
				if strings.ContainsRune(argv[i+1], '/') {
					return nil, fmt.Errorf("%w: file can't be a path, just a filename", ErrManifest)
				}
				fi.Name = argv[i+1]
			case "seq":
				fi.Seq, _ = strconv.ParseInt(argv[i+1], 10, 64)
			case "type":
				if len(argv[i+1]) > 0 {
					fi.Type = FileType(argv[i+1][0])
				}
			}
		}
		if fi.Name == "" || fi.Seq <= 0 || fi.Type == 0 {
			return nil, fmt.Errorf("%w: invalid AOF manifest file format", ErrManifest)
		}
		switch fi.Type {
		case TypeBase:
			if m.Base != nil {
				return nil, fmt.Errorf("%w: found duplicate base file information", ErrManifest)
			}
			b := fi
			m.Base = &b
		case TypeHistory:
			m.History = append(m.History, fi)
		case TypeIncr:
			if fi.Seq <= maxSeq {
				return nil, fmt.Errorf("%w: found a non-monotonic sequence number", ErrManifest)
			}
			maxSeq = fi.Seq
			m.Incrs = append(m.Incrs, fi)
		default:
			return nil, fmt.Errorf("%w: unknown AOF file type", ErrManifest)
		}
	}
	if lines == 0 {
		return nil, fmt.Errorf("%w: found an empty AOF manifest", ErrManifest)
	}
	return m, nil
}

// Marshal writes the manifest as Redis does: the base, the history files,
// then the incremental files, one "file <name> seq <n> type <t>" line each.
func (m *Manifest) Marshal() []byte {
	var b []byte
	line := func(fi FileInfo) {
		b = append(b, "file "...)
		b = appendRepr(b, fi.Name)
		b = append(b, " seq "...)
		b = strconv.AppendInt(b, fi.Seq, 10)
		b = append(b, " type "...)
		b = append(b, byte(fi.Type), '\n')
	}
	if m.Base != nil {
		line(*m.Base)
	}
	for _, fi := range m.History {
		line(fi)
	}
	for _, fi := range m.Incrs {
		line(fi)
	}
	return b
}

// Clone returns a deep copy.
func (m *Manifest) Clone() *Manifest {
	c := &Manifest{
		Incrs:   append([]FileInfo(nil), m.Incrs...),
		History: append([]FileInfo(nil), m.History...),
	}
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	return c
}

// lastIncrSeq is the sequence number of the newest incremental file, 0 when
// there is none.
func (m *Manifest) lastIncrSeq() int64 {
	if len(m.Incrs) == 0 {
		return 0
	}
	return m.Incrs[len(m.Incrs)-1].Seq
}

// The file names Redis 7.0 gives the parts of prefix (appendfilename).
func manifestName(prefix string) string { return prefix + ".manifest" }

func baseName(prefix string, seq int64, rdb bool) string {
	ext := ".base.aof"
	if rdb {
		ext = ".base.rdb"
	}
	return prefix + "." + strconv.FormatInt(seq, 10) + ext
}

func incrName(prefix string, seq int64) string {
	return prefix + "." + strconv.FormatInt(seq, 10) + ".incr.aof"
}

// ManifestName is the manifest's file name for appendfilename prefix.
func ManifestName(prefix string) string { return manifestName(prefix) }

// needsRepr reports whether Redis would quote a file name in the manifest.
func needsRepr(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c == '"' || c == '\'' || c == ' ' || c < 0x21 || c > 0x7e {
			return true
		}
	}
	return s == ""
}

// appendRepr appends s, double-quoted with escapes when it needs quoting.
func appendRepr(b []byte, s string) []byte {
	if !needsRepr(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\a':
			b = append(b, `\a`...)
		case '\b':
			b = append(b, `\b`...)
		default:
			if c < 0x20 || c > 0x7e {
				b = append(b, fmt.Sprintf(`\x%02x`, c)...)
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// tempBaseName is the file a rewrite writes its new base to before
// renaming it: temp-rewriteaof-bg-<pid>.aof in the append-only folder, as
// Redis's rewrite child names its own.
func tempBaseName(pid int) string { return "temp-rewriteaof-bg-" + strconv.Itoa(pid) + ".aof" }

// TempPID recognises the temporary files a rewrite writes (Redis's
// temp-rewriteaof-bg-<pid>.aof and temp-rewriteaof-<pid>.aof) and returns
// the id of the process that wrote it. A rewrite killed midway leaves such
// a file behind; the server removes those whose process is gone at start.
func TempPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "temp-rewriteaof-")
	if !ok {
		return 0, false
	}
	rest = strings.TrimPrefix(rest, "bg-")
	digits, ok := strings.CutSuffix(rest, ".aof")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	if err != nil || pid <= 0 || strconv.Itoa(pid) != digits {
		return 0, false
	}
	return pid, true
}
