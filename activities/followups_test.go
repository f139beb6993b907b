package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/notify"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/internal/store"
)

// followupsPolicy is default.yaml's followups section with fewer sequences and templates (one
// without an approved WhatsApp form), and just enough scoring and routing to be a valid policy.
const followupsPolicy = `version: test-followups
scoring:
  tiers: {hot: 60, warm: 35}
routing:
  rules: [existing_owner, hot_on_call, team_round_robin]
followups:
  first_touch: {hot: 5m, warm: 1h, cold: 8h}
  business_hours: false
  holidays: []
  escalation:
    ack_wait: 5m
    max_reassignments: 2
  snooze_max: 336h
  customer_messages:
    budget: 4
    quiet_hours: {from: "21:00", to: "09:00"}
    channels: [whatsapp, telegram, email]
  sequences:
    - name: standard
      steps:
        - {kind: call_task, after: 15m}
        - {kind: customer_message, on: no_answer, after: 1h, channel: second, template: missed_you}
        - {kind: customer_message, after: 168h, channel: same, template: nurture_checkin}
  templates:
    missed_you:
      subject: "We tried to reach you"
      text:
        en: "Hi {name}, we tried to call you about your request. When is a good time to talk?"
        fa: "سلام {name}، برای درخواستتان تماس گرفتیم. چه زمانی برای صحبت مناسب است؟"
        ru: "Здравствуйте, {name}! Мы пытались позвонить вам по вашему запросу. Когда вам удобно поговорить?"
        zh: "{name}您好，我们就您的需求致电未能接通。您什么时候方便沟通？"
      whatsapp: missed_call_v1
    nurture_checkin:
      subject: "Still thinking it over?"
      text:
        en: "Hi {name}, just checking in. Reply any time if you would like to pick up where we left off."
`

// followupsPolicyWith parses followupsPolicy with each old→new replacement made, failing the test
// when a replacement finds nothing to replace.
func followupsPolicyWith(t *testing.T, oldNew ...string) *policy.Policy {
	t.Helper()
	text := followupsPolicy
	for i := 0; i+1 < len(oldNew); i += 2 {
		require.Contains(t, text, oldNew[i])
		text = strings.Replace(text, oldNew[i], oldNew[i+1], 1)
	}
	p, err := policy.Parse([]byte(text))
	require.NoError(t, err)
	return p
}

// customerActivities are newActivities under followupsPolicy with the chatbot gateway's webhook
// pointing at a fake that records what it receives, and a lead ld-1 to write about.
func customerActivities(t *testing.T, answers ...func(http.ResponseWriter)) (context.Context, *activities.Activities, *store.Store, *endpoint) {
	t.Helper()
	ctx, acts, st := newActivities(t)
	acts.Policy = followupsPolicyWith(t)
	chatbot := newEndpoint(t, answers...)
	w, err := notify.NewWebhook(notify.WebhookConfig{URL: chatbot.URL, Secret: webhookSecret, Client: acts.HTTP})
	require.NoError(t, err)
	acts.Outbound.Chatbot = w
	savePIILead(t, st, "ld-1")
	return ctx, acts, st, chatbot
}

// sendInput is a step of ld-1 on the web chat, where the customer is Ali in Tehran.
func sendInput(t *testing.T, st *store.Store, stepID string) activities.SendInput {
	t.Helper()
	l, err := st.Lead(context.Background(), "ld-1")
	require.NoError(t, err)
	return activities.SendInput{LeadID: "ld-1", ContactID: l.ContactID, StepID: stepID, Template: "missed_you",
		Channel: policy.ChannelSame, ConversationChannel: lead.ChannelWeb, Language: "en", FirstName: "Ali",
		Reach: map[lead.Channel]string{lead.ChannelWeb: "web-conv-1"}, Timezone: "Asia/Tehran", Country: "IR"}
}

// chatbotBody is the JSON document the chatbot gateway receives.
type chatbotBody struct {
	Key     string         `json:"key"`
	Subject string         `json:"subject"`
	Text    string         `json:"text"`
	To      string         `json:"to"`
	Data    map[string]any `json:"data"`
}

func decodeChatbot(t *testing.T, r received) chatbotBody {
	t.Helper()
	var b chatbotBody
	require.NoError(t, json.Unmarshal([]byte(r.Body), &b))
	return b
}

func customerMessages(t *testing.T, st *store.Store, leadID string) []string {
	t.Helper()
	got, err := st.CustomerMessages(context.Background(), leadID)
	require.NoError(t, err)
	return got
}

func claims(t *testing.T, st *store.Store, leadID string) int {
	t.Helper()
	var n int
	require.NoError(t, st.DB().Get(&n, `SELECT count(*) FROM customer_messages WHERE lead_id = $1`, leadID))
	return n
}

