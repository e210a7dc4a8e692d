package core_test

import (
	"fmt"
	"testing"

	"github.com/redmod/redmod/core"
)

func renderArgs(args []core.Arg) string {
	s := ""
	for _, a := range args {
		s += fmt.Sprintf("(%s %s", a.Name, a.Type)
		if a.Token != "" {
			s += " " + a.Token
		}
		if a.Optional {
			s += " opt"
		}
		if a.Multiple {
			s += " multi"
		}
		if len(a.Args) > 0 {
			s += " " + renderArgs(a.Args)
		}
		s += ")"
	}
	return s
}

func TestParseSyntax(t *testing.T) {
	for _, tc := range []struct{ syntax, want string }{
		{"key expected new", "(key key)(expected string)(new string)"},
		{"key value [NX|XX] [GET] [EX seconds|PX milliseconds]",
			"(key key)(value string)(nx_xx oneof opt (nx pure-token NX)(xx pure-token XX))(get pure-token GET opt)(seconds_milliseconds oneof opt (seconds integer EX)(milliseconds integer PX))"},
		{"key [key ...]", "(key key multi)"},
		{"key [LIMIT offset count] [WITHSCORES]", "(key key)(offset_count block LIMIT opt (offset integer)(count integer))(withscores pure-token WITHSCORES opt)"},
		{"key member [member ...]", "(key key)(member string multi)"},
		{"destination numkeys key [key ...] amount:double", "(destination key)(numkeys integer)(key key multi)(amount double)"},
	} {
		args, err := core.ParseSyntax(tc.syntax)
		if err != nil {
			t.Errorf("%q: %v", tc.syntax, err)
			continue
		}
		if got := renderArgs(args); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.syntax, got, tc.want)
		}
	}
	for _, bad := range []string{"key [value", "key value]", "key ..."} {
		if _, err := core.ParseSyntax(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestApplySyntax(t *testing.T) {
	for _, tc := range []struct {
		syntax                   string
		arity, first, last, step int
	}{
		{"key expected new", 4, 1, 1, 1},
		{"key [key ...]", -2, 1, -1, 1},
		{"key member [member ...]", -3, 1, 1, 1},
		{"source destination", 3, 1, 2, 1},
		{"key value [NX|XX] [EX seconds|PX milliseconds]", -3, 1, 1, 1},
		{"key [LIMIT offset count]", -2, 1, 1, 1},
	} {
		s := core.Spec{Name: "x", Syntax: tc.syntax}
		if err := s.ApplySyntax(false); err != nil {
			t.Fatal(err)
		}
		if s.Arity != tc.arity || s.FirstKey != tc.first || s.LastKey != tc.last || s.Step != tc.step {
			t.Errorf("%q: arity %d keys %d %d %d, want %d %d %d %d", tc.syntax, s.Arity, s.FirstKey, s.LastKey, s.Step, tc.arity, tc.first, tc.last, tc.step)
		}
	}
}

func TestTrailingCount(t *testing.T) {
	args := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, x := range s {
			out[i] = []byte(x)
		}
		return out
	}
	for _, tc := range []struct {
		args []string
		n    int64
		err  error
	}{
		{nil, 1, nil},
		{[]string{"COUNT", "5"}, 5, nil},
		{[]string{"count", "0"}, 0, core.ErrCountPositive},
		{[]string{"COUNT", "x", "y"}, 0, core.ErrCountPositive},
		{[]string{"COUNT"}, 0, core.ErrSyntax},
		{[]string{"COUNT", "2", "COUNT", "3"}, 0, core.ErrSyntax},
		{[]string{"LIMIT", "2"}, 0, core.ErrSyntax},
	} {
		n, err := core.TrailingCount(args(append([]string{"lmpop", "left"}, tc.args...)...), 2, 1)
		if n != tc.n || err != tc.err {
			t.Errorf("%q: %d, %v; want %d, %v", tc.args, n, err, tc.n, tc.err)
		}
	}
	if got := core.NumKeys(args("zunion", "2", "a", "b"), 1); len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Errorf("NumKeys = %v", got)
	}
}
