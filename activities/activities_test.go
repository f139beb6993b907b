// Integration tests of the activities against a real Postgres (one throw-away cluster for the
// package, one database per test). The methods are called directly: no Temporal server is needed to
// check what they write and how they classify errors for Temporal's retry policy.
package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/activities/scoring"
	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Run(m, false, &env)) }

var clock = time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)

// webhookSecret signs the reps' webhooks in these tests.
const webhookSecret = "test-webhook-secret-0123456789"

// newActivities wires the activities to a fresh database, the built-in CRM and a pinned clock.
func newActivities(t *testing.T) (context.Context, *activities.Activities, *store.Store) {
	t.Helper()
	t.Parallel()
	st := env.Store(t)
	return t.Context(), &activities.Activities{Store: st, CRM: &crmadapters.Builtin{Store: st},
		HTTP: &http.Client{Timeout: 5 * time.Second}, Outbound: activities.Outbound{WebhookSecret: webhookSecret},
		Now: func() time.Time { return clock }}, st
}

func ptr[T any](v T) *T { return &v }

// appError returns the Temporal application error inside err, failing the test when there is none.
func appError(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	require.Error(t, err)
	var ae *temporal.ApplicationError
	require.True(t, errors.As(err, &ae), "not a temporal.ApplicationError: %T %v", err, err)
	return ae
}

// newWebhook is a rep's webhook: an endpoint that answers with the queued answers, then 204.
func newWebhook(t *testing.T, answers ...func(http.ResponseWriter)) *endpoint {
	return newRecorder(t, func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }, answers)
}

func status(code int, headers ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
	}
}

// putRep creates a rep in team (created when missing) with an optional webhook.
func putRep(t *testing.T, st *store.Store, team, repID, webhookURL string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.TeamByID(ctx, team); errors.Is(err, store.ErrNotFound) {
		_, err := st.PutTeam(ctx, store.Team{TeamID: team, Name: team})
		require.NoError(t, err)
	}
	r := store.Rep{RepID: repID, TeamID: team, Name: repID, MaxOpenLeads: 10, Active: true, Timezone: "UTC"}
	if webhookURL != "" {
		r.Notify.WebhookURL = &webhookURL
	}
	_, err := st.PutRep(ctx, r)
	require.NoError(t, err)
}

func persianChat() []lead.Message {
	texts := []string{
		"سلام، من علی رضایی هستم از شرکت پارس‌افزار",
		"برای ۳۰ نفر از همکارانمون دمو می‌خواستیم، هزینه‌اش چقدره؟",
		"شماره‌ام ۰۹۱۲ ۳۴۵ ۶۷۸۹ است، لطفاً فردا تماس بگیرید",
	}
	msgs := make([]lead.Message, len(texts))
	for i, text := range texts {
		msgs[i] = lead.Message{MessageID: "m-" + string(rune('1'+i)), Channel: lead.ChannelWeb, Role: lead.RoleCustomer,
			Text: text, SentAt: clock.Add(time.Duration(i) * time.Minute)}
	}
	return msgs
}

func TestExtractLeadPersianDigits(t *testing.T) {
	ctx, acts, _ := newActivities(t)
	res, err := acts.ExtractLead(ctx, activities.ExtractInput{ConversationID: "web-fa-1", Messages: persianChat(),
		Channel: lead.ChannelWeb, Country: "IR", Locale: "fa-IR"})
	require.NoError(t, err)
	f := res.Fields
	require.True(t, f.Phone.Known(), "no phone in %+v", f)
	assert.Equal(t, "+989123456789", *f.Phone.Value)
	assert.Contains(t, f.Phone.Evidence, "۰۹۱۲", "the evidence is the customer's own words")
	require.True(t, f.Language.Known())
	assert.Equal(t, "fa", *f.Language.Value)
}