func sent(ch lead.Channel, mode string) activities.SendResult {
	return activities.SendResult{Status: lead.FollowupSent, Channel: ch, Mode: mode}
}

func cancelledFor(reason string) activities.SendResult {
	return activities.SendResult{Status: lead.FollowupCancelled, Reason: reason}
}

// A step's message goes out once, signed, keyed "lead/step", with ids and enums in its data; the
// activity running again sends nothing and still answers sent.
func TestSendCustomerMessageOncePerStep(t *testing.T) {
	ctx, acts, st, chatbot := customerActivities(t)
	in := sendInput(t, st, "standard-1")

	res, err := acts.SendCustomerMessage(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, sent(lead.ChannelWeb, activities.ModeFreeForm), res)

	got := chatbot.received()
	require.Len(t, got, 1)
	h := got[0].Header
	assert.Equal(t, "ld-1/standard-1", h.Get(notify.HeaderIdempotencyKey))
	require.NoError(t, notify.VerifySignature(webhookSecret, h.Get(notify.HeaderTimestamp), got[0].Body, h.Get(notify.HeaderSignature), time.Now(), 0))
	assert.Error(t, notify.VerifySignature("another-secret-0123456789", h.Get(notify.HeaderTimestamp), got[0].Body, h.Get(notify.HeaderSignature), time.Now(), 0))
	b := decodeChatbot(t, got[0])
	assert.Equal(t, "ld-1/standard-1", b.Key)
	assert.Equal(t, "We tried to reach you", b.Subject)
	assert.Equal(t, "Hi Ali, we tried to call you about your request. When is a good time to talk?", b.Text)
	assert.Equal(t, "web-conv-1", b.To)
	assert.Equal(t, map[string]any{"lead_id": "ld-1", "channel": "web", "mode": "free_form", "template": "missed_you", "language": "en"}, b.Data)
	assert.Equal(t, []string{"web:missed_you"}, customerMessages(t, st, "ld-1"))

	// A retry, a replay: nothing is posted again.
	for range 2 {
		res, err = acts.SendCustomerMessage(ctx, in)
		require.NoError(t, err)
		assert.Equal(t, sent(lead.ChannelWeb, activities.ModeFreeForm), res)
	}
	assert.Len(t, chatbot.received(), 1, "one message per step key")
	assert.Equal(t, 1, claims(t, st, "ld-1"))

	// Another step is another message.
	res, err = acts.SendCustomerMessage(ctx, sendInput(t, st, "standard-2"))
	require.NoError(t, err)
	assert.Equal(t, lead.FollowupSent, res.Status)
	require.Len(t, chatbot.received(), 2)
	assert.Equal(t, "ld-1/standard-2", chatbot.received()[1].Header.Get(notify.HeaderIdempotencyKey))
}

func TestSendCustomerMessageOptedOut(t *testing.T) {
	ctx, acts, st, chatbot := customerActivities(t)
	// Another lead of the same person; the opt-out came through it.
	savePIILead(t, st, "ld-2")
	require.NoError(t, acts.RecordOptOut(ctx, activities.OptOutInput{LeadID: "ld-2", At: clock}))

	res, err := acts.SendCustomerMessage(ctx, sendInput(t, st, "standard-1"))
	require.NoError(t, err)
	assert.Equal(t, cancelledFor(activities.ReasonOptedOut), res)
	assert.Empty(t, chatbot.received())
	assert.Zero(t, claims(t, st, "ld-1"), "no budget used")

	ae := appError(t, acts.RecordOptOut(ctx, activities.OptOutInput{LeadID: "ld-ghost", At: clock}))
	assert.True(t, ae.NonRetryable(), "an unknown lead is rejected")
	ae = appError(t, acts.RecordOptOut(ctx, activities.OptOutInput{At: clock}))
	assert.Equal(t, activities.ErrTypeInvalidInput, ae.Type())
}

