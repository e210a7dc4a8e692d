package core

import (
	"strings"
	"sync"
)

// NotifyClass is the class of a keyspace event, one flag letter of Redis's
// notify-keyspace-events. A command announces each event with Ctx.Notify and
// the class of its data type; the host delivers the events whose class the
// configuration enables.
type NotifyClass uint16

// Event classes, as Redis's notify-keyspace-events letters name them.
const (
	// NotifyKeyspace ('K') publishes events on __keyspace@<db>__:<key>.
	NotifyKeyspace NotifyClass = 1 << iota
	// NotifyKeyevent ('E') publishes events on __keyevent@<db>__:<event>.
	NotifyKeyevent
	// NotifyGeneric ('g'): commands of any type (del, expire, rename_from, ...).
	NotifyGeneric
	// NotifyString ('$'): string commands.
	NotifyString
	// NotifyList ('l'): list commands.
	NotifyList
	// NotifySet ('s'): set commands.
	NotifySet
	// NotifyHash ('h'): hash commands.
	NotifyHash
	// NotifyZSet ('z'): sorted set commands.
	NotifyZSet
	// NotifyExpired ('x'): keys removed because their TTL passed.
	NotifyExpired
	// NotifyEvicted ('e'): keys evicted for maxmemory.
	NotifyEvicted
	// NotifyStream ('t'): stream commands.
	NotifyStream
	// NotifyKeyMiss ('m'): a read found no key (not part of 'A').
	NotifyKeyMiss
	// NotifyModule ('d'): events of module data types.
	NotifyModule
	// NotifyNew ('n'): a key was created (not part of 'A').
	NotifyNew

	// NotifyAll is 'A', the alias of g$lshzxetd.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash | NotifyZSet |
		NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

var notifyLetters = []struct {
	c NotifyClass
	l byte
}{
	{NotifyGeneric, 'g'}, {NotifyString, '$'}, {NotifyList, 'l'}, {NotifySet, 's'},
	{NotifyHash, 'h'}, {NotifyZSet, 'z'}, {NotifyExpired, 'x'}, {NotifyEvicted, 'e'},
	{NotifyStream, 't'}, {NotifyModule, 'd'},
}

// ParseNotifyClasses parses notify-keyspace-events ("KEA", "Elg$"). ok is
// false for a letter Redis does not know.
func ParseNotifyClasses(s string) (c NotifyClass, ok bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			c |= NotifyAll
		case 'K':
			c |= NotifyKeyspace
		case 'E':
			c |= NotifyKeyevent
		case 'm':
			c |= NotifyKeyMiss
		case 'n':
			c |= NotifyNew
		default:
			found := false
			for _, nl := range notifyLetters {
				if nl.l == s[i] {
					c |= nl.c
					found = true
				}
			}
			if !found {
				return 0, false
			}
		}
	}
	return c, true
}

// String renders the classes as CONFIG GET notify-keyspace-events does.
func (c NotifyClass) String() string {
	var b strings.Builder
	if c&NotifyAll == NotifyAll {
		b.WriteByte('A')
	} else {
		for _, nl := range notifyLetters {
			if c&nl.c != 0 {
				b.WriteByte(nl.l)
			}
		}
	}
	for _, x := range []struct {
		c NotifyClass
		l byte
	}{{NotifyKeyspace, 'K'}, {NotifyKeyevent, 'E'}, {NotifyKeyMiss, 'm'}} {
		// Redis 7.0 accepts 'n' but does not print it back.
		if c&x.c != 0 {
			b.WriteByte(x.l)
		}
	}
	return b.String()
}

// KeyObserver is told about changes to the keyspace. The host registers one
// that publishes keyspace notifications and invalidates client-side caches;
// other features that need to know "this key was modified" (WATCH) register
// their own with Keyspace.Observe. The methods run while the changed keys are
// locked, so they must be quick and must not block or take key locks.
type KeyObserver interface {
	// KeyEvent is a keyspace event, announced after its effect (Ctx.Notify,
	// or the keyspace itself for expiry): by the command client by runs,
	// which is running it on the calling goroutine, or by the server (by is
	// nil: active expiry, eviction).
	KeyEvent(db int, class NotifyClass, event string, key []byte, by *Client)
	// KeyTouched reports that key was (or may have been) modified: by a
	// write command of client by, or by expiry or eviction (by is nil).
	// runner is the client on whose goroutine it happens, when known: by
	// itself for a write, the client whose command found the key expired,
	// or whose eviction before its command removed it.
	KeyTouched(db int, key []byte, by, runner *Client)
	// DBTouched reports that every key of database db was removed
	// (FLUSHDB); db is -1 for every database (FLUSHALL). runner is the
	// client whose command flushed, when known.
	DBTouched(db int, runner *Client)
}