// A conversation that resumes after its lead was saved is judged on everything the customer said:
// the phone given in the first run is found although the new messages do not repeat it.
func TestExtractLeadReadsStoredTranscript(t *testing.T) {
	ctx, acts, st := newActivities(t)
	msgs := persianChat()
	m, err := acts.MatchContact(ctx, activities.MatchInput{LeadID: "ld-1", Phone: "+989123456789"})
	require.NoError(t, err)
	_, err = acts.WriteCRM(ctx, activities.WriteCRMInput{Lead: store.LeadRecord{LeadID: "ld-1", ConversationID: "web-fa-1",
		WorkflowID: "conversation-web-fa-1", ContactID: m.ContactID, Status: lead.StatusNeedsContact, Channel: lead.ChannelWeb,
		Tier: lead.TierWarm, Messages: msgs}})
	require.NoError(t, err)
	stored, err := st.Transcript(ctx, "web-fa-1")
	require.NoError(t, err)
	require.Len(t, stored, 3)

	later := []lead.Message{{MessageID: "m-9", Channel: lead.ChannelWeb, Role: lead.RoleCustomer, Text: "هنوز منتظر تماس هستم", SentAt: clock.Add(time.Hour)}}
	res, err := acts.ExtractLead(ctx, activities.ExtractInput{ConversationID: "web-fa-1", Messages: later, Channel: lead.ChannelWeb, Country: "IR"})
	require.NoError(t, err)
	require.True(t, res.Fields.Phone.Known())
	assert.Equal(t, "+989123456789", *res.Fields.Phone.Value)
}

// The pipeline's writing steps, in the workflow's order, against one database.
func TestPipeline(t *testing.T) {
	ctx, acts, st := newActivities(t)
	putRep(t, st, "fa", "rep-1", "")
	putRep(t, st, "fa", "rep-2", "")
	msgs := persianChat()

	ex, err := acts.ExtractLead(ctx, activities.ExtractInput{ConversationID: "web-fa-1", Messages: msgs, Channel: lead.ChannelWeb, Country: "IR", Locale: "fa-IR"})
	require.NoError(t, err)
	sc, err := acts.ScoreLead(ctx, scoring.Input{Fields: ex.Fields})
	require.NoError(t, err)
	m, err := acts.MatchContact(ctx, activities.MatchInput{LeadID: "ld-1", Phone: *ex.Fields.Phone.Value})
	require.NoError(t, err)
	assert.True(t, m.IsNewContact)
	rt, err := acts.RouteLead(ctx, activities.RouteInput{LeadID: "ld-1", Language: "fa", Country: "IR"})
	require.NoError(t, err)
	require.NotNil(t, rt.Assignment)
	assert.Equal(t, "rep-1", rt.Assignment.RepID)
	// A retried RouteLead keeps the assignment.
	rt2, err := acts.RouteLead(ctx, activities.RouteInput{LeadID: "ld-1", Language: "fa", Country: "IR"})
	require.NoError(t, err)
	assert.Equal(t, rt.Assignment, rt2.Assignment)

	due := clock.Add(15 * time.Minute)
	rec := store.LeadRecord{LeadID: "ld-1", ConversationID: "web-fa-1", WorkflowID: "conversation-web-fa-1", ContactID: m.ContactID,
		Status: lead.StatusAssigned, Channel: lead.ChannelWeb, Fields: ex.Fields, Score: sc.Score, Tier: sc.Tier,
		ScoreBreakdown: sc.Breakdown, Assignment: rt.Assignment, FirstTouchDue: &due, Messages: msgs}
	w, err := acts.WriteCRM(ctx, activities.WriteCRMInput{Lead: rec})
	require.NoError(t, err)
	assert.Equal(t, lead.BuiltinRef{ContactID: m.ContactID, LeadID: "ld-1"}, w.Builtin)
	assert.Equal(t, lead.StatusAssigned, w.Status)
	assert.Equal(t, clock, w.CRMWrittenAt)

	_, err = acts.RecordOutcome(ctx, activities.RecordOutcomeInput{LeadID: "ld-1", IdempotencyKey: "evt-1",
		Note: lead.OutcomeNote{Outcome: lead.OutcomeContacted, RepID: "rep-1", At: clock.Add(10 * time.Minute)}, NewStatus: lead.StatusContacted})
	require.NoError(t, err)

	// The conversation is processed again later: WriteCRM reports the status the rep set.
	rec.Timings.CRMWrittenAt = nil
	w, err = acts.WriteCRM(ctx, activities.WriteCRMInput{Lead: rec})
	require.NoError(t, err)
	assert.Equal(t, lead.StatusContacted, w.Status)

	l, err := st.Lead(ctx, "ld-1")
	require.NoError(t, err)
	assert.Equal(t, lead.StatusContacted, l.Status)
	assert.Equal(t, sc.Score, l.Score)
	require.NotNil(t, l.Timings.CRMWrittenAt)
	assert.True(t, l.Timings.CRMWrittenAt.Equal(clock))
	assert.Equal(t, lead.FollowupDone, l.Followups[0].Status)
	assert.Equal(t, "+989123456789", *l.Fields.Phone.Value)
}