func TestSendCustomerMessageBudget(t *testing.T) {
	ctx, acts, st, chatbot := customerActivities(t)
	acts.Policy = followupsPolicyWith(t, "budget: 4", "budget: 3")
	for i := 1; i <= 3; i++ {
		res, err := acts.SendCustomerMessage(ctx, sendInput(t, st, fmt.Sprintf("s%d", i)))
		require.NoError(t, err)
		assert.Equal(t, lead.FollowupSent, res.Status, "step %d", i)
	}
	res, err := acts.SendCustomerMessage(ctx, sendInput(t, st, "s4"))
	require.NoError(t, err)
	assert.Equal(t, cancelledFor(activities.ReasonBudget), res)
	assert.Len(t, chatbot.received(), 3)
	assert.Equal(t, 3, claims(t, st, "ld-1"))

	// A retry of a step that was sent is still sent: it used its share already.
	res, err = acts.SendCustomerMessage(ctx, sendInput(t, st, "s2"))
	require.NoError(t, err)
	assert.Equal(t, lead.FollowupSent, res.Status)
	assert.Len(t, chatbot.received(), 3)

	// The budget is the policy's: with a larger one the lead's next step goes out.
	acts.Policy = followupsPolicyWith(t)
	res, err = acts.SendCustomerMessage(ctx, sendInput(t, st, "s5"))
	require.NoError(t, err)
	assert.Equal(t, lead.FollowupSent, res.Status)
	assert.Len(t, chatbot.received(), 4)
}

// In the customer's quiet hours the message waits for the morning in their timezone.
func TestSendCustomerMessageQuietHours(t *testing.T) {
	ctx, acts, st, chatbot := customerActivities(t)
	tehran, err := time.LoadLocation("Asia/Tehran")
	require.NoError(t, err)
	night := time.Date(2026, 11, 21, 23, 0, 0, 0, tehran)
	morning := time.Date(2026, 11, 22, 9, 0, 0, 0, tehran)
	acts.Now = func() time.Time { return night }

	res, err := acts.SendCustomerMessage(ctx, sendInput(t, st, "s1"))
	require.NoError(t, err)
	require.NotNil(t, res.DeferUntil, "%+v", res)
	assert.True(t, res.DeferUntil.Equal(morning), "deferred until %v, want %v", res.DeferUntil, morning)
	assert.Empty(t, res.Status)
	// Before midnight too, in the small hours: the same morning.
	acts.Now = func() time.Time { return time.Date(2026, 11, 22, 2, 30, 0, 0, tehran) }
	res, err = acts.SendCustomerMessage(ctx, sendInput(t, st, "s1"))
	require.NoError(t, err)
	require.NotNil(t, res.DeferUntil)
	assert.True(t, res.DeferUntil.Equal(morning))
	// Without a timezone, the country's.
	in := sendInput(t, st, "s1")
	in.Timezone = ""
	res, err = acts.SendCustomerMessage(ctx, in)
	require.NoError(t, err)
	require.NotNil(t, res.DeferUntil)
	assert.True(t, res.DeferUntil.Equal(morning))
	assert.Empty(t, chatbot.received())
	assert.Zero(t, claims(t, st, "ld-1"), "a deferred message uses no budget")

	// 23:00 in Tehran is 19:30 UTC: a customer in UTC is written to at once.
	acts.Now = func() time.Time { return night }
	in.Timezone, in.Country, in.StepID = "", "", "s-utc"
	res, err = acts.SendCustomerMessage(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, lead.FollowupSent, res.Status)
	require.Len(t, chatbot.received(), 1)

	acts.Now = func() time.Time { return morning.Add(time.Hour) }
	res, err = acts.SendCustomerMessage(ctx, sendInput(t, st, "s1"))
	require.NoError(t, err)
	assert.Equal(t, sent(lead.ChannelWeb, activities.ModeFreeForm), res)
	assert.Len(t, chatbot.received(), 2)
}

