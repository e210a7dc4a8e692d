package core

import (
	"crypto/md5"
	"encoding/hex"
	"testing"
)

// sum adds two numbers as INCRBYFLOAT does and formats the result.
func sum(t *testing.T, a, b string) (string, bool) {
	t.Helper()
	x, ok := ParseLongDouble([]byte(a))
	if !ok {
		t.Fatalf("ParseLongDouble(%q) failed", a)
	}
	y, ok := ParseLongDouble([]byte(b))
	if !ok {
		t.Fatalf("ParseLongDouble(%q) failed", b)
	}
	s, ok := AddLongDouble(x, y)
	if !ok {
		return "", false
	}
	return string(AppendLongDouble(nil, s)), true
}

// The expected results were produced by Redis 7.0 (x86-64) with
// SET k a; INCRBYFLOAT k b.
func TestLongDoubleSums(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{"0.1", "0.2", "0.3"},
		{"10.5", "0.1", "10.6"},
		{"3.0", "-3", "0"},
		{"0.1", "-0.1", "0"},
		{"1", "1e-17", "1.00000000000000001"},
		{"-0.000000000000000001", "0", "0"}, // "-0" after rounding prints as "0"
		{"5e-324", "0", "0"},
		{"1e-4940", "0", "0"},
		{"0x10", "1.5", "17.5"},
		{"-inf", "1", ""},
		{"0x1p16383", "0x1p16383", ""}, // overflows the long double range
	} {
		got, ok := sum(t, c.a, c.b)
		if c.want == "" {
			if ok {
				t.Errorf("%s + %s = %s, want NaN or Infinity error", c.a, c.b, got)
			}
			continue
		}
		if !ok || got != c.want {
			t.Errorf("%s + %s = %q (%v), want %q", c.a, c.b, got, ok, c.want)
		}
	}
	// 2e308 fits a long double and prints all its 309 integer digits.
	got, _ := sum(t, "1e308", "1e308")
	h := md5.Sum([]byte(got + "\n"))
	if len(got) != 309 || hex.EncodeToString(h[:]) != bigSumMD5 {
		t.Errorf("1e308 + 1e308 = %s", got)
	}
}

const bigSumMD5 = "e9ed3f846762c2151cb635319b3c4c02"

func TestParseLongDouble(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "1", "+1", "1.", ".5", "1e5", "1E-5", "0x1p3", "0X1.8P3", "0x.8", "inf", "-Infinity",
		"1e4932", "1e-4940", "0e99999999999", "1.18973149535723176502e4932",
	} {
		if _, ok := ParseLongDouble([]byte(s)); !ok {
			t.Errorf("ParseLongDouble(%q) rejected", s)
		}
	}
	for _, s := range []string{
		"", " 1", "1 ", "\t1", "abc", "nan", "-nan", "1e", "1e+", "0x", "0x1p", ".", "-", "+", "1_0",
		"0b1", "0o7", "1\x00", "1e5000", "1e-5000", "1e99999999999", "1e-99999999999", "1.2.3", "--1",
		string(make([]byte, 5200)),
	} {
		if _, ok := ParseLongDouble([]byte(s)); ok {
			t.Errorf("ParseLongDouble(%q) accepted", s)
		}
	}
}

func BenchmarkIncrByFloat(b *testing.B) {
	x, _ := ParseLongDouble([]byte("10.5"))
	y, _ := ParseLongDouble([]byte("0.1"))
	var buf []byte
	for b.Loop() {
		s, _ := AddLongDouble(x, y)
		buf = AppendLongDouble(buf[:0], s)
	}
}
