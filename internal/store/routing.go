package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/routing"
)

// Assign routes a lead under a policy (routing.Decide) and records the decision, in one
// transaction that holds the row locks of every team the lead can reach. Capacity and rotation
// credit only change under those locks, so parallel assignments never exceed a capacity and never
// skip or repeat a turn. A lead that already has an assignment gets it back unchanged.
func (s *Store) Assign(ctx context.Context, p *policy.Policy, req routing.Request) (d routing.Decision, err error) {
	// The same lead routed twice at once (an activity retried while its first attempt still runs)
	// makes the later transaction's INSERT conflict; retrying finds the winner's assignment and
	// returns it, as for any retry.
	for range 3 {
		err = s.inTx(ctx, func(tx *sqlx.Tx) error {
			d, err = s.assign(ctx, tx, p, req)
			return err
		})
		if !errors.Is(err, ErrConflict) {
			break
		}
	}
	if err != nil {
		return routing.Decision{}, fmt.Errorf("assign lead: %w", err)
	}
	return d, nil
}

func (s *Store) assign(ctx context.Context, tx *sqlx.Tx, p *policy.Policy, req routing.Request) (routing.Decision, error) {
	if a, err := assignmentOf(ctx, tx, req.LeadID); err == nil {
		return routing.Decision{Assignment: &a}, nil
	} else if !errors.Is(err, ErrNotFound) {
		return routing.Decision{}, err
	}
	snap, err := s.snapshot(ctx, tx, p, req, true)
	if err != nil {
		return routing.Decision{}, err
	}
	now := nowMicro()
	d := routing.Decide(p, snap, req, now)
	if d.Assignment == nil {
		return d, nil
	}
	a := d.Assignment
	a.AssignedAt = now
	if _, err := tx.ExecContext(ctx, `INSERT INTO lead_assignments (lead_id, team_id, rep_id, rule, skipped, assigned_at, rotation, charge, policy_version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		req.LeadID, a.TeamID, a.RepID, a.Rule, jsonCol[[]lead.SkippedRep]{a.Skipped}, a.AssignedAt,
		jsonCol[*lead.Rotation]{a.Rotation}, chargeOf(a, snap.Reps), a.PolicyVersion); err != nil {
		return routing.Decision{}, mapErr(err) // a concurrent retry of the same lead conflicts here and retries
	}
	if err := writeCredits(ctx, tx, d.Credits); err != nil {
		return routing.Decision{}, err
	}
	return d, s.audit(ctx, tx, "workflow", "lead.assigned", "lead", req.LeadID,
		map[string]any{"team_id": a.TeamID, "rep_id": a.RepID, "rule": a.Rule, "policy_version": a.PolicyVersion})
}

// PreviewRoute is where a lead would go now and why, without assigning anything or moving the
// rotation: the routing preview and the policy replay.
func (s *Store) PreviewRoute(ctx context.Context, p *policy.Policy, req routing.Request) (routing.Decision, error) {
	snap, err := s.snapshot(ctx, s.db, p, req, false)
	if err != nil {
		return routing.Decision{}, fmt.Errorf("preview route: %w", err)
	}
	now := nowMicro()
	d := routing.Decide(p, snap, req, now)
	d.Credits = nil
	if d.Assignment != nil {
		d.Assignment.AssignedAt = now // when it would have been assigned
	}
	return d, nil
}

// Roster is every team and rep as routing sees them, for simulations over many leads.
func (s *Store) Roster(ctx context.Context) (routing.Snapshot, error) {
	var snap routing.Snapshot
	if err := s.db.SelectContext(ctx, &snap.Teams, `SELECT `+teamColumns+` FROM teams ORDER BY team_id`); err != nil {
		return snap, fmt.Errorf("roster: %w", mapErr(err))
	}
	if err := s.db.SelectContext(ctx, &snap.Reps, `SELECT `+repColumns+` FROM reps r ORDER BY r.rep_id`); err != nil {
		return snap, fmt.Errorf("roster: %w", mapErr(err))
	}
	return snap, nil
}

// snapshot loads what Decide looks at. With lock, the rows of every team the lead can reach are
// locked first, in id order so that two decisions never wait on each other in a cycle.
func (s *Store) snapshot(ctx context.Context, q sqlx.ExtContext, p *policy.Policy, req routing.Request, lock bool) (routing.Snapshot, error) {
	var snap routing.Snapshot
	if err := sqlx.SelectContext(ctx, q, &snap.Teams, `SELECT `+teamColumns+` FROM teams ORDER BY team_id`); err != nil {
		return snap, mapErr(err)
	}
	var ownerTeam string
	if p.Routing.Has(policy.RuleExistingOwner) && req.ContactID != "" {
		var owner struct {
			RepID  string `db:"rep_id"`
			TeamID string `db:"team_id"`
		}
		err := sqlx.GetContext(ctx, q, &owner, `
			SELECT a.rep_id, r.team_id FROM lead_assignments a
			JOIN leads l ON l.lead_id = a.lead_id JOIN reps r ON r.rep_id = a.rep_id
			WHERE l.contact_id = $1 AND a.lead_id <> $2
			ORDER BY a.assigned_at DESC LIMIT 1`, req.ContactID, req.LeadID)
		if err != nil && !errors.Is(mapErr(err), ErrNotFound) {
			return snap, mapErr(err)
		}
		snap.Owner, ownerTeam = owner.RepID, owner.TeamID
	}
	teams := pq.StringArray(routing.Reachable(snap.Teams, req, ownerTeam))
	if lock {
		if _, err := q.ExecContext(ctx, `SELECT 1 FROM teams WHERE team_id = ANY ($1) ORDER BY team_id FOR UPDATE`, teams); err != nil {
			return snap, mapErr(err)
		}
	}
	if err := sqlx.SelectContext(ctx, q, &snap.Reps, `SELECT `+repColumns+` FROM reps r WHERE r.team_id = ANY ($1) ORDER BY r.rep_id`, teams); err != nil {
		return snap, mapErr(err)
	}
	return snap, nil
}

func writeCredits(ctx context.Context, tx *sqlx.Tx, credits map[string]int64) error {
	if len(credits) == 0 {
		return nil
	}
	ids, values := make(pq.StringArray, 0, len(credits)), make(pq.Int64Array, 0, len(credits))
	for id, c := range credits {
		ids, values = append(ids, id), append(values, c)
	}
	_, err := tx.ExecContext(ctx, `UPDATE reps SET rotation_credit = v.credit
		FROM unnest($1::text[], $2::bigint[]) AS v (rep_id, credit) WHERE reps.rep_id = v.rep_id`, ids, values)
	return mapErr(err)
}

// chargeOf is the credit a rep gave back for a lead in the rotation (0 outside it): what they are
// credited back if the lead is taken from them.
func chargeOf(a *lead.Assignment, reps []routing.Rep) int64 {
	if a.Rotation == nil {
		return 0
	}
	w := int64(1)
	for _, r := range reps {
		if r.RepID == a.RepID {
			w = int64(max(r.Weight, 1))
		}
	}
	return a.Rotation.Before[a.RepID] - a.Rotation.After[a.RepID] + w
}

// ErrLeadClosed is a lead that is no longer open (won, lost, unqualified): it keeps its rep.
var ErrLeadClosed = errors.New("the lead is closed")

// Reassign takes an open lead from its rep and routes it again under the policy, passing that rep
// over, in one transaction: the rep is credited back the lead's cost in the rotation, and the
// assignment, the lead and its pending tasks name the new rep. When nobody else can take the lead
// nothing changes and the decision says why. ErrNotFound when the lead has no assignment.
//
// fromRep, when set, makes a retry safe: a lead no longer held by fromRep was already taken from
// them (by this call's earlier attempt, or by anyone), and its current assignment is returned as
// it is.
func (s *Store) Reassign(ctx context.Context, p *policy.Policy, leadID, fromRep, reason string) (d routing.Decision, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		var cur struct {
			RepID     string         `db:"rep_id"`
			TeamID    string         `db:"team_id"`
			Charge    int64          `db:"charge"`
			Released  bool           `db:"released"`
			ContactID string         `db:"contact_id"`
			Language  sql.NullString `db:"language"`
			Country   sql.NullString `db:"country"`
			Tier      string         `db:"tier"`
			Products  pq.StringArray `db:"products"`
		}
		if err := tx.GetContext(ctx, &cur, `
			SELECT a.rep_id, a.team_id, a.charge, a.released_at IS NOT NULL AS released, l.contact_id, l.language, l.country, l.tier,
			       ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(l.fields->'product_interest'->'value') = 'array'
			                                              THEN l.fields->'product_interest'->'value' ELSE '[]' END)) AS products
			FROM lead_assignments a JOIN leads l ON l.lead_id = a.lead_id
			WHERE a.lead_id = $1 FOR UPDATE OF a`, leadID); err != nil {
			return mapErr(err)
		}
		if cur.Released {
			return ErrLeadClosed
		}
		if fromRep != "" && cur.RepID != fromRep {
			var row assignmentRow
			if err := tx.GetContext(ctx, &row, `SELECT `+assignmentColumns+` FROM lead_assignments WHERE lead_id = $1`, leadID); err != nil {
				return mapErr(err)
			}
			a := row.assignment()
			d = routing.Decision{Assignment: &a}
			return nil
		}
		req := routing.Request{LeadID: leadID, ContactID: cur.ContactID, Language: cur.Language.String, Country: cur.Country.String,
			Products: cur.Products, Tier: lead.Tier(cur.Tier),
			From: &routing.Reassignment{RepID: cur.RepID, TeamID: cur.TeamID, Charge: cur.Charge}}
		snap, err := s.snapshot(ctx, tx, p, req, true)
		if err != nil {
			return err
		}
		now := nowMicro()
		d = routing.Decide(p, snap, req, now)
		a := d.Assignment
		if a == nil {
			return nil
		}
		a.AssignedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE lead_assignments SET team_id = $2, rep_id = $3, rule = $4, skipped = $5, assigned_at = $6,
			rotation = $7, charge = $8, policy_version = $9, reassigned_from = $10 WHERE lead_id = $1`,
			leadID, a.TeamID, a.RepID, a.Rule, jsonCol[[]lead.SkippedRep]{a.Skipped}, a.AssignedAt,
			jsonCol[*lead.Rotation]{a.Rotation}, chargeOf(a, snap.Reps), a.PolicyVersion, a.ReassignedFrom); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET team_id = $2, rep_id = $3, updated_at = now() WHERE lead_id = $1`, leadID, a.TeamID, a.RepID); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET rep_id = $2, updated_at = now() WHERE lead_id = $1 AND status = $3`,
			leadID, a.RepID, lead.FollowupPending); err != nil {
			return mapErr(err)
		}
		if err := writeCredits(ctx, tx, d.Credits); err != nil {
			return err
		}
		return s.audit(ctx, tx, "workflow", "lead.reassigned", "lead", leadID,
			map[string]any{"from": cur.RepID, "to": a.RepID, "team_id": a.TeamID, "rule": a.Rule, "reason": reason})
	})
	if err != nil {
		return routing.Decision{}, fmt.Errorf("reassign lead: %w", err)
	}
	return d, nil
}

