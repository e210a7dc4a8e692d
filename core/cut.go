package core

import (
	"time"
)

// A Cut is a point-in-time view of the keyspace that can be read while
// commands keep changing the data, as a forked child gives Redis: the way
// snapshots (BGSAVE, an AOF rewrite's base, a replica's full sync) see one
// instant without stopping the server and without copying the data set.
//
// BeginCut holds every slot for a moment to fix the instant. After it, the
// first change to a key of a (database, slot) the reader has not reached
// yet first keeps the key's value as it was at the cut (its pre-image, a
// Clone); the reader then writes each (database, slot) holding its lock
// only for short batches, taking a kept pre-image where there is one.
// Keyspace-wide changes hand the old tables over instead of copying them:
// FLUSHDB/FLUSHALL give the reader the emptied slots' maps, SWAPDB moves
// the reader's bookkeeping with the contents. Memory grows only by the
// pre-images of the keys changed before the reader reaches them.
//
// The keyspace's methods keep pre-images themselves for every change they
// make (set, delete, expiry, expiry removal, GetForWrite). A value changed
// in place through a reference obtained otherwise is kept by
// DB.Preserve, which the host calls for a write command's keys before it
// runs.
type Cut struct {
	ks   *Keyspace
	now  int64
	dbs  []CutDB
	work [][]*slotCut // per database at the cut
	snap table        // a copy of the slot being written (rangeSlot)
	objs []cutItem    // reused between slots
	str  String       // the value handed to Range's fn for an inline string
	done bool
}

// CutDB describes one database as it was at the cut.
type CutDB struct {
	// Index is the database's number.
	Index int
	// Keys and Volatile are its number of keys and of keys with an
	// expiry (RDB's RESIZEDB hint).
	Keys, Volatile int
}

// slotCut is the part of a cut in one slot of one database that the reader
// has not finished. It is guarded by the lock of its slot.
type slotCut struct {
	cut  *Cut
	lock int    // the slot's lock index
	at   *table // where the contents live now (SwapDBs moves them); nil once handed over
	// held is the table a flush handed over: no longer reachable by
	// commands, so it does not change any more.
	held table
	// pre holds the state at the cut of the keys changed since: the value
	// (cloned, unless it is an inline string, whose bytes never change) and
	// expiry, or a nil value for a key that did not exist.
	pre map[string]cutEntry
	// frozen is pre as it was when the reader listed the slot: the reader's
	// from then on, read by writers and reader alike but no longer changed
	// (a key there keeps its first pre-image).
	frozen map[string]cutEntry
	// listed is set once the reader has listed the slot's keys: after it
	// only the objects listed need pre-images.
	listed bool
}

type cutEntry struct {
	v   Value
	exp int64
}

type cutItem struct {
	key string
	obj Value // the entry's object as listed
	exp int64
}

// Cut batches: the reader releases the slot's lock after this many keys or
// this long, so that a command on the slot waits at most about that.
const (
	cutBatchKeys = 256
	cutBatchTime = 500 * time.Microsecond
)

// BeginCut fixes a point in time of the keyspace and returns a view of it.
// It waits for the commands running, holds every slot for a moment (the
// time to mark the non-empty slots) and calls atCut, when set, while they
// are held: whatever atCut records (an offset in a stream of changes, the
// state of modules) is consistent with the view. atCut must be quick and
// must not take keyspace locks. One cut exists at a time: BeginCut waits
// for the previous one's Close. The caller must hold no slot lock, and
// must Close the cut.
func (ks *Keyspace) BeginCut(atCut func(ks *Keyspace)) *Cut {
	ks.cutMu.Lock()
	ks.LockAll(true)
	defer ks.UnlockAll(true)
	c := &Cut{ks: ks, now: ks.Now(), work: make([][]*slotCut, len(ks.dbs))}
	for _, db := range ks.dbs {
		n := db.keys.Load()
		if n == 0 {
			continue
		}
		c.dbs = append(c.dbs, CutDB{Index: db.index, Keys: int(n), Volatile: int(db.volatile.Load())})
		for i := range db.slots {
			s := &db.slots[i]
			if s.n == 0 {
				continue
			}
			sc := &slotCut{cut: c, lock: i, at: s}
			s.cut = sc
			c.work[db.index] = append(c.work[db.index], sc)
		}
	}
	ks.cuts.Add(1)
	if atCut != nil {
		atCut(ks)
	}
	return c
}

