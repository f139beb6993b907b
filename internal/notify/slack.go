package notify

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SlackConfig configures a Slack notifier.
type SlackConfig struct {
	// WebhookURL is the incoming webhook URL; it is a secret and never appears in errors.
	WebhookURL string
	// Client sends the request; nil means a client with DefaultTimeout.
	Client *http.Client
	// Now is the clock used to read Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// Slack posts to a Slack incoming webhook, whose URL fixes the channel (Message.To is ignored).
//
// Incoming webhooks take no idempotency key or message id, so the Message key cannot be passed
// on: a retry after a lost "ok" posts the message twice. Callers must deduplicate themselves, by
// not sending again a key that already succeeded. The key is still required and validated, and
// named in errors.
//
// Slack answers 200 "ok". Its 4xx answers (invalid_payload, no_text, channel_not_found,
// no_service, ...) are permanent; 429 (with Retry-After) and 5xx are retryable.
type Slack struct {
	url    *url.URL
	client *http.Client
	now    func() time.Time
}

var _ Notifier = (*Slack)(nil)

// NewSlack checks cfg and returns a Slack notifier, or a *PermanentError.
func NewSlack(cfg SlackConfig) (*Slack, error) {
	u, err := parseHTTPURL(cfg.WebhookURL)
	if err != nil {
		return nil, permanent(ChannelSlack, "", 0, "bad configuration: "+err.Error())
	}
	return &Slack{url: u, client: httpClient(cfg.Client), now: nowOr(cfg.Now)}, nil
}

// Channel returns ChannelSlack.
func (s *Slack) Channel() string { return ChannelSlack }

// Send posts m as {"text": "*subject*\ntext"}.
func (s *Slack) Send(ctx context.Context, m Message) error {
	if err := m.validate(ChannelSlack); err != nil {
		return err
	}
	if m.Subject == "" && m.Text == "" {
		return permanent(ChannelSlack, m.Key, 0, "nothing to send: subject and text are empty")
	}
	body, err := marshalJSON(struct {
		Text string `json:"text"`
	}{slackText(m.Subject, m.Text)})
	if err != nil {
		return permanent(ChannelSlack, m.Key, 0, "cannot encode the payload")
	}
	header := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"leadflow-notify/1"}}
	now := s.now()
	a, err := post(ctx, s.client, s.url, body, header)
	if err != nil {
		return transportError(ChannelSlack, m.Key, "request failed", err)
	}
	// Slack's error bodies are codes such as "channel_not_found": safe, and worth reporting.
	return classifyStatus(ChannelSlack, m.Key, a, now, safeReason(string(a.body)))
}

// slackEscaper escapes the three characters Slack's mrkdwn treats as control characters, so text
// written by customers cannot smuggle in links or mentions such as <!channel>.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// slackText renders the message, the subject bold on its own line when set.
func slackText(subject, text string) string {
	text = slackEscaper.Replace(text)
	if subject == "" {
		return text
	}
	return "*" + slackEscaper.Replace(subject) + "*\n" + text
}
