package localstack

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// PostgresOptions configures StartPostgres.
type PostgresOptions struct {
	// DataDir is the cluster directory. "" means a fresh temporary cluster
	// that is deleted by Stop. Otherwise the cluster is persistent: initdb
	// runs only if DataDir/PG_VERSION is missing. When running as root the
	// directory is owned by the postgres OS user, and every existing parent
	// directory must be traversable by that user.
	DataDir string
	// Port 0 picks a free TCP port (see freePort for the small race).
	Port int
	// BinDir holds initdb and postgres. "" means the first of $PG_BIN_DIR,
	// /usr/lib/postgresql/<highest version>/bin, and the directory of
	// "postgres" on PATH.
	BinDir string
	// LogFile receives the server's stdout/stderr (appended). "" means
	// <DataDir>/postgres.log; for a temporary cluster that file lives in the
	// temporary directory and is deleted by Stop.
	LogFile string
	// Settings are extra server settings (-c name=value), applied after the defaults above, so
	// they win: the benchmark asks for durable commits and pg_stat_statements this way.
	Settings map[string]string
}

// Postgres is a running PostgreSQL server started by StartPostgres.
type Postgres struct {
	port    int
	dataDir string
	logFile string
	tempDir string // removed by Stop: the temporary cluster, or the socket dir
	proc    *process

	stopOnce sync.Once
	stopErr  error
}

const (
	pgStopTimeout = 30 * time.Second
	// tempDirPrefix names the temporary directories of this package; the pid
	// of the creating process follows, so stale ones can be swept.
	tempDirPrefix = "localstack-"
)

// StartPostgres initialises (if needed) and starts a PostgreSQL server and
// returns once it accepts connections. ctx bounds the start-up only (a
// default of 2 minutes applies when it has no deadline); the server runs
// until Stop is called or the calling process dies.
func StartPostgres(ctx context.Context, opts PostgresOptions) (_ *Postgres, err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStartTimeout)
		defer cancel()
	}
	binDir, err := findPGBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	su, err := lookupServiceUser()
	if err != nil {
		return nil, err
	}
	sweepStaleTempDirs()

	p := &Postgres{port: opts.Port}
	if p.port == 0 {
		if p.port, err = freePort(); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil && p.tempDir != "" {
			_ = os.RemoveAll(p.tempDir)
		}
	}()

	// A directory of our own for the Unix socket (and, for throw-away
	// clusters, the cluster itself). Kept short: socket paths are limited to
	// 107 bytes.
	p.tempDir, err = os.MkdirTemp("", tempDirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return nil, fmt.Errorf("localstack: create temp dir: %w", err)
	}
	if err := su.chown(p.tempDir); err != nil {
		return nil, err
	}
	sockDir := p.tempDir
	temporary := opts.DataDir == ""
	if temporary {
		p.dataDir = filepath.Join(p.tempDir, "data")
	} else {
		if p.dataDir, err = filepath.Abs(opts.DataDir); err != nil {
			return nil, fmt.Errorf("localstack: data dir: %w", err)
		}
	}
	if err := preparePGDataDir(p.dataDir, su); err != nil {
		return nil, err
	}

	if _, err := os.Stat(filepath.Join(p.dataDir, "PG_VERSION")); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("localstack: stat PG_VERSION: %w", err)
		}
		if err := initdb(ctx, binDir, p.dataDir, su, temporary); err != nil {
			return nil, err
		}
	}

	p.logFile = opts.LogFile
	if p.logFile == "" {
		if temporary {
			p.logFile = filepath.Join(p.tempDir, "postgres.log")
		} else {
			p.logFile = filepath.Join(p.dataDir, "postgres.log")
		}
	} else if p.logFile, err = filepath.Abs(p.logFile); err != nil {
		return nil, fmt.Errorf("localstack: log file: %w", err)
	}
	logf, err := openLog(p.logFile)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy of the descriptor

	// With a port of our choosing, retry a lost free-port race (see freePort).
	for attempt := 1; ; attempt++ {
		args := []string{
			"-D", p.dataDir,
			"-p", strconv.Itoa(p.port),
			"-c", "listen_addresses=127.0.0.1",
			"-c", "unix_socket_directories=" + sockDir,
			"-c", "max_connections=250",
			"-c", "synchronous_commit=off",
		}
		if temporary {
			// Unsafe on crash, which does not matter for a throw-away cluster.
			args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off")
		}
		for _, k := range slices.Sorted(maps.Keys(opts.Settings)) {
			args = append(args, "-c", k+"="+opts.Settings[k])
		}
		cmd := exec.Command(filepath.Join(binDir, "postgres"), args...)
		cmd.Dir = "/"
		cmd.Env = pgEnv()
		cmd.Stdout = logf
		cmd.Stderr = logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: su.cred}
		logStart := fileSize(p.logFile)
		proc, err := startProcess(cmd, syscall.SIGINT)
		if err != nil {
			return nil, fmt.Errorf("localstack: start postgres: %w", err)
		}
		p.proc = proc
		err = p.waitReady(ctx)
		if err == nil {
			return p, nil
		}
		p.proc.stop(syscall.SIGINT, 5*time.Second)
		if opts.Port == 0 && attempt < 3 && ctx.Err() == nil && logMentionsPortInUse(p.logFile, logStart) {
			if np, perr := freePort(); perr == nil {
				p.port = np
				continue
			}
		}
		return nil, withLogTail(err, p.logFile)
	}
}

