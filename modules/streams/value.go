package streams

import (
	"encoding/binary"
	"errors"

	"github.com/redmod/redmod/core"
)

// StreamType is the descriptor of Stream values: TYPE answers "stream".
var StreamType = &core.Type{Name: "stream", Decode: decodeStream,
	Native: &core.Native{Kind: core.NativeStream, Build: buildStream}}

// Type implements core.Value.
func (s *Stream) Type() *core.Type { return StreamType }

// Encoding implements core.Value: Redis's name for its radix tree of
// listpacks.
func (s *Stream) Encoding() string { return "stream" }

// MemoryUsage implements core.Value: the blocks' bytes and headers, and
// the groups with their pending entries.
func (s *Stream) MemoryUsage() int {
	n := 96 + 8*cap(s.blocks)
	for _, b := range s.blocks {
		n += 48 + cap(b.data)
	}
	for _, g := range s.groups {
		n += 96 + len(g.name) + 64*g.pel.Len()
		for _, c := range g.consumers {
			n += 64 + len(c.name)
		}
	}
	return n
}

// Clone implements core.Value: COPY copies entries, groups, consumers and
// pending entries.
func (s *Stream) Clone() core.Value {
	n := *s
	n.blocks = make([]*block, len(s.blocks))
	for i, b := range s.blocks {
		nb := *b
		nb.data = append([]byte(nil), b.data...)
		n.blocks[i] = &nb
	}
	n.groups = make([]*Group, len(s.groups))
	for i, g := range s.groups {
		n.groups[i] = g.clone()
	}
	return &n
}

const snapshotVersion = 1

func appendID(dst []byte, id ID) []byte {
	dst = binary.AppendUvarint(dst, id.Ms)
	return binary.AppendUvarint(dst, id.Seq)
}

// AppendSnapshot implements core.Value: the stream's counters, its blocks
// as they are, then each group with its consumers and their pending
// entries (the group's PEL is the union of its consumers').
func (s *Stream) AppendSnapshot(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, snapshotVersion)
	dst = appendID(dst, s.lastID)
	dst = appendID(dst, s.maxDeleted)
	dst = binary.AppendUvarint(dst, s.entriesAdded)
	dst = binary.AppendUvarint(dst, uint64(len(s.blocks)))
	for _, b := range s.blocks {
		dst = appendID(dst, b.first)
		dst = binary.AppendUvarint(dst, uint64(b.lpBytes))
		dst = core.AppendBytes(dst, b.data)
	}
	dst = binary.AppendUvarint(dst, uint64(len(s.groups)))
	for _, g := range s.groups {
		dst = core.AppendBytes(dst, g.name)
		dst = appendID(dst, g.lastID)
		dst = binary.AppendVarint(dst, g.entriesRead)
		dst = binary.AppendUvarint(dst, uint64(len(g.consumers)))
		for _, c := range g.consumers {
			dst = core.AppendBytes(dst, c.name)
			dst = binary.AppendVarint(dst, c.seenTime)
			dst = binary.AppendUvarint(dst, uint64(c.pel.Len()))
			c.pel.Scan(func(p *pending) bool {
				dst = appendID(dst, p.id)
				dst = binary.AppendVarint(dst, p.deliveryTime)
				dst = binary.AppendUvarint(dst, p.deliveryCount)
				return true
			})
		}
	}
	return dst
}

var errBadSnapshot = errors.New("streams: malformed stream in snapshot")

func readID(r *core.SnapshotReader) ID { return ID{r.Uvarint(), r.Uvarint()} }

