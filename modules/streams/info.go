package streams

import (
	"github.com/redmod/redmod/core"
)

// xinfoStream is XINFO STREAM key [FULL [COUNT count]].
func xinfoStream(c *core.Ctx) error {
	s, err := getStream(c, c.Args[2])
	if err != nil {
		return err
	}
	if s == nil {
		return errNoSuchKey
	}
	opts := c.Args[3:]
	full := len(opts) > 0
	count := int64(10)
	if full {
		if len(opts) != 1 && len(opts) != 3 {
			return subcommandSyntaxError(c)
		}
		if !eq(opts[0], "full") {
			return subcommandSyntaxError(c)
		}
		if len(opts) == 3 {
			if !eq(opts[1], "count") {
				return subcommandSyntaxError(c)
			}
			n, err := parseInt(opts[2])
			if err != nil {
				return err
			}
			if n < 0 {
				n = 10
			}
			count = n
		}
	}
	if full {
		c.WriteMap(9)
	} else {
		c.WriteMap(10)
	}
	c.WriteBulkString("length")
	c.WriteInt(int64(s.length))
	c.WriteBulkString("radix-tree-keys")
	c.WriteInt(int64(len(s.blocks)))
	c.WriteBulkString("radix-tree-nodes")
	c.WriteInt(radixNodes(len(s.blocks)))
	c.WriteBulkString("last-generated-id")
	writeID(c, s.lastID)
	c.WriteBulkString("max-deleted-entry-id")
	writeID(c, s.maxDeleted)
	c.WriteBulkString("entries-added")
	c.WriteInt(int64(s.entriesAdded))
	c.WriteBulkString("recorded-first-entry-id")
	writeID(c, s.firstID)
	if !full {
		c.WriteBulkString("groups")
		c.WriteInt(int64(len(s.groups)))
		var fv [][]byte
		c.WriteBulkString("first-entry")
		found := false
		s.scan(minID, maxID, false, func(id ID, x [][]byte) bool {
			writeEntry(c, id, x)
			found = true
			return false
		})
		if !found {
			c.WriteNull()
		}
		c.WriteBulkString("last-entry")
		found = false
		s.scan(minID, maxID, true, func(id ID, x [][]byte) bool {
			writeEntry(c, id, x)
			found = true
			return false
		})
		if !found {
			c.WriteNull()
		}
		_ = fv
		return nil
	}
	c.WriteBulkString("entries")
	writeRange(c, s, minID, maxID, count, false)
	c.WriteBulkString("groups")
	c.WriteArray(len(s.groups))
	for _, g := range s.groups {
		c.WriteMap(7)
		c.WriteBulkString("name")
		c.WriteBulk(g.name)
		c.WriteBulkString("last-delivered-id")
		writeID(c, g.lastID)
		c.WriteBulkString("entries-read")
		writeEntriesRead(c, g.entriesRead)
		c.WriteBulkString("lag")
		writeLag(c, s, g)
		c.WriteBulkString("pel-count")
		c.WriteInt(int64(g.pel.Len()))
		c.WriteBulkString("pending")
		ps := firstPending(g.pel.Len(), count, func(fn func(*pending) bool) { g.pel.Scan(fn) })
		c.WriteArray(len(ps))
		for _, p := range ps {
			c.WriteArray(4)
			writeID(c, p.id)
			c.WriteBulk(p.owner.name)
			c.WriteInt(p.deliveryTime)
			c.WriteInt(int64(p.deliveryCount))
		}
		c.WriteBulkString("consumers")
		c.WriteArray(len(g.consumers))
		for _, cs := range g.consumers {
			c.WriteMap(4)
			c.WriteBulkString("name")
			c.WriteBulk(cs.name)
			c.WriteBulkString("seen-time")
			c.WriteInt(cs.seenTime)
			c.WriteBulkString("pel-count")
			c.WriteInt(int64(cs.pel.Len()))
			c.WriteBulkString("pending")
			ps := firstPending(cs.pel.Len(), count, func(fn func(*pending) bool) { cs.pel.Scan(fn) })
			c.WriteArray(len(ps))
			for _, p := range ps {
				c.WriteArray(3)
				writeID(c, p.id)
				c.WriteInt(p.deliveryTime)
				c.WriteInt(int64(p.deliveryCount))
			}
		}
	}
	return nil
}

// firstPending returns the first count pending entries (all when 0).
func firstPending(n int, count int64, scan func(func(*pending) bool)) []*pending {
	if count > 0 && int64(n) > count {
		n = int(count)
	}
	ps := make([]*pending, 0, n)
	scan(func(p *pending) bool {
		if len(ps) == n {
			return false
		}
		ps = append(ps, p)
		return true
	})
	return ps
}

// radixNodes approximates the node count of Redis's radix tree holding n
// keys, which only XINFO STREAM reports.
func radixNodes(n int) int64 {
	if n == 0 {
		return 1
	}
	return int64(n) + int64(n+1)/2
}

func writeEntriesRead(c *core.Ctx, n int64) {
	if n == invalidEntriesRead {
		c.WriteNull()
		return
	}
	c.WriteInt(n)
}

func writeLag(c *core.Ctx, s *Stream, g *Group) {
	if lag, ok := s.lag(g); ok {
		c.WriteInt(lag)
		return
	}
	c.WriteNull()
}

func xinfoGroups(c *core.Ctx) error {
	s, err := getStream(c, c.Args[2])
	if err != nil {
		return err
	}
	if s == nil {
		return errNoSuchKey
	}
	c.WriteArray(len(s.groups))
	for _, g := range s.groups {
		c.WriteMap(6)
		c.WriteBulkString("name")
		c.WriteBulk(g.name)
		c.WriteBulkString("consumers")
		c.WriteInt(int64(len(g.consumers)))
		c.WriteBulkString("pending")
		c.WriteInt(int64(g.pel.Len()))
		c.WriteBulkString("last-delivered-id")
		writeID(c, g.lastID)
		c.WriteBulkString("entries-read")
		writeEntriesRead(c, g.entriesRead)
		c.WriteBulkString("lag")
		writeLag(c, s, g)
	}
	return nil
}

func xinfoConsumers(c *core.Ctx) error {
	s, err := getStream(c, c.Args[2])
	if err != nil {
		return err
	}
	if s == nil {
		return errNoSuchKey
	}
	g := s.lookupGroup(c.Args[3])
	if g == nil {
		return errNoGroup(c.Args[2], c.Args[3])
	}
	now := c.Now()
	c.WriteArray(len(g.consumers))
	for _, cs := range g.consumers {
		c.WriteMap(3)
		c.WriteBulkString("name")
		c.WriteBulk(cs.name)
		c.WriteBulkString("pending")
		c.WriteInt(int64(cs.pel.Len()))
		c.WriteBulkString("idle")
		c.WriteInt(max(now-cs.seenTime, 0))
	}
	return nil
}

func xinfoHelp(c *core.Ctx) error {
	writeHelp(c, []string{
		"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CONSUMERS <key> <groupname>",
		"    Show consumers of <groupname>.",
		"GROUPS <key>",
		"    Show the stream consumer groups.",
		"STREAM <key> [FULL [COUNT <count>]",
		"    Show information about the stream.",
		"HELP",
		"    Prints this help.",
	})
	return nil
}
