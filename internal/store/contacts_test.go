package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/bench/match/synth"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

func match(t testing.TB, st *store.Store, leadID, phone, email string) store.MatchResult {
	t.Helper()
	return matchPerson(t, st, store.MatchRequest{LeadID: leadID, Phone: phone, Email: email})
}

func matchPerson(t testing.TB, st *store.Store, req store.MatchRequest) store.MatchResult {
	t.Helper()
	res, err := st.MatchContact(context.Background(), req)
	require.NoError(t, err)
	return res
}

// identities lists the contact's identifying keys as "kind:value".
func identities(t testing.TB, st *store.Store, contactID string) []string {
	t.Helper()
	var keys []string
	require.NoError(t, st.DB().Select(&keys, `SELECT kind || ':' || value FROM contact_identities
		WHERE contact_id = $1 AND kind NOT IN ('name', 'company', 'domain') ORDER BY kind, value`, contactID))
	return keys
}

func TestMatchContact(t *testing.T) {
	ctx, st := newStore(t)

	// Ali: web chat with a mobile, then WhatsApp. Sara: a Gmail address. Tom: an office line.
	ali := matchPerson(t, st, store.MatchRequest{LeadID: "ld-ali", Channel: "web", ExternalID: "cookie-1", Country: "IR",
		Name: "علی رضایی", Phone: "+989120004567", Company: "راهکار"})
	require.True(t, ali.IsNewContact)
	assert.Equal(t, lead.Match{Decision: lead.MatchNew, MatchedBy: []string{}, Score: 0}, ali.Match)
	assert.Equal(t, []string{"phone:+989120004567", "web:cookie-1"}, identities(t, st, ali.ContactID))
	sara := matchPerson(t, st, store.MatchRequest{LeadID: "ld-sara", Channel: "web", Name: "سارا محمدی", Email: "sara.mohammadi@gmail.com"})
	tom := matchPerson(t, st, store.MatchRequest{LeadID: "ld-tom", Channel: "web", Country: "GB", Name: "Tom Baker",
		Phone: "+442079460018", Email: "tom.baker@northwind.example", Company: "Northwind Logistics Ltd"})
	require.True(t, sara.IsNewContact && tom.IsNewContact)

	tests := []struct {
		name     string
		req      store.MatchRequest
		want     string // "ali", "sara", "tom" or "new"
		decision lead.MatchDecision
		by       []string
	}{
		{"same mobile on WhatsApp, name in Latin",
			store.MatchRequest{Channel: "whatsapp", ExternalID: "wa:989120004567", Name: "Ali Rezaei", Phone: "+989120004567"},
			"ali", lead.MatchMerged, []string{"phone", "skeleton"}},
		{"Gmail without the dot, from WhatsApp",
			store.MatchRequest{Channel: "whatsapp", ExternalID: "wa:989190001122", Name: "Sara", Phone: "+989190001122", Email: "saramohammadi@gmail.com"},
			"sara", lead.MatchMerged, []string{"gmail", "skeleton"}},
		{"a colleague on the office line",
			store.MatchRequest{Channel: "email", ExternalID: "email:priya.shah@northwind.example", Name: "Priya Shah",
				Phone: "+442079460018", Email: "priya.shah@northwind.example", Company: "Northwind Logistics"},
			"new", lead.MatchNew, []string{}},
		{"the office line, nothing else said: possibly Tom",
			store.MatchRequest{Channel: "web", Phone: "+442079460018", Email: "ops@northwind.example"},
			"new", lead.MatchReview, []string{"phone", "domain"}},
		{"another Ali Rezaei",
			store.MatchRequest{Channel: "web", Name: "علی رضایی", Phone: "+989370001122", Email: "alirezaei75@example.com"},
			"new", lead.MatchNew, []string{}},
	}
	ids := map[string]string{"ali": ali.ContactID, "sara": sara.ContactID, "tom": tom.ContactID}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.LeadID = fmt.Sprintf("ld-case-%d", i)
			before := count(t, st, `SELECT count(*) FROM contacts`)
			reviews := count(t, st, `SELECT count(*) FROM contact_reviews`)
			res := matchPerson(t, st, tt.req)
			assert.Equal(t, tt.decision, res.Match.Decision)
			assert.Equal(t, tt.by, res.Match.MatchedBy)
			switch tt.want {
			case "new":
				assert.True(t, res.IsNewContact)
				assert.Equal(t, before+1, count(t, st, `SELECT count(*) FROM contacts`))
			default:
				assert.Equal(t, ids[tt.want], res.ContactID)
				assert.False(t, res.IsNewContact)
				assert.Equal(t, before, count(t, st, `SELECT count(*) FROM contacts`), "a merge creates no contact")
				assert.Greater(t, res.Match.Score, 0.9)
			}
			if tt.decision == lead.MatchReview {
				assert.Equal(t, reviews+1, count(t, st, `SELECT count(*) FROM contact_reviews WHERE contact_id = $1 AND candidate_id = $2 AND status = 'pending'`,
					res.ContactID, tom.ContactID)+reviews, "a review opened for the human")
			} else {
				assert.Equal(t, reviews, count(t, st, `SELECT count(*) FROM contact_reviews`), "no review for a clear decision")
			}
		})
	}

	// Ali gained the WhatsApp account; the office line is held by Tom and Priya alike.
	assert.Equal(t, []string{"phone:+989120004567", "web:cookie-1", "whatsapp:989120004567"}, identities(t, st, ali.ContactID))
	assert.Equal(t, 3, count(t, st, `SELECT count(*) FROM contact_identities WHERE kind = 'phone' AND value = '+442079460018'`))
	var decision string
	require.NoError(t, st.DB().GetContext(ctx, &decision, `SELECT detail->>'decision' FROM audit_log WHERE action = 'contact.matched' AND subject_id = 'ld-case-0'`))
	assert.Equal(t, "merged", decision)
}

