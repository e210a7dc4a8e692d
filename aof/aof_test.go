package aof

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestManifestRoundTrip(t *testing.T) {
	in := "file appendonly.aof.1.base.rdb seq 1 type b\n" +
		"file appendonly.aof.1.incr.aof seq 1 type h\n" +
		"file appendonly.aof.2.incr.aof seq 2 type i\n" +
		"file appendonly.aof.3.incr.aof seq 3 type i\n"
	m, err := ParseManifest([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.Base == nil || m.Base.Name != "appendonly.aof.1.base.rdb" || len(m.History) != 1 || len(m.Incrs) != 2 {
		t.Fatalf("parsed %+v", m)
	}
	if got := string(m.Marshal()); got != in {
		t.Fatalf("marshal:\n%s\nwant\n%s", got, in)
	}
	// Comments, extra keys, quoting and a name with a space.
	m, err = ParseManifest([]byte("# comment\nfile \"my file.aof\" seq 4 type i extra v\r\n"))
	if err != nil || m.Incrs[0].Name != "my file.aof" || m.Incrs[0].Seq != 4 {
		t.Fatalf("got %+v %v", m, err)
	}
	if got := string(m.Marshal()); got != "file \"my file.aof\" seq 4 type i\n" {
		t.Fatalf("quoted name written as %q", got)
	}
}

func TestManifestErrors(t *testing.T) {
	for _, bad := range []string{
		"",
		"# only a comment\n",
		"file a seq 1\n",
		"file a seq 1 type b\nfile b seq 2 type b\n",
		"file a seq 2 type i\nfile b seq 2 type i\n",
		"file a seq 1 type x\n",
		"file a/b seq 1 type i\n",
		"file a seq 0 type i\n",
		"file a seq 1 type i\n\n",
		"file \"a seq 1 type i\n",
		"file a seq 1 type i " + strings.Repeat("x", 1100) + " y\n",
	} {
		if _, err := ParseManifest([]byte(bad)); !errors.Is(err, ErrManifest) {
			t.Errorf("%q: got %v, want a manifest error", bad, err)
		}
	}
}

func cmds(lines ...[]string) []byte {
	var b []byte
	for _, l := range lines {
		args := make([][]byte, len(l))
		for i, a := range l {
			args[i] = []byte(a)
		}
		b = AppendCommand(b, args...)
	}
	return b
}

func readAll(t *testing.T, data []byte) ([]string, int64, error) {
	t.Helper()
	var got []string
	n, err := ReadCommands(bytes.NewReader(data), func(args [][]byte) error {
		s := make([]string, len(args))
		for i, a := range args {
			s[i] = string(a)
		}
		got = append(got, strings.Join(s, " "))
		return nil
	})
	return got, n, err
}

func TestReadCommandsTruncationAtEveryOffset(t *testing.T) {
	whole := cmds([]string{"SELECT", "0"}, []string{"SET", "a", "1"}, []string{"MULTI"}, []string{"INCR", "a"}, []string{"EXEC"}, []string{"DEL", "b"})
	whole = append([]byte("#TS:1234\r\n"), whole...)
	got, n, err := readAll(t, whole)
	if err != nil || n != int64(len(whole)) || len(got) != 6 {
		t.Fatalf("whole file: %v %d %v", got, n, err)
	}
	// Offsets where a whole command (or the annotation) ends, with what
	// was applied by then; inside MULTI nothing of it is applied.
	ends := map[int64]int{}
	for i := 1; i <= len(whole); i++ {
		got, n, err := readAll(t, whole[:i])
		var tr *ErrTruncated
		if err == nil {
			ends[int64(i)] = len(got)
			continue
		}
		if !errors.As(err, &tr) {
			t.Fatalf("cut at %d: %v", i, err)
		}
		if tr.Offset > int64(i) || n > int64(i) {
			t.Fatalf("cut at %d: valid offset %d", i, tr.Offset)
		}
		// Reading the valid prefix again gives exactly what was applied.
		again, _, err2 := readAll(t, whole[:tr.Offset])
		if err2 != nil || len(again) != len(got) {
			t.Fatalf("cut at %d: prefix %d gives %v (%v), first read gave %v", i, tr.Offset, again, err2, got)
		}
	}
	if len(ends) != 5 { // annotation, SELECT, SET, EXEC, DEL
		t.Fatalf("clean cut points: %v", ends)
	}
}

func TestReadCommandsDamage(t *testing.T) {
	whole := cmds([]string{"SET", "a", "1"}, []string{"SET", "b", "2"})
	for _, pos := range []int{0, 4, 13, 18, 20} {
		bad := bytes.Clone(whole)
		bad[pos] = 'x'
		_, _, err := readAll(t, bad)
		if !errors.Is(err, ErrFormat) {
			t.Errorf("damage at %d (%q): got %v", pos, whole[pos], err)
		}
	}
}

func writeFolder(t *testing.T, dir string, manifest string, files map[string][]byte) {
	t.Helper()
	folder := filepath.Join(dir, "appendonlydir")
	os.MkdirAll(folder, 0o755)
	os.WriteFile(filepath.Join(folder, "appendonly.aof.manifest"), []byte(manifest), 0o644)
	for n, d := range files {
		os.WriteFile(filepath.Join(folder, n), d, 0o644)
	}
}

func TestLoadTruncatedLastFileIsCutBack(t *testing.T) {
	dir := t.TempDir()
	base := cmds([]string{"SET", "a", "1"})
	incr := cmds([]string{"SET", "b", "2"}, []string{"SET", "c", "3"})
	writeFolder(t, dir, "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		map[string][]byte{"appendonly.aof.1.base.aof": base, "appendonly.aof.1.incr.aof": incr[:len(incr)-3]})
	var got []string
	o := LoadOptions{Dir: dir, DirName: "appendonlydir", Prefix: "appendonly.aof", Command: func(a [][]byte) error {
		got = append(got, string(a[1]))
		return nil
	}}
	if _, err := Load(o); !errors.Is(err, ErrDamaged) {
		t.Fatalf("aof-load-truncated no: %v", err)
	}
	got = nil
	o.Truncated = true
	res, err := Load(o)
	if err != nil || strings.Join(got, ",") != "a,b" || !res.Exists {
		t.Fatalf("got %v %v", got, err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof"))
	if want := int64(len(cmds([]string{"SET", "b", "2"}))); fi.Size() != want {
		t.Fatalf("file cut to %d bytes, want %d", fi.Size(), want)
	}
	// A truncated file that is not the last refuses.
	writeFolder(t, dir, "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		map[string][]byte{"appendonly.aof.1.base.aof": base[:len(base)-2], "appendonly.aof.1.incr.aof": incr})
	if _, err := Load(o); !errors.Is(err, ErrDamaged) {
		t.Fatalf("truncated base before an incr: %v", err)
	}
}

func TestLoadMissingAndLegacy(t *testing.T) {
	dir := t.TempDir()
	o := LoadOptions{Dir: dir, DirName: "appendonlydir", Prefix: "appendonly.aof", Command: func([][]byte) error { return nil }}
	res, err := Load(o)
	if err != nil || res.Exists {
		t.Fatalf("empty dir: %+v %v", res, err)
	}
	os.WriteFile(filepath.Join(dir, "appendonly.aof"), cmds([]string{"SET", "a", "1"}), 0o644)
	res, err = Load(o)
	if err != nil || !res.Exists || !res.Upgraded || res.Commands != 1 || res.Manifest.Base.Name != "appendonly.aof" {
		t.Fatalf("legacy: %+v %v", res, err)
	}
}

func TestLogAppendRewriteReload(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, DirName: "appendonlydir", Prefix: "appendonly.aof", Fsync: FsyncAlways}
	base := func(content []byte) func(w io.Writer) (bool, error) {
		return func(w io.Writer) (bool, error) { _, err := w.Write(content); return false, err }
	}
	l, err := Open(o, nil, base(nil))
	if err != nil {
		t.Fatal(err)
	}
	off := l.Append(cmds([]string{"SET", "a", "1"}))
	if err := l.Flush(off); err != nil {
		t.Fatal(err)
	}
	rw, err := l.PrepareRewrite()
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Cut(); err != nil {
		t.Fatal(err)
	}
	off = l.Append(cmds([]string{"SET", "b", "2"}))
	if err := l.Flush(off); err != nil {
		t.Fatal(err)
	}
	if err := rw.Finish(base(cmds([]string{"SET", "a", "1"}))); err != nil {
		t.Fatal(err)
	}
	l.Append(cmds([]string{"SET", "c", "3"}))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	man, _ := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	if string(man) != "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n" {
		t.Fatalf("manifest:\n%s", man)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "appendonlydir"))
	if len(entries) != 3 {
		t.Fatalf("files left: %v", entries)
	}
	var got []string
	res, err := Load(LoadOptions{Dir: dir, DirName: "appendonlydir", Prefix: "appendonly.aof", Command: func(a [][]byte) error {
		got = append(got, string(a[1]))
		return nil
	}})
	if err != nil || strings.Join(got, ",") != "a,b,c" {
		t.Fatalf("reload: %v %v", got, err)
	}
	// Continuing: the manifest is kept and the last incr appended to.
	l, err = Open(o, res.Manifest, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}
