// Command saveprobe measures what a background save costs the clients of a
// Redis-protocol server: it sends PING and SET on random keys of the data
// set one at a time in a loop and records the longest wait (the longest
// stall a client sees), and it samples the memory of the server's process
// and of any child it forks (Redis saves in a forked child: the child's
// private pages are the save's memory cost). It runs for -seconds; with
// -bgsave it starts BGSAVE after BGSAVE meanwhile, so that a save runs the
// whole time, and stops at the end of the first save past -seconds.
// bgsave.sh in this folder runs it beside redis-benchmark for both servers.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	pid := flag.Int("pid", 0, "server process id, for memory figures (0: none)")
	keys := flag.Int("keys", 1000000, "keys in the data set, named key:%012d")
	bgsave := flag.Bool("bgsave", false, "keep a BGSAVE running")
	seconds := flag.Float64("seconds", 10, "how long to run")
	flag.Parse()

	probe, err := dial(*addr)
	check(err)
	ctl, err := dial(*addr)
	check(err)
	start := time.Now()
	saves := 0
	startSave := func() {
		r, err := ctl.do("BGSAVE")
		check(err)
		if !strings.HasPrefix(r, "+") {
			check(fmt.Errorf("BGSAVE: %s", r))
		}
	}
	if *bgsave {
		startSave()
	}
	done := make(chan struct{})
	var peakSelf, peakTotal int64
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for polls := 1; ; polls++ {
			<-t.C
			if *pid > 0 {
				self, total := memory(*pid)
				peakSelf, peakTotal = max(peakSelf, self), max(peakTotal, total)
			}
			late := time.Since(start).Seconds() >= *seconds
			if !*bgsave && late {
				break
			}
			if *bgsave && polls%5 == 0 {
				r, err := ctl.do("INFO", "persistence")
				check(err)
				if strings.Contains(r, "rdb_bgsave_in_progress:0") {
					saves++
					if late {
						break
					}
					startSave()
				}
			}
		}
		close(done)
	}()
	var lat []time.Duration
	over := 0
	// The longest waits and when they began (seconds from the start), to
	// match them with the server's log.
	type stall struct {
		d  time.Duration
		at float64
	}
	var worst []stall
loop:
	for i := 0; ; i++ {
		select {
		case <-done:
			break loop
		default:
		}
		t0 := time.Now()
		if i%2 == 0 {
			_, err = probe.do("PING")
		} else {
			_, err = probe.do("SET", fmt.Sprintf("key:%012d", rand.IntN(*keys)), "probe-value-0123")
		}
		check(err)
		d := time.Since(t0)
		lat = append(lat, d)
		if d > 50*time.Millisecond {
			over++
		}
		if len(worst) < 3 || d > worst[len(worst)-1].d {
			worst = append(worst, stall{d, t0.Sub(start).Seconds()})
			sort.Slice(worst, func(i, j int) bool { return worst[i].d > worst[j].d })
			worst = worst[:min(len(worst), 3)]
		}
	}
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	var at []string
	for _, w := range worst {
		at = append(at, fmt.Sprintf("%.0fms@%.1fs", float64(w.d.Microseconds())/1000, w.at))
	}
	fmt.Printf("duration_s=%.1f saves=%d probes=%d probe_p99_ms=%.2f max_stall_ms=%.1f stalls_over_50ms=%d peak_rss_mb=%d peak_total_mb=%d longest=%s start=%s\n",
		elapsed.Seconds(), saves, len(lat), q(0.99), q(1), over, peakSelf>>20, peakTotal>>20, strings.Join(at, ","), start.UTC().Format("15:04:05.000"))
}

// memory returns the resident memory of process pid and that plus the
// private memory of its children (a forked save's copied pages).
func memory(pid int) (self, total int64) {
	self = statusKB(pid, "VmRSS:") << 10
	total = self
	entries, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, e := range entries {
		b, _ := os.ReadFile(e)
		for _, f := range strings.Fields(string(b)) {
			c, _ := strconv.Atoi(f)
			total += privateKB(c) << 10
		}
	}
	return self, total
}

func statusKB(pid int, field string) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field) {
			n, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			return n
		}
	}
	return 0
}

func privateKB(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	var n int64
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Private_Clean:") || strings.HasPrefix(l, "Private_Dirty:") {
			v, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			n += v
		}
	}
	return n
}

type conn struct {
	c net.Conn
	r *bufio.Reader
}

func dial(addr string) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{c, bufio.NewReader(c)}, nil
}

// do sends a command and returns its reply's first line, or a bulk
// string's content.
func (c *conn) do(args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if line[0] != '$' {
		return line, nil
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	if n < 0 {
		return "", nil
	}
	buf := make([]byte, n+2)
	_, err = io.ReadFull(c.r, buf)
	return string(buf[:n]), err
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "saveprobe:", err)
		os.Exit(1)
	}
}
