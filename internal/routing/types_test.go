package routing

import (
	"errors"
	"strings"
	"testing"
)

func TestRepNotifyValidate(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name      string
		notify    RepNotify
		wantField string // "" means valid
	}{
		{"nothing set", RepNotify{}, ""},
		{"empty strings are unset", RepNotify{WebhookURL: s(""), SlackWebhookURL: s(""), TelegramChatID: s("")}, ""},
		{"every channel", RepNotify{WebhookURL: s("https://crm.example.com/hooks/leadflow"), SlackWebhookURL: s("https://hooks.slack.com/services/T0/B0/x"),
			TelegramChatID: s("123456789"), Email: true}, ""},
		{"http webhook with a port", RepNotify{WebhookURL: s("http://127.0.0.1:9000/hook")}, ""},
		{"negative group chat id", RepNotify{TelegramChatID: s("-1001234567890")}, ""},
		{"channel username", RepNotify{TelegramChatID: s("@leadflow_desk")}, ""},

		{"webhook without scheme", RepNotify{WebhookURL: s("crm.example.com/hook")}, "notify.webhook_url"},
		{"webhook ftp", RepNotify{WebhookURL: s("ftp://crm.example.com/hook")}, "notify.webhook_url"},
		{"webhook without host", RepNotify{WebhookURL: s("https:///hook")}, "notify.webhook_url"},
		{"webhook with spaces", RepNotify{WebhookURL: s(" https://crm.example.com/hook")}, "notify.webhook_url"},
		{"slack relative", RepNotify{SlackWebhookURL: s("/services/T0/B0/x")}, "notify.slack_webhook_url"},
		{"slack mailto", RepNotify{SlackWebhookURL: s("mailto:desk@example.com")}, "notify.slack_webhook_url"},
		{"telegram phone number", RepNotify{TelegramChatID: s("+44 20 7946 0018")}, "notify.telegram_chat_id"},
		{"telegram short username", RepNotify{TelegramChatID: s("@abc")}, "notify.telegram_chat_id"},
		{"telegram bare username", RepNotify{TelegramChatID: s("leadflow_desk")}, "notify.telegram_chat_id"},
		{"telegram lone minus", RepNotify{TelegramChatID: s("-")}, "notify.telegram_chat_id"},
		{"telegram too long", RepNotify{TelegramChatID: s(strings.Repeat("1", 21))}, "notify.telegram_chat_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.notify.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var ne *RepNotifyError
			if !errors.As(err, &ne) {
				t.Fatalf("want a *RepNotifyError on %s, got %v", tt.wantField, err)
			}
			if ne.Field != tt.wantField || !strings.HasPrefix(err.Error(), tt.wantField+": ") {
				t.Errorf("got %q (field %s), want field %s", err, ne.Field, tt.wantField)
			}
			// The value is never repeated: Slack webhook URLs are secrets.
			for _, v := range []*string{tt.notify.WebhookURL, tt.notify.SlackWebhookURL, tt.notify.TelegramChatID} {
				if v != nil && len(*v) > 3 && strings.Contains(err.Error(), *v) {
					t.Errorf("error %q repeats the value", err)
				}
			}
		})
	}
}