// WhatsApp takes free-form text within 24 hours of the customer's last message, an approved
// template after, and nothing when the template has no approved WhatsApp form.
func TestSendCustomerMessageWhatsAppWindow(t *testing.T) {
	ctx, acts, st, chatbot := customerActivities(t)
	onWhatsApp := func(stepID, template string, lastInbound time.Time) activities.SendInput {
		in := sendInput(t, st, stepID)
		in.Template, in.ConversationChannel = template, lead.ChannelWhatsApp
		in.Reach = map[lead.Channel]string{lead.ChannelWhatsApp: "+989123456789"}
		in.LastInbound = map[lead.Channel]time.Time{lead.ChannelWhatsApp: lastInbound}
		return in
	}

	res, err := acts.SendCustomerMessage(ctx, onWhatsApp("s1", "missed_you", clock.Add(-2*time.Hour)))
	require.NoError(t, err)
	assert.Equal(t, sent(lead.ChannelWhatsApp, activities.ModeFreeForm), res)
	require.Len(t, chatbot.received(), 1)
	b := decodeChatbot(t, chatbot.received()[0])
	assert.Equal(t, "free_form", b.Data["mode"])
	assert.Equal(t, "whatsapp", b.Data["channel"])
	assert.NotContains(t, b.Data, "whatsapp_template")
	assert.Equal(t, "+989123456789", b.To)

	res, err = acts.SendCustomerMessage(ctx, onWhatsApp("s2", "missed_you", clock.Add(-30*time.Hour)))
	require.NoError(t, err)
	assert.Equal(t, sent(lead.ChannelWhatsApp, activities.ModeTemplate), res)
	require.Len(t, chatbot.received(), 2)
	b = decodeChatbot(t, chatbot.received()[1])
	assert.Equal(t, "template", b.Data["mode"])
	assert.Equal(t, "missed_call_v1", b.Data["whatsapp_template"])

	res, err = acts.SendCustomerMessage(ctx, onWhatsApp("s3", "nurture_checkin", clock.Add(-30*time.Hour)))
	require.NoError(t, err)
	assert.Equal(t, cancelledFor(activities.ReasonWhatsAppWindow), res)
	// Within the window the same template goes out free-form.
	res, err = acts.SendCustomerMessage(ctx, onWhatsApp("s4", "nurture_checkin", clock.Add(-23*time.Hour)))
	require.NoError(t, err)
	assert.Equal(t, sent(lead.ChannelWhatsApp, activities.ModeFreeForm), res)
	// A customer who never wrote on WhatsApp is outside the window.
	res, err = acts.SendCustomerMessage(ctx, onWhatsApp("s5", "nurture_checkin", time.Time{}))
	require.NoError(t, err)
	assert.Equal(t, cancelledFor(activities.ReasonWhatsAppWindow), res)
	assert.Len(t, chatbot.received(), 3)
	assert.Equal(t, []string{"whatsapp:missed_you", "whatsapp:missed_you", "whatsapp:nurture_checkin"}, customerMessages(t, st, "ld-1"))
}

// "second" is the first channel of the policy's order, other than the conversation's, that the
// customer can be reached on and this worker is configured for.
func TestSendCustomerMessageSecondChannel(t *testing.T) {
	ctx, acts, st, chatbot := customerActivities(t)
	second := func(stepID string, conv lead.Channel, reach ...lead.Channel) activities.SendInput {
		in := sendInput(t, st, stepID)
		in.Channel, in.ConversationChannel = policy.ChannelSecond, conv
		in.Reach = map[lead.Channel]string{lead.ChannelWeb: "web-conv-1"}
		for _, ch := range reach {
			in.Reach[ch] = map[lead.Channel]string{lead.ChannelWhatsApp: "+989123456789", lead.ChannelEmail: "ali@parsafzar.example",
				lead.ChannelTelegram: "123456789"}[ch]
		}
		in.LastInbound = map[lead.Channel]time.Time{lead.ChannelWhatsApp: clock.Add(-time.Hour)}
		return in
	}

	// Only the chatbot gateway is configured: e-mail is skipped, WhatsApp taken.
	res, err := acts.SendCustomerMessage(ctx, second("s1", lead.ChannelWeb, lead.ChannelEmail, lead.ChannelWhatsApp))
	require.NoError(t, err)
	assert.Equal(t, sent(lead.ChannelWhatsApp, activities.ModeFreeForm), res)
	require.Len(t, chatbot.received(), 1)
	assert.Equal(t, "+989123456789", decodeChatbot(t, chatbot.received()[0]).To)

	// With e-mail configured too, the policy's order still puts WhatsApp first…
	mail := &mailbox{}
	acts.Outbound.Email = mail
	res, err = acts.SendCustomerMessage(ctx, second("s2", lead.ChannelWeb, lead.ChannelEmail, lead.ChannelWhatsApp))
	require.NoError(t, err)
	assert.Equal(t, lead.ChannelWhatsApp, res.Channel)
	// …and never the conversation's own channel: a WhatsApp conversation's second channel is e-mail
	// (Telegram, between them, is not configured).
	res, err = acts.SendCustomerMessage(ctx, second("s3", lead.ChannelWhatsApp, lead.ChannelWhatsApp, lead.ChannelTelegram, lead.ChannelEmail))
	require.NoError(t, err)
	assert.Equal(t, sent(lead.ChannelEmail, activities.ModeFreeForm), res)
	require.Len(t, mail.messages(), 1)
	m := mail.messages()[0]
	assert.Equal(t, "ali@parsafzar.example", m.To)
	assert.Equal(t, "ld-1/s3", m.Key)
	assert.Equal(t, "We tried to reach you", m.Subject)
	assert.Equal(t, "email", m.Data["channel"])
	assert.Len(t, chatbot.received(), 2)

	// Web is not in the policy's order: a customer reachable on web only has no second channel.
	res, err = acts.SendCustomerMessage(ctx, second("s4", lead.ChannelWhatsApp))
	require.NoError(t, err)
	assert.Equal(t, cancelledFor(activities.ReasonNoChannel), res)

	// WhatsApp's window is closed and the template has no WhatsApp form: the next channel in the
	// order takes it; with none, the window is the reason.
	in := second("s5", lead.ChannelWeb, lead.ChannelWhatsApp, lead.ChannelEmail)
	in.Template, in.LastInbound = "nurture_checkin", nil
	res, err = acts.SendCustomerMessage(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, sent(lead.ChannelEmail, activities.ModeFreeForm), res)
	in = second("s6", lead.ChannelWeb, lead.ChannelWhatsApp)
	in.Template, in.LastInbound = "nurture_checkin", nil
	res, err = acts.SendCustomerMessage(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, cancelledFor(activities.ReasonWhatsAppWindow), res)
	assert.Len(t, chatbot.received(), 2)
	assert.Len(t, mail.messages(), 2)
}

