package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadflow/leadflow/internal/lead"
)

// ErrErased is returned for a write to a contact whose personal data was erased.
var ErrErased = errors.New("contact erased")

// contactFields are the lead fields that describe the contact.
var contactFields = []struct {
	name  string
	value func(lead.Fields) lead.Field[string]
}{
	{"full_name", func(f lead.Fields) lead.Field[string] { return f.FullName }},
	{"phone", func(f lead.Fields) lead.Field[string] { return f.Phone }},
	{"email", func(f lead.Fields) lead.Field[string] { return f.Email }},
	{"company", func(f lead.Fields) lead.Field[string] { return f.Company }},
	{"job_title", func(f lead.Fields) lead.Field[string] { return f.JobTitle }},
}

// recordContactFields keeps what a lead said about its contact and makes the best values current.
// The caller has checked the contact with liveContact.
func recordContactFields(ctx context.Context, tx *sqlx.Tx, contactID, leadID string, f lead.Fields) error {
	var names, values, sources []string
	var confidences []float64
	for _, cf := range contactFields {
		if v := cf.value(f); v.Known() && *v.Value != "" {
			names, values, sources = append(names, cf.name), append(values, *v.Value), append(sources, string(v.Source))
			confidences = append(confidences, v.Confidence)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO contact_field_values (contact_id, field, value, confidence, source, lead_id)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::float8[], $5::text[]), (SELECT $6::text) l
		ON CONFLICT (contact_id, field, value, lead_id) DO UPDATE SET confidence = EXCLUDED.confidence, source = EXCLUDED.source`,
		contactID, pq.Array(names), pq.Array(values), pq.Array(confidences), pq.Array(sources), leadID); err != nil {
		return mapErr(err)
	}
	return refreshContact(ctx, tx, contactID)
}

// refreshContact sets the contact's shown values by the survivorship rule: a value the channel
// proved beats an extracted one, then the higher confidence wins, then the newer. The losers stay
// in contact_field_values: nothing a lead said is lost.
func refreshContact(ctx context.Context, tx *sqlx.Tx, contactID string) error {
	best := func(field string) string {
		return `(SELECT value FROM contact_field_values WHERE contact_id = $1 AND field = '` + field + `'
			ORDER BY source = 'channel' DESC, confidence DESC, observed_at DESC, value LIMIT 1)`
	}
	_, err := tx.ExecContext(ctx, `UPDATE contacts SET full_name = `+best("full_name")+`, phone = `+best("phone")+`,
		email = `+best("email")+`, company = `+best("company")+`, updated_at = now() WHERE contact_id = $1`, contactID)
	return mapErr(err)
}

// survivorSQL follows contact $1's merges to the contact that holds its records now.
const survivorSQL = `WITH RECURSIVE chain (contact_id, merged_into, depth) AS (
	    SELECT contact_id, merged_into, 0 FROM contacts WHERE contact_id = $1
	    UNION ALL
	    SELECT c.contact_id, c.merged_into, chain.depth + 1 FROM contacts c JOIN chain ON c.contact_id = chain.merged_into
	    WHERE chain.depth < 100)
	SELECT contact_id FROM chain WHERE merged_into IS NULL`

// survivor is the contact that holds contactID's records now, erased or not.
func survivor(ctx context.Context, q sqlx.QueryerContext, contactID string) (string, error) {
	var id string
	if err := sqlx.GetContext(ctx, q, &id, survivorSQL, contactID); err != nil {
		return "", fmt.Errorf("contact %q: %w", contactID, mapErr(err))
	}
	return id, nil
}

// liveContact is the surviving contact of contactID (the workflow may hold an id a reviewer has
// since merged away), its row locked against a concurrent erasure, in one statement. It fails with
// ErrErased for an erased contact, so that an activity still in flight when the person asked to be
// forgotten writes nothing back.
func liveContact(ctx context.Context, tx *sqlx.Tx, contactID string) (string, error) {
	var row struct {
		ContactID string `db:"contact_id"`
		Erased    bool   `db:"erased"`
	}
	if err := tx.GetContext(ctx, &row, `SELECT contact_id, erased_at IS NOT NULL AS erased FROM contacts
		WHERE contact_id = (`+survivorSQL+`) FOR SHARE`, contactID); err != nil {
		return "", fmt.Errorf("contact %q: %w", contactID, mapErr(err))
	}
	if row.Erased {
		return "", fmt.Errorf("contact %s: %w", row.ContactID, ErrErased)
	}
	return row.ContactID, nil
}

// ContactSummary is what a reviewer sees of a contact: its current values and how many leads it has.
type ContactSummary struct {
	ContactID string  `db:"contact_id" json:"contact_id"`
	FullName  *string `db:"full_name" json:"full_name"`
	Phone     *string `db:"phone" json:"phone"`
	Email     *string `db:"email" json:"email"`
	Company   *string `db:"company" json:"company"`
	Leads     int     `db:"leads" json:"leads"`
}

// Review is a possible duplicate waiting for a human: the lead's new contact and the existing
// contact it resembles.
type Review struct {
	ReviewID  string         `json:"review_id"`
	LeadID    string         `json:"lead_id"`
	Score     float64        `json:"score"`
	MatchedBy []string       `json:"matched_by"`
	CreatedAt time.Time      `json:"created_at"`
	Contact   ContactSummary `json:"contact"`
	Candidate ContactSummary `json:"candidate"`
}

// PendingReviews lists the open reviews, oldest first, a page at a time. cursor is the last
// review id of the previous page.
func (s *Store) PendingReviews(ctx context.Context, limit int, cursor string) ([]Review, string, error) {
	if limit <= 0 {
		limit = defaultLeadLimit
	}
	var rows []struct {
		ReviewID    string         `db:"review_id"`
		ContactID   string         `db:"contact_id"`
		CandidateID string         `db:"candidate_id"`
		LeadID      string         `db:"lead_id"`
		Score       float64        `db:"score"`
		MatchedBy   pq.StringArray `db:"matched_by"`
		CreatedAt   time.Time      `db:"created_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT review_id, contact_id, candidate_id, lead_id, score, matched_by, created_at
		FROM contact_reviews r WHERE status = 'pending'
		AND ($1 = '' OR (created_at, review_id) > (SELECT created_at, review_id FROM contact_reviews WHERE review_id = $1))
		ORDER BY created_at, review_id LIMIT $2`, cursor, limit+1); err != nil {
		return nil, "", fmt.Errorf("reviews: %w", mapErr(err))
	}
	next := ""
	if len(rows) > limit {
		rows, next = rows[:limit], rows[limit-1].ReviewID
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ContactID, r.CandidateID)
	}
	summaries, err := s.contactSummaries(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	reviews := make([]Review, 0, len(rows))
	for _, r := range rows {
		reviews = append(reviews, Review{ReviewID: r.ReviewID, LeadID: r.LeadID, Score: r.Score,
			MatchedBy: nonNilSlice([]string(r.MatchedBy)), CreatedAt: r.CreatedAt,
			Contact: summaries[r.ContactID], Candidate: summaries[r.CandidateID]})
	}
	return reviews, next, nil
}

func (s *Store) contactSummaries(ctx context.Context, ids []string) (map[string]ContactSummary, error) {
	var rows []ContactSummary
	if err := s.db.SelectContext(ctx, &rows, `SELECT c.contact_id, c.full_name, c.phone, c.email, c.company,
		(SELECT count(*) FROM leads l WHERE l.contact_id = c.contact_id) AS leads
		FROM contacts c WHERE c.contact_id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("contacts: %w", mapErr(err))
	}
	out := make(map[string]ContactSummary, len(rows))
	for _, r := range rows {
		out[r.ContactID] = r
	}
	return out, nil
}

