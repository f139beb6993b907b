package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/notify"
	"github.com/leadflow/leadflow/internal/store"
)

// endpoint is a rep's receiver (their webhook, Slack, the Telegram Bot API): it answers with the
// queued answers, then its fallback, and records every request with its headers.
type endpoint struct {
	*httptest.Server
	mu       sync.Mutex
	answers  []func(http.ResponseWriter)
	requests []received
}

type received struct {
	Header http.Header
	Path   string
	Body   string
}

// newEndpoint answers "ok" once the queued answers are spent: Slack's answer (Telegram's
// {"ok":true} is not required).
func newEndpoint(t *testing.T, answers ...func(http.ResponseWriter)) *endpoint {
	return newRecorder(t, func(w http.ResponseWriter) { _, _ = io.WriteString(w, "ok") }, answers)
}

func newRecorder(t *testing.T, fallback func(http.ResponseWriter), answers []func(http.ResponseWriter)) *endpoint {
	e := &endpoint{answers: answers}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.requests = append(e.requests, received{Header: r.Header.Clone(), Path: r.URL.Path, Body: string(body)})
		answer := fallback
		if len(e.answers) > 0 {
			answer, e.answers = e.answers[0], e.answers[1:]
		}
		e.mu.Unlock()
		answer(w)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) received() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]received(nil), e.requests...)
}

// mailbox stands in for SMTP: a Notifier that keeps what it was given.
type mailbox struct {
	mu   sync.Mutex
	sent []notify.Message
}

func (m *mailbox) Channel() string { return notify.ChannelEmail }

func (m *mailbox) Send(_ context.Context, msg notify.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

func (m *mailbox) messages() []notify.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]notify.Message(nil), m.sent...)
}

// putNotifyRep creates a rep in team (created when missing) with the given channels and e-mail.
func putNotifyRep(t *testing.T, st *store.Store, team, repID string, email *string, n store.RepNotify) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.TeamByID(ctx, team); errors.Is(err, store.ErrNotFound) {
		_, err := st.PutTeam(ctx, store.Team{TeamID: team, Name: team})
		require.NoError(t, err)
	}
	_, err := st.PutRep(ctx, store.Rep{RepID: repID, TeamID: team, Name: repID, Email: email, MaxOpenLeads: 10, Active: true,
		Timezone: "UTC", Notify: n})
	require.NoError(t, err)
}

// Personal data of the lead saved by savePIILead: none of it may leave in a notification.
var customerPII = []string{"+989123456789", "9123456789", "ali@parsafzar.example", "parsafzar", "علی", "رضایی"}

func savePIILead(t *testing.T, st *store.Store, leadID string) {
	t.Helper()
	ctx := context.Background()
	m, err := st.MatchContact(ctx, store.MatchRequest{LeadID: leadID, Phone: "+989123456789", Email: "ali@parsafzar.example"})
	require.NoError(t, err)
	var f lead.Fields
	f.FullName = lead.Set("علی رضایی", 0.9, "من علی رضایی هستم", lead.SourceRules)
	f.Phone = lead.Set("+989123456789", 0.9, "۰۹۱۲ ۳۴۵ ۶۷۸۹", lead.SourceRules)
	f.Email = lead.Set("ali@parsafzar.example", 0.9, "ali@parsafzar.example", lead.SourceRules)
	_, err = st.SaveLead(ctx, store.LeadRecord{LeadID: leadID, ConversationID: "c-" + leadID, WorkflowID: "w-" + leadID, ContactID: m.ContactID,
		Status: lead.StatusAssigned, Channel: lead.ChannelWeb, Fields: f, Tier: lead.TierHot})
	require.NoError(t, err)
}

func deliveredAt(t *testing.T, st *store.Store, id string) *time.Time {
	t.Helper()
	var at *time.Time
	require.NoError(t, st.DB().GetContext(context.Background(), &at, `SELECT delivered_at FROM notifications WHERE notification_id = $1`, id))
	return at
}

func channelsDelivered(t *testing.T, st *store.Store, id string) map[string]bool {
	t.Helper()
	got, err := st.ChannelsDelivered(context.Background(), id)
	require.NoError(t, err)
	return got
}

