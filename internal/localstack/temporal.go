package localstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// TemporalOptions configures StartTemporal.
type TemporalOptions struct {
	// Binary is the temporal CLI. "" means <repo>/bin/temporal, where <repo>
	// is the first directory containing go.mod found walking up from the
	// working directory, then "temporal" on PATH.
	Binary string
	// DBFile is the SQLite file that persists the server state. "" means
	// in-memory (everything is lost on Stop).
	DBFile string
	// Port is the frontend gRPC port; 0 picks a free port.
	Port int
	// UIPort is the Web UI port; 0 picks a free port unless Headless.
	UIPort int
	// Headless disables the Web UI.
	Headless bool
	// Namespace is created at start-up (besides "default", which always
	// exists) and is the namespace used for the readiness checks. "" means
	// "default".
	Namespace string
	// SearchAttributes maps custom search attribute names to their type:
	// Keyword, Int, Bool, Double, Text, Datetime or KeywordList
	// (case-insensitive). They are registered through start-dev's
	// --search-attribute flags; attributes missing from an existing DBFile
	// (the CLI only registers attributes when it creates a namespace) are
	// added through the operator API.
	SearchAttributes map[string]string
	// DynamicConfig holds extra --dynamic-config-value pairs; values are raw
	// JSON literals, e.g. "1000", "true" or `"a string"`.
	DynamicConfig map[string]string
	// LogFile receives the server's stdout/stderr (appended). "" means a
	// temporary file that is deleted by Stop.
	LogFile string
}

// Temporal is a running Temporal dev server started by StartTemporal.
type Temporal struct {
	hostPort  string
	uiURL     string
	namespace string
	logFile   string
	tempDir   string // removed by Stop; holds the default log file
	proc      *process

	stopOnce sync.Once
	stopErr  error
}

const temporalStopTimeout = 15 * time.Second

// StartTemporal starts "temporal server start-dev" and returns once the
// frontend answers health checks and all requested search attributes are
// visible in the namespace. ctx bounds the start-up only (a default of 2
// minutes applies when it has no deadline); the server runs until Stop is
// called or the calling process dies.
func StartTemporal(ctx context.Context, opts TemporalOptions) (_ *Temporal, err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStartTimeout)
		defer cancel()
	}
	bin, err := findTemporalBinary(opts.Binary)
	if err != nil {
		return nil, err
	}
	attrs, err := parseSearchAttributes(opts.SearchAttributes)
	if err != nil {
		return nil, err
	}
	sweepStaleTempDirs()

	t := &Temporal{namespace: opts.Namespace}
	if t.namespace == "" {
		t.namespace = "default"
	}
	defer func() {
		if err != nil && t.tempDir != "" {
			_ = os.RemoveAll(t.tempDir)
		}
	}()

	var dbFile string
	if opts.DBFile != "" {
		if dbFile, err = filepath.Abs(opts.DBFile); err != nil {
			return nil, fmt.Errorf("localstack: temporal db file: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(dbFile), 0o755); err != nil {
			return nil, fmt.Errorf("localstack: create temporal db dir: %w", err)
		}
	}
	if opts.LogFile != "" {
		if t.logFile, err = filepath.Abs(opts.LogFile); err != nil {
			return nil, fmt.Errorf("localstack: temporal log file: %w", err)
		}
	} else {
		t.tempDir, err = os.MkdirTemp("", tempDirPrefix+strconv.Itoa(os.Getpid())+"-")
		if err != nil {
			return nil, fmt.Errorf("localstack: create temp dir: %w", err)
		}
		t.logFile = filepath.Join(t.tempDir, "temporal.log")
	}
	logf, err := openLog(t.logFile)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy of the descriptor

	// With ports of our choosing, retry a lost free-port race (see freePort).
	for attempt := 1; ; attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		t.hostPort = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		args := []string{"server", "start-dev",
			"--ip", "127.0.0.1",
			"--port", strconv.Itoa(port),
			"--log-level", "warn",
			"--color", "never",
		}
		if opts.Headless {
			args = append(args, "--headless")
		} else {
			uiPort := opts.UIPort
			if uiPort == 0 {
				if uiPort, err = freePort(); err != nil {
					return nil, err
				}
			}
			t.uiURL = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(uiPort))
			args = append(args, "--ui-port", strconv.Itoa(uiPort))
		}
		if dbFile != "" {
			args = append(args, "--db-filename", dbFile)
		}
		if t.namespace != "default" {
			args = append(args, "--namespace", t.namespace)
		}
		for _, name := range slices.Sorted(maps.Keys(attrs)) {
			args = append(args, "--search-attribute", name+"="+attrs[name].String())
		}
		for _, k := range slices.Sorted(maps.Keys(opts.DynamicConfig)) {
			args = append(args, "--dynamic-config-value", k+"="+opts.DynamicConfig[k])
		}

		cmd := exec.Command(bin, args...)
		cmd.Env = temporalEnv()
		cmd.Stdout = logf
		cmd.Stderr = logf
		logStart := fileSize(t.logFile)
		proc, err := startProcess(cmd, syscall.SIGTERM)
		if err != nil {
			return nil, fmt.Errorf("localstack: start %s: %w", bin, err)
		}
		t.proc = proc
		err = t.waitReady(ctx, attrs)
		if err == nil {
			return t, nil
		}
		t.proc.stop(syscall.SIGTERM, 5*time.Second)
		if (opts.Port == 0 || (!opts.Headless && opts.UIPort == 0)) && attempt < 3 && ctx.Err() == nil &&
			logMentionsPortInUse(t.logFile, logStart) {
			continue
		}
		return nil, withLogTail(err, t.logFile)
	}
}

