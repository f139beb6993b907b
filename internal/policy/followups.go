package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
)

// Followups are the promises a lead is kept to: when the rep must first touch it (the SLA), what
// happens when nobody does, the sequence of tasks, reminders and customer messages per intent and
// tier, and the rules every message to a customer obeys.
type Followups struct {
	// FirstTouch is the SLA by tier: the assigned rep must report an outcome within it.
	FirstTouch map[string]Duration `yaml:"first_touch" json:"first_touch"`
	// BusinessHours counts FirstTouch in the rep's working hours, skipping Holidays.
	BusinessHours bool `yaml:"business_hours" json:"business_hours"`
	// Holidays are whole days off, "YYYY-MM-DD" in each rep's timezone (with BusinessHours).
	Holidays   []string   `yaml:"holidays" json:"holidays"`
	Escalation Escalation `yaml:"escalation" json:"escalation"`
	// SnoozeMax bounds how far a rep's snooze can move a lead's timers.
	SnoozeMax Duration         `yaml:"snooze_max" json:"snooze_max"`
	Messages  CustomerMessages `yaml:"customer_messages" json:"customer_messages"`
	// Sequences are tried in order; a lead follows the first whose intents and tiers match it.
	Sequences []Sequence          `yaml:"sequences" json:"sequences"`
	Templates map[string]Template `yaml:"templates" json:"templates"`
}

// Escalation is what a missed first touch sets off: hot leads page the on-call rep and wait
// AckWait for an acknowledgement; then (and at once for warm and cold) the team's manager is told
// and the lead goes to the next eligible rep, at most MaxReassignments times.
type Escalation struct {
	AckWait          Duration `yaml:"ack_wait" json:"ack_wait"`
	MaxReassignments int      `yaml:"max_reassignments" json:"max_reassignments"`
}

// CustomerMessages are the rules of every message to a customer.
type CustomerMessages struct {
	// Budget is the most messages one lead's customer receives, whatever the sequences say.
	Budget int `yaml:"budget" json:"budget"`
	// QuietHours, "21:00" to "09:00" in the customer's timezone: a message due then waits.
	QuietHours QuietHours `yaml:"quiet_hours" json:"quiet_hours"`
	// Channels is the order a "second channel" is picked in: the first the customer can be
	// reached on that is not the conversation's own.
	Channels []lead.Channel `yaml:"channels" json:"channels"`
}

// QuietHours are a daily span with no customer messages; From after To spans midnight.
type QuietHours struct {
	From string `yaml:"from" json:"from"`
	To   string `yaml:"to" json:"to"`
}