// MergeResult says what a merge did.
type MergeResult struct {
	ContactID   string `json:"contact_id"`   // the surviving contact
	DuplicateID string `json:"duplicate_id"` // the contact merged into it
	LeadsMoved  int    `json:"leads_moved"`
	Already     bool   `json:"already_merged"` // an earlier call did it: nothing changed now
}

// MergeContacts moves everything of duplicateID (leads, identity keys, field values with their
// confidence and source, reviews) to contactID and marks the duplicate merged, in one
// transaction. A repeat answers the first result with Already set. The conversations, transcripts
// and outcomes belong to the leads, so they follow them.
func (s *Store) MergeContacts(ctx context.Context, contactID, duplicateID, actor string) (MergeResult, error) {
	res := MergeResult{ContactID: contactID, DuplicateID: duplicateID}
	if contactID == duplicateID {
		return res, fmt.Errorf("merge a contact into itself: %w", ErrConflict)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var rows []struct {
			ContactID  string  `db:"contact_id"`
			MergedInto *string `db:"merged_into"`
			Erased     bool    `db:"erased"`
		}
		if err := tx.SelectContext(ctx, &rows, `SELECT contact_id, merged_into, erased_at IS NOT NULL AS erased FROM contacts
			WHERE contact_id IN ($1, $2) ORDER BY contact_id FOR UPDATE`, contactID, duplicateID); err != nil {
			return mapErr(err)
		}
		if len(rows) != 2 {
			return fmt.Errorf("contact: %w", ErrNotFound)
		}
		for _, r := range rows {
			switch {
			case r.Erased:
				return fmt.Errorf("contact %s was erased: %w", r.ContactID, ErrConflict)
			case r.ContactID == duplicateID && r.MergedInto != nil && *r.MergedInto == contactID:
				res.Already = true
				return nil
			case r.MergedInto != nil:
				return fmt.Errorf("contact %s is already merged into another: %w", r.ContactID, ErrConflict)
			}
		}
		n, err := moveContact(ctx, tx, duplicateID, contactID)
		if err != nil {
			return err
		}
		res.LeadsMoved = n
		if _, err := tx.ExecContext(ctx, `UPDATE contact_reviews SET status = 'merged', resolved_at = now(), resolved_by = $3
			WHERE status = 'pending' AND (contact_id, candidate_id) IN (($1, $2), ($2, $1))`, contactID, duplicateID, actor); err != nil {
			return mapErr(err)
		}
		if err := refreshContact(ctx, tx, contactID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "contact.merged", "contact", contactID,
			map[string]any{"duplicate_id": duplicateID, "leads_moved": n})
	})
	if err != nil {
		return MergeResult{}, fmt.Errorf("merge contacts: %w", err)
	}
	return res, nil
}

