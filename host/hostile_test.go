package host_test

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// TestRepliesBoundedWhileBuilt sends commands whose reply size the client
// chooses to a server with a 1 MB hard output limit. Each once built its
// whole reply before the limit was checked (HRANDFIELD with a count of
// -2^63+1 grew to gigabytes and never finished); now the Writer stops the
// command once the reply passes the limit, and the client is closed, as
// Redis closes it, while the others are served.
func TestRepliesBoundedWhileBuilt(t *testing.T) {
	srv := redmodtest.Run(t)
	admin, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	admin.Do("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb 10")
	admin.Do("HSET", "h", "a", "1", "b", "2")
	args := []string{"RPUSH", "l"}
	for i := 0; i < 20000; i++ {
		args = append(args, strings.Repeat("x", 100))
	}
	admin.Do(args...)
	for i := 0; i < 2000; i++ {
		admin.Do("SET", "key:"+strconv.Itoa(i)+strings.Repeat("k", 1000), "v")
	}
	for _, cmd := range [][]string{
		{"HRANDFIELD", "h", "-9223372036854775807"},
		{"HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"},
		{"LRANGE", "l", "0", "-1"},
		{"SORT", "l", "ALPHA", "GET", "#", "GET", "#", "GET", "#"},
		{"SORT_RO", "l", "ALPHA"},
		{"KEYS", "*"},
		{"SCAN", "0", "COUNT", "9223372036854775807"},
	} {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		c, err := resp.Dial(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		c.Write(resp.Encode(cmd...))
		r, err := c.ReadTimeout(30 * time.Second)
		if err == nil {
			t.Errorf("%s: a %d-byte reply over the hard limit was sent", cmd[0], len(r.Raw))
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%s: the close took %v", cmd[0], d)
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if grown := int64(after.TotalAlloc - before.TotalAlloc); grown > 64<<20 {
			t.Errorf("%s: %d MB allocated for a 1 MB limit", cmd[0], grown>>20)
		}
		c.Close()
		if r, err := admin.Do("PING"); err != nil || r.Raw != "+PONG\r\n" {
			t.Fatalf("after %s: PING %q %v", cmd[0], r.Raw, err)
		}
	}
	// Under the limit, replies are whole.
	if r, err := admin.Do("HRANDFIELD", "h", "-1000"); err != nil || len(r.Elems) != 1000 {
		t.Errorf("HRANDFIELD -1000: %d elements, %v", len(r.Elems), err)
	}
}
