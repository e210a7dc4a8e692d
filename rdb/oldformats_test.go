package rdb_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/rdb"
	"github.com/redmod/redmod/redmodtest"
)

// Files as older Redis versions wrote them (2.2 to 6.2: zipmaps, ziplists,
// intsets, quicklists of ziplists, ASCII sorted-set scores, expiry times in
// seconds), built by hand from the formats' specifications, since Redis 7.0
// can no longer write them. They hold what Redis's own test fixtures
// (tests/assets/encodings.rdb and friends) hold.

// oldRDB assembles a file of the given version from records.
type oldRDB struct{ b []byte }

func newOld(version int) *oldRDB {
	return &oldRDB{b: []byte("REDIS" + strings.Repeat("0", 4-len(strconv.Itoa(version))) + strconv.Itoa(version))}
}

func (f *oldRDB) raw(b ...byte) *oldRDB { f.b = append(f.b, b...); return f }

func (f *oldRDB) length(n int) *oldRDB {
	switch {
	case n < 64:
		return f.raw(byte(n))
	case n < 16384:
		return f.raw(0x40|byte(n>>8), byte(n))
	}
	f.raw(0x80)
	f.b = binary.BigEndian.AppendUint32(f.b, uint32(n))
	return f
}

func (f *oldRDB) str(s string) *oldRDB { return f.length(len(s)).raw([]byte(s)...) }

func (f *oldRDB) blob(b []byte) *oldRDB { return f.length(len(b)).raw(b...) }

// finish appends the end marker and, from version 5, the checksum.
func (f *oldRDB) finish(version int) []byte {
	f.raw(0xFF)
	if version >= 5 {
		f.b = binary.LittleEndian.AppendUint64(f.b, rdb.CRC64(0, f.b))
	}
	return f.b
}

// ziplist encodes entries as a ziplist, integers where they are ones.
func ziplist(items ...string) []byte {
	var body []byte
	prev := 0
	for _, it := range items {
		start := len(body)
		if prev < 254 {
			body = append(body, byte(prev))
		} else {
			body = append(body, 254)
			body = binary.LittleEndian.AppendUint32(body, uint32(prev))
		}
		if v, err := strconv.ParseInt(it, 10, 64); err == nil && strconv.FormatInt(v, 10) == it {
			switch {
			case v >= 0 && v <= 12:
				body = append(body, 0xF1+byte(v))
			case v >= -128 && v <= 127:
				body = append(body, 0xFE, byte(v))
			case v >= -32768 && v <= 32767:
				body = append(body, 0xC0)
				body = binary.LittleEndian.AppendUint16(body, uint16(v))
			case v >= -1<<23 && v < 1<<23:
				u := uint32(v)
				body = append(body, 0xF0, byte(u), byte(u>>8), byte(u>>16))
			case v >= -1<<31 && v < 1<<31:
				body = append(body, 0xD0)
				body = binary.LittleEndian.AppendUint32(body, uint32(v))
			default:
				body = append(body, 0xE0)
				body = binary.LittleEndian.AppendUint64(body, uint64(v))
			}
		} else if len(it) < 64 {
			body = append(body, byte(len(it)))
			body = append(body, it...)
		} else if len(it) < 16384 {
			body = append(body, 0x40|byte(len(it)>>8), byte(len(it)))
			body = append(body, it...)
		} else {
			body = append(body, 0x80)
			body = binary.BigEndian.AppendUint32(body, uint32(len(it)))
			body = append(body, it...)
		}
		prev = len(body) - start
	}
	out := make([]byte, 10, 11+len(body))
	binary.LittleEndian.PutUint32(out, uint32(11+len(body)))
	binary.LittleEndian.PutUint32(out[4:], uint32(10+len(body)-prev))
	binary.LittleEndian.PutUint16(out[8:], uint16(len(items)))
	out = append(out, body...)
	return append(out, 0xFF)
}

// zipmap encodes field, value pairs as a zipmap.
func zipmap(pairs ...string) []byte {
	out := []byte{byte(len(pairs) / 2)}
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, byte(len(pairs[i])))
		out = append(out, pairs[i]...)
		out = append(out, byte(len(pairs[i+1])), 2) // 2 bytes of free space
		out = append(out, pairs[i+1]...)
		out = append(out, 0, 0)
	}
	return append(out, 0xFF)
}

func intset(width int, vals ...int64) []byte {
	out := binary.LittleEndian.AppendUint32(nil, uint32(width))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(vals)))
	for _, v := range vals {
		switch width {
		case 2:
			out = binary.LittleEndian.AppendUint16(out, uint16(v))
		case 4:
			out = binary.LittleEndian.AppendUint32(out, uint32(v))
		default:
			out = binary.LittleEndian.AppendUint64(out, uint64(v))
		}
	}
	return out
}

// startOn starts redmod on a file and returns a client.
func startOn(t *testing.T, data []byte) *redmodtest.Server {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return redmodtest.Run(t, redmodtest.WithPersistence(dir))
}

