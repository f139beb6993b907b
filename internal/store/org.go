package store

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Team is a sales desk and what it covers; empty lists mean "any".
type Team struct {
	TeamID       string         `db:"team_id" json:"team_id"`
	Name         string         `db:"name" json:"name"`
	Languages    pq.StringArray `db:"languages" json:"languages"`
	Countries    pq.StringArray `db:"countries" json:"countries"`
	Products     pq.StringArray `db:"products" json:"products"`
	Priority     int            `db:"priority" json:"priority"`
	ManagerRepID *string        `db:"manager_rep_id" json:"manager_rep_id"`
}

// RepNotify says how a rep wants to hear about new leads.
type RepNotify struct {
	WebhookURL *string `json:"webhook_url"`
}

// Rep is a sales rep and what they can take.
type Rep struct {
	RepID        string                       `db:"rep_id" json:"rep_id"`
	TeamID       string                       `db:"team_id" json:"team_id"`
	Name         string                       `db:"name" json:"name"`
	Email        *string                      `db:"email" json:"email"`
	Languages    pq.StringArray               `db:"languages" json:"languages"`
	MaxOpenLeads int                          `db:"max_open_leads" json:"max_open_leads"`
	OnCall       bool                         `db:"on_call" json:"on_call"`
	Active       bool                         `db:"active" json:"active"`
	Timezone     string                       `db:"timezone" json:"timezone"`
	WorkingHours jsonCol[map[string][]string] `db:"working_hours" json:"-"`
	Notify       jsonCol[RepNotify]           `db:"notify" json:"-"`
	OpenLeads    int                          `db:"open_leads" json:"open_leads"`
}

// PutTeam creates or replaces a team.
func (s *Store) PutTeam(ctx context.Context, t Team) (created bool, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &created, `
			INSERT INTO teams (team_id, name, languages, countries, products, priority, manager_rep_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (team_id) DO UPDATE SET name = EXCLUDED.name, languages = EXCLUDED.languages,
			    countries = EXCLUDED.countries, products = EXCLUDED.products, priority = EXCLUDED.priority,
			    manager_rep_id = EXCLUDED.manager_rep_id, updated_at = now()
			RETURNING (xmax = 0)`,
			t.TeamID, t.Name, nonNil(t.Languages), nonNil(t.Countries), nonNil(t.Products), t.Priority, t.ManagerRepID); err != nil {
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
	err := s.db.SelectContext(ctx, &teams, `SELECT team_id, name, languages, countries, products, priority, manager_rep_id FROM teams ORDER BY team_id`)
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
			INSERT INTO reps (rep_id, team_id, name, email, languages, max_open_leads, on_call, active, timezone, working_hours, notify)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (rep_id) DO UPDATE SET team_id = EXCLUDED.team_id, name = EXCLUDED.name, email = EXCLUDED.email,
			    languages = EXCLUDED.languages, max_open_leads = EXCLUDED.max_open_leads, on_call = EXCLUDED.on_call,
			    active = EXCLUDED.active, timezone = EXCLUDED.timezone, working_hours = EXCLUDED.working_hours,
			    notify = EXCLUDED.notify, updated_at = now()
			RETURNING (xmax = 0)`,
			r.RepID, r.TeamID, r.Name, r.Email, nonNil(r.Languages), r.MaxOpenLeads, r.OnCall, r.Active, r.Timezone,
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

const repColumns = `r.rep_id, r.team_id, r.name, r.email, r.languages, r.max_open_leads, r.on_call, r.active, r.timezone,
	r.working_hours, r.notify,
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

// TeamByID returns one team.
func (s *Store) TeamByID(ctx context.Context, teamID string) (Team, error) {
	var t Team
	if err := s.db.GetContext(ctx, &t, `SELECT team_id, name, languages, countries, products, priority, manager_rep_id FROM teams WHERE team_id = $1`, teamID); err != nil {
		return Team{}, fmt.Errorf("team %q: %w", teamID, mapErr(err))
	}
	return t, nil
}
