package core

import "slices"

// WATCH makes a later EXEC fail when a watched key changed meanwhile. The
// keyspace notices changes itself, so that every module's commands, in or out
// of the tree, take part without calling anything:
//
//   - The keyspace's write methods (Set, SetWithExpiry, SetKeepTTL, Delete,
//     SetExpiry, GetForWrite and the LookupWrite that uses it) mark a watched
//     key they reach as written by the running command. When the command ends
//     the host settles the marks (Keyspace.SettleWatches): a command that
//     reported changes (Redis's dirty count: not an error, not SetChanges(0))
//     touches the keys it marked; one that changed nothing drops them.
//   - A write command that reported changes without marking any watched key
//     changed its values in place after a plain Get (as examples/ratelimit
//     does): it touches the watched keys among its declared keys that exist.
//   - Expiry (lazy and active), FlushDB/FlushAll and SwapDBs touch at once,
//     with Redis 7.0's rules for keys that had already expired when watched:
//     removing such a stale key is no change.
//
// A touch marks every client watching the key, and EXEC then replies null.
// Watches live in the lock slot of their key and change only under its lock;
// a keyspace-wide count of watches lets every hook return after one atomic
// load when nobody watches anything.

type watchKey struct {
	db  int
	key string
}

// slotWatch is the watch table of one lock slot, guarded by the slot's lock.
type slotWatch struct {
	keys map[watchKey]*watchedKey
	// pending lists the watched keys the running command marked.
	pending []*watchedKey
	// wrote says that the running command reached a key of the slot to
	// change it (watched or not): its changes then went through the
	// keyspace's write methods, and its declared keys that it did not
	// reach stay untouched (SMOVE to a set that already has the member).
	wrote bool
}

type watchedKey struct {
	watchKey
	recs    []*watchRec
	pending bool
}

// watchRec is one client's watch of one key.
type watchRec struct {
	c    *Client
	wk   *watchedKey
	slot int
	// expired: the key existed but had expired when it was watched (Redis
	// 7.0's "stale" watched key, whose removal is not a change).
	expired bool
}

// Watching reports whether any client watches a key; the host skips all
// watch work when it does not.
func (ks *Keyspace) Watching() bool { return ks.watches.Load() != 0 }

// Watch makes c watch key of this database, as WATCH does. The caller holds
// the key's lock exclusively (WATCH names its keys, so the host does).
func (db *DB) Watch(c *Client, key []byte) {
	for _, r := range c.watched {
		if r.wk.db == db.index && r.wk.key == string(key) {
			return
		}
	}
	ks := db.ks
	i := ks.SlotOf(key)
	l := &ks.locks[i]
	if l.watch == nil {
		l.watch = &slotWatch{keys: map[watchKey]*watchedKey{}}
	}
	k := watchKey{db.index, string(key)}
	wk := l.watch.keys[k]
	if wk == nil {
		wk = &watchedKey{watchKey: k}
		l.watch.keys[k] = wk
	}
	e, exp := db.entryAt(i, string(key))
	r := &watchRec{c: c, wk: wk, slot: i, expired: e != nil && exp != 0 && exp <= ks.Now()}
	wk.recs = append(wk.recs, r)
	c.watched = append(c.watched, r)
	ks.watches.Add(1)
}

// WatchedSlots appends the lock slots of the keys c watches to dst.
func (ks *Keyspace) WatchedSlots(c *Client, dst []int) []int {
	for _, r := range c.watched {
		dst = append(dst, r.slot)
	}
	return dst
}

// WatchFailed reports whether EXEC must fail for c: a watched key was
// touched, or a key that was live when watched has expired since (Redis
// 7.0). The caller holds the locks of the watched keys.
func (ks *Keyspace) WatchFailed(c *Client) bool {
	if c.casDirty.Load() {
		return true
	}
	now := ks.Now()
	for _, r := range c.watched {
		if r.expired {
			continue
		}
		if e, exp := ks.dbs[r.wk.db].entryAt(r.slot, r.wk.key); e != nil && exp != 0 && exp <= now {
			return true
		}
	}
	return false
}

// UnwatchLocked forgets every watch of c and clears its touched flag. The
// caller holds the locks of the watched keys (EXEC does).
func (ks *Keyspace) UnwatchLocked(c *Client) {
	for _, r := range c.watched {
		wk := r.wk
		if i := slices.Index(wk.recs, r); i >= 0 {
			wk.recs = slices.Delete(wk.recs, i, i+1)
		}
		if len(wk.recs) == 0 {
			sw := ks.locks[r.slot].watch
			delete(sw.keys, wk.watchKey)
			if wk.pending {
				sw.pending = slices.DeleteFunc(sw.pending, func(x *watchedKey) bool { return x == wk })
			}
		}
	}
	ks.watches.Add(-int64(len(c.watched)))
	clear(c.watched)
	c.watched = c.watched[:0]
	c.casDirty.Store(false)
}

