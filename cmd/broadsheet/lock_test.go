package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Two processes serving one SQLite file would each count on being the
// meter's only writer and grant more free stories than the limit. A second
// server, or a migration, must be refused at once with the holder named;
// creating an account beside the server is allowed.
func TestLockSecondProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "broadsheet")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	env := append(os.Environ(), "BROADSHEET_DB=", "BROADSHEET_DATA=")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var firstOut syncBuffer
	first := exec.CommandContext(ctx, bin, "demo", "--data", data, "--addr", "127.0.0.1:0")
	first.Env, first.Stdout, first.Stderr = env, &firstOut, &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	defer func() {
		first.Process.Signal(syscall.SIGTERM)
		<-exited
	}()

	// The server has the lock once the lock file names it, and has
	// finished migrating once it says it is running.
	lockFile := filepath.Join(data, "broadsheet.db.lock")
	want := "pid=" + strconv.Itoa(first.Process.Pid) + "\n"
	for {
		b, _ := os.ReadFile(lockFile)
		if strings.Contains(string(b), want) && strings.Contains(firstOut.String(), " is running at ") {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("first demo exited: %v\n%s", err, firstOut.String())
		case <-time.After(50 * time.Millisecond):
		}
	}

	// Each command must finish at once: one still running after 30 s was
	// not refused.
	run := func(args ...string) (string, error) {
		runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(runCtx, bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if runCtx.Err() != nil {
			t.Errorf("broadsheet %s was still running after 30 s", strings.Join(args, " "))
		}
		return string(out), err
	}
	host, _ := os.Hostname()
	holder := filepath.Join(data, "broadsheet.db") + " is served by pid " + strconv.Itoa(first.Process.Pid) +
		" (broadsheet demo) on host " + host + "; stop it first"

	out, err := run("demo", "--data", data, "--addr", "127.0.0.1:0")
	select {
	case err := <-exited:
		exited <- err
		t.Fatalf("first demo exited: %v\n%s", err, firstOut.String())
	default:
	}
	if err == nil {
		t.Fatalf("a second demo on the same data started:\n%s", out)
	}
	if !strings.Contains(out, holder) {
		t.Errorf("second demo said %q, want it to name the holder: %q", out, holder)
	}
	out, err = run("migrate", "--data", data)
	if err == nil || !strings.Contains(out, holder) {
		t.Errorf("migrate beside the server: err %v, output %q; want refused naming the holder", err, out)
	}
	out, err = run("user", "create", "--email", "editor@example.com", "--password", "a-long-enough-password", "--data", data)
	if err != nil || !strings.Contains(out, "editor@example.com") {
		t.Errorf("user create beside the server: err %v, output %q", err, out)
	}

	first.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		t.Errorf("first demo stopped with %v\n%s", err, firstOut.String())
	}
	exited <- nil
	if out, err := run("migrate", "--data", data); err != nil {
		t.Errorf("migrate after the server stopped: %v\n%s", err, out)
	}
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