// nowMicro is the current time at Postgres' precision (microseconds), so the assignment returned by
// the call that made it equals the one read back on a retry and in the lead document.
func nowMicro() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// assignmentRow is a lead_assignments row as the lead document shows it.
type assignmentRow struct {
	LeadID        string                     `db:"lead_id"`
	TeamID        string                     `db:"team_id"`
	RepID         string                     `db:"rep_id"`
	Rule          string                     `db:"rule"`
	Skipped       jsonCol[[]lead.SkippedRep] `db:"skipped"`
	AssignedAt    time.Time                  `db:"assigned_at"`
	Rotation      jsonCol[*lead.Rotation]    `db:"rotation"`
	PolicyVersion *string                    `db:"policy_version"`
	From          *string                    `db:"reassigned_from"`
}

const assignmentColumns = `lead_id, team_id, rep_id, rule, skipped, assigned_at, rotation, policy_version, reassigned_from`

func (r assignmentRow) assignment() lead.Assignment {
	a := lead.Assignment{RepID: r.RepID, TeamID: r.TeamID, Rule: r.Rule, Skipped: nonNilSlice(r.Skipped.V),
		AssignedAt: r.AssignedAt.UTC(), Rotation: r.Rotation.V}
	if r.PolicyVersion != nil {
		a.PolicyVersion = *r.PolicyVersion
	}
	if r.From != nil {
		a.ReassignedFrom = *r.From
	}
	return a
}