func TestSendCustomerMessageNoChannel(t *testing.T) {
	ctx, acts, st, chatbot := customerActivities(t)
	in := sendInput(t, st, "s1")
	in.Reach = map[lead.Channel]string{lead.ChannelWeb: "web-conv-1", lead.ChannelWhatsApp: "+989123456789",
		lead.ChannelEmail: "ali@parsafzar.example", lead.ChannelTelegram: "123456789"}

	// Nothing configured at all.
	acts.Outbound = activities.Outbound{WebhookSecret: webhookSecret}
	for _, ch := range []string{policy.ChannelSame, policy.ChannelSecond} {
		in.Channel = ch
		res, err := acts.SendCustomerMessage(ctx, in)
		require.NoError(t, err)
		assert.Equal(t, cancelledFor(activities.ReasonNoChannel), res, ch)
	}
	// Configured, but no address there.
	w, err := notify.NewWebhook(notify.WebhookConfig{URL: chatbot.URL, Secret: webhookSecret})
	require.NoError(t, err)
	acts.Outbound.Chatbot = w
	in.Channel, in.Reach = policy.ChannelSame, map[lead.Channel]string{lead.ChannelEmail: "ali@parsafzar.example"}
	res, err := acts.SendCustomerMessage(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, cancelledFor(activities.ReasonNoChannel), res)
	assert.Empty(t, chatbot.received())
	assert.Zero(t, claims(t, st, "ld-1"))

	// A template the policy does not have.
	in = sendInput(t, st, "s2")
	in.Template = "no_such_template"
	res, err = acts.SendCustomerMessage(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, cancelledFor(activities.ReasonUnknownTemplate), res)

	_, err = acts.SendCustomerMessage(ctx, activities.SendInput{LeadID: "ld-1", Template: "missed_you"})
	ae := appError(t, err)
	assert.Equal(t, activities.ErrTypeInvalidInput, ae.Type())
	assert.True(t, ae.NonRetryable())
}

// The chatbot gateway refusing a message is final; it being down is retried, on the channel the
// message was first claimed on, and goes out once it is back.
func TestSendCustomerMessageDeliveryErrors(t *testing.T) {
	ctx, acts, st, chatbot := customerActivities(t, status(http.StatusBadRequest), status(http.StatusServiceUnavailable, "Retry-After", "7"))

	_, err := acts.SendCustomerMessage(ctx, sendInput(t, st, "s-400"))
	ae := appError(t, err)
	assert.True(t, ae.NonRetryable(), "400: %v", ae)
	assert.Equal(t, activities.ErrTypeDeliveryRejected, ae.Type())

	in := sendInput(t, st, "s-503")
	_, err = acts.SendCustomerMessage(ctx, in)
	ae = appError(t, err)
	assert.False(t, ae.NonRetryable(), "503: %v", ae)
	assert.Equal(t, 7*time.Second, ae.NextRetryDelay())
	assert.Empty(t, customerMessages(t, st, "ld-1"), "nothing was sent")

	res, err := acts.SendCustomerMessage(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, sent(lead.ChannelWeb, activities.ModeFreeForm), res)
	require.Len(t, chatbot.received(), 3)
	assert.Equal(t, "ld-1/s-503", chatbot.received()[2].Header.Get(notify.HeaderIdempotencyKey))
	assert.Equal(t, []string{"web:missed_you"}, customerMessages(t, st, "ld-1"))
}

