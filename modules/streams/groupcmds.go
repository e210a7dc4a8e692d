package streams

import (
	"github.com/redmod/redmod/core"
	"strconv"
)

var (
	errEntriesRead  = core.NewError("ERR value for ENTRIESREAD must be positive or -1")
	errXGroupNoKey  = core.NewError("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
	errBusyGroup    = core.NewError("BUSYGROUP Consumer Group name already exists")
	errMinIdleClaim = core.NewError("ERR Invalid min-idle-time argument for XCLAIM")
	errMinIdleAuto  = core.NewError("ERR Invalid min-idle-time argument for XAUTOCLAIM")
	errAutoCount    = core.NewError("ERR COUNT must be > 0")
)

func errNoGroup(key, group []byte) error {
	return core.NewError("NOGROUP No such consumer group '" + string(group) + "' for key name '" + string(key) + "'")
}

// xgroupLookup does what every XGROUP subcommand but HELP starts with:
// the stream must exist (unless mkstream) and, for needGroup, the group.
func xgroupLookup(c *core.Ctx, mkstream, needGroup bool) (*Stream, *Group, error) {
	s, err := getStreamW(c, c.Args[2])
	if err != nil {
		return nil, nil, err
	}
	var g *Group
	if s != nil {
		g = s.lookupGroup(c.Args[3])
	}
	if !mkstream {
		if s == nil {
			return nil, nil, errXGroupNoKey
		}
		if g == nil && needGroup {
			return nil, nil, errNoGroup(c.Args[2], c.Args[3])
		}
	}
	return s, g, nil
}

func parseEntriesRead(b []byte) (int64, error) {
	n, err := parseInt(b)
	if err != nil {
		return 0, err
	}
	if n < 0 && n != invalidEntriesRead {
		return 0, errEntriesRead
	}
	return n, nil
}

func xgroupCreate(c *core.Ctx) error {
	mkstream := false
	entriesRead := int64(invalidEntriesRead)
	for i := 5; i < len(c.Args); {
		switch {
		case eq(c.Args[i], "mkstream"):
			mkstream = true
			i++
		case eq(c.Args[i], "entriesread") && i+1 < len(c.Args):
			n, err := parseEntriesRead(c.Args[i+1])
			if err != nil {
				return err
			}
			entriesRead = n
			i += 2
		default:
			return subcommandSyntaxError(c)
		}
	}
	s, _, err := xgroupLookup(c, mkstream, false)
	if err != nil {
		return err
	}
	if len(c.Args) > 8 {
		return subcommandSyntaxError(c)
	}
	var id ID
	if a := c.Args[4]; len(a) == 1 && a[0] == '$' {
		if s != nil {
			id = s.lastID
		}
	} else if id, err = strictID(a); err != nil {
		return err
	}
	if s == nil {
		s = &Stream{}
		c.DB.Set(c.Args[2], s)
	}
	if s.createGroup(c.Args[3], id, entriesRead) == nil {
		return errBusyGroup
	}
	// Redis replies before it announces (its order for a client
	// subscribed to its own keys' events).
	c.WriteOK()
	c.Notify(core.NotifyStream, "xgroup-create", c.Args[2])
	return nil
}

func xgroupSetID(c *core.Ctx) error {
	s, g, err := xgroupLookup(c, false, true)
	if err != nil {
		return err
	}
	if len(c.Args) != 5 && len(c.Args) != 7 {
		return subcommandSyntaxError(c)
	}
	var id ID
	if a := c.Args[4]; len(a) == 1 && a[0] == '$' {
		id = s.lastID
	} else if id, err = parseID(a, 0, false, nil); err != nil {
		return err
	}
	entriesRead := int64(invalidEntriesRead)
	if len(c.Args) == 7 {
		if !eq(c.Args[5], "entriesread") {
			return subcommandSyntaxError(c)
		}
		if entriesRead, err = parseEntriesRead(c.Args[6]); err != nil {
			return err
		}
	}
	g.lastID = id
	g.entriesRead = entriesRead
	c.WriteOK()
	c.Notify(core.NotifyStream, "xgroup-setid", c.Args[2])
	return nil
}

func xgroupDestroy(c *core.Ctx) error {
	s, g, err := xgroupLookup(c, false, false)
	if err != nil {
		return err
	}
	if g == nil {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	s.destroyGroup(g.name)
	c.WriteInt(1)
	c.Notify(core.NotifyStream, "xgroup-destroy", c.Args[2])
	// Clients blocked in XREADGROUP on this group get an error.
	c.DB.Broadcast(c.Args[2])
	return nil
}

func xgroupCreateConsumer(c *core.Ctx) error {
	_, g, err := xgroupLookup(c, false, true)
	if err != nil {
		return err
	}
	if g.createConsumer(c.Args[4], c.Now()) == nil {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	c.Notify(core.NotifyStream, "xgroup-createconsumer", c.Args[2])
	c.WriteInt(1)
	return nil
}

func xgroupDelConsumer(c *core.Ctx) error {
	_, g, err := xgroupLookup(c, false, true)
	if err != nil {
		return err
	}
	n, found := g.deleteConsumer(c.Args[4])
	if found {
		c.Notify(core.NotifyStream, "xgroup-delconsumer", c.Args[2])
	} else {
		c.SetChanges(0)
	}
	c.WriteInt(int64(n))
	return nil
}

func xgroupHelp(c *core.Ctx) error {
	writeHelp(c, []string{
		"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CREATE <key> <groupname> <id|$> [option]",
		"    Create a new consumer group. Options are:",
		"    * MKSTREAM",
		"      Create the empty stream if it does not exist.",
		"    * ENTRIESREAD entries_read",
		"      Set the group's entries_read counter (internal use).",
		"CREATECONSUMER <key> <groupname> <consumer>",
		"    Create a new consumer in the specified group.",
		"DELCONSUMER <key> <groupname> <consumer>",
		"    Remove the specified consumer.",
		"DESTROY <key> <groupname>",
		"    Remove the specified group.",
		"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
		"    Set the current group ID and entries_read counter.",
		"HELP",
		"    Prints this help.",
	})
	return nil
}

// lookupGroupOrErr finds the stream at key and the group for XACK-like
// commands; the error names the key and the group.
func lookupGroupOrErr(c *core.Ctx, key, group []byte) (*Stream, *Group, error) {
	s, err := getStream(c, key)
	if err != nil {
		return nil, nil, err
	}
	var g *Group
	if s != nil {
		g = s.lookupGroup(group)
	}
	if g == nil {
		return nil, nil, errNoSuchKeyOrGroup(key, group, "")
	}
	return s, g, nil
}

func xack(c *core.Ctx) error {
	s, err := getStream(c, c.Args[1])
	if err != nil {
		return err
	}
	var g *Group
	if s != nil {
		g = s.lookupGroup(c.Args[2])
	}
	if g == nil {
		c.SetChanges(0)
		c.WriteInt(0)
		return nil
	}
	ids := make([]ID, 0, len(c.Args)-3)
	for _, a := range c.Args[3:] {
		id, err := strictID(a)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	n := 0
	for _, id := range ids {
		if g.ack(id) {
			n++
		}
	}
	c.SetChanges(int64(n))
	c.WriteInt(int64(n))
	return nil
}

func xpending(c *core.Ctx) error {
	args := c.Args
	justInfo := len(args) == 3
	if len(args) != 3 && (len(args) < 6 || len(args) > 9) {
		return core.ErrSyntax
	}
	var start, end ID
	var count, minIdle int64
	var consumerName []byte
	if len(args) >= 6 {
		si := 3
		if eq(args[3], "idle") {
			n, err := parseInt(args[4])
			if err != nil {
				return err
			}
			minIdle = n
			if len(args) < 8 {
				return core.ErrSyntax
			}
			si += 2
		}
		n, err := parseInt(args[si+2])
		if err != nil {
			return err
		}
		count = max(n, 0)
		if start, err = parseRangeID(args[si], 0, true); err != nil {
			return err
		}
		if end, err = parseRangeID(args[si+1], ^uint64(0), false); err != nil {
			return err
		}
		if si+3 < len(args) {
			consumerName = args[si+3]
		}
	}
	_, g, err := lookupGroupOrErr(c, args[1], args[2])
	if err != nil {
		return err
	}
	if justInfo {
		c.WriteArray(4)
		c.WriteInt(int64(g.pel.Len()))
		if g.pel.Len() == 0 {
			c.WriteNull()
			c.WriteNull()
			c.WriteNullArray()
			return nil
		}
		first, _ := g.pel.Min()
		last, _ := g.pel.Max()
		writeID(c, first.id)
		writeID(c, last.id)
		n := 0
		for _, cs := range g.consumers {
			if cs.pel.Len() > 0 {
				n++
			}
		}
		c.WriteArray(n)
		for _, cs := range g.consumers {
			if cs.pel.Len() > 0 {
				c.WriteArray(2)
				c.WriteBulk(cs.name)
				c.WriteBulkInt(int64(cs.pel.Len()))
			}
		}
		return nil
	}
	pel := g.pel
	if consumerName != nil {
		cs := g.lookupConsumer(consumerName)
		if cs == nil {
			c.WriteArray(0)
			return nil
		}
		pel = cs.pel
	}
	now := c.Now()
	var ps []*pending
	if count > 0 {
		pel.Ascend(&pending{id: start}, func(p *pending) bool {
			if end.Less(p.id) {
				return false
			}
			if minIdle != 0 && now-p.deliveryTime < minIdle {
				return true
			}
			ps = append(ps, p)
			return int64(len(ps)) < count
		})
	}
	c.WriteArray(len(ps))
	for _, p := range ps {
		c.WriteArray(4)
		writeID(c, p.id)
		c.WriteBulk(p.owner.name)
		c.WriteInt(max(now-p.deliveryTime, 0))
		c.WriteInt(int64(p.deliveryCount))
	}
	return nil
}

// groupConsumer returns the consumer called name, marked seen now; a
// consumer created for the occasion is announced as XGROUP CREATECONSUMER
// announces it.
func groupConsumer(c *core.Ctx, g *Group, key, name []byte, now int64) *Consumer {
	if cs := g.lookupConsumer(name); cs != nil {
		cs.seenTime = now
		return cs
	}
	c.Notify(core.NotifyStream, "xgroup-createconsumer", key)
	return g.createConsumer(name, now)
}

var (
	cmdXGROUP         = []byte("XGROUP")
	cmdXCLAIM         = []byte("XCLAIM")
	argCREATECONSUMER = []byte("CREATECONSUMER")
	argSETID          = []byte("SETID")
	argENTRIESREAD    = []byte("ENTRIESREAD")
)

// propagateClaim propagates the state of pending entry p as Redis 7.0's
// streamPropagateXCLAIM does: XCLAIM key group consumer 0 id TIME t
// RETRYCOUNT n FORCE JUSTID LASTID last, which sets the entry's owner,
// delivery time and count, and the group's last ID, whatever the replica
// holds (an entry deleted from the stream is dropped from its PEL). last is
// the group's last ID to set: XREADGROUP's after delivering id, otherwise
// the group's.
func propagateClaim(c *core.Ctx, key []byte, g *Group, consumer []byte, p *pending, id, last ID) {
	if !c.Propagating() {
		return
	}
	c.Propagate(cmdXCLAIM, key, g.name, consumer, []byte("0"), id.Append(nil),
		[]byte("TIME"), strconv.AppendInt(nil, p.deliveryTime, 10),
		[]byte("RETRYCOUNT"), strconv.AppendUint(nil, p.deliveryCount, 10),
		[]byte("FORCE"), []byte("JUSTID"), []byte("LASTID"), last.Append(nil))
}

// propagateGroupID propagates a group's last delivered ID and read counter:
// XGROUP SETID key group id ENTRIESREAD n.
func propagateGroupID(c *core.Ctx, key []byte, g *Group) {
	c.Propagate(cmdXGROUP, argSETID, key, g.name, g.lastID.Append(nil),
		argENTRIESREAD, strconv.AppendInt(nil, g.entriesRead, 10))
}

// claim gives pending entry p to consumer, as XCLAIM and XAUTOCLAIM do.
func claim(g *Group, p *pending, consumer *Consumer) {
	if p.owner != consumer {
		if p.owner != nil {
			p.owner.pel.Delete(p)
		}
		p.owner = consumer
		consumer.pel.Set(p)
	}
}

// ownerName is the name of the consumer a pending entry belongs to, or
// fallback when it has none.
func ownerName(p *pending, fallback []byte) []byte {
	if p.owner != nil {
		return p.owner.name
	}
	return fallback
}

// dropPending removes a pending entry whose stream entry is gone.
func dropPending(g *Group, p *pending) {
	g.pel.Delete(p)
	if p.owner != nil {
		p.owner.pel.Delete(p)
	}
}

func xclaim(c *core.Ctx) error {
	args := c.Args
	s, g, err := lookupGroupOrErr(c, args[1], args[2])
	if err != nil {
		return err
	}
	minIdle, ok := core.ParseInt(args[4])
	if !ok {
		return errMinIdleClaim
	}
	minIdle = max(minIdle, 0)
	var ids []ID
	j := 5
	for ; j < len(args); j++ {
		id, err := strictID(args[j])
		if err != nil {
			break
		}
		ids = append(ids, id)
	}
	now := c.Now()
	deliveryTime := int64(-1)
	retryCount := int64(-1)
	force, justID := false, false
	var lastID ID
	for ; j < len(args); j++ {
		more := len(args) - 1 - j
		opt := args[j]
		switch {
		case eq(opt, "force"):
			force = true
		case eq(opt, "justid"):
			justID = true
		case eq(opt, "idle") && more > 0:
			j++
			n, ok := core.ParseInt(args[j])
			if !ok {
				return core.NewError("ERR Invalid IDLE option argument for XCLAIM")
			}
			deliveryTime = now - n
		case eq(opt, "time") && more > 0:
			j++
			n, ok := core.ParseInt(args[j])
			if !ok {
				return core.NewError("ERR Invalid TIME option argument for XCLAIM")
			}
			deliveryTime = n
		case eq(opt, "retrycount") && more > 0:
			j++
			n, ok := core.ParseInt(args[j])
			if !ok {
				return core.NewError("ERR Invalid RETRYCOUNT option argument for XCLAIM")
			}
			retryCount = n
		case eq(opt, "lastid") && more > 0:
			j++
			id, err := strictID(args[j])
			if err != nil {
				return err
			}
			lastID = id
		default:
			return core.NewError("ERR Unrecognized XCLAIM option '" + string(opt) + "'")
		}
	}
	// XCLAIM propagates the state it leaves, as Redis 7.0 does: an XCLAIM
	// in absolute terms per entry it claimed or dropped, or the group's
	// new last ID when only LASTID changed something.
	c.PropagateNothing()
	propagateLastID := false
	if g.lastID.Less(lastID) {
		g.lastID = lastID
		propagateLastID = true
	}
	if deliveryTime == -1 || deliveryTime < 0 || deliveryTime > now {
		deliveryTime = now
	}
	var consumer *Consumer
	var claimed []ID
	for _, id := range ids {
		p, found := g.pel.Get(&pending{id: id})
		if _, exists := s.get(id, nil); !exists {
			if found {
				propagateClaim(c, args[1], g, ownerName(p, args[3]), p, id, g.lastID)
				propagateLastID = false
				dropPending(g, p)
			}
			continue
		}
		if force && !found {
			p = &pending{id: id, deliveryTime: now, deliveryCount: 1}
			g.pel.Set(p)
			found = true
		}
		if !found {
			continue
		}
		if p.owner != nil && minIdle != 0 && now-p.deliveryTime < minIdle {
			continue
		}
		if consumer == nil {
			consumer = groupConsumer(c, g, args[1], args[3], now)
		}
		claim(g, p, consumer)
		p.deliveryTime = deliveryTime
		if retryCount >= 0 {
			p.deliveryCount = uint64(retryCount)
		} else if !justID {
			p.deliveryCount++
		}
		claimed = append(claimed, id)
		propagateClaim(c, args[1], g, args[3], p, id, g.lastID)
		propagateLastID = false
	}
	if propagateLastID && c.Propagating() {
		propagateGroupID(c, args[1], g)
	}
	c.WriteArray(len(claimed))
	var fv [][]byte
	for _, id := range claimed {
		if justID {
			writeID(c, id)
			continue
		}
		fv, _ = s.get(id, fv[:0])
		writeEntry(c, id, fv)
	}
	return nil
}

func xautoclaim(c *core.Ctx) error {
	args := c.Args
	minIdle, ok := core.ParseInt(args[4])
	if !ok {
		return errMinIdleAuto
	}
	minIdle = max(minIdle, 0)
	start, err := parseRangeID(args[5], 0, true)
	if err != nil {
		return err
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case eq(args[j], "count") && more > 0:
			n, ok := core.ParseInt(args[j+1])
			if !ok {
				return errAutoCount
			}
			if n < 1 || n > (1<<63-1)/16 {
				return errAutoCount
			}
			count = n
			j++
		case eq(args[j], "justid"):
			justID = true
		default:
			return core.ErrSyntax
		}
	}
	s, g, err := lookupGroupOrErr(c, args[1], args[2])
	if err != nil {
		return err
	}
	attempts := count * 10
	now := c.Now()
	// XAUTOCLAIM propagates an XCLAIM per entry it claimed or dropped.
	c.PropagateNothing()
	var consumer *Consumer
	var claimed, deleted []ID
	var next ID
	hasNext := false
	// Collect the candidates first: claiming changes the tree.
	var cands []*pending
	g.pel.Ascend(&pending{id: start}, func(p *pending) bool {
		if int64(len(cands)) > attempts {
			return false
		}
		cands = append(cands, p)
		return true
	})
	i := 0
	for ; i < len(cands) && attempts > 0 && count > 0; i++ {
		attempts--
		p := cands[i]
		if _, exists := s.get(p.id, nil); !exists {
			propagateClaim(c, args[1], g, ownerName(p, args[3]), p, p.id, g.lastID)
			dropPending(g, p)
			deleted = append(deleted, p.id)
			count--
			continue
		}
		if minIdle != 0 && now-p.deliveryTime < minIdle {
			continue
		}
		if consumer == nil {
			consumer = groupConsumer(c, g, args[1], args[3], now)
		}
		claim(g, p, consumer)
		p.deliveryTime = now
		if !justID {
			p.deliveryCount++
		}
		claimed = append(claimed, p.id)
		propagateClaim(c, args[1], g, args[3], p, p.id, g.lastID)
		count--
	}
	if i < len(cands) {
		next, hasNext = cands[i].id, true
	}
	c.WriteArray(3)
	if hasNext {
		writeID(c, next)
	} else {
		writeID(c, ID{})
	}
	c.WriteArray(len(claimed))
	var fv [][]byte
	for _, id := range claimed {
		if justID {
			writeID(c, id)
			continue
		}
		fv, _ = s.get(id, fv[:0])
		writeEntry(c, id, fv)
	}
	c.WriteArray(len(deleted))
	for _, id := range deleted {
		writeID(c, id)
	}
	return nil
}