func TestNotifyRepDelivers(t *testing.T) {
	ctx, acts, st := newActivities(t)
	hook := newWebhook(t)
	putRep(t, st, "t", "rep-1", hook.URL)
	putRep(t, st, "t", "rep-quiet", "") // inbox only
	// A lead full of personal data, so a leak into the webhook body would show.
	m, err := st.MatchContact(ctx, store.MatchRequest{LeadID: "ld-1", Phone: "+989123456789", Email: "ali@parsafzar.example"})
	require.NoError(t, err)
	var f lead.Fields
	f.FullName = lead.Set("علی رضایی", 0.9, "من علی رضایی هستم", lead.SourceRules)
	f.Phone = lead.Set("+989123456789", 0.9, "۰۹۱۲ ۳۴۵ ۶۷۸۹", lead.SourceRules)
	f.Email = lead.Set("ali@parsafzar.example", 0.9, "ali@parsafzar.example", lead.SourceRules)
	_, err = st.SaveLead(ctx, store.LeadRecord{LeadID: "ld-1", ConversationID: "c-1", WorkflowID: "w", ContactID: m.ContactID,
		Status: lead.StatusAssigned, Channel: lead.ChannelWeb, Fields: f, Tier: lead.TierHot})
	require.NoError(t, err)

	in := activities.NotifyInput{LeadID: "ld-1", RepID: "rep-1", Kind: activities.NotifyNewLead, Key: "new-lead"}
	res, err := acts.NotifyRep(ctx, in)
	require.NoError(t, err)
	assert.True(t, res.Delivered)
	assert.Equal(t, "ld-1:new-lead", res.NotificationID)

	got := hook.received()
	require.Len(t, got, 1)
	assert.Equal(t, "application/json", got[0].Header.Get("Content-Type"))
	assert.Equal(t, res.NotificationID, got[0].Header.Get("Idempotency-Key"))
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(got[0].Body), &body))
	assert.Equal(t, map[string]any{"notification_id": "ld-1:new-lead", "kind": "new_lead", "lead_id": "ld-1", "rep_id": "rep-1"}, body["data"],
		"ids only: the rep's tool reads the lead through the API")
	for _, pii := range []string{"+989123456789", "9123456789", "ali@", "علی", "رضایی", m.ContactID} {
		assert.NotContains(t, got[0].Body, pii)
	}

	// The activity runs again (a retry, or a replayed workflow task): one notification, one delivery.
	res2, err := acts.NotifyRep(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, res.NotificationID, res2.NotificationID)
	notes, err := st.Notifications(ctx, "ld-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"new_lead:rep-1"}, notes)
	assert.Len(t, hook.received(), 1, "the same key is delivered once, however often the activity runs")
	var delivered int
	require.NoError(t, st.DB().GetContext(ctx, &delivered, `SELECT count(*) FROM notifications WHERE delivered_at IS NOT NULL`))
	assert.Equal(t, 1, delivered)

	// A rep without a webhook still gets it in the inbox.
	res, err = acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-1", RepID: "rep-quiet", Kind: activities.NotifyNewLead, Key: "new-lead-2"})
	require.NoError(t, err)
	assert.False(t, res.Delivered)
	notes, err = st.Notifications(ctx, "ld-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"new_lead:rep-1", "new_lead:rep-quiet"}, notes)
}

func TestNotifyRepWebhookErrors(t *testing.T) {
	ctx, acts, st := newActivities(t)
	tests := []struct {
		name          string
		answer        func(http.ResponseWriter)
		nonRetryable  bool
		nextRetryWait time.Duration
	}{
		{"400 is the rep's configuration", status(http.StatusBadRequest), true, 0},
		{"404", status(http.StatusNotFound), true, 0},
		{"410", status(http.StatusGone), true, 0},
		{"503 with Retry-After", status(http.StatusServiceUnavailable, "Retry-After", "7"), false, 7 * time.Second},
		{"429 with Retry-After", status(http.StatusTooManyRequests, "Retry-After", "30"), false, 30 * time.Second},
		{"500 without Retry-After", status(http.StatusInternalServerError), false, 0},
		{"502 with an HTTP-date Retry-After", status(http.StatusBadGateway, "Retry-After", "Sat, 21 Nov 2026 10:00:00 GMT"), false, 30 * time.Minute},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hook := newWebhook(t, tt.answer) // then 200
			repID := "rep-" + string(rune('a'+i))
			putRep(t, st, "t", repID, hook.URL)
			in := activities.NotifyInput{LeadID: "ld-1", RepID: repID, Kind: activities.NotifyNewLead, Key: "new-lead-" + repID}
			_, err := acts.NotifyRep(ctx, in)
			ae := appError(t, err)
			assert.Equal(t, tt.nonRetryable, ae.NonRetryable())
			assert.Equal(t, tt.nextRetryWait, ae.NextRetryDelay())
			assert.Contains(t, ae.Error(), "answered")

			// Not delivered, but in the inbox.
			var delivered *time.Time
			require.NoError(t, st.DB().GetContext(ctx, &delivered, `SELECT delivered_at FROM notifications WHERE notification_id = $1`, "ld-1:"+in.Key))
			assert.Nil(t, delivered)

			// Temporal retries a retryable failure: the webhook now takes it.
			if !tt.nonRetryable {
				res, err := acts.NotifyRep(ctx, in)
				require.NoError(t, err)
				assert.True(t, res.Delivered)
				assert.Len(t, hook.received(), 2)
			}
		})
	}
	notes, err := st.Notifications(ctx, "ld-1")
	require.NoError(t, err)
	assert.Len(t, notes, len(tests), "one inbox entry per key, retries included")

	t.Run("unreachable webhook is retryable", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		putRep(t, st, "t", "rep-dead", dead.URL)
		_, err := acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-1", RepID: "rep-dead", Kind: activities.NotifyNewLead, Key: "k"})
		require.Error(t, err)
		var ae *temporal.ApplicationError
		if errors.As(err, &ae) {
			assert.False(t, ae.NonRetryable())
		}
	})
	t.Run("unknown rep is rejected for good", func(t *testing.T) {
		_, err := acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-1", RepID: "rep-ghost", Kind: activities.NotifyNewLead, Key: "k2"})
		ae := appError(t, err)
		assert.True(t, ae.NonRetryable())
		assert.Equal(t, activities.ErrTypeRejected, ae.Type())
	})
}

