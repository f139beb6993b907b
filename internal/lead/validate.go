package lead

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // customers' timezones must resolve on a machine without a zoneinfo database
	"unicode/utf8"
)

// Limits of api-v1.
const (
	MaxIDLen   = 128
	MaxTextLen = 16 << 10 // bytes
)

// FieldError says which input field is wrong and why; the gateway turns it into the error body.
type FieldError struct {
	Field   string
	Code    string
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

func fieldErr(field, code, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ValidateMessage checks a message against api-v1. It is the single rule book: the gateway answers
// 422 with it and the workflow's update validator rejects with it.
func ValidateMessage(m Message) *FieldError {
	switch {
	case m.MessageID == "":
		return fieldErr("message_id", "required", "message_id is required")
	case len(m.MessageID) > MaxIDLen:
		return fieldErr("message_id", "too_long", "message_id is longer than %d characters", MaxIDLen)
	case !m.Channel.Valid():
		return fieldErr("channel", "invalid_enum", "channel must be one of web, whatsapp, telegram, email, api")
	case !m.Role.Valid():
		return fieldErr("role", "invalid_enum", "role must be one of customer, bot, agent")
	case m.Text == "":
		return fieldErr("text", "required", "text is required")
	case len(m.Text) > MaxTextLen:
		return fieldErr("text", "too_long", "text is longer than %d bytes", MaxTextLen)
	case !utf8.ValidString(m.Text):
		return fieldErr("text", "invalid_utf8", "text is not valid UTF-8")
	case strings.ContainsRune(m.Text, 0):
		return fieldErr("text", "invalid_text", "text contains a NUL character")
	}
	if c := m.Context; c != nil && c.Country != nil && !isCountryCode(*c.Country) {
		return fieldErr("context.country", "invalid_country", "context.country must be an ISO 3166-1 alpha-2 code")
	}
	if c := m.Context; c != nil && c.Timezone != nil {
		if _, err := time.LoadLocation(*c.Timezone); err != nil || *c.Timezone == "" || *c.Timezone == "Local" {
			return fieldErr("context.timezone", "invalid_timezone", "context.timezone must be an IANA timezone such as Asia/Tehran")
		}
	}
	return nil
}

// isCountryCode accepts two ASCII letters; the upper-case form is what the rest of the system uses.
func isCountryCode(s string) bool {
	if len(s) != 2 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}
