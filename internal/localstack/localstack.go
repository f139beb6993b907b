// Package localstack starts and stops the local infrastructure Leadflow needs
// for development, integration tests and benchmarks: a PostgreSQL server and a
// Temporal dev server ("temporal server start-dev").
//
// Both run as direct child processes of the calling program (never
// daemonised). Each child is placed in its own process group and is given a
// parent-death signal (SIGINT for postgres, which means "fast shutdown";
// SIGTERM for temporal), so that no process outlives the program that
// started it, even when that program is killed with SIGKILL. Stop sends the
// same signal, waits for the process to exit and falls back to SIGKILL on the
// whole process group after a timeout.
//
// Temporary directories (throw-away PostgreSQL clusters, the Unix socket
// directory, default Temporal log files) are removed by Stop. If the parent
// is killed before it can call Stop, the child processes still die, but the
// directories are left behind; the next StartPostgres call sweeps
// directories left by processes that no longer exist.
//
// The package writes nothing to stdout or stderr itself; the output of the
// child processes goes to their log files only.
package localstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
//
// It binds 127.0.0.1:0, reads the port the kernel picked and closes the
// listener. There is an unavoidable race: another process may bind the same
// port between this call and the moment the child binds it. To make that
// unlikely, the port is first put into TIME_WAIT by connecting to it and
// closing the accepted connection from the server side; Linux does not hand
// out a TIME_WAIT port again for bind(:0) while it stays in that state (60s),
// whereas postgres and temporal can still bind it explicitly because they set
// SO_REUSEADDR. If the race is lost anyway, the start fails with an
// "address already in use" error in the log and the caller may simply retry.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("localstack: pick free port: %w", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c
	}()
	c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second)
	if err == nil {
		if sc := <-accepted; sc != nil {
			_ = sc.Close() // server side closes first => TIME_WAIT on this port
		}
		_ = c.Close()
	}
	return port, nil
}

// portOpen reports whether something accepts TCP connections on 127.0.0.1:port.
func portOpen(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 500*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// pidAlive reports whether pid names a running (non-zombie) process.
func pidAlive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false
		}
		return syscall.Kill(pid, 0) == nil
	}
	// Format: "pid (comm) S ..."; comm may contain spaces or parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return true
	}
	state := b[i+2]
	return state != 'Z' && state != 'X'
}

// process is a child process whose lifetime is bound to ours.
type process struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed once the process has exited and been reaped
	waitErr error         // result of cmd.Wait; valid after done is closed
}

