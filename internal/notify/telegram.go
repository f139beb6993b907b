package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/leadflow/leadflow/internal/retryafter"
)

// DefaultTelegramBaseURL is the Bot API endpoint.
const DefaultTelegramBaseURL = "https://api.telegram.org"

// maxTelegramText is sendMessage's limit, counted in UTF-16 code units.
const maxTelegramText = 4096

// TelegramConfig configures a Telegram notifier.
type TelegramConfig struct {
	// Token is the bot token from @BotFather; it is a secret and never appears in errors.
	Token string
	// BaseURL is the Bot API endpoint; empty means DefaultTelegramBaseURL. Tests point it at a fake.
	BaseURL string
	// Client sends the request; nil means a client with DefaultTimeout.
	Client *http.Client
	// Now is the clock used to read Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// Telegram sends Messages with the Bot API's sendMessage to the chat in Message.To: a numeric chat
// id ("123456789", "-1001234567890") or a public "@channelusername".
//
// sendMessage takes no idempotency key, so the Message key cannot be passed on: a retry after a
// lost answer sends the message twice. Callers must deduplicate themselves, by not sending again a
// key that already succeeded. The key is still required and validated, and named in errors.
//
// The text goes out as plain text (no parse_mode), the subject on the first line when set; link
// previews are off. Telegram's 400, 401, 403 and 404 answers are permanent; 429 (waiting as long
// as parameters.retry_after says) and 5xx are retryable.
type Telegram struct {
	endpoint *url.URL // holds the token: never print it
	client   *http.Client
	now      func() time.Time
}

var _ Notifier = (*Telegram)(nil)

// NewTelegram checks cfg and returns a Telegram notifier, or a *PermanentError.
func NewTelegram(cfg TelegramConfig) (*Telegram, error) {
	bad := func(reason string) error { return permanent(ChannelTelegram, "", 0, "bad configuration: "+reason) }
	if !validBotToken(cfg.Token) {
		return nil, bad("malformed bot token")
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultTelegramBaseURL
	}
	if _, err := parseHTTPURL(base); err != nil {
		return nil, bad("base " + err.Error())
	}
	endpoint, err := parseHTTPURL(strings.TrimRight(base, "/") + "/bot" + cfg.Token + "/sendMessage")
	if err != nil {
		return nil, bad("base " + err.Error())
	}
	return &Telegram{endpoint: endpoint, client: httpClient(cfg.Client), now: nowOr(cfg.Now)}, nil
}

// validBotToken accepts the "<bot id>:<secret>" shape, nothing that could change the URL's path.
func validBotToken(token string) bool {
	id, secret, ok := strings.Cut(token, ":")
	if !ok || id == "" || secret == "" || len(token) > 128 {
		return false
	}
	return strings.Trim(id, "0123456789") == "" && strings.IndexFunc(secret, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
}

// Channel returns ChannelTelegram.
func (t *Telegram) Channel() string { return ChannelTelegram }

type telegramRequest struct {
	ChatID                string `json:"chat_id"`
	Text                  string `json:"text"`
	DisableWebPagePreview bool   `json:"disable_web_page_preview"`
}

// telegramAnswer is the Bot API's envelope; result is not needed.
type telegramAnswer struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// Send posts m to sendMessage.
func (t *Telegram) Send(ctx context.Context, m Message) error {
	body, err := t.request(m)
	if err != nil {
		return err
	}
	header := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"leadflow-notify/1"}}
	now := t.now()
	a, err := post(ctx, t.client, t.endpoint, body, header)
	if err != nil {
		return transportError(ChannelTelegram, m.Key, "request failed", err)
	}
	return t.classify(m.Key, a, now)
}

func (t *Telegram) request(m Message) ([]byte, error) {
	if err := m.validate(ChannelTelegram); err != nil {
		return nil, err
	}
	bad := func(reason string) error { return permanent(ChannelTelegram, m.Key, 0, reason) }
	if !validChatID(m.To) {
		return nil, bad("invalid chat id: want a number or @channelusername")
	}
	text := m.Text
	if m.Subject != "" {
		text = m.Subject + "\n" + text
	}
	switch n := len(utf16.Encode([]rune(text))); {
	case strings.TrimSpace(text) == "":
		return nil, bad("nothing to send: subject and text are empty")
	case n > maxTelegramText:
		return nil, bad(fmt.Sprintf("text longer than Telegram's %d characters", maxTelegramText))
	}
	body, err := marshalJSON(telegramRequest{ChatID: m.To, Text: text, DisableWebPagePreview: true})
	if err != nil {
		return nil, bad("cannot encode the request")
	}
	return body, nil
}

// validChatID accepts a (possibly negative) integer id or "@username" (5-32 word characters).
func validChatID(to string) bool {
	if name, ok := strings.CutPrefix(to, "@"); ok {
		return len(name) >= 5 && len(name) <= 32 && strings.IndexFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
		}) < 0
	}
	digits := strings.TrimPrefix(to, "-")
	return digits != "" && len(digits) <= 20 && strings.Trim(digits, "0123456789") == ""
}

// classify reads the Bot API envelope. Telegram's error_code mirrors the HTTP status; the status
// decides when the body is unreadable (a proxy's HTML page, say).
func (t *Telegram) classify(key string, a *answer, now time.Time) error {
	var ans telegramAnswer
	parsed := json.Unmarshal(a.body, &ans) == nil
	if a.status >= 200 && a.status < 300 && (!parsed || ans.OK) {
		return nil
	}
	if !parsed {
		return classifyStatus(ChannelTelegram, key, a, now, "")
	}
	if ans.ErrorCode != 0 {
		a = &answer{status: ans.ErrorCode, header: a.header, body: a.body}
	}
	if ans.Parameters.MigrateToChatID != 0 {
		return permanent(ChannelTelegram, key, a.status, "group became a supergroup: update the chat id")
	}
	err := classifyStatus(ChannelTelegram, key, a, now, safeReason(ans.Description))
	if err == nil { // "ok": false with a 2xx error_code: not a success either
		return retryable(ChannelTelegram, key, a.status, 0, "unexpected answer")
	}
	// The body's retry_after beats the header; capped like Retry-After, and before multiplying
	// so that an absurd number cannot overflow.
	if r, ok := err.(*RetryableError); ok && ans.Parameters.RetryAfter > 0 {
		secs := min(int64(ans.Parameters.RetryAfter), int64(retryafter.Max/time.Second))
		r.RetryAfter = time.Duration(secs) * time.Second
	}
	return err
}
