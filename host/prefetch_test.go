package host_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// TestPipelinedBatchesConcurrent sends pipelines of keyed commands (whose
// keys the connection prefetches before running them) from several clients
// at once over shared keys, with a SELECT halfway through each pipeline, and
// checks every reply and the final counts: the prefetch is only a hint and
// under -race reads the keyspace only under its locks.
func TestPipelinedBatchesConcurrent(t *testing.T) {
	srv, err := redmodtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// Enough keys for the connections to prefetch (core.PrefetchMinKeys).
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < core.PrefetchMinKeys; i += 1024 {
		args := []string{"MSET"}
		for j := i; j < i+1024; j++ {
			args = append(args, "p:"+strconv.Itoa(j), "v")
		}
		if r, err := c.Do(args...); err != nil || r.Str != "OK" {
			t.Fatalf("MSET: %v %v", r, err)
		}
	}
	const clients, rounds, keys = 4, 20, 8
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := resp.Dial(srv.Addr())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for r := range rounds {
				var req []byte
				n := 0
				add := func(args ...string) {
					req = append(req, resp.Encode(args...)...)
					n++
				}
				for k := range keys {
					add("INCR", fmt.Sprint("n", k))
				}
				add("MSET", fmt.Sprint("m", cl), strconv.Itoa(r), "shared", "x")
				add("HSET", "h", fmt.Sprint("f", cl), strconv.Itoa(r))
				add("SELECT", "1")
				add("INCR", "n0")
				add("SELECT", "0")
				add("GET", fmt.Sprint("m", cl))
				if err := c.Write(req); err != nil {
					errs <- err
					return
				}
				for i := range n {
					rep, err := c.Read()
					if err != nil {
						errs <- err
						return
					}
					if i == n-1 && rep.Str != strconv.Itoa(r) {
						errs <- fmt.Errorf("client %d round %d: GET = %v", cl, r, rep)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for k := range keys {
		if r, _ := c.Do("GET", fmt.Sprint("n", k)); r.Str != strconv.Itoa(clients*rounds) {
			t.Errorf("n%d = %v, want %d", k, r, clients*rounds)
		}
	}
	c.Do("SELECT", "1")
	if r, _ := c.Do("GET", "n0"); r.Str != strconv.Itoa(clients*rounds) {
		t.Errorf("db 1 n0 = %v, want %d", r, clients*rounds)
	}
}