// startProcess starts cmd in its own process group with the given
// parent-death signal.
//
// PR_SET_PDEATHSIG fires when the OS *thread* that forked the child exits, not
// when the process exits (https://go.dev/issue/27505). The Go runtime can
// terminate threads (e.g. when a goroutine exits while locked to its thread),
// which would kill the child spuriously. To prevent that, the child is forked
// from a goroutine locked to its thread, and that goroutine stays on the
// thread (blocked in wait4) until the child has exited.
func startProcess(cmd *exec.Cmd, deathSig syscall.Signal) (*process, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = deathSig

	p := &process{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// watch returns a context that is cancelled when ctx ends or the process
// exits, so that readiness probes do not outlive a crashed child.
func (p *process) watch(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig to the process and waits up to timeout for it to exit; after
// that the whole process group is SIGKILLed. It reports whether the process
// had to be killed.
func (p *process) stop(sig syscall.Signal, timeout time.Duration) (killed bool) {
	if p.exited() {
		return false
	}
	_ = p.cmd.Process.Signal(sig)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return false
	case <-t.C:
	}
	// The group still exists (its leader has not been reaped), so the pgid
	// cannot have been reused.
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	<-p.done
	// Sweep members that might have survived their leader. The group id
	// cannot be handed out again while any member is alive.
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	return true
}

// serviceUser describes the OS user child processes run as.
type serviceUser struct {
	uid, gid int
	cred     *syscall.Credential // nil => run as ourselves
}

// lookupServiceUser returns the "postgres" user when running as root (initdb
// and postgres refuse to run as root), or the current user otherwise.
func lookupServiceUser() (serviceUser, error) {
	if os.Geteuid() != 0 {
		return serviceUser{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return serviceUser{}, fmt.Errorf("localstack: running as root and cannot find the postgres OS user to run postgres as: %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return serviceUser{}, fmt.Errorf("localstack: bad uid %q for user postgres: %w", u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return serviceUser{}, fmt.Errorf("localstack: bad gid %q for user postgres: %w", u.Gid, err)
	}
	return serviceUser{
		uid:  uid,
		gid:  gid,
		cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)},
	}, nil
}

// chown gives path to the service user (no-op when not running as root).
func (u serviceUser) chown(path string) error {
	if u.cred == nil {
		return nil
	}
	if err := os.Lchown(path, u.uid, u.gid); err != nil {
		return fmt.Errorf("localstack: chown %s: %w", path, err)
	}
	return nil
}

// checkTraversable verifies that the service user can search (traverse) every
// existing ancestor of path. Root can traverse anything, so this only matters
// when postgres runs under its own uid.
func (u serviceUser) checkTraversable(path string) error {
	if u.cred == nil {
		return nil
	}
	groups := map[int]bool{u.gid: true}
	if usr, err := user.LookupId(strconv.Itoa(u.uid)); err == nil {
		if gids, err := usr.GroupIds(); err == nil {
			for _, g := range gids {
				if n, err := strconv.Atoi(g); err == nil {
					groups[n] = true
				}
			}
		}
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("localstack: stat %s: %w", dir, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok {
			mode := fi.Mode().Perm()
			var can bool
			switch {
			case int(st.Uid) == u.uid:
				can = mode&0o100 != 0
			case groups[int(st.Gid)]:
				can = mode&0o010 != 0
			default:
				can = mode&0o001 != 0
			}
			if !can {
				return fmt.Errorf("localstack: directory %s (mode %v) is not traversable by uid %d; "+
					"postgres runs as that user, so choose a data directory elsewhere or chmod o+x %s", dir, mode, u.uid, dir)
			}
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

// tailFile returns (at most) the last n bytes of a file, trimmed to whole
// lines, for inclusion in error messages.
func tailFile(path string, n int64) string {
	if path == "" {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := fi.Size() - n
	if off < 0 {
		off = 0
	}
	b, err := io.ReadAll(io.NewSectionReader(f, off, fi.Size()-off))
	if err != nil {
		return ""
	}
	if off > 0 {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(bytes.TrimSpace(b))
}

// fileSize returns the size of a file, or 0.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logMentionsPortInUse reports whether the part of a log file written after
// offset from reports a failed bind, i.e. a lost free-port race.
func logMentionsPortInUse(path string, from int64) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, from, 1<<20))
	if err != nil {
		return false
	}
	return bytes.Contains(bytes.ToLower(b), []byte("address already in use"))
}

// withLogTail appends the tail of a log file to an error.
func withLogTail(err error, logFile string) error {
	if t := tailFile(logFile, 4096); t != "" {
		return fmt.Errorf("%w\n--- last lines of %s ---\n%s", err, logFile, t)
	}
	return err
}

// exitDescription describes why a process exited, for errors.
func exitDescription(p *process) string {
	if p.waitErr == nil {
		return "exited with status 0"
	}
	return p.waitErr.Error()
}

// openLog opens (creating and appending to) a log file for a child's
// stdout/stderr. The file descriptor is handed to the child directly, so the
// child keeps logging even if we die.
func openLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("localstack: create log dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("localstack: open log file: %w", err)
	}
	return f, nil
}

// findRepoRoot walks up from the working directory to the first directory
// containing go.mod.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the working directory")
		}
		dir = parent
	}
}

// defaultStartTimeout bounds start-up when the caller's context has no deadline.
const defaultStartTimeout = 2 * time.Minute
