package scripting

import (
	"strings"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/rdb"
)

// The FUNCTION DUMP payload is Redis 7's: one RDB FUNCTION2 record per
// library (its full code, shebang included), the RDB version in 2 bytes and
// a CRC-64 in 8 (package rdb), so payloads move between redmod and Redis.
// FUNCTION RESTORE compiles each library again.

func encodeLibraries(libs []*library) []byte {
	codes := make([][]byte, len(libs))
	for i, l := range libs {
		codes[i] = []byte(l.code)
	}
	return rdb.DumpFunctions(codes)
}

var errBadPayload = core.NewError("ERR DUMP payload version or checksum are wrong")

func decodeLibraries(b []byte) ([]string, error) {
	codes, err := rdb.RestoreFunctions(b)
	if err == rdb.ErrPayloadVersion {
		return nil, errBadPayload
	}
	if err != nil {
		return nil, core.NewError("ERR payload is corrupted")
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = string(c)
	}
	return out, nil
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
		return core.NewError("ERR unknown subcommand or wrong number of arguments for '" + string(c.Args[1]) + "'. Try FUNCTION HELP.")
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
	st := existingState(ks)
	if st == nil {
		return nil
	}
	libs := st.libs.sorted()
	recs := make([]core.StateRecord, len(libs))
	for i, l := range libs {
		recs[i] = core.StateRecord{Kind: "function", Data: []byte(l.code)}
	}
	return recs
}

// LoadState implements core.StatePersister: a function library is compiled
// and installed, replacing one of the same name unless rec.Exclusive.
func (Module) LoadState(ks *core.Keyspace, rec core.StateRecord) error {
	if rec.Kind != "function" {
		return nil
	}
	s := stateFor(ks)
	lib, err := s.compileLibrary(string(rec.Data))
	if err != nil {
		return err
	}
	return s.install(lib, !rec.Exclusive)
}
