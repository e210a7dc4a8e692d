package core

import (
	"strconv"
	"testing"
)

// TestTouchedOnce: each modified key is reported once per command, whether
// the command touches few keys (searched one by one) or many (indexed),
// and nothing carries over to the next command.
func TestTouchedOnce(t *testing.T) {
	ks := NewKeyspace(2)
	ks.Observe(&recObserver{})
	c := &Ctx{Keyspace: ks, DB: ks.DB(0)}
	for _, n := range []int{3, touchedScan, touchedScan + 1, 5000} {
		for round := 0; round < 2; round++ {
			for i := 0; i < n; i++ {
				key := []byte("k" + strconv.Itoa(i))
				c.Notify(NotifyString, "set", key)
				c.Touch(key)
				c.NotifyDB(ks.DB(1), NotifyString, "set", key) // same name, other database
			}
			seen := map[string]int{}
			any := c.TakeTouched(func(db int, key []byte) { seen[strconv.Itoa(db)+":"+string(key)]++ })
			if !any || len(seen) != 2*n {
				t.Fatalf("n=%d: %d keys reported, want %d", n, len(seen), 2*n)
			}
			for k, times := range seen {
				if times != 1 {
					t.Fatalf("n=%d: %s reported %d times", n, k, times)
				}
			}
		}
	}
	if c.TakeTouched(func(int, []byte) { t.Fatal("a key carried over") }) {
		t.Fatal("a command that touched nothing reports a change")
	}
}

// BenchmarkTouchMany is the cost of recording the keys of an MSET of 10k
// keys: linear in the keys (it was quadratic, 24× Redis's time for MSET).
func BenchmarkTouchMany(b *testing.B) {
	ks := NewKeyspace(1)
	ks.Observe(&recObserver{})
	c := &Ctx{Keyspace: ks, DB: ks.DB(0)}
	keys := make([][]byte, 10000)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, k := range keys {
			c.Notify(NotifyString, "set", k)
		}
		c.TakeTouched(func(int, []byte) {})
	}
}

// recObserver records what it is told.
type recObserver struct {
	events  []string
	touched []string
	flushes int
}

func (o *recObserver) KeyEvent(db int, class NotifyClass, event string, key []byte, by *Client) {
	o.events = append(o.events, event+":"+string(key))
}

func (o *recObserver) KeyTouched(db int, key []byte, by, runner *Client) {
	o.touched = append(o.touched, string(key))
}

func (o *recObserver) DBTouched(db int, runner *Client) { o.flushes++ }

// TestObserverInterest: an observer hears everything until it narrows its
// interest, then only the event classes it asked for and key touches if it
// asked for them; a command records no touched keys that nobody wants, and
// flushes are always told.
func TestObserverInterest(t *testing.T) {
	ks := NewKeyspace(1)
	o := &recObserver{}
	ks.Observe(o)
	c := &Ctx{Keyspace: ks, DB: ks.DB(0)}
	run := func(key string) bool {
		c.Notify(NotifyList, "lpush", []byte(key))
		c.Notify(NotifyString, "set", []byte(key))
		ks.Touched(0, []byte(key), nil)
		n := 0
		any := c.TakeTouched(func(int, []byte) { n++ })
		if n > 0 && !ks.obsTouches.Load() {
			t.Fatalf("%s: %d touched keys recorded for nobody", key, n)
		}
		return any
	}
	if !run("a") || len(o.events) != 2 || len(o.touched) != 1 {
		t.Fatalf("default: events %v touched %v", o.events, o.touched)
	}
	ks.SetInterest(o, NotifyList, false)
	if !run("b") || len(o.events) != 3 || o.events[2] != "lpush:b" || len(o.touched) != 1 {
		t.Fatalf("list only: events %v touched %v", o.events, o.touched)
	}
	ks.SetInterest(o, 0, true)
	if !run("c") || len(o.events) != 3 || len(o.touched) != 2 {
		t.Fatalf("touches only: events %v touched %v", o.events, o.touched)
	}
	ks.SetInterest(o, 0, false)
	ks.TouchedDB(0)
	if !run("d") || len(o.events) != 3 || len(o.touched) != 2 || o.flushes != 1 {
		t.Fatalf("nothing: events %v touched %v flushes %d", o.events, o.touched, o.flushes)
	}
	// A second observer that narrows nothing hears everything again; the
	// first is still called (it filters for itself).
	ks.Observe(&recObserver{})
	if run("e"); len(o.events) != 5 {
		t.Fatalf("with another observer: events %v", o.events)
	}
}
