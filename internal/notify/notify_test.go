package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is the fixed "now" of the tests.
var clock = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return clock }

// kind names how an error is classified, for table tests.
func kind(err error) string {
	var p *PermanentError
	var r *RetryableError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &p):
		return "permanent"
	case errors.As(err, &r):
		return "retryable"
	}
	return "unclassified"
}

func TestErrorClassification(t *testing.T) {
	perm := &PermanentError{Channel: ChannelSlack, Key: "k1", Status: 400, Reason: "no_text"}
	retry := &RetryableError{Channel: ChannelWebhook, Key: "k2", Status: 429, RetryAfter: 7 * time.Second, Reason: "slow down"}
	noWait := &RetryableError{Channel: ChannelEmail, Key: "k3", Reason: "connect failed", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name      string
		err       error
		permanent bool
		wait      time.Duration
		waitOK    bool
	}{
		{"nil", nil, false, 0, false},
		{"plain error", errors.New("boom"), false, 0, false},
		{"permanent", perm, true, 0, false},
		{"wrapped permanent", fmt.Errorf("activity: %w", perm), true, 0, false},
		{"retryable with delay", retry, false, 7 * time.Second, true},
		{"wrapped retryable with delay", fmt.Errorf("activity: %w", retry), false, 7 * time.Second, true},
		{"retryable without delay", noWait, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.permanent, IsPermanent(tt.err))
			wait, ok := RetryAfter(tt.err)
			assert.Equal(t, tt.wait, wait)
			assert.Equal(t, tt.waitOK, ok)
		})
	}

	assert.Equal(t, `notify slack: no_text (permanent, status 400, key "k1")`, perm.Error())
	assert.Equal(t, `notify webhook: slow down (retryable, status 429, key "k2", retry after 7s)`, retry.Error())
	assert.Equal(t, `notify email: connect failed: connection refused (retryable, key "k3")`, noWait.Error())
	assert.ErrorIs(t, noWait, syscall.ECONNREFUSED)
}

func TestClassifyStatus(t *testing.T) {
	tests := []struct {
		status     int
		retryAfter string
		want       string
		wait       time.Duration
	}{
		{200, "", "ok", 0},
		{202, "", "ok", 0},
		{204, "", "ok", 0},
		{301, "", "permanent", 0},
		{307, "", "permanent", 0},
		{400, "", "permanent", 0},
		{401, "", "permanent", 0},
		{403, "", "permanent", 0},
		{404, "", "permanent", 0},
		{408, "", "retryable", 0},
		{410, "", "permanent", 0},
		{422, "", "permanent", 0},
		{429, "", "retryable", 0},
		{429, "12", "retryable", 12 * time.Second},
		{429, "Sat, 21 Nov 2026 12:01:30 GMT", "retryable", 90 * time.Second},
		{429, "whenever", "retryable", 0},
		{500, "", "retryable", 0},
		{502, "", "retryable", 0},
		{503, "120", "retryable", 2 * time.Minute},
		{504, "", "retryable", 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.retryAfter), func(t *testing.T) {
			a := &answer{status: tt.status, header: http.Header{}}
			if tt.retryAfter != "" {
				a.header.Set("Retry-After", tt.retryAfter)
			}
			err := classifyStatus(ChannelWebhook, "k", a, clock, "")
			assert.Equal(t, tt.want, kind(err))
			wait, _ := RetryAfter(err)
			assert.Equal(t, tt.wait, wait)
		})
	}
}

func TestClassifySMTP(t *testing.T) {
	reply := func(code int, msg string) error { return &textproto.Error{Code: code, Msg: msg} }
	tests := []struct {
		name   string
		err    error
		want   string
		status int
	}{
		{"accepted", nil, "ok", 0},
		{"unknown user", step("RCPT TO", reply(550, "5.1.1 <sara@example.com>: user unknown")), "permanent", 550},
		{"greylisted", step("RCPT TO", reply(451, "4.7.1 try again later")), "retryable", 451},
		{"bad credentials", step("AUTH", reply(535, "5.7.8 bad credentials")), "permanent", 535},
		{"service closing", step("greeting", reply(421, "closing")), "retryable", 421},
		{"connection reset", step("DATA", syscall.ECONNRESET), "retryable", 0},
		{"our refusal", &smtpStep{step: "AUTH", config: "no TLS"}, "permanent", 0},
		{"unexpected", errors.New("eof"), "retryable", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classifySMTP("k", tt.err)
			assert.Equal(t, tt.want, kind(err))
			if err != nil {
				assert.NotContains(t, err.Error(), "sara@example.com")
			}
			var p *PermanentError
			var r *RetryableError
			switch {
			case errors.As(err, &p):
				assert.Equal(t, tt.status, p.Status)
			case errors.As(err, &r):
				assert.Equal(t, tt.status, r.Status)
			}
		})
	}
	err := classifySMTP("k", step("RCPT TO", reply(550, "5.1.1 <sara@example.com>: user unknown")))
	assert.Equal(t, `notify email: RCPT TO refused (5.1.1) (permanent, status 550, key "k")`, err.Error())
}

