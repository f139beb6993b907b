package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadflow/leadflow/internal/routing"
)

// Team, Rep and RepNotify are routing's own types: the store keeps them as they are.
type (
	Team      = routing.Team
	Rep       = routing.Rep
	RepNotify = routing.RepNotify
)

const teamColumns = `team_id, name, languages, countries, products, priority, manager_rep_id, overflow`

// PutTeam creates or replaces a team.
func (s *Store) PutTeam(ctx context.Context, t Team) (created bool, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &created, `
			INSERT INTO teams (team_id, name, languages, countries, products, priority, manager_rep_id, overflow)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (team_id) DO UPDATE SET name = EXCLUDED.name, languages = EXCLUDED.languages,
			    countries = EXCLUDED.countries, products = EXCLUDED.products, priority = EXCLUDED.priority,
			    manager_rep_id = EXCLUDED.manager_rep_id, overflow = EXCLUDED.overflow, updated_at = now()
			RETURNING (xmax = 0)`,
			t.TeamID, t.Name, nonNil(t.Languages), nonNil(t.Countries), nonNil(t.Products), t.Priority, t.ManagerRepID, t.Overflow); err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "admin", "team.put", "team", t.TeamID, nil)
	})
	if err != nil {
		return false, fmt.Errorf("put team: %w", err)
	}
	return created, nil
}

// Teams lists all teams by id.
func (s *Store) Teams(ctx context.Context) ([]Team, error) {
	teams := []Team{}
	err := s.db.SelectContext(ctx, &teams, `SELECT `+teamColumns+` FROM teams ORDER BY team_id`)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", mapErr(err))
	}
	return teams, nil
}

// PutRep creates or replaces a rep; ErrNotFound when the team does not exist.
func (s *Store) PutRep(ctx context.Context, r Rep) (created bool, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		var exists bool
		if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM teams WHERE team_id = $1)`, r.TeamID); err != nil {
			return mapErr(err)
		}
		if !exists {
			return fmt.Errorf("team %q: %w", r.TeamID, ErrNotFound)
		}
		if err := tx.GetContext(ctx, &created, `
			INSERT INTO reps (rep_id, team_id, name, email, languages, max_open_leads, weight, on_call, active, timezone, working_hours, notify)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (rep_id) DO UPDATE SET team_id = EXCLUDED.team_id, name = EXCLUDED.name, email = EXCLUDED.email,
			    languages = EXCLUDED.languages, max_open_leads = EXCLUDED.max_open_leads, weight = EXCLUDED.weight,
			    on_call = EXCLUDED.on_call, active = EXCLUDED.active, timezone = EXCLUDED.timezone,
			    working_hours = EXCLUDED.working_hours, notify = EXCLUDED.notify, updated_at = now(),
			    -- the credit is a place in one team's rotation; in another team the rep starts level
			    rotation_credit = CASE WHEN reps.team_id = EXCLUDED.team_id THEN reps.rotation_credit ELSE 0 END
			RETURNING (xmax = 0)`,
			r.RepID, r.TeamID, r.Name, r.Email, nonNil(r.Languages), r.MaxOpenLeads, max(r.Weight, 1), r.OnCall, r.Active, r.Timezone,
			r.WorkingHours, r.Notify); err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "admin", "rep.put", "rep", r.RepID, map[string]any{"team_id": r.TeamID, "active": r.Active})
	})
	if err != nil {
		return false, fmt.Errorf("put rep: %w", err)
	}
	return created, nil
}

const repColumns = `r.rep_id, r.team_id, r.name, r.email, r.languages, r.max_open_leads, r.weight, r.on_call, r.active,
	r.out_of_office_until, r.timezone, r.working_hours, r.notify, r.rotation_credit,
	(SELECT count(*) FROM lead_assignments a WHERE a.rep_id = r.rep_id AND a.released_at IS NULL) AS open_leads`

// Reps lists all reps by id, with their open-lead counts.
func (s *Store) Reps(ctx context.Context) ([]Rep, error) {
	reps := []Rep{}
	if err := s.db.SelectContext(ctx, &reps, `SELECT `+repColumns+` FROM reps r ORDER BY r.rep_id`); err != nil {
		return nil, fmt.Errorf("list reps: %w", mapErr(err))
	}
	return reps, nil
}

// RepByID returns one rep.
func (s *Store) RepByID(ctx context.Context, repID string) (Rep, error) {
	var r Rep
	if err := s.db.GetContext(ctx, &r, `SELECT `+repColumns+` FROM reps r WHERE r.rep_id = $1`, repID); err != nil {
		return Rep{}, fmt.Errorf("rep %q: %w", repID, mapErr(err))
	}
	return r, nil
}

func nonNil(a pq.StringArray) pq.StringArray {
	if a == nil {
		return pq.StringArray{}
	}
	return a
}

// Availability is what a rep changes about themselves between roster edits; nil leaves a value as it is.
type Availability struct {
	OutOfOfficeUntil *time.Time
	ClearOutOfOffice bool // back now: out_of_office_until becomes null
	OnCall           *bool
}

// SetAvailability marks a rep out of office until a time (or back) and on or off call. The rep's
// rotation credit is left alone: routing keeps it at or below zero while they are away, so their
// return brings no burst.
func (s *Store) SetAvailability(ctx context.Context, repID string, a Availability) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE reps SET
			out_of_office_until = CASE WHEN $2 THEN NULL ELSE COALESCE($3, out_of_office_until) END,
			on_call = COALESCE($4, on_call), updated_at = now()
			WHERE rep_id = $1`, repID, a.ClearOutOfOffice, a.OutOfOfficeUntil, a.OnCall)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("rep %q: %w", repID, ErrNotFound)
		}
		return s.audit(ctx, tx, "admin", "rep.availability", "rep", repID,
			map[string]any{"out_of_office_until": a.OutOfOfficeUntil, "back": a.ClearOutOfOffice, "on_call": a.OnCall})
	})
	if err != nil {
		return fmt.Errorf("set availability: %w", err)
	}
	return nil
}

// TeamByID returns one team.
func (s *Store) TeamByID(ctx context.Context, teamID string) (Team, error) {
	var t Team
	if err := s.db.GetContext(ctx, &t, `SELECT `+teamColumns+` FROM teams WHERE team_id = $1`, teamID); err != nil {
		return Team{}, fmt.Errorf("team %q: %w", teamID, mapErr(err))
	}
	return t, nil
}
