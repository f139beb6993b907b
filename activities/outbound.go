package activities

import (
	"fmt"
	"net/http"

	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/notify"
)

// Outbound is how Leadflow reaches people beyond the reps' inbox: the channels customers are
// written to, and the secret every webhook is signed with. A nil channel is not configured: a
// step that needs it is recorded as not sent (reason no_channel), never dropped silently.
type Outbound struct {
	// WebhookSecret signs reps' webhooks and the chatbot gateway's.
	WebhookSecret string
	// Chatbot is the chatbot gateway's outbound webhook: customer messages on whatsapp and web.
	Chatbot notify.Notifier
	// Email is SMTP, for customers and for reps who asked for e-mail.
	Email notify.Notifier
	// Telegram is the Bot API, for customers on Telegram and reps who gave a chat id.
	Telegram notify.Notifier
}

// NewOutbound builds the configured channels; a channel configured wrongly stops the start.
func NewOutbound(cfg config.Outbound, client *http.Client) (Outbound, error) {
	o := Outbound{WebhookSecret: cfg.WebhookSecret}
	if cfg.ChatbotWebhookURL != "" {
		w, err := notify.NewWebhook(notify.WebhookConfig{URL: cfg.ChatbotWebhookURL, Secret: cfg.WebhookSecret, Client: client})
		if err != nil {
			return Outbound{}, fmt.Errorf("LEADFLOW_CHATBOT_WEBHOOK_URL: %w", err)
		}
		o.Chatbot = w
	}
	if cfg.SMTPAddr != "" {
		s, err := notify.NewSMTP(notify.SMTPConfig{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, ImplicitTLS: cfg.SMTPImplicitTLS})
		if err != nil {
			return Outbound{}, fmt.Errorf("SMTP_ADDR: %w", err)
		}
		o.Email = s
	}
	if cfg.TelegramBotToken != "" {
		t, err := notify.NewTelegram(notify.TelegramConfig{Token: cfg.TelegramBotToken, BaseURL: cfg.TelegramAPIURL, Client: client})
		if err != nil {
			return Outbound{}, fmt.Errorf("TELEGRAM_BOT_TOKEN: %w", err)
		}
		o.Telegram = t
	}
	return o, nil
}

// ForCustomer is the notifier that writes to a customer on ch; nil when it is not configured.
func (o Outbound) ForCustomer(ch lead.Channel) notify.Notifier {
	switch ch {
	case lead.ChannelEmail:
		return o.Email
	case lead.ChannelTelegram:
		return o.Telegram
	case lead.ChannelWhatsApp, lead.ChannelWeb:
		return o.Chatbot
	}
	return nil
}

// Error types of failed deliveries.
const (
	ErrTypeDeliveryRejected = "DeliveryRejected"
)

// deliveryError maps a notifier's error onto Temporal: a permanent one is not retried, a
// retryable one waits as long as the receiver asked. Notifier errors carry no address or text.
func deliveryError(err error) error {
	if err == nil {
		return nil
	}
	if notify.IsPermanent(err) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeDeliveryRejected, nil)
	}
	if wait, ok := notify.RetryAfter(err); ok {
		return temporal.NewApplicationErrorWithOptions(err.Error(), ErrTypeRetryLater, temporal.ApplicationErrorOptions{NextRetryDelay: wait})
	}
	return temporal.NewApplicationError(err.Error(), ErrTypeRetryLater)
}
