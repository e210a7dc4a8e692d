package lists

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/redmod/redmod/core"
)

// model is a plain slice the List must agree with.
type model [][]byte

// pushFront pushes v at the front of both l and m.
func (m *model) pushFront(l *List, v []byte) { l.PushFront(v); *m = slices.Insert(*m, 0, v) }

// pushBack pushes v at the back of both l and m.
func (m *model) pushBack(l *List, v []byte) { l.PushBack(v); *m = append(*m, v) }

// popFront pops the front of both l and m and fails when they differ.
func (m *model) popFront(t *testing.T, l *List, at string) {
	t.Helper()
	if got := l.PopFront(); !bytes.Equal(got, (*m)[0]) {
		t.Fatalf("%s: PopFront = %q, want %q", at, got, (*m)[0])
	}
	*m = (*m)[1:]
}

// popBack pops the back of both l and m and fails when they differ.
func (m *model) popBack(t *testing.T, l *List, at string) {
	t.Helper()
	if got := l.PopBack(); !bytes.Equal(got, (*m)[len(*m)-1]) {
		t.Fatalf("%s: PopBack = %q, want %q", at, got, (*m)[len(*m)-1])
	}
	*m = (*m)[:len(*m)-1]
}

func (m model) equal(t *testing.T, l *List, step string) {
	t.Helper()
	if l.Len() != len(m) {
		t.Fatalf("%s: Len = %d, want %d", step, l.Len(), len(m))
	}
	walked := 48 + 8*len(l.ring)
	var chunks [][]byte
	var live []int32
	cur := int32(0)
	if l.a != nil {
		chunks, live, cur = l.a.chunks, l.a.live, l.a.cur
		walked += 16 * len(chunks)
	}
	if br := l.big; br != nil {
		if l.ring != nil {
			t.Fatalf("%s: a ring and blocks", step)
		}
		walked += 24*len(br.blocks) + 8*len(br.spare)
		for b, blk := range br.blocks {
			walked += 8 * len(blk)
			if (blk != nil) != l.inUse(b) {
				t.Fatalf("%s: block %d in use %v, held %v", step, b, l.inUse(b), blk != nil)
			}
		}
	}
	inline := 0
	l.each(func(b []byte) bool {
		if len(b) > inlineMax {
			walked += cap(b)
		} else {
			inline++
		}
		return true
	})
	if got := l.MemoryUsage(); got != walked {
		t.Fatalf("%s: MemoryUsage = %d, a walk of the elements gives %d", step, got, walked)
	}
	held := 0
	for c, k := range live {
		held += int(k)
		if k < 0 || k == 0 && chunks[c] != nil && int32(c)+1 != cur {
			t.Fatalf("%s: chunk %d holds %d elements (dropped: %v)", step, c, k, chunks[c] == nil)
		}
	}
	if held+inline != l.n {
		t.Fatalf("%s: chunks hold %d elements, the list has %d", step, held, l.n)
	}
	got := l.Elements()
	for i := range m {
		if !bytes.Equal(got[i], m[i]) || !bytes.Equal(l.At(i), m[i]) {
			t.Fatalf("%s: element %d = %q, want %q (list %q)", step, i, got[i], m[i], got)
		}
	}
}

// modelElement returns an element held in its ref, in a shared chunk, or
// as a chunk of its own.
func modelElement(r *rand.Rand) []byte {
	v := []byte(fmt.Sprint(r.IntN(8)))
	switch r.IntN(10) {
	case 0:
		v = bytes.Repeat(v, arenaMaxElem+1)
	case 1, 2, 3:
		v = bytes.Repeat(v, 1+r.IntN(20))
	}
	return v
}

// TestLongListAgainstModel grows lists past one block and empties them
// again, from either end and in the middle, checking them against a slice.
func TestLongListAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	maxBlocks := 0
	defer func() {
		if maxBlocks < 4 {
			t.Errorf("the lists reached %d blocks at most", maxBlocks)
		}
	}()
	for round := 0; round < 6; round++ {
		l := &List{}
		var m model
		for step := 0; step < 12000; step++ {
			v := modelElement(r)
			grow := step < 6000
			op := r.IntN(20)
			switch {
			case op < 6 && grow || op < 2:
				m.pushFront(l, v)
			case op < 12 && grow || op < 4:
				m.pushBack(l, v)
			case op < 15 && len(m) > 0:
				m.popFront(t, l, fmt.Sprintf("step %d", step))
			case op < 18 && len(m) > 0:
				m.popBack(t, l, fmt.Sprintf("step %d", step))
			case op == 18 && round%2 == 0:
				i := r.IntN(len(m) + 1)
				l.Insert(i, v)
				m = slices.Insert(m, i, v)
			case op == 19 && len(m) > 0 && r.IntN(50) == 0:
				from := r.IntN(len(m)/8 + 1)
				to := len(m) - 1 - r.IntN(len(m)/8+1)
				if to < from {
					to = from
				}
				l.Trim(from, to)
				m = slices.Clone(m[from : to+1])
			case op == 19 && len(m) > 0 && r.IntN(50) == 1:
				match := func(b []byte) bool { return bytes.Equal(b, v) }
				tail := r.IntN(2) == 0
				want := removeModel(m, match, 0, tail)
				l.RemoveFunc(match, 0, tail)
				m = want
			}
			if l.big != nil {
				maxBlocks = max(maxBlocks, len(l.big.blocks))
			}
			if step%97 == 0 || step > 11900 {
				m.equal(t, l, fmt.Sprintf("round %d step %d", round, step))
			}
		}
	}
}

