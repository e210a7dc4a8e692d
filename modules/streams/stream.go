package streams

import (
	"encoding/binary"
	"slices"
	"sort"
)

// Stream is the stream type. Entries live in blocks of packed bytes, as
// Redis keeps them in listpacks under a radix tree: a block holds up to
// stream-node-max-entries entries (live or deleted) and about
// stream-node-max-bytes bytes, its first entry's ID as the base of the
// others' delta-encoded IDs, and its first entry's field names as "master
// fields" that later entries with the same fields do not repeat. The blocks
// form a slice sorted by ID, so XADD appends to the last block (O(1)
// amortised), a lookup is a binary search over the blocks and a scan of one,
// and trimming with ~ drops whole blocks from the front.
type Stream struct {
	blocks       []*block
	length       uint64 // live entries
	lastID       ID     // the largest ID ever added (or set by XSETID)
	firstID      ID     // the first live entry, 0-0 when empty
	maxDeleted   ID     // the largest ID removed by XDEL (max-deleted-entry-id)
	entriesAdded uint64 // entries ever added (entries-added)
	groups       []*Group
}

// Entry flags, the first byte of each packed entry.
const (
	flagDeleted    = 1 // removed by XDEL or trimming, still taking room
	flagSameFields = 2 // the fields are the block's master fields
)

// block is a run of packed entries:
//
//	header: uvarint count of master fields, then each (uvarint length, bytes)
//	entry:  flags byte, uvarint ms - first.Ms, uvarint seq (minus
//	        first.Seq when the ms are equal), then the values of the master
//	        fields (flagSameFields) or a uvarint field count and the
//	        field/value pairs; every string is a uvarint length and bytes.
type block struct {
	first   ID    // ID of the first entry ever put in the block
	live    int32 // entries not deleted
	deleted int32 // entries marked deleted
	lpBytes int32 // the size Redis's listpack would have, for its node limits
	hdr     int32 // offset of the first entry
	data    []byte
}

// Len returns the number of entries.
func (s *Stream) Len() uint64 { return s.length }

func appendStr(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// readStr reads a length-prefixed string at off.
func readStr(d []byte, off int) ([]byte, int) {
	n, k := binary.Uvarint(d[off:])
	off += k
	return d[off : off+int(n)], off + int(n)
}

func readUvarint(d []byte, off int) (uint64, int) {
	n, k := binary.Uvarint(d[off:])
	return n, off + k
}

// master returns the block's master fields, appended to dst.
func (b *block) master(dst [][]byte) [][]byte {
	n, off := readUvarint(b.data, 0)
	for i := uint64(0); i < n; i++ {
		var f []byte
		f, off = readStr(b.data, off)
		dst = append(dst, f)
	}
	return dst
}

// decode reads the entry at off: its ID, flags and field/value pairs
// (appended to fv, pointing into the block), and the offset of the next.
func (b *block) decode(off int, master, fv [][]byte) (id ID, flags byte, _ [][]byte, next int) {
	d := b.data
	flags = d[off]
	off++
	var msd, seq uint64
	msd, off = readUvarint(d, off)
	seq, off = readUvarint(d, off)
	id.Ms = b.first.Ms + msd
	if msd == 0 {
		id.Seq = b.first.Seq + seq
	} else {
		id.Seq = seq
	}
	if flags&flagSameFields != 0 {
		for _, f := range master {
			var v []byte
			v, off = readStr(d, off)
			fv = append(fv, f, v)
		}
	} else {
		var n uint64
		n, off = readUvarint(d, off)
		for i := uint64(0); i < n; i++ {
			var f, v []byte
			f, off = readStr(d, off)
			v, off = readStr(d, off)
			fv = append(fv, f, v)
		}
	}
	return id, flags, fv, off
}

// skip returns the offset of the entry after the one at off, and its ID
// and flags, without collecting its fields.
func (b *block) skip(off int, nmaster int) (id ID, flags byte, next int) {
	d := b.data
	flags = d[off]
	off++
	var msd, seq uint64
	msd, off = readUvarint(d, off)
	seq, off = readUvarint(d, off)
	id.Ms = b.first.Ms + msd
	if msd == 0 {
		id.Seq = b.first.Seq + seq
	} else {
		id.Seq = seq
	}
	n := uint64(nmaster)
	if flags&flagSameFields == 0 {
		n, off = readUvarint(d, off)
		n *= 2
	}
	for i := uint64(0); i < n; i++ {
		var l uint64
		l, off = readUvarint(d, off)
		off += int(l)
	}
	return id, flags, off
}

func (b *block) nmaster() int {
	n, _ := readUvarint(b.data, 0)
	return int(n)
}

// lpIntSize and lpStrSize are the sizes of a listpack element holding an
// integer or a string, backlen included, as Redis encodes them; they feed
// the node size limit so that blocks split where Redis's nodes do.
func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 2
	case v >= -4096 && v <= 4095:
		return 3
	case v >= -32768 && v <= 32767:
		return 4
	case v >= -8388608 && v <= 8388607:
		return 5
	case v >= -2147483648 && v <= 2147483647:
		return 6
	}
	return 10
}

