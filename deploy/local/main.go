// Command local is the program behind `make dev`: it brings up all of Leadflow on this machine,
// without Docker — Postgres, the Temporal dev server with its Web UI, the worker and the gateway —
// and takes all of it down again on Ctrl-C (SIGINT), SIGTERM or SIGHUP.
//
// Every process it starts is its own child, in its own process group, with a parent-death signal,
// so nothing outlives it, not even when it is killed with SIGKILL. All state lives in
// LEADFLOW_DATA_DIR (default .data): the Postgres cluster, Temporal's SQLite file, the admin key,
// the webhook secret, the remembered Postgres port and the logs. See internal/config for the other
// variables.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/leadflow/leadflow/internal/app"
	"github.com/leadflow/leadflow/internal/child"
	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/notify"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "leadflow dev:", err)
		os.Exit(1)
	}
}

const (
	readyTimeout = 60 * time.Second // for the gateway's /readyz, once the services are up
	stopTimeout  = 15 * time.Second // for the gateway and worker after SIGTERM, before SIGKILL
	adminKeyFile = "admin-key"      // in the data dir, 0600, when LEADFLOW_ADMIN_KEY is unset
	pgPortFile   = "postgres.port"  // in the data dir, when LEADFLOW_PG_PORT is unset
	lockFile     = ".lock"          // in the data dir: one stack per data dir
)

// webhookSecretFile holds the secret reps' webhooks are signed with (X-Leadflow-Signature): in the
// data dir, 0600, when LEADFLOW_WEBHOOK_SECRET is unset.
const webhookSecretFile = "webhook-secret"

