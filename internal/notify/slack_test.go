package notify

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slackPath mimics the secret part of an incoming webhook URL.
const slackPath = "/services/T000/B000/XXXXsecretXXXX"

// fakeSlack answers like Slack's incoming webhook endpoint: 200 "ok", or the status and body
// (an error code) the test chose.
type fakeSlack struct {
	status int
	body   string
	header http.Header

	mu     sync.Mutex
	bodies []string
	types  []string
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != slackPath {
		http.Error(w, "no_service", http.StatusNotFound)
		return
	}
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(b))
	f.types = append(f.types, r.Header.Get("Content-Type"))
	f.mu.Unlock()
	for k, v := range f.header {
		w.Header()[k] = v
	}
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func startSlack(t *testing.T, f *fakeSlack) *Slack {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s, err := NewSlack(SlackConfig{WebhookURL: srv.URL + slackPath, Now: fixedNow})
	require.NoError(t, err)
	return s
}

func TestSlackSendsExactJSON(t *testing.T) {
	f := &fakeSlack{status: http.StatusOK, body: "ok"}
	s := startSlack(t, f)
	assert.Equal(t, ChannelSlack, s.Channel())

	require.NoError(t, s.Send(t.Context(), leadMessage()))
	require.NoError(t, s.Send(t.Context(), Message{Key: "k2", Text: "no subject <!channel>"}))
	require.NoError(t, s.Send(t.Context(), Message{Key: "k3", Subject: "فقط عنوان"}))

	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Equal(t, []string{
		`{"text":"*New lead &lt;Brightwave&gt;*\nSara Kim wants a demo &amp; a call on +447400123456"}`,
		`{"text":"no subject &lt;!channel&gt;"}`,
		`{"text":"*فقط عنوان*\n"}`,
	}, f.bodies)
	assert.Equal(t, []string{"application/json", "application/json", "application/json"}, f.types)
}

func TestSlackErrors(t *testing.T) {
	tests := []struct {
		name   string
		fake   *fakeSlack
		want   string
		reason string
		wait   time.Duration
	}{
		{"invalid payload", &fakeSlack{status: 400, body: "invalid_payload"}, "permanent", "invalid_payload", 0},
		{"channel not found", &fakeSlack{status: 404, body: "channel_not_found"}, "permanent", "channel_not_found", 0},
		{"archived", &fakeSlack{status: 410, body: "channel_is_archived"}, "permanent", "channel_is_archived", 0},
		{"rate limited", &fakeSlack{status: 429, body: "rate_limited", header: http.Header{"Retry-After": {"30"}}}, "retryable", "rate_limited", 30 * time.Second},
		{"outage", &fakeSlack{status: 503, body: "<html>Service Unavailable for sara@example.com</html>"}, "retryable", "server asked to retry later", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSlack(t, tt.fake)
			err := s.Send(t.Context(), leadMessage())
			assert.Equal(t, tt.want, kind(err), "%v", err)
			assert.Contains(t, err.Error(), tt.reason)
			wait, _ := RetryAfter(err)
			assert.Equal(t, tt.wait, wait)
			assertNoPersonalData(t, err)
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}

func TestSlackRefusesBadMessagesWithoutSending(t *testing.T) {
	f := &fakeSlack{status: http.StatusOK, body: "ok"}
	s := startSlack(t, f)
	for name, m := range map[string]Message{
		"no key":  {Text: "hi"},
		"nothing": {Key: "k"},
	} {
		assert.True(t, IsPermanent(s.Send(t.Context(), m)), name)
	}
	assert.Empty(t, f.bodies)

	_, err := NewSlack(SlackConfig{WebhookURL: "hooks.slack.com/services/x"})
	assert.True(t, IsPermanent(err))
}
