package child

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestChildLogTailShowsThisRunOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	old := "previous run\n"
	if err := os.WriteFile(path, []byte(old+"this run 1\nthis run 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &Process{name: "x", logPath: path, logFrom: int64(len(old))}
	tail := c.LogTail()
	if strings.Contains(tail, "previous") || !strings.HasSuffix(tail, "this run 1\nthis run 2") {
		t.Errorf("tail:\n%s", tail)
	}
}

func TestStopAllTermsThenKillsTheGroup(t *testing.T) {
	dir := t.TempDir()
	// One child that stops on SIGTERM, one that ignores it (and whose own child does too).
	polite := startScript(t, dir, "polite", "exec sleep 60")
	stubborn := startScript(t, dir, "stubborn", "trap '' TERM; sleep 60 & echo grandchild $!; wait; wait")
	time.Sleep(200 * time.Millisecond) // let the trap be installed

	start := time.Now()
	err := StopAll(500*time.Millisecond, polite, stubborn, nil)
	if err == nil || !strings.Contains(err.Error(), "stubborn did not stop") || strings.Contains(err.Error(), "polite") {
		t.Errorf("stopChildren: got %v, want only the stubborn one reported as killed", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if !polite.Exited() || !stubborn.Exited() {
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
	err := c.UnexpectedExit().Error()
	if !strings.Contains(err, "crashy exited unexpectedly (exit status 3)") || !strings.Contains(err, "boom: cannot connect") {
		t.Errorf("got %q", err)
	}
}

// startScript starts sh -c script as a supervised child.
func startScript(t *testing.T, dir, name, script string) *Process {
	t.Helper()
	bin := filepath.Join(dir, name)
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Start(name, bin, []string{"PATH=/bin:/usr/bin"}, filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = StopAll(time.Second, c) })
	return c
}

func TestEnvOverridesAndPassesThrough(t *testing.T) {
	base := []string{"PATH=/bin", "LEADFLOW_QUIET_PERIOD=5s", "DATABASE_URL=postgres://elsewhere", "TEMPORAL_ADDRESS=x:1"}
	env := Env(base, map[string]string{"DATABASE_URL": "postgres://local", "TEMPORAL_ADDRESS": "127.0.0.1:7233"})
	want := []string{"PATH=/bin", "LEADFLOW_QUIET_PERIOD=5s", "DATABASE_URL=postgres://local", "TEMPORAL_ADDRESS=127.0.0.1:7233"}
	if !slices.Equal(env, want) {
		t.Errorf("got %q, want %q", env, want)
	}
	if base[2] != "DATABASE_URL=postgres://elsewhere" {
		t.Error("base was modified")
	}
}
