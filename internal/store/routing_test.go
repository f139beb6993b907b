package store_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/internal/store"
)

func assign(t testing.TB, st *store.Store, req routing.Request) (lead.Assignment, bool) {
	t.Helper()
	d, err := st.Assign(context.Background(), policy.Default(), req)
	require.NoError(t, err)
	if d.Assignment == nil {
		return lead.Assignment{}, false
	}
	return *d.Assignment, true
}

// assignRep routes a lead that any team takes and returns the chosen rep ("" when nobody).
func assignRep(t testing.TB, st *store.Store, leadID string) string {
	t.Helper()
	a, ok := assign(t, st, routing.Request{LeadID: leadID})
	if !ok {
		return ""
	}
	return a.RepID
}

func TestAssignChoosesTeam(t *testing.T) {
	_, st := newStore(t)
	for _, tm := range []store.Team{
		{TeamID: "global"},
		{TeamID: "persian", Languages: pq.StringArray{"fa"}, Countries: pq.StringArray{"IR"}, Priority: 10},
		{TeamID: "persian-any-country", Languages: pq.StringArray{"fa"}, Priority: 10},
		{TeamID: "german", Languages: pq.StringArray{"de"}, Priority: 5},
		{TeamID: "dach", Countries: pq.StringArray{"DE", "AT", "CH"}, Priority: 7},
		{TeamID: "arabic-low", Languages: pq.StringArray{"ar"}, Priority: -1}, // below the catch-all
	} {
		putTeam(t, st, tm)
		putRep(t, st, tm.TeamID, "rep-"+tm.TeamID)
	}
	tests := []struct {
		language, country string
		wantTeam          string
	}{
		{"fa", "IR", "persian"},             // the more specific team wins
		{"fa", "AF", "persian-any-country"}, // only the language matches
		{"fa", "", "persian-any-country"},
		{"de", "DE", "dach"}, // both match as specifically: higher priority wins
		{"de", "BE", "german"},
		{"en", "AT", "dach"},
		{"en", "US", "global"}, // empty lists match anything
		{"", "", "global"},
		{"ar", "SA", "arabic-low"}, // the most specific match wins over the catch-all's priority
	}
	for i, tt := range tests {
		t.Run(tt.language+"-"+tt.country, func(t *testing.T) {
			a, ok := assign(t, st, routing.Request{LeadID: fmt.Sprintf("ld-%d", i), Language: tt.language, Country: tt.country})
			require.True(t, ok)
			assert.Equal(t, tt.wantTeam, a.TeamID)
			assert.Equal(t, "rep-"+tt.wantTeam, a.RepID)
			assert.Equal(t, routing.RuleTeamRoundRobin, a.Rule)
			assert.Empty(t, a.Skipped)
		})
	}
}

func TestAssignRoundRobin(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	// Created out of order: the rotation follows rep ids, not creation.
	for _, id := range []string{"rep-c", "rep-a", "rep-b"} {
		putRep(t, st, "t", id)
	}
	var got []string
	for i := range 7 {
		got = append(got, assignRep(t, st, fmt.Sprintf("ld-%d", i)))
	}
	assert.Equal(t, []string{"rep-a", "rep-b", "rep-c", "rep-a", "rep-b", "rep-c", "rep-a"}, got)
	assert.Equal(t, 3, openLeads(t, st, "rep-a"))
	assert.Equal(t, 2, openLeads(t, st, "rep-c"))
}

