package host_test

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// orderTrial runs XREAD BLOCK ... $ on a and, without waiting for its
// reply, XADD on b, and reports whether the blocked reader was served the
// entry: Redis, single-threaded, runs them in arrival order, and so must we.
func orderTrial(t *testing.T, a, b *resp.Conn, key string) bool {
	t.Helper()
	if err := a.Write(resp.Encode("XREAD", "BLOCK", "2000", "STREAMS", key, "$")); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(resp.Encode("XADD", key, "1-0", "f", "first")); err != nil {
		t.Fatal(err)
	}
	if r, err := b.Read(); err != nil || r.Str != "1-0" {
		t.Fatalf("XADD: %v %v", r, err)
	}
	// A read that resolved $ after the first entry gets the second.
	if r, err := b.Do("XADD", key, "2-0", "f", "second"); err != nil || r.Str != "2-0" {
		t.Fatalf("XADD: %v %v", r, err)
	}
	r, err := a.Read()
	if err != nil {
		t.Fatalf("XREAD: %v", err)
	}
	// *[*[key *[*[1-0 ...]]]]
	return len(r.Elems) == 1 && len(r.Elems[0].Elems) == 2 && len(r.Elems[0].Elems[1].Elems) > 0 &&
		len(r.Elems[0].Elems[1].Elems[0].Elems) > 0 && r.Elems[0].Elems[1].Elems[0].Elems[0].Str == "1-0"
}

// TestArrivalOrderAcrossConnections: a blocking read followed at once by a
// write from another client is served the write, as in Redis.
func TestArrivalOrderAcrossConnections(t *testing.T) {
	addr := os.Getenv("REDMOD_ORDER_ADDR") // to measure another server
	if addr == "" && runtime.GOOS != "linux" {
		t.Skip("the host keeps arrival order on Linux only")
	}
	if addr == "" {
		addr = redmodtest.Run(t).Addr()
	}
	trials := 40
	if n, err := strconv.Atoi(os.Getenv("REDMOD_ORDER_TRIALS")); err == nil {
		trials = n
	}
	a, err := resp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := resp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	prefix := "order:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	// Ordering starts with the first blocking command, and the kernel
	// turns receive times on a moment after the server first asks for
	// them: warm up until five trials in a row pass (or give up).
	ok := 0
	for i, end := 0, time.Now().Add(3*time.Second); ok < 5 && time.Now().Before(end); i++ {
		if orderTrial(t, a, b, prefix+"warm:"+strconv.Itoa(i)) {
			ok++
		} else {
			ok = 0
		}
	}
	wrong := 0
	for i := range trials {
		if !orderTrial(t, a, b, prefix+strconv.Itoa(i)) {
			wrong++
		}
	}
	// A wait for an older client gives up after a while so that a stalled
	// client cannot hold the others: on a machine loaded enough to keep a
	// runnable goroutine off the CPU that long, a few trials may still go
	// wrong (without the ordering, nearly all of them do).
	t.Logf("%d of %d trials served wrong", wrong, trials)
	if wrong > trials/5 {
		t.Errorf("%d of %d trials ran the later write before the earlier blocking read", wrong, trials)
	}
}
