package core_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redmod/redmod/core"
)

type cutState map[int]map[string]string // db -> key -> value (with "@exp" suffix when volatile)

func stateOf(ks *core.Keyspace) cutState {
	st := cutState{}
	for i := 0; i < ks.NumDBs(); i++ {
		m := map[string]string{}
		ks.DB(i).Range(func(k string, v core.Value, exp int64) bool {
			m[k] = render(v, exp)
			return true
		})
		if len(m) > 0 {
			st[i] = m
		}
	}
	return st
}

func render(v core.Value, exp int64) string {
	s := string(v.(*core.String).B)
	if exp != 0 {
		s += "@" + strconv.FormatInt(exp, 10)
	}
	return s
}

func readCut(t *testing.T, c *core.Cut, between func()) cutState {
	t.Helper()
	st := cutState{}
	for _, db := range c.DBs() {
		m := map[string]string{}
		err := c.Range(db.Index, func(k string, v core.Value, exp int64) error {
			if _, dup := m[k]; dup {
				return fmt.Errorf("key %q of db %d twice", k, db.Index)
			}
			m[k] = render(v, exp)
			return nil
		}, func() error { between(); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != db.Keys {
			t.Errorf("db %d: %d keys read, %d counted at the cut", db.Index, len(m), db.Keys)
		}
		st[db.Index] = m
	}
	return st
}

// TestCutPointInTime reads a cut while writers change keys every way the
// keyspace allows (overwrite, in-place change through GetForWrite and
// through Preserve, delete, expiry, flush, swap): what the cut gives is
// exactly the state at the cut.
func TestCutPointInTime(t *testing.T) {
	for round := 0; round < 3; round++ {
		ks := core.NewKeyspace(3)
		const keys = 3000
		ks.Update(func(ks *core.Keyspace) error {
			for d := 0; d < 2; d++ {
				for i := 0; i < keys; i++ {
					exp := int64(0)
					if i%7 == 0 {
						exp = ks.Now() + 3600_000
					}
					ks.DB(d).SetWithExpiry([]byte(fmt.Sprintf("k%d", i)), core.NewString([]byte("v0")), exp)
				}
			}
			return nil
		})
		var stop atomic.Bool
		var wg sync.WaitGroup
		var started sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			started.Add(1)
			go func(w int) {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(round), uint64(w)))
				first := true
				for n := 1; !stop.Load(); n++ {
					db := ks.DB(r.IntN(2))
					key := []byte(fmt.Sprintf("k%d", r.IntN(keys+200)))
					if w == 3 && n%500 == 0 {
						// Keyspace-wide changes hold every slot.
						ks.LockAll(true)
						if n%1000 == 0 {
							ks.DB(2).Flush()
							ks.SwapDBs(0, 2)
						} else {
							ks.SwapDBs(0, 1)
						}
						ks.UnlockAll(true)
						continue
					}
					slot := []int{ks.SlotOf(key)}
					ks.LockSlots(slot, true)
					val := []byte(fmt.Sprintf("w%d-%d", w, n))
					switch n % 6 {
					case 0:
						db.Set(key, core.NewString(val))
					case 1:
						if v, ok := db.GetForWrite(key).(*core.String); ok {
							v.B = append(v.B, '+')
							v.B[0] = 'X'
						}
					case 2:
						db.Preserve(key)
						if v, ok := db.Get(key).(*core.String); ok {
							v.B[0] = 'Y'
						}
					case 3:
						db.Delete(key)
					case 4:
						db.SetExpiry(key, ks.Now()+3600_000+int64(n))
					case 5:
						db.SetKeepTTL(key, core.NewString(val))
					}
					ks.UnlockSlots(slot, true)
					if first {
						first = false
						started.Done()
					}
				}
			}(w)
		}
		started.Wait()
		var want cutState
		c := ks.BeginCut(func(ks *core.Keyspace) { want = stateOf(ks) })
		got := readCut(t, c, func() {})
		c.Close()
		stop.Store(true)
		wg.Wait()
		for d := range 3 {
			if !maps.Equal(got[d], want[d]) {
				diffs := 0
				for k, v := range want[d] {
					if got[d][k] != v && diffs < 5 {
						diffs++
						t.Errorf("round %d db %d key %s: cut has %q, state at the cut %q", round, d, k, got[d][k], v)
					}
				}
				t.Fatalf("round %d db %d: %d keys read, %d at the cut", round, d, len(got[d]), len(want[d]))
			}
		}
	}
}

