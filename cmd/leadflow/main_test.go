package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/internal/shadow"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Run(m, false, &env)) }

// seed routes and writes leads the way the workflow does: a Persian desk, a fallback desk, and
// warm leads in Persian and English.
func seed(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, tm := range []store.Team{{TeamID: "fa", Name: "fa", Languages: []string{"fa"}, Priority: 10}, {TeamID: "global", Name: "global"}} {
		if _, err := st.PutTeam(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []store.Rep{{RepID: "fa-1", TeamID: "fa"}, {RepID: "fa-2", TeamID: "fa"}, {RepID: "gl-1", TeamID: "global"}} {
		r.Name, r.Active, r.MaxOpenLeads, r.Timezone = r.RepID, true, 50, "UTC"
		if _, err := st.PutRep(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		language := []string{"fa", "en"}[i%2]
		leadID := fmt.Sprintf("ld-%d", i)
		var f lead.Fields
		f.Email = lead.Set(fmt.Sprintf("buyer%d@acme.example", i), 0.9, "x", lead.SourceRules)
		f.Language = lead.Set(language, 0.9, "", lead.SourceRules)
		f.Intent = lead.Set(lead.IntentPriceInquiry, 0.8, "x", lead.SourceRules)
		m, err := st.MatchContact(ctx, store.MatchRequest{LeadID: leadID, Email: *f.Email.Value})
		if err != nil {
			t.Fatal(err)
		}
		d, err := st.Assign(ctx, policy.Default(), routing.Request{LeadID: leadID, ContactID: m.ContactID, Language: language, Tier: lead.TierWarm})
		if err != nil || d.Assignment == nil {
			t.Fatalf("assign: %v %+v", err, d)
		}
		if _, err := st.SaveLead(ctx, store.LeadRecord{LeadID: leadID, ConversationID: "c-" + leadID, WorkflowID: "w-" + leadID,
			ContactID: m.ContactID, Status: lead.StatusAssigned, Channel: lead.ChannelWeb, Fields: f, Score: 40, Tier: lead.TierWarm,
			PolicyVersion: "builtin", Assignment: d.Assignment,
			ScoreContext: lead.ScoreContext{Events: []string{"viewed_pricing"}}}); err != nil {
			t.Fatal(err)
		}
	}
}

func snapshot(t *testing.T, st *store.Store) string {
	t.Helper()
	var s string
	if err := st.DB().Get(&s, `SELECT (SELECT string_agg(lead_id || rep_id || rule, ',' ORDER BY lead_id) FROM lead_assignments) ||
		(SELECT string_agg(rep_id || rotation_credit, ',' ORDER BY rep_id) FROM reps) ||
		(SELECT count(*) FROM lead_scores) || (SELECT count(*) FROM audit_log)`); err != nil {
		t.Fatal(err)
	}
	return s
}

// A candidate that makes every price question hot and turns the Persian desk's on-call rule on
// shows the tier moves and the leads that would reach the on-call rep, and changes nothing.
func TestPolicyReplay(t *testing.T) {
	ctx := context.Background()
	url := env.DatabaseURL(t)
	st, err := store.OpenMigrated(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seed(t, st)
	if _, err := st.PutRep(ctx, store.Rep{RepID: "fa-2", TeamID: "fa", Name: "fa-2", Active: true, MaxOpenLeads: 50, Timezone: "UTC", OnCall: true}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, st)

	candidate := filepath.Join(t.TempDir(), "hot.yaml")
	if err := os.WriteFile(candidate, []byte(`
version: hot-prices-1
scoring:
  base: 10
  tiers: {hot: 40, warm: 20}
  intent: {price_inquiry: 25}
  events: {viewed_pricing: 5}
  contact: {email: 10}
routing:
  rules: [hot_on_call, team_round_robin]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"policy", "replay", "--policy", candidate, "--since", "1h", "--json"}, url, &out); err != nil {
		t.Fatal(err)
	}
	var r shadow.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if r.Policy != "hot-prices-1" || r.Leads != 6 || r.Tiers["warm→hot"] != 6 || r.TierChanges != 6 {
		t.Fatalf("report: %+v", r)
	}
	// The three Persian leads reach fa-2, on call; the English ones stay on the fallback desk.
	onCall := 0
	for _, c := range r.Changes {
		if c.ToRule == routing.RuleHotOnCall {
			onCall++
			if c.ToRep != "fa-2" || c.FromTeam != "fa" {
				t.Errorf("%+v", c)
			}
		} else if c.ToTeam != "global" || c.FromTeam != "global" {
			t.Errorf("%+v", c)
		}
	}
	if onCall != 3 || r.RuleChanges != 3 {
		t.Fatalf("on-call leads %d, rule changes %d: %+v", onCall, r.RuleChanges, r.Changes)
	}
	if after := snapshot(t, st); after != before {
		t.Fatalf("the replay changed the database:\n%s\n%s", before, after)
	}

	out.Reset()
	if err := run(ctx, []string{"policy", "replay", "--policy", candidate}, url, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hot-prices-1 replayed over 6 leads", "warm→hot", "team_round_robin→hot_on_call"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	for _, bad := range [][]string{{"policy"}, {"policy", "replay"}, {"policy", "replay", "--policy", "/no/such.yaml"}} {
		if err := run(ctx, bad, url, &out); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
