package host_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"hash/crc64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/rdb"
	"github.com/redmod/redmod/redmodtest"
	"github.com/redmod/redmod/registry"
)

// persistent starts a server whose snapshot lives in dir, with the given
// save rules (none: only SAVE and FLUSHALL write it).
func persistent(t *testing.T, dir string, rules ...host.SaveRule) *redmodtest.Server {
	t.Helper()
	return redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) {
		c.Dir = dir
		c.DBFilename = "dump.rdb"
		c.Save = rules
	}))
}

func client(t *testing.T, srv *redmodtest.Server, db int) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), DB: db, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// expiry reads a key's absolute expiry straight from the keyspace.
func expiry(t *testing.T, srv *redmodtest.Server, db int, key string) (int64, bool) {
	t.Helper()
	var at int64
	var ok bool
	srv.Update(func(ks *core.Keyspace) error {
		at, ok = ks.DB(db).Expiry([]byte(key))
		return nil
	})
	return at, ok
}

// dataset writes strings, lists and hashes, some with expiry times, in
// several databases, and returns the absolute expiry given to each key
// that has one.
func dataset(t *testing.T, srv *redmodtest.Server) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	exp := map[string]int64{}
	future := time.Now().Add(time.Hour).UnixMilli()
	for _, db := range []int{0, 1, 15} {
		rdb := client(t, srv, db)
		p := "db" + strconv.Itoa(db) + ":"
		must(t, rdb.Set(ctx, p+"str", "hello "+p, 0).Err())
		must(t, rdb.Set(ctx, p+"bin", "\x00\xff\r\n", 0).Err())
		must(t, rdb.Set(ctx, p+"empty", "", 0).Err())
		must(t, rdb.Incr(ctx, p+"counter").Err())
		must(t, rdb.Do(ctx, "set", p+"ttl", "v", "pxat", future+int64(db)).Err())
		exp[p+"ttl"] = future + int64(db)
		must(t, rdb.RPush(ctx, p+"list", "a", "b", "", "\x00").Err())
		must(t, rdb.Do(ctx, "set", p+"tmp", "x").Err())
		must(t, rdb.LPush(ctx, p+"listttl", "z").Err())
		must(t, rdb.Do(ctx, "expire", p+"listttl", "3600").Err())
		at, _ := expiry(t, srv, db, p+"listttl")
		exp[p+"listttl"] = at
		must(t, rdb.HSet(ctx, p+"hash", "f1", "v1", "f2", "", "", "empty field").Err())
		big := map[string]any{}
		for i := 0; i < 200; i++ {
			big["field"+strconv.Itoa(i)] = strings.Repeat("v", i)
		}
		must(t, rdb.HSet(ctx, p+"bighash", big).Err())
		must(t, rdb.Do(ctx, "expire", p+"bighash", "7200").Err())
		at, _ = expiry(t, srv, db, p+"bighash")
		exp[p+"bighash"] = at
		must(t, rdb.Del(ctx, p+"tmp").Err())
	}
	return exp
}

