package host_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/rdb"
)

// TestBackgroundSavePointInTime writes monotonically numbered values during
// a BGSAVE: strings overwritten (SET), lists and hashes changed in place
// (RPUSH, HSET), an MSET over many slots. Each writer cycles through its
// keys, so the state at any instant is a prefix of its sequence: the image
// must show, for each writer, exactly the values up to one number, and the
// MSET's keys all one value.
func TestBackgroundSavePointInTime(t *testing.T) {
	// The writers run flat out: a paced save of 60,000 keys beside them
	// takes long under the race detector. The save is not paced here.
	defer host.SetSavePaceForTest(0)()
	ctx := context.Background()
	dir := t.TempDir()
	srv := persistent(t, dir)
	srv.Update(func(ks *core.Keyspace) error {
		for i := 0; i < 60000; i++ {
			ks.DB(0).Set([]byte("fill:"+strconv.Itoa(i)), core.NewString([]byte("some value to save")))
		}
		return nil
	})
	const n = 300 // keys per writer
	kinds := []string{"set", "rpush", "hset", "mset"}
	var stop atomic.Bool
	var ops atomic.Int64
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	for _, kind := range kinds {
		wg.Add(1)
		ready.Add(1)
		c := client(t, srv, 0)
		go func() {
			defer wg.Done()
			for s := 1; ; s++ {
				key := fmt.Sprintf("%s:%d", kind, s%n)
				var err error
				switch kind {
				case "set":
					err = c.Set(ctx, key, s, 0).Err()
				case "rpush":
					err = c.RPush(ctx, key, s).Err()
				case "hset":
					err = c.HSet(ctx, key, "f"+strconv.Itoa(s), s).Err()
				case "mset":
					args := make([]any, 0, 40)
					for j := 0; j < 20; j++ {
						args = append(args, "mset:"+strconv.Itoa(j), s)
					}
					err = c.MSet(ctx, args...).Err()
				}
				if err != nil {
					t.Error(err)
					return
				}
				ops.Add(1)
				if s == 2*n {
					ready.Done()
				}
				if stop.Load() && s > 2*n {
					return
				}
			}
		}()
	}
	ready.Wait()
	c := client(t, srv, 0)
	before := ops.Load()
	must(t, c.BgSave(ctx).Err())
	waitBgsave(t, c)
	during := ops.Load() - before
	stop.Store(true)
	wg.Wait()
	t.Logf("%d writes while the save ran", during)

	path := filepath.Join(dir, "dump.rdb")
	if bin, err := exec.LookPath("redis-check-rdb"); err == nil {
		if out, err := exec.Command(bin, path).CombinedOutput(); err != nil {
			t.Fatalf("redis-check-rdb refused the image: %v\n%s", err, out)
		}
	}
	data, err := os.ReadFile(path)
	must(t, err)
	vals := map[string]map[int][]int{} // kind -> key index -> numbers
	for _, k := range kinds {
		vals[k] = map[int][]int{}
	}
	fill := 0
	_, err = rdb.Load(data, func(e *rdb.Entry) error {
		var kind string
		var idx int
		if _, err := fmt.Sscanf(string(e.Key), "fill:%d", &idx); err == nil {
			fill++
			return nil
		}
		k := string(e.Key)
		for _, kd := range kinds {
			if len(k) > len(kd) && k[:len(kd)+1] == kd+":" {
				kind = kd
				idx, _ = strconv.Atoi(k[len(kd)+1:])
			}
		}
		var nums []int
		switch v := e.Value.(type) {
		case *core.String:
			x, _ := strconv.Atoi(string(v.B))
			nums = []int{x}
		case core.NativeValue:
			nc := v.NativeContent()
			if nc.Elements != nil {
				for el := range nc.Elements {
					x, _ := strconv.Atoi(string(el))
					nums = append(nums, x)
				}
			}
			if nc.Pairs != nil {
				for _, val := range nc.Pairs {
					x, _ := strconv.Atoi(string(val))
					nums = append(nums, x)
				}
			}
		}
		vals[kind][idx] = nums
		return nil
	})
	must(t, err)
	eq(t, fill, 60000)
	// The MSET's keys hold one value.
	var m int
	for j := 0; j < 20; j++ {
		if j == 0 {
			m = vals["mset"][j][0]
		} else if vals["mset"][j][0] != m {
			t.Fatalf("MSET keys differ in the image: %v", vals["mset"])
		}
	}
	for _, kind := range []string{"set", "rpush", "hset"} {
		top := 0
		for _, nums := range vals[kind] {
			top = max(top, slices.Max(nums))
		}
		for i := 0; i < n; i++ {
			var want []int
			for s := i; s <= top; s += n {
				if s >= 1 {
					want = append(want, s)
				}
			}
			if kind == "set" && len(want) > 0 {
				want = want[len(want)-1:]
			}
			got := slices.Clone(vals[kind][i])
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("%s key %d in the image: %v, want %v (the writer's last number in the image is %d)", kind, i, got, want, top)
			}
		}
	}
}

// TestWriteSnapshotAtCut: the AtCut hook runs at the image's instant, with
// every slot held, so what it records matches the image.
func TestWriteSnapshotAtCut(t *testing.T) {
	ctx := context.Background()
	srv := persistent(t, t.TempDir())
	c := client(t, srv, 0)
	for i := 0; i < 100; i++ {
		must(t, c.Set(ctx, "k"+strconv.Itoa(i), i, 0).Err())
	}
	var buf []byte
	w := &sliceWriter{&buf}
	var atCut int
	st, err := srv.Server.WriteSnapshot(w, host.SnapshotOptions{AtCut: func() {
		srv.Keyspace().DB(0).Range(func(string, core.Value, int64) bool { atCut++; return true })
	}, AOFBase: true})
	must(t, err)
	eq(t, atCut, 100)
	eq(t, st.Keys, 100)
	eq(t, st.Bytes, int64(len(buf)))
	info, err := rdb.Load(buf, func(*rdb.Entry) error { return nil })
	must(t, err)
	eq(t, info.Aux["aof-base"], "1")
}

type sliceWriter struct{ b *[]byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}
