// Integration tests of the store against a real Postgres: a throw-away cluster is started once for
// the package (internal/testenv) and every test gets its own freshly migrated database, so tests
// run in parallel without seeing each other's rows.
//
// The tests live in package store_test because testenv imports store.
package store_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Run(m, false, &env)) }

// newStore gives the test its own migrated database; tests using it run in parallel.
func newStore(t *testing.T) (context.Context, *store.Store) {
	t.Helper()
	t.Parallel()
	return t.Context(), env.Store(t)
}

// count runs a COUNT query and returns the number.
func count(t testing.TB, st *store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, st.DB().GetContext(context.Background(), &n, query, args...), query)
	return n
}

// putTeam creates a team, failing the test on error.
func putTeam(t testing.TB, st *store.Store, tm store.Team) {
	t.Helper()
	if tm.Name == "" {
		tm.Name = tm.TeamID
	}
	_, err := st.PutTeam(context.Background(), tm)
	require.NoError(t, err)
}

// putRep creates an active rep with room for many leads unless the caller says otherwise.
func putRep(t testing.TB, st *store.Store, teamID, repID string, edit ...func(*store.Rep)) {
	t.Helper()
	r := store.Rep{RepID: repID, TeamID: teamID, Name: repID, MaxOpenLeads: 25, Active: true, Timezone: "UTC"}
	for _, e := range edit {
		e(&r)
	}
	_, err := st.PutRep(context.Background(), r)
	require.NoError(t, err)
}

func maxOpen(n int) func(*store.Rep) { return func(r *store.Rep) { r.MaxOpenLeads = n } }
func inactive(r *store.Rep)          { r.Active = false }

// openLeads returns the rep's open-lead count as the store reports it.
func openLeads(t testing.TB, st *store.Store, repID string) int {
	t.Helper()
	r, err := st.RepByID(context.Background(), repID)
	require.NoError(t, err)
	return r.OpenLeads
}

// leadSpec describes a lead for seedLead; zero values get sensible defaults.
type leadSpec struct {
	LeadID   string
	Phone    string
	Email    string
	Language string
	Country  string
	Tier     lead.Tier
	Status   lead.Status
	Messages []lead.Message
	NoRoute  bool // do not assign: the lead is saved without a rep
	// PhoneConfidence is the phone's confidence; 0 means 0.9.
	PhoneConfidence float64
}

// seededLead is what seedLead created.
type seededLead struct {
	Record     store.LeadRecord
	Match      store.MatchResult
	Assignment *lead.Assignment
}

// seedLead runs a lead through the store the way the workflow does: match, route, save.
func seedLead(t testing.TB, st *store.Store, s leadSpec) seededLead {
	t.Helper()
	ctx := context.Background()
	if s.Phone == "" && s.Email == "" {
		s.Phone = fmt.Sprintf("+4477009%05d", len(s.LeadID)*7919%100000)
	}
	m, err := st.MatchContact(ctx, store.MatchRequest{LeadID: s.LeadID, Phone: s.Phone, Email: s.Email})
	require.NoError(t, err)
	var asg *lead.Assignment
	if !s.NoRoute {
		d, err := st.Assign(ctx, policy.Default(), routing.Request{LeadID: s.LeadID, ContactID: m.ContactID, Language: s.Language, Country: s.Country})
		require.NoError(t, err)
		asg = d.Assignment
	}
	if s.Tier == "" {
		s.Tier = lead.TierWarm
	}
	if s.Status == "" {
		s.Status = lead.StatusNeedsContact
		if asg != nil {
			s.Status = lead.StatusAssigned
		}
	}
	var f lead.Fields
	if s.Phone != "" {
		f.Phone = lead.Set(s.Phone, cmp.Or(s.PhoneConfidence, 0.9), s.Phone, lead.SourceRules)
	}
	if s.Email != "" {
		f.Email = lead.Set(s.Email, 0.9, s.Email, lead.SourceRules)
	}
	if s.Language != "" {
		f.Language = lead.Set(s.Language, 0.8, "", lead.SourceRules)
	}
	rec := store.LeadRecord{
		LeadID: s.LeadID, ConversationID: "conv-" + s.LeadID, WorkflowID: "conversation-conv-" + s.LeadID,
		ContactID: m.ContactID, Status: s.Status, Channel: lead.ChannelWeb, Fields: f, Score: 50, Tier: s.Tier,
		ScoreBreakdown: []lead.ScoreSignal{{Signal: "demo_request", Points: 25}}, PolicyVersion: "test-1",
		Assignment: asg, Messages: s.Messages,
	}
	if asg != nil {
		due := asg.AssignedAt.Add(15 * time.Minute)
		rec.FirstTouchDue = &due
	}
	_, err = st.SaveLead(ctx, rec)
	require.NoError(t, err)
	return seededLead{Record: rec, Match: m, Assignment: asg}
}