// moveContact re-homes everything of from onto to and marks from merged; it answers the number of
// leads moved.
func moveContact(ctx context.Context, tx *sqlx.Tx, from, to string) (int, error) {
	r, err := tx.ExecContext(ctx, `UPDATE leads SET contact_id = $2, updated_at = now() WHERE contact_id = $1`, from, to)
	if err != nil {
		return 0, mapErr(err)
	}
	moved, _ := r.RowsAffected()
	// Every statement takes both ids ($2 <> '' in the deletes only to use the second parameter).
	for _, stmt := range []string{
		`UPDATE lead_matches SET contact_id = $2 WHERE contact_id = $1`,
		`INSERT INTO contact_identities (kind, value, contact_id, created_at)
		    SELECT kind, value, $2, created_at FROM contact_identities WHERE contact_id = $1 ON CONFLICT DO NOTHING`,
		`DELETE FROM contact_identities WHERE contact_id = $1 AND $2 <> ''`,
		`INSERT INTO contact_field_values (contact_id, field, value, confidence, source, lead_id, observed_at)
		    SELECT $2, field, value, confidence, source, lead_id, observed_at FROM contact_field_values WHERE contact_id = $1
		    ON CONFLICT DO NOTHING`,
		`DELETE FROM contact_field_values WHERE contact_id = $1 AND $2 <> ''`,
		// Other open questions about the duplicate are now questions about the survivor.
		`UPDATE contact_reviews SET contact_id = $2 WHERE contact_id = $1 AND candidate_id <> $2 AND status = 'pending'
		    AND NOT EXISTS (SELECT 1 FROM contact_reviews o WHERE o.contact_id = $2 AND o.candidate_id = contact_reviews.candidate_id)`,
		`UPDATE contact_reviews SET candidate_id = $2 WHERE candidate_id = $1 AND contact_id <> $2 AND status = 'pending'
		    AND NOT EXISTS (SELECT 1 FROM contact_reviews o WHERE o.candidate_id = $2 AND o.contact_id = contact_reviews.contact_id)`,
		`UPDATE contacts SET merged_into = $2, full_name = NULL, phone = NULL, email = NULL, company = NULL, updated_at = now()
		    WHERE contact_id = $1`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, from, to); err != nil {
			return 0, mapErr(err)
		}
	}
	return int(moved), nil
}

// MarkNotDuplicate records that two contacts are different people: their open review is closed
// and matching never asks about the pair again. Repeats change nothing.
func (s *Store) MarkNotDuplicate(ctx context.Context, contactID, otherID, actor string) error {
	if contactID == otherID {
		return fmt.Errorf("a contact is itself: %w", ErrConflict)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM contacts WHERE contact_id IN ($1, $2)`, contactID, otherID); err != nil {
			return mapErr(err)
		}
		if n != 2 {
			return fmt.Errorf("contact: %w", ErrNotFound)
		}
		r, err := tx.ExecContext(ctx, `UPDATE contact_reviews SET status = 'not_duplicate', resolved_at = now(), resolved_by = $3
			WHERE status = 'pending' AND (contact_id, candidate_id) IN (($1, $2), ($2, $1))`, contactID, otherID, actor)
		if err != nil {
			return mapErr(err)
		}
		closed, _ := r.RowsAffected()
		if closed == 0 {
			// No open question: remember the answer for the future, once.
			r, err = tx.ExecContext(ctx, `INSERT INTO contact_reviews (review_id, contact_id, candidate_id, lead_id, score, weight,
				status, resolved_at, resolved_by)
				SELECT $3, $1, $2, '', 0, 0, 'not_duplicate', now(), $4
				WHERE NOT EXISTS (SELECT 1 FROM contact_reviews WHERE (contact_id, candidate_id) IN (($1, $2), ($2, $1)))`,
				contactID, otherID, newID("rv_"), actor)
			if err != nil {
				return mapErr(err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return nil // said before
			}
		}
		return s.audit(ctx, tx, actor, "contact.not_duplicate", "contact", contactID, map[string]any{"other_contact_id": otherID})
	})
	if err != nil {
		return fmt.Errorf("not duplicate: %w", err)
	}
	return nil
}
