package app

import (
	"strings"
	"testing"

	"github.com/leadflow/leadflow/internal/config"
)

func TestNewActivitiesBuildsOutbound(t *testing.T) {
	acts, err := NewActivities(nil, config.Config{Outbound: config.Outbound{WebhookSecret: "0123456789abcdef-secret",
		TelegramBotToken: "123456:abc-DEF_ghi"}})
	if err != nil {
		t.Fatal(err)
	}
	if acts.Outbound.WebhookSecret != "0123456789abcdef-secret" || acts.Outbound.Telegram == nil {
		t.Errorf("outbound not built from the configuration: secret set %v, telegram %v",
			acts.Outbound.WebhookSecret != "", acts.Outbound.Telegram != nil)
	}
	if acts.Outbound.Email != nil || acts.Outbound.Chatbot != nil {
		t.Error("channels that are not configured must stay nil")
	}

	// A channel configured wrongly stops the start, naming the variable.
	_, err = NewActivities(nil, config.Config{Outbound: config.Outbound{TelegramBotToken: "not a token"}})
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") {
		t.Errorf("bad bot token: got %v, want an error naming TELEGRAM_BOT_TOKEN", err)
	}
	if err != nil && strings.Contains(err.Error(), "not a token") {
		t.Error("the error repeats the token")
	}
}
