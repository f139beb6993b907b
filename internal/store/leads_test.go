package store_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

func msg(id, text string, at time.Time) lead.Message {
	return lead.Message{MessageID: id, Channel: lead.ChannelWeb, Role: lead.RoleCustomer, Text: text, SentAt: at}
}

func getLead(t testing.TB, st *store.Store, leadID string) lead.Lead {
	t.Helper()
	l, err := st.Lead(context.Background(), leadID)
	require.NoError(t, err)
	return l
}

// asJSON marshals v and reads it back as generic JSON, the way an API client sees it.
func asJSON(t testing.TB, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestLeadDocumentHasEveryAPIKey(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "fa"})
	putRep(t, st, "fa", "rep-7")
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	s := seedLead(t, st, leadSpec{LeadID: "ld-1", Phone: "+989121234567", Email: "ali@example.ir", Language: "fa",
		Tier: lead.TierHot, Messages: []lead.Message{msg("m-1", "سلام", t0), msg("m-2", "۰۹۱۲۱۲۳۴۵۶۷", t0.Add(time.Minute))}})

	l := getLead(t, st, "ld-1")
	doc := asJSON(t, l)
	for _, k := range []string{"lead_id", "contact_id", "conversation_ids", "is_new_contact", "match", "fields", "status", "score",
		"tier", "score_breakdown", "assignment", "crm", "followups", "sla", "outcomes", "timings"} {
		assert.Contains(t, doc, k)
	}
	assert.Equal(t, "ld-1", doc["lead_id"])
	assert.Equal(t, s.Match.ContactID, doc["contact_id"])
	assert.Equal(t, []any{"conv-ld-1"}, doc["conversation_ids"])
	assert.Equal(t, true, doc["is_new_contact"])
	assert.Equal(t, map[string]any{"decision": "new", "matched_by": []any{}, "score": 0.0}, doc["match"])
	assert.Equal(t, "assigned", doc["status"])
	assert.Equal(t, "hot", doc["tier"])
	assert.Equal(t, []any{map[string]any{"signal": "demo_request", "points": 25.0}}, doc["score_breakdown"])

	fields := doc["fields"].(map[string]any)
	assert.Len(t, fields, 13)
	for _, k := range []string{"full_name", "phone", "email", "company", "job_title", "country", "language", "intent",
		"product_interest", "budget", "urgency", "company_size", "summary"} {
		require.Contains(t, fields, k)
		f := fields[k].(map[string]any)
		for _, sub := range []string{"value", "confidence", "evidence", "source"} {
			assert.Contains(t, f, sub, "fields.%s.%s", k, sub)
		}
	}
	assert.Nil(t, fields["company"].(map[string]any)["value"], "an unknown field is null, the key stays")
	assert.Nil(t, fields["company"].(map[string]any)["source"])
	assert.Equal(t, "+989121234567", fields["phone"].(map[string]any)["value"])
	assert.Equal(t, "rules", fields["phone"].(map[string]any)["source"])

	asg := doc["assignment"].(map[string]any)
	assert.Equal(t, "rep-7", asg["rep_id"])
	assert.Equal(t, "fa", asg["team_id"])
	assert.Equal(t, "team_round_robin", asg["rule"])
	assert.Equal(t, []any{}, asg["skipped"])
	assert.Equal(t, s.Assignment, l.Assignment, "the document shows the assignment routing made")

	assert.Equal(t, map[string]any{"builtin": map[string]any{"contact_id": s.Match.ContactID, "lead_id": "ld-1"}}, doc["crm"])

	due := s.Record.FirstTouchDue.UTC().Format(time.RFC3339Nano)
	assert.Equal(t, []any{map[string]any{"id": "call-1", "kind": "call_task", "due_at": due, "status": "pending"}}, doc["followups"])
	assert.Equal(t, map[string]any{"first_touch_due_at": due, "breached": false, "escalations": []any{}}, doc["sla"])
	assert.Equal(t, []any{}, doc["outcomes"])
	timings := doc["timings"].(map[string]any)
	for _, k := range []string{"first_message_at", "processing_started_at", "crm_written_at", "assigned_at", "first_touch_at"} {
		assert.Contains(t, timings, k)
	}
	assert.Nil(t, timings["first_touch_at"])

	// The contact got the lead's details.
	var phone, email string
	require.NoError(t, st.DB().QueryRowContext(ctx, `SELECT phone, email FROM contacts WHERE contact_id = $1`, s.Match.ContactID).Scan(&phone, &email))
	assert.Equal(t, []string{"+989121234567", "ali@example.ir"}, []string{phone, email})

	_, err := st.Lead(ctx, "ld-missing")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestUnsurePhoneIsReviewedNotCalled(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "en"})
	putRep(t, st, "en", "rep-1")
	seedLead(t, st, leadSpec{LeadID: "ld-unsure", Phone: "+447700900123", PhoneConfidence: lead.ReviewThreshold - 0.1, Language: "en"})
	seedLead(t, st, leadSpec{LeadID: "ld-sure", Phone: "+447700900456", PhoneConfidence: lead.ReviewThreshold + 0.1, Language: "en"})

	unsure := getLead(t, st, "ld-unsure")
	require.Len(t, unsure.Followups, 1)
	assert.Equal(t, lead.FollowupReviewContact, unsure.Followups[0].Kind, "no call task on a phone below the threshold")
	assert.Equal(t, []string{"phone"}, unsure.ReviewFields)

	sure := getLead(t, st, "ld-sure")
	require.Len(t, sure.Followups, 1)
	assert.Equal(t, lead.FollowupCallTask, sure.Followups[0].Kind)
	assert.Equal(t, []any{}, asJSON(t, sure)["review_fields"], "the key is always there")
}

