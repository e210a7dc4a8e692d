package aof

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A disk that fails (ENOSPC here: /dev/full) makes Flush fail and Err
// report it; the bytes stay buffered, and once the disk works again the
// once-a-second retry writes them, exactly once, and clears the error.
func TestLogWriteFailureAndRecovery(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	l, err := Open(Options{Dir: dir, DirName: "d", Prefix: "appendonly.aof", Fsync: FsyncEverySec}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	first := AppendCommand(nil, []byte("SET"), []byte("a"), []byte("1"))
	if err := l.Flush(l.Append(first)); err != nil {
		t.Fatal(err)
	}
	real := l.f
	l.wmu.Lock()
	l.f = full
	l.wmu.Unlock()
	second := AppendCommand(nil, []byte("SET"), []byte("b"), []byte("2"))
	err = l.Flush(l.Append(second))
	if !errors.Is(err, syscall.ENOSPC) || !errors.Is(l.Err(), syscall.ENOSPC) {
		t.Fatalf("Flush on a full disk: %v, Err %v", err, l.Err())
	}
	if l.Buffered() != int64(len(second)) {
		t.Fatalf("%d bytes buffered, want %d", l.Buffered(), len(second))
	}
	l.Tick() // still failing
	if l.Err() == nil {
		t.Fatal("the error cleared while the disk still fails")
	}
	l.wmu.Lock()
	l.f = real
	l.wmu.Unlock()
	full.Close()
	l.Tick()
	if l.Err() != nil {
		t.Fatalf("still failing after the disk recovered: %v", l.Err())
	}
	data, _ := os.ReadFile(filepath.Join(dir, "d", "appendonly.aof.1.incr.aof"))
	if want := append(append([]byte(nil), first...), second...); !bytes.Equal(data, want) {
		t.Fatalf("file holds %q, want %q", data, want)
	}
}