func TestEscalateFirstTouch(t *testing.T) {
	ctx, acts, st := newActivities(t)
	repHook, mgrHook := newWebhook(t), newWebhook(t)
	putRep(t, st, "fa", "rep-1", repHook.URL)
	putRep(t, st, "fa", "mgr-1", mgrHook.URL)
	_, err := st.PutTeam(ctx, store.Team{TeamID: "fa", Name: "Persian desk", ManagerRepID: ptr("mgr-1")})
	require.NoError(t, err)

	m, err := acts.MatchContact(ctx, activities.MatchInput{LeadID: "ld-1", Phone: "+989123456789"})
	require.NoError(t, err)
	rt, err := acts.RouteLead(ctx, activities.RouteInput{LeadID: "ld-1"})
	require.NoError(t, err)
	require.Equal(t, "mgr-1", rt.Assignment.RepID) // rep-id order: mgr-1 before rep-1
	rt, err = acts.RouteLead(ctx, activities.RouteInput{LeadID: "ld-2"})
	require.NoError(t, err)
	require.Equal(t, "rep-1", rt.Assignment.RepID)
	_, err = st.MatchContact(ctx, store.MatchRequest{LeadID: "ld-2", Phone: "+989123456789"})
	require.NoError(t, err)
	due := clock.Add(15 * time.Minute)
	_, err = acts.WriteCRM(ctx, activities.WriteCRMInput{Lead: store.LeadRecord{LeadID: "ld-2", ConversationID: "c-2", WorkflowID: "w-2",
		ContactID: m.ContactID, Status: lead.StatusAssigned, Channel: lead.ChannelWeb, Tier: lead.TierHot,
		Assignment: rt.Assignment, FirstTouchDue: &due}})
	require.NoError(t, err)

	in := activities.EscalateInput{LeadID: "ld-2", RepID: "rep-1", TeamID: "fa", DueAt: due}
	want := []lead.Escalation{
		{At: due, RepID: "rep-1", Reason: activities.NotifyFirstTouchDue},
		{At: due, RepID: "mgr-1", Reason: activities.NotifyManagerEscalated},
	}
	for range 2 { // the second run is a retry: nothing doubles
		res, err := acts.EscalateFirstTouch(ctx, in)
		require.NoError(t, err)
		assert.Equal(t, want, res.Escalations)
	}
	notes, err := st.Notifications(ctx, "ld-2")
	require.NoError(t, err)
	assert.Equal(t, []string{"first_touch_overdue:rep-1", "escalation:mgr-1"}, notes)
	require.Len(t, repHook.received(), 1)
	require.Len(t, mgrHook.received(), 1)
	assert.Contains(t, mgrHook.received()[0].Body, `"kind":"escalation"`)

	l, err := st.Lead(ctx, "ld-2")
	require.NoError(t, err)
	assert.True(t, l.SLA.Breached)
	require.NotNil(t, l.SLA.FirstTouchDueAt)
	assert.True(t, l.SLA.FirstTouchDueAt.Equal(due))
	require.Len(t, l.SLA.Escalations, 2)
	assert.Equal(t, []string{"rep-1", "mgr-1"}, []string{l.SLA.Escalations[0].RepID, l.SLA.Escalations[1].RepID})
	assert.Equal(t, activities.NotifyManagerEscalated, l.SLA.Escalations[1].Reason)
	assert.True(t, l.SLA.Escalations[0].At.Equal(due))
}