// Unwatch forgets every watch of c, as UNWATCH, DISCARD, RESET and a
// disconnect do, taking the locks of the watched keys itself. It takes no
// lock when c watches nothing, so it is safe inside EXEC, which unwatched
// before running the queued commands.
func (ks *Keyspace) Unwatch(c *Client) {
	if len(c.watched) == 0 {
		c.casDirty.Store(false)
		return
	}
	slots := ks.WatchedSlots(c, nil)
	slices.Sort(slots)
	slots = slices.Compact(slots)
	ks.LockSlots(slots, true)
	ks.UnwatchLocked(c)
	ks.UnlockSlots(slots, true)
}

// NumWatches returns the number of (client, key) watches; tests use it to
// check that nothing leaks.
func (ks *Keyspace) NumWatches() int { return int(ks.watches.Load()) }

// mark records that the running command reached key of database db, in lock
// slot i, to change it. Callers check Watching first.
func (ks *Keyspace) mark(i, db int, key []byte) {
	sw := ks.locks[i].watch
	if sw == nil {
		// The slot lock is held exclusively: the table can be made here.
		sw = &slotWatch{keys: map[watchKey]*watchedKey{}}
		ks.locks[i].watch = sw
	}
	sw.wrote = true
	wk := sw.keys[watchKey{db, string(key)}]
	if wk == nil || wk.pending {
		return
	}
	wk.pending = true
	sw.pending = append(sw.pending, wk)
}

// touch marks the clients watching wk. present says whether the key exists
// (even expired) after the change: removing a key that was already expired
// when watched is no change, as in Redis 7.0.
func touch(wk *watchedKey, present bool) {
	for _, r := range wk.recs {
		if r.expired {
			if !present {
				r.expired = false
				continue
			}
		}
		r.c.casDirty.Store(true)
	}
}

// touchRemoved is expiry's touch: key was removed from slot i of db.
func (ks *Keyspace) touchRemoved(i, db int, key string) {
	sw := ks.locks[i].watch
	if sw == nil {
		return
	}
	if wk := sw.keys[watchKey{db, key}]; wk != nil {
		touch(wk, false)
	}
}

// SettleWatches ends a command's part in WATCH; the host calls it after
// every command, its locks still held, when Watching. changed says whether
// the command reported changes. keyIdx are the positions of its declared
// keys in args; allSlots says that it held every slot (a keyspace-wide or
// movable-key command), else its marks are in the slots of its keys.
func (ks *Keyspace) SettleWatches(db *DB, changed bool, args [][]byte, keyIdx []int, allSlots bool) {
	marked := false
	settle := func(i int) {
		sw := ks.locks[i].watch
		if sw == nil {
			return
		}
		if sw.wrote {
			sw.wrote = false
			marked = true
		}
		if len(sw.pending) == 0 {
			return
		}
		for _, wk := range sw.pending {
			wk.pending = false
			if changed {
				e, _ := ks.dbs[wk.db].entryAt(i, wk.key)
				touch(wk, e != nil)
			}
		}
		clear(sw.pending)
		sw.pending = sw.pending[:0]
		marked = true
	}
	if allSlots {
		for i := range ks.locks {
			settle(i)
		}
	} else {
		for _, k := range keyIdx {
			settle(ks.SlotOf(args[k]))
		}
	}
	if !changed || marked || db == nil {
		return
	}
	// Changed in place after a plain Get: the declared keys that exist.
	for _, k := range keyIdx {
		key := args[k]
		i := ks.SlotOf(key)
		sw := ks.locks[i].watch
		if sw == nil {
			continue
		}
		if wk := sw.keys[watchKey{db.index, string(key)}]; wk != nil {
			if e, _ := db.entryAt(i, string(key)); e != nil {
				touch(wk, true)
			}
		}
	}
}

// settleAll touches what code outside a command (Keyspace.Update) marked.
func (ks *Keyspace) settleAll() {
	if !ks.Watching() {
		return
	}
	ks.SettleWatches(nil, true, nil, nil, true)
}

// touchFlush applies a flush of db to the watches, before it happens (Redis's
// touchAllWatchedKeysInDb): with other non-nil, db's contents are about to
// be replaced by other's (SWAPDB). The caller holds every lock.
func (ks *Keyspace) touchFlush(db, other *DB) {
	now := ks.Now()
	stale := func(d *DB, i int, key string) (present, expired bool) {
		e, exp := d.entryAt(i, key)
		return e != nil, e != nil && exp != 0 && exp <= now
	}
	for i := range ks.locks {
		sw := ks.locks[i].watch
		if sw == nil {
			continue
		}
		for k, wk := range sw.keys {
			if k.db != db.index {
				continue
			}
			inEmptied, _ := stale(db, i, k.key)
			inOther, otherExpired := false, false
			if other != nil {
				inOther, otherExpired = stale(other, i, k.key)
			}
			if !inEmptied && !inOther {
				continue
			}
			for _, r := range wk.recs {
				if r.expired {
					if !inOther {
						r.expired = false // an expired key removed: no change
						continue
					}
					if otherExpired {
						continue // expired before, expired after
					}
				} else if !inEmptied && otherExpired {
					r.expired = true // no key replaced by an expired one
					continue
				}
				r.c.casDirty.Store(true)
			}
		}
	}
}