func assignmentOf(ctx context.Context, q sqlx.QueryerContext, leadID string) (lead.Assignment, error) {
	var row assignmentRow
	if err := sqlx.GetContext(ctx, q, &row, `SELECT `+assignmentColumns+` FROM lead_assignments WHERE lead_id = $1`, leadID); err != nil {
		return lead.Assignment{}, mapErr(err)
	}
	return row.assignment(), nil
}

// RoutedLead is a lead as the policy replay needs it: what it was scored and routed on, and what
// was decided.
type RoutedLead struct {
	LeadID       string                     `db:"lead_id"`
	ContactID    string                     `db:"contact_id"`
	CreatedAt    time.Time                  `db:"created_at"`
	Fields       jsonCol[lead.Fields]       `db:"fields"`
	ScoreContext jsonCol[lead.ScoreContext] `db:"score_context"`
	Language     sql.NullString             `db:"language"`
	Country      sql.NullString             `db:"country"`
	Score        int                        `db:"score"`
	Tier         string                     `db:"tier"`
	TeamID       sql.NullString             `db:"team_id"`
	RepID        sql.NullString             `db:"rep_id"`
	Rule         sql.NullString             `db:"rule"`
	Open         bool                       `db:"open"` // the assignment still counts against the rep's capacity
}

