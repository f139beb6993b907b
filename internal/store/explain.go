package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadflow/leadflow/internal/identity"
)

// ExplainMatch shows how Postgres runs the two reads of MatchContact for req: the
// EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) text of the candidates query and of the query that loads
// the candidates' profiles, the very SQL (candidatesSQL, profilesSQL) with the arguments
// MatchContact would pass. The profiles query is explained only when there are candidates, as
// MatchContact runs it only then. Everything runs in a transaction that is rolled back; no
// advisory lock is taken and nothing is written. For the benchmark and for operators (bench/match,
// docs/matching-at-scale.md).
func (s *Store) ExplainMatch(ctx context.Context, req MatchRequest) (string, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("explain match: %w", mapErr(err))
	}
	defer func() { _ = tx.Rollback() }()

	probe := identity.ProfileOf(req.person())
	args := candidatesArgs(probe)
	var b strings.Builder
	b.WriteString("-- candidates\n")
	if err := explainInto(ctx, tx, &b, candidatesSQL, args...); err != nil {
		return "", fmt.Errorf("explain match: candidates: %w", err)
	}
	var ids []string
	if err := tx.SelectContext(ctx, &ids, candidatesSQL, args...); err != nil {
		return "", fmt.Errorf("explain match: candidates: %w", mapErr(err))
	}
	if len(ids) == 0 {
		b.WriteString("-- profiles: not run (no candidates)\n")
		return b.String(), nil
	}
	fmt.Fprintf(&b, "-- profiles of %d candidates\n", len(ids))
	if err := explainInto(ctx, tx, &b, profilesSQL, pq.Array(ids)); err != nil {
		return "", fmt.Errorf("explain match: profiles: %w", err)
	}
	return b.String(), nil
}

// explainInto appends the plan of query, run with args, one line per plan line.
func explainInto(ctx context.Context, tx *sqlx.Tx, b *strings.Builder, query string, args ...any) error {
	var lines []string
	if err := tx.SelectContext(ctx, &lines, `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) `+query, args...); err != nil {
		return mapErr(err)
	}
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return nil
}
