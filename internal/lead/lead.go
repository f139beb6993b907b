// Package lead holds the sales-domain vocabulary that the workflow, the activities, the store and the
// gateway share: messages, extracted fields, statuses and outcomes, and the Lead document of api-v1.
// It does no I/O, so the workflow may use it freely.
package lead

import (
	"encoding/json"
	"fmt"
	"time"
)

// Channel is where a conversation happens.
type Channel string

// Channels of api-v1.
const (
	ChannelWeb      Channel = "web"
	ChannelWhatsApp Channel = "whatsapp"
	ChannelTelegram Channel = "telegram"
	ChannelEmail    Channel = "email"
	ChannelAPI      Channel = "api"
)

// Valid reports whether c is a channel of the contract.
func (c Channel) Valid() bool {
	switch c {
	case ChannelWeb, ChannelWhatsApp, ChannelTelegram, ChannelEmail, ChannelAPI:
		return true
	}
	return false
}

// Role is who wrote a message. Only customer text is evidence about the customer.
type Role string

// Roles of api-v1.
const (
	RoleCustomer Role = "customer"
	RoleBot      Role = "bot"
	RoleAgent    Role = "agent"
)

// Valid reports whether r is a role of the contract.
func (r Role) Valid() bool { return r == RoleCustomer || r == RoleBot || r == RoleAgent }

// Sender is identity the channel itself vouches for (a WhatsApp number, a logged-in user's email).
type Sender struct {
	Name       *string `json:"name"`
	Phone      *string `json:"phone"`
	Email      *string `json:"email"`
	ExternalID *string `json:"external_id"`
}

// Context is what the chatbot knows about the visit.
type Context struct {
	PageURL   *string `json:"page_url,omitempty"`
	Campaign  *string `json:"campaign,omitempty"`
	UTMSource *string `json:"utm_source,omitempty"`
	Locale    *string `json:"locale,omitempty"`
	Country   *string `json:"country,omitempty"` // ISO 3166-1 alpha-2: default region for phone numbers
	// Timezone is the customer's IANA timezone ("Asia/Tehran"): their quiet hours are read in it.
	Timezone *string  `json:"timezone,omitempty"`
	Events   []string `json:"events,omitempty"`
}

// Message is one message of a conversation, as the gateway accepted it.
type Message struct {
	MessageID string    `json:"message_id"`
	Channel   Channel   `json:"channel"`
	Role      Role      `json:"role"`
	Text      string    `json:"text"`
	SentAt    time.Time `json:"sent_at"`
	Sender    *Sender   `json:"sender,omitempty"`
	Context   *Context  `json:"context,omitempty"`
}

// Source says where a field value came from.
type Source string

// Sources of api-v1.
const (
	SourceLLM     Source = "llm"
	SourceRules   Source = "rules"
	SourceChannel Source = "channel"
)

// Field is one extracted fact: its value (nil when unknown), how sure we are, and the customer's own
// words it came from.
type Field[T any] struct {
	Value      *T      `json:"value"`
	Confidence float64 `json:"confidence"`
	Evidence   string  `json:"evidence"`
	Source     Source  `json:"source"`
}

