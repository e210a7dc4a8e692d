package cli

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestCommandLineErrors(t *testing.T) {
	for _, args := range [][]string{{"--no-such-flag"}, {"--port", "x"}, {"modles"}, {"--port", "1", "extra"}} {
		var out, errb bytes.Buffer
		if code := Main(args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d", args, code)
		}
		if out.Len() != 0 {
			t.Errorf("%q: usage printed on an error: %q", args, out.String())
		}
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "redmod: ") || !strings.Contains(lines[1], "--help") {
			t.Errorf("%q: stderr %q", args, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "-port") {
		t.Errorf("--help: exit %d, stdout %q", code, out.String())
	}
}

// A server that cannot listen writes nothing: no snapshot over one that the
// server owning the port may be using.
func TestFailedStartWritesNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := Main([]string{"--port", port, "--dir", dir, "--log-level", "error"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err == nil {
		t.Error("a failed start wrote dump.rdb")
	}
}
