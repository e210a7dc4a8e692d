package host_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// Statistics of a run of commands wait in the connection (connStats); INFO
// must still count every command whose reply came before it, whether it
// follows in the same pipeline, in MULTI, or on another connection.
func TestStatsCountPipelinedCommandsBeforeInfo(t *testing.T) {
	srv, err := redmodtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	other, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	// Statistics live in the command table, which the tests of this
	// package share: only differences are compared.
	calls := func(info, cmd string) int {
		m := regexp.MustCompile(`cmdstat_` + cmd + `:calls=(\d+)`).FindStringSubmatch(info)
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	total := func(info string) int {
		m := regexp.MustCompile(`total_commands_processed:(\d+)`).FindStringSubmatch(info)
		if m == nil {
			t.Fatalf("no total_commands_processed in %q", info)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	base, err := c.Do("INFO", "all")
	if err != nil {
		t.Fatal(err)
	}
	delta := func(info string) [3]int {
		return [3]int{calls(info, "incr") - calls(base.Str, "incr"), calls(info, "get") - calls(base.Str, "get"), calls(info, "info") - calls(base.Str, "info")}
	}
	// One pipeline: three INCRs, INFO, two GETs, INFO, INFO.
	var req []byte
	for _, args := range [][]string{
		{"INCR", "n"}, {"INCR", "n"}, {"INCR", "n"}, {"INFO", "commandstats"},
		{"GET", "n"}, {"GET", "n"}, {"INFO", "commandstats"}, {"INFO", "commandstats"},
	} {
		req = append(req, resp.Encode(args...)...)
	}
	if err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	var infos []string
	for i := 0; i < 8; i++ {
		r, err := c.Read()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.Str, "cmdstat_") {
			infos = append(infos, r.Str)
		}
	}
	// The first INFO ("all") counts in every later one.
	for i, want := range [][3]int{{3, 0, 1}, {3, 2, 2}, {3, 2, 3}} {
		if got := delta(infos[i]); got != want {
			t.Errorf("INFO %d: incr, get, info calls added = %v, want %v", i+1, got, want)
		}
	}
	// Another client sees the commands of a reply already received.
	if _, err := c.Do("SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	r, err := other.Do("INFO", "commandstats")
	if err != nil {
		t.Fatal(err)
	}
	if got := calls(r.Str, "set") - calls(base.Str, "set"); got != 1 {
		t.Errorf("other client: cmdstat_set calls added = %d, want 1", got)
	}
	// MULTI: a queued INFO counts the GET run before EXEC.
	for _, args := range [][]string{{"GET", "k"}, {"MULTI"}, {"INFO", "commandstats"}} {
		if _, err := c.Do(args...); err != nil {
			t.Fatal(err)
		}
	}
	r, err = c.Do("EXEC")
	if err != nil || len(r.Elems) != 1 {
		t.Fatalf("EXEC: %v %v", r, err)
	}
	if got := delta(r.Elems[0].Str)[1]; got != 3 {
		t.Errorf("INFO in EXEC: cmdstat_get calls added = %d, want 3", got)
	}
	r, err = other.Do("INFO", "stats")
	if err != nil {
		t.Fatal(err)
	}
	// The first INFO, the pipeline's 8, SET, the other client's INFO, GET,
	// MULTI, INFO and EXEC; the running INFO is not counted yet, as in
	// Redis.
	if got := total(r.Str) - total(base.Str); got != 15 {
		t.Errorf("total_commands_processed grew by %d, want 15", got)
	}
}

// Latencies of pipelined calls wait in their connection (latPending) until
// the histograms are read: LATENCY HISTOGRAM counts every call whose reply
// came before it, from any connection, and CONFIG RESETSTAT drops the
// waiting ones too.
func TestLatencyHistogramCountsPendingCalls(t *testing.T) {
	srv, err := redmodtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var conns [3]*resp.Conn
	for i := range conns {
		c, err := resp.Dial(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	pipeline := func(c *resp.Conn, key string, n int) {
		t.Helper()
		var req []byte
		for i := 0; i < n; i++ {
			req = append(req, resp.Encode("HINCRBY", key, "f", "1")...)
		}
		if err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if _, err := c.Read(); err != nil {
				t.Fatal(err)
			}
		}
	}
	calls := func() string {
		t.Helper()
		r, err := conns[2].Do("LATENCY", "HISTOGRAM", "hincrby")
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Elems) == 0 {
			return "0"
		}
		return r.Elems[1].Elems[1].Str
	}
	pipeline(conns[0], "a", 50)
	if _, err := conns[2].Do("CONFIG", "RESETSTAT"); err != nil {
		t.Fatal(err)
	}
	if got := calls(); got != "0" {
		t.Errorf("calls after RESETSTAT = %s, want 0", got)
	}
	pipeline(conns[0], "a", 100)
	pipeline(conns[1], "b", 70)
	if got := calls(); got != "170" {
		t.Errorf("calls = %s, want 170", got)
	}
	pipeline(conns[1], "b", 30)
	r, err := conns[2].Do("INFO", "latencystats")
	if err != nil || !strings.Contains(r.Str, "latency_percentiles_usec_hincrby:p50=") {
		t.Fatalf("INFO latencystats = %q, %v", r.Str, err)
	}
	if got := calls(); got != "200" {
		t.Errorf("calls = %s, want 200", got)
	}
}
