package core_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/redmod/redmod/core"
)

// ParseInt follows Redis's string2ll: optional '-', no '+', no leading
// zeros or spaces, fewer than 21 bytes, within int64.
func TestParseIntFollowsString2ll(t *testing.T) {
	valid := map[string]int64{
		"0": 0, "1": 1, "-1": -1, "10": 10, "1000": 1000, "-42": -42,
		"9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64,
		"9223372036854775806": math.MaxInt64 - 1, "-9223372036854775807": math.MinInt64 + 1,
	}
	for s, want := range valid {
		if n, ok := core.ParseInt([]byte(s)); !ok || n != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", s, n, ok, want)
		}
		if n, err := core.Int([]byte(s)); err != nil || n != want {
			t.Errorf("Int(%q) = %d, %v", s, n, err)
		}
	}
	for _, s := range []string{
		"", "-", "+1", "+0", "01", "-0", "00", "-01", " 1", "1 ", "\t1", "1\n", "1a", "a1", "1.0", "1e3",
		"0x10", "\x001", "1\x00", "9223372036854775808", "-9223372036854775809", "18446744073709551615",
		"18446744073709551616", "99999999999999999999", "-99999999999999999999", "000000000000000000001",
		"--1", "1-", "١",
	} {
		if n, ok := core.ParseInt([]byte(s)); ok {
			t.Errorf("ParseInt(%q) accepted as %d", s, n)
		}
		if _, err := core.Int([]byte(s)); err != core.ErrNotInteger {
			t.Errorf("Int(%q) error %v", s, err)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 10000; i++ {
		v := int64(r.Uint64()) >> r.IntN(64)
		s := strconv.FormatInt(v, 10)
		if n, ok := core.ParseInt([]byte(s)); !ok || n != v {
			t.Fatalf("ParseInt(%q) = %d, %v", s, n, ok)
		}
	}
}

func TestUnknownCommandPreview(t *testing.T) {
	args := func(a ...string) [][]byte {
		out := make([][]byte, len(a))
		for i, s := range a {
			out[i] = []byte(s)
		}
		return out
	}
	long := strings.Repeat("x", 200)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"foobar"}, "ERR unknown command 'foobar', with args beginning with: "},
		{[]string{"FOOBAR", "abc", "def"}, "ERR unknown command 'FOOBAR', with args beginning with: 'abc' 'def' "},
		{[]string{"x", ""}, "ERR unknown command 'x', with args beginning with: '' "},
		{[]string{long}, "ERR unknown command '" + long[:128] + "', with args beginning with: "},
		{[]string{"x", long, "y"}, "ERR unknown command 'x', with args beginning with: '" + long[:128] + "' "},
		{[]string{"x", strings.Repeat("a", 120), "bcdefghij", "k"}, "ERR unknown command 'x', with args beginning with: '" + strings.Repeat("a", 120) + "' 'bcdef' "},
		{[]string{"x", "a\r\nb"}, "ERR unknown command 'x', with args beginning with: 'a  b' "},
		{[]string{"x", "a\x00b", "c"}, "ERR unknown command 'x', with args beginning with: 'a' 'c' "},
	}
	for _, c := range cases {
		err := core.ErrUnknownCommand(args(c.args...))
		if err.Error() != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.args, err.Error(), c.want)
		}
		if err.Code() != "ERR" {
			t.Errorf("code %q", err.Code())
		}
	}
	if got := core.ErrUnknownSubcommand([]byte("FOO\x00bar"), "config").Error(); got != "ERR unknown subcommand 'FOO'. Try CONFIG HELP." {
		t.Errorf("unknown subcommand: %q", got)
	}
	if got := core.ErrorArg([]byte("opt\x00rest")); got != "opt" {
		t.Errorf("ErrorArg = %q", got)
	}
	if got := core.ErrArity("config|get").Error(); got != "ERR wrong number of arguments for 'config|get' command" {
		t.Errorf("ErrArity = %q", got)
	}
	if got := core.ErrInvalidExpire("set").Error(); got != "ERR invalid expire time in 'set' command" {
		t.Errorf("ErrInvalidExpire = %q", got)
	}
	if got := core.NewError("no code here").Error(); got != "ERR no code here" {
		t.Errorf("NewError without a code = %q", got)
	}
	if got := core.NewError("WRONGPASS bad").Code(); got != "WRONGPASS" {
		t.Errorf("Code = %q", got)
	}
	if got := core.ErrorText(errors.New("plain")); got != "ERR plain" {
		t.Errorf("ErrorText = %q", got)
	}
}