// TestCloneIsIndependent changes a long list and its clone apart: neither
// sees the other's pushes and pops, though they share chunks.
func TestCloneIsIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := 0; round < 4; round++ {
		l := &List{}
		var m model
		for range 1500 + r.IntN(1500) {
			v := modelElement(r)
			if r.IntN(2) == 0 {
				m.pushFront(l, v)
			} else {
				m.pushBack(l, v)
			}
		}
		for range r.IntN(700) {
			m.popFront(t, l, "before the clone")
		}
		c := l.Clone().(*List)
		mc := slices.Clone(m)
		m.equal(t, c, "clone")
		for step := range 3000 {
			v := modelElement(r)
			lst, mod := l, &m
			if step%2 == 1 {
				lst, mod = c, &mc
			}
			at := fmt.Sprintf("round %d step %d", round, step)
			switch op := r.IntN(4); {
			case op == 0:
				mod.pushFront(lst, v)
			case op == 1:
				mod.pushBack(lst, v)
			case op == 2 && len(*mod) > 0:
				mod.popFront(t, lst, at)
			case op == 3 && len(*mod) > 0:
				mod.popBack(t, lst, at)
			}
			if step%250 == 0 || step > 2990 {
				m.equal(t, l, fmt.Sprintf("round %d step %d: original", round, step))
				mc.equal(t, c, fmt.Sprintf("round %d step %d: clone", round, step))
			}
		}
	}
}

// TestListAgainstModel runs random operations on a List and a slice.
func TestListAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 50; round++ {
		l := &List{}
		var m model
		for step := 0; step < 400; step++ {
			v := modelElement(r)
			name := ""
			switch op := r.IntN(9); {
			case op == 0:
				m.pushFront(l, v)
				name = "PushFront"
			case op == 1:
				m.pushBack(l, v)
				name = "PushBack"
			case op == 2 && len(m) > 0:
				m.popFront(t, l, fmt.Sprintf("round %d step %d", round, step))
				name = "PopFront"
			case op == 3 && len(m) > 0:
				m.popBack(t, l, fmt.Sprintf("round %d step %d", round, step))
				name = "PopBack"
			case op == 4:
				i := r.IntN(len(m) + 1)
				l.Insert(i, v)
				m = slices.Insert(m, i, v)
				name = fmt.Sprintf("Insert(%d)", i)
			case op == 5 && len(m) > 0:
				from := r.IntN(len(m))
				to := from + r.IntN(len(m)-from)
				l.Trim(from, to)
				m = slices.Clone(m[from : to+1])
				name = fmt.Sprintf("Trim(%d,%d)", from, to)
			case op == 6 && len(m) > 0:
				limit, tail := r.IntN(3), r.IntN(2) == 0
				match := func(b []byte) bool { return bytes.Equal(b, v) }
				want := removeModel(m, match, limit, tail)
				n := l.RemoveFunc(match, limit, tail)
				if n != len(m)-len(want) {
					t.Fatalf("RemoveFunc removed %d, want %d", n, len(m)-len(want))
				}
				m = want
				name = fmt.Sprintf("RemoveFunc(%q,%d,%v)", v, limit, tail)
			case op == 7 && len(m) > 0:
				i := r.IntN(len(m))
				l.SetAt(i, v)
				m[i] = v
				name = "SetAt"
			case op == 8 && len(m) > 0:
				got, _ := decodeList(l.AppendSnapshot(nil))
				m.equal(t, got.(*List), "snapshot")
				m.equal(t, l.Clone().(*List), "clone")
				continue
			default:
				continue
			}
			m.equal(t, l, name)
		}
	}
}

func removeModel(m model, match func([]byte) bool, limit int, tail bool) model {
	keep := make([]bool, len(m))
	removed := 0
	for k := range m {
		i := k
		if tail {
			i = len(m) - 1 - k
		}
		if (limit == 0 || removed < limit) && match(m[i]) {
			removed++
			continue
		}
		keep[i] = true
	}
	var out model
	for i, v := range m {
		if keep[i] {
			out = append(out, v)
		}
	}
	return out
}

