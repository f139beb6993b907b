package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/lib/pq"
)

// Statements kept prepared, per connection.
//
// lib/pq sends every statement unnamed, so Postgres parses, analyses and plans it again on every
// call: in `make bench` planning alone was about a fifth of Postgres's time per lead
// (docs/performance.md). Each connection here keeps the statements it runs again and again as named
// prepared statements. Postgres then parses each once per connection, and plans it once too where
// the generic plan is as good as a custom one (plan_cache_mode=auto: custom plans for the first five
// runs, then the generic plan unless it is estimated dearer, so a query whose best plan depends on
// its arguments keeps being planned for them).
//
//   - Only statements with arguments are kept; the others go by the simple protocol, one round trip
//     with nothing to bind.
//   - A statement is prepared on its second run on a connection, so SQL that runs once costs no
//     extra round trip; a connection keeps at most maxPreparedStatements, dropping the least
//     recently used.
//   - A statement that Postgres no longer accepts as prepared (a migration changed its result
//     columns, or a pooler lost the session's statements) is dropped when it fails, so the
//     retry prepares it again.
//   - `statement_cache=off` in the database URL sends everything unnamed again, for a pooler in
//     transaction mode that cannot keep a session's prepared statements.

// maxPreparedStatements bounds the statements one connection keeps prepared. The store runs fewer
// than a hundred different statements.
const maxPreparedStatements = 256

// maxSeenOnce bounds the statements remembered as run once; the memory is forgotten when full.
const maxSeenOnce = 1024

// stmtCacheParam is the database URL's parameter that turns the cache off; Open removes it
// before lib/pq, which would send it to Postgres as a setting, sees the URL.
const stmtCacheParam = "statement_cache"

// preparingConnector opens lib/pq connections that keep their statements prepared.
type preparingConnector struct{ base driver.Connector }

func (c preparingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := conn.(pqConn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("statement cache: %T is not the lib/pq connection it wraps", conn)
	}
	return &preparingConn{pqConn: pc, prepared: map[string]*list.Element{}, recent: list.New(),
		seenOnce: map[string]struct{}{}}, nil
}

func (c preparingConnector) Driver() driver.Driver { return c.base.Driver() }

// pqConn is what database/sql uses of a lib/pq connection; preparingConn passes all of it through
// but QueryContext and ExecContext.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.NamedValueChecker
	driver.SessionResetter
	driver.Validator
}

// pqStmt is what preparingConn uses of a lib/pq prepared statement.
type pqStmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

// preparedStmt is one statement a connection keeps prepared.
type preparedStmt struct {
	query string
	stmt  pqStmt
}

// preparingConn is a lib/pq connection that keeps the statements it runs again as prepared
// statements. database/sql uses a connection from one goroutine at a time, so it needs no lock.
type preparingConn struct {
	pqConn
	prepared map[string]*list.Element // of *preparedStmt, by SQL text
	recent   *list.List               // the prepared statements, most recently used first
	seenOnce map[string]struct{}      // statements run once, unnamed
}

func (c *preparingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, err := c.statement(ctx, query, args)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return c.pqConn.QueryContext(ctx, query, args)
	}
	rows, err := st.stmt.QueryContext(ctx, args)
	c.dropIfStale(query, err)
	return rows, err
}

func (c *preparingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, err := c.statement(ctx, query, args)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return c.pqConn.ExecContext(ctx, query, args)
	}
	res, err := st.stmt.ExecContext(ctx, args)
	c.dropIfStale(query, err)
	return res, err
}

// statement is query's prepared statement on this connection, prepared now if query runs for the
// second time; nil when query is to go unnamed.
func (c *preparingConn) statement(ctx context.Context, query string, args []driver.NamedValue) (*preparedStmt, error) {
	if len(args) == 0 {
		return nil, nil
	}
	if e, ok := c.prepared[query]; ok {
		c.recent.MoveToFront(e)
		return e.Value.(*preparedStmt), nil
	}
	if _, again := c.seenOnce[query]; !again {
		if len(c.seenOnce) >= maxSeenOnce {
			clear(c.seenOnce)
		}
		c.seenOnce[query] = struct{}{}
		return nil, nil
	}
	s, err := c.pqConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := s.(pqStmt)
	if !ok {
		_ = s.Close()
		return nil, fmt.Errorf("statement cache: %T cannot run with a context", s)
	}
	delete(c.seenOnce, query)
	ps := &preparedStmt{query: query, stmt: st}
	c.prepared[query] = c.recent.PushFront(ps)
	if c.recent.Len() > maxPreparedStatements {
		if err := c.forget(c.recent.Back()); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// forget drops a prepared statement and deallocates it in Postgres. An error means the
// connection can no longer be trusted; lib/pq has marked it bad, and database/sql discards it.
func (c *preparingConn) forget(e *list.Element) error {
	ps := c.recent.Remove(e).(*preparedStmt)
	delete(c.prepared, ps.query)
	return ps.stmt.Close()
}

// dropIfStale forgets query's statement when err says Postgres refused it as prepared: it no longer
// exists, or its plan would now return other columns. Deallocating it is left to the session's
// end: the connection may be inside a failed transaction. Any other error (a constraint, a
// cancelled context) is the statement's answer and keeps it.
func (c *preparingConn) dropIfStale(query string, err error) {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return
	}
	switch pqErr.Code {
	case "26000", // invalid_sql_statement_name: the statement is gone
		"0A000": // feature_not_supported: "cached plan must not change result type"
	default:
		return
	}
	if e, ok := c.prepared[query]; ok {
		c.recent.Remove(e)
		delete(c.prepared, query)
	}
}
