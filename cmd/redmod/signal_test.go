package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// buildBinary builds the real redmod binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "redmod")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

type process struct {
	cmd  *exec.Cmd
	addr string
	log  *strings.Builder
	done chan error
	// exited is set once done has been received from.
	exited bool
}

var readyAddr = regexp.MustCompile(`ready to accept connections.*addr=(\S+)`)

// start runs the binary with args and waits until it listens.
func start(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--port", "0", "--log-level", "info"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, log: &strings.Builder{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := readyAddr.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
			lines <- sc.Text()
		}
		close(lines)
	}()
	go func() {
		for l := range lines {
			p.log.WriteString(l + "\n")
		}
		io.Copy(io.Discard, stderr)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if !p.exited {
			cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.addr = <-addr:
	case err := <-p.done:
		p.exited = true
		t.Fatalf("redmod exited at start: %v\n%s", err, p.log)
	case <-time.After(30 * time.Second):
		t.Fatalf("redmod did not start")
	}
	return p
}

// stop sends sig and waits for the process to exit.
func (p *process) stop(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.exited = true
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("redmod did not exit after %v", sig)
		return nil
	}
}

func TestBinaryKeepsDataAcrossSignals(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	dump := filepath.Join(dir, "snap.rdm")
	ctx := context.Background()

	// SIGTERM saves once more before exit, so unsaved writes survive.
	p := start(t, bin, "--dump", dump, "--save", "3600 1")
	rdb := redis.NewClient(&redis.Options{Addr: p.addr})
	if err := rdb.Set(ctx, "s", "v", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.RPush(ctx, "l", "a", "b")
	rdb.HSet(ctx, "h", "f", "v")
	rdb.Do(ctx, "select", "7")
	rdb.Close()
	db7 := redis.NewClient(&redis.Options{Addr: p.addr, DB: 7})
	db7.Set(ctx, "in7", "x", 0)
	db7.Close()
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.log)
	}
	if _, err := os.Stat(dump); err != nil {
		t.Fatalf("no snapshot after SIGTERM: %v\n%s", err, p.log)
	}

	p = start(t, bin, "--dump", dump, "--save", "3600 1")
	rdb = redis.NewClient(&redis.Options{Addr: p.addr})
	defer rdb.Close()
	if got := rdb.Get(ctx, "s").Val(); got != "v" {
		t.Errorf("GET s = %q after restart", got)
	}
	if ttl := rdb.TTL(ctx, "s").Val(); ttl <= 3500*time.Second || ttl > time.Hour {
		t.Errorf("TTL s = %v after restart", ttl)
	}
	if got := rdb.LRange(ctx, "l", 0, -1).Val(); strings.Join(got, ",") != "a,b" {
		t.Errorf("LRANGE l = %q", got)
	}
	if got := rdb.HGet(ctx, "h", "f").Val(); got != "v" {
		t.Errorf("HGET h f = %q", got)
	}
	db7 = redis.NewClient(&redis.Options{Addr: p.addr, DB: 7})
	defer db7.Close()
	if got := db7.Get(ctx, "in7").Val(); got != "x" {
		t.Errorf("GET in7 in db 7 = %q", got)
	}

	// SIGKILL loses what was not saved but keeps every saved key.
	rdb.Set(ctx, "saved", "yes", 0)
	if err := rdb.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Set(ctx, "unsaved", "no", 0)
	p.stop(t, syscall.SIGKILL)

	p = start(t, bin, "--dump", dump, "--save", "3600 1")
	rdb2 := redis.NewClient(&redis.Options{Addr: p.addr})
	defer rdb2.Close()
	for k, want := range map[string]string{"s": "v", "saved": "yes", "unsaved": ""} {
		if got := rdb2.Get(ctx, k).Val(); got != want {
			t.Errorf("GET %s = %q after SIGKILL, want %q", k, got, want)
		}
	}
	if err := p.stop(t, syscall.SIGINT); err != nil {
		t.Fatalf("exit after SIGINT: %v\n%s", err, p.log)
	}

	// A damaged snapshot stops start-up with a clear message and stays as
	// it was.
	data, _ := os.ReadFile(dump)
	data[len(data)/2] ^= 0xff
	os.WriteFile(dump, data, 0o644)
	out, err := exec.Command(bin, "--port", "0", "--dump", dump).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "damaged") {
		t.Errorf("start with a damaged snapshot: %v\n%s", err, out)
	}
	after, _ := os.ReadFile(dump)
	if string(after) != string(data) {
		t.Error("the damaged snapshot was overwritten")
	}
}

// A SIGTERM whose save fails leaves the server running, as Redis does; the
// next SIGTERM, once saving works, saves and exits.
func TestBinarySurvivesFailedFinalSave(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	ctx := context.Background()
	p := start(t, bin, "--dir", dir, "--save", "3600 1")
	rdb := redis.NewClient(&redis.Options{Addr: p.addr})
	defer rdb.Close()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	// A folder in the snapshot's place: the rename cannot succeed, even
	// for root.
	blocker := filepath.Join(dir, "dump.rdb")
	if err := os.Mkdir(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(rdb.Info(ctx, "persistence").Val(), "rdb_last_save_status:err") {
		if time.Now().After(deadline) {
			t.Fatal("the final save did not fail, or the server is gone")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := rdb.Get(ctx, "k").Val(); got != "v" {
		t.Fatalf("after a failed shutdown: GET k = %q (server gone?)", got)
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("exit after the second SIGTERM: %v\n%s", err, p.log)
	}
	if _, err := os.Stat(blocker); err != nil {
		t.Fatalf("no snapshot after the second SIGTERM: %v", err)
	}
}