// A retry goes out on the channel the first attempt claimed, even when another would be picked
// now; if that channel is gone, retrying cannot help.
func TestSendCustomerMessageRetryKeepsClaimedChannel(t *testing.T) {
	ctx, acts, st, chatbot := customerActivities(t, status(http.StatusServiceUnavailable))
	in := sendInput(t, st, "s1")
	in.Channel, in.ConversationChannel = policy.ChannelSecond, lead.ChannelWeb
	in.Reach = map[lead.Channel]string{lead.ChannelWhatsApp: "+989123456789", lead.ChannelEmail: "ali@parsafzar.example"}
	in.LastInbound = map[lead.Channel]time.Time{lead.ChannelWhatsApp: clock.Add(-time.Hour)}
	_, err := acts.SendCustomerMessage(ctx, in)
	assert.False(t, appError(t, err).NonRetryable())
	require.Len(t, chatbot.received(), 1)

	// E-mail comes up and would be picked now; the retry still wants WhatsApp, which is gone.
	mail := &mailbox{}
	acts.Outbound.Chatbot, acts.Outbound.Email = nil, mail
	_, err = acts.SendCustomerMessage(ctx, in)
	ae := appError(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, activities.ErrTypeDeliveryRejected, ae.Type())
	assert.Empty(t, mail.messages(), "not sent on another channel than claimed")
}

// {name} becomes the customer's first name, or goes away cleanly; the text is in the customer's
// language, English when the template has none in it.
func TestSendCustomerMessageRender(t *testing.T) {
	ctx, acts, st, _ := customerActivities(t)
	mail := &mailbox{}
	acts.Outbound.Email = mail
	tests := []struct {
		language, name, want string
	}{
		{"en", "Ali", "Hi Ali, we tried to call you about your request. When is a good time to talk?"},
		{"en", "", "Hi, we tried to call you about your request. When is a good time to talk?"},
		{"fa", "علی", "سلام علی، برای درخواستتان تماس گرفتیم. چه زمانی برای صحبت مناسب است؟"},
		{"fa", "", "سلام، برای درخواستتان تماس گرفتیم. چه زمانی برای صحبت مناسب است؟"},
		{"ru", "Анна", "Здравствуйте, Анна! Мы пытались позвонить вам по вашему запросу. Когда вам удобно поговорить?"},
		{"ru", "", "Здравствуйте! Мы пытались позвонить вам по вашему запросу. Когда вам удобно поговорить?"},
		{"zh", "", "您好，我们就您的需求致电未能接通。您什么时候方便沟通？"},
		{"de", "Ali", "Hi Ali, we tried to call you about your request. When is a good time to talk?"},
	}
	acts.Policy = followupsPolicyWith(t, "budget: 4", "budget: 10")
	for i, tt := range tests {
		in := sendInput(t, st, fmt.Sprintf("s%d", i))
		in.ConversationChannel, in.Language, in.FirstName = lead.ChannelEmail, tt.language, tt.name
		in.Reach = map[lead.Channel]string{lead.ChannelEmail: "ali@parsafzar.example"}
		res, err := acts.SendCustomerMessage(ctx, in)
		require.NoError(t, err)
		require.Equal(t, lead.FollowupSent, res.Status)
		msgs := mail.messages()
		require.Len(t, msgs, i+1)
		assert.Equal(t, tt.want, msgs[i].Text, "%s %q", tt.language, tt.name)
		assert.NotContains(t, msgs[i].Text, "{name}")
	}
}

