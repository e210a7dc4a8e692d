package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc64"

	"github.com/redmod/redmod/core"
)

// redmod's first snapshot format (dump.rdm), read so that its users keep
// their data; the server saves it again as RDB. Its layout, all integers
// varints unless noted:
//
//	"REDMOD" version(1)
//	type count, type names
//	0xFE db                     — entries that follow belong to db
//	0x01 type key expire value  — one key (expire: unix ms, 0 = none)
//	0xFF
//	CRC-64/ECMA of everything before, 8 bytes little endian
//
// Values are the types' own snapshot encodings (core.Type.Decode).
const legacyMagic = "REDMOD"

// IsLegacy reports whether data starts as a dump.rdm snapshot does.
func IsLegacy(data []byte) bool { return bytes.HasPrefix(data, []byte(legacyMagic)) }

// LoadLegacy reads a dump.rdm snapshot, passing every key to fn.
func LoadLegacy(data []byte, fn func(e *Entry) error) (int, error) {
	if len(data) < len(legacyMagic)+2+8 || !IsLegacy(data) {
		return 0, fmt.Errorf("%w: not a redmod snapshot (bad header)", ErrCorrupt)
	}
	body, sum := data[:len(data)-8], binary.LittleEndian.Uint64(data[len(data)-8:])
	if crc64.Checksum(body, crc64.MakeTable(crc64.ECMA)) != sum {
		return 0, fmt.Errorf("%w: checksum mismatch (truncated or corrupted)", ErrCorrupt)
	}
	r := core.NewSnapshotReader(body[len(legacyMagic):])
	if v := r.Uvarint(); r.Err() == nil && v != 1 {
		return 0, fmt.Errorf("%w: unsupported snapshot version %d", ErrCorrupt, v)
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
			return 0, fmt.Errorf("it holds values of type %q, and no module of this binary provides that type", name)
		}
		types[i] = t
	}
	loaded := 0
	db := -1
	for {
		op := r.Byte()
		if r.Err() != nil {
			return loaded, r.Err()
		}
		switch op {
		case 0xFF:
			return loaded, r.Done()
		case 0xFE:
			i := r.Uvarint()
			if r.Err() != nil {
				return loaded, r.Err()
			}
			if i > 1<<20 {
				return loaded, errors.New("bad database number")
			}
			db = int(i)
		case 0x01:
			ti := r.Uvarint()
			key := r.Bytes()
			exp := r.Varint()
			payload := r.Bytes()
			if r.Err() != nil {
				return loaded, r.Err()
			}
			if db < 0 || ti >= uint64(len(types)) {
				return loaded, core.ErrCorrupt
			}
			v, err := types[ti].Decode(payload)
			if err != nil {
				return loaded, fmt.Errorf("key %q of type %s: %w", key, types[ti].Name, err)
			}
			if err := fn(&Entry{DB: db, Key: key, Value: v, ExpireAt: exp, Idle: -1, Freq: -1}); err != nil {
				return loaded, err
			}
			loaded++
		default:
			return loaded, fmt.Errorf("unknown record 0x%x", op)
		}
	}
}
