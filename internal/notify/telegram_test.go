package notify

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testBotToken = "123456789:AAH-secret_token-XYZ"

// fakeTelegram serves the Bot API's sendMessage for testBotToken: it checks the request as
// Telegram would, and answers with the status and JSON the test chose.
type fakeTelegram struct {
	status int
	answer string

	mu       sync.Mutex
	requests []map[string]any
	problems []string
}

func (f *fakeTelegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/bot"+testBotToken+"/sendMessage" {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
		return
	}
	var req map[string]any
	err := json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	f.requests = append(f.requests, req)
	if err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		f.problems = append(f.problems, r.Method+" "+r.Header.Get("Content-Type"))
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.answer)
}

func startTelegram(t *testing.T, f *fakeTelegram) *Telegram {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	tg, err := NewTelegram(TelegramConfig{Token: testBotToken, BaseURL: srv.URL + "/", Now: fixedNow})
	require.NoError(t, err)
	return tg
}

func TestTelegramSendsMessage(t *testing.T) {
	f := &fakeTelegram{status: 200, answer: `{"ok":true,"result":{"message_id":77,"chat":{"id":-1001234567890}}}`}
	tg := startTelegram(t, f)
	assert.Equal(t, ChannelTelegram, tg.Channel())

	m := leadMessage()
	m.To = "-1001234567890"
	require.NoError(t, tg.Send(t.Context(), m))
	require.NoError(t, tg.Send(t.Context(), Message{Key: "k2", To: "@leadflow_sales", Text: "سلام"}))

	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Empty(t, f.problems)
	assert.Equal(t, []map[string]any{
		{"chat_id": "-1001234567890", "text": "New lead <Brightwave>\nSara Kim wants a demo & a call on +447400123456", "disable_web_page_preview": true},
		{"chat_id": "@leadflow_sales", "text": "سلام", "disable_web_page_preview": true},
	}, f.requests)
}

func TestTelegramErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		answer string
		want   string
		reason string
		wait   time.Duration
	}{
		{"chat not found", 400, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`, "permanent", "chat not found", 0},
		{"bad token", 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`, "permanent", "Unauthorized", 0},
		{"blocked", 403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, "permanent", "blocked", 0},
		{"migrated", 400, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009876543210}}`, "permanent", "supergroup", 0},
		{"flood", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 17","parameters":{"retry_after":17}}`, "retryable", "status 429", 17 * time.Second},
		{"absurd flood", 429, `{"ok":false,"error_code":429,"parameters":{"retry_after":9223372036854775807}}`, "retryable", "status 429", time.Hour},
		{"bad gateway page", 502, `<html>502 Bad Gateway</html>`, "retryable", "status 502", 0},
		{"internal", 500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`, "retryable", "Internal Server Error", 0},
		{"ok false with 200", 200, `{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}`, "permanent", "message text is empty", 0},
		{"description echoes an id", 400, `{"ok":false,"error_code":400,"description":"Bad Request: chat 1001234567890 not found"}`, "permanent", "request rejected", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := startTelegram(t, &fakeTelegram{status: tt.status, answer: tt.answer})
			m := leadMessage()
			m.To = "1001234567890"
			err := tg.Send(t.Context(), m)
			assert.Equal(t, tt.want, kind(err), "%v", err)
			assert.Contains(t, err.Error(), tt.reason)
			wait, _ := RetryAfter(err)
			assert.Equal(t, tt.wait, wait)
			assert.NotContains(t, err.Error(), testBotToken)
			assert.NotContains(t, err.Error(), "secret_token")
			assert.NotContains(t, err.Error(), m.To)
			assertNoPersonalData(t, err)
		})
	}
}

func TestTelegramConnectionErrorHidesToken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	tg, err := NewTelegram(TelegramConfig{Token: testBotToken, BaseURL: base})
	require.NoError(t, err)
	err = tg.Send(t.Context(), Message{Key: "k", To: "42", Text: "hi"})
	assert.Equal(t, "retryable", kind(err), "%v", err)
	assert.NotContains(t, err.Error(), "secret_token")
	assert.NotContains(t, err.Error(), "123456789")
}

func TestTelegramRefusesBadInputWithoutSending(t *testing.T) {
	f := &fakeTelegram{status: 200, answer: `{"ok":true,"result":{}}`}
	tg := startTelegram(t, f)
	for name, m := range map[string]Message{
		"no key":       {To: "42", Text: "hi"},
		"no chat":      {Key: "k", Text: "hi"},
		"phone as id":  {Key: "k", To: "+44 7400 123456", Text: "hi"},
		"short name":   {Key: "k", To: "@abc", Text: "hi"},
		"path in id":   {Key: "k", To: "42/../../x", Text: "hi"},
		"empty":        {Key: "k", To: "42", Text: "  "},
		"too long":     {Key: "k", To: "42", Text: strings.Repeat("ی", maxTelegramText+1)},
		"astral chars": {Key: "k", To: "42", Text: strings.Repeat("😀", maxTelegramText/2+1)},
	} {
		err := tg.Send(t.Context(), m)
		assert.True(t, IsPermanent(err), "%s: %v", name, err)
		if err != nil {
			assert.NotContains(t, err.Error(), "7400", name)
		}
	}
	assert.Empty(t, f.requests)

	// Exactly at the limit is fine (the emoji count two UTF-16 units each).
	require.NoError(t, tg.Send(t.Context(), Message{Key: "k", To: "42", Text: strings.Repeat("😀", maxTelegramText/2)}))
}

func TestNewTelegramConfig(t *testing.T) {
	for name, cfg := range map[string]TelegramConfig{
		"no token":         {},
		"token with slash": {Token: "123:abc/../../x"},
		"no colon":         {Token: "123abc"},
		"bad base":         {Token: testBotToken, BaseURL: "api.telegram.org"},
	} {
		_, err := NewTelegram(cfg)
		assert.True(t, IsPermanent(err), "%s: %v", name, err)
		if err != nil {
			assert.NotContains(t, err.Error(), "abc", name)
		}
	}
	tg, err := NewTelegram(TelegramConfig{Token: testBotToken})
	require.NoError(t, err)
	assert.Equal(t, "https://api.telegram.org/bot"+testBotToken+"/sendMessage", tg.endpoint.String())
}