// Now returns the keyspace clock at the cut, in unix milliseconds.
func (c *Cut) Now() int64 { return c.now }

// DBs returns the databases that held keys at the cut, in order.
func (c *Cut) DBs() []CutDB { return c.dbs }

// Range calls fn for every key of database db as it was at the cut (keys
// already expired then are left out), then releases that database's part
// of the cut. fn runs with one slot's lock held for short batches: it must
// be quick (encode into memory) and must not use the keyspace. between,
// when set, runs after each batch with no lock held: the place for I/O,
// and an error from it stops the walk. The values fn gets must not be kept
// or changed.
func (c *Cut) Range(db int, fn func(key string, v Value, expireAt int64) error, between func() error) error {
	if db < 0 || db >= len(c.work) {
		return nil
	}
	for len(c.work[db]) > 0 {
		sc := c.work[db][0]
		err := c.rangeSlot(sc, fn, between)
		c.release(sc)
		c.work[db] = c.work[db][1:]
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Cut) rangeSlot(sc *slotCut, fn func(key string, v Value, expireAt int64) error, between func() error) error {
	lk := &c.ks.locks[sc.lock]
	// The slot is copied, not walked, under its lock: a table is compacted
	// and renumbered by deletions, so its entries must be taken at one
	// moment, but walking 40,000 keys (a slot of 10M keys) held the lock
	// for milliseconds, and for tens of them when the saver's thread lost
	// its CPU meanwhile. Copying the entries (28 bytes each, no pointers),
	// the chunk list and the value objects is a few memory moves, and a
	// shared lock suffices: only writers change the slot or the cut.
	lk.RLock()
	src := &sc.held
	if sc.at != nil {
		src = sc.at
	}
	snap := &c.snap
	snap.ents = append(snap.ents[:0], src.ents...)
	snap.kv.chunks = append(snap.kv.chunks[:0], src.kv.chunks...)
	snap.objs = append(snap.objs[:0], src.objs...)
	clear(snap.vol)
	for id, exp := range src.vol {
		if snap.vol == nil {
			snap.vol = make(map[uint32]int64, len(src.vol))
		}
		snap.vol[id] = exp
	}
	// The keys changed since the cut have their pre-images: those kept so
	// far are the reader's alone from now on (frozen; writers still look
	// there first), and only the objects listed get new ones. From here
	// on a change to a string held inline keeps no pre-image: the bytes
	// copied are the string's value at the cut, and they never change
	// (arena.go).
	frozen := sc.pre
	sc.frozen, sc.pre = frozen, nil
	sc.listed = true
	lk.RUnlock()
	defer func() {
		clear(snap.kv.chunks)
		snap.kv.chunks = snap.kv.chunks[:0]
		clear(snap.objs)
		snap.objs = snap.objs[:0]
		clear(c.objs)
		c.objs = c.objs[:0]
	}()
	// Strings held inline are written as the copy is walked, with no lock
	// held; objects are set aside.
	objs := c.objs[:0]
	str := &c.str
	for i := range snap.ents {
		e := &snap.ents[i]
		if e.klen == freeEnt {
			continue
		}
		k := snap.key(e)
		exp := snap.expOf(e, int32(i))
		if _, changed := frozen[k]; changed || (exp != 0 && exp <= c.now) {
			continue
		}
		if e.obj != 0 {
			objs = append(objs, cutItem{key: k, obj: snap.objs[e.obj-1], exp: exp})
			continue
		}
		str.B = snap.inline(e)
		err := fn(k, str, exp)
		str.B = nil
		if err != nil {
			return err
		}
		if between != nil && i%cutBatchKeys == cutBatchKeys-1 {
			if err := between(); err != nil {
				return err
			}
		}
	}
	c.objs = objs
	// The objects may be changed in place once the lock is released: they
	// are read in batches under the lock, each taking the pre-image a
	// writer kept meanwhile, if any.
	for i := 0; i < len(objs); {
		lk.Lock()
		start := time.Now()
		for n := 0; i < len(objs); n++ {
			if n == cutBatchKeys || (n%16 == 15 && time.Since(start) > cutBatchTime) {
				break
			}
			it := &objs[i]
			i++
			v, exp := it.obj, it.exp
			if p, ok := sc.pre[it.key]; ok {
				v, exp = p.v, p.exp
			}
			if v == nil {
				continue
			}
			if err := fn(it.key, v, exp); err != nil {
				lk.Unlock()
				return err
			}
		}
		lk.Unlock()
		if between != nil {
			if err := between(); err != nil {
				return err
			}
		}
	}
	// Pre-images kept before the copy belong to the cut alone: no lock
	// needed.
	n := 0
	for k, p := range frozen {
		if p.v == nil {
			continue
		}
		if err := fn(k, p.v, p.exp); err != nil {
			return err
		}
		if n++; between != nil && n%cutBatchKeys == 0 {
			if err := between(); err != nil {
				return err
			}
		}
	}
	if between != nil {
		return between()
	}
	return nil
}

// release detaches a slot's part of the cut: writers stop keeping
// pre-images there.
func (c *Cut) release(sc *slotCut) {
	lk := &c.ks.locks[sc.lock]
	lk.Lock()
	if sc.at != nil && sc.at.cut == sc {
		sc.at.cut = nil
	}
	sc.at, sc.held, sc.pre, sc.frozen = nil, table{}, nil, nil
	lk.Unlock()
}

// Close ends the cut, releasing what was not read. It may be called more
// than once.
func (c *Cut) Close() {
	if c.done {
		return
	}
	c.done = true
	for i, w := range c.work {
		for _, sc := range w {
			c.release(sc)
		}
		c.work[i] = nil
	}
	c.ks.cuts.Add(-1)
	c.ks.cutMu.Unlock()
}

// keep records key's pre-image for a cut being read, if the key's slot is
// part of one and the key has none yet. The caller holds the slot's lock
// exclusively and is about to change the key.
func (db *DB) keep(t *table, key []byte) {
	if sc := t.cut; sc != nil {
		sc.keep(t, key)
	}
}

func (sc *slotCut) keep(t *table, key []byte) {
	if _, ok := sc.pre[string(key)]; ok {
		return
	}
	if _, ok := sc.frozen[string(key)]; ok {
		return
	}
	var p cutEntry
	if id := t.find(key, sc.cut.ks.hash(key)); id >= 0 {
		if e, exp := &t.ents[id], t.exp(id); exp == 0 || exp > sc.cut.now {
			p = cutEntry{v: t.object(e), exp: exp}
			switch {
			case p.v != nil:
				p.v = p.v.Clone()
			case sc.listed:
				// Listed already, with bytes that never change.
				return
			default:
				p.v = t.value(e) // an inline string's bytes are never changed
			}
		}
	} else if sc.listed {
		// Not listed: the reader does not look for it.
		return
	}
	if sc.pre == nil {
		sc.pre = make(map[string]cutEntry)
	}
	sc.pre[string(key)] = p
}

// Preserve keeps the value of key as it is now for a snapshot being
// written (see Cut), unless the key's state at the snapshot's instant is
// kept already. The host calls it for a write command's keys before the
// command runs, so that a value a module changes in place reaches the
// snapshot unchanged; a module changing in place the value of a key it
// did not declare (and did not get through GetForWrite) calls it first.
// The caller holds the key's slot exclusively. Without a snapshot being
// written it costs one atomic load.
func (db *DB) Preserve(key []byte) {
	if db.ks.cuts.Load() == 0 {
		return
	}
	t, _ := db.tableFor(key)
	db.keep(t, key)
}

// handOver gives the part of a cut in slot s the slot's current map before
// a flush empties it: the map is no longer reachable by commands, so the
// reader walks it as it is. The caller holds every slot exclusively.
func (t *table) handOver() {
	if sc := t.cut; sc != nil {
		t.cut = nil
		sc.held = *t
		sc.at = nil
	}
}

// moved updates the parts of cuts whose contents SwapDBs moved between
// databases a and b. The caller holds every slot exclusively.
func movedCuts(a, b *DB) {
	for i := range a.slots {
		if sc := a.slots[i].cut; sc != nil {
			sc.at = &a.slots[i]
		}
		if sc := b.slots[i].cut; sc != nil {
			sc.at = &b.slots[i]
		}
	}
}
