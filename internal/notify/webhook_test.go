package notify

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testSecret = "whsec-0123456789abcdef"

// webhookReceiver is a fake receiver that does what a real one should: verify the signature and
// note the idempotency key. It answers with status and headers the test chose.
type webhookReceiver struct {
	status int
	header http.Header

	mu     sync.Mutex
	keys   []string
	bodies []string
	bad    []error // signature failures
}

func (rcv *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	verr := VerifySignature(testSecret, r.Header.Get(HeaderTimestamp), string(body),
		r.Header.Get(HeaderSignature), clock, time.Minute)
	rcv.mu.Lock()
	rcv.keys = append(rcv.keys, r.Header.Get(HeaderIdempotencyKey))
	rcv.bodies = append(rcv.bodies, string(body))
	if verr != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		rcv.bad = append(rcv.bad, errors.Join(verr, errors.New(r.Method+" "+r.Header.Get("Content-Type"))))
	}
	rcv.mu.Unlock()
	for k, v := range rcv.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rcv.status)
}

func startReceiver(t *testing.T, status int, header http.Header) (*webhookReceiver, *Webhook) {
	t.Helper()
	rcv := &webhookReceiver{status: status, header: header}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	w, err := NewWebhook(WebhookConfig{URL: srv.URL + "/hooks/leads?token=s3cret", Secret: testSecret, Now: fixedNow})
	require.NoError(t, err)
	return rcv, w
}

func leadMessage() Message {
	return Message{
		Key:     "wf-7f3a/notify-rep",
		Subject: "New lead <Brightwave>",
		Text:    "Sara Kim wants a demo & a call on +447400123456",
		Data:    map[string]any{"lead_id": "lead-42", "kind": "new_lead", "score": 87},
	}
}

func TestWebhookSendsSignedJSONWithIdempotencyKey(t *testing.T) {
	rcv, w := startReceiver(t, http.StatusNoContent, nil)
	assert.Equal(t, ChannelWebhook, w.Channel())

	require.NoError(t, w.Send(t.Context(), leadMessage()))
	require.NoError(t, w.Send(t.Context(), leadMessage())) // a Temporal retry: same key

	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	assert.Empty(t, rcv.bad, "the receiver's checks failed")
	assert.Equal(t, []string{"wf-7f3a/notify-rep", "wf-7f3a/notify-rep"}, rcv.keys)
	assert.Equal(t,
		`{"key":"wf-7f3a/notify-rep","subject":"New lead <Brightwave>","text":"Sara Kim wants a demo & a call on +447400123456",`+
			`"data":{"kind":"new_lead","lead_id":"lead-42","score":87}}`,
		rcv.bodies[0])
}

func TestWebhookHeaders(t *testing.T) {
	var got http.Header
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, body = r.Header.Clone(), string(b)
	}))
	t.Cleanup(srv.Close)
	w, err := NewWebhook(WebhookConfig{URL: srv.URL, Secret: testSecret, Now: fixedNow})
	require.NoError(t, err)

	require.NoError(t, w.Send(t.Context(), Message{Key: "k-1", To: "rep-7"}))
	ts := strconv.FormatInt(clock.Unix(), 10)
	assert.Equal(t, "application/json", got.Get("Content-Type"))
	assert.Equal(t, "k-1", got.Get(HeaderIdempotencyKey))
	assert.Equal(t, ts, got.Get(HeaderTimestamp))
	assert.Equal(t, Sign(testSecret, ts, body), got.Get(HeaderSignature))
	assert.Regexp(t, `^sha256=[0-9a-f]{64}$`, got.Get(HeaderSignature))
	assert.JSONEq(t, `{"key":"k-1","subject":"","text":"","to":"rep-7","data":{}}`, body)
}

func TestWebhookStatusMapping(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		want   string
		wait   time.Duration
	}{
		{"200", http.StatusOK, nil, "ok", 0},
		{"204", http.StatusNoContent, nil, "ok", 0},
		{"400", http.StatusBadRequest, nil, "permanent", 0},
		{"404", http.StatusNotFound, nil, "permanent", 0},
		{"409 key in flight", http.StatusConflict, nil, "retryable", 0},
		{"429 seconds", http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}}, "retryable", 30 * time.Second},
		{"429 http date", http.StatusTooManyRequests, http.Header{"Retry-After": {"Sat, 21 Nov 2026 12:01:30 GMT"}}, "retryable", 90 * time.Second},
		{"500", http.StatusInternalServerError, nil, "retryable", 0},
		{"503 seconds", http.StatusServiceUnavailable, http.Header{"Retry-After": {"5"}}, "retryable", 5 * time.Second},
		{"redirect", http.StatusFound, http.Header{"Location": {"/elsewhere"}}, "permanent", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv, w := startReceiver(t, tt.status, tt.header)
			err := w.Send(t.Context(), leadMessage())
			assert.Equal(t, tt.want, kind(err), "%v", err)
			wait, ok := RetryAfter(err)
			assert.Equal(t, tt.wait, wait)
			assert.Equal(t, tt.wait > 0, ok)
			if err != nil {
				assertNoPersonalData(t, err)
				assert.Contains(t, err.Error(), strconv.Itoa(tt.status))
				assert.Contains(t, err.Error(), leadMessage().Key)
			}
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			assert.Len(t, rcv.keys, 1, "exactly one request, no redirect followed")
		})
	}
}

