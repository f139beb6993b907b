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

// CRMIDs is Leadflow's external-id map in Postgres (crm_ids): which record of an external CRM
// each Leadflow key became. It is the crmadapters.IDs the worker's adapters use.
type CRMIDs struct{ s *Store }

// CRMIDs returns the external-id map.
func (s *Store) CRMIDs() CRMIDs { return CRMIDs{s} }

// Claim marks key as about to be created, in one statement: it returns the id already
// remembered, or whether an earlier attempt claimed the key without learning an id.
func (m CRMIDs) Claim(ctx context.Context, crm, kind, key string) (id string, claimedBefore bool, err error) {
	var row struct {
		ExternalID sql.NullString `db:"external_id"`
		Inserted   bool           `db:"inserted"`
	}
	err = m.s.db.GetContext(ctx, &row, `
		WITH claimed AS (INSERT INTO crm_ids (crm, kind, key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING true)
		SELECT NULL::text AS external_id, true AS inserted FROM claimed
		UNION ALL
		SELECT external_id, false FROM crm_ids WHERE crm = $1 AND kind = $2 AND key = $3 AND NOT EXISTS (SELECT 1 FROM claimed)`,
		crm, kind, key)
	if errors.Is(err, sql.ErrNoRows) {
		// Another attempt's claim is not committed yet: it is creating the record now. Retryable.
		return "", false, errors.New("claim crm id: another attempt holds the claim")
	}
	if err != nil {
		return "", false, fmt.Errorf("claim crm id: %w", mapErr(err))
	}
	return row.ExternalID.String, !row.Inserted, nil
}

// Remember records the CRM's id for key.
func (m CRMIDs) Remember(ctx context.Context, crm, kind, key, id string) error {
	_, err := m.s.db.ExecContext(ctx, `INSERT INTO crm_ids (crm, kind, key, external_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (crm, kind, key) DO UPDATE SET external_id = EXCLUDED.external_id, updated_at = now()
		WHERE crm_ids.external_id IS DISTINCT FROM EXCLUDED.external_id`, crm, kind, key, id)
	if err != nil {
		return fmt.Errorf("remember crm id: %w", mapErr(err))
	}
	return nil
}

// Lookup finds the CRM id remembered for key; "" when none is.
func (m CRMIDs) Lookup(ctx context.Context, crm, kind, key string) (string, error) {
	var id sql.NullString
	err := m.s.db.GetContext(ctx, &id, `SELECT external_id FROM crm_ids WHERE crm = $1 AND kind = $2 AND key = $3`, crm, kind, key)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("look up crm id: %w", mapErr(err))
	}
	return id.String, nil
}

// Key finds the Leadflow key of a CRM record; ErrNotFound when there is none.
func (m CRMIDs) Key(ctx context.Context, crm, kind, id string) (string, error) {
	var key string
	if err := m.s.db.GetContext(ctx, &key, `SELECT key FROM crm_ids WHERE crm = $1 AND kind = $2 AND external_id = $3
		ORDER BY created_at LIMIT 1`, crm, kind, id); err != nil {
		return "", fmt.Errorf("crm record %s %s: %w", crm, kind, mapErr(err))
	}
	return key, nil
}

// CRMSync is how a lead's write to one external CRM went.
type CRMSync struct {
	LeadID string
	CRM    string
	Ref    lead.ExternalRef
}