// A rep with every channel gets the notification on each, once: a signed webhook with ids only,
// Slack, Telegram and e-mail, and nothing again when the activity runs again.
func TestNotifyRepEveryChannel(t *testing.T) {
	ctx, acts, st := newActivities(t)
	hook, slack, telegram := newEndpoint(t), newEndpoint(t), newEndpoint(t)
	tg, err := notify.NewTelegram(notify.TelegramConfig{Token: "123456:test-token", BaseURL: telegram.URL, Client: acts.HTTP})
	require.NoError(t, err)
	mail := &mailbox{}
	acts.Outbound.Telegram, acts.Outbound.Email = tg, mail
	putNotifyRep(t, st, "t", "rep-1", ptr("rep1@leadflow.example"), store.RepNotify{WebhookURL: ptr(hook.URL),
		SlackWebhookURL: ptr(slack.URL + "/services/T0/B0/x"), TelegramChatID: ptr("-1001234567890"), Email: true})
	savePIILead(t, st, "ld-1")

	in := activities.NotifyInput{LeadID: "ld-1", RepID: "rep-1", Kind: activities.NotifyNewLead, Key: "new-lead"}
	res, err := acts.NotifyRep(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, activities.NotifyResult{NotificationID: "ld-1:new-lead", Delivered: true}, res)

	// The webhook: signed with the secret, keyed by the notification id, ids only.
	got := hook.received()
	require.Len(t, got, 1)
	h := got[0].Header
	assert.Equal(t, "ld-1:new-lead", h.Get("Idempotency-Key"))
	require.NoError(t, notify.VerifySignature(webhookSecret, h.Get("X-Leadflow-Timestamp"), got[0].Body, h.Get("X-Leadflow-Signature"), clock, 0))
	assert.Error(t, notify.VerifySignature("another-secret-0123456789", h.Get("X-Leadflow-Timestamp"), got[0].Body, h.Get("X-Leadflow-Signature"), clock, 0))
	var body struct {
		Key  string         `json:"key"`
		Data map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(got[0].Body), &body))
	assert.Equal(t, "ld-1:new-lead", body.Key)
	assert.Equal(t, map[string]any{"notification_id": "ld-1:new-lead", "kind": "new_lead", "lead_id": "ld-1", "rep_id": "rep-1"}, body.Data)

	// Slack and Telegram get the short text.
	require.Len(t, slack.received(), 1)
	assert.Equal(t, "/services/T0/B0/x", slack.received()[0].Path)
	var slackBody struct{ Text string }
	require.NoError(t, json.Unmarshal([]byte(slack.received()[0].Body), &slackBody))
	assert.Contains(t, slackBody.Text, "New lead ld-1")
	assert.Contains(t, slackBody.Text, "ld-1:new-lead")
	require.Len(t, telegram.received(), 1)
	assert.Equal(t, "/bot123456:test-token/sendMessage", telegram.received()[0].Path)
	var tgBody struct {
		ChatID string `json:"chat_id"`
		Text   string `json:"text"`
	}
	require.NoError(t, json.Unmarshal([]byte(telegram.received()[0].Body), &tgBody))
	assert.Equal(t, "-1001234567890", tgBody.ChatID)
	assert.Contains(t, tgBody.Text, "New lead ld-1")

	// E-mail to the rep's address, keyed by the notification id (its Message-ID).
	require.Len(t, mail.messages(), 1)
	assert.Equal(t, "rep1@leadflow.example", mail.messages()[0].To)
	assert.Equal(t, "ld-1:new-lead", mail.messages()[0].Key)
	assert.Equal(t, "New lead ld-1", mail.messages()[0].Subject)

	// Nothing the customer said or gave leaves on any channel.
	everything := []string{got[0].Body, slack.received()[0].Body, telegram.received()[0].Body, mail.messages()[0].Subject, mail.messages()[0].Text}
	for _, sent := range everything {
		for _, pii := range customerPII {
			assert.NotContains(t, sent, pii)
		}
	}

	assert.Equal(t, map[string]bool{"webhook": true, "slack": true, "telegram": true, "email": true}, channelsDelivered(t, st, res.NotificationID))
	assert.NotNil(t, deliveredAt(t, st, res.NotificationID))

	// The activity runs again (a retry, or a replayed workflow task): nothing is sent again.
	res2, err := acts.NotifyRep(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, res, res2)
	assert.Len(t, hook.received(), 1)
	assert.Len(t, slack.received(), 1)
	assert.Len(t, telegram.received(), 1)
	assert.Len(t, mail.messages(), 1)
}