// checkDataset reads back what dataset wrote.
func checkDataset(t *testing.T, srv *redmodtest.Server, exp map[string]int64) {
	t.Helper()
	ctx := context.Background()
	for _, db := range []int{0, 1, 15} {
		rdb := client(t, srv, db)
		p := "db" + strconv.Itoa(db) + ":"
		eq(t, rdb.Get(ctx, p+"str").Val(), "hello "+p)
		eq(t, rdb.Get(ctx, p+"bin").Val(), "\x00\xff\r\n")
		eq(t, rdb.Exists(ctx, p+"empty").Val(), int64(1))
		eq(t, rdb.Get(ctx, p+"counter").Val(), "1")
		eq(t, strings.Join(rdb.LRange(ctx, p+"list", 0, -1).Val(), ","), "a,b,,\x00")
		eq(t, rdb.HGetAll(ctx, p+"hash").Val()["f2"], "")
		eq(t, rdb.HGetAll(ctx, p+"hash").Val()[""], "empty field")
		eq(t, len(rdb.HGetAll(ctx, p+"bighash").Val()), 200)
		eq(t, rdb.HGet(ctx, p+"bighash", "field150").Val(), strings.Repeat("v", 150))
		eq(t, rdb.Exists(ctx, p+"tmp").Val(), int64(0))
		eq(t, rdb.TTL(ctx, p+"str").Val(), time.Duration(-1))
		eq(t, rdb.DBSize(ctx).Val(), int64(9))
		for _, k := range []string{"ttl", "listttl", "bighash"} {
			at, ok := expiry(t, srv, db, p+k)
			if !ok || at != exp[p+k] {
				t.Errorf("%s: expiry %d (exists %v), want %d", p+k, at, ok, exp[p+k])
			}
		}
	}
	rdb := client(t, srv, 2)
	eq(t, rdb.DBSize(ctx).Val(), int64(0))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestRestartKeepsEverySavedKey(t *testing.T) {
	dir := t.TempDir()
	srv := persistent(t, dir)
	exp := dataset(t, srv)
	must(t, client(t, srv, 0).Save(context.Background()).Err())
	// Changes after SAVE are not in the snapshot (no save rules, so Close
	// does not save again).
	must(t, client(t, srv, 0).Set(context.Background(), "late", "x", 0).Err())
	must(t, srv.Close())

	srv2 := persistent(t, dir)
	checkDataset(t, srv2, exp)
	eq(t, client(t, srv2, 0).Exists(context.Background(), "late").Val(), int64(0))

	// A key whose time passed while the server was down is not loaded.
	ctx := context.Background()
	rdb := client(t, srv2, 0)
	must(t, rdb.Set(ctx, "short", "x", 150*time.Millisecond).Err())
	must(t, rdb.Save(ctx).Err())
	must(t, srv2.Close())
	time.Sleep(200 * time.Millisecond)
	srv3 := persistent(t, dir)
	eq(t, client(t, srv3, 0).Exists(ctx, "short").Val(), int64(0))
	eq(t, client(t, srv3, 0).Get(ctx, "db0:str").Val(), "hello db0:")
}

func TestCloseSavesWhenRulesAreSet(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := persistent(t, dir, host.SaveRule{Seconds: 3600, Changes: 1000})
	exp := dataset(t, srv)
	must(t, srv.Close())
	checkDataset(t, persistent(t, dir), exp)

	// Without save rules, Close leaves the snapshot as it was.
	dir2 := t.TempDir()
	srv = persistent(t, dir2)
	must(t, client(t, srv, 0).Set(ctx, "k", "v", 0).Err())
	must(t, srv.Close())
	if _, err := os.Stat(filepath.Join(dir2, "dump.rdb")); !os.IsNotExist(err) {
		t.Fatalf("snapshot written without save rules: %v", err)
	}
}

func TestAutoSaveFollowsRules(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "dump.rdb")
	srv := persistent(t, dir, host.SaveRule{Seconds: 1, Changes: 3})
	rdb := client(t, srv, 0)
	must(t, rdb.Set(ctx, "a", "1", 0).Err())
	must(t, rdb.Set(ctx, "b", "1", 0).Err())
	// Writes that change nothing do not count.
	for i := 0; i < 5; i++ {
		must(t, rdb.Del(ctx, "nosuchkey").Err())
		eq[error](t, rdb.Do(ctx, "set", "a", "2", "nx").Err(), redis.Nil)
	}
	time.Sleep(2500 * time.Millisecond) // two cron rounds past the rule's seconds
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("saved after 2 changes with a rule of 3: %v", err)
	}
	eq(t, infoField(t, rdb, "persistence", "rdb_changes_since_last_save"), "2")
	must(t, rdb.Set(ctx, "c", "1", 0).Err())
	deadline := time.Now().Add(10 * time.Second)
	for infoField(t, rdb, "persistence", "rdb_changes_since_last_save") != "0" {
		if time.Now().After(deadline) {
			t.Fatal("no auto-save after the rule was met")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for infoField(t, rdb, "persistence", "rdb_bgsave_in_progress") != "0" {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	eq(t, infoField(t, rdb, "persistence", "rdb_last_bgsave_status"), "ok")
	copyDir := t.TempDir()
	data, err := os.ReadFile(path)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(copyDir, "dump.rdb"), data, 0o644))
	eq(t, client(t, persistent(t, copyDir), 0).DBSize(ctx).Val(), int64(3))
}

func infoField(t *testing.T, rdb *redis.Client, section, name string) string {
	t.Helper()
	info, err := rdb.Info(context.Background(), section).Result()
	must(t, err)
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO %s has no %s:\n%s", section, name, info)
	return ""
}

