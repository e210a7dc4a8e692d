// Package rdb reads and writes Redis's RDB format: the snapshot files
// (dump.rdb) and the DUMP/RESTORE payloads Redis exchanges.
//
// The writer produces RDB version 10, what Redis 7.0 writes and reads: an
// AUX header, SELECTDB and RESIZEDB per database, EXPIRETIME_MS per key with
// a TTL, each value in an encoding Redis 7.0 writes itself (int-encoded and
// LZF-compressed strings, quicklist 2 lists, listpack or hash-table hashes,
// intset or hash-table sets, listpack or skiplist sorted sets, listpack
// streams), and the CRC-64 trailer. The reader accepts every version Redis
// has written, 1 to 11 (and 12's plain types), with the older encodings
// (zipmap, ziplist, quicklist 1).
//
// The package knows no module. Strings are core.String; the other standard
// types are whatever registered type declares core.Type.Native for that
// kind, reached through core.NativeValue (writing) and core.Native.Build
// (reading). A type that is not native is written as a Redis module value
// (RDB_TYPE_MODULE_2) under its 9-character module type name, its payload
// the type's own snapshot encoding (core.Value.AppendSnapshot), and read
// back by the registered type of that name.
package rdb

// Version is the RDB version the writer stamps: Redis 7.0's. Redis 7.0
// refuses files and DUMP payloads of later versions.
const Version = 10

// MaxVersion is the newest RDB version the reader accepts.
const MaxVersion = 12

// Object types (rdb.h).
const (
	typeString          = 0
	typeList            = 1
	typeSet             = 2
	typeZSet            = 3
	typeHash            = 4
	typeZSet2           = 5
	typeModule          = 6
	typeModule2         = 7
	typeHashZipmap      = 9
	typeListZiplist     = 10
	typeSetIntset       = 11
	typeZSetZiplist     = 12
	typeHashZiplist     = 13
	typeListQuicklist   = 14
	typeStreamListpacks = 15
	typeHashListpack    = 16
	typeZSetListpack    = 17
	typeListQuicklist2  = 18
	typeStreamListpack2 = 19
	typeSetListpack     = 20
	typeStreamListpack3 = 21
)

// Opcodes that are not object types.
const (
	opSlotInfo     = 244
	opFunction2    = 245
	opFunction     = 246
	opModuleAux    = 247
	opIdle         = 248
	opFreq         = 249
	opAux          = 250
	opResizeDB     = 251
	opExpireTimeMs = 252
	opExpireTime   = 253
	opSelectDB     = 254
	opEOF          = 255
)

// Special string encodings after a length byte of 11xxxxxx.
const (
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// Module value opcodes: every field a module saves is tagged.
const (
	moduleOpEOF    = 0
	moduleOpSInt   = 1
	moduleOpUInt   = 2
	moduleOpFloat  = 3
	moduleOpDouble = 4
	moduleOpString = 5
)

// Quicklist 2 node containers.
const (
	containerPlain  = 1
	containerPacked = 2
)

// Stream listpack entry flags.
const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

// moduleCharset is the alphabet of module type names, 6 bits a character.
const moduleCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// ModuleID packs a 9-character module type name and an encoding version
// into the 64-bit id Redis writes before a module value.
func ModuleID(name string, encver int) uint64 {
	var id uint64
	for i := 0; i < 9; i++ {
		c := uint64(0)
		for j := 0; j < len(moduleCharset); j++ {
			if moduleCharset[j] == name[i] {
				c = uint64(j)
				break
			}
		}
		id = id<<6 | c
	}
	return id<<10 | uint64(encver&1023)
}

// moduleName unpacks a module id.
func moduleName(id uint64) (string, int) {
	encver := int(id & 1023)
	id >>= 10
	var b [9]byte
	for i := 8; i >= 0; i-- {
		b[i] = moduleCharset[id&63]
		id >>= 6
	}
	return string(b[:]), encver
}
