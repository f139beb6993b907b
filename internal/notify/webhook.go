package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Webhook request headers.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderTimestamp      = "X-Leadflow-Timestamp"
	HeaderSignature      = "X-Leadflow-Signature"
)

// DefaultTolerance is how far a webhook timestamp may be from the receiver's clock.
const DefaultTolerance = 5 * time.Minute

// MinSecretLen is the shortest webhook secret accepted: shorter keys can be guessed offline
// from a single signed request.
const MinSecretLen = 16

// maxWebhookBody caps the JSON body, Data included.
const maxWebhookBody = 256 << 10

const signaturePrefix = "sha256="

// Errors VerifySignature returns (wrapped).
var (
	ErrInvalidSignature = errors.New("notify: invalid webhook signature")
	ErrStaleTimestamp   = errors.New("notify: webhook timestamp outside the tolerance")
)

// WebhookConfig configures a Webhook.
type WebhookConfig struct {
	// URL receives the POST; http or https.
	URL string
	// Secret is shared with the receiver and keys the HMAC; at least MinSecretLen bytes.
	Secret string
	// Client sends the request; nil means a client with DefaultTimeout. Redirects are never
	// followed either way.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Webhook POSTs a signed JSON document to a URL:
//
//	{"key":"...","subject":"...","text":"...","to":"...","data":{...}}
//
// ("to" only when set) with the headers Idempotency-Key (the message key), X-Leadflow-Timestamp
// (unix seconds) and X-Leadflow-Signature ("sha256=" and the hex HMAC-SHA256 of
// "<timestamp>.<body>" under the shared secret), which receivers check with VerifySignature.
//
// A 2xx answer is success. 408, 429 and 5xx are retryable, and so is 409, which the IETF
// Idempotency-Key draft uses for "a request with this key is still being processed"; every other
// 4xx, and any redirect, is permanent.
type Webhook struct {
	url    *url.URL
	secret []byte
	client *http.Client
	now    func() time.Time
}

var _ Notifier = (*Webhook)(nil)

// NewWebhook checks cfg and returns a Webhook, or a *PermanentError naming the problem.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	u, err := parseHTTPURL(cfg.URL)
	if err != nil {
		return nil, permanent(ChannelWebhook, "", 0, "bad configuration: "+err.Error())
	}
	if len(cfg.Secret) < MinSecretLen {
		return nil, permanent(ChannelWebhook, "", 0,
			fmt.Sprintf("bad configuration: secret shorter than %d bytes", MinSecretLen))
	}
	return &Webhook{url: u, secret: []byte(cfg.Secret), client: httpClient(cfg.Client), now: nowOr(cfg.Now)}, nil
}

// Channel returns ChannelWebhook.
func (w *Webhook) Channel() string { return ChannelWebhook }

// webhookBody is the JSON document a webhook receives.
type webhookBody struct {
	Key     string         `json:"key"`
	Subject string         `json:"subject"`
	Text    string         `json:"text"`
	To      string         `json:"to,omitempty"`
	Data    map[string]any `json:"data"`
}

// Send POSTs m to the webhook URL.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	if err := m.validate(ChannelWebhook); err != nil {
		return err
	}
	body, err := w.body(m)
	if err != nil {
		return err
	}
	now := w.now()
	ts := strconv.FormatInt(now.Unix(), 10)
	header := http.Header{
		"Content-Type":       {"application/json"},
		"User-Agent":         {"leadflow-notify/1"},
		HeaderIdempotencyKey: {m.Key},
		HeaderTimestamp:      {ts},
		HeaderSignature:      {Sign(string(w.secret), ts, string(body))},
	}
	a, err := post(ctx, w.client, w.url, body, header)
	if err != nil {
		return transportError(ChannelWebhook, m.Key, "request failed", err)
	}
	if a.status == http.StatusConflict {
		return retryable(ChannelWebhook, m.Key, a.status, 0, "receiver is still processing this key")
	}
	return classifyStatus(ChannelWebhook, m.Key, a, now, "")
}

func (w *Webhook) body(m Message) ([]byte, error) {
	data := m.Data
	if data == nil {
		data = map[string]any{} // receivers always find an object
	}
	body, err := marshalJSON(webhookBody{Key: m.Key, Subject: m.Subject, Text: m.Text, To: m.To, Data: data})
	if err != nil {
		// Not wrapped: json's errors can quote the offending values.
		return nil, permanent(ChannelWebhook, m.Key, 0, "data cannot be encoded as JSON")
	}
	if len(body) > maxWebhookBody {
		return nil, permanent(ChannelWebhook, m.Key, 0, fmt.Sprintf("body longer than %d bytes", maxWebhookBody))
	}
	return body, nil
}

// Sign returns the X-Leadflow-Signature value for a body sent at timestamp (unix seconds, as sent
// in X-Leadflow-Timestamp): "sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>".
func Sign(secret, timestamp, body string) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret, timestamp, body string) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte("."))
	h.Write([]byte(body))
	return h.Sum(nil)
}

// VerifySignature is for receivers: it checks that header (the X-Leadflow-Signature value) signs
// body at timestamp (the X-Leadflow-Timestamp value) under secret, and that timestamp is within
// tolerance of now either way, which bounds how long a captured request can be replayed (within
// that window, deduplicate on the Idempotency-Key). A tolerance of zero or less means
// DefaultTolerance. body must be the raw bytes received, before any JSON decoding. The error wraps
// ErrInvalidSignature or ErrStaleTimestamp.
func VerifySignature(secret, timestamp, body, header string, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return fmt.Errorf("%w: empty secret", ErrInvalidSignature)
	}
	ts, err := parseTimestamp(timestamp)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	// Sub saturates instead of overflowing, so absurd timestamps land outside any tolerance.
	if age := now.Sub(time.Unix(ts, 0)); age > tolerance || age < -tolerance {
		return ErrStaleTimestamp
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), signaturePrefix)
	if !ok {
		return fmt.Errorf("%w: want %q and a hex digest", ErrInvalidSignature, signaturePrefix)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: malformed digest", ErrInvalidSignature)
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) { // constant time
		return ErrInvalidSignature
	}
	return nil
}

// parseTimestamp accepts unix seconds as plain digits: no sign, no spaces, at most 12 digits
// (enough until the year 33658, and far from overflowing int64).
func parseTimestamp(s string) (int64, error) {
	if s == "" || len(s) > 12 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%w: malformed timestamp", ErrInvalidSignature)
	}
	return strconv.ParseInt(s, 10, 64)
}