// When the manager's webhook is down, the activity fails retryably and Temporal runs it again: the
// rep, who was told on the first run, is not told again on every retry.
func TestEscalateFirstTouchRetryAfterManagerFailure(t *testing.T) {
	ctx, acts, st := newActivities(t)
	repHook := newWebhook(t)
	mgrHook := newWebhook(t, status(http.StatusServiceUnavailable, "Retry-After", "7"), status(http.StatusServiceUnavailable))
	putRep(t, st, "fa", "rep-1", repHook.URL)
	putRep(t, st, "fa", "mgr-1", mgrHook.URL)
	_, err := st.PutTeam(ctx, store.Team{TeamID: "fa", Name: "Persian desk", ManagerRepID: ptr("mgr-1")})
	require.NoError(t, err)
	m, err := st.MatchContact(ctx, store.MatchRequest{LeadID: "ld-1", Email: "x@example.com"})
	require.NoError(t, err)
	_, err = st.SaveLead(ctx, store.LeadRecord{LeadID: "ld-1", ConversationID: "c-1", WorkflowID: "w", ContactID: m.ContactID,
		Status: lead.StatusAssigned, Channel: lead.ChannelWeb, Tier: lead.TierHot})
	require.NoError(t, err)

	in := activities.EscalateInput{LeadID: "ld-1", RepID: "rep-1", TeamID: "fa", DueAt: clock}
	_, err = acts.EscalateFirstTouch(ctx, in)
	assert.Equal(t, 7*time.Second, appError(t, err).NextRetryDelay())
	_, err = acts.EscalateFirstTouch(ctx, in)
	assert.False(t, appError(t, err).NonRetryable())
	l, err := st.Lead(ctx, "ld-1")
	require.NoError(t, err)
	assert.False(t, l.SLA.Breached, "not recorded until everyone was told")

	res, err := acts.EscalateFirstTouch(ctx, in)
	require.NoError(t, err)
	assert.Len(t, res.Escalations, 2)
	assert.Len(t, mgrHook.received(), 3)
	assert.Len(t, repHook.received(), 1, "the rep is told once")
}

