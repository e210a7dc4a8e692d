package core

import (
	"math"
	"strconv"
	"testing"
)

// wantRESPInt is the reference: prefix, strconv's digits, CRLF.
func wantRESPInt(prefix byte, n int64) string {
	return string(prefix) + strconv.FormatInt(n, 10) + "\r\n"
}

func TestAppendRESPIntBoundaries(t *testing.T) {
	ns := []int64{0, 1, -1, 9, -9, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1,
		math.MaxInt32, math.MinInt32, math.MaxUint32}
	for p := int64(1); p <= 1e18; p *= 10 {
		ns = append(ns, p-1, p, p+1, -(p - 1), -p, -(p + 1), 2*p-1, 5*p, 9*p, -9*p)
	}
	for _, n := range ns {
		for _, prefix := range []byte{':', '*', '$'} {
			got := string(appendRESPInt([]byte("x"), prefix, n))
			if want := "x" + wantRESPInt(prefix, n); got != want {
				t.Errorf("appendRESPInt(%q, %d) = %q, want %q", prefix, n, got, want)
			}
		}
	}
	for n := int64(-1000); n <= 1000; n++ {
		if got, want := string(appendRESPInt(nil, ':', n)), wantRESPInt(':', n); got != want {
			t.Fatalf("appendRESPInt(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestAppendRESPBulk(t *testing.T) {
	for _, b := range []string{"", "a", "0123456789", string(make([]byte, 1234))} {
		got := string(appendRESPBulk([]byte("+"), []byte(b)))
		if want := "+$" + strconv.Itoa(len(b)) + "\r\n" + b + "\r\n"; got != want {
			t.Errorf("appendRESPBulk(%d bytes) = %q, want %q", len(b), got, want)
		}
	}
}

func BenchmarkAppendRESPInt(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = appendRESPInt(buf[:0], ':', int64(1000000+i&0xffff))
	}
}

func BenchmarkAppendRESPIntStrconv(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = append(buf[:0], ':')
		buf = strconv.AppendInt(buf, int64(1000000+i&0xffff), 10)
		buf = append(buf, '\r', '\n')
	}
}

func TestDecimalDigits(t *testing.T) {
	for _, u := range []uint64{0, 1, 9, 10, 99, 100, 1<<63 - 1, 1 << 63, 1<<64 - 1} {
		if got, want := decimalDigits(u), len(strconv.FormatUint(u, 10)); got != want {
			t.Errorf("decimalDigits(%d) = %d, want %d", u, got, want)
		}
	}
	for p := uint64(1); p <= 1e19; p *= 10 {
		for _, u := range []uint64{p - 1, p, p + 1} {
			if got, want := decimalDigits(u), len(strconv.FormatUint(u, 10)); got != want {
				t.Errorf("decimalDigits(%d) = %d, want %d", u, got, want)
			}
		}
		if p == 1e19 {
			break
		}
	}
	for s := 0; s < 64; s++ {
		for _, u := range []uint64{1<<s - 1, 1 << s, 1<<s + 1} {
			if got, want := decimalDigits(u), len(strconv.FormatUint(u, 10)); got != want {
				t.Errorf("decimalDigits(%d) = %d, want %d", u, got, want)
			}
		}
	}
}