// observers is the keyspace's list of observers, copied on change so that
// the per-write path reads it without a lock, and what they want to hear
// (SetInterest).
type observers struct {
	mu       sync.Mutex
	list     []KeyObserver
	interest []interest // by list's order
}

type interest struct {
	events  NotifyClass
	touches bool
}

// Observe registers o for every change to the keyspace from now on.
func (ks *Keyspace) Observe(o KeyObserver) {
	ks.obs.mu.Lock()
	defer ks.obs.mu.Unlock()
	ks.obs.list = append(ks.obs.list, o)
	ks.obs.interest = append(ks.obs.interest, interest{^NotifyClass(0), true})
	next := append([]KeyObserver(nil), ks.obs.list...)
	ks.obsList.Store(&next)
	ks.sumInterest()
}

// SetInterest narrows what the observer o (registered with Observe) is
// told from now on: KeyEvent for events of the classes in events only, and
// KeyTouched only when touches is set; DBTouched always. An observer that
// never calls it is told everything. The host tells it what
// notify-keyspace-events and client tracking need, so that a write
// command pays nothing for announcements nobody listens to.
func (ks *Keyspace) SetInterest(o KeyObserver, events NotifyClass, touches bool) {
	ks.obs.mu.Lock()
	defer ks.obs.mu.Unlock()
	for i, x := range ks.obs.list {
		if x == o {
			ks.obs.interest[i] = interest{events, touches}
		}
	}
	ks.sumInterest()
}

// sumInterest records what the observers want together; the caller holds
// obs.mu.
func (ks *Keyspace) sumInterest() {
	var events NotifyClass
	touches := false
	for _, in := range ks.obs.interest {
		events |= in.events
		touches = touches || in.touches
	}
	ks.obsEvents.Store(uint32(events))
	ks.obsTouches.Store(touches)
}

// wantsEvent reports whether an observer wants events of class.
func (ks *Keyspace) wantsEvent(class NotifyClass) bool {
	return NotifyClass(ks.obsEvents.Load())&class != 0
}

func (ks *Keyspace) observerList() []KeyObserver {
	if p := ks.obsList.Load(); p != nil {
		return *p
	}
	return nil
}

// Notify announces a keyspace event of database db to the observers, as
// caused by the server rather than by a client's command. A command uses
// Ctx.Notify instead, which also records the key as modified.
func (ks *Keyspace) Notify(db int, class NotifyClass, event string, key []byte) {
	ks.notify(db, class, event, key, nil)
}

func (ks *Keyspace) notify(db int, class NotifyClass, event string, key []byte, by *Client) {
	if !ks.wantsEvent(class) {
		return
	}
	for _, o := range ks.observerList() {
		o.KeyEvent(db, class, event, key, by)
	}
}

// Touched tells the observers that key of database db was modified by a
// command of client by (nil: not by a client). The host calls it for the
// keys of write commands; code that changes data outside a command
// (Keyspace.Update) calls it for the keys it changed.
func (ks *Keyspace) Touched(db int, key []byte, by *Client) {
	ks.touched(db, key, by, by)
}

func (ks *Keyspace) touched(db int, key []byte, by, runner *Client) {
	if !ks.obsTouches.Load() {
		return
	}
	for _, o := range ks.observerList() {
		o.KeyTouched(db, key, by, runner)
	}
}

// TouchedDB tells the observers that every key of database db (-1: every
// database) may have changed. The caller holds every slot (FLUSHDB,
// FLUSHALL).
func (ks *Keyspace) TouchedDB(db int) {
	runner := ks.holder(0)
	for _, o := range ks.observerList() {
		o.DBTouched(db, runner)
	}
}

// expired announces a key removed because its TTL passed, found by the
// command client by runs (lazy expiry) or by the server (by is nil).
func (db *DB) expired(key string, by *Client) {
	if !db.ks.wantsEvent(NotifyExpired) && !db.ks.obsTouches.Load() {
		return
	}
	k := []byte(key)
	db.ks.notify(db.index, NotifyExpired, "expired", k, by)
	db.ks.touched(db.index, k, nil, by)
}

