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
)

// FollowupTaskID is the task row of a lead's follow-up step.
func FollowupTaskID(leadID, stepID string) string { return leadID + ":" + stepID }

// SaveFollowups writes the state of a lead's follow-up steps as the workflow holds it: the
// workflow owns the schedule, the table shows it (Lead.followups). Idempotent: the same steps
// written twice leave one row each. Pending steps name the rep who owes them.
func (s *Store) SaveFollowups(ctx context.Context, leadID, repID string, steps []lead.Followup, sla *lead.SLA) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := saveFollowups(ctx, tx, leadID, repID, steps); err != nil {
			return err
		}
		if sla == nil {
			return nil
		}
		return saveSLA(ctx, tx, leadID, *sla)
	})
	if err != nil {
		return fmt.Errorf("save follow-ups: %w", err)
	}
	return nil
}

// saveFollowups upserts the steps' task rows.
func saveFollowups(ctx context.Context, tx sqlx.ExecerContext, leadID, repID string, steps []lead.Followup) error {
	if len(steps) == 0 {
		return nil
	}
	n := len(steps)
	ids, kinds, statuses, seqs, chans, reasons := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	due := make([]time.Time, n)
	for i, st := range steps {
		ids[i], kinds[i], statuses[i] = FollowupTaskID(leadID, st.ID), string(st.Kind), string(st.Status)
		seqs[i], chans[i], reasons[i], due[i] = st.Sequence, st.Channel, st.Reason, st.DueAt
	}
	{
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO tasks (task_id, lead_id, rep_id, kind, due_at, status, sequence, channel, reason)
			SELECT t.id, $1, NULLIF($2, ''), t.kind, t.due, t.status, NULLIF(t.seq, ''), NULLIF(t.chan, ''), NULLIF(t.reason, '')
			FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[])
			     AS t (id, kind, due, status, seq, chan, reason)
			ON CONFLICT (task_id) DO UPDATE SET kind = EXCLUDED.kind, due_at = EXCLUDED.due_at, status = EXCLUDED.status,
			    sequence = EXCLUDED.sequence, channel = EXCLUDED.channel, reason = EXCLUDED.reason,
			    rep_id = CASE WHEN EXCLUDED.status = 'pending' THEN COALESCE(EXCLUDED.rep_id, tasks.rep_id) ELSE tasks.rep_id END,
			    updated_at = now()
			WHERE (tasks.kind, tasks.due_at, tasks.status, tasks.sequence, tasks.channel, tasks.reason, tasks.rep_id)
			      IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.due_at, EXCLUDED.status, EXCLUDED.sequence, EXCLUDED.channel, EXCLUDED.reason,
			                        CASE WHEN EXCLUDED.status = 'pending' THEN COALESCE(EXCLUDED.rep_id, tasks.rep_id) ELSE tasks.rep_id END)`,
			leadID, repID, pq.Array(ids), pq.Array(kinds), pq.Array(due), pq.Array(statuses), pq.Array(seqs), pq.Array(chans), pq.Array(reasons)); err != nil {
			return mapErr(err)
		}
		return nil
	}
}

// familySQL is the contacts that are one person with the lead $1's contact: its survivor and
// everything merged into it, at any depth.
const familySQL = `WITH RECURSIVE chain (contact_id, merged_into, depth) AS (
	    SELECT c.contact_id, c.merged_into, 0 FROM contacts c JOIN leads l ON l.contact_id = c.contact_id WHERE l.lead_id = $1
	    UNION ALL
	    SELECT c.contact_id, c.merged_into, chain.depth + 1 FROM contacts c JOIN chain ON c.contact_id = chain.merged_into
	    WHERE chain.depth < 100),
	family (contact_id, depth) AS (
	    SELECT contact_id, 0 FROM chain WHERE merged_into IS NULL
	    UNION ALL
	    SELECT c.contact_id, family.depth + 1 FROM contacts c JOIN family ON c.merged_into = family.contact_id
	    WHERE family.depth < 100)`

// OptOut records that the person behind a lead asked for no more messages: on their contact and on
// the contact that holds it after merges, so every later lead of the person is silent too. The
// first opt-out's time stands.
func (s *Store) OptOut(ctx context.Context, leadID string, at time.Time) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, familySQL+`
			UPDATE contacts SET opted_out_at = COALESCE(opted_out_at, $2), updated_at = now()
			WHERE contact_id IN (SELECT contact_id FROM chain)`, leadID, at)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.audit(ctx, tx, "customer", "contact.opted_out", "lead", leadID, nil)
	})
	if err != nil {
		return fmt.Errorf("opt out: %w", err)
	}
	return nil
}

// OptedOut reports whether the person behind a lead, under any of their merged contacts, opted out.
func (s *Store) OptedOut(ctx context.Context, leadID string) (bool, error) {
	var out bool
	if err := s.db.GetContext(ctx, &out, familySQL+`
		SELECT EXISTS (SELECT 1 FROM contacts WHERE contact_id IN (SELECT contact_id FROM family) AND opted_out_at IS NOT NULL)`,
		leadID); err != nil {
		return false, fmt.Errorf("opted out: %w", mapErr(err))
	}
	return out, nil
}

// CustomerMessage is one message to a customer, by its idempotency key.
type CustomerMessage struct {
	Key       string
	LeadID    string
	ContactID string
	Channel   lead.Channel
	Template  string
	Mode      string // free_form or template
}

// ErrBudgetSpent is a customer message over the lead's message budget.
var ErrBudgetSpent = errors.New("the lead's message budget is spent")

// ClaimCustomerMessage reserves a message to a customer under the lead's budget, once per key. It
// answers sent when the key was already delivered (a retry after success: send nothing), and
// ErrBudgetSpent when the lead's other messages already used the budget. A claimed but unsent
// message is claimed again by a retry, on the channel it was first claimed on.
func (s *Store) ClaimCustomerMessage(ctx context.Context, m CustomerMessage, budget int) (claimed CustomerMessage, sent bool, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		// One claim at a time per lead, so two steps cannot both take the last message of the budget.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM leads WHERE lead_id = $1 FOR UPDATE`, m.LeadID); err != nil {
			return mapErr(err)
		}
		var row struct {
			Channel string       `db:"channel"`
			Mode    string       `db:"mode"`
			SentAt  sql.NullTime `db:"sent_at"`
		}
		err := tx.GetContext(ctx, &row, `SELECT channel, mode, sent_at FROM customer_messages WHERE message_key = $1`, m.Key)
		if err == nil {
			claimed = m
			claimed.Channel, claimed.Mode, sent = lead.Channel(row.Channel), row.Mode, row.SentAt.Valid
			return nil
		}
		if !errors.Is(mapErr(err), ErrNotFound) {
			return mapErr(err)
		}
		var used int
		if err := tx.GetContext(ctx, &used, `SELECT count(*) FROM customer_messages WHERE lead_id = $1`, m.LeadID); err != nil {
			return mapErr(err)
		}
		if used >= budget {
			return ErrBudgetSpent
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_messages (message_key, lead_id, contact_id, channel, template, mode)
			VALUES ($1, $2, $3, $4, $5, $6)`, m.Key, m.LeadID, m.ContactID, m.Channel, m.Template, m.Mode); err != nil {
			return mapErr(err)
		}
		claimed = m
		return s.audit(ctx, tx, "workflow", "customer_message.claimed", "lead", m.LeadID,
			map[string]any{"key": m.Key, "channel": m.Channel, "template": m.Template, "mode": m.Mode})
	})
	if err != nil {
		return CustomerMessage{}, false, fmt.Errorf("claim customer message: %w", err)
	}
	return claimed, sent, nil
}

// MarkCustomerMessageSent records that the channel took the message.
func (s *Store) MarkCustomerMessageSent(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE customer_messages SET sent_at = now() WHERE message_key = $1 AND sent_at IS NULL`, key); err != nil {
		return fmt.Errorf("mark customer message sent: %w", mapErr(err))
	}
	return nil
}

