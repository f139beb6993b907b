package main

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAdminKeyIsCreatedOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), adminKeyFile)
	first, err := loadOrCreateAdminKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first, "lf_") || len(first) < 40 {
		t.Errorf("generated key %q: want lf_ and 32 random bytes", first)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode %v, want 0600", mode)
	}
	second, err := loadOrCreateAdminKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if second != first {
		t.Errorf("second run got %q, want the stored %q", second, first)
	}

	other, err := loadOrCreateAdminKey(filepath.Join(t.TempDir(), adminKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if other == first {
		t.Error("two data dirs got the same key")
	}
}

func TestAdminKeyEmptyFileIsReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), adminKeyFile)
	if err := os.WriteFile(path, []byte("\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	key, err := loadOrCreateAdminKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if key == "" {
		t.Fatal("empty key")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestPostgresPortIsRememberedWhileFree(t *testing.T) {
	path := filepath.Join(t.TempDir(), pgPortFile)
	if got := rememberedPort(path); got != 0 {
		t.Errorf("no file: got %d, want 0 (pick a free port)", got)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := savePort(path, port); err != nil {
		t.Fatal(err)
	}
	if got := rememberedPort(path); got != 0 {
		t.Errorf("remembered port %d is taken: got %d, want 0", port, got)
	}
	_ = l.Close()
	if got := rememberedPort(path); got != port {
		t.Errorf("remembered port %d is free: got %d", port, got)
	}

	for _, junk := range []string{"", "x", "-1", "70000"} {
		if err := os.WriteFile(path, []byte(junk), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := rememberedPort(path); got != 0 {
			t.Errorf("file %q: got %d, want 0", junk, got)
		}
	}
}

func TestDataDirLock(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDataDir(dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second lock: got %v, want an in-use error", err)
	}
	unlock()
	unlock2, err := lockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}

func TestChildEnvOverridesAndPassesThrough(t *testing.T) {
	base := []string{"PATH=/bin", "LEADFLOW_QUIET_PERIOD=5s", "DATABASE_URL=postgres://elsewhere", "TEMPORAL_ADDRESS=x:1"}
	env := childEnv(base, map[string]string{"DATABASE_URL": "postgres://local", "TEMPORAL_ADDRESS": "127.0.0.1:7233"})
	want := []string{"PATH=/bin", "LEADFLOW_QUIET_PERIOD=5s", "DATABASE_URL=postgres://local", "TEMPORAL_ADDRESS=127.0.0.1:7233"}
	if !slices.Equal(env, want) {
		t.Errorf("got %q, want %q", env, want)
	}
	if base[2] != "DATABASE_URL=postgres://elsewhere" {
		t.Error("base was modified")
	}
}

func TestLocalURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080":  "http://127.0.0.1:8080",
		":8080":           "http://127.0.0.1:8080",
		"0.0.0.0:9000":    "http://127.0.0.1:9000",
		"[::]:9000":       "http://127.0.0.1:9000",
		"localhost:18080": "http://localhost:18080",
	} {
		got, err := localURL(addr)
		if err != nil || got != want {
			t.Errorf("localURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	for _, bad := range []string{"8080", "127.0.0.1:0"} {
		if _, err := localURL(bad); err == nil {
			t.Errorf("localURL(%q): want an error", bad)
		}
	}
}

func TestChildLogTailShowsThisRunOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	old := "previous run\n"
	if err := os.WriteFile(path, []byte(old+"this run 1\nthis run 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &child{name: "x", logPath: path, logFrom: int64(len(old))}
	tail := c.logTail()
	if strings.Contains(tail, "previous") || !strings.HasSuffix(tail, "this run 1\nthis run 2") {
		t.Errorf("tail:\n%s", tail)
	}
}

func TestStopChildrenTermsThenKillsTheGroup(t *testing.T) {
	dir := t.TempDir()
	// One child that stops on SIGTERM, one that ignores it (and whose own child does too).
	polite := startScript(t, dir, "polite", "exec sleep 60")
	stubborn := startScript(t, dir, "stubborn", "trap '' TERM; sleep 60 & echo grandchild $!; wait; wait")
	time.Sleep(200 * time.Millisecond) // let the trap be installed

	start := time.Now()
	err := stopChildren(500*time.Millisecond, polite, stubborn, nil)
	if err == nil || !strings.Contains(err.Error(), "stubborn did not stop") || strings.Contains(err.Error(), "polite") {
		t.Errorf("stopChildren: got %v, want only the stubborn one reported as killed", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if !polite.exited() || !stubborn.exited() {
		t.Fatal("a child is still running")
	}
	// The grandchild was in the stubborn child's process group and went with it.
	// (Its zombie may exist until init reaps it, hence the wait.)
	for deadline := time.Now().Add(5 * time.Second); syscall.Kill(-stubborn.cmd.Process.Pid, 0) == nil; {
		if time.Now().After(deadline) {
			t.Fatal("process group of the stubborn child still exists")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestUnexpectedExitCarriesTheLogTail(t *testing.T) {
	c := startScript(t, t.TempDir(), "crashy", "echo boom: cannot connect; exit 3")
	<-c.done
	err := c.unexpectedExit().Error()
	if !strings.Contains(err, "crashy exited unexpectedly (exit status 3)") || !strings.Contains(err, "boom: cannot connect") {
		t.Errorf("got %q", err)
	}
}

// startScript starts sh -c script as a supervised child.
func startScript(t *testing.T, dir, name, script string) *child {
	t.Helper()
	bin := filepath.Join(dir, name)
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := startChild(name, bin, []string{"PATH=/bin:/usr/bin"}, filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stopChildren(time.Second, c) })
	return c
}
