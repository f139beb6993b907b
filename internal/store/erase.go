package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Erasure says what was erased for a person: the counts of what went and the ids of what
// remains without personal data (leads keep their scores, statuses and outcomes, for reporting).
type Erasure struct {
	ContactID          string    `json:"contact_id"`
	ErasedAt           time.Time `json:"erased_at"`
	MergedContacts     []string  `json:"merged_contacts"`     // contacts merged into it earlier, erased with it
	Leads              []string  `json:"leads"`               // their fields are now empty
	Conversations      []string  `json:"conversations"`       // their transcripts are deleted
	Workflows          []string  `json:"workflows"`           // the live state to delete in Temporal
	IdentityKeys       int       `json:"identity_keys"`       // phones, e-mails, accounts, names
	FieldValues        int       `json:"field_values"`        // values leads gave, with their history
	TranscriptMessages int       `json:"transcript_messages"` // message texts
	OutcomeNotes       int       `json:"outcome_notes"`       // reps' free-text notes and reasons
	Already            bool      `json:"already_erased"`      // an earlier call erased it
}

// EraseContact removes a person's personal data from Postgres in one transaction: the contact's
// values and keys, every value its leads recorded (fields, transcripts, reps' notes) and the same
// for contacts merged into it. The rows stay, emptied, so that reports and the audit trail keep
// their ids; the audit record says what went, never what it was. A repeat answers the same ids
// with Already set, so the caller can finish deleting workflows after a failure.
func (s *Store) EraseContact(ctx context.Context, contactID, actor string) (Erasure, error) {
	var e Erasure
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		id, err := survivor(ctx, tx, contactID)
		if err != nil {
			return err
		}
		var erasedAt *time.Time
		if err := tx.GetContext(ctx, &erasedAt, `SELECT erased_at FROM contacts WHERE contact_id = $1 FOR UPDATE`, id); err != nil {
			return mapErr(err)
		}
		e = Erasure{ContactID: id, Already: erasedAt != nil}
		if err := tx.SelectContext(ctx, &e.MergedContacts, `WITH RECURSIVE merged (contact_id) AS (
			    SELECT contact_id FROM contacts WHERE merged_into = $1
			    UNION SELECT c.contact_id FROM contacts c JOIN merged m ON c.merged_into = m.contact_id)
			SELECT contact_id FROM merged ORDER BY contact_id`, id); err != nil {
			return mapErr(err)
		}
		all := append([]string{id}, e.MergedContacts...)
		var leads []struct {
			LeadID         string `db:"lead_id"`
			ConversationID string `db:"conversation_id"`
			WorkflowID     string `db:"workflow_id"`
		}
		if err := tx.SelectContext(ctx, &leads, `SELECT lead_id, conversation_id, workflow_id FROM leads
			WHERE contact_id = ANY($1) ORDER BY created_at, lead_id`, pq.Array(all)); err != nil {
			return mapErr(err)
		}
		for _, l := range leads {
			e.Leads = append(e.Leads, l.LeadID)
			e.Conversations = append(e.Conversations, l.ConversationID)
			e.Workflows = append(e.Workflows, l.WorkflowID)
		}
		count := func(n *int, query string, args ...any) error {
			r, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return mapErr(err)
			}
			rows, _ := r.RowsAffected()
			*n = int(rows)
			return nil
		}
		var ignored int
		for _, step := range []struct {
			n     *int
			query string
			arg   any
		}{
			{&e.IdentityKeys, `DELETE FROM contact_identities WHERE contact_id = ANY($1)`, pq.Array(all)},
			{&e.FieldValues, `DELETE FROM contact_field_values WHERE contact_id = ANY($1)`, pq.Array(all)},
			{&e.TranscriptMessages, `DELETE FROM transcript_messages WHERE conversation_id = ANY($1)`, pq.Array(e.Conversations)},
			{&e.OutcomeNotes, `UPDATE outcomes SET note = NULL, reason = NULL WHERE lead_id = ANY($1) AND (note IS NOT NULL OR reason IS NOT NULL)`, pq.Array(e.Leads)},
			{&ignored, `DELETE FROM lead_notes WHERE lead_id = ANY($1)`, pq.Array(e.Leads)},
			{&ignored, `UPDATE leads SET fields = '{}', updated_at = now() WHERE lead_id = ANY($1)`, pq.Array(e.Leads)},
			{&ignored, `UPDATE contact_reviews SET status = 'erased', resolved_at = now(), resolved_by = 'erasure'
			    WHERE status = 'pending' AND (contact_id = ANY($1) OR candidate_id = ANY($1))`, pq.Array(all)},
			{&ignored, `UPDATE contacts SET full_name = NULL, phone = NULL, email = NULL, company = NULL,
			    erased_at = COALESCE(erased_at, now()), updated_at = now() WHERE contact_id = ANY($1)`, pq.Array(all)},
		} {
			if err := count(step.n, step.query, step.arg); err != nil {
				return err
			}
		}
		if err := tx.GetContext(ctx, &e.ErasedAt, `SELECT erased_at FROM contacts WHERE contact_id = $1`, id); err != nil {
			return mapErr(err)
		}
		if e.Already {
			return nil
		}
		return s.audit(ctx, tx, actor, "contact.erased", "contact", id, map[string]any{
			"merged_contacts": e.MergedContacts, "leads": e.Leads, "identity_keys": e.IdentityKeys,
			"field_values": e.FieldValues, "transcript_messages": e.TranscriptMessages, "outcome_notes": e.OutcomeNotes})
	})
	if err != nil {
		return Erasure{}, fmt.Errorf("erase contact: %w", err)
	}
	e.MergedContacts, e.Leads = nonNilSlice(e.MergedContacts), nonNilSlice(e.Leads)
	e.Conversations, e.Workflows = nonNilSlice(e.Conversations), nonNilSlice(e.Workflows)
	return e, nil
}