// validSnapshot returns the bytes of a snapshot holding a few keys of every
// type.
func validSnapshot(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	srv := persistent(t, dir)
	ctx := context.Background()
	rdb := client(t, srv, 3)
	must(t, rdb.Set(ctx, "s", "string value", time.Hour).Err())
	must(t, rdb.RPush(ctx, "l", "x", "y", "z").Err())
	must(t, rdb.HSet(ctx, "h", "f", "v", "g", "w").Err())
	must(t, rdb.Save(ctx).Err())
	must(t, srv.Close())
	data, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	must(t, err)
	return data
}

// rawRDB builds an RDB file by hand from the records between the header
// and the end marker, with a valid checksum.
func rawRDB(version string, records ...[]byte) []byte {
	b := []byte("REDIS" + version)
	for _, r := range records {
		b = append(b, r...)
	}
	b = append(b, 0xFF)
	return binary.LittleEndian.AppendUint64(b, rdb.CRC64(0, b))
}

// withCRC replaces the trailing checksum of an RDB file.
func withCRC(body []byte) []byte {
	out := append([]byte(nil), body...)
	return binary.LittleEndian.AppendUint64(out, rdb.CRC64(0, out))
}

// legacySnapshot builds a snapshot of redmod's first format by hand: one
// entry of the named type.
func legacySnapshot(typeName string, db uint64, payload []byte) []byte {
	b := []byte("REDMOD")
	b = binary.AppendUvarint(b, 1)
	b = binary.AppendUvarint(b, 1)
	b = binary.AppendUvarint(b, uint64(len(typeName)))
	b = append(b, typeName...)
	b = append(b, 0xFE)
	b = binary.AppendUvarint(b, db)
	b = append(b, 0x01)
	b = binary.AppendUvarint(b, 0)
	b = binary.AppendUvarint(b, 3)
	b = append(b, "key"...)
	b = binary.AppendVarint(b, 0)
	b = binary.AppendUvarint(b, uint64(len(payload)))
	b = append(b, payload...)
	b = append(b, 0xFF)
	return binary.LittleEndian.AppendUint64(b, crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)))
}

func startFrom(t *testing.T, data []byte) (dir string, err error) {
	t.Helper()
	dir = t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "dump.rdb"), data, 0o644))
	cfg := host.DefaultConfig()
	cfg.Dir = dir
	cfg.Port = 0
	cfg.LogLevel = "error"
	srv, err := host.New(cfg, registry.Default)
	if err == nil {
		srv.Close()
	}
	return dir, err
}

