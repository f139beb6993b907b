package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadflow/leadflow/internal/identity"
	"github.com/leadflow/leadflow/internal/lead"
)

// MatchRequest is who a lead's conversation says its person is: the extracted fields (Phone E.164,
// Email lower-case, as extraction normalised them) and the channel's own account id.
type MatchRequest struct {
	LeadID     string
	Phone      string
	Email      string
	Name       string
	SenderName string // the channel's display name (sender.name)
	Company    string
	Channel    string // web | whatsapp | telegram | email | api
	ExternalID string // sender.external_id
	Country    string // default region for a national phone number
}

func (r MatchRequest) person() identity.Person {
	return identity.Person{Channel: r.Channel, ExternalID: r.ExternalID, Country: r.Country, Name: r.Name,
		SenderName: r.SenderName, Phone: r.Phone, Email: r.Email, Company: r.Company}
}

// MatchResult is the contact the lead belongs to and how it was decided.
type MatchResult struct {
	ContactID    string
	IsNewContact bool
	Match        lead.Match
}

// identifying are the key kinds that can find a person by themselves; the others only describe.
var identifying = []string{identity.KindPhone, identity.KindEmail, identity.KindGmail, identity.KindWhatsApp,
	identity.KindTelegram, identity.KindWeb, identity.KindEmailSender, identity.KindAPI}

// maxCandidates bounds the contacts one match compares: a key shared by more (a hotel switchboard)
// is compared with the most recent ones.
const maxCandidates = 50

// MatchContact finds the contact the lead's person is, or creates one (docs/matching.md).
// Candidates come from the person's identifying keys and, within the same company or company
// e-mail domain, from similar names; each is weighed with identity.Compare. "merged" puts the lead
// on the best candidate; "review" creates a new contact and a review for a human; "new" creates a
// new contact. The first decision for a lead is stored and returned again on retries.
//
// Concurrency: the transaction first takes advisory locks on the person's identifying keys, so two
// conversations of one person matched at the same moment run one after the other and the second
// finds the contact the first created.
func (s *Store) MatchContact(ctx context.Context, req MatchRequest) (MatchResult, error) {
	var res MatchResult
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		res, err = s.matchContact(ctx, tx, req)
		return err
	})
	if err != nil {
		return MatchResult{}, fmt.Errorf("match contact: %w", err)
	}
	return res, nil
}

