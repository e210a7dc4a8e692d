package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redmod/redmod/internal/resp"
)

// readmeBlock returns the fenced code block that follows marker in the
// README.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, marker)
	if i < 0 {
		t.Fatalf("README.md has no %q", marker)
	}
	s = s[i:]
	start := strings.Index(s, "```go\n")
	if start < 0 {
		t.Fatalf("no Go block after %q", marker)
	}
	s = s[start+len("```go\n"):]
	end := strings.Index(s, "```")
	return s[:end]
}

// TestReadmeWalkthrough follows the README's "Writing a module" steps in a
// temporary folder: the module file from the README, go mod init, the
// replace directive, redmod build --with strings --with ., and the commands
// shown for redis-cli.
func TestReadmeWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool")
	}
	root, _ := filepath.Abs("..")
	dir := filepath.Join(t.TempDir(), "mymodule")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mymodule.go"), []byte(readmeBlock(t, "`mymodule.go`:")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"mod", "init", "example.com/mymodule"},
		{"mod", "edit", "-replace", "github.com/redmod/redmod=" + root},
		{"mod", "tidy"},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	t.Chdir(dir) // `redmod build --with .` from the module's folder
	var log strings.Builder
	if code := Main([]string{"build", "--with", "strings", "--with", ".", "--output", "./myserver"}, &log, &log); code != 0 {
		t.Fatalf("redmod build: exit %d\n%s", code, log.String())
	}
	c, err := resp.Dial(startBinary(t, filepath.Join(dir, "myserver")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"set", "name", "Ada"}, "+OK\r\n"},
		{[]string{"greet", "name"}, "$9\r\nhello Ada\r\n"},
		{[]string{"greet"}, "-ERR wrong number of arguments for 'greet' command\r\n"},
		{[]string{"hset", "h", "f", "v"}, "-ERR unknown command 'hset', with args beginning with: 'h' 'f' 'v' \r\n"},
	} {
		if r := do(t, c, step.args...); r.Raw != step.want {
			t.Errorf("%v: %q, want %q", step.args, r.Raw, step.want)
		}
	}
}
