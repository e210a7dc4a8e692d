package host_test

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/effects"
	"github.com/redmod/redmod/internal/resp"
	"github.com/redmod/redmod/redmodtest"
)

// SYNC sends the image, then every later change as commands, as a Redis
// master's replication stream: what redis-cli --replica and Redis's own
// tests read.
func TestSyncStreamsChanges(t *testing.T) {
	srv := redmodtest.Run(t)
	c, err := resp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Do("SET", "before", "1")

	nc, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(nc)
	io.WriteString(nc, "SYNC\r\n")
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "$") {
		t.Fatalf("SYNC: %q %v", line, err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	image := make([]byte, n)
	if _, err := io.ReadFull(r, image); err != nil || !strings.HasPrefix(string(image), "REDIS0010") {
		t.Fatalf("image: %q %v", image[:min(n, 9)], err)
	}

	c.Do("SET", "after", "2")
	c.Do("SELECT", "2")
	c.Do("INCR", "n")
	want := [][]string{{"SELECT", "0"}, {"SET", "after", "2"}, {"SELECT", "2"}, {"INCR", "n"}}
	var got [][]string
	var raw []byte
	for len(got) < len(want) {
		b := make([]byte, 4096)
		k, err := r.Read(b)
		if err != nil {
			t.Fatalf("stream: %v after %q", err, raw)
		}
		raw = append(raw, b[:k]...)
		got, _ = effects.ParseCommands(raw)
	}
	for i := range want {
		if strings.Join(got[i], " ") != strings.Join(want[i], " ") && !strings.EqualFold(strings.Join(got[i], " "), strings.Join(want[i], " ")) {
			t.Fatalf("stream %q, want %q", got, want)
		}
	}
}