// CustomerMessages lists a lead's messages to the customer as "channel:template", oldest first
// (tests and support).
func (s *Store) CustomerMessages(ctx context.Context, leadID string) ([]string, error) {
	out := []string{}
	if err := s.db.SelectContext(ctx, &out, `SELECT channel || ':' || template FROM customer_messages
		WHERE lead_id = $1 AND sent_at IS NOT NULL ORDER BY sent_at, message_key`, leadID); err != nil {
		return nil, fmt.Errorf("customer messages: %w", mapErr(err))
	}
	return out, nil
}

// OnCallRep is the team's active on-call rep who is not out of office ("" when there is none):
// the one a hot lead's missed first touch pages.
func (s *Store) OnCallRep(ctx context.Context, teamID string) (string, error) {
	var id string
	err := s.db.GetContext(ctx, &id, `SELECT rep_id FROM reps WHERE team_id = $1 AND on_call AND active
		AND (out_of_office_until IS NULL OR out_of_office_until <= now()) ORDER BY rep_id LIMIT 1`, teamID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("on-call rep: %w", mapErr(err))
	}
	return id, nil
}

// RuleOnCallAcknowledged is the rule of an assignment taken over by the on-call rep who answered a
// page for the lead.
const RuleOnCallAcknowledged = "on_call_acknowledged"

