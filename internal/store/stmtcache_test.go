package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/store"
)

// onOneConn runs f on one connection of st's pool, where prepared statements live.
func onOneConn(t *testing.T, st *store.Store, f func(ctx context.Context, conn *sqlx.Conn)) {
	t.Helper()
	ctx := t.Context()
	conn, err := st.DB().Connx(ctx)
	require.NoError(t, err)
	defer conn.Close()
	f(ctx, conn)
}

// preparedOn is what the connection holds prepared of query: how many statements, and how often
// Postgres used a generic plan (planned once) and a custom plan (planned for the call) for them.
func preparedOn(t *testing.T, ctx context.Context, conn *sqlx.Conn, query string) (n, generic, custom int) {
	t.Helper()
	require.NoError(t, conn.QueryRowxContext(ctx, `SELECT count(*), coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)
		FROM pg_prepared_statements WHERE statement = $1`, query).Scan(&n, &generic, &custom))
	return n, generic, custom
}

func TestStatementsRunAgainArePreparedOnce(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "emea"})
	const query = `SELECT name FROM teams WHERE team_id = $1`
	onOneConn(t, st, func(_ context.Context, conn *sqlx.Conn) {
		var name string
		require.NoError(t, conn.GetContext(ctx, &name, query, "emea"))
		n, _, _ := preparedOn(t, ctx, conn, query)
		assert.Zero(t, n, "a statement run once goes unnamed")

		for range 10 {
			require.NoError(t, conn.GetContext(ctx, &name, query, "emea"))
		}
		n, generic, custom := preparedOn(t, ctx, conn, query)
		assert.Equal(t, 1, n, "prepared on its second run, and only once")
		assert.Equal(t, 10, generic+custom, "every later run used the prepared statement")
		assert.Positive(t, generic, "Postgres settled on the generic plan: planned once, not per call")

		// Statements without arguments go by the simple protocol and are never prepared.
		for range 3 {
			require.NoError(t, conn.GetContext(ctx, &name, `SELECT name FROM teams ORDER BY team_id LIMIT 1`))
		}
		n, _, _ = preparedOn(t, ctx, conn, `SELECT name FROM teams ORDER BY team_id LIMIT 1`)
		assert.Zero(t, n)
	})
}

func TestPreparedStatementErrorsAreTheStatements(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "emea"})
	const insert = `INSERT INTO teams (team_id, name) VALUES ($1, $2)`
	onOneConn(t, st, func(_ context.Context, conn *sqlx.Conn) {
		for i := range 3 {
			_, err := conn.ExecContext(ctx, insert, "emea", "again")
			var pqErr *pq.Error
			require.ErrorAs(t, err, &pqErr, "run %d", i)
			assert.EqualValues(t, "23505", pqErr.Code, "the unique violation reaches the caller")
		}
		n, _, _ := preparedOn(t, ctx, conn, insert)
		assert.Equal(t, 1, n, "a statement's own error does not drop it")

		// In a transaction: the failure aborts it, the rollback ends it, the statement still serves.
		tx, err := conn.BeginTxx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, insert, "emea", "again")
		require.Error(t, err)
		require.NoError(t, tx.Rollback())
		_, err = conn.ExecContext(ctx, insert, "apac", "APAC")
		require.NoError(t, err)
	})
	assert.Equal(t, 2, count(t, st, `SELECT count(*) FROM teams`))
}

func TestPreparedStatementOutlivesAMigration(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "emea", Name: "EMEA"})
	const query = `SELECT * FROM teams WHERE team_id = $1`
	onOneConn(t, st, func(_ context.Context, conn *sqlx.Conn) {
		read := func() error {
			rows, err := conn.QueryxContext(ctx, query, "emea")
			if err != nil {
				return err
			}
			defer rows.Close()
			require.True(t, rows.Next())
			return rows.Err()
		}
		for range 3 {
			require.NoError(t, read())
		}
		// Another process's migration changes the columns the prepared statement returns.
		_, err := st.DB().ExecContext(ctx, `ALTER TABLE teams ADD COLUMN motto text`)
		require.NoError(t, err)

		err = read()
		var pqErr *pq.Error
		require.ErrorAs(t, err, &pqErr, "Postgres refuses the stale statement once")
		assert.EqualValues(t, "0A000", pqErr.Code)
		require.NoError(t, read(), "the retry prepares it again")
		require.NoError(t, read())
	})
}

func TestPreparedStatementsPerConnectionAreBounded(t *testing.T) {
	ctx, st := newStore(t)
	onOneConn(t, st, func(_ context.Context, conn *sqlx.Conn) {
		for i := range store.MaxPreparedStatements + 20 {
			query := fmt.Sprintf(`SELECT $1::int + %d`, i)
			for range 2 {
				var v int
				require.NoError(t, conn.GetContext(ctx, &v, query, 1))
				require.Equal(t, 1+i, v)
			}
		}
		var n int
		require.NoError(t, conn.GetContext(ctx, &n, `SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int + %'`))
		assert.Equal(t, store.MaxPreparedStatements, n, "the least recently used were deallocated")
	})
}

func TestStatementCacheOff(t *testing.T) {
	ctx := t.Context()
	st, err := store.Open(ctx, env.DatabaseURL(t)+"&statement_cache=off") // the URL has its sslmode already
	require.NoError(t, err)
	defer st.Close()
	const query = `SELECT $1::int`
	onOneConn(t, st, func(_ context.Context, conn *sqlx.Conn) {
		for range 5 {
			var v int
			require.NoError(t, conn.GetContext(ctx, &v, query, 7))
		}
		n, _, _ := preparedOn(t, ctx, conn, query)
		assert.Zero(t, n)
	})
}

func TestStatementCacheParameter(t *testing.T) {
	tests := []struct {
		in, rest string
		prepare  bool
	}{
		{"postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?sslmode=disable", true},
		{"postgres://u@h/db?statement_cache=off&sslmode=disable", "postgres://u@h/db?sslmode=disable", false},
		{"postgres://u@h/db?statement_cache=on", "postgres://u@h/db", true},
		{"host=h dbname=db sslmode=disable", "host=h dbname=db sslmode=disable", true},
		{"host=h statement_cache=off dbname=db", "host=h dbname=db", false},
		{"host=h statement_cache='off'", "host=h", false},
	}
	for _, tt := range tests {
		rest, prepare := store.StatementCache(tt.in)
		assert.Equal(t, tt.rest, rest, tt.in)
		assert.Equal(t, tt.prepare, prepare, tt.in)
	}
}