// A retry after Slack took the notification and the webhook did not posts to the webhook only.
func TestNotifyRepRetrySkipsDeliveredChannels(t *testing.T) {
	ctx, acts, st := newActivities(t)
	hook := newEndpoint(t, status(http.StatusServiceUnavailable, "Retry-After", "7")) // then 200
	slack := newEndpoint(t)
	putNotifyRep(t, st, "t", "rep-1", nil, store.RepNotify{WebhookURL: ptr(hook.URL), SlackWebhookURL: ptr(slack.URL)})

	in := activities.NotifyInput{LeadID: "ld-1", RepID: "rep-1", Kind: activities.NotifyFirstTouchDue, Key: "first-touch-overdue"}
	_, err := acts.NotifyRep(ctx, in)
	ae := appError(t, err)
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, 7*time.Second, ae.NextRetryDelay())
	assert.Contains(t, ae.Error(), "webhook answered 503")
	assert.Len(t, hook.received(), 1)
	assert.Len(t, slack.received(), 1)
	assert.Equal(t, map[string]bool{"slack": true}, channelsDelivered(t, st, "ld-1:first-touch-overdue"))
	assert.Nil(t, deliveredAt(t, st, "ld-1:first-touch-overdue"), "not delivered until every channel took it")

	res, err := acts.NotifyRep(ctx, in)
	require.NoError(t, err)
	assert.True(t, res.Delivered)
	assert.Len(t, hook.received(), 2, "the webhook gets the retry")
	assert.Len(t, slack.received(), 1, "Slack, which took it, is not posted to again")
	assert.Equal(t, hook.received()[0].Header.Get("Idempotency-Key"), hook.received()[1].Header.Get("Idempotency-Key"))
	assert.NotNil(t, deliveredAt(t, st, "ld-1:first-touch-overdue"))
	var slackBody struct{ Text string }
	require.NoError(t, json.Unmarshal([]byte(slack.received()[0].Body), &slackBody))
	assert.Contains(t, slackBody.Text, "First touch overdue: lead ld-1")
}

// Every channel is tried; the activity fails permanently only when every failure is permanent,
// otherwise retryably with the longest Retry-After any receiver asked for.
func TestNotifyRepChannelFailures(t *testing.T) {
	ctx, acts, st := newActivities(t)
	tests := []struct {
		name          string
		hook, slack   []func(http.ResponseWriter)
		nonRetryable  bool
		nextRetryWait time.Duration
		slackTookIt   bool
	}{
		{"webhook 400 is the rep's configuration", []func(http.ResponseWriter){status(http.StatusBadRequest)}, nil, true, 0, true},
		{"both refuse", []func(http.ResponseWriter){status(http.StatusNotFound)}, []func(http.ResponseWriter){status(http.StatusForbidden)}, true, 0, false},
		{"a permanent and a retryable failure are retried", []func(http.ResponseWriter){status(http.StatusGone)},
			[]func(http.ResponseWriter){status(http.StatusServiceUnavailable, "Retry-After", "9")}, false, 9 * time.Second, false},
		{"the longest Retry-After wins", []func(http.ResponseWriter){status(http.StatusServiceUnavailable, "Retry-After", "7")},
			[]func(http.ResponseWriter){status(http.StatusTooManyRequests, "Retry-After", "30")}, false, 30 * time.Second, false},
		{"a retryable failure without Retry-After", []func(http.ResponseWriter){status(http.StatusInternalServerError)}, nil, false, 0, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hook, slack := newEndpoint(t, tt.hook...), newEndpoint(t, tt.slack...)
			repID := "rep-" + string(rune('a'+i))
			putNotifyRep(t, st, "t", repID, nil, store.RepNotify{WebhookURL: ptr(hook.URL), SlackWebhookURL: ptr(slack.URL)})
			in := activities.NotifyInput{LeadID: "ld-1", RepID: repID, Kind: activities.NotifyNewLead, Key: "new-lead-" + repID}
			_, err := acts.NotifyRep(ctx, in)
			ae := appError(t, err)
			assert.Equal(t, tt.nonRetryable, ae.NonRetryable())
			assert.Equal(t, tt.nextRetryWait, ae.NextRetryDelay())
			assert.Len(t, hook.received(), 1)
			assert.Len(t, slack.received(), 1, "every channel is tried")
			assert.Equal(t, tt.slackTookIt, channelsDelivered(t, st, "ld-1:"+in.Key)["slack"])
			assert.Nil(t, deliveredAt(t, st, "ld-1:"+in.Key))
		})
	}
}

