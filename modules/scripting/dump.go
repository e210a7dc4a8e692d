package scripting

import (
	"encoding/binary"
	"hash/crc64"
	"strings"

	"github.com/redmod/redmod/core"
)

// The FUNCTION DUMP payload (redmod's own format, not Redis's RDB):
//
//	"RMFN" | version byte (1) | uvarint count | count × (uvarint length, library code) | CRC-64/ECMA of all before, 8 bytes little endian
//
// Each library is stored as its full code, shebang included, and compiled
// again by FUNCTION RESTORE; the snapshot stores the same payload.
const dumpMagic = "RMFN"
const dumpVersion = 1

var crcTable = crc64.MakeTable(crc64.ECMA)

func encodeLibraries(libs []*library) []byte {
	b := append([]byte(dumpMagic), dumpVersion)
	b = binary.AppendUvarint(b, uint64(len(libs)))
	for _, l := range libs {
		b = binary.AppendUvarint(b, uint64(len(l.code)))
		b = append(b, l.code...)
	}
	return binary.LittleEndian.AppendUint64(b, crc64.Checksum(b, crcTable))
}

var errBadPayload = core.NewError("ERR DUMP payload version or checksum are wrong")

func decodeLibraries(b []byte) ([]string, error) {
	if len(b) < len(dumpMagic)+1+8 || string(b[:4]) != dumpMagic || b[4] != dumpVersion {
		return nil, errBadPayload
	}
	body, sum := b[:len(b)-8], binary.LittleEndian.Uint64(b[len(b)-8:])
	if crc64.Checksum(body, crcTable) != sum {
		return nil, errBadPayload
	}
	r := body[5:]
	n, k := binary.Uvarint(r)
	if k <= 0 || n > uint64(len(r)) {
		return nil, core.NewError("ERR payload is corrupted")
	}
	r = r[k:]
	codes := make([]string, 0, n)
	for i := uint64(0); i < n; i++ {
		l, k := binary.Uvarint(r)
		if k <= 0 || l > uint64(len(r)-k) {
			return nil, core.NewError("ERR payload is corrupted")
		}
		codes = append(codes, string(r[k:k+int(l)]))
		r = r[k+int(l):]
	}
	if len(r) != 0 {
		return nil, core.NewError("ERR payload is corrupted")
	}
	return codes, nil
}

func functionDump(c *core.Ctx) error {
	c.WriteBulk(encodeLibraries(stateOf(c).libs.sorted()))
	return nil
}

// restore installs the libraries of a payload with a policy: "flush",
// "append" (fail on a collision) or "replace". All or nothing.
func (s *state) restore(payload []byte, policy string) error {
	codes, err := decodeLibraries(payload)
	if err != nil {
		return err
	}
	libs := make([]*library, 0, len(codes))
	for _, code := range codes {
		lib, err := s.compileLibrary(code)
		if err != nil {
			return err
		}
		libs = append(libs, lib)
	}
	l := &s.libs
	l.mu.Lock()
	defer l.mu.Unlock()
	nl := map[string]*library{}
	nf := map[string]*library{}
	if policy != "flush" {
		for k, v := range l.libs {
			nl[k] = v
		}
		for k, v := range l.funcs {
			nf[k] = v
		}
	}
	for _, lib := range libs {
		if old := nl[lib.name]; old != nil {
			if policy != "replace" {
				return core.NewError("ERR Library " + lib.name + " already exists")
			}
			for _, f := range old.funcs {
				delete(nf, strings.ToLower(f.name))
			}
		}
		for _, f := range lib.funcs {
			if nf[strings.ToLower(f.name)] != nil {
				return core.NewError("ERR Function " + f.name + " already exists")
			}
			nf[strings.ToLower(f.name)] = lib
		}
		nl[lib.name] = lib
	}
	l.libs, l.funcs = nl, nf
	l.gen.Add(1)
	return nil
}

func functionRestore(c *core.Ctx) error {
	policy := "append"
	if len(c.Args) > 4 {
		return core.ErrSyntax
	}
	if len(c.Args) == 4 {
		switch {
		case core.EqualFold(c.Args[3], "flush"):
			policy = "flush"
		case core.EqualFold(c.Args[3], "append"):
		case core.EqualFold(c.Args[3], "replace"):
			policy = "replace"
		default:
			return core.NewError("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
		}
	}
	if err := stateOf(c).restore(c.Args[2], policy); err != nil {
		return err
	}
	c.WriteOK()
	return nil
}

// SnapshotState implements core.StatePersister: each function library's
// code, stored in the snapshot as Redis stores it.
func (Module) SnapshotState(ks *core.Keyspace) []core.StateRecord {
	libs := stateFor(ks).libs.sorted()
	recs := make([]core.StateRecord, len(libs))
	for i, l := range libs {
		recs[i] = core.StateRecord{Kind: "function", Data: []byte(l.code)}
	}
	return recs
}

// LoadState implements core.StatePersister: a function library is compiled
// and installed (replacing one of the same name).
func (Module) LoadState(ks *core.Keyspace, rec core.StateRecord) error {
	if rec.Kind != "function" {
		return nil
	}
	s := stateFor(ks)
	lib, err := s.compileLibrary(string(rec.Data))
	if err != nil {
		return err
	}
	return s.install(lib, true)
}