// Span returns the quiet hours as offsets from local midnight; equal offsets mean none.
func (q QuietHours) Span() (from, to time.Duration, err error) {
	if q.From == "" && q.To == "" {
		return 0, 0, nil
	}
	if from, err = clock(q.From); err == nil {
		to, err = clock(q.To)
	}
	return from, to, err
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time like 21:00", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Sequence is the follow-up plan for leads of some intents and tiers (empty lists match any).
type Sequence struct {
	Name    string         `yaml:"name" json:"name"`
	Intents []string       `yaml:"intents" json:"intents"`
	Tiers   []string       `yaml:"tiers" json:"tiers"`
	Steps   []FollowupStep `yaml:"steps" json:"steps"`
}

// Follow-up step kinds.
const (
	// StepCallTask is a call the rep owes the customer, due After.
	StepCallTask = "call_task"
	// StepRepReminder reminds the rep (and their notification channels) of the lead.
	StepRepReminder = "rep_reminder"
	// StepCustomerMessage writes to the customer from a template.
	StepCustomerMessage = "customer_message"
)

// What starts a step's clock.
const (
	// OnAssigned: the sequence starting (the lead assigned, or its sequence changed).
	OnAssigned = "assigned"
	// OnNoAnswer: the rep's first no_answer outcome.
	OnNoAnswer = "no_answer"
)

// Customer message channels a step can ask for.
const (
	// ChannelSame is the channel the conversation happened on.
	ChannelSame = "same"
	// ChannelSecond is another channel the customer can be reached on (CustomerMessages.Channels).
	ChannelSecond = "second"
)

// FollowupStep is one promise of a sequence.
type FollowupStep struct {
	Kind  string   `yaml:"kind" json:"kind"`
	On    string   `yaml:"on" json:"on"`
	After Duration `yaml:"after" json:"after"`
	// Unless lists lead statuses that make the step moot: it is cancelled if the lead is in one
	// when the step falls due (a contacted lead gets no "no contact yet" reminder).
	Unless   []lead.Status `yaml:"unless" json:"unless"`
	Channel  string        `yaml:"channel" json:"channel"`
	Template string        `yaml:"template" json:"template"`
}

// Template is a message to customers: its text by language ("en" is the fallback), and the
// WhatsApp template approved for sending outside the 24-hour window (none: WhatsApp is skipped
// there). {name} in a text is replaced by the customer's first name, or left out.
type Template struct {
	Subject  string            `yaml:"subject" json:"subject"`
	Text     map[string]string `yaml:"text" json:"text"`
	WhatsApp string            `yaml:"whatsapp" json:"whatsapp"`
}

// SequenceFor is the sequence a lead of this intent and tier follows; nil when none matches.
func (f *Followups) SequenceFor(intent string, tier lead.Tier) *Sequence {
	for i, s := range f.Sequences {
		if (len(s.Intents) == 0 || slices.Contains(s.Intents, intent)) &&
			(len(s.Tiers) == 0 || slices.Contains(s.Tiers, string(tier))) {
			return &f.Sequences[i]
		}
	}
	return nil
}

// FirstTouchWithin is the SLA of a tier; 0 when the policy sets none.
func (f *Followups) FirstTouchWithin(tier lead.Tier) time.Duration {
	return time.Duration(f.FirstTouch[string(tier)])
}

// Text is a template's text in a language, falling back to English.
func (t Template) TextIn(language string) string {
	if s, ok := t.Text[language]; ok && s != "" {
		return s
	}
	return t.Text["en"]
}

func (f *Followups) validate(bad func(string, ...any)) {
	tiers := []string{string(lead.TierHot), string(lead.TierWarm), string(lead.TierCold)}
	for tier, d := range f.FirstTouch {
		if !slices.Contains(tiers, tier) {
			bad("followups.first_touch: unknown tier %q", tier)
		}
		if d <= 0 {
			bad("followups.first_touch.%s: must be positive", tier)
		}
	}
	for _, h := range f.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			bad("followups.holidays: %q is not a date like 2026-12-25", h)
		}
	}
	if f.Escalation.AckWait < 0 || f.Escalation.MaxReassignments < 0 || f.SnoozeMax < 0 {
		bad("followups: escalation.ack_wait, escalation.max_reassignments and snooze_max must not be negative")
	}
	m := f.Messages
	if m.Budget < 0 {
		bad("followups.customer_messages.budget: must not be negative")
	}
	if _, _, err := m.QuietHours.Span(); err != nil {
		bad("followups.customer_messages.quiet_hours: %v", err)
	}
	for _, ch := range m.Channels {
		if !ch.Valid() {
			bad("followups.customer_messages.channels: unknown channel %q", ch)
		}
	}
	names := map[string]bool{}
	for i, s := range f.Sequences {
		where := fmt.Sprintf("followups.sequences[%d]", i)
		if strings.TrimSpace(s.Name) == "" || names[s.Name] {
			bad("%s: needs a name of its own", where)
		}
		names[s.Name] = true
		for _, in := range s.Intents {
			if !slices.Contains(lead.Intents(), in) {
				bad("%s.intents: unknown intent %q", where, in)
			}
		}
		for _, t := range s.Tiers {
			if !slices.Contains(tiers, t) {
				bad("%s.tiers: unknown tier %q", where, t)
			}
		}
		for j, st := range s.Steps {
			f.validateStep(fmt.Sprintf("%s.steps[%d]", where, j), st, bad)
		}
	}
	for name, t := range f.Templates {
		if t.Text["en"] == "" {
			bad("followups.templates.%s: text.en is required (the fallback language)", name)
		}
	}
}

func (f *Followups) validateStep(where string, st FollowupStep, bad func(string, ...any)) {
	switch st.Kind {
	case StepCallTask, StepRepReminder:
		if st.Channel != "" || st.Template != "" {
			bad("%s: channel and template are for customer_message steps", where)
		}
	case StepCustomerMessage:
		if _, ok := f.Templates[st.Template]; !ok {
			bad("%s: template %q is not in followups.templates", where, st.Template)
		}
		if st.Channel != ChannelSame && st.Channel != ChannelSecond {
			bad("%s: channel is %s or %s", where, ChannelSame, ChannelSecond)
		}
	default:
		bad("%s: kind is one of %s, %s, %s", where, StepCallTask, StepRepReminder, StepCustomerMessage)
	}
	if st.On != "" && st.On != OnAssigned && st.On != OnNoAnswer {
		bad("%s: on is %s or %s", where, OnAssigned, OnNoAnswer)
	}
	if st.After < 0 {
		bad("%s: after must not be negative", where)
	}
	for _, s := range st.Unless {
		if !s.Valid() {
			bad("%s.unless: unknown status %q", where, s)
		}
	}
}