func TestDamagedSnapshotRefusesToLoad(t *testing.T) {
	good := validSnapshot(t)
	if _, err := startFrom(t, good); err != nil {
		t.Fatalf("valid snapshot: %v", err)
	}
	if _, err := startFrom(t, rawRDB("0010", []byte{0xFE, 0, 0, 3, 'k', 'e', 'y', 1, 'v'})); err != nil {
		t.Fatalf("hand-made snapshot: %v", err)
	}
	flipped := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 0x20
		return b
	}
	zebra := binary.BigEndian.AppendUint64([]byte{0xFE, 0, 7, 1, 'k', 0x81}, rdb.ModuleID("zebra____", 3))
	cases := map[string]struct {
		data []byte
		want string
	}{
		"flipped byte in a value":   {flipped(len(good) - 20), "checksum"},
		"flipped byte in the magic": {flipped(0), "bad header"},
		"flipped checksum":          {flipped(len(good) - 1), "checksum"},
		"truncated by one":          {good[:len(good)-1], "truncated"},
		"truncated to half":         {good[:len(good)/2], "truncated"},
		"truncated to the magic":    {good[:6], "bad header"},
		"empty file":                {nil, "bad header"},
		"wrong magic":               {append([]byte("REDMOS"), good[6:]...), "bad header"},
		"future version":            {withCRC(append([]byte("REDIS0013"), good[9:len(good)-8]...)), "version 13"},
		"unknown module type":       {rawRDB("0010", append(zebra, 0)), `"zebra____" (encoding version 3)`},
		"database out of range":     {rawRDB("0010", []byte{0xFE, 16, 0, 1, 'k', 1, 'v'}), "database 16"},
		"bad list payload":          {rawRDB("0010", []byte{0xFE, 0, 18, 1, 'k', 1, 2, 3, 1, 2, 3}), "invalid"},
		"bad hash payload":          {rawRDB("0010", []byte{0xFE, 0, 4, 1, 'k', 0x80, 0xff, 0xff, 0xff, 0x0f}), "invalid"},
		"duplicate hash field":      {rawRDB("0010", []byte{0xFE, 0, 4, 1, 'k', 2, 1, 'f', 1, 'v', 1, 'f', 1, 'w'}), "duplicate"},
		// Nine bytes, none 0xFF: with fewer, the byte nine from the end
		// is one of the checksum's, and when it is 0xFF (the end marker)
		// the loader reads the last eight as the checksum and reports a
		// mismatch instead, one run in 256.
		"trailing garbage": {append(append([]byte(nil), good...), 1, 2, 3, 4, 5, 6, 7, 8, 9), "after the end"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir, err := startFrom(t, tc.data)
			if err == nil {
				t.Fatal("damaged snapshot loaded")
			}
			if !strings.Contains(err.Error(), "dump.rdb") || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "damaged") != (name != "unknown module type" && name != "database out of range") {
				t.Errorf("error %q should name the file and say %q", err, tc.want)
			}
			after, rerr := os.ReadFile(filepath.Join(dir, "dump.rdb"))
			must(t, rerr)
			if !bytes.Equal(after, tc.data) {
				t.Error("the damaged snapshot was changed")
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("files left in the snapshot folder: %v", entries)
			}
		})
	}
	// Every single-byte change and every truncation is refused.
	for i := range good {
		if _, err := startFrom(t, flipped(i)); err == nil {
			t.Fatalf("snapshot with byte %d flipped loaded", i)
		}
	}
	for n := 0; n < len(good); n++ {
		if _, err := startFrom(t, good[:n]); err == nil {
			t.Fatalf("snapshot truncated to %d bytes loaded", n)
		}
	}
}

func TestNoPersistenceWithEmptyFilename(t *testing.T) {
	dir := t.TempDir()
	// A file that would not load: with persistence off it is never read.
	must(t, os.WriteFile(filepath.Join(dir, "dump.rdb"), []byte("garbage"), 0o644))
	cfg := host.DefaultConfig()
	cfg.Port = 0
	cfg.LogLevel = "error"
	cfg.Dir = dir
	fs := flag.NewFlagSet("redmod", flag.ContinueOnError)
	host.RegisterFlags(fs, &cfg)
	must(t, fs.Parse([]string{"--dump", ""}))
	if cfg.DBFilename != "" {
		t.Fatalf("--dump \"\" left dbfilename %q", cfg.DBFilename)
	}
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) {
		c.Dir = dir
		c.DBFilename = ""
		c.Save = []host.SaveRule{{Seconds: 1, Changes: 1}}
	}))
	ctx := context.Background()
	rdb := client(t, srv, 0)
	must(t, rdb.Set(ctx, "k", "v", 0).Err())
	if err := rdb.Save(ctx).Err(); err == nil {
		t.Error("SAVE succeeded with persistence off")
	}
	must(t, rdb.FlushAll(ctx).Err())
	must(t, srv.Close())
	data, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	must(t, err)
	eq(t, string(data), "garbage")
	entries, _ := os.ReadDir(dir)
	eq(t, len(entries), 1)
}