func TestEscalateFirstTouchWithoutManager(t *testing.T) {
	ctx, acts, st := newActivities(t)
	putRep(t, st, "solo", "rep-1", "")
	_, err := st.PutTeam(ctx, store.Team{TeamID: "ghosted", Name: "g", ManagerRepID: ptr("mgr-not-a-rep")})
	require.NoError(t, err)
	_, err = st.PutTeam(ctx, store.Team{TeamID: "self", Name: "s", ManagerRepID: ptr("rep-1")})
	require.NoError(t, err)
	m, err := st.MatchContact(ctx, store.MatchRequest{LeadID: "ld-1", Email: "x@example.com"})
	require.NoError(t, err)
	_, err = st.SaveLead(ctx, store.LeadRecord{LeadID: "ld-1", ConversationID: "c-1", WorkflowID: "w", ContactID: m.ContactID,
		Status: lead.StatusAssigned, Channel: lead.ChannelWeb, Tier: lead.TierHot})
	require.NoError(t, err)
	for _, team := range []string{"solo", "ghosted", "self"} {
		res, err := acts.EscalateFirstTouch(ctx, activities.EscalateInput{LeadID: "ld-1", RepID: "rep-1", TeamID: team, DueAt: clock})
		require.NoError(t, err, team)
		assert.Equal(t, []lead.Escalation{{At: clock, RepID: "rep-1", Reason: activities.NotifyFirstTouchDue}}, res.Escalations, team)
	}
}

func TestInvalidInputsAreNotRetried(t *testing.T) {
	ctx, acts, _ := newActivities(t)
	note := lead.OutcomeNote{Outcome: lead.OutcomeContacted, RepID: "rep-1", At: clock}
	msgs := []lead.Message{{MessageID: "m-1", Channel: lead.ChannelWeb, Role: lead.RoleCustomer, Text: "hi"}}
	tests := []struct {
		name string
		call func() error
	}{
		{"extract without conversation", func() error {
			_, err := acts.ExtractLead(ctx, activities.ExtractInput{Messages: msgs})
			return err
		}},
		{"extract without messages", func() error {
			_, err := acts.ExtractLead(ctx, activities.ExtractInput{ConversationID: "c"})
			return err
		}},
		{"match without lead", func() error {
			_, err := acts.MatchContact(ctx, activities.MatchInput{Phone: "+989123456789"})
			return err
		}},
		{"match without phone or email", func() error {
			_, err := acts.MatchContact(ctx, activities.MatchInput{LeadID: "ld-1"})
			return err
		}},
		{"route without lead", func() error {
			_, err := acts.RouteLead(ctx, activities.RouteInput{Language: "fa"})
			return err
		}},
		{"write crm without contact", func() error {
			_, err := acts.WriteCRM(ctx, activities.WriteCRMInput{Lead: store.LeadRecord{LeadID: "ld-1", ConversationID: "c"}})
			return err
		}},
		{"notify without key", func() error {
			_, err := acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-1", RepID: "rep-1", Kind: activities.NotifyNewLead})
			return err
		}},
		{"notify without rep", func() error {
			_, err := acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-1", Kind: activities.NotifyNewLead, Key: "k"})
			return err
		}},
		{"outcome without key", func() error {
			_, err := acts.RecordOutcome(ctx, activities.RecordOutcomeInput{LeadID: "ld-1", Note: note, NewStatus: lead.StatusContacted})
			return err
		}},
		{"outcome not in the contract", func() error {
			bad := note
			bad.Outcome = "maybe"
			_, err := acts.RecordOutcome(ctx, activities.RecordOutcomeInput{LeadID: "ld-1", IdempotencyKey: "k", Note: bad, NewStatus: lead.StatusContacted})
			return err
		}},
		{"escalate without rep", func() error {
			_, err := acts.EscalateFirstTouch(ctx, activities.EscalateInput{LeadID: "ld-1", TeamID: "t"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ae := appError(t, tt.call())
			assert.Equal(t, activities.ErrTypeInvalidInput, ae.Type())
			assert.True(t, ae.NonRetryable())
		})
	}
	// Nothing was written by any of them.
	st := acts.Store
	for _, table := range []string{"contacts", "leads", "lead_assignments", "notifications", "outcomes"} {
		var n int
		require.NoError(t, st.DB().GetContext(ctx, &n, `SELECT count(*) FROM `+table))
		assert.Zero(t, n, table)
	}
}