// With business hours, the first-touch SLA counts only the rep's working time (in their timezone)
// and skips the policy's holidays. The store stamps assignments with the real clock, so the rep's
// hours are laid out around now: today's hours end a few minutes from now and the next working day,
// three days away, is 09:00-17:00 — Friday 16:58 to Monday 09:03 when today is a Friday. The rep is
// in Europe/London, then in Asia/Tehran, which is never on UTC's clock.
func TestRouteLeadFirstTouchDueInBusinessHours(t *testing.T) {
	ctx, acts, st := newActivities(t)
	_, err := st.PutTeam(ctx, store.Team{TeamID: "uk", Name: "uk"})
	require.NoError(t, err)

	for i, zone := range []string{"Europe/London", "Asia/Tehran"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		now := time.Now().In(loc)
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
		end := now.Truncate(time.Minute).Add(3 * time.Minute) // today's working time ends 2-3 minutes from now
		endClock := end.Format("15:04")
		if !end.Before(day.AddDate(0, 0, 1)) {
			end, endClock = day.AddDate(0, 0, 1), "24:00"
		}
		next := day.AddDate(0, 0, 3)
		weekday := func(t time.Time) string { return strings.ToLower(t.Weekday().String()[:3]) }
		hours := routing.Hours{weekday(day): {"00:00-" + endClock}, weekday(next): {"09:00-17:00"}}
		require.NoError(t, hours.Validate())
		_, err = st.PutRep(ctx, store.Rep{RepID: "rep-1", TeamID: "uk", Name: "rep-1", MaxOpenLeads: 10, Active: true,
			Timezone: zone, WorkingHours: hours})
		require.NoError(t, err)

		route := func(leadID string, tier lead.Tier) (lead.Assignment, time.Time) {
			t.Helper()
			res, err := acts.RouteLead(ctx, activities.RouteInput{LeadID: fmt.Sprintf("ld-%d-%s", i, leadID), Tier: tier, WithSLA: true})
			require.NoError(t, err)
			require.NotNil(t, res.Assignment)
			require.NotNil(t, res.FirstTouchDue)
			if !res.Assignment.AssignedAt.Before(end) {
				t.Skipf("the day ended in %s while the test ran", zone)
			}
			return *res.Assignment, *res.FirstTouchDue
		}
		// carried is when the SLA runs out: what is left of today's hours counts, the rest is
		// worked from start on the next working day.
		carried := func(as lead.Assignment, sla time.Duration, start time.Time) time.Time {
			return start.Add(sla - end.Sub(as.AssignedAt))
		}
		nineAM := time.Date(next.Year(), next.Month(), next.Day(), 9, 0, 0, 0, loc)

		// Business hours off: the SLA runs on the wall clock.
		acts.Policy = followupsPolicyWith(t)
		as, due := route("wall", lead.TierHot)
		assert.True(t, due.Equal(as.AssignedAt.Add(5*time.Minute)), "%s: due %v, assigned %v", zone, due, as.AssignedAt)

		// On: 2-3 minutes today, the rest from 09:00 three days later.
		acts.Policy = followupsPolicyWith(t, "business_hours: false", "business_hours: true")
		as, due = route("hot", lead.TierHot)
		want := carried(as, 5*time.Minute, nineAM)
		assert.True(t, due.Equal(want), "%s: due %v, want %v (assigned %v)", zone, due.In(loc), want, as.AssignedAt.In(loc))
		as, due = route("warm", lead.TierWarm)
		want = carried(as, time.Hour, nineAM)
		assert.True(t, due.Equal(want), "%s: due %v, want %v", zone, due.In(loc), want)

		// That day is a holiday: the next working time is today's hours a week on.
		acts.Policy = followupsPolicyWith(t, "business_hours: false", "business_hours: true",
			"holidays: []", fmt.Sprintf("holidays: [%q]", next.Format(time.DateOnly)))
		as, due = route("holiday", lead.TierHot)
		want = carried(as, 5*time.Minute, day.AddDate(0, 0, 7))
		assert.True(t, due.Equal(want), "%s: due %v, want %v", zone, due.In(loc), want)
	}

	// The on-call rep who takes a lead over gets a deadline the same way.
	_, err = st.PutRep(ctx, store.Rep{RepID: "rep-oc", TeamID: "uk", Name: "rep-oc", MaxOpenLeads: 10, Active: true, OnCall: true, Timezone: "UTC"})
	require.NoError(t, err)
	tr, err := acts.TakeOverLead(ctx, activities.TakeOverInput{LeadID: "ld-0-hot", FromRepID: "rep-1", ToRepID: "rep-oc", Tier: lead.TierHot})
	require.NoError(t, err)
	require.NotNil(t, tr.Assignment)
	assert.Equal(t, "rep-oc", tr.Assignment.RepID)
	assert.Equal(t, store.RuleOnCallAcknowledged, tr.Assignment.Rule)
	require.NotNil(t, tr.FirstTouchDue)
	assert.True(t, tr.FirstTouchDue.Equal(tr.Assignment.AssignedAt.Add(5*time.Minute)), "rep-oc keeps no fixed hours")
}

func TestTakeOverLeadClosed(t *testing.T) {
	ctx, acts, st := newActivities(t)
	putRep(t, st, "t", "rep-1", "")
	savePIILead(t, st, "ld-1")
	rt, err := acts.RouteLead(ctx, activities.RouteInput{LeadID: "ld-1"})
	require.NoError(t, err)
	require.Equal(t, "rep-1", rt.Assignment.RepID)
	putRep(t, st, "t", "rep-oc", "")
	_, err = acts.RecordOutcome(ctx, activities.RecordOutcomeInput{LeadID: "ld-1", IdempotencyKey: "won",
		Note: lead.OutcomeNote{Outcome: lead.OutcomeWon, RepID: "rep-1", At: clock}, NewStatus: lead.StatusWon})
	require.NoError(t, err)
	_, err = acts.TakeOverLead(ctx, activities.TakeOverInput{LeadID: "ld-1", FromRepID: "rep-1", ToRepID: "rep-oc", Tier: lead.TierHot})
	ae := appError(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, activities.ErrTypeRejected, ae.Type())
}

