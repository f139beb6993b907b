package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/activities/scoring"
	"github.com/leadflow/leadflow/internal/consent"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/notify"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/internal/store"
)

// FollowupPlan is what the policy promises a lead of this intent and tier: its sequence and the
// SLA rules. It travels in ScoreLead's result, so that a run replays the plan its first execution
// read, whatever the policy file says today.
type FollowupPlan struct {
	Sequence         string                `json:",omitempty"`
	Steps            []policy.FollowupStep `json:",omitempty"`
	FirstTouch       time.Duration         `json:",omitempty"`
	AckWait          time.Duration         `json:",omitempty"`
	MaxReassignments int                   `json:",omitempty"`
	SnoozeMax        time.Duration         `json:",omitempty"`
}

// ScoreResult is a lead's score and, for a lead worth following up, its follow-up plan.
type ScoreResult struct {
	scoring.Result
	Plan *FollowupPlan `json:"plan,omitempty"`
}

func planFor(p *policy.Policy, f lead.Fields, tier lead.Tier) *FollowupPlan {
	fu := &p.Followups
	plan := &FollowupPlan{FirstTouch: fu.FirstTouchWithin(tier), AckWait: time.Duration(fu.Escalation.AckWait),
		MaxReassignments: fu.Escalation.MaxReassignments, SnoozeMax: time.Duration(fu.SnoozeMax)}
	if s := fu.SequenceFor(string(f.Intent.Or("")), tier); s != nil {
		plan.Sequence, plan.Steps = s.Name, s.Steps
	}
	return plan
}

// firstTouchDue is when the rep must first touch a lead assigned at from: the policy's SLA for the
// tier, counted in the rep's working hours and skipping holidays when the policy says so. nil when
// the policy sets no SLA for the tier: the workflow then keeps its own first follow-up delay
// (LEADFLOW_FIRST_FOLLOWUP_DELAY), as policy files written before follow-ups expect.
func (a *Activities) firstTouchDue(ctx context.Context, repID string, tier lead.Tier, from time.Time) (*time.Time, error) {
	fu := &a.policy().Followups
	within := fu.FirstTouchWithin(tier)
	if within <= 0 {
		return nil, nil
	}
	due := from.Add(within)
	if fu.BusinessHours {
		rep, err := a.Store.RepByID(ctx, repID)
		if err != nil {
			return nil, classify("first touch due", err)
		}
		due = rep.WorkingHours.AddWorking(from, within, rep.Timezone, routing.Holidays(fu.Holidays))
	}
	return &due, nil
}

// SaveFollowupsInput is the state of a lead's follow-up steps and, when set, its SLA.
type SaveFollowupsInput struct {
	LeadID string
	RepID  string
	Steps  []lead.Followup
	SLA    *lead.SLA `json:",omitempty"`
}

// SaveFollowups writes the steps' state and the SLA to the built-in CRM (Lead.followups,
// Lead.sla), in one transaction.
func (a *Activities) SaveFollowups(ctx context.Context, in SaveFollowupsInput) error {
	if in.LeadID == "" {
		return invalid("save follow-ups: a lead id is required", nil)
	}
	for _, st := range in.Steps {
		if st.ID == "" || st.Kind == "" || st.Status == "" {
			return invalid("save follow-ups: every step needs an id, a kind and a status", nil)
		}
	}
	return classify("save follow-ups", a.Store.SaveFollowups(ctx, in.LeadID, in.RepID, in.Steps, in.SLA))
}

// OptOutInput is a lead whose customer asked for no more messages.
type OptOutInput struct {
	LeadID string
	At     time.Time
}

// RecordOptOut records the customer's opt-out on their contact, for good.
func (a *Activities) RecordOptOut(ctx context.Context, in OptOutInput) error {
	if in.LeadID == "" {
		return invalid("opt out: a lead id is required", nil)
	}
	return classify("opt out", a.Store.OptOut(ctx, in.LeadID, in.At))
}

// Reasons a follow-up step was cancelled or not sent. Lead statuses (contacted, qualified…) are
// reasons too: the step's unless list named them.
const (
	ReasonClosed          = "closed"
	ReasonOptedOut        = "opted_out"
	ReasonBudget          = "budget"
	ReasonNoChannel       = "no_channel"
	ReasonWhatsAppWindow  = "whatsapp_window"
	ReasonSequenceChanged = "sequence_changed"
	ReasonUnknownTemplate = "unknown_template"
)