// MarshalJSON writes an unknown field as {"value": null, "confidence": 0, "evidence": null,
// "source": null}: the keys stay, and no empty string pretends to be evidence or a source.
func (f Field[T]) MarshalJSON() ([]byte, error) {
	type wire struct {
		Value      *T      `json:"value"`
		Confidence float64 `json:"confidence"`
		Evidence   *string `json:"evidence"`
		Source     *Source `json:"source"`
	}
	w := wire{Value: f.Value, Confidence: f.Confidence}
	if f.Value != nil {
		w.Evidence, w.Source = &f.Evidence, &f.Source
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Field[T]) UnmarshalJSON(b []byte) error {
	var w struct {
		Value      *T      `json:"value"`
		Confidence float64 `json:"confidence"`
		Evidence   *string `json:"evidence"`
		Source     *Source `json:"source"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = Field[T]{Value: w.Value, Confidence: w.Confidence}
	if w.Evidence != nil {
		f.Evidence = *w.Evidence
	}
	if w.Source != nil {
		f.Source = *w.Source
	}
	return nil
}

// Known reports whether the field has a value.
func (f Field[T]) Known() bool { return f.Value != nil }

// Or is the field's value, or def when it has none.
func (f Field[T]) Or(def T) T {
	if f.Value == nil {
		return def
	}
	return *f.Value
}

// Set returns a field holding v.
func Set[T any](v T, confidence float64, evidence string, source Source) Field[T] {
	return Field[T]{Value: &v, Confidence: confidence, Evidence: evidence, Source: source}
}

// Money is an amount in an ISO 4217 currency.
type Money struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

// Intent is what the person wants.
type Intent string

// Intents of api-v1.
const (
	IntentDemoRequest  Intent = "demo_request"
	IntentPriceInquiry Intent = "price_inquiry"
	IntentPurchase     Intent = "purchase"
	IntentSupport      Intent = "support"
	IntentPartnership  Intent = "partnership"
	IntentOther        Intent = "other"
	IntentSpam         Intent = "spam"
)

// Urgency is how soon the person wants to act.
type Urgency string

// Urgencies of api-v1.
const (
	UrgencyHigh   Urgency = "high"
	UrgencyNormal Urgency = "normal"
	UrgencyLow    Urgency = "low"
)

// Intents lists every intent of api-v1.
func Intents() []string {
	return []string{string(IntentDemoRequest), string(IntentPriceInquiry), string(IntentPurchase),
		string(IntentSupport), string(IntentPartnership), string(IntentOther), string(IntentSpam)}
}

// Urgencies lists every urgency of api-v1.
func Urgencies() []string {
	return []string{string(UrgencyHigh), string(UrgencyNormal), string(UrgencyLow)}
}

// CompanySizes are the head-count buckets company_size takes, smallest first.
func CompanySizes() []string {
	return []string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+"}
}

// Fields are the facts extracted from a conversation; every key of api-v1 is always present.
type Fields struct {
	FullName        Field[string]   `json:"full_name"`
	Phone           Field[string]   `json:"phone"` // E.164
	Email           Field[string]   `json:"email"` // lower-case
	Company         Field[string]   `json:"company"`
	JobTitle        Field[string]   `json:"job_title"`
	Country         Field[string]   `json:"country"`  // ISO 3166-1 alpha-2
	Language        Field[string]   `json:"language"` // ISO 639-1
	Intent          Field[Intent]   `json:"intent"`
	ProductInterest Field[[]string] `json:"product_interest"`
	Budget          Field[Money]    `json:"budget"`
	Urgency         Field[Urgency]  `json:"urgency"`
	CompanySize     Field[string]   `json:"company_size"`
	Summary         Field[string]   `json:"summary"`
}

// Reachable reports whether there is at least one way to reach the person.
func (f Fields) Reachable() bool { return f.Phone.Known() || f.Email.Known() }

// IsSpam reports whether the conversation was judged spam.
func (f Fields) IsSpam() bool { return f.Intent.Known() && *f.Intent.Value == IntentSpam }

// ReviewThreshold is the calibrated confidence below which a contact field is not acted on
// automatically. Confidences are calibrated (activities/extract, docs/extraction.md): a phone below
// 0.6 is wrong at least 4 times in 10, and a wrong number sent to a rep costs more than a person
// checking it first.
const ReviewThreshold = 0.6

// NeedsReview lists the contact fields known with a confidence below ReviewThreshold.
func (f Fields) NeedsReview() []string {
	out := []string{}
	for _, c := range []struct {
		name string
		f    Field[string]
	}{{"phone", f.Phone}, {"email", f.Email}, {"full_name", f.FullName}} {
		if c.f.Known() && c.f.Confidence < ReviewThreshold {
			out = append(out, c.name)
		}
	}
	return out
}

// FirstTask is the first follow-up a rep gets for an assigned lead: a call task, unless the phone
// was read with too little confidence to dial, in which case the contact is reviewed first.
func (f Fields) FirstTask() FollowupKind {
	if f.Phone.Known() && f.Phone.Confidence < ReviewThreshold {
		return FollowupReviewContact
	}
	return FollowupCallTask
}

// MissingPhoneOrEmail is the missing_fields entry that asks for one way to reach the person.
const MissingPhoneOrEmail = "phone_or_email"

// MissingFields lists what the chatbot should ask for next.
func (f Fields) MissingFields() []string {
	if f.Reachable() {
		return []string{}
	}
	return []string{MissingPhoneOrEmail}
}

// Status is where a conversation and its lead stand.
type Status string

// Statuses of api-v1.
const (
	StatusCollecting   Status = "collecting"
	StatusNeedsContact Status = "needs_contact"
	StatusProcessing   Status = "processing"
	StatusAssigned     Status = "assigned"
	StatusContacted    Status = "contacted"
	StatusQualified    Status = "qualified"
	StatusUnqualified  Status = "unqualified"
	StatusWon          Status = "won"
	StatusLost         Status = "lost"
	StatusNoLead       Status = "no_lead"
)

// Valid reports whether s is a status of the contract.
func (s Status) Valid() bool {
	switch s {
	case StatusCollecting, StatusNeedsContact, StatusProcessing, StatusAssigned, StatusContacted,
		StatusQualified, StatusUnqualified, StatusWon, StatusLost, StatusNoLead:
		return true
	}
	return false
}

// Closed reports whether no rep action can follow.
func (s Status) Closed() bool {
	return s == StatusWon || s == StatusLost || s == StatusUnqualified || s == StatusNoLead
}

// Outcome is what a sales rep reports.
type Outcome string

// Outcomes of api-v1.
const (
	OutcomeContacted   Outcome = "contacted"
	OutcomeNoAnswer    Outcome = "no_answer"
	OutcomeQualified   Outcome = "qualified"
	OutcomeUnqualified Outcome = "unqualified"
	OutcomeWon         Outcome = "won"
	OutcomeLost        Outcome = "lost"
	OutcomeSnooze      Outcome = "snooze"
	// OutcomeReopen takes a won, lost or unqualified lead back to contacted; admins only.
	OutcomeReopen Outcome = "reopen"
)

// Valid reports whether o is an outcome of the contract.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeContacted, OutcomeNoAnswer, OutcomeQualified, OutcomeUnqualified, OutcomeWon, OutcomeLost, OutcomeSnooze, OutcomeReopen:
		return true
	}
	return false
}

// ErrTransition is returned for an outcome that the lead's status does not allow.
type ErrTransition struct {
	From    Status
	Outcome Outcome
}

func (e ErrTransition) Error() string {
	return fmt.Sprintf("outcome %q is not allowed when the lead is %q", e.Outcome, e.From)
}

// Apply returns the status a lead moves to when a rep reports o. It is the one place that says which
// transitions exist: a lead must be assigned before reps report on it, and won, lost and unqualified
// are final but for an admin's reopen. no_answer and snooze record the attempt and keep the status.
func Apply(from Status, o Outcome) (Status, error) {
	if o == OutcomeReopen {
		if from == StatusWon || from == StatusLost || from == StatusUnqualified {
			return StatusContacted, nil
		}
		return from, ErrTransition{From: from, Outcome: o}
	}
	switch from {
	case StatusAssigned, StatusContacted, StatusQualified:
	default:
		return from, ErrTransition{From: from, Outcome: o}
	}
	switch o {
	case OutcomeNoAnswer, OutcomeSnooze:
		return from, nil
	case OutcomeContacted:
		if from == StatusQualified {
			return from, nil // a later call does not un-qualify the lead
		}
		return StatusContacted, nil
	case OutcomeQualified:
		return StatusQualified, nil
	case OutcomeUnqualified:
		return StatusUnqualified, nil
	case OutcomeWon:
		return StatusWon, nil
	case OutcomeLost:
		return StatusLost, nil
	}
	return from, ErrTransition{From: from, Outcome: o}
}

// Tier is the lead's temperature.
type Tier string

// Tiers of api-v1.
const (
	TierHot  Tier = "hot"
	TierWarm Tier = "warm"
	TierCold Tier = "cold"
)

// TextFacts are counts read from the customer's own words that scoring weighs but that are not
// lead fields: how many seats and branches they said they need, how much they wrote, and how many
// links they sent. Zero means not said.
type TextFacts struct {
	Users    int `json:"users,omitempty"`
	Branches int `json:"branches,omitempty"`
	Words    int `json:"words,omitempty"`
	Links    int `json:"links,omitempty"`
}

// ScoreContext is what a score weighs beside the fields: the chatbot's events, counts from the
// customer's words, and the silences and returns counted so far. It is stored with the lead so that
// a candidate policy can score the same lead again (policy replay).
type ScoreContext struct {
	Events []string  `json:"events,omitempty"` // context.events, e.g. viewed_pricing, clicked_demo_cta
	Facts  TextFacts `json:"facts,omitzero"`
	// Silences is how many of the policy's decay periods passed without a customer message, and
	// Reengagements how many times the customer came back after the policy's re-engagement silence.
	Silences      int `json:"silences,omitempty"`
	Reengagements int `json:"reengagements,omitempty"`
}