func lpStrSize(b []byte) int {
	if len(b) <= 20 {
		if n, ok := parseI64(b); ok {
			return lpIntSize(n)
		}
	}
	l := len(b)
	switch {
	case l < 64:
		l++
	case l < 4096:
		l += 2
	default:
		l += 5
	}
	return l + lpBacklen(l)
}

func lpBacklen(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// add appends an entry whose ID is larger than every ID in the stream,
// starting a new block when the last one has reached maxBytes (about) or
// maxEntries entries (stream-node-max-bytes and -entries; 0: no limit).
func (s *Stream) add(id ID, fv [][]byte, maxBytes, maxEntries int) {
	var b *block
	if n := len(s.blocks); n > 0 {
		b = s.blocks[n-1]
	}
	// Redis decides on a new node from the listpack's size plus the raw
	// length of every field and value.
	size := 0
	for _, x := range fv {
		size += len(x)
	}
	if maxBytes <= 0 || maxBytes > 1<<30 {
		maxBytes = 1 << 30
	}
	// A new block is sized as the one it follows ended: the entries of a
	// stream are usually alike, so that the block fills without growing
	// and ends without spare capacity to give back.
	size0 := 64
	if b != nil && (int(b.lpBytes)+size >= maxBytes || (maxEntries > 0 && int(b.live+b.deleted) >= maxEntries)) {
		// The block is full: give back its spare capacity.
		if cap(b.data)-len(b.data) > 16 {
			b.data = append(make([]byte, 0, len(b.data)), b.data...)
		}
		size0 = max(size0, min(len(b.data), 64<<10))
		b = nil
	}
	same := false
	if b == nil {
		b = &block{first: id}
		nf := len(fv) / 2
		b.data = make([]byte, 0, size0)
		b.data = binary.AppendUvarint(b.data, uint64(nf))
		lp := 7 + lpIntSize(1) + lpIntSize(0) + lpIntSize(int64(nf)) + lpIntSize(0)
		for i := 0; i < len(fv); i += 2 {
			b.data = appendStr(b.data, fv[i])
			lp += lpStrSize(fv[i])
		}
		b.hdr = int32(len(b.data))
		b.lpBytes = int32(lp)
		s.blocks = append(s.blocks, b)
		same = true
	} else if n, off := readUvarint(b.data, 0); int(n) == len(fv)/2 {
		same = true
		for i := 0; i < len(fv); i += 2 {
			var f []byte
			f, off = readStr(b.data, off)
			if string(f) != string(fv[i]) {
				same = false
				break
			}
		}
	}
	flags := byte(0)
	msd := id.Ms - b.first.Ms
	seq := id.Seq
	if msd == 0 {
		seq -= b.first.Seq
	}
	lp := lpIntSize(0) + lpIntSize(int64(msd)) + lpIntSize(int64(id.Seq-b.first.Seq)) + lpIntSize(int64(len(fv)))
	if same {
		flags = flagSameFields
	} else {
		lp += lpIntSize(int64(len(fv) / 2))
	}
	b.data = append(b.data, flags)
	b.data = binary.AppendUvarint(b.data, msd)
	b.data = binary.AppendUvarint(b.data, seq)
	if same {
		for i := 1; i < len(fv); i += 2 {
			b.data = appendStr(b.data, fv[i])
			lp += lpStrSize(fv[i])
		}
	} else {
		b.data = binary.AppendUvarint(b.data, uint64(len(fv)/2))
		for _, x := range fv {
			b.data = appendStr(b.data, x)
			lp += lpStrSize(x)
		}
	}
	b.lpBytes += int32(lp)
	b.live++
	s.length++
	if s.length == 1 {
		s.firstID = id
	}
	s.lastID = id
	s.entriesAdded++
}

// dropFirstBlock removes the first block, clearing its slot so that the
// block is not kept alive by the slice's backing array.
func (s *Stream) dropFirstBlock() {
	s.blocks[0] = nil
	s.blocks = s.blocks[1:]
}

// blockIndex returns the index of the last block whose first ID is at or
// before id (0 when id is before every block).
func (s *Stream) blockIndex(id ID) int {
	i := sort.Search(len(s.blocks), func(i int) bool { return id.Less(s.blocks[i].first) })
	if i > 0 {
		i--
	}
	return i
}

// scan calls fn for the live entries with IDs in [start, end], in order or
// in reverse, until fn returns false. fv points into the stream: fn must
// not keep it.
func (s *Stream) scan(start, end ID, rev bool, fn func(id ID, fv [][]byte) bool) {
	if s.length == 0 || end.Less(start) {
		return
	}
	var master, fv [][]byte
	if !rev {
		for i := s.blockIndex(start); i < len(s.blocks); i++ {
			b := s.blocks[i]
			if end.Less(b.first) {
				return
			}
			if b.live == 0 {
				continue
			}
			master = b.master(master[:0])
			for off := int(b.hdr); off < len(b.data); {
				var id ID
				var flags byte
				id, flags, fv, off = b.decode(off, master, fv[:0])
				if flags&flagDeleted != 0 || id.Less(start) {
					continue
				}
				if end.Less(id) {
					return
				}
				if !fn(id, fv) {
					return
				}
			}
		}
		return
	}
	var offs []int
	for i := s.blockIndex(end); i >= 0; i-- {
		b := s.blocks[i]
		if b.live == 0 {
			continue
		}
		nm := b.nmaster()
		offs = offs[:0]
		for off := int(b.hdr); off < len(b.data); {
			o := off
			id, flags, next := b.skip(off, nm)
			off = next
			if end.Less(id) {
				break
			}
			if flags&flagDeleted == 0 {
				offs = append(offs, o)
			}
		}
		master = b.master(master[:0])
		for j := len(offs) - 1; j >= 0; j-- {
			var id ID
			id, _, fv, _ = b.decode(offs[j], master, fv[:0])
			if id.Less(start) {
				return
			}
			if !fn(id, fv) {
				return
			}
		}
		if b.first.Less(start) {
			return
		}
	}
}

// get returns the fields of the live entry id, appended to fv.
func (s *Stream) get(id ID, fv [][]byte) ([][]byte, bool) {
	found := false
	s.scan(id, id, false, func(_ ID, x [][]byte) bool {
		fv = append(fv, x...)
		found = true
		return false
	})
	return fv, found
}

// delete marks entry id deleted; it reports whether it was live.
func (s *Stream) delete(id ID) bool {
	if s.length == 0 {
		return false
	}
	i := s.blockIndex(id)
	b := s.blocks[i]
	nm := b.nmaster()
	for off := int(b.hdr); off < len(b.data); {
		eid, flags, next := b.skip(off, nm)
		if eid == id {
			if flags&flagDeleted != 0 {
				return false
			}
			b.data[off] |= flagDeleted
			b.live--
			b.deleted++
			s.length--
			if b.live == 0 {
				s.blocks = slices.Delete(s.blocks, i, i+1)
			}
			if id == s.firstID {
				s.firstID = s.edge(false)
			}
			return true
		}
		if id.Less(eid) {
			return false
		}
		off = next
	}
	return false
}

// edge returns the first (or, with last, the last) live entry's ID, 0-0
// when there is none.
func (s *Stream) edge(last bool) ID {
	var out ID
	if last {
		s.scan(minID, maxID, true, func(id ID, _ [][]byte) bool { out = id; return false })
	} else {
		s.scan(minID, maxID, false, func(id ID, _ [][]byte) bool { out = id; return false })
	}
	return out
}

// trimArgs are XADD's and XTRIM's trimming options.
type trimArgs struct {
	strategy int // trimNone, trimMaxLen, trimMinID
	approx   bool
	maxLen   int64
	minID    ID
	limit    int64 // 0: none
}

const (
	trimNone = iota
	trimMaxLen
	trimMinID
)

// trim removes entries from the front as Redis's streamTrim does: whole
// blocks while they are entirely beyond the threshold; then, unless
// approximate, entries one by one in the first remaining block. With a
// limit, it stops before a block that would take it past the limit. It
// returns the number of entries removed.
func (s *Stream) trim(a trimArgs) int64 {
	if a.strategy == trimNone {
		return 0
	}
	var removed int64
	for len(s.blocks) > 0 {
		if a.strategy == trimMaxLen && s.length <= uint64(a.maxLen) {
			break
		}
		b := s.blocks[0]
		entries := int64(b.live)
		if a.limit > 0 && removed+entries > a.limit {
			break
		}
		var whole bool
		nm := b.nmaster()
		if a.strategy == trimMaxLen {
			whole = s.length-uint64(entries) >= uint64(a.maxLen)
		} else {
			var last ID
			for off := int(b.hdr); off < len(b.data); {
				last, _, off = b.skip(off, nm)
			}
			whole = last.Less(a.minID)
		}
		if whole {
			s.dropFirstBlock()
			s.length -= uint64(entries)
			removed += entries
			continue
		}
		if a.approx {
			break
		}
		for off := int(b.hdr); off < len(b.data); {
			id, flags, next := b.skip(off, nm)
			var stop bool
			if a.strategy == trimMaxLen {
				stop = s.length <= uint64(a.maxLen)
			} else {
				stop = !id.Less(a.minID)
			}
			if stop {
				break
			}
			if flags&flagDeleted == 0 {
				b.data[off] |= flagDeleted
				b.live--
				b.deleted++
				s.length--
				removed++
			}
			off = next
		}
		if b.live == 0 {
			s.dropFirstBlock()
		}
		break
	}
	if removed > 0 {
		if s.length == 0 {
			s.firstID = ID{}
		} else {
			s.firstID = s.edge(false)
		}
	}
	return removed
}

// parseI64 is core.ParseInt, repeated here to keep the hot size estimate
// free of an extra call through the interface of another package.
func parseI64(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	neg := b[0] == '-'
	i := 0
	if neg {
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] == '0' && len(b) > i+1 || (b[i] == '0' && neg) {
		return 0, false
	}
	var n uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > 1<<63 {
			return 0, false
		}
	}
	if neg {
		return -int64(n), true
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}
