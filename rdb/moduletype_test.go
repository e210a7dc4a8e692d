package rdb_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/rdb"
	"github.com/redmod/redmod/redmodtest"
)

// counter is a data type Redis does not have, as an out-of-tree module's.
type counter struct{ n int64 }

var counterType = &core.Type{Name: "rdbtest-counter", ModuleTypeName: "rdbtestct", EncodingVersion: 3,
	Decode: func(p []byte) (core.Value, error) {
		n, err := strconv.ParseInt(string(p), 10, 64)
		if err != nil {
			return nil, err
		}
		return &counter{n}, nil
	}}

func init() { core.RegisterType(counterType) }

func (c *counter) Type() *core.Type                 { return counterType }
func (c *counter) Encoding() string                 { return "raw" }
func (c *counter) MemoryUsage() int                 { return 8 }
func (c *counter) Clone() core.Value                { n := *c; return &n }
func (c *counter) AppendSnapshot(dst []byte) []byte { return strconv.AppendInt(dst, c.n, 10) }

// A type Redis lacks is written as a Redis module value: redmod reads it
// back, redis-check-rdb accepts the file, and redis-server refuses it for
// want of the module, as with any module it does not have.
func TestModuleTypeValues(t *testing.T) {
	dir := t.TempDir()
	srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	srv.Update(func(ks *core.Keyspace) error {
		ks.DB(0).Set([]byte("c"), &counter{42})
		ks.DB(0).Set([]byte("s"), core.NewString([]byte("v")))
		return nil
	})
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "dump.rdb")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte{0x07}) {
		t.Fatal("no module value in the file")
	}
	var got *counter
	if _, err := rdb.Load(data, func(e *rdb.Entry) error {
		if c, ok := e.Value.(*counter); ok {
			got = c
		}
		return nil
	}); err != nil || got == nil || got.n != 42 {
		t.Fatalf("read back: %v %v", got, err)
	}
	// The same through DUMP and RESTORE.
	p, err := rdb.Dump(&counter{7})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := rdb.Restore(p); err != nil || v.(*counter).n != 7 {
		t.Fatalf("RESTORE of a module value: %v %v", v, err)
	}
	srv2 := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	if redmodClient(t, srv2).Get(context.Background(), "s").Val() != "v" {
		t.Fatal("restart")
	}
	checkRDB(t, path)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return
	}
	// It exits at once; should it start, the timeout ends it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sock := filepath.Join(t.TempDir(), "r.sock")
	out, err := exec.CommandContext(ctx, bin, "--port", "0", "--unixsocket", sock, "--dir", dir, "--save", "").CombinedOutput()
	if !bytes.Contains(out, []byte("no matching module type 'rdbtestct'")) {
		t.Fatalf("redis-server on a file with a module value: %v\n%s", err, out)
	}
}