func run() (err error) {
	cfg, err := config.Load()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stopSignals()

	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	logDir := filepath.Join(dataDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", logDir, err)
	}
	unlock, err := lockDataDir(dataDir)
	if err != nil {
		return err
	}
	defer unlock()

	binDir, err := child.FindBinDir()
	if err != nil {
		return err
	}
	// localstack looks for the temporal CLI in <repo>/bin (from the working directory), then on
	// PATH; this lets bin/local also work from outside the repository.
	if _, err := os.Stat(filepath.Join(binDir, "temporal")); err == nil {
		_ = os.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	baseURL, err := localURL(cfg.HTTPAddr)
	if err != nil {
		return err
	}
	if err := checkPortsFree(cfg); err != nil {
		return err
	}
	adminKey, keySource := cfg.AdminKey, "from LEADFLOW_ADMIN_KEY"
	if adminKey == "" {
		if adminKey, err = loadOrCreateAdminKey(filepath.Join(dataDir, adminKeyFile)); err != nil {
			return err
		}
		keySource = "stored in " + filepath.Join(dataDir, adminKeyFile)
	}
	webhookSecret, secretSource := cfg.Outbound.WebhookSecret, "from LEADFLOW_WEBHOOK_SECRET"
	if webhookSecret == "" {
		if webhookSecret, err = loadOrCreateWebhookSecret(filepath.Join(dataDir, webhookSecretFile)); err != nil {
			return err
		}
		secretSource = "stored in " + filepath.Join(dataDir, webhookSecretFile)
	} else if len(webhookSecret) < notify.MinSecretLen {
		return fmt.Errorf("LEADFLOW_WEBHOOK_SECRET is shorter than %d bytes; unset it for a generated one", notify.MinSecretLen)
	}
	pgPort := cfg.PostgresPort
	if pgPort == 0 && cfg.DatabaseURL == "" {
		pgPort = rememberedPort(filepath.Join(dataDir, pgPortFile))
	}

	fmt.Printf("leadflow dev: starting Postgres and Temporal (data in %s, logs in %s) …\n", dataDir, logDir)
	// Start-up is not cancelled by Ctrl-C: an initdb killed half-way leaves a cluster that
	// localstack takes for a finished one. It is bounded by localstack's own time-out (2 min), and
	// a second Ctrl-C still aborts at once.
	noticeInterrupt := context.AfterFunc(ctx, func() {
		stopSignals()
		fmt.Println("\nleadflow dev: stopping as soon as Postgres and Temporal are up (Ctrl-C again to abort at once) …")
	})
	stack, err := app.StartStack(context.WithoutCancel(ctx), app.StackOptions{
		DataDir: dataDir, DatabaseURL: cfg.DatabaseURL, LogDir: logDir,
		PostgresPort: pgPort, TemporalPort: cfg.TemporalPort, UIPort: cfg.TemporalUIPort,
	})
	noticeInterrupt()
	if err != nil {
		return fmt.Errorf("start postgres and temporal: %w", err)
	}
	var worker, gateway *child.Process
	defer func() {
		// From here on a second Ctrl-C kills this process at once; the parent-death signals still
		// take every child down with it.
		stopSignals()
		fmt.Println("leadflow dev: stopping …")
		err = errors.Join(err, child.StopAll(stopTimeout, gateway, worker), stack.Stop())
		if err == nil {
			fmt.Println("leadflow dev: stopped.")
		}
	}()
	if stack.Postgres != nil && cfg.PostgresPort == 0 {
		if err := savePort(filepath.Join(dataDir, pgPortFile), stack.Postgres.Port()); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}

	env := child.Env(os.Environ(), map[string]string{
		"DATABASE_URL":       stack.DatabaseURL,
		"TEMPORAL_ADDRESS":   stack.Temporal.HostPort(),
		"TEMPORAL_NAMESPACE": stack.Temporal.Namespace(), // the only one the dev server has
		"LEADFLOW_ADMIN_KEY": adminKey,
		"LEADFLOW_HTTP_ADDR": cfg.HTTPAddr,
		// The worker signs reps' webhooks with it; the value is never printed.
		"LEADFLOW_WEBHOOK_SECRET": webhookSecret,
	})
	if worker, err = child.Start("worker", filepath.Join(binDir, "worker"), env, filepath.Join(logDir, "worker.log")); err != nil {
		return err
	}
	if gateway, err = child.Start("gateway", filepath.Join(binDir, "gateway"), env, filepath.Join(logDir, "gateway.log")); err != nil {
		return err
	}

	if err := child.WaitReady(ctx, baseURL+"/readyz", readyTimeout, gateway, worker); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("%w\n%s\n%s\n(all logs: %s)", err, gateway.LogTail(), worker.LogTail(), logDir)
	}
	printBanner(os.Stdout, banner{
		gatewayURL: baseURL, uiURL: stack.Temporal.UIURL(), temporal: stack.Temporal.HostPort(),
		databaseURL: redacted(stack.DatabaseURL), adminKey: adminKey, keySource: keySource, secretSource: secretSource,
		dataDir: dataDir, logDir: logDir,
	})

	select {
	case <-ctx.Done():
		fmt.Println()
		return nil
	case <-worker.Done():
		return worker.UnexpectedExit()
	case <-gateway.Done():
		return gateway.UnexpectedExit()
	}
}

type banner struct {
	gatewayURL, uiURL, temporal, databaseURL, adminKey, keySource, secretSource, dataDir, logDir string
}

func printBanner(w io.Writer, b banner) {
	fmt.Fprintf(w, `
  Leadflow is up.

  Gateway      %s   (GET /readyz, /healthz, /metrics; API under /v1)
  Temporal UI  %s
  Temporal     %s   (namespace default)
  Postgres     %s
  Admin key    %s
               (%s)
  Webhooks     signed with X-Leadflow-Signature (secret %s)
  Data dir     %s
  Logs         %s   (gateway.log, worker.log, temporal.log, postgres.log)

  Try it:
    curl -s -H "Authorization: Bearer %s" %s/v1/teams
    curl -s -X POST -H "Authorization: Bearer %s" -H "Content-Type: application/json" \
      %s/v1/conversations/demo-1/messages \
      -d '{"message_id":"m1","channel":"web","role":"customer","text":"Hi, I am Sara (sara@acme.io), we need a demo for 40 agents"}'

  Press Ctrl-C to stop everything.

`, b.gatewayURL, b.uiURL, b.temporal, b.databaseURL, b.adminKey, b.keySource, b.secretSource, b.dataDir, b.logDir,
		b.adminKey, b.gatewayURL, b.adminKey, b.gatewayURL)
}

// redacted hides the password of a user-supplied DATABASE_URL.
func redacted(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "(DATABASE_URL)"
	}
	return u.Redacted()
}

