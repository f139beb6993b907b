package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// saveFor writes a lead on the contact its match found, with the given fields.
func saveFor(t testing.TB, st *store.Store, leadID string, m store.MatchResult, f lead.Fields, msgs ...lead.Message) {
	t.Helper()
	_, err := st.SaveLead(context.Background(), store.LeadRecord{LeadID: leadID, ConversationID: "conv-" + leadID,
		WorkflowID: "conversation-conv-" + leadID, ContactID: m.ContactID, Status: lead.StatusProcessing,
		Channel: lead.ChannelWeb, Fields: f, Score: 40, Tier: lead.TierWarm, Messages: msgs})
	require.NoError(t, err)
}

type contactRow struct {
	FullName   *string `db:"full_name"`
	Phone      *string `db:"phone"`
	Email      *string `db:"email"`
	Company    *string `db:"company"`
	MergedInto *string `db:"merged_into"`
	Erased     bool    `db:"erased"`
}

func contactOf(t testing.TB, st *store.Store, id string) contactRow {
	t.Helper()
	var c contactRow
	require.NoError(t, st.DB().Get(&c, `SELECT full_name, phone, email, company, merged_into, erased_at IS NOT NULL AS erased
		FROM contacts WHERE contact_id = $1`, id))
	return c
}

func TestContactValuesFollowTheSurvivorshipRule(t *testing.T) {
	_, st := newStore(t)
	first := match(t, st, "ld-1", "+989120004567", "")
	saveFor(t, st, "ld-1", first, lead.Fields{
		Phone:    lead.Set("+989120004567", 0.9, "0912 000 4567", lead.SourceRules),
		FullName: lead.Set("Ali", 0.99, "", lead.SourceChannel), // the WhatsApp display name
		Company:  lead.Set("Rahkar", 0.7, "Rahkar", lead.SourceLLM),
	})
	second := match(t, st, "ld-2", "+989120004567", "")
	require.Equal(t, first.ContactID, second.ContactID)
	saveFor(t, st, "ld-2", second, lead.Fields{
		Phone:    lead.Set("+989120004567", 0.9, "", lead.SourceRules),
		FullName: lead.Set("Ali Rezaei", 0.95, "I'm Ali Rezaei", lead.SourceRules), // higher, but not channel-proven
		Company:  lead.Set("Rahkar Co", 0.9, "Rahkar Co", lead.SourceRules),        // higher confidence wins
	})
	c := contactOf(t, st, first.ContactID)
	assert.Equal(t, "Ali", *c.FullName, "a channel-proven value beats a more confident extracted one")
	assert.Equal(t, "Rahkar Co", *c.Company, "then the higher confidence wins")
	assert.Equal(t, 6, count(t, st, `SELECT count(*) FROM contact_field_values WHERE contact_id = $1`, first.ContactID),
		"the losing values stay in the history")
}