// TestListMemoryShrinks: a list that was long gives its buffer back as it
// empties, by popping or trimming.
func TestListMemoryShrinks(t *testing.T) {
	l := &List{}
	for i := 0; i < 1<<16; i++ {
		l.PushBack([]byte("an element"))
	}
	big := l.MemoryUsage()
	for l.Len() > 10 {
		l.PopFront()
	}
	if l.MemoryUsage() >= big/64 {
		t.Fatalf("%d bytes kept for %d elements (%d when full)", l.MemoryUsage(), l.Len(), big)
	}
	for i := 0; i < 1<<16; i++ {
		l.PushBack([]byte("an element"))
	}
	l.Trim(0, 3)
	if l.capacity() > 16 {
		t.Fatalf("buffer of %d slots kept for %d elements after Trim", l.capacity(), l.Len())
	}
	kept := 0
	for _, c := range l.a.chunks {
		if c != nil {
			kept++
		}
	}
	if kept > 3 {
		t.Fatalf("%d chunks kept for %d elements after Trim", kept, l.Len())
	}
}

func TestDecodeListRejectsGarbage(t *testing.T) {
	for _, p := range [][]byte{nil, {0xff}, {5, 1, 'a'}, core.AppendUvarint(nil, 1<<40)} {
		if _, err := decodeList(p); err == nil && len(p) > 0 {
			t.Fatalf("decodeList(%q) accepted garbage", p)
		}
	}
}

func TestParseTimeoutAndNumKeys(t *testing.T) {
	if got := core.NumKeys([][]byte{[]byte("lmpop"), []byte("2"), []byte("a"), []byte("b"), []byte("left")}, 1); !slices.Equal(got, []int{2, 3}) {
		t.Fatalf("numKeys = %v", got)
	}
	for _, bad := range []string{"0", "-1", "x", "9", "9223372036854775807"} {
		if got := core.NumKeys([][]byte{[]byte("lmpop"), []byte(bad), []byte("a"), []byte("left")}, 1); got != nil {
			t.Fatalf("core.NumKeys(%s) = %v", bad, got)
		}
	}
}

// BenchmarkListPushFront grows a list of a million elements from the head,
// as redis-benchmark's LPUSH does: the cost of growing the ring included.
func BenchmarkListPushFront(b *testing.B) {
	v := []byte("xxxxxxxxxxxxxxxx")
	b.ReportAllocs()
	for b.Loop() {
		var l List
		for range 1 << 20 {
			l.PushFront(v)
		}
	}
}

// BenchmarkList1M pushes a million three-byte elements (redis-benchmark's
// LPUSH and RPUSH: one list that keeps growing) and pops them all again;
// ns/op is per element.
func BenchmarkList1M(b *testing.B) {
	const n = 1 << 20
	v := []byte("xxx")
	for _, front := range []bool{true, false} {
		name := "Back"
		if front {
			name = "Front"
		}
		b.Run("Push"+name, func(b *testing.B) {
			b.ReportAllocs()
			var l *List
			for i := 0; b.Loop(); i++ {
				if i%n == 0 {
					l = &List{}
				}
				if front {
					l.PushFront(v)
				} else {
					l.PushBack(v)
				}
			}
		})
		b.Run("Pop"+name, func(b *testing.B) {
			b.ReportAllocs()
			l := &List{}
			for i := 0; b.Loop(); i++ {
				if l.Len() == 0 {
					b.StopTimer()
					for range n {
						l.PushBack(v)
					}
					b.StartTimer()
				}
				if front {
					_ = l.Front()
					l.RemoveFront()
				} else {
					_ = l.Back()
					l.RemoveBack()
				}
			}
		})
	}
}

// BenchmarkPushLongList is what LPUSH does to a list of 100,000 elements:
// the push, then the keyspace's re-measure of the value.
func BenchmarkPushLongList(b *testing.B) {
	l := &List{}
	for range 100_000 {
		l.PushBack([]byte("element"))
	}
	for b.Loop() {
		l.PushFront([]byte("element"))
		l.PopBack()
		_ = l.EstimateMemory()
	}
}

// BenchmarkClone1M copies a list of a million 16-byte elements, as a
// snapshot's pre-image or COPY does.
func BenchmarkClone1M(b *testing.B) {
	l := &List{}
	v := []byte("xxxxxxxxxxxxxxxx")
	for range 1 << 20 {
		l.PushBack(v)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = l.Clone()
	}
}

// BenchmarkPushPopChunked is a queue of 100,000 16-byte elements (held in
// the arena's chunks, not in their refs): push at the tail, pop at the head.
func BenchmarkPushPopChunked(b *testing.B) { benchPushPop(b, []byte("xxxxxxxxxxxxxxxx")) }

// BenchmarkPushPopInline is a queue of 3-byte elements (redis-benchmark's
// default size, held in their refs): push at the tail, pop at the head.
func BenchmarkPushPopInline(b *testing.B) { benchPushPop(b, []byte("xxx")) }

// benchPushPop runs a queue of 100,000 copies of v.
func benchPushPop(b *testing.B, v []byte) {
	l := &List{}
	for range 100000 {
		l.PushBack(v)
	}
	for b.Loop() {
		l.PushBack(v)
		l.RemoveFront()
	}
}
