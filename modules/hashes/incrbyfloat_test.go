package hashes_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestDiffHincrbyfloat(t *testing.T) {
	p := pair(t)
	p.Check("HSET", "h", "int", "10", "str", "abc", "f", "10.5", "sp", " 1", "big", "1e308", "hex", "0x10", "e", "1.5e3")
	p.Check("SET", "s", "x")
	for _, c := range [][]string{
		{"h", "f", "0.1"}, {"h", "f", "-0.1"}, {"h", "int", "0.2"}, {"h", "int", "-10.2"}, {"h", "new", "0.1"}, {"h", "new", "0.2"},
		{"h", "new2", "-0"}, {"h", "new3", "1e-20"}, {"h", "new4", "3.0e3"}, {"h", "new5", "-5"}, {"h", "new6", "1.23456789012345678901234"},
		{"h", "str", "1"}, {"h", "sp", "1"}, {"h", "hex", "1"}, {"h", "e", "1"}, {"h", "big", "1e308"}, {"h", "big", "1e4932"},
		{"h", "big", "-1e4932"}, {"h", "f", "inf"}, {"h", "f", "-inf"}, {"h", "f", "nan"}, {"h", "f", "abc"}, {"h", "f", ""},
		{"h", "f", " 1"}, {"h", "f", "1 "}, {"h", "f", "0x1p3"}, {"h", "f", "1e5000"}, {"h", "f", "1e-5000"},
		{"h", "f", "17179869184"}, {"h", "f", "1.1"}, {"h", "f", "1e17"}, {"h", "f", "0.000000000000000001"},
		{"nokey", "f", "2.5"}, {"s", "f", "1"}, {"s", "f", "x"}, {"h", "f"},
	} {
		p.Check(append([]string{"HINCRBYFLOAT"}, c...)...)
	}
	p.CheckUnordered("HGETALL", "h")
	p.Check("HGETALL", "nokey")
	p.Check("HSET", "h", "inf", "inf")
	p.Check("HINCRBYFLOAT", "h", "inf", "1")
	p.Check("HSET", "h", "tiny", "1e-4940")
	p.Check("HINCRBYFLOAT", "h", "tiny", "0")
}

func TestHincrbyfloatE2E(t *testing.T) {
	ctx := context.Background()
	rdb := client(t)
	if f := rdb.HIncrByFloat(ctx, "h", "score", 0.1).Val(); f != 0.1 {
		t.Fatalf("HINCRBYFLOAT = %v", f)
	}
	if s := rdb.Do(ctx, "HINCRBYFLOAT", "h", "score", "0.2").Val(); s != "0.3" {
		t.Fatalf("HINCRBYFLOAT digits = %v", s)
	}
	if s := rdb.HGet(ctx, "h", "score").Val(); s != "0.3" {
		t.Fatalf("stored %q", s)
	}
	rdb.HSet(ctx, "h", "word", "abc")
	if err := rdb.HIncrByFloat(ctx, "h", "word", 1).Err(); err == nil || err.Error() != "ERR hash value is not a float" {
		t.Fatalf("HINCRBYFLOAT on a word: %v", err)
	}
}

// TestDiffHincrbyfloatRandom adds random decimals of every magnitude to a
// few fields and compares every digit with Redis.
func TestDiffHincrbyfloatRandom(t *testing.T) {
	p := pair(t)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		var incr string
		switch r.IntN(4) {
		case 0:
			incr = strconv.FormatFloat(r.NormFloat64()*1000, 'f', r.IntN(6), 64)
		case 1:
			incr = strconv.FormatFloat(r.Float64(), 'g', 1+r.IntN(20), 64)
		case 2:
			incr = strconv.Itoa(r.IntN(2000)-1000) + "e" + strconv.Itoa(r.IntN(60)-30)
		default:
			incr = "0." + strconv.Itoa(r.IntN(1000))
		}
		p.Check("HINCRBYFLOAT", "h", "f"+strconv.Itoa(i%7), incr)
	}
}