func TestMatchContactRetryReturnsFirstDecision(t *testing.T) {
	_, st := newStore(t)
	first := match(t, st, "ld-1", "+989121234567", "")
	require.True(t, first.IsNewContact)

	// Other leads of the same person match the contact in between.
	second := match(t, st, "ld-2", "+989121234567", "")
	require.Equal(t, lead.MatchMerged, second.Match.Decision)
	match(t, st, "ld-3", "", "ali@example.ir")

	// The activity of ld-1 is retried: same answer, not "merged" with its own contact.
	for range 2 {
		again := match(t, st, "ld-1", "+989121234567", "")
		assert.Equal(t, first, again)
	}
	// A retry of ld-2 is still merged.
	assert.Equal(t, second, match(t, st, "ld-2", "+989121234567", ""))
	assert.Equal(t, 2, count(t, st, `SELECT count(*) FROM contacts`))
	assert.Equal(t, 3, count(t, st, `SELECT count(*) FROM lead_matches`))
	assert.Equal(t, 3, count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'contact.matched'`), "retries are not audited twice")
}

// Two conversations of one person (say WhatsApp and the web chat) are processed at the same moment:
// they must end on one contact. This is what the advisory locks on identity keys are for.
func TestMatchContactConcurrentSamePhone(t *testing.T) {
	_, st := newStore(t)
	const n = 20
	for round, phone := range []string{"+989121111111", "+989122222222", "+989123333333"} {
		results := make([]store.MatchResult, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				results[i], errs[i] = st.MatchContact(context.Background(),
					store.MatchRequest{LeadID: fmt.Sprintf("ld-%d-%d", round, i), Phone: phone})
			})
		}
		close(start)
		wg.Wait()

		newCount := 0
		for i := range n {
			require.NoError(t, errs[i], "lead %d", i)
			assert.Equal(t, results[0].ContactID, results[i].ContactID, "lead %d ended on another contact", i)
			if results[i].IsNewContact {
				newCount++
				assert.Equal(t, lead.MatchNew, results[i].Match.Decision)
			} else {
				assert.Equal(t, lead.MatchMerged, results[i].Match.Decision)
				assert.Equal(t, []string{"phone"}, results[i].Match.MatchedBy)
			}
		}
		assert.Equal(t, 1, newCount, "exactly one lead creates the contact")
		assert.Equal(t, round+1, count(t, st, `SELECT count(*) FROM contacts`), "round %d: one contact per person", round)
		assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM contact_identities WHERE value = $1`, phone))
	}
}

// The same lead matched twice at once (an activity retried while its first attempt still runs).
func TestMatchContactConcurrentSameLead(t *testing.T) {
	_, st := newStore(t)
	const n = 5
	results := make([]store.MatchResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = st.MatchContact(context.Background(), store.MatchRequest{LeadID: "ld-1", Phone: "+4915112345678", Email: "max@example.de"})
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, results[0], results[i])
	}
	assert.True(t, results[0].IsNewContact)
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM contacts`))
}

// BenchmarkMatchContact measures matching against 10,000 existing contacts that hold the keys
// identity.ProfileOf gives people (bench/match/synth): a mobile and an address each, most a name,
// many a company and its mail domain, some a WhatsApp id, a web cookie or a shared office line.
// The lookups are the mix of bench/match: hits by phone (E.164 and national), by e-mail and by
// WhatsApp id, new people, and calls from shared office lines. `make bench-match` runs the same
// workload against 1,000,000 contacts (docs/matching-at-scale.md).
func BenchmarkMatchContact(b *testing.B) {
	st := env.Store(b)
	ctx := context.Background()
	const seeded = 10_000
	seedContacts(b, st, seeded)
	require.Equal(b, seeded, count(b, st, `SELECT count(*) FROM contacts`))
	lookups, err := synth.NewLookups(ctx, st.DB(), 2_000, 1, "bench")
	require.NoError(b, err)

	merged := 0
	for b.Loop() {
		l := lookups.Next()
		res, err := st.MatchContact(ctx, l.Req)
		if err != nil {
			b.Fatal(err)
		}
		if res.Match.Decision == lead.MatchMerged {
			merged++
		}
	}
	b.ReportMetric(float64(merged)/float64(b.N), "merged/op")
}

// seedContacts writes n synthetic contacts with set-based SQL (INSERT … SELECT from
// generate_series, bench/match/synth) and analyzes the tables.
func seedContacts(b *testing.B, st *store.Store, n int) {
	b.Helper()
	stats, err := synth.Seed(context.Background(), st.DB(), n, 0.42)
	require.NoError(b, err)
	require.Greater(b, stats.Identities, 4*n, "keys per contact")
	_, err = st.DB().Exec(`VACUUM (ANALYZE) contacts, contact_identities`)
	require.NoError(b, err)
}
