// Package testenv gives a test package one shared Postgres (and, when asked, one Temporal dev
// server) for all its tests, and each test its own freshly migrated database. DATABASE_URL, when
// set, points at an existing server to use instead of starting one.
package testenv

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the postgres driver

	"github.com/leadflow/leadflow/internal/app"
	"github.com/leadflow/leadflow/internal/store"
)

// Env is what one test binary shares.
type Env struct {
	stack *app.Stack
	dbs   atomic.Int64
}

// Run starts the environment, runs the package's tests and stops it; use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Run(m, false, &env)) }
func Run(m *testing.M, withTemporal bool, env **Env) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	stack, err := app.StartStack(ctx, app.StackOptions{DatabaseURL: os.Getenv("DATABASE_URL"), Headless: true, NoTemporal: !withTemporal})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	*env = &Env{stack: stack}
	code := m.Run()
	if err := stack.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "testenv: stop:", err)
	}
	return code
}

// TemporalHostPort is the dev server's frontend address.
func (e *Env) TemporalHostPort() string { return e.stack.Temporal.HostPort() }

// DatabaseURL creates a new empty database for the test and returns its URL. It is dropped with
// the cluster (throw-away) or left behind on an external server, named so it is easy to find.
func (e *Env) DatabaseURL(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), e.dbs.Add(1))
	admin, err := sqlx.Open("postgres", e.stack.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(e.stack.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Store opens a migrated store on a new database, closed when the test ends.
func (e *Env) Store(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenMigrated(ctx, e.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}
