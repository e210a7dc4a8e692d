package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/redmod/redmod/core"
)

// Entry is one key read from a file.
type Entry struct {
	DB    int
	Key   []byte
	Value core.Value
	// ExpireAt is the absolute expiry in unix milliseconds; 0: none.
	ExpireAt int64
	// Idle is the key's idle time in seconds when the file recorded it (an
	// LRU server's IDLE opcode); -1 otherwise.
	Idle int64
	// Freq is the key's LFU counter when the file recorded it; -1 otherwise.
	Freq int
}

// Info describes a file that was read.
type Info struct {
	Version int
	// Aux holds the AUX fields (redis-ver, ctime, ...).
	Aux map[string]string
	// Keys counts the entries passed on.
	Keys int
	// Functions counts function libraries (FUNCTION2 records).
	Functions int
	// FunctionCodes holds the code of each function library, in order.
	FunctionCodes []string
	// ModuleAux counts module auxiliary data records, which are skipped.
	ModuleAux int
}

// IsRDB reports whether data starts as an RDB file does.
func IsRDB(data []byte) bool { return bytes.HasPrefix(data, []byte("REDIS")) }

// Load reads a whole RDB file of versions 1 to MaxVersion and passes every
// key to fn in file order; an error from fn stops it. It checks the
// checksum (version 5 on; a zero checksum means the writer disabled it)
// before passing on any key, so a damaged file loads nothing.
func Load(data []byte, fn func(e *Entry) error) (*Info, error) {
	if len(data) < 9 || !IsRDB(data) {
		return nil, fmt.Errorf("%w: not an RDB file (bad header)", ErrCorrupt)
	}
	ver, err := strconv.Atoi(string(data[5:9]))
	if err != nil || ver < 1 {
		return nil, fmt.Errorf("%w: bad version %q", ErrCorrupt, data[5:9])
	}
	if ver > MaxVersion {
		return nil, fmt.Errorf("%w: RDB version %d is newer than this server can read (up to %d)", ErrCorrupt, ver, MaxVersion)
	}
	info := &Info{Version: ver, Aux: map[string]string{}}
	// The checksum is checked first, so that no key of a damaged file is
	// passed on; then the structure, as it is read.
	if ver >= 5 && len(data) >= 17 && data[len(data)-9] == opEOF {
		if sum := binary.LittleEndian.Uint64(data[len(data)-8:]); sum != 0 && CRC64(0, data[:len(data)-8]) != sum {
			return nil, fmt.Errorf("%w: checksum mismatch (the file is damaged or truncated)", ErrCorrupt)
		}
	}
	if err := scan(data, ver, info, fn); err != nil {
		return nil, err
	}
	return info, nil
}

// scan walks the file, passing keys to fn.
func scan(data []byte, ver int, info *Info, fn func(*Entry) error) error {
	d := &decoder{b: data, p: 9, ver: ver}
	db := 0
	e := Entry{ExpireAt: 0, Idle: -1, Freq: -1}
	for {
		op, err := d.byte1()
		if err != nil {
			return fmt.Errorf("%w (the file is truncated)", err)
		}
		switch op {
		case opEOF:
			if ver >= 5 {
				b, err := d.raw(8)
				if err != nil {
					return fmt.Errorf("%w (the file is truncated)", err)
				}
				if sum := binary.LittleEndian.Uint64(b); sum != 0 && CRC64(0, data[:d.p-8]) != sum {
					return fmt.Errorf("%w: checksum mismatch (the file is damaged or truncated)", ErrCorrupt)
				}
			}
			if d.left() != 0 {
				return d.fail("data after the end of the file")
			}
			return nil
		case opSelectDB:
			n, err := d.plainLen()
			if err != nil {
				return err
			}
			if n > 1<<20 {
				return d.fail("bad database number")
			}
			db = int(n)
		case opResizeDB:
			if _, err := d.plainLen(); err != nil {
				return err
			}
			if _, err := d.plainLen(); err != nil {
				return err
			}
		case opExpireTimeMs:
			if e.ExpireAt, err = d.millis(); err != nil {
				return err
			}
		case opExpireTime:
			b, err := d.raw(4)
			if err != nil {
				return err
			}
			e.ExpireAt = int64(int32(binary.LittleEndian.Uint32(b))) * 1000
		case opIdle:
			n, err := d.plainLen()
			if err != nil {
				return err
			}
			e.Idle = int64(min(n, 1<<40))
		case opFreq:
			c, err := d.byte1()
			if err != nil {
				return err
			}
			e.Freq = int(c)
		case opAux:
			k, err := d.str()
			if err != nil {
				return err
			}
			v, err := d.str()
			if err != nil {
				return err
			}
			info.Aux[string(k)] = string(v)
		case opModuleAux:
			if _, err := d.plainLen(); err != nil { // module id
				return err
			}
			when, err := d.plainLen()
			if err != nil {
				return err
			}
			if when != moduleOpUInt {
				return d.fail("bad module aux data")
			}
			if _, err := d.plainLen(); err != nil {
				return err
			}
			if err := d.skipModuleData(); err != nil {
				return err
			}
			info.ModuleAux++
		case opFunction2:
			code, err := d.str()
			if err != nil {
				return err
			}
			info.Functions++
			info.FunctionCodes = append(info.FunctionCodes, string(code))
		case opFunction:
			return d.fail("functions of a Redis 7.0 release candidate (FUNCTION opcode), which are not supported")
		case opSlotInfo:
			for i := 0; i < 3; i++ {
				if _, err := d.plainLen(); err != nil {
					return err
				}
			}
		default:
			key, err := d.str()
			if err != nil {
				return err
			}
			start := d.p
			v, err := d.object(op)
			if err == errEmpty { // as Redis, skip it
				e = Entry{Idle: -1, Freq: -1}
				continue
			}
			if err != nil {
				if _, missing := err.(*MissingTypeError); missing {
					return err
				}
				return fmt.Errorf("key %q (value type %d at offset %d): %w", key, op, start, err)
			}
			e.DB, e.Key, e.Value = db, key, v
			if err := fn(&e); err != nil {
				return err
			}
			info.Keys++
			e = Entry{Idle: -1, Freq: -1}
		}
	}
}