func TestLeadWithoutRep(t *testing.T) {
	_, st := newStore(t) // no teams at all
	seedLead(t, st, leadSpec{LeadID: "ld-1", Email: "x@example.com"})
	doc := asJSON(t, getLead(t, st, "ld-1"))
	assert.Nil(t, doc["assignment"])
	assert.Equal(t, []any{}, doc["followups"])
	assert.Equal(t, map[string]any{"first_touch_due_at": nil, "breached": false, "escalations": []any{}}, doc["sla"])
}

func TestSaveLeadIsIdempotent(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-1")
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	s := seedLead(t, st, leadSpec{LeadID: "ld-1", Messages: []lead.Message{msg("m-1", "hi", t0), msg("m-2", "call me", t0.Add(time.Second))}})
	written := t0.Add(time.Hour)
	s.Record.Timings.CRMWrittenAt = &written

	// The activity is retried (same record), then the conversation goes on and is saved again with
	// one more message and the old ones repeated.
	for range 2 {
		status, err := st.SaveLead(ctx, s.Record)
		require.NoError(t, err)
		assert.Equal(t, lead.StatusAssigned, status)
	}
	later := s.Record
	later.Messages = append(slices.Clone(later.Messages), msg("m-3", "still there?", t0.Add(time.Minute)))
	laterWritten := written.Add(time.Hour)
	later.Timings.CRMWrittenAt = &laterWritten
	later.Score, later.Tier = 80, lead.TierHot
	_, err := st.SaveLead(ctx, later)
	require.NoError(t, err)

	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM leads`))
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM tasks`))
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM contacts`))
	msgs, err := st.Transcript(ctx, "conv-ld-1")
	require.NoError(t, err)
	var ids []string
	for _, m := range msgs {
		ids = append(ids, m.MessageID)
	}
	assert.Equal(t, []string{"m-1", "m-2", "m-3"}, ids, "each message once, oldest first")
	assert.Equal(t, lead.RoleCustomer, msgs[0].Role)
	assert.True(t, msgs[2].SentAt.Equal(t0.Add(time.Minute)))

	l := getLead(t, st, "ld-1")
	assert.Equal(t, 80, l.Score, "a re-processing updates what the conversation says")
	assert.Equal(t, lead.TierHot, l.Tier)
	require.NotNil(t, l.Timings.CRMWrittenAt)
	assert.True(t, l.Timings.CRMWrittenAt.Equal(written), "crm_written_at keeps the first write")
	assert.Len(t, l.Followups, 1)
}

func TestSaveLeadDoesNotMoveStatusBack(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-1")
	tests := []struct {
		outcome lead.Outcome
		want    lead.Status
	}{
		{lead.OutcomeContacted, lead.StatusContacted},
		{lead.OutcomeQualified, lead.StatusQualified},
		{lead.OutcomeWon, lead.StatusWon},
		{lead.OutcomeLost, lead.StatusLost},
		{lead.OutcomeUnqualified, lead.StatusUnqualified},
	}
	for i, tt := range tests {
		t.Run(string(tt.outcome), func(t *testing.T) {
			ctx := context.Background()
			s := seedLead(t, st, leadSpec{LeadID: fmt.Sprintf("ld-%d", i)})
			at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
			require.NoError(t, st.RecordOutcome(ctx, store.OutcomeRecord{LeadID: s.Record.LeadID, IdempotencyKey: "k1",
				Note: lead.OutcomeNote{Outcome: tt.outcome, RepID: "rep-1", At: at}, NewStatus: tt.want}))

			// The conversation is processed again (the customer wrote once more).
			status, err := st.SaveLead(ctx, s.Record)
			require.NoError(t, err)
			assert.Equal(t, tt.want, status, "SaveLead reports the status it kept")
			l := getLead(t, st, s.Record.LeadID)
			assert.Equal(t, tt.want, l.Status)
			require.NotNil(t, l.Timings.FirstTouchAt, "first_touch_at survives the re-save")
			assert.True(t, l.Timings.FirstTouchAt.Equal(at))
			assert.Equal(t, lead.FollowupDone, l.Followups[0].Status, "the done call task is not re-opened")
		})
	}
	t.Run("early statuses do move forward", func(t *testing.T) {
		s := seedLead(t, st, leadSpec{LeadID: "ld-fwd", NoRoute: true, Status: lead.StatusProcessing})
		s.Record.Status = lead.StatusAssigned
		status, err := st.SaveLead(context.Background(), s.Record)
		require.NoError(t, err)
		assert.Equal(t, lead.StatusAssigned, status)
	})
}

func TestSaveLeadKeepsBreachedSLA(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-1")
	s := seedLead(t, st, leadSpec{LeadID: "ld-1"})
	esc := []lead.Escalation{{At: *s.Record.FirstTouchDue, RepID: "rep-1", Reason: "first_touch_overdue"}}
	require.NoError(t, st.MarkFirstTouchMissed(ctx, "ld-1", esc))
	_, err := st.SaveLead(ctx, s.Record)
	require.NoError(t, err)
	sla := getLead(t, st, "ld-1").SLA
	assert.True(t, sla.Breached)
	assert.Len(t, sla.Escalations, 1)
}

func TestLeadsListing(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "north"})
	putTeam(t, st, store.Team{TeamID: "south", Priority: 1, Languages: []string{"fa"}})
	putRep(t, st, "north", "n-1")
	putRep(t, st, "north", "n-2")
	putRep(t, st, "south", "s-1")
	tiers := []lead.Tier{lead.TierHot, lead.TierWarm, lead.TierCold}
	const total = 23
	for i := range total {
		language := ""
		if i%3 == 0 {
			language = "fa"
		}
		seedLead(t, st, leadSpec{LeadID: fmt.Sprintf("ld-%02d", i), Phone: fmt.Sprintf("+4477009%05d", i), Language: language,
			Tier: tiers[i%len(tiers)], NoRoute: i%7 == 6})
	}
	// Ten leads share one created_at, so the keyset must fall back on lead_id to page through them.
	_, err := st.DB().ExecContext(ctx, `UPDATE leads SET created_at = '2026-11-21T09:00:00Z' WHERE lead_id < 'ld-10'`)
	require.NoError(t, err)
	// A few leads moved on.
	for _, id := range []string{"ld-01", "ld-04", "ld-13"} {
		_, err := st.DB().ExecContext(ctx, `UPDATE leads SET status = 'contacted' WHERE lead_id = $1`, id)
		require.NoError(t, err)
	}

	// The expected answer of each filter, computed from the rows themselves.
	type row struct {
		LeadID string    `db:"lead_id"`
		At     time.Time `db:"created_at"`
		RepID  *string   `db:"rep_id"`
		TeamID *string   `db:"team_id"`
		Tier   string    `db:"tier"`
		Status string    `db:"status"`
	}
	var all []row
	require.NoError(t, st.DB().SelectContext(ctx, &all, `SELECT lead_id, created_at, rep_id, team_id, tier, status FROM leads ORDER BY created_at DESC, lead_id DESC`))
	require.Len(t, all, total)
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	filters := []store.LeadFilter{
		{},
		{RepID: "n-1"},
		{RepID: "s-1"},
		{TeamID: "north"},
		{TeamID: "south", Tier: "hot"},
		{Tier: "cold"},
		{Status: "contacted"},
		{Status: "needs_contact"},
		{RepID: "n-2", Status: "contacted"},
		{RepID: "nobody"},
	}
	for _, f := range filters {
		var want []string
		for _, r := range all {
			if (f.RepID == "" || f.RepID == deref(r.RepID)) && (f.TeamID == "" || f.TeamID == deref(r.TeamID)) &&
				(f.Tier == "" || f.Tier == r.Tier) && (f.Status == "" || f.Status == r.Status) {
				want = append(want, r.LeadID)
			}
		}
		for _, limit := range []int{1, 4, 50} {
			t.Run(fmt.Sprintf("%+v/limit=%d", f, limit), func(t *testing.T) {
				f := f
				f.Limit = limit
				var got []string
				for page := 0; ; page++ {
					require.Less(t, page, total+2, "pagination does not end")
					leads, next, err := st.Leads(ctx, f)
					require.NoError(t, err)
					assert.LessOrEqual(t, len(leads), limit)
					for _, l := range leads {
						got = append(got, l.LeadID)
						if f.RepID != "" {
							require.NotNil(t, l.Assignment)
							assert.Equal(t, f.RepID, l.Assignment.RepID)
						}
						if f.Tier != "" {
							assert.Equal(t, lead.Tier(f.Tier), l.Tier)
						}
						if f.Status != "" {
							assert.Equal(t, lead.Status(f.Status), l.Status)
						}
					}
					if next == "" {
						break
					}
					require.Len(t, leads, limit, "only the last page may be short")
					f.Cursor = next
				}
				assert.Equal(t, want, got, "every matching lead exactly once, newest first")
			})
		}
	}
	require.Len(t, filterCount(all, func(r row) bool { return r.Status == "contacted" }), 3)
}

func filterCount[T any](s []T, keep func(T) bool) []T {
	var out []T
	for _, v := range s {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

func TestLeadsBadCursor(t *testing.T) {
	ctx, st := newStore(t)
	seedLead(t, st, leadSpec{LeadID: "ld-1", NoRoute: true})
	for _, c := range []string{
		"garbage!!",
		base64.RawURLEncoding.EncodeToString([]byte("no separator")),
		base64.RawURLEncoding.EncodeToString([]byte("yesterday|ld-1")),
		base64.RawURLEncoding.EncodeToString([]byte("2026-11-21T09:00:00Z|")),
		base64.StdEncoding.EncodeToString([]byte("2026-11-21T09:00:00Z|ld-1")) + "==",
	} {
		_, _, err := st.Leads(ctx, store.LeadFilter{Limit: 10, Cursor: c})
		assert.ErrorIs(t, err, store.ErrBadCursor, "cursor %q", c)
	}
}

func TestLeadsZeroLimit(t *testing.T) {
	ctx, st := newStore(t)
	seedLead(t, st, leadSpec{LeadID: "ld-1", NoRoute: true})
	seedLead(t, st, leadSpec{LeadID: "ld-2", NoRoute: true})
	// A zero-value filter (a support tool, a test) must not crash the process.
	leads, _, err := st.Leads(ctx, store.LeadFilter{})
	require.NoError(t, err)
	assert.NotEmpty(t, leads)
}