// Message modes: WhatsApp takes free-form text only within 24 hours of the customer's last
// message, and an approved template outside that window.
const (
	ModeFreeForm = "free_form"
	ModeTemplate = "template"
)

// SendInput is a customer message step that fell due.
type SendInput struct {
	LeadID    string
	ContactID string
	StepID    string
	Template  string
	// Channel is the step's choice: policy.ChannelSame or policy.ChannelSecond.
	Channel             string
	ConversationChannel lead.Channel
	Language            string
	FirstName           string
	// Reach are the customer's addresses per channel (a WhatsApp number, a Telegram chat, an
	// e-mail, the web chat's conversation); LastInbound their latest message per channel.
	Reach       map[lead.Channel]string
	LastInbound map[lead.Channel]time.Time
	Timezone    string
	Country     string
	Budget      int
}

// SendResult says what became of the step: sent, or cancelled with a reason; when DeferUntil is
// set the customer's quiet hours hold the message until then.
type SendResult struct {
	Status     lead.FollowupStatus `json:",omitempty"`
	Channel    lead.Channel        `json:",omitempty"`
	Mode       string              `json:",omitempty"`
	Reason     string              `json:",omitempty"`
	DeferUntil *time.Time          `json:",omitempty"`
}

// SendCustomerMessage writes to a customer under every consent and channel rule: nothing to a
// person who opted out (on any of their contacts), nothing over the lead's message budget, nothing
// in their quiet hours (deferred instead), WhatsApp free-form only within its 24-hour window (a
// template outside it, or another channel). Once per step: the message key is claimed in the
// built-in CRM before sending, and a retry after success sends nothing.
func (a *Activities) SendCustomerMessage(ctx context.Context, in SendInput) (SendResult, error) {
	if in.LeadID == "" || in.StepID == "" {
		return SendResult{}, invalid("send: lead and step ids are required", nil)
	}
	fu := &a.policy().Followups
	tmpl, ok := fu.Templates[in.Template]
	if !ok {
		return cancelled(ReasonUnknownTemplate), nil
	}
	optedOut, err := a.Store.OptedOut(ctx, in.LeadID)
	if err != nil {
		return SendResult{}, classify("send", err)
	}
	if optedOut {
		return cancelled(ReasonOptedOut), nil
	}
	now := a.now()
	if from, to, err := fu.Messages.QuietHours.Span(); err == nil && from != to {
		quiet := consent.Quiet{From: from, To: to, Location: consent.Zone(in.Timezone, in.Country)}
		if next := quiet.NextSendable(now); next.After(now) {
			return SendResult{DeferUntil: &next}, nil
		}
	}
	ch, mode, reason := a.pickChannel(in, fu, tmpl, now)
	if ch == "" {
		return cancelled(reason), nil
	}
	key := in.LeadID + "/" + in.StepID
	claim, sent, err := a.Store.ClaimCustomerMessage(ctx, store.CustomerMessage{Key: key, LeadID: in.LeadID, ContactID: in.ContactID,
		Channel: ch, Template: in.Template, Mode: mode}, fu.Messages.Budget)
	if errors.Is(err, store.ErrBudgetSpent) {
		return cancelled(ReasonBudget), nil
	}
	if err != nil {
		return SendResult{}, classify("send", err)
	}
	res := SendResult{Status: lead.FollowupSent, Channel: claim.Channel, Mode: claim.Mode}
	if sent {
		return res, nil
	}
	n := a.Outbound.ForCustomer(claim.Channel)
	if n == nil { // the channel was configured when claimed and is not now: say so, retrying will not help
		return SendResult{}, temporal.NewNonRetryableApplicationError("send: channel "+string(claim.Channel)+" is no longer configured", ErrTypeDeliveryRejected, nil)
	}
	msg := notify.Message{Key: key, Subject: tmpl.Subject, Text: render(tmpl.TextIn(in.Language), in.FirstName), To: in.Reach[claim.Channel],
		Data: map[string]any{"lead_id": in.LeadID, "channel": string(claim.Channel), "mode": claim.Mode, "template": in.Template,
			"language": in.Language}}
	if claim.Mode == ModeTemplate {
		msg.Data["whatsapp_template"] = tmpl.WhatsApp
	}
	if err := n.Send(ctx, msg); err != nil {
		return SendResult{}, deliveryError(err)
	}
	if err := a.Store.MarkCustomerMessageSent(ctx, key); err != nil {
		return SendResult{}, classify("send", err)
	}
	return res, nil
}

