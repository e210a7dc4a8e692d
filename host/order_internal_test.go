package host

import "testing"

func TestRequestName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n", "BLPOP"},
		{"*1\r\n$4\r\nEXEC\r\n", "EXEC"},
		{"*1\r\n$4\r\nEX", ""}, // cut short
		{"*1\r\n$-1\r\n", ""},  // not a name
		{"blpop k 0\r\n", "blpop"},
		{"ping", ""}, // the line is not complete
		{"", ""},
	} {
		if got := string(requestName([]byte(tc.in))); got != tc.want {
			t.Errorf("requestName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