func TestCrashMidSaveKeepsPreviousSnapshot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := persistent(t, dir)
	rdb := client(t, srv, 0)
	must(t, rdb.Set(ctx, "k", "saved", 0).Err())
	must(t, rdb.Save(ctx).Err())
	must(t, srv.Close())
	// What a crash during a save leaves: a partial temporary file beside
	// the snapshot, under this or another process's id.
	for _, name := range []string{"temp-" + strconv.Itoa(os.Getpid()) + ".rdb", "temp-1.rdb"} {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte("REDMOD\x01partial"), 0o644))
	}
	srv2 := persistent(t, dir)
	rdb2 := client(t, srv2, 0)
	eq(t, rdb2.Get(ctx, "k").Val(), "saved")
	must(t, rdb2.Set(ctx, "k", "saved again", 0).Err())
	must(t, rdb2.Save(ctx).Err())
	must(t, srv2.Close())
	eq(t, client(t, persistent(t, dir), 0).Get(ctx, "k").Val(), "saved again")
	// A save that cannot complete leaves the old snapshot in place.
	srv4 := persistent(t, dir)
	rdb4 := client(t, srv4, 0)
	must(t, rdb4.Set(ctx, "k", "never saved", 0).Err())
	must(t, os.Chmod(dir, 0o500))
	defer os.Chmod(dir, 0o700)
	if os.Geteuid() != 0 {
		if err := rdb4.Save(ctx).Err(); err == nil {
			t.Error("SAVE into a read-only folder succeeded")
		}
		eq(t, infoField(t, rdb4, "persistence", "rdb_last_save_status"), "err")
	}
	must(t, os.Chmod(dir, 0o700))
	data, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	must(t, err)
	if !bytes.Contains(data, []byte("saved again")) {
		t.Error("the previous snapshot was damaged")
	}
}

// A dump.rdm of redmod's first format is loaded when there is no dump.rdb
// yet, and saved at once as dump.rdb.
func TestLegacySnapshotMigrates(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "dump.rdm"), legacySnapshot("string", 2, []byte("old value")), 0o644))
	srv := persistent(t, dir)
	ctx := context.Background()
	eq(t, client(t, srv, 2).Get(ctx, "key").Val(), "old value")
	data, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	must(t, err)
	if !bytes.HasPrefix(data, []byte("REDIS0010")) {
		t.Fatalf("dump.rdb starts %q", data[:min(len(data), 9)])
	}
	must(t, srv.Close())
	// From now on dump.rdb is what loads.
	must(t, os.WriteFile(filepath.Join(dir, "dump.rdm"), []byte("garbage"), 0o644))
	eq(t, client(t, persistent(t, dir), 2).Get(ctx, "key").Val(), "old value")
	// A legacy file under the configured name loads too.
	dir2 := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir2, "dump.rdb"), legacySnapshot("hash", 0, []byte{1, 1, 'f', 1, 'v'}), 0o644))
	eq(t, client(t, persistent(t, dir2), 0).HGet(ctx, "key", "f").Val(), "v")
}

const misconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
	"Commands that may modify the data set are disabled, because this instance is configured to report errors during writes " +
	"if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."