// assertNoPersonalData checks an error message against what leadMessage and the fake URLs hold.
func assertNoPersonalData(t *testing.T, err error) {
	t.Helper()
	for _, secret := range []string{"Sara", "+447400123456", "Brightwave", "s3cret", "/hooks", "127.0.0.1", "sara@"} {
		assert.NotContains(t, err.Error(), secret)
	}
}

func TestWebhookConnectionRefusedIsRetryable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	w, err := NewWebhook(WebhookConfig{URL: "http://" + addr + "/hooks?token=s3cret", Secret: testSecret})
	require.NoError(t, err)
	err = w.Send(t.Context(), leadMessage())
	assert.Equal(t, "retryable", kind(err), "%v", err)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assertNoPersonalData(t, err)
}

func TestWebhookTimeoutIsRetryable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	w, err := NewWebhook(WebhookConfig{URL: srv.URL, Secret: testSecret})
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err = w.Send(ctx, leadMessage())
	assert.Equal(t, "retryable", kind(err), "%v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestWebhookRefusesBadInputWithoutSending(t *testing.T) {
	rcv, w := startReceiver(t, http.StatusOK, nil)
	for name, m := range map[string]Message{
		"no key":      {Text: "hi"},
		"unencodable": {Key: "k", Data: map[string]any{"ch": make(chan int)}},
		"func value":  {Key: "k", Data: map[string]any{"x": func() {}}},
	} {
		err := w.Send(t.Context(), m)
		assert.True(t, IsPermanent(err), "%s: %v", name, err)
	}
	assert.Empty(t, rcv.keys)
}

func TestNewWebhookConfig(t *testing.T) {
	for name, cfg := range map[string]WebhookConfig{
		"no URL":       {Secret: testSecret},
		"ftp":          {URL: "ftp://example.com/x", Secret: testSecret},
		"relative":     {URL: "/hooks", Secret: testSecret},
		"short secret": {URL: "https://example.com/hooks", Secret: "short"},
	} {
		_, err := NewWebhook(cfg)
		assert.True(t, IsPermanent(err), "%s: %v", name, err)
	}
}

func TestVerifySignature(t *testing.T) {
	body := `{"key":"k","data":{}}`
	ts := strconv.FormatInt(clock.Unix(), 10)
	sig := Sign(testSecret, ts, body)
	require.NoError(t, VerifySignature(testSecret, ts, body, sig, clock, time.Minute))
	require.NoError(t, VerifySignature(testSecret, ts, body, sig, clock.Add(4*time.Minute), 0), "default tolerance")

	tests := []struct {
		name                  string
		secret, ts, body, sig string
		now                   time.Time
		want                  error
	}{
		{"tampered body", testSecret, ts, `{"key":"k","data":{"x":1}}`, sig, clock, ErrInvalidSignature},
		{"wrong secret", "another-secret-0123", ts, body, sig, clock, ErrInvalidSignature},
		{"empty secret", "", ts, body, Sign("", ts, body), clock, ErrInvalidSignature},
		{"timestamp swapped", testSecret, strconv.FormatInt(clock.Unix()+1, 10), body, sig, clock, ErrInvalidSignature},
		{"stale", testSecret, ts, body, sig, clock.Add(2 * time.Minute), ErrStaleTimestamp},
		{"from the future", testSecret, ts, body, sig, clock.Add(-2 * time.Minute), ErrStaleTimestamp},
		{"no prefix", testSecret, ts, body, sig[len("sha256="):], clock, ErrInvalidSignature},
		{"short digest", testSecret, ts, body, sig[:20], clock, ErrInvalidSignature},
		{"not hex", testSecret, ts, body, "sha256=" + string(make([]byte, 64)), clock, ErrInvalidSignature},
		{"empty header", testSecret, ts, body, "", clock, ErrInvalidSignature},
		{"signed timestamp", testSecret, "-" + ts, body, sig, clock, ErrInvalidSignature},
		{"huge timestamp", testSecret, "999999999999", body, Sign(testSecret, "999999999999", body), clock, ErrStaleTimestamp},
		{"empty timestamp", testSecret, "", body, sig, clock, ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.secret, tt.ts, tt.body, tt.sig, tt.now, time.Minute)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func FuzzVerifySignature(f *testing.F) {
	ts := strconv.FormatInt(clock.Unix(), 10)
	f.Add(testSecret, ts, `{"key":"k"}`, Sign(testSecret, ts, `{"key":"k"}`), int64(60))
	f.Add("", "", "", "", int64(0))
	f.Add("s", "99999999999999999999", "b", "sha256=zz", int64(-1))
	f.Add("s", "0", "b", "sha256="+string(make([]byte, 64)), int64(1<<62))
	f.Fuzz(func(t *testing.T, secret, timestamp, body, header string, toleranceNs int64) {
		tolerance := time.Duration(toleranceNs)
		err := VerifySignature(secret, timestamp, body, header, clock, tolerance) // must not panic
		if err != nil && !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrStaleTimestamp) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		// What Sign produces for a fresh timestamp always verifies.
		if secret != "" {
			if err := VerifySignature(secret, ts, body, Sign(secret, ts, body), clock, tolerance); err != nil {
				t.Fatalf("own signature rejected: %v", err)
			}
		}
	})
}