func TestOldFormatsLoad(t *testing.T) {
	ctx := context.Background()
	compressible := strings.Repeat("a", 130)
	for _, version := range []int{3, 4, 6, 8, 9} {
		t.Run("v"+strconv.Itoa(version), func(t *testing.T) {
			f := newOld(version)
			if version >= 7 {
				f.raw(0xFA).str("redis-ver").str("4.0.0")
			}
			f.raw(0xFE, 0)
			// Strings: raw, int-encoded, LZF-compressed.
			f.raw(0).str("string").str("Hello World")
			f.raw(0).str("number").raw(0xC0, 10)
			f.raw(0).str("neg").raw(0xC1).raw(0x18, 0xFC) // -1000
			f.raw(0).str("big").raw(0xC2).raw(binary.LittleEndian.AppendUint32(nil, uint32(100000))...)
			// LZF: a 1-byte literal 'a', then a back reference of 129 bytes.
			f.raw(0).str("compressible").raw(0xC3).length(5).length(130).raw(0x00, 'a', 0xE0, 129-2-7, 0x00)
			// Plain list, set and hash.
			f.raw(1).str("list").length(3).str("1").str("a").str("6000000000")
			f.raw(2).str("set").length(3).str("a").str("100000").str("6000000000")
			f.raw(4).str("hash").length(2).str("a").str("1").str("eee").str("5000000000")
			// Compact encodings.
			f.raw(9).str("hash_zipmap").blob(zipmap("a", "1", "b", "2", "c", "3"))
			f.raw(10).str("list_zipped").blob(ziplist("1", "2", "3", "a", "b", "c", "100000", "6000000000", "-7", "300", "-70000", "9000000", strings.Repeat("L", 300)))
			f.raw(11).str("set_zipped_1").blob(intset(2, -3, 1, 2, 4))
			f.raw(11).str("set_zipped_2").blob(intset(4, 100000, 200000, 300000, 400000))
			f.raw(11).str("set_zipped_3").blob(intset(8, 1000000000, 5000000000, 6000000000))
			if version >= 6 {
				f.raw(13).str("hash_zipped").blob(ziplist("a", "1", "b", "2", "c", "3"))
			}
			if version >= 7 {
				f.raw(14).str("quicklist").length(2).blob(ziplist("x", "1")).blob(ziplist("y", "2", "z"))
			}
			// Expiry in seconds (old) and in milliseconds (from 2.6).
			f.raw(0xFD).raw(binary.LittleEndian.AppendUint32(nil, 2000000000)...)
			f.raw(0).str("exp_seconds").str("v")
			if version >= 5 {
				f.raw(0xFC).raw(binary.LittleEndian.AppendUint64(nil, 4000000000123)...)
				f.raw(0).str("exp_ms").str("v")
			}
			// An expired key is not loaded.
			f.raw(0xFD).raw(binary.LittleEndian.AppendUint32(nil, 1000)...)
			f.raw(0).str("expired").str("v")
			f.raw(0xFE, 5)
			f.raw(0).str("in5").str("five")
			data := f.finish(version)
			srv := startOn(t, data)
			c := redmodClient(t, srv)
			// Redis 7.0 reads the same file to the same keys and values.
			if _, err := exec.LookPath("redis-server"); err == nil {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), data, 0o644); err != nil {
					t.Fatal(err)
				}
				want := withoutEncodings(contents(t, unixClient(t, difftest.RedisIn(t, dir))))
				if len(want) < 15 {
					t.Fatalf("Redis loaded %d keys", len(want))
				}
				same(t, "redmod and Redis on an RDB v"+strconv.Itoa(version), withoutEncodings(contents(t, c)), want)
			}
			eq := func(what string, got, want any) {
				t.Helper()
				if gs, ws := toString(got), toString(want); gs != ws {
					t.Errorf("%s = %s, want %s", what, gs, ws)
				}
			}
			eq("string", c.Get(ctx, "string").Val(), "Hello World")
			eq("number", c.Get(ctx, "number").Val(), "10")
			eq("neg", c.Get(ctx, "neg").Val(), "-1000")
			eq("big", c.Get(ctx, "big").Val(), "100000")
			eq("compressible", c.Get(ctx, "compressible").Val(), compressible)
			eq("list", c.LRange(ctx, "list", 0, -1).Val(), []string{"1", "a", "6000000000"})
			eq("set", c.SMembers(ctx, "set").Val(), []string{"100000", "6000000000", "a"})
			eq("hash", c.HGetAll(ctx, "hash").Val(), map[string]string{"a": "1", "eee": "5000000000"})
			eq("hash_zipmap", c.HGetAll(ctx, "hash_zipmap").Val(), map[string]string{"a": "1", "b": "2", "c": "3"})
			eq("list_zipped", c.LRange(ctx, "list_zipped", 0, -1).Val(), []string{"1", "2", "3", "a", "b", "c", "100000", "6000000000", "-7", "300", "-70000", "9000000", strings.Repeat("L", 300)})
			eq("set_zipped_1", c.SMembers(ctx, "set_zipped_1").Val(), []string{"-3", "1", "2", "4"})
			eq("set_zipped_2", c.SMembers(ctx, "set_zipped_2").Val(), []string{"100000", "200000", "300000", "400000"})
			eq("set_zipped_3", c.SMembers(ctx, "set_zipped_3").Val(), []string{"1000000000", "5000000000", "6000000000"})
			if version >= 6 {
				eq("hash_zipped", c.HGetAll(ctx, "hash_zipped").Val(), map[string]string{"a": "1", "b": "2", "c": "3"})
			}
			if version >= 7 {
				eq("quicklist", c.LRange(ctx, "quicklist", 0, -1).Val(), []string{"x", "1", "y", "2", "z"})
			}
			eq("exp_seconds", c.PExpireTime(ctx, "exp_seconds").Val().Milliseconds(), int64(2000000000000))
			if version >= 5 {
				eq("exp_ms", c.PExpireTime(ctx, "exp_ms").Val().Milliseconds(), int64(4000000000123))
			}
			eq("expired", c.Exists(ctx, "expired").Val(), int64(0))
			c5 := c.Conn()
			defer c5.Close()
			c5.Select(ctx, 5)
			eq("in5", c5.Get(ctx, "in5").Val(), "five")
		})
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case []string:
		s := append([]string(nil), x...)
		sortStrings(s)
		return strings.Join(s, ",")
	case map[string]string:
		var s []string
		for k, val := range x {
			s = append(s, k+"="+val)
		}
		sortStrings(s)
		return strings.Join(s, ",")
	}
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(toAny(v), "\n", " "), "  ", " "))
}

