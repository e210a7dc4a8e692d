package keys

import (
	"hash/maphash"
	"sync"

	"github.com/redmod/redmod/core"
)

func init() {
	add(core.Spec{
		Name: "scan", Arity: -2, Flags: core.FlagReadOnly | core.FlagKeyspace,
		Summary: "Iterates over the key names in the database.",
		Syntax:  "cursor [MATCH pattern] [COUNT count] [TYPE type]",
		Tips:    []string{"nondeterministic_output", "request_policy:special"},
	}, scan)
}

// A SCAN cursor is a lock slot in its top 8 bits and a position inside the
// slot in the other 56: the keyspace is walked slot by slot, and each slot
// in the order of its keys' positions (see core.ScanSelect).
const (
	slotShift = 56
	posMask   = 1<<slotShift - 1
)

// keyPosSeed seeds key positions; fixed for the life of the process.
var keyPosSeed = maphash.MakeSeed()

// keyPos is a key's position inside its slot, never 0 so that a cursor is
// never 0 before the iteration ends.
func keyPos(k string) uint64 { return maphash.String(keyPosSeed, k)&posMask | 1 }

func scan(c *core.Ctx) error {
	cursor, err := core.ParseCursor(c.Args[1])
	if err != nil {
		return err
	}
	opts, err := core.ParseScanOptions(c.Args[2:], true)
	if err != nil {
		return err
	}
	keys, next, expired := scanDB(c.DB, cursor, opts)
	if len(expired) > 0 {
		// Redis deletes the expired keys SCAN meets; they go once the
		// shared locks SCAN holds are released.
		db := c.DB
		c.AfterUnlock(func() { db.DeleteExpired(expired) })
	}
	c.WriteScanReply(next, len(keys))
	for _, k := range keys {
		c.WriteBulkString(k)
	}
	return nil
}

// scanDB runs one SCAN call over db, whose slots the caller holds (SCAN has
// core.FlagKeyspace). It visits about opts.Count keys, continuing into the
// following slots while a slot holds fewer, and returns the keys that pass
// the filters, the next cursor (0 at the end) and the expired keys of the
// slots it went through.
func scanDB(db *core.DB, cursor uint64, opts core.ScanOptions) (out []string, next uint64, expired []string) {
	slot, from := int(cursor>>slotShift), cursor&posMask
	visited := 0
	buf := itemPool.Get().(*[]core.ScanItem[scanKey])
	defer func() {
		clear(*buf) // drop the key strings
		itemPool.Put(buf)
	}()
	items := (*buf)[:0]
	for ; slot < core.NumSlots; slot, from = slot+1, 0 {
		items = items[:0]
		size := 0
		db.RangeSlot(slot, func(k string, v core.Value, _ int64) bool {
			size++
			pos := keyPos(k)
			if pos < from {
				return true
			}
			// Keys of other types are visited too, counting towards COUNT as
			// in Redis, and filtered out below.
			skip := opts.Type != nil && !core.EqualFold(opts.Type, v.Type().Name)
			items = append(items, core.ScanItem[scanKey]{Pos: pos, Item: scanKey{k, skip}})
			return true
		})
		*buf = items
		expired = db.ExpiredIn(slot, expired)
		// COUNT is a hint: taking at least an eighth of a slot per call
		// bounds a full iteration to a few passes over each slot.
		sel, pos, more := core.ScanSelect(items, from, max(opts.Count-visited, size/8))
		for _, it := range sel {
			if !it.Item.skip && opts.Matches(it.Item.key) {
				out = append(out, it.Item.key)
			}
		}
		visited += len(sel)
		if more {
			return out, uint64(slot)<<slotShift | pos, expired
		}
		if visited >= opts.Count {
			if slot+1 == core.NumSlots {
				return out, 0, expired
			}
			return out, uint64(slot+1) << slotShift, expired
		}
	}
	return out, 0, expired
}

// itemPool keeps the buffers SCAN collects a slot's keys in.
var itemPool = sync.Pool{New: func() any { return new([]core.ScanItem[scanKey]) }}

type scanKey struct {
	key  string
	skip bool // filtered out by TYPE
}
