package streams

import (
	"bytes"
	"slices"
	"sort"

	"github.com/tidwall/btree"
)

// Group is a consumer group: the last ID delivered to it, its count of
// entries read (-1 when unknown), its pending entries list (PEL, entries
// delivered and not acknowledged) and its consumers, each with its own
// share of the PEL. Groups and consumers are kept sorted by name, the
// order Redis lists them in.
type Group struct {
	name        []byte
	lastID      ID
	entriesRead int64
	pel         *btree.BTreeG[*pending]
	consumers   []*Consumer
}

// Consumer is a named reader of a group.
type Consumer struct {
	name     []byte
	seenTime int64 // unix ms of its last read or claim
	pel      *btree.BTreeG[*pending]
}

// pending is an entry of a PEL: delivered to owner, deliveryCount times,
// the last time at deliveryTime (unix ms).
type pending struct {
	id            ID
	owner         *Consumer
	deliveryTime  int64
	deliveryCount uint64
}

const invalidEntriesRead = -1

func newPEL() *btree.BTreeG[*pending] {
	return btree.NewBTreeGOptions(func(a, b *pending) bool { return a.id.Less(b.id) }, btree.Options{NoLocks: true})
}

// lookupGroup returns the group called name, or nil.
func (s *Stream) lookupGroup(name []byte) *Group {
	i := sort.Search(len(s.groups), func(i int) bool { return bytes.Compare(s.groups[i].name, name) >= 0 })
	if i < len(s.groups) && bytes.Equal(s.groups[i].name, name) {
		return s.groups[i]
	}
	return nil
}

// createGroup adds a group; it returns nil when the name is taken.
func (s *Stream) createGroup(name []byte, last ID, entriesRead int64) *Group {
	i := sort.Search(len(s.groups), func(i int) bool { return bytes.Compare(s.groups[i].name, name) >= 0 })
	if i < len(s.groups) && bytes.Equal(s.groups[i].name, name) {
		return nil
	}
	g := &Group{name: bytes.Clone(name), lastID: last, entriesRead: entriesRead, pel: newPEL()}
	s.groups = append(s.groups, nil)
	copy(s.groups[i+1:], s.groups[i:])
	s.groups[i] = g
	return g
}

// destroyGroup removes the group called name and reports whether it existed.
func (s *Stream) destroyGroup(name []byte) bool {
	i := sort.Search(len(s.groups), func(i int) bool { return bytes.Compare(s.groups[i].name, name) >= 0 })
	if i < len(s.groups) && bytes.Equal(s.groups[i].name, name) {
		s.groups = slices.Delete(s.groups, i, i+1)
		return true
	}
	return false
}

func (g *Group) consumerIndex(name []byte) (int, bool) {
	i := sort.Search(len(g.consumers), func(i int) bool { return bytes.Compare(g.consumers[i].name, name) >= 0 })
	return i, i < len(g.consumers) && bytes.Equal(g.consumers[i].name, name)
}

// lookupConsumer returns the consumer called name, or nil.
func (g *Group) lookupConsumer(name []byte) *Consumer {
	if i, ok := g.consumerIndex(name); ok {
		return g.consumers[i]
	}
	return nil
}

// createConsumer adds a consumer seen now; it returns nil when it exists.
func (g *Group) createConsumer(name []byte, now int64) *Consumer {
	i, ok := g.consumerIndex(name)
	if ok {
		return nil
	}
	c := &Consumer{name: bytes.Clone(name), seenTime: now, pel: newPEL()}
	g.consumers = append(g.consumers, nil)
	copy(g.consumers[i+1:], g.consumers[i:])
	g.consumers[i] = c
	return c
}

// deleteConsumer removes a consumer and its pending entries from the
// group; it returns how many entries it had pending.
func (g *Group) deleteConsumer(name []byte) (int, bool) {
	i, ok := g.consumerIndex(name)
	if !ok {
		return 0, false
	}
	c := g.consumers[i]
	n := c.pel.Len()
	c.pel.Scan(func(p *pending) bool {
		g.pel.Delete(p)
		return true
	})
	g.consumers = slices.Delete(g.consumers, i, i+1)
	return n, true
}

