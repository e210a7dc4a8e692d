package core

import (
	"sync"
	"sync/atomic"
)

// The keyspace's checking mode finds a command that touches a key it did
// not declare: the atomicity contract (see the package documentation)
// rests on a command touching only the keys the host locked for it, and a
// mistake there is a data race that no ordinary test notices. With the
// mode on, the host records in each slot lock which command holds it
// (LockSet) and the keys that command declared; every DB access checks
// that the key's slot is held and that its holder declared the key. The
// host reports what it finds after the command, naming it. Off, the cost
// is one predictable branch per key access.

type keyCheck struct {
	on     bool         // set before serving, read without synchronisation
	all    atomic.Int64 // holders of every slot (LockAll): any key is fine
	mu     sync.Mutex
	strays []strayKey
}

type strayKey struct {
	owner *LockSet // the holder of the key's slot; nil: nobody held it
	key   string
}

// SetKeyChecks turns the checking mode on or off. It must be called
// before the keyspace is in use by more than one goroutine (the host does
// it at start, from Config.CheckKeys).
func (ks *Keyspace) SetKeyChecks(on bool) { ks.check.on = on }

// KeyChecks reports whether the checking mode is on.
func (ks *Keyspace) KeyChecks() bool { return ks.check.on }

// checkKey checks an access to key, whose slot is i.
func (ks *Keyspace) checkKey(i int, key []byte) {
	l := ks.locks[i].claim.Load()
	if l == nil {
		if ks.check.all.Load() > 0 {
			return // a command or a background task holds every slot
		}
		mu := &ks.locks[i]
		if !mu.TryLock() {
			return // held outside any command (active expiry, a save)
		}
		mu.Unlock()
		ks.addStray(nil, key)
		return
	}
	if !l.all && !l.declares(key) {
		ks.addStray(l, key)
	}
}

func (ks *Keyspace) addStray(owner *LockSet, key []byte) {
	ks.check.mu.Lock()
	if len(ks.check.strays) < 64 {
		ks.check.strays = append(ks.check.strays, strayKey{owner, string(key)})
	}
	ks.check.mu.Unlock()
}

// TakeStrayKeys returns, once each, the keys that the command holding l
// touched without declaring them, and the keys touched while nobody held
// their slot (attributed to this command: in the checking mode's usual
// setting, a test, it is the one running). The host calls it after each
// command in checking mode.
func (ks *Keyspace) TakeStrayKeys(l *LockSet) []string {
	ks.check.mu.Lock()
	defer ks.check.mu.Unlock()
	var out []string
	kept := ks.check.strays[:0]
	for _, s := range ks.check.strays {
		if s.owner != nil && s.owner != l {
			kept = append(kept, s)
			continue
		}
		dup := false
		for _, k := range out {
			dup = dup || k == s.key
		}
		if !dup {
			out = append(out, s.key)
		}
	}
	clear(ks.check.strays[len(kept):])
	ks.check.strays = kept
	return out
}

// DeclareCommand records, in checking mode, the running command's name and
// the positions of its declared keys in args; the host calls it before
// Exec.
func (l *LockSet) DeclareCommand(name string, args [][]byte, keyIdx []int) {
	l.name, l.args, l.keyIdx = name, args, keyIdx
}

// Declare adds keys the running command may touch beyond those its spec
// names (EXEC's queued commands' keys, a script's keys taken with Ensure).
func (l *LockSet) Declare(keys ...[]byte) {
	l.moreKeys = append(l.moreKeys, keys...)
	l.keySet = nil
}

// declares reports whether key is one the command declared.
func (l *LockSet) declares(key []byte) bool {
	if n := len(l.keyIdx) + len(l.moreKeys); n > 16 {
		if l.keySet == nil {
			l.keySet = make(map[string]struct{}, n)
			for _, i := range l.keyIdx {
				if i < len(l.args) {
					l.keySet[string(l.args[i])] = struct{}{}
				}
			}
			for _, k := range l.moreKeys {
				l.keySet[string(k)] = struct{}{}
			}
		}
		_, ok := l.keySet[string(key)]
		return ok
	}
	for _, i := range l.keyIdx {
		if i < len(l.args) && string(l.args[i]) == string(key) {
			return true
		}
	}
	for _, k := range l.moreKeys {
		if string(k) == string(key) {
			return true
		}
	}
	return false
}

// Disown clears the record that the command holds its slots (in checking
// mode, and the holder SetOwner recorded); the host calls it before it
// unlocks them.
func (l *LockSet) Disown() {
	if l.ks == nil {
		return
	}
	if l.owner != nil {
		if l.all && l.excl {
			l.ks.allHolder = nil
		}
		l.eachHeld(func(s int) {
			if l.ks.holders[s] == l.owner {
				l.ks.holders[s] = nil
			}
		})
	}
	if !l.ks.check.on {
		return
	}
	for w, bits := range l.held {
		for b := 0; bits != 0; b++ {
			if bits&1 != 0 {
				l.ks.locks[w*64+b].claim.CompareAndSwap(l, nil)
			}
			bits >>= 1
		}
	}
}