// waitReady polls SELECT 1 until it succeeds, the process exits or ctx ends.
func (p *Postgres) waitReady(ctx context.Context) error {
	db, err := sql.Open("postgres", p.URL("postgres")+"&connect_timeout=2")
	if err != nil {
		return fmt.Errorf("localstack: open postgres: %w", err)
	}
	defer db.Close()
	delay := 20 * time.Millisecond
	for {
		if p.proc.exited() {
			return fmt.Errorf("localstack: postgres exited during start-up (%s)", exitDescription(p.proc))
		}
		watchCtx, cancelWatch := p.proc.watch(ctx)
		attemptCtx, cancel := context.WithTimeout(watchCtx, 2*time.Second)
		var one int
		err := db.QueryRowContext(attemptCtx, "SELECT 1").Scan(&one)
		cancel()
		cancelWatch()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("localstack: postgres on port %d not ready: %w (last error: %v)", p.port, ctx.Err(), err)
		case <-p.proc.done:
		case <-time.After(delay):
		}
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}

// URL returns a connection URL for the given database, e.g.
// postgres://postgres@127.0.0.1:5432/app?sslmode=disable.
func (p *Postgres) URL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     "127.0.0.1:" + strconv.Itoa(p.port),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port returns the TCP port the server listens on (127.0.0.1 only).
func (p *Postgres) Port() int { return p.port }

// DataDir returns the cluster directory (temporary ones vanish on Stop).
func (p *Postgres) DataDir() string { return p.dataDir }

// LogFile returns the path of the server log.
func (p *Postgres) LogFile() string { return p.logFile }

// PID returns the process id of the postmaster.
func (p *Postgres) PID() int { return p.proc.pid() }

// CreateDatabase creates database name. It is idempotent: an existing
// database is not an error.
func (p *Postgres) CreateDatabase(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("localstack: CreateDatabase: empty database name")
	}
	db, err := sql.Open("postgres", p.URL("postgres"))
	if err != nil {
		return fmt.Errorf("localstack: open postgres: %w", err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("localstack: check database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database: lost a race
			return nil
		}
		return fmt.Errorf("localstack: create database %q: %w", name, err)
	}
	return nil
}

// Stop shuts the server down (fast shutdown: SIGINT), waits for it to exit
// (SIGKILL to its process group after 30s) and removes the temporary
// directory. It is safe to call concurrently and more than once; every call
// returns the result of the first.
func (p *Postgres) Stop() error {
	p.stopOnce.Do(func() {
		var errs []error
		wasExited := p.proc.exited()
		if killed := p.proc.stop(syscall.SIGINT, pgStopTimeout); killed {
			errs = append(errs, fmt.Errorf("localstack: postgres did not shut down within %v and was killed", pgStopTimeout))
		} else if wasExited {
			errs = append(errs, withLogTail(fmt.Errorf("localstack: postgres had already exited (%s)", exitDescription(p.proc)), p.logFile))
		}
		if p.tempDir != "" {
			if err := os.RemoveAll(p.tempDir); err != nil {
				errs = append(errs, fmt.Errorf("localstack: remove temp dir: %w", err))
			}
		}
		p.stopErr = errors.Join(errs...)
	})
	return p.stopErr
}

