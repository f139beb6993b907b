package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/leadflow/leadflow/internal/notify"
	"github.com/leadflow/leadflow/internal/store"
)

// Notification kinds a rep receives.
const (
	NotifyNewLead          = "new_lead"
	NotifyFirstTouchDue    = "first_touch_overdue"
	NotifyManagerEscalated = "escalation"
	NotifyLeadQueued       = "lead_queued"
	// NotifyPage pages the on-call rep about a hot lead nobody touched in time.
	NotifyPage = "page"
	// NotifyReminder is a sequence's reminder of a lead nobody has touched yet.
	NotifyReminder = "reminder"
)

// NotifyInput is one message to one rep about one lead. Key makes it unique: the same key is
// delivered once, however often the activity runs.
type NotifyInput struct {
	LeadID string
	RepID  string
	Kind   string
	Key    string
}

// NotifyResult says whether the notification went out beyond the inbox.
type NotifyResult struct {
	NotificationID string
	// Delivered is true when the rep has at least one channel this worker can send on, and every
	// such channel took the notification; false for an inbox-only rep.
	Delivered bool
}

// NotifyRep puts a notification in the rep's inbox and sends it on every channel the rep set
// (routing.RepNotify): their webhook (signed with LEADFLOW_WEBHOOK_SECRET), Slack, Telegram and
// e-mail. Telegram and e-mail need the worker's bot and SMTP server; a rep's channel the worker has
// none for is skipped.
//
// What goes out carries ids only (the notification, its kind, the lead and the rep), never the
// customer's personal data: the rep's tools read the lead through the API with their own key. The
// notification id (lead id and key) is the idempotency key the receivers see.
//
// Each channel takes a notification once: the channels that took it are recorded, and a retry
// sends only on the others (Slack and Telegram have no idempotency key of their own). Every
// channel is tried; when any failed the activity fails, permanently only when every failure is
// permanent (a 4xx answer, a bad setting, no LEADFLOW_WEBHOOK_SECRET for a webhook), otherwise
// retryably, waiting as long as the most patient Retry-After asked. The inbox has it either way.
func (a *Activities) NotifyRep(ctx context.Context, in NotifyInput) (NotifyResult, error) {
	if in.LeadID == "" || in.RepID == "" || in.Kind == "" || in.Key == "" {
		return NotifyResult{}, invalid("notify: lead, rep, kind and key are required", nil)
	}
	id := fmt.Sprintf("%s:%s", in.LeadID, in.Key)
	if err := (notify.Message{Key: id}).Validate(); err != nil {
		return NotifyResult{}, invalid("notify: lead id and key do not make a valid notification id (printable ASCII without spaces, at most 200 bytes)", err)
	}
	created, err := a.Store.AddNotification(ctx, store.Notification{NotificationID: id, LeadID: in.LeadID, RepID: in.RepID, Kind: in.Kind})
	if err != nil {
		return NotifyResult{}, classify("notify", err)
	}
	// A notification every channel already took is not sent again. Before this check every rerun
	// re-posted it: EscalateFirstTouch retried because the manager's webhook was down told the rep
	// again on every retry.
	if !created {
		delivered, err := a.Store.NotificationDelivered(ctx, id)
		if err != nil {
			return NotifyResult{}, classify("notify", err)
		}
		if delivered {
			return NotifyResult{NotificationID: id, Delivered: true}, nil
		}
	}
	rep, err := a.Store.RepByID(ctx, in.RepID)
	if err != nil {
		return NotifyResult{}, classify("notify", err)
	}
	channels := a.repChannels(ctx, rep)
	if len(channels) == 0 {
		return NotifyResult{NotificationID: id}, nil // inbox only
	}
	// A notification this attempt created has no deliveries yet; only a rerun asks which channels
	// took it (one statement fewer on every first notification).
	done := map[string]bool{}
	if !created {
		if done, err = a.Store.ChannelsDelivered(ctx, id); err != nil {
			return NotifyResult{}, classify("notify", err)
		}
	}

	msg := repMessage(id, in)
	failures := make([]error, len(channels))
	var wg sync.WaitGroup
	for i, ch := range channels {
		if done[ch.name] {
			continue
		}
		wg.Go(func() { failures[i] = a.sendOn(ctx, id, ch, msg) })
	}
	wg.Wait()
	if err := joinChannelFailures(id, channels, failures); err != nil {
		return NotifyResult{}, deliveryError(err)
	}
	if err := a.Store.MarkNotificationDelivered(ctx, id); err != nil {
		return NotifyResult{}, classify("notify", err)
	}
	return NotifyResult{NotificationID: id, Delivered: true}, nil
}

