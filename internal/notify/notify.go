// Package notify sends notifications (to sales reps, managers and customers) through one
// interface, Notifier, with four implementations: a signed generic webhook, a Slack incoming
// webhook, the Telegram Bot API and SMTP email.
//
// Sends run inside Temporal activities, which Temporal retries. Every Message therefore carries an
// idempotency key chosen by the workflow, and each notifier hands it to the receiver where the
// protocol has a place for it (the webhook's Idempotency-Key header, the email's Message-ID) so the
// receiver can drop repeats. Slack incoming webhooks and Telegram's sendMessage have no such place:
// there the caller must not call Send again for a key that already succeeded.
//
// Errors are classified so the activity can decide: a *PermanentError is a send no retry can fix
// (bad configuration, an invalid address, a 4xx answer), a *RetryableError is one that may work
// later (429, 5xx, network trouble), possibly with the delay the server asked for. A caller maps
// them onto Temporal like this:
//
//	if notify.IsPermanent(err) {
//		return temporal.NewNonRetryableApplicationError(err.Error(), "NotifyRejected", nil)
//	}
//	if wait, ok := notify.RetryAfter(err); ok {
//		return temporal.NewApplicationErrorWithOptions(err.Error(), "NotifyRetryLater",
//			temporal.ApplicationErrorOptions{NextRetryDelay: wait})
//	}
//
// Error messages may name the channel, a status or reply code and the idempotency key, never an
// address, a phone number, message text, a URL or a secret: they end up in logs and in workflow
// histories. For the same reason the causes the errors wrap are reduced to harmless sentinels
// (context.DeadlineExceeded, syscall.ECONNREFUSED, ...) rather than the transport's own errors,
// whose text includes URLs (and with them Slack webhook secrets and Telegram bot tokens).
package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// Channel names, as returned by Notifier.Channel.
const (
	ChannelWebhook  = "webhook"
	ChannelSlack    = "slack"
	ChannelTelegram = "telegram"
	ChannelEmail    = "email"
)

// Bounds on a Message. They keep a runaway caller from building huge requests, and keep headers
// (the key travels in one, the subject in another) well inside what servers accept.
const (
	MaxKeyLen     = 200      // bytes
	MaxSubjectLen = 512      // bytes
	MaxToLen      = 320      // bytes
	MaxTextLen    = 32 << 10 // bytes
)

// Message is one notification.
type Message struct {
	// Key is the idempotency key from the workflow, required: the same logical notification must
	// carry the same key on every attempt. Printable ASCII without spaces (a UUID, or something
	// like "lead-42/notify-rep"), at most MaxKeyLen bytes.
	Key string
	// Subject is a one-line title; optional.
	Subject string
	// Text is the plain-text body; line breaks are kept.
	Text string
	// To is the channel-specific address: a Telegram chat id, an email address. Webhooks and Slack
	// (whose incoming webhook URL fixes the channel) may leave it empty.
	To string
	// Data is the structured body webhooks receive, e.g. lead_id and kind; other channels ignore it.
	Data map[string]any
}

// Notifier sends Messages over one channel. Implementations are safe for concurrent use.
type Notifier interface {
	// Channel names the channel, one of the Channel constants.
	Channel() string
	// Send delivers m, or returns a *PermanentError or a *RetryableError.
	Send(ctx context.Context, m Message) error
}

// PermanentError is a send that no retry can fix: a 4xx answer other than 408 and 429, bad
// configuration, an invalid message or address.
type PermanentError struct {
	Channel string // a Channel constant; empty from Message.Validate
	Key     string // the message's idempotency key, when it was valid
	Status  int    // HTTP status or SMTP reply code; 0 when there was no answer
	Reason  string // what went wrong, free of personal data and secrets
	Err     error  // a sanitised cause, often nil
}

func (e *PermanentError) Error() string {
	return describe(e.Channel, e.Reason, e.Err, "permanent", e.Status, e.Key, 0)
}

func (e *PermanentError) Unwrap() error { return e.Err }

// RetryableError is a send that may succeed later: 408, 429 and 5xx answers, network errors,
// timeouts.
type RetryableError struct {
	// RetryAfter is how long the server asked the caller to wait; 0 when it did not say.
	RetryAfter time.Duration
	Channel    string // a Channel constant
	Key        string // the message's idempotency key
	Status     int    // HTTP status or SMTP reply code; 0 when there was no answer
	Reason     string // what went wrong, free of personal data and secrets
	Err        error  // a sanitised cause, often nil
}

func (e *RetryableError) Error() string {
	return describe(e.Channel, e.Reason, e.Err, "retryable", e.Status, e.Key, e.RetryAfter)
}