func TestWriterEncodings(t *testing.T) {
	cases := []struct {
		name         string
		write        func(w *core.Writer)
		resp2, resp3 string
	}{
		{"null", func(w *core.Writer) { w.WriteNull() }, "$-1\r\n", "_\r\n"},
		{"null array", func(w *core.Writer) { w.WriteNullArray() }, "*-1\r\n", "_\r\n"},
		{"ok", func(w *core.Writer) { w.WriteOK() }, "+OK\r\n", "+OK\r\n"},
		{"simple", func(w *core.Writer) { w.WriteSimple("PONG") }, "+PONG\r\n", "+PONG\r\n"},
		{"error", func(w *core.Writer) { w.WriteError(core.ErrSyntax) }, "-ERR syntax error\r\n", "-ERR syntax error\r\n"},
		{"int", func(w *core.Writer) { w.WriteInt(-42) }, ":-42\r\n", ":-42\r\n"},
		{"bulk", func(w *core.Writer) { w.WriteBulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"},
		{"empty bulk", func(w *core.Writer) { w.WriteBulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"bulk int", func(w *core.Writer) { w.WriteBulkInt(math.MinInt64) }, "$20\r\n-9223372036854775808\r\n", "$20\r\n-9223372036854775808\r\n"},
		{"array", func(w *core.Writer) { w.WriteStrings([]string{"a", ""}) }, "*2\r\n$1\r\na\r\n$0\r\n\r\n", "*2\r\n$1\r\na\r\n$0\r\n\r\n"},
		{"empty array", func(w *core.Writer) { w.WriteArray(0) }, "*0\r\n", "*0\r\n"},
		{"map", func(w *core.Writer) { w.WriteMap(1); w.WriteBulkString("f"); w.WriteInt(1) }, "*2\r\n$1\r\nf\r\n:1\r\n", "%1\r\n$1\r\nf\r\n:1\r\n"},
		{"set", func(w *core.Writer) { w.WriteSet(1); w.WriteBulkString("m") }, "*1\r\n$1\r\nm\r\n", "~1\r\n$1\r\nm\r\n"},
		{"push", func(w *core.Writer) { w.WritePush(1); w.WriteBulkString("p") }, "*1\r\n$1\r\np\r\n", ">1\r\n$1\r\np\r\n"},
		{"double", func(w *core.Writer) { w.WriteDouble(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double 17 digits", func(w *core.Writer) { w.WriteDouble(0.1) }, "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"},
		{"inf", func(w *core.Writer) { w.WriteDouble(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"-inf", func(w *core.Writer) { w.WriteDouble(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"true", func(w *core.Writer) { w.WriteBool(true) }, ":1\r\n", "#t\r\n"},
		{"false", func(w *core.Writer) { w.WriteBool(false) }, ":0\r\n", "#f\r\n"},
		{"verbatim", func(w *core.Writer) { w.WriteVerbatim("txt", "hi") }, "$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"},
	}
	for _, c := range cases {
		for _, proto := range []int{2, 3} {
			w := core.NewWriter(proto)
			c.write(w)
			want := c.resp2
			if proto == 3 {
				want = c.resp3
			}
			if got := string(w.Bytes()); got != want {
				t.Errorf("%s in RESP%d: %q, want %q", c.name, proto, got, want)
			}
		}
	}
	w := core.NewWriter(7)
	if w.Protocol() != 2 {
		t.Errorf("unknown protocol gives RESP%d", w.Protocol())
	}
	w.SetProtocol(3)
	w.WriteNull()
	w.SetProtocol(2)
	w.WriteNull()
	if got := string(w.Bytes()); got != "_\r\n$-1\r\n" {
		t.Errorf("after protocol switches: %q", got)
	}
	mark := w.Len()
	w.WriteInt(1)
	w.Truncate(mark)
	if w.Len() != mark {
		t.Error("Truncate kept bytes")
	}
	w.Reset()
	if w.Len() != 0 {
		t.Error("Reset kept bytes")
	}
	w.WriteSimple("a\r\nb")
	if got := string(w.Bytes()); got != "+a  b\r\n" {
		t.Errorf("simple string with CRLF: %q", got)
	}
}