func (s *Store) matchContact(ctx context.Context, tx *sqlx.Tx, req MatchRequest) (MatchResult, error) {
	probe := identity.ProfileOf(req.person())
	locks := []string{"lead:" + req.LeadID}
	for _, k := range probe.Keys(identifying...) {
		locks = append(locks, k[0]+":"+k[1])
	}
	// Taken in one statement in hash order, so two transactions never wait on each other in a circle.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(h) FROM
		(SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) k ORDER BY 1) keys`, pq.Array(locks)); err != nil {
		return MatchResult{}, mapErr(err)
	}

	if res, ok, err := storedMatch(ctx, tx, req.LeadID); err != nil || ok {
		if err == nil {
			res.ContactID, err = liveContact(ctx, tx, res.ContactID)
		}
		if err == nil {
			err = attachKeys(ctx, tx, res.ContactID, probe) // a reprocessed conversation may have said more
		}
		return res, err
	}

	ids, err := candidates(ctx, tx, probe)
	if err != nil {
		return MatchResult{}, err
	}
	profiles, err := profilesOf(ctx, tx, ids)
	if err != nil {
		return MatchResult{}, err
	}
	var ranked []reviewCandidate
	for _, id := range ids {
		ranked = append(ranked, reviewCandidate{id, identity.Compare(probe, profiles[id])})
	}
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].verdict.Weight > ranked[j].verdict.Weight })

	res := MatchResult{IsNewContact: true, Match: lead.Match{Decision: lead.MatchNew, MatchedBy: []string{}}}
	if len(ranked) > 0 {
		best := ranked[0].verdict
		res.Match = lead.Match{Decision: lead.MatchDecision(best.Decision()), MatchedBy: best.MatchedBy, Score: best.Score}
		if res.Match.Decision == lead.MatchNew {
			res.Match.MatchedBy = []string{} // the closest candidate's score stays; nothing matched
		}
		if res.Match.Decision == lead.MatchMerged {
			res.ContactID, res.IsNewContact = ranked[0].contactID, false
			ranked = ranked[1:]
		}
	}
	if res.IsNewContact {
		res.ContactID = newID("ct_")
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (contact_id) VALUES ($1)`, res.ContactID); err != nil {
			return MatchResult{}, mapErr(err)
		}
	}
	if err := attachKeys(ctx, tx, res.ContactID, probe); err != nil {
		return MatchResult{}, err
	}
	// The other candidates that are possibly this person are a question for a human: the closest
	// few, since nobody reviews fifty holders of one switchboard.
	var possible []reviewCandidate
	for _, c := range ranked {
		if c.verdict.Decision() == "new" || len(possible) == maxReviews {
			break
		}
		possible = append(possible, c)
	}
	if err := s.openReviews(ctx, tx, res.ContactID, req.LeadID, possible); err != nil {
		return MatchResult{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO lead_matches (lead_id, contact_id, is_new_contact, decision, matched_by, score)
		VALUES ($1, $2, $3, $4, $5, $6)`, req.LeadID, res.ContactID, res.IsNewContact, res.Match.Decision,
		pq.StringArray(res.Match.MatchedBy), res.Match.Score); err != nil {
		return MatchResult{}, mapErr(err)
	}
	return res, s.audit(ctx, tx, "workflow", "contact.matched", "lead", req.LeadID,
		map[string]any{"contact_id": res.ContactID, "decision": res.Match.Decision, "matched_by": res.Match.MatchedBy,
			"score": res.Match.Score})
}

// storedMatch is the decision already made for a lead, on the contact that now holds it (a later
// merge may have moved the lead).
func storedMatch(ctx context.Context, tx *sqlx.Tx, leadID string) (MatchResult, bool, error) {
	var stored struct {
		ContactID string         `db:"contact_id"`
		IsNew     bool           `db:"is_new_contact"`
		Decision  string         `db:"decision"`
		MatchedBy pq.StringArray `db:"matched_by"`
		Score     float64        `db:"score"`
	}
	err := tx.GetContext(ctx, &stored, `SELECT contact_id, is_new_contact, decision, matched_by, score FROM lead_matches WHERE lead_id = $1`, leadID)
	if errors.Is(mapErr(err), ErrNotFound) {
		return MatchResult{}, false, nil
	}
	if err != nil {
		return MatchResult{}, false, mapErr(err)
	}
	return MatchResult{ContactID: stored.ContactID, IsNewContact: stored.IsNew, Match: lead.Match{
		Decision: lead.MatchDecision(stored.Decision), MatchedBy: nonNilSlice([]string(stored.MatchedBy)), Score: stored.Score}}, true, nil
}

// candidates are the live contacts that share an identifying key with the probe, and those of the
// probe's company or company mail domain whose name is similar (pg_trgm), most recent first.
func candidates(ctx context.Context, tx *sqlx.Tx, probe identity.Profile) ([]string, error) {
	var ids []string
	err := tx.SelectContext(ctx, &ids, candidatesSQL, candidatesArgs(probe)...)
	return ids, mapErr(err)
}

// candidatesArgs are candidatesSQL's arguments for probe.
func candidatesArgs(probe identity.Profile) []any {
	var kinds, values []string
	for _, k := range probe.Keys(identifying...) {
		kinds, values = append(kinds, k[0]), append(values, k[1])
	}
	var orgKinds, orgValues []string
	for _, k := range probe.Keys(identity.KindCompany, identity.KindDomain) {
		orgKinds, orgValues = append(orgKinds, k[0]), append(orgValues, k[1])
	}
	return []any{pq.Array(kinds), pq.Array(values), pq.Array(orgKinds), pq.Array(orgValues),
		pq.Array(probe[identity.KindName]), maxCandidates}
}

// candidatesSQL is the query of candidates; ExplainMatch shows its plan.
const candidatesSQL = `
		SELECT c.contact_id FROM contacts c
		WHERE c.merged_into IS NULL AND c.erased_at IS NULL AND c.contact_id IN (
		    SELECT ci.contact_id FROM contact_identities ci
		    JOIN unnest($1::text[], $2::text[]) AS k (kind, value) ON ci.kind = k.kind AND ci.value = k.value
		    UNION
		    SELECT n.contact_id FROM contact_identities o
		    JOIN unnest($3::text[], $4::text[]) AS k (kind, value) ON o.kind = k.kind AND o.value = k.value
		    JOIN contact_identities n ON n.contact_id = o.contact_id AND n.kind = 'name'
		    WHERE EXISTS (SELECT 1 FROM unnest($5::text[]) AS p (name) WHERE similarity(n.value, p.name) >= 0.3))
		ORDER BY c.created_at DESC, c.contact_id
		LIMIT $6`

// profilesOf loads the stored keys of contacts.
func profilesOf(ctx context.Context, q sqlx.QueryerContext, ids []string) (map[string]identity.Profile, error) {
	profiles := make(map[string]identity.Profile, len(ids))
	if len(ids) == 0 {
		return profiles, nil
	}
	var rows []struct {
		ContactID string `db:"contact_id"`
		Kind      string `db:"kind"`
		Value     string `db:"value"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, profilesSQL, pq.Array(ids)); err != nil {
		return nil, mapErr(err)
	}
	for _, id := range ids {
		profiles[id] = identity.Profile{}
	}
	for _, r := range rows {
		profiles[r.ContactID].Add(r.Kind, r.Value)
	}
	return profiles, nil
}

