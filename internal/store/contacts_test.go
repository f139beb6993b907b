package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

func match(t testing.TB, st *store.Store, leadID, phone, email string) store.MatchResult {
	t.Helper()
	res, err := st.MatchContact(context.Background(), store.MatchRequest{LeadID: leadID, Phone: phone, Email: email})
	require.NoError(t, err)
	return res
}

// identities lists the contact's identity keys as "kind:value".
func identities(t testing.TB, st *store.Store, contactID string) []string {
	t.Helper()
	var keys []string
	require.NoError(t, st.DB().Select(&keys, `SELECT kind || ':' || value FROM contact_identities WHERE contact_id = $1 ORDER BY kind, value`, contactID))
	return keys
}

func TestMatchContact(t *testing.T) {
	ctx, st := newStore(t)

	// A: phone + email; B: email only. Their keys seed the cases below.
	a := match(t, st, "ld-a", "+989121234567", "ali@example.ir")
	require.True(t, a.IsNewContact)
	assert.Equal(t, lead.Match{Decision: lead.MatchNew, MatchedBy: []string{}, Score: 0}, a.Match)
	assert.Equal(t, []string{"email:ali@example.ir", "phone:+989121234567"}, identities(t, st, a.ContactID))
	b := match(t, st, "ld-b", "", "sara@acme.io")
	require.True(t, b.IsNewContact)
	require.NotEqual(t, a.ContactID, b.ContactID)

	tests := []struct {
		name         string
		phone, email string
		wantContact  string // "a", "b" or "new"
		wantBy       []string
		wantKeysOfA  []string // A's identities afterwards, when the case can change them
	}{
		{name: "new phone is a new contact", phone: "+14155550100", wantContact: "new"},
		{name: "same phone from another lead merges", phone: "+989121234567", wantContact: "a", wantBy: []string{"phone"}},
		{name: "email match", email: "sara@acme.io", wantContact: "b", wantBy: []string{"email"}},
		{name: "phone and email of the same contact", phone: "+989121234567", email: "ali@example.ir", wantContact: "a", wantBy: []string{"phone", "email"}},
		{name: "phone of A and email of B go to A", phone: "+989121234567", email: "sara@acme.io", wantContact: "a", wantBy: []string{"phone"},
			wantKeysOfA: []string{"email:ali@example.ir", "phone:+989121234567"}},
		{name: "known email with a new phone attaches the phone", phone: "+447700900123", email: "sara@acme.io", wantContact: "b", wantBy: []string{"email"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := count(t, st, `SELECT count(*) FROM contacts`)
			res := match(t, st, fmt.Sprintf("ld-case-%d", i), tt.phone, tt.email)
			switch tt.wantContact {
			case "new":
				assert.True(t, res.IsNewContact)
				assert.Equal(t, lead.MatchNew, res.Match.Decision)
				assert.Equal(t, before+1, count(t, st, `SELECT count(*) FROM contacts`))
				return
			case "a":
				assert.Equal(t, a.ContactID, res.ContactID)
			case "b":
				assert.Equal(t, b.ContactID, res.ContactID)
			}
			assert.False(t, res.IsNewContact)
			assert.Equal(t, lead.MatchMerged, res.Match.Decision)
			assert.Equal(t, tt.wantBy, res.Match.MatchedBy)
			assert.Equal(t, 1.0, res.Match.Score)
			assert.Equal(t, before, count(t, st, `SELECT count(*) FROM contacts`), "a merge creates no contact")
			if tt.wantKeysOfA != nil {
				assert.Equal(t, tt.wantKeysOfA, identities(t, st, a.ContactID))
			}
		})
	}

	// B kept its email (A did not steal it) and gained the phone nobody owned.
	assert.Equal(t, []string{"email:sara@acme.io", "phone:+447700900123"}, identities(t, st, b.ContactID))
	var owner string
	require.NoError(t, st.DB().GetContext(ctx, &owner, `SELECT contact_id FROM contact_identities WHERE kind = 'email' AND value = 'sara@acme.io'`))
	assert.Equal(t, b.ContactID, owner)
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
// they must end on one contact. This is what the contact_identities primary key is for.
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

// BenchmarkMatchContact measures matching against a table of 10,000 existing contacts: half the
// lookups find an existing person by phone, half create a new one.
func BenchmarkMatchContact(b *testing.B) {
	st := env.Store(b)
	ctx := context.Background()
	const seeded = 10_000
	seedContacts(b, st, seeded)
	require.Equal(b, seeded, count(b, st, `SELECT count(*) FROM contacts`))

	i := 0
	for b.Loop() {
		phone := fmt.Sprintf("+4477009%05d", i%seeded) // existing
		if i%2 == 1 {
			phone = fmt.Sprintf("+4915%09d", i) // new
		}
		if _, err := st.MatchContact(ctx, store.MatchRequest{LeadID: fmt.Sprintf("bench-%d", i), Phone: phone}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// seedContacts loads n contacts with a phone identity each through COPY (lib/pq streams the rows
// of a prepared COPY statement), in one transaction.
func seedContacts(b *testing.B, st *store.Store, n int) {
	b.Helper()
	tx, err := st.DB().Begin()
	require.NoError(b, err)
	defer func() { _ = tx.Rollback() }()
	copyRows := func(table string, cols []string, row func(i int) []any) {
		stmt, err := tx.Prepare(fmt.Sprintf(`COPY %s (%s) FROM STDIN`, table, strings.Join(cols, ", "))) // lib/pq's COPY protocol
		require.NoError(b, err)
		for i := range n {
			_, err := stmt.Exec(row(i)...)
			require.NoError(b, err)
		}
		_, err = stmt.Exec()
		require.NoError(b, err)
		require.NoError(b, stmt.Close())
	}
	copyRows("contacts", []string{"contact_id", "phone", "email"}, func(i int) []any {
		return []any{fmt.Sprintf("ct_seed%06d", i), fmt.Sprintf("+4477009%05d", i), fmt.Sprintf("p%d@example.com", i)}
	})
	copyRows("contact_identities", []string{"kind", "value", "contact_id"}, func(i int) []any {
		return []any{store.IdentityPhone, fmt.Sprintf("+4477009%05d", i), fmt.Sprintf("ct_seed%06d", i)}
	})
	require.NoError(b, tx.Commit())
	_, err = st.DB().Exec(`ANALYZE contacts; ANALYZE contact_identities`)
	require.NoError(b, err)
}
