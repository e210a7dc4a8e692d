package cli

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/resp"
)

func TestParseWith(t *testing.T) {
	root, _ := filepath.Abs("..")
	ex := filepath.Join(root, "examples", "ratelimit")
	for _, tc := range []struct {
		spec string
		want module
	}{
		{"strings", module{pkg: "github.com/redmod/redmod/modules/strings"}},
		{"example.com/mod@v1.2.0", module{pkg: "example.com/mod", modPath: "example.com/mod", version: "v1.2.0"}},
		{"example.com/mod", module{pkg: "example.com/mod", modPath: "example.com/mod"}},
		{"example.com/ratelimit=../examples/ratelimit", module{pkg: "example.com/ratelimit", modPath: "example.com/ratelimit", dir: ex}},
		{"../examples/ratelimit", module{pkg: "example.com/ratelimit", modPath: "example.com/ratelimit", dir: ex}},
		{"../examples/ratelimit/cmd/ratelimit-server", module{pkg: "example.com/ratelimit/cmd/ratelimit-server", modPath: "example.com/ratelimit", dir: ex}},
		// A package of redmod's own tree, given by its folder.
		{"../modules/lists", module{pkg: "github.com/redmod/redmod/modules/lists", modPath: "github.com/redmod/redmod", dir: root}},
	} {
		got, err := parseWith(tc.spec, mustGetwd())
		if err != nil || got != tc.want {
			t.Errorf("parseWith(%q) = %+v, %v; want %+v", tc.spec, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "=x", "example.com/x=", "./nosuch", "example.org/other=../examples/ratelimit"} {
		if m, err := parseWith(bad, mustGetwd()); err == nil {
			t.Errorf("parseWith(%q) = %+v, want an error", bad, m)
		}
	}
}

func TestIsRelease(t *testing.T) {
	for v, want := range map[string]bool{
		"v1.2.0": true, "v0.1.0-rc.1": true, "(devel)": false, "": false, "v1.2.0+dirty": false,
		"v0.0.0-20261124103000-0123456789ab": false, "v1.2.4-0.20261124103000-0123456789ab": false,
	} {
		if isRelease(v) != want {
			t.Errorf("isRelease(%q) = %v", v, !want)
		}
	}
}

func TestMainSource(t *testing.T) {
	got := MainSource([]string{"github.com/redmod/redmod/modules/admin", "example.com/m"})
	for _, want := range []string{"package main", `"github.com/redmod/redmod/cli"`, `_ "github.com/redmod/redmod/modules/admin"`, `_ "example.com/m"`, "cli.Main(os.Args[1:]"} {
		if !strings.Contains(got, want) {
			t.Errorf("MainSource lacks %s:\n%s", want, got)
		}
	}
}

func TestRedmodSource(t *testing.T) {
	// The test binary is a development build: it builds against this tree.
	version, dir, err := redmodSource()
	root, _ := filepath.Abs("..")
	if err != nil || version != "" || dir != root {
		t.Fatalf("redmodSource() = %q, %q, %v; want the tree %s", version, dir, err, root)
	}
}

func TestBuildErrors(t *testing.T) {
	if err := Build(BuildSpec{With: []string{"nosuch"}, Output: filepath.Join(t.TempDir(), "x")}); err == nil ||
		!strings.Contains(err.Error(), `redmod has no standard module "nosuch"`) {
		t.Fatalf("unknown standard module: %v", err)
	}
	if err := Build(BuildSpec{Without: []string{"admin", "acl", "keys"}}); err == nil {
		t.Fatal("a build without modules succeeded")
	}
	if err := Build(BuildSpec{With: []string{"strings"}, Without: []string{"hashes"}}); err == nil || !strings.Contains(err.Error(), "admin, acl, keys") {
		t.Fatalf("--without a module build does not add: %v", err)
	}
	if err := Build(BuildSpec{With: []string{"strings"}, Redmod: t.TempDir()}); err == nil {
		t.Fatal("--redmod with a folder that is not redmod succeeded")
	}
}

// startBinary runs a built server on a free port and returns its address.
func startBinary(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "--port", "0", "--dump", "", "--save", "")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addrRE := regexp.MustCompile(`addr=(127\.0\.0\.1:[0-9]+)`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case addr := <-found:
		return addr
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start", bin)
		return ""
	}
}

func do(t *testing.T, c *resp.Conn, args ...string) resp.Reply {
	t.Helper()
	r, err := c.Do(args...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestBuild builds two binaries, as `redmod build` does: one with the
// strings module only (and admin), one with every standard module plus the
// ratelimit example from its folder. Builds are slow, so this runs once and
// not under -short.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool")
	}
	dir := t.TempDir()
	trimmed, full := filepath.Join(dir, "trimmed"), filepath.Join(dir, "full")
	var log strings.Builder
	if code := Main([]string{"build", "--with", "strings", "--output", trimmed}, io.Discard, &log); code != 0 {
		t.Fatalf("redmod build --with strings: exit %d\n%s", code, log.String())
	}
	if code := Main([]string{"build", "--with", "std", "--with", "example.com/ratelimit=../examples/ratelimit", "-o", full}, io.Discard, &log); code != 0 {
		t.Fatalf("redmod build --with std --with ratelimit: exit %d\n%s", code, log.String())
	}

	out, err := exec.Command(trimmed, "modules").Output()
	if err != nil {
		t.Fatal(err)
	}
	// What every client needs comes with strings: admin, acl, keys.
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[2] != "github.com/redmod/redmod/modules/"+f[0] {
			t.Fatalf("trimmed: redmod modules line %q", line)
		}
		names = append(names, f[0])
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "acl admin keys strings" {
		t.Fatalf("trimmed: redmod modules = %q", out)
	}

	// A --with package that registers no module fails the build.
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	os.WriteFile(filepath.Join(empty, "go.mod"), []byte("module example.com/empty\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(empty, "empty.go"), []byte("// Package empty registers nothing.\npackage empty\n"), 0o644)
	bad := filepath.Join(dir, "bad")
	err = Build(BuildSpec{With: []string{"strings", empty}, Without: []string{"acl", "keys"}, Output: bad})
	if err == nil || !strings.Contains(err.Error(), "registers no module") {
		t.Fatalf("a --with package that registers nothing: %v", err)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("the binary of a failed build was left behind")
	}

	tc, err := resp.Dial(startBinary(t, trimmed))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	fc, err := resp.Dial(startBinary(t, full))
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close()

	if r := do(t, tc, "SET", "k", "v"); r.Raw != "+OK\r\n" {
		t.Fatalf("trimmed SET: %q", r.Raw)
	}
	if r := do(t, tc, "HSET", "h", "f", "v"); r.Raw != "-ERR unknown command 'HSET', with args beginning with: 'h' 'f' 'v' \r\n" {
		t.Fatalf("trimmed HSET: %q", r.Raw)
	}
	if r := do(t, fc, "RL.TAKE", "k"); r.Kind != '*' || len(r.Elems) != 4 || r.Elems[0].Str != "1" {
		t.Fatalf("full RL.TAKE: %q", r.Raw)
	}
	count := func(c *resp.Conn) int {
		n, _ := strconv.Atoi(do(t, c, "COMMAND", "COUNT").Str)
		return n
	}
	if ct, cf := count(tc), count(fc); ct == 0 || ct >= cf {
		t.Fatalf("COMMAND COUNT: trimmed %d, full %d", ct, cf)
	}
	// COMMAND LIST names the commands of admin and strings, no others.
	has := func(c *resp.Conn) map[string]bool {
		m := map[string]bool{}
		for _, e := range do(t, c, "COMMAND", "LIST").Elems {
			m[e.Str] = true
		}
		return m
	}
	tl, fl := has(tc), has(fc)
	top := 0 // COMMAND LIST names subcommands too ("config|get")
	for name := range tl {
		if !strings.Contains(name, "|") {
			top++
		}
	}
	if top != count(tc) {
		t.Fatalf("trimmed: COMMAND LIST has %d commands, COMMAND COUNT says %d", top, count(tc))
	}
	for _, name := range []string{"get", "set", "incr", "ping", "config", "command", "auth", "acl", "del", "expire", "ttl", "type"} {
		if !tl[name] || !fl[name] {
			t.Fatalf("%s missing from COMMAND LIST (trimmed %v, full %v)", name, tl[name], fl[name])
		}
	}
	for _, name := range []string{"hset", "lpush", "rl.take"} {
		if tl[name] || !fl[name] {
			t.Fatalf("COMMAND LIST: %s in trimmed %v, in full %v", name, tl[name], fl[name])
		}
	}
	if info := do(t, tc, "INFO", "modules").Str; !strings.Contains(info, "module:name=strings") || strings.Contains(info, "name=hashes") {
		t.Fatalf("trimmed INFO modules:\n%s", info)
	}

	st, err1 := os.Stat(trimmed)
	sf, err2 := os.Stat(full)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	t.Logf("binary sizes: trimmed %d bytes, full %d bytes", st.Size(), sf.Size())
	// The README's figures stay current: within 10% of these builds.
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	m := regexp.MustCompile(`--with strings\x60 \(plus admin, acl and keys\) is about ([0-9.]+) MB, one with every standard module and the ratelimit example about ([0-9.]+) MB`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("README: the binary sizes sentence is missing")
	}
	for i, size := range []int64{st.Size(), sf.Size()} {
		stated, _ := strconv.ParseFloat(m[i+1], 64)
		if got := float64(size) / 1e6; got < stated*0.9 || got > stated*1.1 {
			t.Errorf("README states %s MB, a fresh build is %.1f MB: update the README", m[i+1], got)
		}
	}
	if st.Size() >= sf.Size() {
		t.Fatalf("trimmed binary (%d bytes) is not smaller than the full one (%d bytes)", st.Size(), sf.Size())
	}
}
