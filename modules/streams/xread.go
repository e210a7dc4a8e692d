package streams

import (
	"time"

	"github.com/redmod/redmod/core"
)

var (
	errTimeoutNotInt   = core.NewError("ERR timeout is not an integer or out of range")
	errTimeoutNegative = core.NewError("ERR timeout is negative")
	errGroupOnlyRG     = core.NewError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
	errNoAckOnlyRG     = core.NewError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
	errMissingGroup    = core.NewError("ERR Missing GROUP option for XREADGROUP")
	errDollarInGroup   = core.NewError("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
	errGTOutsideGroup  = core.NewError("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
	errUnbalanced      = core.NewError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
	errKeyGone         = core.NewError("UNBLOCKED the stream key no longer exists")
	errGroupGone       = core.NewError("NOGROUP the consumer group this client was blocked on no longer exists")
)

// blockedDefaultCount is the COUNT a blocked XREAD without one is served
// with, as in Redis, so that a low ID does not return a huge reply.
const blockedDefaultCount = 1000

func xread(c *core.Ctx) error      { return readGeneric(c, false) }
func xreadgroup(c *core.Ctx) error { return readGeneric(c, true) }

// readGeneric is XREAD and XREADGROUP. A call that finds nothing to serve
// and has BLOCK returns a block request with the IDs it resolved ("$" is
// the stream's last ID at that moment); when a write wakes it, the host
// runs it again with those IDs.
func readGeneric(c *core.Ctx, group bool) error {
	args := c.Args
	timeout := int64(-1)
	count := int64(0)
	streamsArg, nStreams := 0, 0
	noack := false
	var groupName, consumerName []byte
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		o := args[i]
		switch {
		case eq(o, "block") && more > 0:
			if c.FromScript() {
				return core.NewError("ERR " + c.Name + " command is not allowed with BLOCK option from scripts")
			}
			i++
			n, ok := core.ParseInt(args[i])
			if !ok {
				return errTimeoutNotInt
			}
			if n < 0 {
				return errTimeoutNegative
			}
			timeout = n
		case eq(o, "count") && more > 0:
			i++
			n, err := parseInt(args[i])
			if err != nil {
				return err
			}
			count = max(n, 0)
		case eq(o, "streams") && more > 0:
			streamsArg = i + 1
			nStreams = len(args) - streamsArg
			if nStreams%2 != 0 {
				return errUnbalanced
			}
			nStreams /= 2
			i = len(args)
		case eq(o, "group") && more >= 2:
			if !group {
				return errGroupOnlyRG
			}
			groupName, consumerName = args[i+1], args[i+2]
			i += 2
		case eq(o, "noack"):
			if !group {
				return errNoAckOnlyRG
			}
			noack = true
		default:
			return core.ErrSyntax
		}
	}
	if streamsArg == 0 {
		return core.ErrSyntax
	}
	if group && groupName == nil {
		return errMissingGroup
	}
	keys := args[streamsArg : streamsArg+nStreams]
	idArgs := args[streamsArg+nStreams:]
	woken := c.Woken()
	saved, _ := c.BlockState().([]ID)

	// Resolve the IDs, the streams and the groups.
	ids := make([]ID, nStreams)
	streams := make([]*Stream, nStreams)
	var groups []*Group
	if group {
		groups = make([]*Group, nStreams)
	}
	newOnly := maxID // the ">" of XREADGROUP
	for i, key := range keys {
		s, err := getStream(c, key)
		if err != nil {
			if woken {
				if group {
					return errKeyGone
				}
				continue // XREAD keeps waiting on a key of another type
			}
			return err
		}
		streams[i] = s
		if group {
			var g *Group
			if s != nil {
				g = s.lookupGroup(groupName)
			}
			if g == nil {
				if woken {
					if s == nil {
						return errKeyGone
					}
					return errGroupGone
				}
				return errNoSuchKeyOrGroup(key, groupName, " in XREADGROUP with GROUP option")
			}
			groups[i] = g
		}
		idArg := idArgs[i]
		switch {
		case len(idArg) == 1 && idArg[0] == '$':
			if group {
				return errDollarInGroup
			}
			switch {
			case saved != nil:
				ids[i] = saved[i]
			case s != nil:
				ids[i] = s.lastID
			}
			continue
		case len(idArg) == 1 && idArg[0] == '>':
			if !group {
				return errGTOutsideGroup
			}
			ids[i] = newOnly
			continue
		}
		id, err := strictID(idArg)
		if err != nil {
			return err
		}
		ids[i] = id
	}
	if woken && count == 0 {
		count = blockedDefaultCount
	}

	// Serve what can be served now. A client woken from blocking is
	// served from one stream only, the first with news, as Redis serves a
	// blocked client from the key that woke it.
	now := c.Now()
	served, created := 0, 0
	if group {
		// XREADGROUP propagates the state it leaves (propagateRead), never
		// itself.
		c.PropagateNothing()
	}
	for i, s := range streams {
		if woken && served > 0 {
			break
		}
		if s == nil {
			continue
		}
		gt := ids[i]
		history := false
		serve := false
		if group {
			if gt != newOnly {
				serve, history = true, true
			} else if s.length > 0 && groups[i].lastID.Less(s.edge(true)) {
				serve = true
				gt = groups[i].lastID
			}
		} else if s.length > 0 && gt.Less(s.edge(true)) {
			serve = true
		}
		if !serve {
			continue
		}
		if served == 0 {
			n := countServable(streams, ids, groups, newOnly)
			if woken {
				n = 1
			}
			if c.Protocol() == 2 {
				c.WriteArray(n)
			} else {
				c.WriteMap(n)
			}
		}
		served++
		if c.Protocol() == 2 {
			c.WriteArray(2)
		}
		c.WriteBulk(keys[i])
		start, _ := gt.next()
		if group {
			g := groups[i]
			isNew := g.lookupConsumer(consumerName) == nil
			if isNew {
				created++
			}
			consumer := groupConsumer(c, g, keys[i], consumerName, now)
			if history {
				writeHistory(c, s, consumer, start, count, now)
			} else {
				delivered := writeGroupRange(c, s, g, consumer, start, count, noack, now)
				propagateRead(c, keys[i], g, consumer, delivered, noack, isNew)
			}
		} else {
			writeRange(c, s, start, maxID, count, false)
		}
	}
	if served > 0 {
		if group {
			// As Redis counts them: each stream served and each consumer
			// created is a change.
			c.SetChanges(int64(served + created))
		}
		return nil
	}
	c.SetChanges(0)
	if timeout >= 0 {
		if saved == nil {
			saved = ids
		}
		return c.BlockWith(keys, time.Duration(timeout)*time.Millisecond, saved)
	}
	c.WriteNullArray()
	return nil
}

// countServable counts the streams readGeneric will serve, for the reply's
// header; it repeats the decisions of the serving loop.
func countServable(streams []*Stream, ids []ID, groups []*Group, newOnly ID) int {
	n := 0
	for i, s := range streams {
		if s == nil {
			continue
		}
		if groups != nil {
			if ids[i] != newOnly || (s.length > 0 && groups[i].lastID.Less(s.edge(true))) {
				n++
			}
		} else if s.length > 0 && ids[i].Less(s.edge(true)) {
			n++
		}
	}
	return n
}

// writeGroupRange serves new entries to a consumer: each goes past the
// group's last delivered ID and, unless NOACK, into the PEL.
func writeGroupRange(c *core.Ctx, s *Stream, g *Group, consumer *Consumer, start ID, count int64, noack bool, now int64) []ID {
	var ids []ID
	s.scan(start, maxID, false, func(id ID, _ [][]byte) bool {
		ids = append(ids, id)
		return count <= 0 || int64(len(ids)) < count
	})
	c.WriteArray(len(ids))
	i := 0
	if len(ids) == 0 {
		return nil
	}
	s.scan(start, maxID, false, func(id ID, fv [][]byte) bool {
		s.advance(g, id)
		writeEntry(c, id, fv)
		if !noack {
			g.deliver(id, consumer, now)
		}
		i++
		return i < len(ids)
	})
	return ids
}

// propagateRead propagates what XREADGROUP did to a group, as Redis 7.0
// does: an XCLAIM for each entry delivered into the PEL (with the group's
// last ID after it), or with NOACK the group's new last ID (and the
// consumer, when it was created for the read). Reading history changes
// only delivery counters and propagates nothing.
func propagateRead(c *core.Ctx, key []byte, g *Group, consumer *Consumer, ids []ID, noack, created bool) {
	if len(ids) == 0 || !c.Propagating() {
		return
	}
	if noack {
		if created {
			c.Propagate(cmdXGROUP, argCREATECONSUMER, key, g.name, consumer.name)
		}
		propagateGroupID(c, key, g)
		return
	}
	for _, id := range ids {
		p, ok := g.pel.Get(&pending{id: id})
		if !ok {
			continue
		}
		propagateClaim(c, key, g, consumer.name, p, id, id)
	}
}

// writeHistory serves a consumer's own pending entries from start: an
// entry deleted meanwhile is reported with a null body.
func writeHistory(c *core.Ctx, s *Stream, consumer *Consumer, start ID, count int64, now int64) {
	var ps []*pending
	consumer.pel.Ascend(&pending{id: start}, func(p *pending) bool {
		ps = append(ps, p)
		return count <= 0 || int64(len(ps)) < count
	})
	c.WriteArray(len(ps))
	var fv [][]byte
	for _, p := range ps {
		var ok bool
		fv, ok = s.get(p.id, fv[:0])
		if !ok {
			c.WriteArray(2)
			writeID(c, p.id)
			c.WriteNullArray()
			continue
		}
		writeEntry(c, p.id, fv)
		p.deliveryTime = now
		p.deliveryCount++
	}
}
