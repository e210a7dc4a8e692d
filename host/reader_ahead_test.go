package host

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestReaderAhead reads every reader case and a pipeline, whole, byte by
// byte and split at every position, calling Ahead as the connection does
// (when more bytes follow a command not yet shown), and checks that Ahead
// shows each command at most once, as Next then returns it, and that it
// changes nothing Next returns.
func TestReaderAhead(t *testing.T) {
	lim := testLimits()
	cases := append([]readerCase{
		{name: "pipeline", in: strings.Repeat("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n", 4) + "PING\r\n*1\r\n$4\r\nPING\r\n"},
	}, readerCases...)
	for _, tc := range cases {
		for mode := range splits(tc.in) {
			// Each reader consumes its chunks: each gets a fresh split.
			want, wantErr := readAllCommands(splits(tc.in)[mode], lim, tc.auth)
			rd := newRequestReader(&chunkReader{chunks: splits(tc.in)[mode]}, lim)
			if tc.auth {
				rd.authRequired = func() bool { return true }
			}
			var got []string
			shown := map[int]string{}
			for {
				args, err := rd.Next()
				if err != nil {
					if errors.Is(err, io.EOF) {
						err = nil
					}
					if (err == nil) != (wantErr == nil) {
						t.Errorf("%s (%s): error %v, want %v", tc.name, mode, err, wantErr)
					}
					break
				}
				got = append(got, join(args))
				if rd.Buffered() && !rd.Scanned() {
					i := len(got) - 1
					rd.Ahead(func(args [][]byte) bool {
						if _, dup := shown[i]; dup {
							t.Errorf("%s (%s): command %d shown twice", tc.name, mode, i)
						}
						shown[i] = join(args)
						i++
						return true
					})
				}
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s (%s): got %q, want %q", tc.name, mode, got, want)
			}
			for i, s := range shown {
				if i >= len(got) || got[i] != s {
					t.Errorf("%s (%s): Ahead showed %q as command %d; Next returned %q", tc.name, mode, s, i, got)
				}
			}
			// Eight multibulk commands parsed ahead at the first, then the
			// inline PING (shown as the command Next returned) and the
			// multibulk after it.
			if tc.name == "pipeline" && mode == "whole" && len(shown) != 10 {
				t.Errorf("pipeline: Ahead showed %d commands, want 10", len(shown))
			}
		}
	}
}

func join(args [][]byte) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = string(a)
	}
	return strings.Join(parts, "|")
}
