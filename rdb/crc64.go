package rdb

import "hash/crc64"

// Redis checksums RDB files and DUMP payloads with CRC-64/Jones: polynomial
// 0xad93d23594c935a9, reflected, initial value 0 and no final xor. The
// standard library's table-driven CRC-64 is reflected too; it takes the
// polynomial bit-reversed and inverts the value before and after, which the
// two complements below undo.
var jonesTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// CRC64 continues the checksum crc (0 to start) over p, as Redis's crc64().
func CRC64(crc uint64, p []byte) uint64 { return ^crc64.Update(^crc, jonesTable, p) }