// decodeStream rebuilds a stream from its snapshot, checking every block
// entry by entry so that damaged input is refused rather than trusted.
func decodeStream(p []byte) (core.Value, error) {
	r := core.NewSnapshotReader(p)
	if r.Uvarint() != snapshotVersion {
		return nil, errBadSnapshot
	}
	s := &Stream{}
	s.lastID = readID(r)
	s.maxDeleted = readID(r)
	s.entriesAdded = r.Uvarint()
	nb := r.Count(3)
	for i := 0; i < nb && r.Err() == nil; i++ {
		b := &block{first: readID(r)}
		b.lpBytes = int32(r.Uvarint())
		b.data = append([]byte(nil), r.Bytes()...)
		if r.Err() != nil {
			break
		}
		if err := b.check(); err != nil {
			return nil, err
		}
		if b.live == 0 || (len(s.blocks) > 0 && !s.blocks[len(s.blocks)-1].first.Less(b.first)) {
			return nil, errBadSnapshot
		}
		s.blocks = append(s.blocks, b)
		s.length += uint64(b.live)
	}
	ng := r.Count(3)
	for i := 0; i < ng && r.Err() == nil; i++ {
		name := r.Bytes()
		g := s.createGroup(name, readID(r), r.Varint())
		if g == nil {
			return nil, errBadSnapshot
		}
		nc := r.Count(3)
		for j := 0; j < nc && r.Err() == nil; j++ {
			c := g.createConsumer(r.Bytes(), 0)
			if c == nil {
				return nil, errBadSnapshot
			}
			c.seenTime = r.Varint()
			np := r.Count(4)
			for k := 0; k < np && r.Err() == nil; k++ {
				pe := &pending{id: readID(r), owner: c, deliveryTime: r.Varint(), deliveryCount: r.Uvarint()}
				if _, dup := g.pel.Set(pe); dup {
					return nil, errBadSnapshot
				}
				c.pel.Set(pe)
			}
		}
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	if s.length > 0 {
		s.firstID = s.edge(false)
	}
	return s, nil
}

// check walks the block's entries with bounds checks, counting the live
// and deleted ones; it refuses a block whose IDs are not increasing.
func (b *block) check() error {
	d := b.data
	off := 0
	u := func() (uint64, bool) {
		if off >= len(d) {
			return 0, false
		}
		n, k := binary.Uvarint(d[off:])
		if k <= 0 {
			return 0, false
		}
		off += k
		return n, true
	}
	str := func() bool {
		n, ok := u()
		if !ok || n > uint64(len(d)-off) {
			return false
		}
		off += int(n)
		return true
	}
	nm, ok := u()
	if !ok || nm > uint64(len(d)) {
		return errBadSnapshot
	}
	for i := uint64(0); i < nm; i++ {
		if !str() {
			return errBadSnapshot
		}
	}
	b.hdr = int32(off)
	var prev ID
	first := true
	for off < len(d) {
		flags := d[off]
		off++
		msd, ok1 := u()
		seq, ok2 := u()
		if !ok1 || !ok2 || flags&^(flagDeleted|flagSameFields) != 0 {
			return errBadSnapshot
		}
		id := ID{b.first.Ms + msd, seq}
		if msd == 0 {
			id.Seq = b.first.Seq + seq
		}
		if id.Ms < b.first.Ms || (msd == 0 && id.Seq < b.first.Seq) || (!first && !prev.Less(id)) {
			return errBadSnapshot
		}
		prev, first = id, false
		n := nm
		if flags&flagSameFields == 0 {
			var ok bool
			if n, ok = u(); !ok || n > uint64(len(d)) {
				return errBadSnapshot
			}
			n *= 2
		}
		for i := uint64(0); i < n; i++ {
			if !str() {
				return errBadSnapshot
			}
		}
		if flags&flagDeleted != 0 {
			b.deleted++
		} else {
			b.live++
		}
	}
	return nil
}

func toCoreID(id ID) core.StreamID   { return core.StreamID{Ms: id.Ms, Seq: id.Seq} }
func fromCoreID(id core.StreamID) ID { return ID{id.Ms, id.Seq} }

// NativeContent implements core.NativeValue: the stream as Redis's RDB
// stream type holds it, for snapshots and DUMP.
func (s *Stream) NativeContent() core.NativeContent {
	sc := &core.StreamContent{
		Length: s.length, LastID: toCoreID(s.lastID), FirstID: toCoreID(s.firstID),
		MaxDeletedID: toCoreID(s.maxDeleted), EntriesAdded: s.entriesAdded,
		Entries: func(yield func(core.StreamID, [][]byte) bool) {
			s.scan(minID, maxID, false, func(id ID, fv [][]byte) bool { return yield(toCoreID(id), fv) })
		},
	}
	for _, g := range s.groups {
		cg := core.StreamGroup{Name: g.name, LastID: toCoreID(g.lastID), EntriesRead: g.entriesRead}
		g.pel.Scan(func(p *pending) bool {
			cg.Pending = append(cg.Pending, core.StreamPending{ID: toCoreID(p.id), Consumer: p.owner.name,
				DeliveryTime: p.deliveryTime, DeliveryCount: p.deliveryCount})
			return true
		})
		for _, c := range g.consumers {
			cg.Consumers = append(cg.Consumers, core.StreamConsumer{Name: c.name, SeenTime: c.seenTime, ActiveTime: -1})
		}
		sc.Groups = append(sc.Groups, cg)
	}
	return core.NativeContent{Kind: core.NativeStream, Len: int(s.length), Stream: sc}
}

// buildStream makes a stream from a Redis stream (RDB, RESTORE), refusing
// entries out of order, odd field lists and pending entries of unknown
// consumers.
func buildStream(nc core.NativeContent) (core.Value, error) {
	if nc.Kind != core.NativeStream || nc.Stream == nil {
		return nil, core.ErrCorrupt
	}
	in := nc.Stream
	s := &Stream{}
	var prev ID
	for cid, fv := range in.Entries {
		id := fromCoreID(cid)
		if len(fv)%2 != 0 || (s.length > 0 && !prev.Less(id)) {
			return nil, core.ErrCorrupt
		}
		s.add(id, fv, 4096, 100)
		prev = id
	}
	if s.length != in.Length || (s.length > 0 && fromCoreID(in.LastID).Less(prev)) {
		return nil, core.ErrCorrupt
	}
	s.lastID = fromCoreID(in.LastID)
	s.maxDeleted = fromCoreID(in.MaxDeletedID)
	s.entriesAdded = in.EntriesAdded
	for _, cg := range in.Groups {
		g := s.createGroup(cg.Name, fromCoreID(cg.LastID), cg.EntriesRead)
		if g == nil {
			return nil, core.ErrCorrupt
		}
		for _, c := range cg.Consumers {
			if g.createConsumer(c.Name, c.SeenTime) == nil {
				return nil, core.ErrCorrupt
			}
		}
		for _, p := range cg.Pending {
			owner := g.lookupConsumer(p.Consumer)
			if owner == nil {
				return nil, core.ErrCorrupt
			}
			pe := &pending{id: fromCoreID(p.ID), owner: owner, deliveryTime: p.DeliveryTime, deliveryCount: p.DeliveryCount}
			if _, dup := g.pel.Set(pe); dup {
				return nil, core.ErrCorrupt
			}
			owner.pel.Set(pe)
		}
	}
	return s, nil
}

// FreeEffort implements core.FreeEffort as Redis estimates a stream's: its
// nodes, and each group with the size of the first group's PEL.
func (s *Stream) FreeEffort() int {
	effort := len(s.blocks)
	if len(s.groups) > 0 {
		effort += len(s.groups) * (1 + s.groups[0].pel.Len())
	}
	return effort
}