func cancelled(reason string) SendResult {
	return SendResult{Status: lead.FollowupCancelled, Reason: reason}
}

// pickChannel is the channel a step goes out on, and in which mode; "" with the reason when there
// is none: the customer has no address there, the channel is not configured, or WhatsApp's window
// is closed and the template has no approved WhatsApp form.
func (a *Activities) pickChannel(in SendInput, fu *policy.Followups, tmpl policy.Template, now time.Time) (lead.Channel, string, string) {
	var candidates []lead.Channel
	if in.Channel == policy.ChannelSame {
		candidates = []lead.Channel{in.ConversationChannel}
	} else {
		for _, ch := range fu.Messages.Channels {
			if ch != in.ConversationChannel {
				candidates = append(candidates, ch)
			}
		}
	}
	reason := ReasonNoChannel
	for _, ch := range candidates {
		if in.Reach[ch] == "" || a.Outbound.ForCustomer(ch) == nil {
			continue
		}
		if ch != lead.ChannelWhatsApp || consent.WhatsAppFreeForm(in.LastInbound[ch], now) {
			return ch, ModeFreeForm, ""
		}
		if tmpl.WhatsApp != "" {
			return ch, ModeTemplate, ""
		}
		reason = ReasonWhatsAppWindow
	}
	return "", "", reason
}

// render fills a template's {name} with the customer's first name, or drops it with the space
// before it when the name is unknown ("Hi {name}, …" becomes "Hi, …"), and with the comma before
// it when punctuation follows ("Здравствуйте, {name}! …" becomes "Здравствуйте! …", not "Здравствуйте,! …").
func render(text, firstName string) string {
	if firstName != "" {
		return strings.ReplaceAll(text, "{name}", firstName)
	}
	return strings.NewReplacer(", {name}!", "!", ", {name}.", ".", ", {name}?", "?", " {name}", "", "{name}", "").Replace(text)
}

// PageInput is a hot lead whose first touch is overdue.
type PageInput struct {
	LeadID string
	TeamID string
	Level  int // the escalation it belongs to, for the notification's key
}

// PageResult names the on-call rep who was paged; "" when the team has none.
type PageResult struct {
	RepID string `json:",omitempty"`
}

// PageOnCall pages the team's on-call rep about an untouched hot lead. Once per level.
func (a *Activities) PageOnCall(ctx context.Context, in PageInput) (PageResult, error) {
	if in.LeadID == "" || in.TeamID == "" {
		return PageResult{}, invalid("page: lead and team ids are required", nil)
	}
	rep, err := a.Store.OnCallRep(ctx, in.TeamID)
	if err != nil || rep == "" {
		return PageResult{}, classify("page", err)
	}
	if _, err := a.NotifyRep(ctx, NotifyInput{LeadID: in.LeadID, RepID: rep, Kind: NotifyPage, Key: fmt.Sprintf("page-%d", in.Level)}); err != nil {
		return PageResult{}, err
	}
	return PageResult{RepID: rep}, nil
}

// TakeOverInput is an on-call rep answering a page: the lead moves to them.
type TakeOverInput struct {
	LeadID    string
	FromRepID string
	ToRepID   string
	Tier      lead.Tier
}

// TakeOverLead moves a paged lead to the on-call rep who acknowledged it, with a new first-touch
// deadline for them. Safe to retry.
func (a *Activities) TakeOverLead(ctx context.Context, in TakeOverInput) (RouteResult, error) {
	if in.LeadID == "" || in.ToRepID == "" {
		return RouteResult{}, invalid("take over: lead and rep ids are required", nil)
	}
	as, err := a.Store.TakeOver(ctx, in.LeadID, in.FromRepID, in.ToRepID)
	if errors.Is(err, store.ErrLeadClosed) {
		return RouteResult{}, temporal.NewNonRetryableApplicationError("take over: the lead is closed", ErrTypeRejected, err)
	}
	if err != nil {
		return RouteResult{}, classify("take over", err)
	}
	due, err := a.firstTouchDue(ctx, as.RepID, in.Tier, as.AssignedAt)
	if err != nil {
		return RouteResult{}, err
	}
	return RouteResult{Assignment: &as, FirstTouchDue: due}, nil
}