func TestReviewQueueAndResolutions(t *testing.T) {
	ctx, st := newStore(t)
	tom := matchPerson(t, st, store.MatchRequest{LeadID: "ld-tom", Country: "GB", Name: "Tom Baker", Phone: "+442079460018",
		Email: "tom.baker@northwind.example"})
	saveFor(t, st, "ld-tom", tom, lead.Fields{FullName: lead.Set("Tom Baker", 0.9, "", lead.SourceRules)})
	// Someone on Tom's office line, no name: possibly Tom.
	maybe := matchPerson(t, st, store.MatchRequest{LeadID: "ld-maybe", Phone: "+442079460018", Email: "ops@northwind.example"})
	require.Equal(t, lead.MatchReview, maybe.Match.Decision)
	require.True(t, maybe.IsNewContact)
	saveFor(t, st, "ld-maybe", maybe, lead.Fields{Email: lead.Set("ops@northwind.example", 0.9, "", lead.SourceRules)})

	reviews, next, err := st.PendingReviews(ctx, 10, "")
	require.NoError(t, err)
	require.Len(t, reviews, 1)
	assert.Empty(t, next)
	r := reviews[0]
	assert.Equal(t, maybe.ContactID, r.Contact.ContactID)
	assert.Equal(t, tom.ContactID, r.Candidate.ContactID)
	assert.Equal(t, "Tom Baker", *r.Candidate.FullName)
	assert.Equal(t, "ld-maybe", r.LeadID)
	assert.Equal(t, 1, r.Contact.Leads)

	// The reviewer merges; a repeat is answered the same and changes nothing.
	res, err := st.MergeContacts(ctx, tom.ContactID, maybe.ContactID, "key:admin")
	require.NoError(t, err)
	assert.Equal(t, store.MergeResult{ContactID: tom.ContactID, DuplicateID: maybe.ContactID, LeadsMoved: 1}, res)
	again, err := st.MergeContacts(ctx, tom.ContactID, maybe.ContactID, "key:admin")
	require.NoError(t, err)
	assert.True(t, again.Already)
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'contact.merged'`))

	// Everything of the duplicate is on the survivor now.
	assert.Equal(t, 2, count(t, st, `SELECT count(*) FROM leads WHERE contact_id = $1`, tom.ContactID))
	assert.Equal(t, lead.MatchReview, getLead(t, st, "ld-maybe").Match.Decision, "the lead keeps its match record")
	assert.Equal(t, tom.ContactID, getLead(t, st, "ld-maybe").ContactID)
	assert.Contains(t, identities(t, st, tom.ContactID), "email:ops@northwind.example")
	assert.Empty(t, identities(t, st, maybe.ContactID))
	assert.Equal(t, tom.ContactID, *contactOf(t, st, maybe.ContactID).MergedInto)
	reviews, _, err = st.PendingReviews(ctx, 10, "")
	require.NoError(t, err)
	assert.Empty(t, reviews)

	// A later save through the workflow's stale contact id lands on the survivor.
	saveFor(t, st, "ld-maybe", maybe, lead.Fields{Email: lead.Set("ops@northwind.example", 0.9, "", lead.SourceRules)})
	assert.Equal(t, tom.ContactID, getLead(t, st, "ld-maybe").ContactID)

	// Merging into a merged contact, or the other way round, is a conflict.
	_, err = st.MergeContacts(ctx, maybe.ContactID, tom.ContactID, "key:admin")
	assert.ErrorIs(t, err, store.ErrConflict)
	_, err = st.MergeContacts(ctx, tom.ContactID, "ct_nobody", "key:admin")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestNotDuplicateIsRemembered(t *testing.T) {
	ctx, st := newStore(t)
	tom := matchPerson(t, st, store.MatchRequest{LeadID: "ld-tom", Country: "GB", Name: "Tom Baker", Phone: "+442079460018"})
	maybe := matchPerson(t, st, store.MatchRequest{LeadID: "ld-maybe", Phone: "+442079460018", Email: "ops@northwind.example"})
	require.Equal(t, lead.MatchReview, maybe.Match.Decision)

	for range 2 { // idempotent
		require.NoError(t, st.MarkNotDuplicate(ctx, maybe.ContactID, tom.ContactID, "key:admin"))
	}
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'contact.not_duplicate'`))
	reviews, _, err := st.PendingReviews(ctx, 10, "")
	require.NoError(t, err)
	assert.Empty(t, reviews)

	// The same person writes again: they are the "maybe" contact (its own mailbox), and the
	// question about Tom is not asked again.
	again := matchPerson(t, st, store.MatchRequest{LeadID: "ld-again", Phone: "+442079460018", Email: "ops@northwind.example"})
	assert.Equal(t, maybe.ContactID, again.ContactID)
	assert.Equal(t, 0, count(t, st, `SELECT count(*) FROM contact_reviews WHERE status = 'pending'`))

	assert.ErrorIs(t, st.MarkNotDuplicate(ctx, tom.ContactID, "ct_nobody", "key:admin"), store.ErrNotFound)
}

