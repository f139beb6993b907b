package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadflow/leadflow/internal/lead"
)

// Routing rules recorded in Lead.assignment.rule.
const (
	RuleTeamRoundRobin     = "team_round_robin"
	RuleOverflowRoundRobin = "overflow_round_robin"
)

// Reasons a rep was skipped.
const (
	SkipInactive   = "inactive"
	SkipAtCapacity = "at_capacity"
)

// RouteRequest is what routing looks at.
type RouteRequest struct {
	LeadID   string
	Language string // ISO 639-1, may be empty
	Country  string // ISO 3166-1 alpha-2, may be empty
	Products []string
}

// Assign routes a lead: the matching teams in order (priority, then the most specific match), and
// within a team round-robin among active reps under max_open_leads; a team with nobody free
// overflows to the next. One transaction per decision, holding the team's row lock, so parallel
// assignments never exceed a capacity and never skip or repeat a turn. A lead that already has an
// assignment gets it back unchanged. ok is false when no rep can take the lead now.
func (s *Store) Assign(ctx context.Context, req RouteRequest) (a lead.Assignment, ok bool, err error) {
	// The same lead routed twice at once (an activity retried while its first attempt still runs)
	// makes the later transaction's INSERT conflict; retrying finds the winner's assignment and
	// returns it, as for any retry. Without the loop the caller got an ErrConflict instead.
	for range 3 {
		err = s.inTx(ctx, func(tx *sqlx.Tx) error {
			a, ok, err = s.assign(ctx, tx, req)
			return err
		})
		if !errors.Is(err, ErrConflict) {
			break
		}
	}
	if err != nil {
		return lead.Assignment{}, false, fmt.Errorf("assign lead: %w", err)
	}
	return a, ok, nil
}

func (s *Store) assign(ctx context.Context, tx *sqlx.Tx, req RouteRequest) (lead.Assignment, bool, error) {
	if a, err := assignmentOf(ctx, tx, req.LeadID); err == nil {
		return a, true, nil
	} else if !errors.Is(err, ErrNotFound) {
		return lead.Assignment{}, false, err
	}

	var teams []string
	if err := tx.SelectContext(ctx, &teams, `
		SELECT team_id FROM teams
		WHERE (cardinality(languages) = 0 OR $1 = ANY (languages))
		  AND (cardinality(countries) = 0 OR $2 = ANY (countries))
		  AND (cardinality(products) = 0 OR products && $3)
		ORDER BY priority DESC,
		         (cardinality(languages) > 0)::int + (cardinality(countries) > 0)::int + (cardinality(products) > 0)::int DESC,
		         team_id`, req.Language, req.Country, pq.StringArray(nonNil(req.Products))); err != nil {
		return lead.Assignment{}, false, mapErr(err)
	}

	skipped := []lead.SkippedRep{}
	for i, teamID := range teams {
		var last *string
		if err := tx.GetContext(ctx, &last, `SELECT last_rep_id FROM teams WHERE team_id = $1 FOR UPDATE`, teamID); err != nil {
			return lead.Assignment{}, false, mapErr(err)
		}
		// Byte order (COLLATE "C"), because nextInRotation compares rep ids in Go: under a database
		// collation such as en_US ("rep-a" < "Rep-B") the cursor search broke and the rotation stuck
		// on one rep forever.
		var reps []Rep
		if err := tx.SelectContext(ctx, &reps, `SELECT `+repColumns+` FROM reps r WHERE r.team_id = $1 ORDER BY r.rep_id COLLATE "C"`, teamID); err != nil {
			return lead.Assignment{}, false, mapErr(err)
		}
		chosen, passed := nextInRotation(reps, last)
		skipped = append(skipped, passed...)
		if chosen == "" {
			continue
		}
		rule := RuleTeamRoundRobin
		if i > 0 {
			rule = RuleOverflowRoundRobin
		}
		a := lead.Assignment{RepID: chosen, TeamID: teamID, Rule: rule, Skipped: skipped, AssignedAt: nowMicro()}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lead_assignments (lead_id, team_id, rep_id, rule, skipped, assigned_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			req.LeadID, a.TeamID, a.RepID, a.Rule, jsonCol[[]lead.SkippedRep]{a.Skipped}, a.AssignedAt); err != nil {
			return lead.Assignment{}, false, mapErr(err) // a concurrent retry of the same lead conflicts here and retries
		}
		if _, err := tx.ExecContext(ctx, `UPDATE teams SET last_rep_id = $2 WHERE team_id = $1`, teamID, chosen); err != nil {
			return lead.Assignment{}, false, mapErr(err)
		}
		return a, true, s.audit(ctx, tx, "workflow", "lead.assigned", "lead", req.LeadID,
			map[string]any{"team_id": a.TeamID, "rep_id": a.RepID, "rule": a.Rule})
	}
	return lead.Assignment{}, false, nil
}

// nextInRotation picks the first eligible rep after last in rep-id order, wrapping around, and
// says why each rep before it was passed over. Reps who joined or left the team do not reset the
// rotation: the cursor is a rep id, not a position.
func nextInRotation(reps []Rep, last *string) (string, []lead.SkippedRep) {
	start := 0
	if last != nil {
		start = sort.Search(len(reps), func(i int) bool { return reps[i].RepID > *last })
		if start == len(reps) {
			start = 0
		}
	}
	var skipped []lead.SkippedRep
	for n := range reps {
		r := reps[(start+n)%len(reps)]
		switch {
		case !r.Active:
			skipped = append(skipped, lead.SkippedRep{RepID: r.RepID, Reason: SkipInactive})
		case r.OpenLeads >= r.MaxOpenLeads:
			skipped = append(skipped, lead.SkippedRep{RepID: r.RepID, Reason: SkipAtCapacity})
		default:
			return r.RepID, skipped
		}
	}
	return "", skipped
}

// nowMicro is the current time at Postgres' precision (microseconds), so the assignment returned by
// the call that made it equals the one read back on a retry and in the lead document.
func nowMicro() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func assignmentOf(ctx context.Context, q sqlx.QueryerContext, leadID string) (lead.Assignment, error) {
	var row struct {
		TeamID     string                     `db:"team_id"`
		RepID      string                     `db:"rep_id"`
		Rule       string                     `db:"rule"`
		Skipped    jsonCol[[]lead.SkippedRep] `db:"skipped"`
		AssignedAt time.Time                  `db:"assigned_at"`
	}
	if err := sqlx.GetContext(ctx, q, &row, `SELECT team_id, rep_id, rule, skipped, assigned_at FROM lead_assignments WHERE lead_id = $1`, leadID); err != nil {
		return lead.Assignment{}, mapErr(err)
	}
	skipped := row.Skipped.V
	if skipped == nil {
		skipped = []lead.SkippedRep{}
	}
	return lead.Assignment{RepID: row.RepID, TeamID: row.TeamID, Rule: row.Rule, Skipped: skipped, AssignedAt: row.AssignedAt.UTC()}, nil
}