// LeadsSince lists the leads created since a time, oldest first, with their scores and assignments.
func (s *Store) LeadsSince(ctx context.Context, since time.Time) ([]RoutedLead, error) {
	var out []RoutedLead
	if err := s.db.SelectContext(ctx, &out, `
		SELECT l.lead_id, l.contact_id, l.created_at, l.fields, l.score_context, l.language, l.country, l.score, l.tier,
		       a.team_id, a.rep_id, a.rule, (a.lead_id IS NOT NULL AND a.released_at IS NULL) AS open
		FROM leads l LEFT JOIN lead_assignments a ON a.lead_id = l.lead_id
		WHERE l.created_at >= $1 ORDER BY l.created_at, l.lead_id`, since); err != nil {
		return nil, fmt.Errorf("leads since: %w", mapErr(err))
	}
	return out, nil
}

// OwnersBefore maps each contact to the rep of its latest lead assigned before a time: the existing
// owners the replayed leads start from.
func (s *Store) OwnersBefore(ctx context.Context, before time.Time) (map[string]string, error) {
	var rows []struct {
		ContactID string `db:"contact_id"`
		RepID     string `db:"rep_id"`
	}
	if err := s.db.SelectContext(ctx, &rows, `
		SELECT DISTINCT ON (l.contact_id) l.contact_id, a.rep_id
		FROM leads l JOIN lead_assignments a ON a.lead_id = l.lead_id
		WHERE l.created_at < $1 ORDER BY l.contact_id, a.assigned_at DESC`, before); err != nil {
		return nil, fmt.Errorf("owners: %w", mapErr(err))
	}
	owners := make(map[string]string, len(rows))
	for _, r := range rows {
		owners[r.ContactID] = r.RepID
	}
	return owners, nil
}