func TestSafeCause(t *testing.T) {
	assert.Nil(t, safeCause(nil))
	assert.Nil(t, safeCause(errors.New(`Post "https://hooks.slack.com/services/T0/B0/secret": EOF`)))
	assert.Equal(t, context.Canceled, safeCause(fmt.Errorf("x: %w", context.Canceled)))
	assert.Equal(t, context.DeadlineExceeded, safeCause(fmt.Errorf("x: %w", context.DeadlineExceeded)))
	assert.Equal(t, os.ErrDeadlineExceeded, safeCause(fmt.Errorf("x: %w", os.ErrDeadlineExceeded)))
	assert.Equal(t, syscall.ECONNREFUSED, safeCause(fmt.Errorf("dial 10.0.0.1:25: %w", syscall.ECONNREFUSED)))
}

func TestValidate(t *testing.T) {
	ok := Message{Key: "lead-42/notify-rep", Subject: "لید جدید", Text: "سلام\nدنیا", To: "sara@example.com"}
	require.NoError(t, ok.Validate())

	tests := []struct {
		name string
		edit func(*Message)
	}{
		{"missing key", func(m *Message) { m.Key = "" }},
		{"key too long", func(m *Message) { m.Key = strings.Repeat("k", MaxKeyLen+1) }},
		{"key with space", func(m *Message) { m.Key = "lead 42" }},
		{"key with newline", func(m *Message) { m.Key = "lead-42\r\nX-Evil: 1" }},
		{"key not ASCII", func(m *Message) { m.Key = "لید-۴۲" }},
		{"subject too long", func(m *Message) { m.Subject = strings.Repeat("s", MaxSubjectLen+1) }},
		{"subject with CRLF", func(m *Message) { m.Subject = "hi\r\nBcc: x@example.com" }},
		{"subject invalid UTF-8", func(m *Message) { m.Subject = "\xff" }},
		{"to with LF", func(m *Message) { m.To = "a@example.com\nBcc: b@example.com" }},
		{"to too long", func(m *Message) { m.To = strings.Repeat("a", MaxToLen+1) }},
		{"text too long", func(m *Message) { m.Text = strings.Repeat("t", MaxTextLen+1) }},
		{"text invalid UTF-8", func(m *Message) { m.Text = "ok \xc3" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok
			tt.edit(&m)
			err := m.Validate()
			require.Error(t, err)
			assert.True(t, IsPermanent(err), "%v", err)
			assert.NotContains(t, err.Error(), "example.com")
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestSafeReason(t *testing.T) {
	assert.Equal(t, "Bad Request: chat not found", safeReason("Bad Request: chat not found"))
	assert.Equal(t, "channel_not_found", safeReason("channel_not_found\n"))
	assert.Empty(t, safeReason("Bad Request: chat 123456789 not found"))
	assert.Empty(t, safeReason("no such user sara@example.com"))
	assert.Empty(t, safeReason("<html>"))
	assert.Empty(t, safeReason(strings.Repeat("a", 200)))
}

func TestMessageID(t *testing.T) {
	assert.Equal(t, "<wf-7f3a_notify-rep@leadflow>", MessageID("wf-7f3a_notify-rep"))
	a, b := MessageID("lead-42/rep"), MessageID("lead-42:rep")
	assert.NotEqual(t, a, b, "keys that sanitise alike keep distinct ids")
	assert.Equal(t, a, MessageID("lead-42/rep"), "deterministic")
	assert.Regexp(t, `^<lead-42-rep\.[0-9a-f]{16}@leadflow>$`, a)
	assert.NotEqual(t, MessageID("a-b"), MessageID("a/b"))
}

var messageIDPattern = regexp.MustCompile(`^<[A-Za-z0-9_-]+(\.[0-9a-f]{16})?@leadflow>$|^<[0-9a-f]{16}@leadflow>$`)

func FuzzMessageID(f *testing.F) {
	for _, s := range []string{"lead-42", "a/b", "a-b", "", "<>@\r\n", "لید"} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, k1, k2 string) {
		id := MessageID(k1)
		if !messageIDPattern.MatchString(id) {
			t.Fatalf("MessageID(%q) = %q", k1, id)
		}
		if k1 != k2 && id == MessageID(k2) {
			t.Fatalf("MessageID(%q) == MessageID(%q) == %q", k1, k2, id)
		}
	})
}
