package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadflow/leadflow/internal/lead"
)

// Identity kinds stored in contact_identities.
const (
	IdentityPhone = "phone"
	IdentityEmail = "email"
)

// MatchRequest asks which contact a lead's person is. Phone is E.164 and Email lower-case: the
// caller normalises, the store compares exactly.
type MatchRequest struct {
	LeadID string
	Phone  string
	Email  string
}

// MatchResult is the contact the lead belongs to and how it was decided.
type MatchResult struct {
	ContactID    string
	IsNewContact bool
	Match        lead.Match
}

// MatchContact finds the contact that owns the lead's phone or email, or creates one. The first
// decision for a lead is stored and returned again on retries, so a retried activity never turns a
// new contact into a "merged" one. Keys the contact did not have yet are attached when no other
// contact owns them. Two conversations of one person racing here end on one contact: the identity
// primary key lets one insert win and the loser retries and finds it.
func (s *Store) MatchContact(ctx context.Context, req MatchRequest) (MatchResult, error) {
	var res MatchResult
	var err error
	for range 3 {
		err = s.inTx(ctx, func(tx *sqlx.Tx) error {
			res, err = s.matchContact(ctx, tx, req)
			return err
		})
		if !errors.Is(err, ErrConflict) {
			break
		}
	}
	if err != nil {
		return MatchResult{}, fmt.Errorf("match contact: %w", err)
	}
	return res, nil
}

func (s *Store) matchContact(ctx context.Context, tx *sqlx.Tx, req MatchRequest) (MatchResult, error) {
	keys := identityKeys(req)
	var stored struct {
		ContactID string         `db:"contact_id"`
		IsNew     bool           `db:"is_new_contact"`
		Decision  string         `db:"decision"`
		MatchedBy pq.StringArray `db:"matched_by"`
		Score     float64        `db:"score"`
	}
	err := tx.GetContext(ctx, &stored, `SELECT contact_id, is_new_contact, decision, matched_by, score FROM lead_matches WHERE lead_id = $1`, req.LeadID)
	switch {
	case err == nil:
		if err := attachIdentities(ctx, tx, stored.ContactID, keys, false); err != nil {
			return MatchResult{}, err
		}
		return MatchResult{ContactID: stored.ContactID, IsNewContact: stored.IsNew, Match: lead.Match{
			Decision: lead.MatchDecision(stored.Decision), MatchedBy: []string(stored.MatchedBy), Score: stored.Score}}, nil
	case !errors.Is(mapErr(err), ErrNotFound):
		return MatchResult{}, mapErr(err)
	}

	// Exact identity keys, phone first: the first key that an existing contact owns decides.
	var res MatchResult
	res.Match = lead.Match{Decision: lead.MatchNew, MatchedBy: []string{}}
	for _, k := range keys {
		var contactID string
		err := tx.GetContext(ctx, &contactID, `SELECT contact_id FROM contact_identities WHERE kind = $1 AND value = $2`, k.kind, k.value)
		if errors.Is(mapErr(err), ErrNotFound) {
			continue
		}
		if err != nil {
			return MatchResult{}, mapErr(err)
		}
		if res.ContactID == "" {
			res.ContactID = contactID
		}
		if contactID == res.ContactID {
			res.Match.MatchedBy = append(res.Match.MatchedBy, k.kind)
		}
	}
	if res.ContactID == "" {
		res.ContactID = newID("ct_")
		res.IsNewContact = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (contact_id, phone, email) VALUES ($1, NULLIF($2, ''), NULLIF($3, ''))`,
			res.ContactID, req.Phone, req.Email); err != nil {
			return MatchResult{}, mapErr(err)
		}
	} else {
		// An exact normalised phone or email is the person's own key: the same person.
		res.Match.Decision = lead.MatchMerged
		res.Match.Score = 1
	}
	if err := attachIdentities(ctx, tx, res.ContactID, keys, res.IsNewContact); err != nil {
		return MatchResult{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO lead_matches (lead_id, contact_id, is_new_contact, decision, matched_by, score)
		VALUES ($1, $2, $3, $4, $5, $6)`, req.LeadID, res.ContactID, res.IsNewContact, res.Match.Decision, pq.StringArray(res.Match.MatchedBy), res.Match.Score); err != nil {
		return MatchResult{}, mapErr(err)
	}
	return res, s.audit(ctx, tx, "workflow", "contact.matched", "lead", req.LeadID,
		map[string]any{"contact_id": res.ContactID, "decision": res.Match.Decision, "matched_by": res.Match.MatchedBy})
}

type identityKey struct{ kind, value string }

func identityKeys(req MatchRequest) []identityKey {
	var keys []identityKey
	if req.Phone != "" {
		keys = append(keys, identityKey{IdentityPhone, req.Phone})
	}
	if req.Email != "" {
		keys = append(keys, identityKey{IdentityEmail, req.Email})
	}
	return keys
}

// attachIdentities gives the contact the keys nobody owns yet. A key owned by another contact stays
// with it: moving keys between people is a merge decision, not a side effect. For a contact created
// in this transaction, a key that someone else took meanwhile means a concurrent conversation of the
// same person won the race: ErrConflict makes the caller retry and find that contact.
func attachIdentities(ctx context.Context, tx *sqlx.Tx, contactID string, keys []identityKey, isNew bool) error {
	for _, k := range keys {
		var owner string
		err := tx.GetContext(ctx, &owner, `
			WITH ins AS (
			    INSERT INTO contact_identities (kind, value, contact_id) VALUES ($1, $2, $3)
			    ON CONFLICT (kind, value) DO NOTHING RETURNING contact_id)
			SELECT contact_id FROM ins
			UNION ALL
			SELECT contact_id FROM contact_identities WHERE kind = $1 AND value = $2
			LIMIT 1`, k.kind, k.value, contactID)
		if errors.Is(mapErr(err), ErrNotFound) {
			// The key was committed by a concurrent transaction after this statement's snapshot.
			return fmt.Errorf("identity %s taken concurrently: %w", k.kind, ErrConflict)
		}
		if err != nil {
			return mapErr(err)
		}
		if owner != contactID && isNew {
			return fmt.Errorf("identity %s taken concurrently: %w", k.kind, ErrConflict)
		}
	}
	return nil
}

// newID returns prefix + 20 random hex characters.
func newID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return prefix + hex.EncodeToString(b)
}