// Sorted sets of old versions: the ZSET type with ASCII scores (and its
// nan/inf markers) and ziplists. Skipped when no module provides sorted
// sets.
func TestOldSortedSetsLoad(t *testing.T) {
	if _, ok := core.NativeTypeFor(core.NativeZSet); !ok {
		t.Skip("no sorted-set module in this binary")
	}
	ctx := context.Background()
	f := newOld(4).raw(0xFE, 0)
	f.raw(3).str("zset").length(3).str("a").raw(1, '1').str("b").raw(3, '2', '.', '5').str("c").raw(254)
	f.raw(12).str("zset_zipped").blob(ziplist("a", "1", "b", "2.5", "c", "3"))
	data := f.finish(4)
	c := redmodClient(t, startOn(t, data))
	if _, err := exec.LookPath("redis-server"); err == nil {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		want := withoutEncodings(contents(t, unixClient(t, difftest.RedisIn(t, dir))))
		if len(want) != 2 {
			t.Fatalf("Redis loaded %d keys", len(want))
		}
		got := withoutEncodings(contents(t, c))
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: redmod %s, Redis %s", k, got[k], w)
			}
		}
	}
	var got []string
	for _, z := range c.ZRangeWithScores(ctx, "zset", 0, -1).Val() {
		got = append(got, z.Member.(string)+"="+strconv.FormatFloat(z.Score, 'g', -1, 64))
	}
	if strings.Join(got, ",") != "a=1,b=2.5,c=+Inf" {
		t.Errorf("zset = %v", got)
	}
	got = nil
	for _, z := range c.ZRangeWithScores(ctx, "zset_zipped", 0, -1).Val() {
		got = append(got, z.Member.(string)+"="+strconv.FormatFloat(z.Score, 'g', -1, 64))
	}
	if strings.Join(got, ",") != "a=1,b=2.5,c=3" {
		t.Errorf("zset_zipped = %v", got)
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func toAny(v any) string { return strings.TrimSpace(fmtSprint(v)) }

var fmtSprint = func(v any) string { return fmt.Sprint(v) }

// A sound file holding a type this binary has no module for names the
// module to build in, rather than calling the file damaged.
func TestMissingModuleNamed(t *testing.T) {
	f := newOld(10).raw(0xFE, 0)
	f.raw(0).str("s").str("v")
	f.raw(5).str("z").length(1).str("m").raw(binary.LittleEndian.AppendUint64(nil, 0x3ff0000000000000)...)
	data := f.finish(10)
	_, err := rdb.Load(data, func(*rdb.Entry) error { return nil })
	if _, ok := core.NativeTypeFor(core.NativeZSet); ok {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	var missing *rdb.MissingTypeError
	if !errors.As(err, &missing) || missing.Kind != core.NativeZSet || !strings.Contains(err.Error(), "redmod build --with zsets") {
		t.Fatalf("load of a sorted set without the module: %v", err)
	}
	if errors.Is(err, rdb.ErrCorrupt) {
		t.Fatal("a missing module reported as damage")
	}
}