// preparePGDataDir creates dataDir (and missing parents) owned by the
// service user and checks that the user can reach it.
func preparePGDataDir(dataDir string, su serviceUser) error {
	// Create missing ancestors one by one so that we can chown exactly the
	// directories we created.
	var missing []string
	for d := dataDir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("localstack: stat %s: %w", d, err)
		}
		missing = append(missing, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		mode := os.FileMode(0o755)
		if d == dataDir {
			mode = 0o700
		}
		if err := os.Mkdir(d, mode); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("localstack: create %s: %w", d, err)
		}
		if err := os.Chmod(d, mode); err != nil { // undo umask
			return fmt.Errorf("localstack: chmod %s: %w", d, err)
		}
		if err := su.chown(d); err != nil {
			return err
		}
	}
	if err := su.checkTraversable(dataDir); err != nil {
		return err
	}
	if su.cred == nil {
		return nil
	}
	fi, err := os.Stat(dataDir)
	if err != nil {
		return fmt.Errorf("localstack: stat %s: %w", dataDir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("localstack: data dir %s is not a directory", dataDir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != su.uid {
		// Only take over an empty directory (e.g. pre-created by a script);
		// an existing cluster owned by someone else is left alone.
		entries, err := os.ReadDir(dataDir)
		if err != nil {
			return fmt.Errorf("localstack: read %s: %w", dataDir, err)
		}
		if len(entries) > 0 {
			return fmt.Errorf("localstack: data dir %s is not empty and is owned by uid %d, not by the postgres user (uid %d)", dataDir, st.Uid, su.uid)
		}
		if err := os.Chmod(dataDir, 0o700); err != nil {
			return fmt.Errorf("localstack: chmod %s: %w", dataDir, err)
		}
		if err := su.chown(dataDir); err != nil {
			return err
		}
	}
	return nil
}

// initdb creates a cluster in dataDir, preferring the C.UTF-8 locale.
func initdb(ctx context.Context, binDir, dataDir string, su serviceUser, temporary bool) error {
	run := func(localeArg string) ([]byte, error) {
		args := []string{"-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", localeArg, "--no-instructions"}
		if temporary {
			args = append(args, "--no-sync")
		}
		cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), args...)
		cmd.Dir = "/"
		cmd.Env = pgEnv()
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = &out
		// Kill initdb if we die; it is short-lived, so the thread caveat of
		// Pdeathsig (see startProcess) does not matter here.
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: su.cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
		err := cmd.Run()
		return out.Bytes(), err
	}
	out, err := run("--locale=C.UTF-8")
	if err != nil && bytes.Contains(bytes.ToLower(out), []byte("locale")) && ctx.Err() == nil {
		// C.UTF-8 is not available on this system.
		out, err = run("--no-locale")
	}
	if err != nil {
		return fmt.Errorf("localstack: initdb %s: %w\n%s", dataDir, err, bytes.TrimSpace(out))
	}
	return nil
}

// pgEnv is the environment for initdb/postgres: ours minus libpq/server
// variables that could redirect them.
func pgEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "PG_BIN_DIR=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// findPGBinDir resolves the directory with initdb and postgres.
func findPGBinDir(binDir string) (string, error) {
	hasBins := func(dir string) bool {
		for _, b := range []string{"postgres", "initdb"} {
			fi, err := os.Stat(filepath.Join(dir, b))
			if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if binDir != "" {
		if !hasBins(binDir) {
			return "", fmt.Errorf("localstack: %s does not contain postgres and initdb", binDir)
		}
		return binDir, nil
	}
	if d := os.Getenv("PG_BIN_DIR"); d != "" {
		if !hasBins(d) {
			return "", fmt.Errorf("localstack: $PG_BIN_DIR=%s does not contain postgres and initdb", d)
		}
		return d, nil
	}
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(dirs) > 0 {
		version := func(d string) float64 {
			v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
			return v
		}
		sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
		for _, d := range dirs {
			if hasBins(d) {
				return d, nil
			}
		}
	}
	if path, err := exec.LookPath("postgres"); err == nil {
		if d := filepath.Dir(path); hasBins(d) {
			return d, nil
		}
	}
	return "", errors.New("localstack: PostgreSQL binaries not found (set PostgresOptions.BinDir or $PG_BIN_DIR)")
}

// sweepStaleTempDirs removes temporary directories of this package whose
// creating process no longer exists (it was killed before it could Stop).
func sweepStaleTempDirs() {
	entries, err := os.ReadDir(os.TempDir())
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, tempDirPrefix) {
			continue
		}
		rest := strings.TrimPrefix(name, tempDirPrefix)
		i := strings.IndexByte(rest, '-')
		if i <= 0 {
			continue
		}
		pid, err := strconv.Atoi(rest[:i])
		if err != nil || pid <= 0 || pid == os.Getpid() || pidAlive(pid) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(os.TempDir(), name))
	}
}