// TestCutFlushHandsOver: a flush while a cut is read gives the reader the
// old tables; the keys written after the flush are not in the image.
func TestCutFlushHandsOver(t *testing.T) {
	ks := core.NewKeyspace(1)
	ks.Update(func(ks *core.Keyspace) error {
		for i := 0; i < 5000; i++ {
			ks.DB(0).Set([]byte(strconv.Itoa(i)), core.NewString([]byte("old")))
		}
		return nil
	})
	c := ks.BeginCut(nil)
	defer c.Close()
	flushed := false
	n := 0
	err := c.Range(0, func(k string, v core.Value, _ int64) error {
		if s := string(v.(*core.String).B); s != "old" {
			return fmt.Errorf("key %s: %q", k, s)
		}
		n++
		return nil
	}, func() error {
		if !flushed {
			flushed = true
			ks.Update(func(ks *core.Keyspace) error {
				ks.DB(0).Flush()
				for i := 0; i < 100; i++ {
					ks.DB(0).Set([]byte(strconv.Itoa(i)), core.NewString([]byte("new")))
				}
				return nil
			})
		}
		return nil
	})
	if err != nil || n != 5000 || !flushed {
		t.Fatalf("err %v, %d keys, flushed %v", err, n, flushed)
	}
}

// TestCutCloseEarly: a cut abandoned halfway releases every slot, and the
// next one sees the current data.
func TestCutCloseEarly(t *testing.T) {
	ks := core.NewKeyspace(1)
	ks.Update(func(ks *core.Keyspace) error {
		for i := 0; i < 1000; i++ {
			ks.DB(0).Set([]byte(strconv.Itoa(i)), core.NewString([]byte("a")))
		}
		return nil
	})
	c := ks.BeginCut(nil)
	stopErr := fmt.Errorf("stop")
	if err := c.Range(0, func(string, core.Value, int64) error { return stopErr }, nil); err != stopErr {
		t.Fatal(err)
	}
	c.Close()
	ks.Update(func(ks *core.Keyspace) error { ks.DB(0).Set([]byte("1"), core.NewString([]byte("b"))); return nil })
	c = ks.BeginCut(nil)
	defer c.Close()
	got := readCut(t, c, func() {})
	if len(got[0]) != 1000 || got[0]["1"] != "b" {
		t.Fatalf("%d keys, key 1 = %q", len(got[0]), got[0]["1"])
	}
}

// TestCutChangesWhileSlotIsRead changes every key of one slot, in every
// way, after the reader has listed the slot and before it has written
// them (the slot holds more keys than one batch): strings held inline are
// written from the bytes listed, objects from the pre-images kept, and
// the image is the state at the cut.
func TestCutChangesWhileSlotIsRead(t *testing.T) {
	ks := core.NewKeyspace(1)
	db := ks.DB(0)
	slot := ks.SlotOf([]byte("k0"))
	var keys [][]byte
	for i := 0; len(keys) < 1500; i++ {
		if k := []byte("k" + strconv.Itoa(i)); ks.SlotOf(k) == slot {
			keys = append(keys, k)
		}
	}
	long := string(make([]byte, 100)) // held as an object, not inline
	ks.Update(func(ks *core.Keyspace) error {
		for i, k := range keys {
			v := "v" + strconv.Itoa(i)
			if i%2 == 1 {
				v += long
			}
			exp := int64(0)
			if i%5 == 0 {
				exp = ks.Now() + 3600_000
			}
			db.SetWithExpiry(k, core.NewString([]byte(v)), exp)
		}
		return nil
	})
	want := stateOf(ks)
	c := ks.BeginCut(nil)
	defer c.Close()
	// Some keys change before the reader lists the slot too: their first
	// pre-image is the one written.
	ks.Update(func(ks *core.Keyspace) error {
		for i, k := range keys {
			if i%3 == 0 {
				if v, ok := db.GetForWrite(k).(*core.String); ok {
					v.B = append(v.B, '-')
					v.B[0] = 'P'
				}
			}
		}
		return nil
	})
	changed := false
	got := readCut(t, c, func() {
		if changed {
			return
		}
		changed = true
		ks.Update(func(ks *core.Keyspace) error {
			for i, k := range keys {
				switch i % 7 {
				case 0:
					db.Set(k, core.NewString([]byte("new")))
				case 1:
					db.Set(k, core.NewString([]byte("new"+long)))
				case 2:
					if v, ok := db.GetForWrite(k).(*core.String); ok {
						v.B = append(v.B, '+')
						v.B[0] = 'X'
					}
				case 3:
					db.Preserve(k)
					if v, ok := db.Get(k).(*core.String); ok && len(v.B) > 64 {
						v.B[0] = 'Y'
					}
				case 4:
					db.Delete(k)
				case 5:
					db.SetExpiry(k, ks.Now()+7200_000)
				case 6:
					db.Delete(k)
					db.Set(k, core.NewString([]byte("again")))
				}
			}
			for i := 0; i < 100; i++ {
				db.Set([]byte("new"+strconv.Itoa(i)), core.NewString([]byte("n")))
			}
			return nil
		})
	})
	if !changed {
		t.Fatal("the slot was read in one batch")
	}
	if !maps.Equal(got[0], want[0]) {
		for k, v := range want[0] {
			if got[0][k] != v {
				t.Errorf("key %s: cut has %q, state at the cut %q", k, got[0][k], v)
				break
			}
		}
		t.Fatalf("%d keys read, %d at the cut", len(got[0]), len(want[0]))
	}
}
