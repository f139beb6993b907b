package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
)

// A mistake in the followups section is refused at start, with the place it is in.
func TestFollowupsValidation(t *testing.T) {
	if _, err := Parse(builtin); err != nil {
		t.Fatalf("the built-in policy is refused: %v", err)
	}
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"unknown tier in first_touch", "first_touch: {hot: 5m, warm: 1h, cold: 8h}", "first_touch: {hot: 5m, warm: 1h, cold: 8h, tepid: 2h}",
			`followups.first_touch: unknown tier "tepid"`},
		{"first_touch not positive", "first_touch: {hot: 5m,", "first_touch: {hot: 0s,", "followups.first_touch.hot: must be positive"},
		{"holiday that is no date", "holidays: []", `holidays: ["2026-12-25", "2026-02-30"]`, `followups.holidays: "2026-02-30" is not a date`},
		{"holiday in another layout", "holidays: []", `holidays: ["25/12/2026"]`, `followups.holidays: "25/12/2026" is not a date`},
		{"negative ack_wait", "ack_wait: 5m", "ack_wait: -5m", "followups: escalation.ack_wait"},
		{"negative budget", "budget: 4 ", "budget: -1 ", "followups.customer_messages.budget: must not be negative"},
		{"quiet hours not a time", `quiet_hours: {from: "21:00"`, `quiet_hours: {from: "9pm"`,
			`followups.customer_messages.quiet_hours: "9pm" is not a time like 21:00`},
		{"quiet hours out of range", `to: "09:00"}`, `to: "25:00"}`, `followups.customer_messages.quiet_hours: "25:00"`},
		{"unknown channel in the order", "channels: [whatsapp, telegram, email]", "channels: [whatsapp, sms]",
			`followups.customer_messages.channels: unknown channel "sms"`},
		{"duplicate sequence name", "- name: standard", "- name: demo", "followups.sequences[3]: needs a name of its own"},
		{"sequence without a name", "- name: nurture", "- name: ' '", "followups.sequences[2]: needs a name of its own"},
		{"unknown intent", "intents: [price_inquiry]", "intents: [price_enquiry]", `followups.sequences[1].intents: unknown intent "price_enquiry"`},
		{"unknown tier in a sequence", "tiers: [cold]", "tiers: [frozen]", `followups.sequences[2].tiers: unknown tier "frozen"`},
		{"customer_message with an unknown template", "template: price_summary}", "template: price_sumary}",
			`followups.sequences[1].steps[0]: template "price_sumary" is not in followups.templates`},
		{"customer_message without a template", "channel: same, template: price_summary}", "channel: same}",
			`followups.sequences[1].steps[0]: template "" is not in followups.templates`},
		{"bad channel value", "channel: same, template: price_summary}", "channel: sms, template: price_summary}",
			"followups.sequences[1].steps[0]: channel is same or second"},
		{"customer_message without a channel", "channel: same, template: price_summary}", "template: price_summary}",
			"followups.sequences[1].steps[0]: channel is same or second"},
		{"a call task with a template", "{kind: call_task, after: 1h}", "{kind: call_task, after: 1h, template: missed_you}",
			"followups.sequences[1].steps[1]: channel and template are for customer_message steps"},
		{"unknown kind", "{kind: call_task, after: 1h}", "{kind: sms, after: 1h}",
			"followups.sequences[1].steps[1]: kind is one of call_task, rep_reminder, customer_message"},
		{"on neither assigned nor no_answer", "on: no_answer, after: 1h", "on: replied, after: 1h",
			"followups.sequences[0].steps[2]: on is assigned or no_answer"},
		{"negative after", "{kind: call_task, after: 1h}", "{kind: call_task, after: -1h}",
			"followups.sequences[1].steps[1]: after must not be negative"},
		{"unknown status in unless", "unless: [qualified]", "unless: [qualifed]",
			`followups.sequences[1].steps[2].unless: unknown status "qualifed"`},
		{"template without text.en", `en: "Hi {name}, we will close your request soon. Reply if you are still interested."`,
			`fa: "Hi {name}, we will close your request soon."`, "followups.templates.nurture_last: text.en is required"},
		{"template with an empty text.en", `en: "Hi {name}, we have added new features since we last spoke. Reply if you would like a short tour."`,
			`en: ""`, "followups.templates.nurture_news: text.en is required"},
		{"unknown key", "snooze_max: 336h", "snooze_max: 336h\n  snooze_maximum: 1h", "snooze_maximum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := string(builtin)
			if !strings.Contains(text, tt.old) {
				t.Fatalf("default.yaml has no %q", tt.old)
			}
			text = strings.Replace(text, tt.old, tt.new, 1)
			_, err := Parse([]byte(text))
			if err == nil {
				t.Fatalf("accepted with %q", tt.new)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestFollowupsDefaultPolicy(t *testing.T) {
	fu := &Default().Followups
	for _, tt := range []struct {
		intent string
		tier   lead.Tier
		want   string
	}{
		{"demo_request", lead.TierHot, "demo"},
		{"purchase", lead.TierWarm, "demo"},
		{"demo_request", lead.TierCold, "nurture"}, // demo is for hot and warm leads
		{"price_inquiry", lead.TierCold, "price"},  // price has no tiers: any
		{"price_inquiry", lead.TierHot, "price"},
		{"other", lead.TierCold, "nurture"},
		{"other", lead.TierWarm, "standard"},
		{"", lead.TierHot, "standard"},
	} {
		s := fu.SequenceFor(tt.intent, tt.tier)
		if s == nil {
			t.Errorf("%s/%s: no sequence, want %s", tt.intent, tt.tier, tt.want)
			continue
		}
		if s.Name != tt.want {
			t.Errorf("%s/%s: sequence %s, want %s", tt.intent, tt.tier, s.Name, tt.want)
		}
	}
	demo := fu.SequenceFor("demo_request", lead.TierHot)
	if len(demo.Steps) != 3 || demo.Steps[2].Kind != StepCustomerMessage || demo.Steps[2].On != OnNoAnswer ||
		demo.Steps[2].Channel != ChannelSecond || demo.Steps[2].Template != "missed_you" || time.Duration(demo.Steps[2].After) != time.Hour ||
		len(demo.Steps[2].Unless) != 2 || demo.Steps[2].Unless[0] != lead.StatusContacted {
		t.Errorf("demo's steps: %+v", demo.Steps)
	}
	if s := (&Followups{Sequences: []Sequence{{Name: "x", Tiers: []string{"hot"}}}}).SequenceFor("other", lead.TierWarm); s != nil {
		t.Errorf("no sequence matches, got %s", s.Name)
	}

	for tier, want := range map[lead.Tier]time.Duration{lead.TierHot: 5 * time.Minute, lead.TierWarm: time.Hour, lead.TierCold: 8 * time.Hour, "": 0} {
		if got := fu.FirstTouchWithin(tier); got != want {
			t.Errorf("FirstTouchWithin(%q) = %v, want %v", tier, got, want)
		}
	}
	if fu.BusinessHours || fu.Messages.Budget != 4 || len(fu.Messages.Channels) != 3 || fu.Messages.Channels[0] != lead.ChannelWhatsApp ||
		time.Duration(fu.Escalation.AckWait) != 5*time.Minute || fu.Escalation.MaxReassignments != 2 || time.Duration(fu.SnoozeMax) != 336*time.Hour {
		t.Errorf("default followups: %+v", fu)
	}
	from, to, err := fu.Messages.QuietHours.Span()
	if err != nil || from != 21*time.Hour || to != 9*time.Hour {
		t.Errorf("quiet hours %v-%v %v", from, to, err)
	}
	if from, to, err := (QuietHours{}).Span(); err != nil || from != to {
		t.Errorf("no quiet hours: %v-%v %v", from, to, err)
	}
}

func TestTemplateTextIn(t *testing.T) {
	missed := Default().Followups.Templates["missed_you"]
	if got := missed.TextIn("fa"); !strings.HasPrefix(got, "سلام {name}") {
		t.Errorf("fa: %q", got)
	}
	en := missed.Text["en"]
	if !strings.HasPrefix(en, "Hi {name}") {
		t.Fatalf("en: %q", en)
	}
	for _, lang := range []string{"de", "", "EN-gb"} {
		if got := missed.TextIn(lang); got != en {
			t.Errorf("%q falls back to en, got %q", lang, got)
		}
	}
	// price_alternatives has no Arabic.
	alt := Default().Followups.Templates["price_alternatives"]
	if got := alt.TextIn("ar"); got != alt.Text["en"] || got == "" {
		t.Errorf("ar: %q", got)
	}
	// An empty text counts as none.
	tm := Template{Text: map[string]string{"en": "Hello", "fr": ""}}
	if got := tm.TextIn("fr"); got != "Hello" {
		t.Errorf("empty fr: %q", got)
	}
}