// repChannel is one of a rep's channels: the notifier and address to send on, or why it cannot be
// used (a permanent failure of that channel).
type repChannel struct {
	name     string // a notify.Channel* name, recorded in notification_deliveries
	notifier notify.Notifier
	to       string
	err      error
}

// repChannels lists the channels the rep set, in a fixed order, leaving out those this worker has
// no sender for (Telegram without TELEGRAM_BOT_TOKEN, e-mail without SMTP_ADDR).
func (a *Activities) repChannels(ctx context.Context, rep store.Rep) []repChannel {
	var out []repChannel
	n := rep.Notify
	if u := n.WebhookURL; u != nil && *u != "" {
		c := repChannel{name: notify.ChannelWebhook}
		if a.Outbound.WebhookSecret == "" {
			c.err = &notify.PermanentError{Channel: notify.ChannelWebhook,
				Reason: "LEADFLOW_WEBHOOK_SECRET is not set: the rep's webhook cannot be signed, set it on the worker"}
		} else if w, err := notify.NewWebhook(notify.WebhookConfig{URL: *u, Secret: a.Outbound.WebhookSecret, Client: a.httpClient(), Now: a.now}); err != nil {
			c.err = err
		} else {
			c.notifier = w
		}
		out = append(out, c)
	}
	if u := n.SlackWebhookURL; u != nil && *u != "" {
		c := repChannel{name: notify.ChannelSlack}
		if s, err := notify.NewSlack(notify.SlackConfig{WebhookURL: *u, Client: a.httpClient(), Now: a.now}); err != nil {
			c.err = err
		} else {
			c.notifier = s
		}
		out = append(out, c)
	}
	if chat := n.TelegramChatID; chat != nil && *chat != "" {
		if a.Outbound.Telegram == nil {
			a.skipped(ctx, rep.RepID, notify.ChannelTelegram, "TELEGRAM_BOT_TOKEN")
		} else {
			out = append(out, repChannel{name: notify.ChannelTelegram, notifier: a.Outbound.Telegram, to: *chat})
		}
	}
	if n.Email {
		switch {
		case a.Outbound.Email == nil:
			a.skipped(ctx, rep.RepID, notify.ChannelEmail, "SMTP_ADDR")
		case rep.Email == nil || *rep.Email == "":
			out = append(out, repChannel{name: notify.ChannelEmail, err: &notify.PermanentError{Channel: notify.ChannelEmail,
				Reason: "the rep asked for e-mail (notify.email) but has no email address"}})
		default:
			out = append(out, repChannel{name: notify.ChannelEmail, notifier: a.Outbound.Email, to: *rep.Email})
		}
	}
	return out
}

// skipped logs a rep's channel the worker cannot send on (never the address).
func (a *Activities) skipped(ctx context.Context, repID, channel, setting string) {
	if activity.IsActivity(ctx) { // tests call the method directly
		activity.GetLogger(ctx).Warn("Rep notification channel skipped: not configured on this worker",
			"RepID", repID, "Channel", channel, "Setting", setting)
	}
}

// sendOn sends msg on one channel and records that it took it.
func (a *Activities) sendOn(ctx context.Context, id string, ch repChannel, msg notify.Message) error {
	if ch.err != nil {
		return ch.err
	}
	msg.To = ch.to
	if err := ch.notifier.Send(ctx, msg); err != nil {
		return err
	}
	if err := a.Store.MarkChannelDelivered(ctx, id, ch.name); err != nil {
		// Sent, but a retry will send it again: nothing better can be done without the database.
		return fmt.Errorf("sent, but not recorded: %w", err)
	}
	return nil
}