// Notify announces a keyspace event of the command's database, after the
// change it describes, with the event name Redis uses ("set", "lpush",
// "del", "expire"): clients subscribed to __keyspace@<db>__:<key> or
// __keyevent@<db>__:<event> receive it when notify-keyspace-events enables
// class. Unless class is NotifyKeyMiss, the key also counts as modified, for
// client-side caching and WATCH. A write command that calls Notify for none
// of its keys has all its keys counted as modified when it reports changes
// (Ctx.SetChanges), so a module without events still invalidates caches.
func (c *Ctx) Notify(class NotifyClass, event string, key []byte) {
	c.NotifyDB(c.DB, class, event, key)
}

// NotifyDB is Notify for a key of another database (MOVE, COPY ... DB).
func (c *Ctx) NotifyDB(db *DB, class NotifyClass, event string, key []byte) {
	by := c.CausedBy()
	// A RESP3 client subscribed to its own keys' events gets them where
	// Redis puts them: after the replies written so far (those of the
	// commands before in its pipeline, the elements of EXEC's reply before
	// this command's), before what the command writes next
	// (Client.pushFrom).
	c.Keyspace.notify(db.index, class, event, key, by)
	if class == NotifyKeyMiss {
		return
	}
	c.notified = true
	if db.ks.obsTouches.Load() {
		c.addTouched(db.index, key)
	}
}

// CausedBy returns the client whose command this is: Client, or the caller
// of the script that called it (SetCaller). Messages the command publishes
// for that client reach it in line with its replies (PubSub.PublishFrom).
func (c *Ctx) CausedBy() *Client {
	if c.caller != nil {
		return c.caller
	}
	return c.Client
}

// SetCaller makes the command's events count as caused by cl's command:
// the host sets it for a command a script calls, which runs with a client
// of its own, so that the script's caller, if it is subscribed to them,
// gets them in line with its replies.
func (c *Ctx) SetCaller(cl *Client) { c.caller = cl }

// Touch records key as modified without an event, for a change Redis
// announces with no notification.
func (c *Ctx) Touch(key []byte) {
	c.notified = true
	if c.DB.ks.obsTouches.Load() {
		c.addTouched(c.DB.index, key)
	}
}

type touchedKey struct {
	db  int
	key []byte
}

// touchedScan is how many touched keys are searched one by one; a command
// touching more (MSET of thousands of keys) indexes them, so that recording
// n keys costs O(n), not O(n²).
const touchedScan = 16

// addTouched records a modified key once.
func (c *Ctx) addTouched(db int, key []byte) {
	if len(c.touched) < touchedScan {
		for _, t := range c.touched {
			if t.db == db && string(t.key) == string(key) {
				return
			}
		}
		c.touched = append(c.touched, touchedKey{db, key})
		return
	}
	if c.touchedIndex == nil {
		c.touchedIndex = make(map[touchedID]struct{}, 2*touchedScan)
	}
	if len(c.touchedIndex) == 0 {
		for _, t := range c.touched {
			c.touchedIndex[touchedID{t.db, string(t.key)}] = struct{}{}
		}
	}
	id := touchedID{db, string(key)}
	if _, dup := c.touchedIndex[id]; dup {
		return
	}
	c.touchedIndex[id] = struct{}{}
	c.touched = append(c.touched, touchedKey{db, key})
}

// touchedID indexes the touched keys of a command that touches many.
type touchedID struct {
	db  int
	key string
}

// TakeTouched returns the keys the command modified, as Notify and Touch
// recorded them, and whether it recorded any; the host calls it once per
// command and forwards them to Keyspace.Touched. The keys are recorded
// only while an observer wants them (SetInterest); whether any was is
// reported all the same.
func (c *Ctx) TakeTouched(fn func(db int, key []byte)) (any bool) {
	any = c.notified
	for _, t := range c.touched {
		fn(t.db, t.key)
	}
	c.touched = c.touched[:0]
	if len(c.touchedIndex) > 1024 {
		c.touchedIndex = nil // give a big index back rather than keep it per connection
	} else if c.touchedIndex != nil {
		clear(c.touchedIndex)
	}
	c.notified = false
	return any
}
