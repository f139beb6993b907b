package extract

import (
	"strings"
	"testing"

	"github.com/leadflow/leadflow/internal/lead"
)

// chat builds messages: lines starting with "bot:" or "agent:" are the business's, all others the
// customer's.
func chat(lines ...string) []lead.Message {
	msgs := make([]lead.Message, 0, len(lines))
	for _, l := range lines {
		role := lead.RoleCustomer
		switch {
		case strings.HasPrefix(l, "bot:"):
			role, l = lead.RoleBot, strings.TrimSpace(strings.TrimPrefix(l, "bot:"))
		case strings.HasPrefix(l, "agent:"):
			role, l = lead.RoleAgent, strings.TrimSpace(strings.TrimPrefix(l, "agent:"))
		}
		msgs = append(msgs, lead.Message{Role: role, Text: l, Channel: lead.ChannelWeb})
	}
	return msgs
}

func ptr[T any](v T) *T { return &v }

// valueOf returns a field's value as a string, "" when unknown.
func valueOf[T any](f lead.Field[T]) string {
	if f.Value == nil {
		return ""
	}
	switch v := any(*f.Value).(type) {
	case string:
		return v
	case lead.Intent:
		return string(v)
	case lead.Urgency:
		return string(v)
	}
	return ""
}

// checkEvidence fails when a known field's evidence is not the customer's own words.
func checkEvidence[T any](t *testing.T, name string, f lead.Field[T], in Input) {
	t.Helper()
	if f.Value == nil || f.Evidence == "" {
		return
	}
	if !evidenceFrom(f.Evidence, in) {
		t.Errorf("%s evidence %q is not from the customer's messages or the sender", name, f.Evidence)
	}
}

func evidenceFrom(ev string, in Input) bool {
	for _, m := range in.Messages {
		if m.Role == lead.RoleCustomer && strings.Contains(m.Text, ev) {
			return true
		}
	}
	if s := in.Sender; s != nil {
		for _, p := range []*string{s.Name, s.Phone, s.Email, s.ExternalID} {
			if p != nil && strings.Contains(*p, ev) {
				return true
			}
		}
	}
	return false
}