// TakeOver moves an open lead from fromRep to toRep, who answered a page for it, with its pending
// tasks. Idempotent: a lead toRep already holds is left as it is. The on-call rep stands outside the
// rotation, as with hot_on_call, so no credit moves. ErrLeadClosed for a closed lead; ErrNotFound
// when the lead has no assignment or is held by someone other than fromRep and toRep.
func (s *Store) TakeOver(ctx context.Context, leadID, fromRep, toRep string) (lead.Assignment, error) {
	var out lead.Assignment
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var row assignmentRow
		var released bool
		if err := tx.QueryRowxContext(ctx, `SELECT `+assignmentColumns+`, released_at IS NOT NULL AS released
			FROM lead_assignments WHERE lead_id = $1 FOR UPDATE`, leadID).Scan(
			&row.LeadID, &row.TeamID, &row.RepID, &row.Rule, &row.Skipped, &row.AssignedAt, &row.Rotation, &row.PolicyVersion, &row.From, &released); err != nil {
			return mapErr(err)
		}
		switch {
		case released:
			return ErrLeadClosed
		case row.RepID == toRep:
			out = row.assignment()
			return nil
		case row.RepID != fromRep:
			return fmt.Errorf("lead %s is held by another rep: %w", leadID, ErrNotFound)
		}
		now := nowMicro()
		if _, err := tx.ExecContext(ctx, `UPDATE lead_assignments SET rep_id = $2, rule = $3, skipped = '[]', assigned_at = $4,
			rotation = NULL, charge = 0, reassigned_from = $5 WHERE lead_id = $1`, leadID, toRep, RuleOnCallAcknowledged, now, fromRep); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET rep_id = $2, updated_at = now() WHERE lead_id = $1`, leadID, toRep); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET rep_id = $2, updated_at = now() WHERE lead_id = $1 AND status = $3`,
			leadID, toRep, lead.FollowupPending); err != nil {
			return mapErr(err)
		}
		out = lead.Assignment{RepID: toRep, TeamID: row.TeamID, Rule: RuleOnCallAcknowledged, Skipped: []lead.SkippedRep{},
			AssignedAt: now, ReassignedFrom: fromRep}
		return s.audit(ctx, tx, "rep:"+toRep, "lead.taken_over", "lead", leadID, map[string]any{"from": fromRep, "to": toRep})
	})
	if err != nil {
		return lead.Assignment{}, fmt.Errorf("take over lead: %w", err)
	}
	return out, nil
}

// saveSLA replaces a lead's SLA document with the workflow's. ErrNotFound for an unknown lead.
func saveSLA(ctx context.Context, ex sqlx.ExecerContext, leadID string, sla lead.SLA) error {
	sla.Escalations = nonNilSlice(sla.Escalations)
	res, err := ex.ExecContext(ctx, `UPDATE leads SET sla = $2, updated_at = now() WHERE lead_id = $1`, leadID, jsonCol[lead.SLA]{sla})
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("lead %s: %w", leadID, ErrNotFound)
	}
	return nil
}
