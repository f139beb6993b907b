package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"go.temporal.io/sdk/client"

	"github.com/leadflow/leadflow/internal/app"
	"github.com/leadflow/leadflow/internal/child"
	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/fakellm"
	"github.com/leadflow/leadflow/internal/temporalx"
)

// system is one Leadflow brought up for the run, and the handles the bench measures it through.
type system struct {
	stack    *app.Stack
	llm      *fakellm.Server
	webhooks *webhookSink
	worker   *child.Process
	gateway  *child.Process
	baseURL  string
	key      string // an ingest key, as the chatbot gateway has
	adminKey string
	http     *http.Client
	temporal client.Client
	db       *sqlx.DB // the bench's own connection, for stats and for seeing leads arrive
	dbProxy  *dbProxy // between the worker and gateway and Postgres, counting round trips (last phase)
	dataDir  string
	keep     bool
	debug    map[string]string // pprof address of the worker and the gateway, when profiling
	binDir   string
	logDir   string
	env      []string // the worker's and gateway's environment
}

// durablePostgres: the throw-away cluster of the tests skips fsync; the benchmark pays for durable
// commits as production does, and counts statements with pg_stat_statements.
var durablePostgres = map[string]string{
	"fsync":                    "on",
	"full_page_writes":         "on",
	"synchronous_commit":       "on",
	"shared_preload_libraries": "pg_stat_statements",
	"pg_stat_statements.track": "all",
	// Planning is timed too, so that the report shows what parsing and planning each statement
	// afresh costs next to running it.
	"pg_stat_statements.track_planning": "on",
}

func startSystem(ctx context.Context, p params) (_ *system, err error) {
	binDir, err := child.FindBinDir()
	if err != nil {
		return nil, err
	}
	s := &system{keep: p.Keep}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.stop())
		}
	}()
	if s.dataDir, err = filepath.Abs(filepath.Join(p.OutDir, "run")); err != nil {
		return nil, err
	}
	_ = os.RemoveAll(s.dataDir)
	logDir := filepath.Join(s.dataDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	if s.stack, err = app.StartStack(ctx, app.StackOptions{Headless: true, LogDir: logDir, PostgresSettings: durablePostgres}); err != nil {
		return nil, err
	}
	if s.db, err = sqlx.Open("postgres", s.stack.DatabaseURL); err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return nil, fmt.Errorf("pg_stat_statements: %w", err)
	}
	if s.llm, err = fakellm.Start(fakellm.Options{Latency: p.LLMLatency}); err != nil {
		return nil, err
	}
	if s.webhooks, err = startWebhookSink(); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s.baseURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	s.adminKey = "lf_bench_admin_" + randomHex(16)
	s.debug = map[string]string{}
	if p.Profile {
		for _, name := range []string{"worker", "gateway"} {
			dp, err := freePort()
			if err != nil {
				return nil, err
			}
			s.debug[name] = fmt.Sprintf("127.0.0.1:%d", dp)
		}
	}
	s.binDir, s.logDir = binDir, logDir
	s.env = child.Env(os.Environ(), map[string]string{
		"DATABASE_URL":       s.stack.DatabaseURL,
		"TEMPORAL_ADDRESS":   s.stack.Temporal.HostPort(),
		"TEMPORAL_NAMESPACE": s.stack.Temporal.Namespace(),
		"LEADFLOW_ADMIN_KEY": s.adminKey,
		"LEADFLOW_HTTP_ADDR": fmt.Sprintf("127.0.0.1:%d", port),
		// The reps' webhooks are signed, as in production.
		"LEADFLOW_WEBHOOK_SECRET": randomHex(32),
		// The per-key limit protects a shared gateway from one noisy chatbot; the benchmark is that
		// one chatbot on purpose, so its key is allowed the whole rate. The limiter still runs.
		"LEADFLOW_RATE_LIMIT": "100000",
		"LLM_BASE_URL":        "", // the rules path unless -llm
	})
	if p.LLM {
		s.env = child.Env(s.env, map[string]string{"LLM_BASE_URL": s.llm.BaseURL(), "LLM_MODEL": fakellm.Model, "LLM_API_KEY": "bench"})
	}
	if err := s.startApp(s.env); err != nil {
		return nil, err
	}
	s.http = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}}
	if err := s.waitReady(ctx); err != nil {
		return nil, err
	}
	// The baseline is started and served through the client settings the worker and gateway use.
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	if s.temporal, err = temporalx.Dial(ctx, temporalx.Options{HostPort: s.stack.Temporal.HostPort(), Namespace: s.stack.Temporal.Namespace(), Gzip: cfg.TemporalGzip}); err != nil {
		return nil, err
	}
	if err := s.seedRoster(ctx); err != nil {
		return nil, fmt.Errorf("seed teams and reps: %w", err)
	}
	var created struct {
		Key string `json:"key"`
	}
	if err := s.call(ctx, http.MethodPost, "/v1/api-keys", s.adminKey, map[string]any{"name": "bench chatbot", "scopes": []string{"ingest"}}, http.StatusCreated, &created); err != nil {
		return nil, fmt.Errorf("create ingest key: %w", err)
	}
	s.key = created.Key
	return s, nil
}

// startApp starts the worker and the gateway with env.
func (s *system) startApp(env []string) (err error) {
	if s.worker, err = child.Start("worker", filepath.Join(s.binDir, "worker"), child.Env(env, map[string]string{"LEADFLOW_DEBUG_ADDR": s.debug["worker"]}), filepath.Join(s.logDir, "worker.log")); err != nil {
		return err
	}
	s.gateway, err = child.Start("gateway", filepath.Join(s.binDir, "gateway"), child.Env(env, map[string]string{"LEADFLOW_DEBUG_ADDR": s.debug["gateway"]}), filepath.Join(s.logDir, "gateway.log"))
	return err
}