// ack removes id from the PEL; it reports whether it was pending.
func (g *Group) ack(id ID) bool {
	p, ok := g.pel.Delete(&pending{id: id})
	if !ok {
		return false
	}
	p.owner.pel.Delete(p)
	return true
}

// deliver records that id was delivered to c now, as XREADGROUP does: a
// new pending entry, or one taken over from another consumer after an
// XGROUP SETID, with a delivery count of 1.
func (g *Group) deliver(id ID, c *Consumer, now int64) {
	p, ok := g.pel.Get(&pending{id: id})
	if ok {
		if p.owner != c {
			p.owner.pel.Delete(p)
			p.owner = c
			c.pel.Set(p)
		}
		p.deliveryTime = now
		p.deliveryCount = 1
		return
	}
	p = &pending{id: id, owner: c, deliveryTime: now, deliveryCount: 1}
	g.pel.Set(p)
	c.pel.Set(p)
}

// tombstoneIn reports whether an XDEL may have removed an entry in
// [start, end], Redis's streamRangeHasTombstones.
func (s *Stream) tombstoneIn(start, end ID) bool {
	if s.length == 0 || s.maxDeleted.IsZero() {
		return false
	}
	if s.maxDeleted.Less(s.firstID) {
		return false
	}
	return !s.maxDeleted.Less(start) && !end.Less(s.maxDeleted)
}

// estimateEntriesRead returns the logical position of id counted from the
// first entry ever added, or -1 when it cannot be known, Redis's
// streamEstimateDistanceFromFirstEverEntry.
func (s *Stream) estimateEntriesRead(id ID) int64 {
	if s.entriesAdded == 0 {
		return 0
	}
	if s.length == 0 && id.Cmp(s.lastID) < 1 {
		return int64(s.entriesAdded)
	}
	switch id.Cmp(s.lastID) {
	case 0:
		return int64(s.entriesAdded)
	case 1:
		return invalidEntriesRead
	}
	if s.maxDeleted.IsZero() || s.maxDeleted.Less(s.firstID) {
		switch id.Cmp(s.firstID) {
		case -1:
			return int64(s.entriesAdded - s.length)
		case 0:
			return int64(s.entriesAdded - s.length + 1)
		}
	}
	return invalidEntriesRead
}

// advance moves the group's last delivered ID to id, keeping its count of
// entries read as Redis does.
func (s *Stream) advance(g *Group, id ID) {
	if !g.lastID.Less(id) {
		return
	}
	if g.entriesRead != invalidEntriesRead && !s.tombstoneIn(id, maxID) {
		g.entriesRead++
	} else if s.entriesAdded != 0 {
		g.entriesRead = s.estimateEntriesRead(id)
	}
	g.lastID = id
}

// lag returns the group's lag and whether it is known, as XINFO GROUPS
// reports it.
func (s *Stream) lag(g *Group) (int64, bool) {
	if s.entriesAdded == 0 {
		return 0, true
	}
	if g.entriesRead != invalidEntriesRead && !s.tombstoneIn(g.lastID, maxID) {
		return int64(s.entriesAdded) - g.entriesRead, true
	}
	if n := s.estimateEntriesRead(g.lastID); n != invalidEntriesRead {
		return int64(s.entriesAdded) - n, true
	}
	return 0, false
}

// clone copies the group deeply, for COPY.
func (g *Group) clone() *Group {
	n := &Group{name: bytes.Clone(g.name), lastID: g.lastID, entriesRead: g.entriesRead, pel: newPEL()}
	owners := map[*Consumer]*Consumer{}
	for _, c := range g.consumers {
		nc := &Consumer{name: bytes.Clone(c.name), seenTime: c.seenTime, pel: newPEL()}
		owners[c] = nc
		n.consumers = append(n.consumers, nc)
	}
	g.pel.Scan(func(p *pending) bool {
		np := &pending{id: p.id, owner: owners[p.owner], deliveryTime: p.deliveryTime, deliveryCount: p.deliveryCount}
		n.pel.Set(np)
		np.owner.pel.Set(np)
		return true
	})
	return n
}