// waitReady dials the frontend, checks its health and waits until every
// requested search attribute is listed in the namespace, adding the ones a
// pre-existing DB file lacks.
func (t *Temporal) waitReady(ctx context.Context, want map[string]enumspb.IndexedValueType) error {
	var (
		c       client.Client
		lastErr error
		added   bool
		delay   = 50 * time.Millisecond
	)
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for {
		if t.proc.exited() {
			return fmt.Errorf("localstack: temporal exited during start-up (%s)", exitDescription(t.proc))
		}
		lastErr = func() error {
			watchCtx, cancelWatch := t.proc.watch(ctx)
			defer cancelWatch()
			attemptCtx, cancel := context.WithTimeout(watchCtx, 3*time.Second)
			defer cancel()
			if c == nil {
				nc, err := client.DialContext(attemptCtx, client.Options{
					HostPort:  t.hostPort,
					Namespace: t.namespace,
					Logger:    tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
				})
				if err != nil {
					return fmt.Errorf("dial: %w", err)
				}
				c = nc
			}
			if _, err := c.CheckHealth(attemptCtx, &client.CheckHealthRequest{}); err != nil {
				return fmt.Errorf("health check: %w", err)
			}
			resp, err := c.OperatorService().ListSearchAttributes(attemptCtx, &operatorservice.ListSearchAttributesRequest{Namespace: t.namespace})
			if err != nil {
				return fmt.Errorf("list search attributes: %w", err)
			}
			missing := map[string]enumspb.IndexedValueType{}
			for name, typ := range want {
				got, ok := resp.GetCustomAttributes()[name]
				switch {
				case !ok:
					missing[name] = typ
				case got != typ:
					return &permanentError{fmt.Errorf("search attribute %s exists with type %s, want %s", name, got, typ)}
				}
			}
			if len(missing) == 0 {
				if t.uiURL != "" && !portOpen(t.uiPort()) {
					return errors.New("web UI not listening yet")
				}
				return nil
			}
			if !added {
				// The namespace already existed (persistent DB file), so the
				// CLI skipped --search-attribute for it.
				_, err := c.OperatorService().AddSearchAttributes(attemptCtx, &operatorservice.AddSearchAttributesRequest{
					Namespace:        t.namespace,
					SearchAttributes: missing,
				})
				var exists *serviceerror.AlreadyExists
				if err != nil && !errors.As(err, &exists) {
					return fmt.Errorf("add search attributes: %w", err)
				}
				added = true
			}
			return fmt.Errorf("search attributes not visible yet: %v", slices.Sorted(maps.Keys(missing)))
		}()
		if lastErr == nil {
			return nil
		}
		var perm *permanentError
		if errors.As(lastErr, &perm) {
			return fmt.Errorf("localstack: temporal on %s: %w", t.hostPort, perm.err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("localstack: temporal on %s not ready: %w (last error: %v)", t.hostPort, ctx.Err(), lastErr)
		case <-t.proc.done:
		case <-time.After(delay):
		}
		if delay < 500*time.Millisecond {
			delay *= 2
		}
	}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

func (t *Temporal) uiPort() int {
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(t.uiURL, "http://"))
	n, _ := strconv.Atoi(p)
	return n
}

// HostPort returns the frontend gRPC address, 127.0.0.1:PORT.
func (t *Temporal) HostPort() string { return t.hostPort }

// UIURL returns the Web UI base URL, or "" when headless.
func (t *Temporal) UIURL() string { return t.uiURL }

// Namespace returns the namespace the stack was started for ("default"
// unless TemporalOptions.Namespace was set).
func (t *Temporal) Namespace() string { return t.namespace }

// LogFile returns the path of the server log.
func (t *Temporal) LogFile() string { return t.logFile }

// PID returns the process id of the temporal CLI process.
func (t *Temporal) PID() int { return t.proc.pid() }

// Stop terminates the server (SIGTERM, then SIGKILL to its process group
// after 15s), waits for it to exit and removes the temporary log directory.
// It is safe to call concurrently and more than once; every call returns the
// result of the first.
func (t *Temporal) Stop() error {
	t.stopOnce.Do(func() {
		var errs []error
		wasExited := t.proc.exited()
		if killed := t.proc.stop(syscall.SIGTERM, temporalStopTimeout); killed {
			errs = append(errs, fmt.Errorf("localstack: temporal did not shut down within %v and was killed", temporalStopTimeout))
		} else if wasExited {
			errs = append(errs, withLogTail(fmt.Errorf("localstack: temporal had already exited (%s)", exitDescription(t.proc)), t.logFile))
		}
		if t.tempDir != "" {
			if err := os.RemoveAll(t.tempDir); err != nil {
				errs = append(errs, fmt.Errorf("localstack: remove temp dir: %w", err))
			}
		}
		t.stopErr = errors.Join(errs...)
	})
	return t.stopErr
}

// parseSearchAttributes validates names and maps type names
// (case-insensitively, as the CLI does) to IndexedValueType.
func parseSearchAttributes(in map[string]string) (map[string]enumspb.IndexedValueType, error) {
	out := make(map[string]enumspb.IndexedValueType, len(in))
	for name, typ := range in {
		if name == "" || strings.ContainsAny(name, "= \t\n") {
			return nil, fmt.Errorf("localstack: invalid search attribute name %q", name)
		}
		var v enumspb.IndexedValueType
		for short, n := range enumspb.IndexedValueType_shorthandValue {
			if n != 0 && strings.EqualFold(short, typ) {
				v = enumspb.IndexedValueType(n)
				break
			}
		}
		if v == enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return nil, fmt.Errorf("localstack: search attribute %s: unknown type %q (want Keyword, Int, Bool, Double, Text, Datetime or KeywordList)", name, typ)
		}
		out[name] = v
	}
	return out, nil
}

// findTemporalBinary resolves the temporal CLI.
func findTemporalBinary(bin string) (string, error) {
	if bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("localstack: temporal binary: %w", err)
		}
		return bin, nil
	}
	if root, err := findRepoRoot(); err == nil {
		p := filepath.Join(root, "bin", "temporal")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	return "", ErrTemporalNotFound
}

// ErrTemporalNotFound is returned by StartTemporal when TemporalOptions.Binary
// is empty and no temporal CLI is found in <repo>/bin or on PATH.
var ErrTemporalNotFound = errors.New("localstack: temporal CLI not found in <repo>/bin/temporal or on PATH")

// temporalEnv is our environment minus TEMPORAL_* variables, which the CLI
// would otherwise treat as flag values.
func temporalEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TEMPORAL_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}
