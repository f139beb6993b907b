// Package child runs Leadflow's own programs (the gateway, the worker) as supervised children:
// each in its own process group, with a parent-death signal so it cannot outlive its parent, its
// output appended to a log whose tail explains an unexpected exit. deploy/local (make dev) and the
// benchmark both use it.
package child

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Process is one child program, running.
type Process struct {
	name    string
	logPath string
	logFrom int64 // size of the log before this run, so that tails show this run only
	cmd     *exec.Cmd
	done    chan struct{} // closed once the process has exited and been reaped
	waitErr error         // cmd.Wait's result; valid once done is closed
}

// Start starts bin with env, appending its stdout and stderr to logPath, in its own process
// group (a Ctrl-C in the terminal reaches only us, and we stop the children in order) and with
// SIGKILL as its parent-death signal, so that it cannot outlive us.
//
// The parent-death signal fires when the OS thread that forked the child exits
// (https://go.dev/issue/27505), so the child is forked from a goroutine locked to its thread,
// which stays there, in wait4, until the child has exited. That goroutine is owned by the child:
// it ends exactly when the process does, which StopAll guarantees.
func Start(name, bin string, env []string, logPath string) (*Process, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	defer logf.Close() // the child has its own copy of the descriptor
	c := &Process{name: name, logPath: logPath, done: make(chan struct{})}
	if fi, err := logf.Stat(); err == nil {
		c.logFrom = fi.Size()
	}
	fmt.Fprintf(logf, "=== %s: %s started by %s ===\n", time.Now().Format(time.RFC3339), name, filepath.Base(os.Args[0]))

	c.cmd = exec.Command(bin)
	c.cmd.Env = env
	c.cmd.Stdout = logf
	c.cmd.Stderr = logf
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := c.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.waitErr = c.cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return c, nil
}

// PID is the child's process id (its process group's too).
func (c *Process) PID() int { return c.cmd.Process.Pid }

// Done is closed once the child has exited and been reaped.
func (c *Process) Done() <-chan struct{} { return c.done }

// Exited reports whether the child has exited.
func (c *Process) Exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// waitUntil waits for the child to exit, until deadline; it reports whether it did.
func (c *Process) waitUntil(deadline time.Time) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-c.done:
		return true
	case <-t.C:
		return c.Exited()
	}
}

// UnexpectedExit describes an exit we did not ask for; call it once done is closed.
func (c *Process) UnexpectedExit() error {
	how := "exit status 0"
	if c.waitErr != nil {
		how = c.waitErr.Error()
	}
	return fmt.Errorf("%s exited unexpectedly (%s)\n%s", c.name, how, c.LogTail())
}

// LogTail returns the last lines this run wrote to the child's log, headed by its path.
func (c *Process) LogTail() string {
	const tailBytes = 4 << 10
	f, err := os.Open(c.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	from := max(c.logFrom, fi.Size()-tailBytes)
	b, err := io.ReadAll(io.NewSectionReader(f, from, fi.Size()-from))
	if err != nil {
		return ""
	}
	if from > c.logFrom { // started mid-line
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return fmt.Sprintf("--- last lines of %s ---\n%s", c.logPath, bytes.TrimSpace(b))
}

// StopAll sends SIGTERM to every child still running, waits until timeout for all of them,
// then SIGKILLs the process group of any that is left. Nil children (never started) are skipped.
func StopAll(timeout time.Duration, children ...*Process) error {
	children = slices.DeleteFunc(children, func(c *Process) bool { return c == nil })
	running := map[*Process]bool{}
	for _, c := range children {
		if !c.Exited() {
			running[c] = true
			_ = c.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(timeout)
	var errs []error
	for _, c := range children {
		if !running[c] {
			continue
		}
		if c.waitUntil(deadline) {
			if c.waitErr != nil && !diedOf(c.waitErr, syscall.SIGTERM) {
				errs = append(errs, fmt.Errorf("%s: %w\n%s", c.name, c.waitErr, c.LogTail()))
			}
			continue
		}
		// The leader has not been reaped, so its group id cannot have been reused.
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL) // any member that survived its leader
		errs = append(errs, fmt.Errorf("%s did not stop within %v after SIGTERM and was killed", c.name, timeout))
	}
	return errors.Join(errs...)
}

// diedOf reports whether a process was ended by sig (which, for SIGTERM, is a clean stop for a
// program without a handler).
func diedOf(waitErr error, sig syscall.Signal) bool {
	var exitErr *exec.ExitError
	if !errors.As(waitErr, &exitErr) {
		return false
	}
	ws, ok := exitErr.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

// Env is base with the keys of set replaced by their values: everything the user exported
// (LEADFLOW_QUIET_PERIOD, LEADFLOW_LOG_LEVEL, …) reaches the children, except what this stack decides.
func Env(base []string, set map[string]string) []string {
	env := slices.DeleteFunc(slices.Clone(base), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		_, overridden := set[k]
		return overridden
	})
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+set[k])
	}
	return env
}

// FindBinDir finds bin/gateway and bin/worker: next to this executable (as `make dev` builds
// them), else in <repo>/bin, the repository being found from the working directory.
func FindBinDir() (string, error) {
	var tried []string
	if exe, err := os.Executable(); err == nil {
		if exe, err := filepath.EvalSymlinks(exe); err == nil {
			tried = append(tried, filepath.Dir(exe))
		}
	}
	if dir, err := os.Getwd(); err == nil {
		for ; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				tried = append(tried, filepath.Join(dir, "bin"))
				break
			}
			if dir == filepath.Dir(dir) {
				break
			}
		}
	}
	for _, dir := range tried {
		if isExecutable(filepath.Join(dir, "gateway")) && isExecutable(filepath.Join(dir, "worker")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("gateway and worker binaries not found in %s; build them with `go build -o bin/ ./gateway ./worker ./deploy/local`",
		strings.Join(tried, " or "))
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