// probeRoundTrips counts the database round trips of conversations run one at a time, with the
// worker and the gateway restarted behind a counting proxy, after the warm-up conversations. It runs
// last, on its own: the proxy costs CPU, which the measured phases must not pay.
func (s *system) probeRoundTrips(ctx context.Context, warmup, convs []conversation) (float64, error) {
	proxy, proxied, err := startDBProxy(s.stack.DatabaseURL)
	if err != nil {
		return 0, err
	}
	s.dbProxy = proxy
	if err := child.StopAll(15*time.Second, s.gateway, s.worker); err != nil {
		return 0, err
	}
	if err := s.startApp(child.Env(s.env, map[string]string{"DATABASE_URL": proxied})); err != nil {
		return 0, err
	}
	if err := s.waitReady(ctx); err != nil {
		return 0, err
	}
	// A run's last lead's notification follows its write by a moment.
	run := func(convs []conversation) error {
		if _, err := s.runLight(ctx, convs); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
			return nil
		}
	}
	if err := run(warmup); err != nil {
		return 0, err
	}
	before := proxy.roundTrips.Load()
	if err := run(convs); err != nil {
		return 0, err
	}
	return round(float64(proxy.roundTrips.Load()-before)/float64(len(convs)), 1), nil
}

func (s *system) waitReady(ctx context.Context) error {
	if err := child.WaitReady(ctx, s.baseURL+"/readyz", time.Minute, s.worker, s.gateway); err != nil {
		return fmt.Errorf("%w\n%s\n%s", err, s.gateway.LogTail(), s.worker.LogTail())
	}
	return nil
}

// seedRoster gives every language a desk with reps whose capacity the run cannot exhaust (a full
// desk would leave leads waiting for a rep, which measures the roster, not the system), each rep
// with a webhook, so every lead also notifies over HTTP.
func (s *system) seedRoster(ctx context.Context) error {
	hook := s.webhooks.url
	for _, desk := range desks {
		team := map[string]any{"name": desk.name, "languages": desk.languages, "priority": desk.priority,
			"manager_rep_id": desk.id + "-1"}
		if err := s.call(ctx, http.MethodPut, "/v1/teams/"+desk.id, s.adminKey, team, http.StatusOK, nil); err != nil {
			return err
		}
		for i := 1; i <= repsPerDesk; i++ {
			rep := map[string]any{"name": fmt.Sprintf("%s rep %d", desk.name, i), "team_id": desk.id,
				"languages": desk.languages, "max_open_leads": 100_000, "notify": map[string]any{"webhook_url": hook}}
			if err := s.call(ctx, http.MethodPut, fmt.Sprintf("/v1/reps/%s-%d", desk.id, i), s.adminKey, rep, http.StatusOK, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

const repsPerDesk = 3

var desks = []struct {
	id, name  string
	languages []string
	priority  int
}{
	{"fa", "Persian desk", []string{"fa"}, 10},
	{"ar", "Arabic desk", []string{"ar"}, 10},
	{"ru", "Russian desk", []string{"ru"}, 10},
	{"zh", "Chinese desk", []string{"zh"}, 10},
	{"global", "Global desk", []string{}, 0},
}

// call sends one JSON request and decodes the answer into out, failing on any other status.
func (s *system) call(ctx context.Context, method, path, key string, body any, want int, out any) error {
	_, err := s.do(ctx, method, path, key, body, want, out)
	return err
}

func (s *system) do(ctx context.Context, method, path, key string, body any, want int, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.baseURL+path, rd)
	if err != nil {
		return 0, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode != want {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(b, out)
	}
	return resp.StatusCode, nil
}

func (s *system) stop() error {
	var errs []error
	errs = append(errs, child.StopAll(15*time.Second, s.gateway, s.worker))
	if s.temporal != nil {
		s.temporal.Close()
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	if s.dbProxy != nil {
		errs = append(errs, s.dbProxy.close())
	}
	if s.llm != nil {
		errs = append(errs, s.llm.Close())
	}
	if s.webhooks != nil {
		errs = append(errs, s.webhooks.srv.Close())
	}
	if s.stack != nil {
		errs = append(errs, s.stack.Stop())
	}
	if !s.keep && s.dataDir != "" {
		errs = append(errs, os.RemoveAll(s.dataDir))
	}
	return errors.Join(errs...)
}

// webhookSink stands in for the reps' tools: it takes every notification and counts them.
type webhookSink struct {
	srv      *http.Server
	url      string
	received atomic.Int64
}

func startWebhookSink() (*webhookSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := &webhookSink{url: "http://" + ln.Addr().String() + "/hook"}
	w.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.received.Add(1)
		rw.WriteHeader(http.StatusNoContent)
	})}
	go func() { _ = w.srv.Serve(ln) }()
	return w, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// profile waits `after`, then takes CPU profiles of the worker and the gateway for `span`, into
// dir; read them with `go tool pprof -top bin/worker <dir>/worker.pprof`.
func (s *system) profile(ctx context.Context, dir string, after, span time.Duration) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		logf("profile: %v", err)
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(after):
	}
	for name, addr := range s.debug {
		go func() {
			url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(span.Seconds()))
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				logf("profile %s: %v", name, err)
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, name+".pprof"), b, 0o644)
			}
			if err != nil {
				logf("profile %s: %v", name, err)
			}
		}()
	}
}