func TestAssignSkipsInactiveAndFullReps(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-1", inactive)
	putRep(t, st, "t", "rep-2", maxOpen(1))
	putRep(t, st, "t", "rep-3")

	// rep-1 is inactive, rep-2 takes one lead.
	a, ok := assign(t, st, routing.Request{LeadID: "ld-1"})
	require.True(t, ok)
	assert.Equal(t, "rep-2", a.RepID)
	assert.Equal(t, []lead.SkippedRep{{RepID: "rep-1", Reason: routing.SkipInactive}}, a.Skipped)

	tests := []struct {
		leadID      string
		wantRep     string
		wantSkipped []lead.SkippedRep
	}{
		// rep-2 is full now: every rep who could not take the lead is listed, with the reason.
		{"ld-2", "rep-3", []lead.SkippedRep{{RepID: "rep-1", Reason: routing.SkipInactive}, {RepID: "rep-2", Reason: routing.SkipAtCapacity}}},
		{"ld-3", "rep-3", []lead.SkippedRep{{RepID: "rep-1", Reason: routing.SkipInactive}, {RepID: "rep-2", Reason: routing.SkipAtCapacity}}},
	}
	for _, tt := range tests {
		a, ok := assign(t, st, routing.Request{LeadID: tt.leadID})
		require.True(t, ok)
		assert.Equal(t, tt.wantRep, a.RepID, tt.leadID)
		assert.Equal(t, tt.wantSkipped, a.Skipped, tt.leadID)
	}
	// The reasons are part of the lead document too.
	var skipped string
	require.NoError(t, st.DB().Get(&skipped, `SELECT skipped::text FROM lead_assignments WHERE lead_id = 'ld-3'`))
	assert.JSONEq(t, `[{"rep_id":"rep-1","reason":"inactive"},{"rep_id":"rep-2","reason":"at_capacity"}]`, skipped)
}

func TestAssignOverflowAndNobodyFree(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "fa", Languages: pq.StringArray{"fa"}, Priority: 10})
	putTeam(t, st, store.Team{TeamID: "backup", Priority: 1})
	putTeam(t, st, store.Team{TeamID: "de-only", Languages: pq.StringArray{"de"}, Priority: 100}) // never matches fa
	putRep(t, st, "fa", "fa-1", maxOpen(1))
	putRep(t, st, "fa", "fa-2", inactive)
	putRep(t, st, "backup", "bk-1", maxOpen(1))
	putRep(t, st, "de-only", "de-1")

	req := func(id string) routing.Request {
		return routing.Request{LeadID: id, Language: "fa", Country: "IR"}
	}
	a, ok := assign(t, st, req("ld-1"))
	require.True(t, ok)
	assert.Equal(t, "fa-1", a.RepID)
	assert.Equal(t, routing.RuleTeamRoundRobin, a.Rule)
	assert.Equal(t, []lead.SkippedRep{{RepID: "fa-2", Reason: routing.SkipInactive}}, a.Skipped)

	a, ok = assign(t, st, req("ld-2"))
	require.True(t, ok)
	assert.Equal(t, "backup", a.TeamID)
	assert.Equal(t, "bk-1", a.RepID)
	assert.Equal(t, routing.RuleOverflowRoundRobin, a.Rule)
	assert.Equal(t, []lead.SkippedRep{{RepID: "fa-1", Reason: routing.SkipAtCapacity}, {RepID: "fa-2", Reason: routing.SkipInactive}}, a.Skipped)

	// Both teams full: no rep now, and nothing is recorded for the lead.
	_, ok = assign(t, st, req("ld-3"))
	assert.False(t, ok)
	assert.Zero(t, count(t, st, `SELECT count(*) FROM lead_assignments WHERE lead_id = 'ld-3'`))

}

func TestAssignNoTeamMatches(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "de", Languages: pq.StringArray{"de"}})
	putRep(t, st, "de", "de-1")
	putTeam(t, st, store.Team{TeamID: "empty"}) // matches everything but has no reps
	_, ok := assign(t, st, routing.Request{LeadID: "ld-1", Language: "fa"})
	assert.False(t, ok)
}

func TestAssignSameLeadTwice(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-a")
	putRep(t, st, "t", "rep-b")
	first, ok := assign(t, st, routing.Request{LeadID: "ld-1"})
	require.True(t, ok)
	again, ok := assign(t, st, routing.Request{LeadID: "ld-1", Language: "de"}) // a retry, even with other inputs
	require.True(t, ok)
	assert.Equal(t, first, again)
	assert.Equal(t, 1, openLeads(t, st, "rep-a"))
	assert.Zero(t, openLeads(t, st, "rep-b"))
	// The retry did not move the rotation: the next lead goes to rep-b.
	assert.Equal(t, "rep-b", assignRep(t, st, "ld-2"))
}