// profilesSQL is the query of profilesOf; ExplainMatch shows its plan.
const profilesSQL = `SELECT contact_id, kind, value FROM contact_identities
		WHERE contact_id = ANY($1) ORDER BY created_at, kind, value`

// attachKeys gives the contact the probe's keys it does not have yet. Others may hold the same
// keys: that is a shared line or mailbox, or a duplicate in the review queue.
func attachKeys(ctx context.Context, tx *sqlx.Tx, contactID string, probe identity.Profile) error {
	var kinds, values []string
	for kind := range probe {
		for _, v := range probe[kind] {
			kinds, values = append(kinds, kind), append(values, v)
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO contact_identities (kind, value, contact_id)
		SELECT k.kind, k.value, $3 FROM unnest($1::text[], $2::text[]) AS k (kind, value)
		ON CONFLICT DO NOTHING`, pq.Array(kinds), pq.Array(values), contactID)
	return mapErr(err)
}

// maxReviews bounds the reviews one lead opens.
const maxReviews = 3

// reviewCandidate is a candidate contact with its verdict.
type reviewCandidate struct {
	contactID string
	verdict   identity.Verdict
}

// openReviews records, in one statement, that contactID is possibly each candidate, except for
// pairs already in the queue or that a human said are different people.
func (s *Store) openReviews(ctx context.Context, tx *sqlx.Tx, contactID, leadID string, cands []reviewCandidate) error {
	if len(cands) == 0 {
		return nil
	}
	var ids, candidateIDs, matchedBy []string
	var scores, weights []float64
	for _, c := range cands {
		ids, candidateIDs = append(ids, newID("rv_")), append(candidateIDs, c.contactID)
		scores, weights = append(scores, c.verdict.Score), append(weights, c.verdict.Weight)
		matchedBy = append(matchedBy, strings.Join(c.verdict.MatchedBy, ",")) // kinds: lower-case words
	}
	var opened []string
	if err := tx.SelectContext(ctx, &opened, `INSERT INTO contact_reviews (review_id, contact_id, candidate_id, lead_id, score, weight, matched_by)
		SELECT r.id, $1, r.candidate, $2, r.score, r.weight, string_to_array(r.matched_by, ',')
		FROM unnest($3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[]) AS r (id, candidate, score, weight, matched_by)
		WHERE r.candidate <> $1 AND NOT EXISTS (SELECT 1 FROM contact_reviews d
		    WHERE (d.contact_id, d.candidate_id) IN (($1, r.candidate), (r.candidate, $1)))
		RETURNING review_id`, contactID, leadID, pq.Array(ids), pq.Array(candidateIDs), pq.Array(scores), pq.Array(weights),
		pq.Array(matchedBy)); err != nil {
		return mapErr(err)
	}
	if len(opened) == 0 {
		return nil
	}
	return s.audit(ctx, tx, "workflow", "contact.review_opened", "contact", contactID,
		map[string]any{"review_ids": opened, "lead_id": leadID})
}

// newID returns prefix + 20 random hex characters.
func newID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return prefix + hex.EncodeToString(b)
}
