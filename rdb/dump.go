package rdb

import (
	"encoding/binary"
	"errors"

	"github.com/redmod/redmod/core"
)

// Errors of RESTORE, with Redis's texts.
var (
	ErrPayloadVersion = errors.New("DUMP payload version or checksum are wrong")
	ErrBadFormat      = errors.New("Bad data format")
)

// Dump returns v's DUMP payload: the object type and encoding as in an RDB
// file, the RDB version in 2 bytes and the CRC-64 of everything before in
// 8, little endian, as Redis's DUMP.
func Dump(v core.Value) ([]byte, error) {
	e := encoder{compress: true}
	if err := e.value(v); err != nil {
		return nil, err
	}
	e.b = binary.LittleEndian.AppendUint16(e.b, Version)
	return binary.LittleEndian.AppendUint64(e.b, CRC64(0, e.b)), nil
}

// Restore decodes a DUMP payload of RDB versions up to MaxVersion (Redis
// 7.0 accepts only its own version; accepting 7.2's lets its payloads
// in). A payload whose footer is wrong gives ErrPayloadVersion, one that
// does not decode ErrBadFormat, and one of a type this binary lacks a
// *MissingTypeError.
func Restore(payload []byte) (core.Value, error) {
	if len(payload) < 10 {
		return nil, ErrPayloadVersion
	}
	footer := payload[len(payload)-10:]
	ver := binary.LittleEndian.Uint16(footer)
	if ver > MaxVersion || CRC64(0, payload[:len(payload)-8]) != binary.LittleEndian.Uint64(footer[2:]) {
		return nil, ErrPayloadVersion
	}
	d := &decoder{b: payload[:len(payload)-10], ver: int(ver)}
	typ, err := d.byte1()
	if err != nil {
		return nil, ErrBadFormat
	}
	v, err := d.object(typ)
	if err != nil {
		var missing *MissingTypeError
		if errors.As(err, &missing) {
			return nil, err
		}
		return nil, ErrBadFormat
	}
	return v, nil
}

// DumpFunctions returns a FUNCTION DUMP payload as Redis 7 writes it: one
// FUNCTION2 record per library code, then the RDB version in 2 bytes and
// the CRC-64 of everything before in 8, little endian.
func DumpFunctions(codes [][]byte) []byte {
	// Redis writes the code uncompressed here.
	e := encoder{}
	for _, c := range codes {
		e.byte1(opFunction2)
		e.str(c)
	}
	e.b = binary.LittleEndian.AppendUint16(e.b, Version)
	return binary.LittleEndian.AppendUint64(e.b, CRC64(0, e.b))
}

// RestoreFunctions decodes a FUNCTION DUMP payload (Redis's or redmod's)
// into the libraries' code. A payload whose footer is wrong gives
// ErrPayloadVersion, one that does not decode ErrBadFormat.
func RestoreFunctions(payload []byte) ([][]byte, error) {
	if len(payload) < 10 {
		return nil, ErrPayloadVersion
	}
	footer := payload[len(payload)-10:]
	ver := binary.LittleEndian.Uint16(footer)
	if ver > MaxVersion || CRC64(0, payload[:len(payload)-8]) != binary.LittleEndian.Uint64(footer[2:]) {
		return nil, ErrPayloadVersion
	}
	d := &decoder{b: payload[:len(payload)-10], ver: int(ver)}
	var codes [][]byte
	for d.left() > 0 {
		op, err := d.byte1()
		if err != nil || op != opFunction2 {
			return nil, ErrBadFormat
		}
		code, err := d.str()
		if err != nil {
			return nil, ErrBadFormat
		}
		codes = append(codes, code)
	}
	return codes, nil
}
