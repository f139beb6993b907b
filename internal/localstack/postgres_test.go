package localstack

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

func startPG(t *testing.T, opts PostgresOptions) *Postgres {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	begin := time.Now()
	pg, err := StartPostgres(ctx, opts)
	if err != nil {
		t.Fatalf("StartPostgres: %v", err)
	}
	t.Logf("postgres ready on port %d in %v (pid %d)", pg.Port(), time.Since(begin).Round(time.Millisecond), pg.PID())
	t.Cleanup(func() { _ = pg.Stop() })
	return pg
}

func openDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func assertGone(t *testing.T, what string, pid, port int) {
	t.Helper()
	if pidAlive(pid) {
		t.Errorf("%s pid %d still alive after Stop", what, pid)
	}
	if portOpen(port) {
		t.Errorf("%s port %d still open after Stop", what, port)
	}
}

func TestPostgresTemporary(t *testing.T) {
	t.Parallel()
	pg := startPG(t, PostgresOptions{})
	ctx := context.Background()

	var one int
	if err := openDB(t, pg.URL("postgres")).QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1: %v %d", err, one)
	}
	var fsync string
	if err := openDB(t, pg.URL("postgres")).QueryRowContext(ctx, "SHOW fsync").Scan(&fsync); err != nil || fsync != "off" {
		t.Errorf("fsync = %q, %v; want off for a temporary cluster", fsync, err)
	}

	for i := 0; i < 2; i++ {
		if err := pg.CreateDatabase(ctx, "leadflow_test"); err != nil {
			t.Fatalf("CreateDatabase #%d: %v", i+1, err)
		}
	}
	db := openDB(t, pg.URL("leadflow_test"))
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id int)"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	dataDir, pid := pg.DataDir(), pg.PID()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs { // concurrent, idempotent Stop
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = pg.Stop() }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
	}
	assertGone(t, "postgres", pid, pg.Port())
	if _, err := os.Stat(filepath.Dir(dataDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary directory %s not removed: %v", filepath.Dir(dataDir), err)
	}
}

func TestPostgresPersistent(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	// t.TempDir creates 0700 directories; postgres (running as the postgres
	// user when we are root) must be able to traverse them.
	for _, d := range []string{base, filepath.Dir(base)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dataDir := filepath.Join(base, "nested", "pgdata")
	ctx := context.Background()

	sysID := func(pg *Postgres) (id string) {
		t.Helper()
		if err := openDB(t, pg.URL("postgres")).QueryRowContext(ctx, "SELECT system_identifier::text FROM pg_control_system()").Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}

	pg := startPG(t, PostgresOptions{DataDir: dataDir})
	id1 := sysID(pg)
	if err := pg.CreateDatabase(ctx, "keep"); err != nil {
		t.Fatal(err)
	}
	if _, err := openDB(t, pg.URL("keep")).ExecContext(ctx, "CREATE TABLE kv (k text primary key, v text); INSERT INTO kv VALUES ('a', 'survives')"); err != nil {
		t.Fatal(err)
	}
	if err := stopTimed(t, pg.Stop); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	assertGone(t, "postgres", pg.PID(), pg.Port())
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err != nil {
		t.Fatalf("persistent data dir gone after Stop: %v", err)
	}

	pg2 := startPG(t, PostgresOptions{DataDir: dataDir})
	if id2 := sysID(pg2); id2 != id1 {
		t.Errorf("system identifier changed (%s -> %s): cluster was re-initialised", id1, id2)
	}
	var v string
	if err := openDB(t, pg2.URL("keep")).QueryRowContext(ctx, "SELECT v FROM kv WHERE k = 'a'").Scan(&v); err != nil || v != "survives" {
		t.Errorf("data did not survive restart: %q, %v", v, err)
	}
	if err := pg2.CreateDatabase(ctx, "keep"); err != nil {
		t.Errorf("CreateDatabase on existing db: %v", err)
	}
	if err := stopTimed(t, pg2.Stop); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	assertGone(t, "postgres", pg2.PID(), pg2.Port())
}

func stopTimed(t *testing.T, stop func() error) error {
	t.Helper()
	begin := time.Now()
	err := stop()
	t.Logf("stopped in %v", time.Since(begin).Round(time.Millisecond))
	return err
}

func TestPostgresSettingsOverrideTheDefaults(t *testing.T) {
	t.Parallel()
	pg := startPG(t, PostgresOptions{Settings: map[string]string{"fsync": "on", "work_mem": "7MB"}})
	db := openDB(t, pg.URL("postgres"))
	for name, want := range map[string]string{"fsync": "on", "work_mem": "7MB", "synchronous_commit": "off"} {
		var got string
		if err := db.QueryRowContext(context.Background(), "SHOW "+name).Scan(&got); err != nil || got != want {
			t.Errorf("SHOW %s = %q, %v; want %q", name, got, err, want)
		}
	}
}