// SaveCRMSync records a lead's state in an external CRM (Lead.crm). Refs already known are kept
// when a failed attempt knows none; a write that needs a person (failed, review) goes to the audit
// log with its error class and code.
func (s *Store) SaveCRMSync(ctx context.Context, c CRMSync) error {
	r := c.Ref
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO lead_crm (lead_id, crm, state, contact_ref, lead_ref, note_ref, task_ref, stage, error, synced_at)
			VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''), NULLIF($6, ''), NULLIF($7, ''), NULLIF($8, ''), NULLIF($9, ''), $10)
			ON CONFLICT (lead_id, crm) DO UPDATE SET state = EXCLUDED.state,
			    contact_ref = COALESCE(EXCLUDED.contact_ref, lead_crm.contact_ref), lead_ref = COALESCE(EXCLUDED.lead_ref, lead_crm.lead_ref),
			    note_ref = COALESCE(EXCLUDED.note_ref, lead_crm.note_ref), task_ref = COALESCE(EXCLUDED.task_ref, lead_crm.task_ref),
			    stage = COALESCE(EXCLUDED.stage, lead_crm.stage), error = EXCLUDED.error,
			    synced_at = COALESCE(EXCLUDED.synced_at, lead_crm.synced_at), updated_at = now()`,
			c.LeadID, c.CRM, r.State, r.ContactID, r.LeadID, r.NoteID, r.TaskID, r.Stage, r.Error, r.SyncedAt); err != nil {
			return mapErr(err)
		}
		if r.State != lead.CRMFailed && r.State != lead.CRMReview {
			return nil
		}
		return s.audit(ctx, tx, "system", "lead.crm_"+string(r.State), "lead", c.LeadID, map[string]any{"crm": c.CRM, "error": r.Error})
	})
	if err != nil {
		return fmt.Errorf("save crm sync: %w", err)
	}
	return nil
}

// crmRefs loads the external CRM refs of leads, by lead id.
func (s *Store) crmRefs(ctx context.Context, ids pq.StringArray) (map[string]map[string]lead.ExternalRef, error) {
	var rows []struct {
		LeadID     string         `db:"lead_id"`
		CRM        string         `db:"crm"`
		State      string         `db:"state"`
		ContactRef sql.NullString `db:"contact_ref"`
		LeadRef    sql.NullString `db:"lead_ref"`
		NoteRef    sql.NullString `db:"note_ref"`
		TaskRef    sql.NullString `db:"task_ref"`
		Stage      sql.NullString `db:"stage"`
		Error      sql.NullString `db:"error"`
		SyncedAt   sql.NullTime   `db:"synced_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT lead_id, crm, state, contact_ref, lead_ref, note_ref, task_ref, stage, error, synced_at
		FROM lead_crm WHERE lead_id = ANY ($1)`, ids); err != nil {
		return nil, fmt.Errorf("load crm refs: %w", mapErr(err))
	}
	out := map[string]map[string]lead.ExternalRef{}
	for _, r := range rows {
		if out[r.LeadID] == nil {
			out[r.LeadID] = map[string]lead.ExternalRef{}
		}
		ref := lead.ExternalRef{ContactID: r.ContactRef.String, LeadID: r.LeadRef.String, NoteID: r.NoteRef.String,
			TaskID: r.TaskRef.String, Stage: r.Stage.String, State: lead.CRMSyncState(r.State), Error: r.Error.String}
		if r.SyncedAt.Valid {
			at := r.SyncedAt.Time.UTC()
			ref.SyncedAt = &at
		}
		out[r.LeadID][r.CRM] = ref
	}
	return out, nil
}

// LeadIDsUpdatedSince lists the ids of leads written since a time, oldest first, for
// reconciliation.
func (s *Store) LeadIDsUpdatedSince(ctx context.Context, since time.Time) ([]string, error) {
	var ids []string
	if err := s.db.SelectContext(ctx, &ids, `SELECT lead_id FROM leads WHERE updated_at >= $1 ORDER BY created_at, lead_id`, since); err != nil {
		return nil, fmt.Errorf("leads since: %w", mapErr(err))
	}
	return ids, nil
}

// The built-in CRM's side of the crmadapters.Adapter contract: the workflow writes leads with
// SaveLead; these serve the adapter's other calls.

// PutContact writes a contact's details under its id, creating it when it is new.
func (s *Store) PutContact(ctx context.Context, contactID string, f lead.Fields) (string, error) {
	v := func(f lead.Field[string]) *string { return f.Value }
	_, err := s.db.ExecContext(ctx, `INSERT INTO contacts (contact_id, full_name, phone, email, company) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (contact_id) DO UPDATE SET full_name = COALESCE(EXCLUDED.full_name, contacts.full_name),
		    phone = COALESCE(EXCLUDED.phone, contacts.phone), email = COALESCE(EXCLUDED.email, contacts.email),
		    company = COALESCE(EXCLUDED.company, contacts.company), updated_at = now()
		WHERE contacts.erased_at IS NULL`,
		contactID, v(f.FullName), v(f.Phone), v(f.Email), v(f.Company))
	if err != nil {
		return "", fmt.Errorf("put contact: %w", mapErr(err))
	}
	return contactID, nil
}

// AddLeadNote adds a note to a lead once per key.
func (s *Store) AddLeadNote(ctx context.Context, key, leadID, body string, at time.Time) (string, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO lead_notes (note_key, lead_id, body, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, key, leadID, body, at); err != nil {
		return "", fmt.Errorf("add lead note: %w", mapErr(err))
	}
	return key, nil
}

// AddTask adds a task for the lead's owner once per id.
func (s *Store) AddTask(ctx context.Context, taskID, leadID string, kind lead.FollowupKind, due time.Time) (string, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO tasks (task_id, lead_id, rep_id, kind, due_at, status)
		SELECT $1, lead_id, rep_id, $3, $4, $5 FROM leads WHERE lead_id = $2
		ON CONFLICT DO NOTHING`, taskID, leadID, kind, due, lead.FollowupPending); err != nil {
		return "", fmt.Errorf("add task: %w", mapErr(err))
	}
	return taskID, nil
}

// LeadStatuses reads the status of each lead that exists, by id.
func (s *Store) LeadStatuses(ctx context.Context, leadIDs []string) (map[string]lead.Status, error) {
	var rows []struct {
		LeadID string      `db:"lead_id"`
		Status lead.Status `db:"status"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT lead_id, status FROM leads WHERE lead_id = ANY ($1)`, pq.Array(leadIDs)); err != nil {
		return nil, fmt.Errorf("lead statuses: %w", mapErr(err))
	}
	out := make(map[string]lead.Status, len(rows))
	for _, r := range rows {
		out[r.LeadID] = r.Status
	}
	return out, nil
}

// CRMPollMark is how far a polled CRM's changes were read; the zero time when never.
func (s *Store) CRMPollMark(ctx context.Context, crm string) (time.Time, error) {
	var since time.Time
	err := s.db.GetContext(ctx, &since, `SELECT since FROM crm_poll_marks WHERE crm = $1`, crm)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("crm poll mark: %w", mapErr(err))
	}
	return since, nil
}

// SetCRMPollMark records how far a polled CRM's changes were read; it never moves back.
func (s *Store) SetCRMPollMark(ctx context.Context, crm string, since time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO crm_poll_marks (crm, since) VALUES ($1, $2)
		ON CONFLICT (crm) DO UPDATE SET since = GREATEST(crm_poll_marks.since, EXCLUDED.since), updated_at = now()`, crm, since); err != nil {
		return fmt.Errorf("set crm poll mark: %w", mapErr(err))
	}
	return nil
}
