package sets

import (
	"bytes"
	"math"
	"math/rand/v2"

	"github.com/redmod/redmod/core"
)

// Errors of SPOP's and SRANDMEMBER's counts, with Redis's wording (its typo
// included).
var (
	errPopCount  = core.NewError("ERR value is out of range, must be positive")
	errRandCount = core.NewError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
)

func spop(c *core.Ctx) error {
	switch {
	case len(c.Args) == 3:
		return spopCount(c)
	case len(c.Args) > 3:
		return core.ErrSyntax
	}
	key := c.Args[1]
	s, err := getSetW(c, key)
	if err != nil {
		return err
	}
	if s == nil {
		c.SetChanges(0)
		c.WriteNull()
		return nil
	}
	m := s.Pop()
	// The member drawn, not the draw (Redis 7.0 propagates the same).
	c.Propagate(cmdSREM, key, m)
	// Redis announces the pop, replies, then deletes an emptied set.
	c.Notify(core.NotifySet, "spop", key)
	c.WriteBulk(m)
	if s.Len() == 0 {
		c.DB.Delete(key)
		c.Notify(core.NotifyGeneric, "del", key)
	}
	return nil
}

func spopCount(c *core.Ctx) error {
	n, ok := core.ParseInt(c.Args[2])
	if !ok || n < 0 {
		return errPopCount
	}
	key := c.Args[1]
	s, err := getSetW(c, key)
	if err != nil {
		return err
	}
	if s == nil || n == 0 {
		c.SetChanges(0)
		c.WriteSet(0)
		return nil
	}
	size := s.Len()
	c.Notify(core.NotifySet, "spop", key)
	if n >= int64(size) {
		// The whole set: reply with it and delete the key.
		writeMembers(c, s)
		c.DB.Delete(key)
		c.Notify(core.NotifyGeneric, "del", key)
		c.SetChanges(int64(size))
		c.Propagate([]byte("DEL"), key)
		return nil
	}
	count := int(n)
	c.SetChanges(int64(count))
	c.WriteSet(count)
	rem := sremBatches{c: c, key: key, on: c.Propagating()}
	if count*2 <= size {
		for range count {
			m := s.Pop()
			c.WriteBulk(m)
			rem.add(m)
		}
		rem.flush()
		return nil
	}
	// Most of the set: shuffle its members and take the head.
	members := s.Members()
	for i := range count {
		j := i + rand.IntN(size-i)
		members[i], members[j] = members[j], members[i]
		s.Remove(members[i])
		c.WriteBulk(members[i])
		rem.add(members[i])
	}
	rem.flush()
	return nil
}

var cmdSREM = []byte("SREM")

// sremBatches propagates the members SPOP drew as SREMs of up to 1024
// members each, as Redis 7.0 does.
type sremBatches struct {
	c    *core.Ctx
	key  []byte
	on   bool
	args [][]byte
}

func (b *sremBatches) add(m []byte) {
	if !b.on {
		return
	}
	if len(b.args) == 0 {
		b.args = append(b.args, cmdSREM, b.key)
	}
	b.args = append(b.args, bytes.Clone(m))
	if len(b.args) == 2+1024 {
		b.flush()
	}
}

func (b *sremBatches) flush() {
	if len(b.args) > 2 {
		b.c.Propagate(b.args...)
	}
	b.args = nil
}

func srandmember(c *core.Ctx) error {
	switch {
	case len(c.Args) == 3:
		return srandmemberCount(c)
	case len(c.Args) > 3:
		return core.ErrSyntax
	}
	s, err := getSet(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil {
		c.WriteNull()
		return nil
	}
	c.WriteBulk(s.Random())
	return nil
}

func srandmemberCount(c *core.Ctx) error {
	l, err := core.Int(c.Args[2])
	if err != nil {
		return err
	}
	if l == math.MinInt64 {
		return errRandCount
	}
	s, err := getSet(c, c.Args[1])
	if err != nil {
		return err
	}
	if s == nil || l == 0 {
		c.WriteArray(0)
		return nil
	}
	size := s.Len()
	switch {
	case l < 0:
		// Repeats allowed: independent picks. The reply is bounded by the
		// output limits, as Redis's is.
		n := int(min(-l, math.MaxInt/4))
		c.WriteArray(n)
		if s.form == formTable {
			for range n {
				c.WriteBulk(s.Random())
			}
			return nil
		}
		members := s.Members()
		for range n {
			c.WriteBulk(members[rand.IntN(size)])
		}
	case int64(size) <= l:
		// The whole set.
		c.WriteArray(size)
		s.Each(func(m []byte) bool {
			c.WriteBulk(m)
			return true
		})
	case s.form == formTable && int(l)*3 <= size:
		// Few distinct members of a large set: random picks, skipping
		// repeats, as Redis does when the count is small against the size.
		n := int(l)
		seen := make(map[string]bool, n)
		c.WriteArray(n)
		for len(seen) < n {
			m := s.Random()
			if !seen[string(m)] {
				seen[string(m)] = true
				c.WriteBulk(m)
			}
		}
	default:
		// Distinct picks: the head of a partial Fisher-Yates shuffle.
		members := s.Members()
		n := int(l)
		c.WriteArray(n)
		for i := range n {
			j := i + rand.IntN(size-i)
			members[i], members[j] = members[j], members[i]
			c.WriteBulk(members[i])
		}
	}
	return nil
}