// A rep's webhook with no secret to sign it is a clear, permanent failure of that channel; the
// rep's other channels still get the notification.
func TestNotifyRepWebhookWithoutSecret(t *testing.T) {
	ctx, acts, st := newActivities(t)
	acts.Outbound.WebhookSecret = ""
	hook, slack := newEndpoint(t), newEndpoint(t)
	putNotifyRep(t, st, "t", "rep-1", nil, store.RepNotify{WebhookURL: ptr(hook.URL), SlackWebhookURL: ptr(slack.URL)})
	_, err := acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-1", RepID: "rep-1", Kind: activities.NotifyNewLead, Key: "new-lead"})
	ae := appError(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, activities.ErrTypeDeliveryRejected, ae.Type())
	assert.Contains(t, ae.Error(), "LEADFLOW_WEBHOOK_SECRET is not set")
	assert.Empty(t, hook.received(), "nothing unsigned goes out")
	assert.Len(t, slack.received(), 1)
	assert.Equal(t, map[string]bool{"slack": true}, channelsDelivered(t, st, "ld-1:new-lead"))
}

// Telegram and e-mail need the worker's bot and SMTP server: without them those channels are
// skipped, not failed. A rep asking for e-mail without an address is a permanent failure.
func TestNotifyRepChannelsTheWorkerLacks(t *testing.T) {
	ctx, acts, st := newActivities(t)
	hook := newEndpoint(t)
	putNotifyRep(t, st, "t", "rep-tg-mail", ptr("rep@leadflow.example"), store.RepNotify{TelegramChatID: ptr("123456789"), Email: true})
	putNotifyRep(t, st, "t", "rep-hook-tg", nil, store.RepNotify{WebhookURL: ptr(hook.URL), TelegramChatID: ptr("123456789")})

	res, err := acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-1", RepID: "rep-tg-mail", Kind: activities.NotifyLeadQueued, Key: "q"})
	require.NoError(t, err)
	assert.False(t, res.Delivered, "nothing this worker can send on: the inbox only")
	notes, err := st.Notifications(ctx, "ld-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"lead_queued:rep-tg-mail"}, notes)

	res, err = acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-1", RepID: "rep-hook-tg", Kind: activities.NotifyManagerEscalated, Key: "e"})
	require.NoError(t, err)
	assert.True(t, res.Delivered)
	require.Len(t, hook.received(), 1)
	assert.Contains(t, hook.received()[0].Body, `"subject":"Escalation: lead ld-1"`)

	mail := &mailbox{}
	acts.Outbound.Email = mail
	putNotifyRep(t, st, "t", "rep-no-address", nil, store.RepNotify{Email: true})
	_, err = acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-1", RepID: "rep-no-address", Kind: activities.NotifyNewLead, Key: "n"})
	ae := appError(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Contains(t, ae.Error(), "no email address")
	assert.Empty(t, mail.messages())
}

// Kinds the activity has no wording for get a generic text; a lead id and key that cannot be an
// idempotency key are refused before anything is written.
func TestNotifyRepKindsAndKeys(t *testing.T) {
	ctx, acts, st := newActivities(t)
	slack := newEndpoint(t)
	putNotifyRep(t, st, "t", "rep-1", nil, store.RepNotify{SlackWebhookURL: ptr(slack.URL)})
	_, err := acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-1", RepID: "rep-1", Kind: "contract_renewal", Key: "r-1"})
	require.NoError(t, err)
	require.Len(t, slack.received(), 1)
	var slackBody struct{ Text string }
	require.NoError(t, json.Unmarshal([]byte(slack.received()[0].Body), &slackBody))
	assert.Contains(t, slackBody.Text, "Leadflow: lead ld-1")
	assert.Contains(t, slackBody.Text, "(contract_renewal)")

	for _, key := range []string{"with space", "tab\tkey", strings.Repeat("k", 200)} {
		_, err := acts.NotifyRep(ctx, activities.NotifyInput{LeadID: "ld-2", RepID: "rep-1", Kind: activities.NotifyNewLead, Key: key})
		ae := appError(t, err)
		assert.Equal(t, activities.ErrTypeInvalidInput, ae.Type())
		assert.True(t, ae.NonRetryable())
	}
	notes, err := st.Notifications(ctx, "ld-2")
	require.NoError(t, err)
	assert.Empty(t, notes)
}