func (e *RetryableError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is, or wraps, a *PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryAfter returns the wait a server asked for when err is, or wraps, a *RetryableError that
// carries one; ok is false otherwise, and the caller should use its own backoff.
func RetryAfter(err error) (wait time.Duration, ok bool) {
	var r *RetryableError
	if errors.As(err, &r) && r.RetryAfter > 0 {
		return r.RetryAfter, true
	}
	return 0, false
}

// describe renders an error as `notify slack: rejected: no_text (permanent, status 400, key "k")`.
func describe(channel, reason string, cause error, kind string, status int, key string, wait time.Duration) string {
	var b strings.Builder
	b.WriteString("notify")
	if channel != "" {
		b.WriteString(" " + channel)
	}
	b.WriteString(": " + reason)
	if cause != nil {
		b.WriteString(": " + cause.Error())
	}
	b.WriteString(" (" + kind)
	if status != 0 {
		fmt.Fprintf(&b, ", status %d", status)
	}
	if key != "" {
		fmt.Fprintf(&b, ", key %q", key)
	}
	if wait > 0 {
		fmt.Fprintf(&b, ", retry after %s", wait)
	}
	b.WriteString(")")
	return b.String()
}

// permanent and retryable build errors for one channel and key.
func permanent(channel, key string, status int, reason string) error {
	return &PermanentError{Channel: channel, Key: key, Status: status, Reason: reason}
}

func retryable(channel, key string, status int, wait time.Duration, reason string) error {
	return &RetryableError{Channel: channel, Key: key, Status: status, RetryAfter: wait, Reason: reason}
}

// transportError is a failure before any answer arrived: the server may or may not have got the
// request, so it is retryable, and the receiver's deduplication covers the "it did" case.
func transportError(channel, key, reason string, err error) error {
	return &RetryableError{Channel: channel, Key: key, Reason: reason, Err: safeCause(err)}
}

// safeCause reduces a transport error to a sentinel that keeps errors.Is working and whose text
// holds no URL, host name or address: *url.Error and friends print the whole URL, which for Slack
// and Telegram contains the secret.
func safeCause(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	case errors.Is(err, os.ErrDeadlineExceeded):
		return os.ErrDeadlineExceeded
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno // "connection refused", "connection reset by peer", ...
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return os.ErrDeadlineExceeded
	}
	return nil
}

// Validate checks what every channel needs: a well-formed key, bounded lengths, valid UTF-8 and
// single-line Subject and To. It returns a *PermanentError.
func (m Message) Validate() error {
	return m.validate("")
}

func (m Message) validate(channel string) error {
	if reason := checkKey(m.Key); reason != "" {
		return permanent(channel, "", 0, reason) // an invalid key is not repeated in the error
	}
	bad := func(reason string) error { return permanent(channel, m.Key, 0, reason) }
	switch {
	case len(m.Subject) > MaxSubjectLen:
		return bad(fmt.Sprintf("subject longer than %d bytes", MaxSubjectLen))
	case len(m.To) > MaxToLen:
		return bad(fmt.Sprintf("address longer than %d bytes", MaxToLen))
	case len(m.Text) > MaxTextLen:
		return bad(fmt.Sprintf("text longer than %d bytes", MaxTextLen))
	case !singleLine(m.Subject):
		return bad("subject holds control characters or invalid UTF-8")
	case !singleLine(m.To):
		return bad("address holds control characters or invalid UTF-8")
	case !utf8.ValidString(m.Text):
		return bad("text is not valid UTF-8")
	}
	return nil
}

// checkKey returns why key is unusable, or "" when it is fine. Keys travel in HTTP headers and
// Message-IDs, hence printable ASCII only.
func checkKey(key string) string {
	if key == "" {
		return "idempotency key is required"
	}
	if len(key) > MaxKeyLen {
		return fmt.Sprintf("idempotency key longer than %d bytes", MaxKeyLen)
	}
	for i := range len(key) {
		if key[i] <= ' ' || key[i] > '~' {
			return "idempotency key must be printable ASCII without spaces"
		}
	}
	return ""
}

// singleLine reports whether s is valid UTF-8 free of control characters: no CR or LF to inject
// headers with, no tabs or NULs.
func singleLine(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, unicode.IsControl) < 0
}

// safeReason returns a server's error description when it is plainly a fixed phrase or code
// (letters, spaces, a little punctuation, such as "Bad Request: chat not found" or
// "channel_not_found"), and "" otherwise. Digits and "@" are refused outright: servers sometimes
// echo chat ids, phone numbers or addresses back.
func safeReason(s string) string {
	const maxLen = 120
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxLen {
		return ""
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case strings.ContainsRune(" :,'._-", r):
		default:
			return ""
		}
	}
	return s
}
