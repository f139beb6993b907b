// Package store is Leadflow's Postgres: the built-in CRM (contacts, leads, tasks, transcripts,
// outcomes, audit), the sales org (teams, reps, rotation) and API keys. Every write that an activity
// makes is idempotent, keyed by ids the workflow owns, so at-least-once execution never duplicates.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	neturl "net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Errors callers branch on; everything else is an internal error.
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict")
	ErrUnavailable = errors.New("database unavailable")
)

// Store is the Postgres repository. It is safe for concurrent use.
type Store struct {
	db *sqlx.DB
}

// Open connects to Postgres and checks the connection.
func Open(ctx context.Context, url string) (*Store, error) {
	dsn, prepare := statementCache(oneRoundTrip(url))
	var connector driver.Connector
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if prepare {
		connector = preparingConnector{base: connector}
	}
	db := sqlx.NewDb(sql.OpenDB(connector), "postgres")
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("ping postgres: %w", mapErr(err))
	}
	return &Store{db: db}, nil
}

// OpenMigrated is Open followed by Migrate: what every process and tool that uses the store does
// first.
func OpenMigrated(ctx context.Context, url string) (*Store, error) {
	st, err := Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	return st, nil
}

// oneRoundTrip asks lib/pq to send a statement with parameters in one round trip instead of two
// (parse, then bind and execute): binary_parameters=yes, unless the URL already says otherwise.
// It sends []byte parameters in binary, which only the bytea key hashes use; JSON goes as text.
// A third of the pipeline's round trips went this way (docs/performance.md).
func oneRoundTrip(dsn string) string {
	if strings.Contains(dsn, "binary_parameters") {
		return dsn
	}
	if u, err := neturl.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn + " binary_parameters=yes") // key=value form
}

// statementCache takes the statement_cache parameter out of the database URL (either form) and
// says whether connections keep their statements prepared: yes unless it is "off".
func statementCache(dsn string) (rest string, prepare bool) {
	if u, err := neturl.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		prepare = q.Get(stmtCacheParam) != "off"
		q.Del(stmtCacheParam)
		u.RawQuery = q.Encode()
		return u.String(), prepare
	}
	if !strings.Contains(dsn, stmtCacheParam+"=") {
		return dsn, true
	}
	prepare = true
	var kept []string
	for _, kv := range strings.Fields(dsn) { // key=value form; the parameter's value has no spaces
		if v, ok := strings.CutPrefix(kv, stmtCacheParam+"="); ok {
			prepare = strings.Trim(v, "'") != "off"
			continue
		}
		kept = append(kept, kv)
	}
	return strings.Join(kept, " "), prepare
}

// Close releases the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping reports whether Postgres answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error { return mapErr(s.db.PingContext(ctx)) }

// DB exposes the pool to tests in other packages that need to look underneath.
func (s *Store) DB() *sqlx.DB { return s.db }

// migrationLock is the advisory lock key that serialises concurrent migrators (gateway and worker
// start together).
const migrationLock = 0x1eadf10

// Migrate applies the embedded migrations that have not been applied yet, in order, each in its
// own transaction.
func (s *Store) Migrate(ctx context.Context) error {
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("migrate lock: %w", mapErr(err))
	}
	// The lock is also released when the session ends, so a failed unlock only delays the next migrator.
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	var applied []int
	if err := conn.SelectContext(ctx, &applied, `SELECT version FROM schema_migrations`); err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	done := map[int]bool{}
	for _, v := range applied {
		done[v] = true
	}
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		if done[f.version] {
			continue
		}
		body, err := fs.ReadFile(migrations, "migrations/"+f.name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		tx, err := conn.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate: %w", mapErr(err))
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %s: %w", f.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, f.version, f.name); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %s: %w", f.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", f.name, err)
		}
	}
	return nil
}

type migrationFile struct {
	version int
	name    string
}

// migrationFiles lists the embedded migrations by their numeric prefix ("0001_init.sql").
func migrationFiles() ([]migrationFile, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var files []migrationFile
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %q: name must start with a number and an underscore", e.Name())
		}
		files = append(files, migrationFile{version: v, name: e.Name()})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].version < files[j].version })
	return files, nil
}

// inTx runs fn in a transaction: committed when fn returns nil, rolled back otherwise.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			return
		}
		err = mapErr(tx.Commit())
	}()
	return fn(tx)
}

// mapErr turns driver errors into the store's errors, once, so callers never look at pq codes.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch {
		case pqErr.Code == "23505": // unique_violation
			return fmt.Errorf("%w: %w", ErrConflict, err)
		case pqErr.Code == "23503": // foreign_key_violation: the record referred to does not exist
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		case pqErr.Code.Class() == "08", pqErr.Code.Class() == "57", pqErr.Code.Class() == "53": // connection, shutdown, resources
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, pq.ErrSSLNotSupported) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "bad connection") {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
