package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/leadflow/leadflow/internal/app"
	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/temporalx"
	"github.com/leadflow/leadflow/internal/testenv"
	"github.com/leadflow/leadflow/workflows"
)

// The package's tests share one Postgres, one Temporal dev server, one database, one worker and one
// gateway: the worker listens on the one task queue, so two databases would race for workflows.
var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Run(m, true, &env)) }

const adminKey = "lf_test_admin_key_0123456789"

type system struct {
	url      string
	store    *store.Store
	temporal client.Client
}

var (
	sysOnce sync.Once
	sys     *system
	sysErr  error
)

// stack returns the package's running system, starting it on first use.
func stack(t *testing.T) *system {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Postgres and Temporal")
	}
	sysOnce.Do(func() { sys, sysErr = startSystem(t) })
	if sysErr != nil {
		t.Fatal(sysErr)
	}
	return sys
}

func startSystem(t *testing.T) (*system, error) {
	ctx := context.Background()
	st, err := store.Open(ctx, env.DatabaseURL(t))
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := st.UpsertKey(ctx, store.APIKey{KeyID: bootstrapKeyID, Name: "test admin", Scopes: allScopes}, adminKey); err != nil {
		return nil, err
	}
	tc, err := temporalx.Dial(ctx, temporalx.Options{HostPort: env.TemporalHostPort(), Namespace: "default"})
	if err != nil {
		return nil, err
	}
	acts, err := app.NewActivities(st, config.Config{})
	if err != nil {
		return nil, err
	}
	w := app.NewWorker(tc, acts)
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	// Conversations are closed explicitly in these tests; the quiet period is the workflow tests' job.
	settings := workflows.DefaultSettings()
	settings.QuietPeriod = time.Hour
	router := NewRouter(Deps{Store: st, Temporal: tc, Settings: settings, RateLimit: 10000,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(router)
	// The worker and server live as long as the test binary; testenv stops the services at exit.
	return &system{url: srv.URL, store: st, temporal: tc}, nil
}

// do sends a request (a string body is sent as is, anything else as JSON) and returns the status
// and the raw answer. contentType "" means application/json when there is a body.
func (s *system) do(t *testing.T, method, path, key string, body any, contentType string) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if contentType == "" && body != nil {
		contentType = "application/json"
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// call is do for the healthy system: any 5xx fails the test, and a JSON answer is decoded into out
// (when non-nil).
func (s *system) call(t *testing.T, method, path, key string, body any, out any) int {
	t.Helper()
	code, raw := s.do(t, method, path, key, body, "")
	if code >= 500 {
		t.Errorf("%s %s answered %d: %s", method, path, code, raw)
	}
	decode(t, raw, out)
	return code
}

func decode(t *testing.T, raw []byte, out any) {
	t.Helper()
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("decode %q: %v", raw, err)
		}
	}
}

// uniqueID makes conversation ids unique per test run: tests share one Temporal server.
func uniqueID(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}