// channelFailures is a notification some of the rep's channels did not take. It unwraps to the
// failure that decides what Temporal does (see deliveryError): a permanent one only when every
// failure is permanent, else the retryable one that asked for the longest wait.
type channelFailures struct {
	msg      string
	decisive error
}

func (e *channelFailures) Error() string { return e.msg }
func (e *channelFailures) Unwrap() error { return e.decisive }

// joinChannelFailures returns nil when no channel failed. failures[i] is channels[i]'s.
func joinChannelFailures(id string, channels []repChannel, failures []error) error {
	var parts []string
	var firstPermanent, retryable error
	var longest time.Duration
	for i, err := range failures {
		if err == nil {
			continue
		}
		parts = append(parts, describeFailure(channels[i].name, err))
		if notify.IsPermanent(err) {
			if firstPermanent == nil {
				firstPermanent = err
			}
			continue
		}
		wait, _ := notify.RetryAfter(err)
		if retryable == nil || wait > longest {
			retryable, longest = err, wait
		}
	}
	if len(parts) == 0 {
		return nil
	}
	decisive := retryable
	if decisive == nil {
		decisive = firstPermanent
	}
	return &channelFailures{
		msg:      fmt.Sprintf("notify %s: %d of %d channels failed: %s", id, len(parts), len(channels), strings.Join(parts, "; ")),
		decisive: decisive,
	}
}

// describeFailure names the channel and, when the receiver answered, its status. Notifier errors
// carry no address, text or URL, so this is safe for logs and workflow histories.
func describeFailure(channel string, err error) string {
	var status int
	var p *notify.PermanentError
	var r *notify.RetryableError
	switch {
	case errors.As(err, &p):
		status = p.Status
	case errors.As(err, &r):
		status = r.Status
	}
	if status != 0 {
		return fmt.Sprintf("%s answered %d: %v", channel, status, err)
	}
	return fmt.Sprintf("%s: %v", channel, err)
}

// repMessage is what a rep is told: short, ids only. Webhooks receive the ids as Data.
func repMessage(id string, in NotifyInput) notify.Message {
	subject, text := notificationText(in.Kind, in.LeadID)
	return notify.Message{
		Key:     id,
		Subject: subject,
		Text:    text + "\nNotification " + id,
		Data:    map[string]any{"notification_id": id, "kind": in.Kind, "lead_id": in.LeadID, "rep_id": in.RepID},
	}
}

// notificationText words a notification of kind about leadID; a kind it does not know gets a
// generic text.
func notificationText(kind, leadID string) (subject, text string) {
	switch kind {
	case NotifyNewLead:
		return "New lead " + leadID, "Lead " + leadID + " is assigned to you. Open it in Leadflow to see the details."
	case NotifyFirstTouchDue:
		return "First touch overdue: lead " + leadID, "The first contact with lead " + leadID + " is overdue. Please reach out now."
	case NotifyManagerEscalated:
		return "Escalation: lead " + leadID, "The first contact with lead " + leadID + " is overdue and has been escalated to you as the team's manager."
	case NotifyLeadQueued:
		return "Lead " + leadID + " is waiting in the queue", "Nobody in your team can take lead " + leadID + " right now; it waits in the team's queue."
	case NotifyPage:
		return "Page: hot lead " + leadID + " untouched", "Hot lead " + leadID + " was not contacted in time. Acknowledge the page to take it over, or it goes up the chain."
	case NotifyReminder:
		return "Reminder: lead " + leadID, "Lead " + leadID + " is still waiting for your first contact."
	}
	text = "There is news about lead " + leadID
	if plainKind(kind) {
		text += " (" + kind + ")"
	}
	return "Leadflow: lead " + leadID, text + "."
}

// plainKind reports whether kind is a short token fit to show as is.
func plainKind(kind string) bool {
	return len(kind) <= 64 && strings.IndexFunc(kind, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
	}) < 0
}

func (a *Activities) httpClient() *http.Client {
	if a.HTTP != nil {
		return a.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}