func TestAssignSameLeadConcurrently(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-a")
	putRep(t, st, "t", "rep-b")
	const n = 4
	got := make([]lead.Assignment, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			d, err := st.Assign(context.Background(), policy.Default(), routing.Request{LeadID: "ld-1"})
			errs[i] = err
			if d.Assignment != nil {
				got[i] = *d.Assignment
			}
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, got[0], got[i])
	}
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM lead_assignments`))
}

func TestAssignConcurrentRespectsCapacity(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	for _, id := range []string{"rep-1", "rep-2", "rep-3"} {
		putRep(t, st, "t", id, maxOpen(2))
	}
	const n = 10
	oks := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			d, err := st.Assign(context.Background(), policy.Default(), routing.Request{LeadID: fmt.Sprintf("ld-%d", i)})
			oks[i], errs[i] = d.Assignment != nil, err
		})
	}
	close(start)
	wg.Wait()
	assigned := 0
	for i := range n {
		require.NoError(t, errs[i])
		if oks[i] {
			assigned++
		}
	}
	assert.Equal(t, 6, assigned)
	reps, err := st.Reps(context.Background())
	require.NoError(t, err)
	for _, r := range reps {
		assert.Equal(t, 2, r.OpenLeads, "%s: filled exactly to capacity", r.RepID)
	}
	assert.Equal(t, 6, count(t, st, `SELECT count(*) FROM lead_assignments`))
}

// Reps who join take their share from then on; the others keep their place in the rotation.
func TestAssignRotationSurvivesNewReps(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-2")
	putRep(t, st, "t", "rep-4")
	assert.Equal(t, "rep-2", assignRep(t, st, "ld-1"))

	putRep(t, st, "t", "rep-1")
	putRep(t, st, "t", "rep-3")
	counts := map[string]int{}
	for i := 2; i <= 9; i++ {
		counts[assignRep(t, st, fmt.Sprintf("ld-%d", i))]++
	}
	assert.Equal(t, map[string]int{"rep-1": 2, "rep-2": 2, "rep-3": 2, "rep-4": 2}, counts)

	// A rep leaving (deactivated) is skipped; the others carry on.
	putRep(t, st, "t", "rep-4", inactive)
	for i := 10; i <= 15; i++ {
		assert.NotEqual(t, "rep-4", assignRep(t, st, fmt.Sprintf("ld-%d", i)))
	}
}

// Rep ids are chosen by admins ("Rep-B", "rep-a", "rep_10"); the rotation cursor is compared in Go,
// byte-wise, so the reps must come from Postgres in byte order too, whatever the database's
// collation. Many managed Postgres databases default to en_US, where "rep-a" < "Rep-B".
func TestAssignRotationIndependentOfCollation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := storeWithCollation(t, "en-US")
	putTeam(t, st, store.Team{TeamID: "t"})
	ids := []string{"Rep-B", "rep-a", "rep_c"} // byte order; en-US (ICU) says rep_c, rep-a, Rep-B
	for _, id := range ids {
		putRep(t, st, "t", id)
	}
	var dbOrder []string
	require.NoError(t, st.DB().SelectContext(ctx, &dbOrder, `SELECT rep_id FROM reps ORDER BY rep_id`))
	if slices.Equal(dbOrder, ids) {
		t.Fatalf("the database does not collate like en-US (%v): the test proves nothing", dbOrder)
	}
	var got []string
	for i := range 6 {
		got = append(got, assignRep(t, st, fmt.Sprintf("ld-%d", i)))
	}
	assert.Equal(t, append(ids, ids...), got, "every rep gets a turn, in byte order of rep ids")
}

// storeWithCollation opens a migrated store on a new database whose default collation is the ICU
// locale given; it skips the test when the server has no ICU.
func storeWithCollation(t *testing.T, icuLocale string) *store.Store {
	t.Helper()
	ctx := context.Background()
	base := env.DatabaseURL(t)
	admin, err := store.Open(ctx, base)
	require.NoError(t, err)
	defer admin.Close()
	u, err := url.Parse(base)
	require.NoError(t, err)
	name := strings.TrimPrefix(u.Path, "/") + "_icu"
	if _, err := admin.DB().ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'
		LOCALE_PROVIDER icu ICU_LOCALE '%s' LOCALE 'C.UTF-8'`, name, icuLocale)); err != nil {
		t.Skipf("no ICU collation %s on this server: %v", icuLocale, err)
	}
	u.Path = "/" + name
	st, err := store.Open(ctx, u.String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(ctx))
	return st
}