func TestPageOnCall(t *testing.T) {
	ctx, acts, st := newActivities(t)
	hook := newWebhook(t)
	putRep(t, st, "t", "rep-1", "")
	putRep(t, st, "t", "rep-oc", hook.URL)
	require.NoError(t, st.SetAvailability(ctx, "rep-oc", store.Availability{OnCall: ptr(true)}))
	putRep(t, st, "nobody-on-call", "rep-2", "")
	savePIILead(t, st, "ld-1")

	in := activities.PageInput{LeadID: "ld-1", TeamID: "t", Level: 1}
	for range 2 { // a retry pages once
		res, err := acts.PageOnCall(ctx, in)
		require.NoError(t, err)
		assert.Equal(t, activities.PageResult{RepID: "rep-oc"}, res)
	}
	notes, err := st.Notifications(ctx, "ld-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"page:rep-oc"}, notes)
	require.Len(t, hook.received(), 1)
	assert.Equal(t, "ld-1:page-1", hook.received()[0].Header.Get("Idempotency-Key"))
	assert.Contains(t, hook.received()[0].Body, `"kind":"page"`)

	// The next escalation level is a page of its own.
	res, err := acts.PageOnCall(ctx, activities.PageInput{LeadID: "ld-1", TeamID: "t", Level: 2})
	require.NoError(t, err)
	assert.Equal(t, "rep-oc", res.RepID)
	assert.Len(t, hook.received(), 2)

	// A team with nobody on call: nobody is paged.
	res, err = acts.PageOnCall(ctx, activities.PageInput{LeadID: "ld-1", TeamID: "nobody-on-call", Level: 1})
	require.NoError(t, err)
	assert.Equal(t, activities.PageResult{}, res)
	notes, err = st.Notifications(ctx, "ld-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"page:rep-oc", "page:rep-oc"}, notes)

	_, err = acts.PageOnCall(ctx, activities.PageInput{LeadID: "ld-1"})
	assert.Equal(t, activities.ErrTypeInvalidInput, appError(t, err).Type())
}

func TestSaveFollowupsActivity(t *testing.T) {
	ctx, acts, st := newActivities(t)
	savePIILead(t, st, "ld-1")
	due := clock.Add(5 * time.Minute)
	steps := []lead.Followup{{ID: "standard-1", Kind: lead.FollowupCustomerMessage, DueAt: clock, Status: lead.FollowupCancelled,
		Sequence: "standard", Reason: activities.ReasonBudget}}
	require.NoError(t, acts.SaveFollowups(ctx, activities.SaveFollowupsInput{LeadID: "ld-1", Steps: steps, SLA: &lead.SLA{FirstTouchDueAt: &due}}))
	l, err := st.Lead(ctx, "ld-1")
	require.NoError(t, err)
	require.Len(t, l.Followups, 1)
	assert.Equal(t, "budget", l.Followups[0].Reason)
	require.NotNil(t, l.SLA.FirstTouchDueAt)
	assert.True(t, l.SLA.FirstTouchDueAt.Equal(due))

	ae := appError(t, acts.SaveFollowups(ctx, activities.SaveFollowupsInput{LeadID: "ld-1", Steps: []lead.Followup{{ID: "x"}}}))
	assert.Equal(t, activities.ErrTypeInvalidInput, ae.Type())
	ae = appError(t, acts.SaveFollowups(ctx, activities.SaveFollowupsInput{LeadID: "ld-ghost", Steps: steps}))
	assert.True(t, ae.NonRetryable(), "an unknown lead")
}

// A tier the policy sets no first-touch SLA for gets no deadline from routing (the workflow keeps
// its own first follow-up delay), never one that has already passed.
func TestRouteLeadWithoutAnSLAForTheTier(t *testing.T) {
	ctx, acts, st := newActivities(t)
	_, err := st.PutTeam(ctx, store.Team{TeamID: "uk", Name: "uk"})
	require.NoError(t, err)
	_, err = st.PutRep(ctx, store.Rep{RepID: "rep-1", TeamID: "uk", Name: "rep-1", MaxOpenLeads: 10, Active: true, Timezone: "UTC"})
	require.NoError(t, err)
	acts.Policy = followupsPolicyWith(t, "first_touch: {hot: 5m, warm: 1h, cold: 8h}", "first_touch: {hot: 5m, warm: 1h}")
	res, err := acts.RouteLead(ctx, activities.RouteInput{LeadID: "ld-cold", Tier: lead.TierCold, WithSLA: true})
	require.NoError(t, err)
	require.NotNil(t, res.Assignment)
	assert.Nil(t, res.FirstTouchDue)
	res, err = acts.RouteLead(ctx, activities.RouteInput{LeadID: "ld-hot", Tier: lead.TierHot, WithSLA: true})
	require.NoError(t, err)
	require.NotNil(t, res.FirstTouchDue)
}