// waitBgsave waits for the background save in progress to end.
func waitBgsave(t *testing.T, c *redis.Client) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for infoField(t, c, "persistence", "rdb_bgsave_in_progress") != "0" {
		if time.Now().After(deadline) {
			t.Fatal("BGSAVE did not end")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// After a failed BGSAVE, writes (and PING) get Redis's MISCONF error until
// a save succeeds, while save rules are set and stop-writes-on-bgsave-error
// is on.
func TestFailedBackgroundSaveStopsWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := persistent(t, dir, host.SaveRule{Seconds: 3600, Changes: 1})
	c := client(t, srv, 0)
	must(t, c.Set(ctx, "k", "v", 0).Err())
	eq(t, infoField(t, c, "persistence", "rdb_last_bgsave_status"), "ok")
	blocker := filepath.Join(dir, "dump.rdb")
	must(t, os.Mkdir(blocker, 0o755)) // the rename fails, even for root
	must(t, c.BgSave(ctx).Err())
	waitBgsave(t, c)
	eq(t, infoField(t, c, "persistence", "rdb_last_bgsave_status"), "err")
	eq(t, c.Set(ctx, "k", "w", 0).Err().Error(), misconf)
	eq(t, c.Ping(ctx).Err().Error(), misconf)
	eq(t, c.Get(ctx, "k").Val(), "v")
	must(t, c.ConfigSet(ctx, "stop-writes-on-bgsave-error", "no").Err())
	must(t, c.Set(ctx, "k", "w", 0).Err())
	must(t, c.ConfigSet(ctx, "stop-writes-on-bgsave-error", "yes").Err())
	eq(t, c.Incr(ctx, "n").Err().Error(), misconf)
	// Without save rules, as Redis, writes are not refused.
	must(t, c.ConfigSet(ctx, "save", "").Err())
	must(t, c.Incr(ctx, "n").Err())
	must(t, c.ConfigSet(ctx, "save", "3600 1").Err())
	eq(t, c.Incr(ctx, "n").Err().Error(), misconf)
	// A successful save ends it.
	must(t, os.Remove(blocker))
	must(t, c.BgSave(ctx).Err())
	waitBgsave(t, c)
	eq(t, infoField(t, c, "persistence", "rdb_last_bgsave_status"), "ok")
	must(t, c.Incr(ctx, "n").Err())
}

// The data folder is created at start and reported absolute; one that
// cannot be created stops start-up; CONFIG SET dir refuses a folder that
// does not exist, as Redis does.
func TestDataFolder(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	dir := filepath.Join(base, "new", "data")
	srv := redmodtest.Run(t, redmodtest.WithConfig(func(c *host.Config) {
		c.Dir = dir
		c.DBFilename = "dump.rdb"
		c.Save = nil
		c.EnableProtectedConfigs = "yes" // dir and dbfilename are protected
	}))
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("data folder not created: %v", err)
	}
	c := client(t, srv, 0)
	eq(t, c.ConfigGet(ctx, "dir").Val()["dir"], dir)
	eq(t, c.ConfigSet(ctx, "dir", filepath.Join(base, "missing")).Err().Error(),
		"ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory")
	file := filepath.Join(base, "file")
	must(t, os.WriteFile(file, nil, 0o644))
	eq(t, c.ConfigSet(ctx, "dir", file).Err().Error(),
		"ERR CONFIG SET failed (possibly related to argument 'dir') - Not a directory")
	// A relative folder is taken from the current one, as Redis's chdir.
	must(t, c.ConfigSet(ctx, "dir", "..").Err())
	eq(t, c.ConfigGet(ctx, "dir").Val()["dir"], filepath.Join(base, "new"))
	eq(t, c.ConfigSet(ctx, "dbfilename", "a/b").Err().Error(),
		"ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename")

	cfg := host.DefaultConfig()
	cfg.Port = 0
	cfg.LogLevel = "error"
	cfg.Dir = filepath.Join(file, "sub")
	if _, err := host.New(cfg, registry.Default); err == nil || !strings.Contains(err.Error(), "data folder") {
		t.Fatalf("start with a data folder under a file: %v", err)
	}
}

// FLUSHALL while a BGSAVE runs: the snapshot ends up empty, so that a
// crash cannot bring the flushed keys back.
func TestFlushAllDuringBackgroundSave(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := persistent(t, dir, host.SaveRule{Seconds: 3600, Changes: 1})
	srv.Update(func(ks *core.Keyspace) error {
		for i := 0; i < 50000; i++ {
			ks.DB(0).Set([]byte("key:"+strconv.Itoa(i)), core.NewString([]byte("value")))
		}
		return nil
	})
	c := client(t, srv, 0)
	for round := 0; round < 3; round++ {
		must(t, c.Set(ctx, "k", "v", 0).Err())
		must(t, c.BgSave(ctx).Err())
		must(t, c.FlushAll(ctx).Err())
		// What a kill -9 now would leave:
		data, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
		must(t, err)
		n := 0
		_, err = rdb.Load(data, func(*rdb.Entry) error { n++; return nil })
		must(t, err)
		eq(t, n, 0)
		waitBgsave(t, c)
		data, _ = os.ReadFile(filepath.Join(dir, "dump.rdb"))
		_, err = rdb.Load(data, func(*rdb.Entry) error { n++; return nil })
		must(t, err)
		eq(t, n, 0)
		eq(t, infoField(t, c, "persistence", "rdb_last_bgsave_status"), "ok")
		srv.Update(func(ks *core.Keyspace) error {
			for i := 0; i < 50000; i++ {
				ks.DB(0).Set([]byte("key:"+strconv.Itoa(i)), core.NewString([]byte("value")))
			}
			return nil
		})
	}
}

// save "" turns automatic saves off only: SAVE and BGSAVE still write.
func TestEmptySaveRulesKeepSave(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := persistent(t, dir)
	c := client(t, srv, 0)
	eq(t, c.ConfigGet(ctx, "save").Val()["save"], "")
	must(t, c.Set(ctx, "k", "v", 0).Err())
	must(t, c.Save(ctx).Err())
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	must(t, c.BgSave(ctx).Err())
	waitBgsave(t, c)
	eq(t, infoField(t, c, "persistence", "rdb_last_bgsave_status"), "ok")
}
