package lead

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestFieldJSON(t *testing.T) {
	var f Fields
	f.Email = Set("sara@acme.io", 0.9, "sara@acme.io", SourceRules)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 13 {
		t.Fatalf("every api-v1 field key must be present, got %d: %s", len(raw), b)
	}
	if c := raw["company"]; c["value"] != nil || c["evidence"] != nil || c["source"] != nil {
		t.Fatalf("unknown field must be all null, got %v", c)
	}
	if e := raw["email"]; e["value"] != "sara@acme.io" || e["source"] != "rules" {
		t.Fatalf("known field lost: %v", e)
	}
	var back Fields
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if *back.Email.Value != "sara@acme.io" || back.Email.Source != SourceRules || back.Company.Known() {
		t.Fatalf("round trip changed the fields: %+v", back)
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		from    Status
		outcome Outcome
		want    Status
		wantErr bool
	}{
		{StatusAssigned, OutcomeContacted, StatusContacted, false},
		{StatusAssigned, OutcomeNoAnswer, StatusAssigned, false},
		{StatusAssigned, OutcomeSnooze, StatusAssigned, false},
		{StatusAssigned, OutcomeWon, StatusWon, false},
		{StatusContacted, OutcomeQualified, StatusQualified, false},
		{StatusQualified, OutcomeContacted, StatusQualified, false},
		{StatusQualified, OutcomeLost, StatusLost, false},
		{StatusContacted, OutcomeUnqualified, StatusUnqualified, false},
		{StatusWon, OutcomeContacted, StatusWon, true},
		{StatusLost, OutcomeWon, StatusLost, true},
		{StatusUnqualified, OutcomeQualified, StatusUnqualified, true},
		{StatusCollecting, OutcomeContacted, StatusCollecting, true},
		{StatusNeedsContact, OutcomeWon, StatusNeedsContact, true},
		{StatusNoLead, OutcomeContacted, StatusNoLead, true},
		{StatusAssigned, Outcome("maybe"), StatusAssigned, true},
	}
	for _, tt := range tests {
		got, err := Apply(tt.from, tt.outcome)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Apply(%s, %s) = %s, %v; want %s, err %v", tt.from, tt.outcome, got, err, tt.want, tt.wantErr)
		}
		var te ErrTransition
		if tt.wantErr && !errors.As(err, &te) {
			t.Errorf("Apply(%s, %s): error %v is not an ErrTransition", tt.from, tt.outcome, err)
		}
	}
}

func TestMissingFields(t *testing.T) {
	var f Fields
	if got := f.MissingFields(); len(got) != 1 || got[0] != MissingPhoneOrEmail {
		t.Fatalf("no contact data: got %v", got)
	}
	f.Phone = Set("+989120004567", 0.9, "۰۹۱۲ ۰۰۰ ۴۵۶۷", SourceRules)
	if got := f.MissingFields(); len(got) != 0 {
		t.Fatalf("phone known: got %v", got)
	}
}

func TestValidateMessage(t *testing.T) {
	good := Message{MessageID: "m-1", Channel: ChannelWeb, Role: RoleCustomer, Text: "سلام"}
	if err := ValidateMessage(good); err != nil {
		t.Fatalf("valid message rejected: %v", err)
	}
	long := string(make([]byte, MaxTextLen+1))
	bad := "x"
	tests := []struct {
		name  string
		edit  func(m *Message)
		field string
	}{
		{"no id", func(m *Message) { m.MessageID = "" }, "message_id"},
		{"long id", func(m *Message) { m.MessageID = strings.Repeat("a", 129) }, "message_id"},
		{"bad channel", func(m *Message) { m.Channel = "sms" }, "channel"},
		{"bad role", func(m *Message) { m.Role = "system" }, "role"},
		{"empty text", func(m *Message) { m.Text = "" }, "text"},
		{"long text", func(m *Message) { m.Text = long }, "text"},
		{"bad utf8", func(m *Message) { m.Text = "\xff\xfe" }, "text"},
		{"nul", func(m *Message) { m.Text = "a\x00b" }, "text"},
		{"bad country", func(m *Message) { m.Context = &Context{Country: &bad} }, "context.country"},
	}
	for _, tt := range tests {
		m := good
		tt.edit(&m)
		err := ValidateMessage(m)
		if err == nil || err.Field != tt.field {
			t.Errorf("%s: got %v, want an error on %s", tt.name, err, tt.field)
		}
	}
}

func TestReviewGatesAutomation(t *testing.T) {
	var f Fields
	if got := f.NeedsReview(); len(got) != 0 || f.FirstTask() != FollowupCallTask {
		t.Fatalf("nothing known: %v, %v", got, f.FirstTask())
	}
	f.Phone = Set("+447700900123", ReviewThreshold-0.01, "07700 900123", SourceRules)
	f.Email = Set("a@b.example", 0.95, "a@b.example", SourceRules)
	f.FullName = Set("Sara", 0.2, "Sara", SourceLLM)
	if got := f.NeedsReview(); len(got) != 2 || got[0] != "phone" || got[1] != "full_name" {
		t.Errorf("review %v", got)
	}
	if f.FirstTask() != FollowupReviewContact {
		t.Errorf("an unsure phone is reviewed, not called")
	}
	f.Phone.Confidence = ReviewThreshold
	if f.FirstTask() != FollowupCallTask {
		t.Errorf("a phone at the threshold is called")
	}
}