// localURL turns the gateway's listen address into a URL to reach it from this machine.
func localURL(httpAddr string) (string, error) {
	host, port, err := net.SplitHostPort(httpAddr)
	if err != nil {
		return "", fmt.Errorf("LEADFLOW_HTTP_ADDR=%q: %w", httpAddr, err)
	}
	if port == "0" || port == "" {
		return "", fmt.Errorf("LEADFLOW_HTTP_ADDR=%q: the local stack needs a fixed port", httpAddr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// checkPortsFree fails early, and clearly, when a port we were told to use is taken (typically by
// another `make dev`), instead of deep inside a service's log.
func checkPortsFree(cfg config.Config) error {
	type want struct {
		addr, variable string
	}
	wants := []want{{cfg.HTTPAddr, "LEADFLOW_HTTP_ADDR"}}
	if cfg.TemporalPort != 0 {
		wants = append(wants, want{"127.0.0.1:" + strconv.Itoa(cfg.TemporalPort), "LEADFLOW_TEMPORAL_PORT"})
	}
	if cfg.TemporalUIPort != 0 {
		wants = append(wants, want{"127.0.0.1:" + strconv.Itoa(cfg.TemporalUIPort), "LEADFLOW_TEMPORAL_UI_PORT"})
	}
	if cfg.PostgresPort != 0 && cfg.DatabaseURL == "" {
		wants = append(wants, want{"127.0.0.1:" + strconv.Itoa(cfg.PostgresPort), "LEADFLOW_PG_PORT"})
	}
	for _, w := range wants {
		if !addrFree(w.addr) {
			return fmt.Errorf("%s is already in use (another `make dev`?); choose another with %s", w.addr, w.variable)
		}
	}
	return nil
}

// addrFree reports whether addr could be listened on a moment ago.
func addrFree(addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// loadOrCreateAdminKey returns the key stored in path, first creating one (0600) if there is none.
func loadOrCreateAdminKey(path string) (string, error) {
	return loadOrCreateSecret(path, "admin key", "lf_") // the shape of the gateway's own keys
}

// loadOrCreateWebhookSecret returns the webhook secret stored in path, first creating one (0600,
// 32 random bytes) if there is none. Developers read the file to check X-Leadflow-Signature.
func loadOrCreateWebhookSecret(path string) (string, error) {
	secret, err := loadOrCreateSecret(path, "webhook secret", "whsec_")
	if err != nil {
		return "", err
	}
	if len(secret) < notify.MinSecretLen {
		return "", fmt.Errorf("the webhook secret in %s is shorter than %d bytes: delete the file for a new one, or set LEADFLOW_WEBHOOK_SECRET", path, notify.MinSecretLen)
	}
	return secret, nil
}

// loadOrCreateSecret returns the secret stored in path, first creating one (prefix and 32 random
// bytes, 0600) if there is none or the file is empty.
func loadOrCreateSecret(path, what, prefix string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", what, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate %s: %w", what, err)
	}
	secret := prefix + base64.RawURLEncoding.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("store %s: %w", what, err)
	}
	if err := os.Chmod(path, 0o600); err != nil { // an empty file may have existed with other bits
		return "", fmt.Errorf("store %s: %w", what, err)
	}
	return secret, nil
}

// rememberedPort returns the port stored in path if it is free now, else 0 (pick a free one).
func rememberedPort(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	port, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || port <= 0 || port > 65535 || !addrFree("127.0.0.1:"+strconv.Itoa(port)) {
		return 0
	}
	return port
}

func savePort(path string, port int) error {
	if err := os.WriteFile(path, []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
		return fmt.Errorf("remember postgres port: %w", err)
	}
	return nil
}

// lockDataDir takes an exclusive lock on the data dir for as long as this process lives, so that a
// second stack on the same data dir fails at once with a clear message.
func lockDataDir(dataDir string) (unlock func(), err error) {
	path := filepath.Join(dataDir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644) // close-on-exec: children do not hold it
	if err != nil {
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is in use by another `make dev`; stop it or set LEADFLOW_DATA_DIR", dataDir)
		}
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	return func() { _ = f.Close() }, nil
}