func TestEraseContact(t *testing.T) {
	ctx, st := newStore(t)
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	first := matchPerson(t, st, store.MatchRequest{LeadID: "ld-1", Name: "Sara Kim", Email: "sara@acme.example"})
	saveFor(t, st, "ld-1", first, lead.Fields{Email: lead.Set("sara@acme.example", 0.99, "sara@acme.example", lead.SourceChannel),
		FullName: lead.Set("Sara Kim", 0.9, "I'm Sara Kim", lead.SourceRules)}, msg("m1", "I'm Sara Kim, sara@acme.example", at))
	other := matchPerson(t, st, store.MatchRequest{LeadID: "ld-2", Phone: "+447700900123"})
	saveFor(t, st, "ld-2", other, lead.Fields{Phone: lead.Set("+447700900123", 0.9, "07700 900123", lead.SourceRules)},
		msg("m1", "call me on 07700 900123", at))
	_, err := st.MergeContacts(ctx, first.ContactID, other.ContactID, "key:admin")
	require.NoError(t, err)
	note := "called Sara on her mobile"
	require.NoError(t, st.RecordOutcome(ctx, store.OutcomeRecord{LeadID: "ld-1", IdempotencyKey: "k1", NewStatus: lead.StatusContacted,
		Note: lead.OutcomeNote{Outcome: lead.OutcomeContacted, RepID: "rep-1", At: at, Note: &note}}))

	e, err := st.EraseContact(ctx, other.ContactID, "key:admin") // the merged id leads to the person
	require.NoError(t, err)
	assert.Equal(t, first.ContactID, e.ContactID)
	assert.Equal(t, []string{other.ContactID}, e.MergedContacts)
	assert.ElementsMatch(t, []string{"ld-1", "ld-2"}, e.Leads)
	assert.ElementsMatch(t, []string{"conversation-conv-ld-1", "conversation-conv-ld-2"}, e.Workflows)
	assert.Equal(t, 2, e.TranscriptMessages)
	assert.Equal(t, 1, e.OutcomeNotes)
	assert.Positive(t, e.IdentityKeys)
	assert.Equal(t, 3, e.FieldValues)
	assert.False(t, e.Already)

	// Nothing personal is left anywhere the store keeps it.
	assert.Equal(t, contactRow{Erased: true}, contactOf(t, st, first.ContactID))
	for _, q := range []string{
		`SELECT count(*) FROM contact_identities`, `SELECT count(*) FROM contact_field_values`, `SELECT count(*) FROM transcript_messages`,
		`SELECT count(*) FROM contacts WHERE full_name IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL OR company IS NOT NULL`,
		`SELECT count(*) FROM leads WHERE fields::text LIKE '%sara%' OR fields::text LIKE '%07700%'`,
		`SELECT count(*) FROM outcomes WHERE note IS NOT NULL`,
		`SELECT count(*) FROM audit_log WHERE detail::text LIKE '%sara%' OR detail::text LIKE '%+4477%'`,
	} {
		assert.Zero(t, count(t, st, q), q)
	}
	l := getLead(t, st, "ld-1")
	assert.Nil(t, l.Fields.Email.Value)
	assert.Equal(t, lead.StatusContacted, l.Status, "the lead's history without personal data stays for reporting")

	// A repeat answers the same ids; an activity still in flight writes nothing back; the person is
	// not found again by their old keys.
	again, err := st.EraseContact(ctx, first.ContactID, "key:admin")
	require.NoError(t, err)
	assert.True(t, again.Already)
	assert.Equal(t, e.Workflows, again.Workflows)
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'contact.erased'`))
	_, err = st.SaveLead(ctx, store.LeadRecord{LeadID: "ld-1", ConversationID: "conv-ld-1", WorkflowID: "w", ContactID: first.ContactID,
		Status: lead.StatusAssigned, Channel: lead.ChannelWeb, Fields: lead.Fields{Email: lead.Set("sara@acme.example", 0.9, "", lead.SourceRules)}})
	assert.ErrorIs(t, err, store.ErrErased)
	_, err = st.MatchContact(ctx, store.MatchRequest{LeadID: "ld-1", Email: "sara@acme.example"})
	assert.ErrorIs(t, err, store.ErrErased)
	fresh := matchPerson(t, st, store.MatchRequest{LeadID: "ld-3", Email: "sara@acme.example"})
	assert.True(t, fresh.IsNewContact)

	_, err = st.EraseContact(ctx, "ct_nobody", "key:admin")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

// One person writes on WhatsApp, the web chat and e-mail at the same moment, each conversation with
// the phone (in its own format) and other keys of its channel: every conversation ends on one
// contact. (Conversations that share no key at all cannot be linked until one that has both
// arrives; that one then opens a review rather than merging two contacts on its own word.)
func TestMatchContactConcurrentBurstOfOnePerson(t *testing.T) {
	_, st := newStore(t)
	reqs := []store.MatchRequest{
		{Channel: "whatsapp", ExternalID: "wa:989120004567", Phone: "+989120004567", Name: "Ali"},
		{Channel: "web", ExternalID: "cookie-1", Phone: "+989120004567", Email: "ali@rahkar.example", Name: "علی رضایی"},
		{Channel: "email", ExternalID: "email:ali@rahkar.example", Email: "ali@rahkar.example", Name: "Ali Rezaei", Phone: "+98 912 000 4567"},
		{Channel: "web", ExternalID: "cookie-2", Phone: "09120004567", Country: "IR"},
	}
	const rounds = 10
	var wg sync.WaitGroup
	errs := make([]error, rounds*len(reqs))
	start := make(chan struct{})
	for i := range errs {
		wg.Go(func() {
			<-start
			req := reqs[i%len(reqs)]
			req.LeadID = fmt.Sprintf("ld-%d", i)
			_, errs[i] = st.MatchContact(context.Background(), req)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "lead %d", i)
	}
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM contacts`))
	assert.Equal(t, 1, count(t, st, `SELECT count(DISTINCT contact_id) FROM lead_matches`))
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM lead_matches WHERE is_new_contact`))
}

// A caller on a switchboard many contacts share opens a few reviews, the closest, not one per holder.
func TestReviewsPerLeadAreBounded(t *testing.T) {
	_, st := newStore(t)
	for i := range 6 {
		matchPerson(t, st, store.MatchRequest{LeadID: fmt.Sprintf("ld-%d", i), Country: "GB", Phone: "+442079460018",
			Email: fmt.Sprintf("person%d@northwind.example", i)})
	}
	caller := matchPerson(t, st, store.MatchRequest{LeadID: "ld-caller", Country: "GB", Phone: "+442079460018", Email: "ops@northwind.example"})
	require.Equal(t, lead.MatchReview, caller.Match.Decision)
	assert.Equal(t, 3, count(t, st, `SELECT count(*) FROM contact_reviews WHERE contact_id = $1`, caller.ContactID))
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'contact.review_opened' AND subject_id = $1`, caller.ContactID))
}
