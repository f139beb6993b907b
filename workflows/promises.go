package workflows

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/consent"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
)

// promisesChange is the workflow.GetVersion change id of follow-up sequences, the SLA escalation
// chain, snooze, opt-out and continue-as-new. Runs that routed their lead before it keep the
// single first-touch timer (watchFirstTouch) on replay.
const promisesChange = "followup-promises"

// Promises is what a lead was promised and how far each promise got: its sequence's steps, the
// first-touch SLA and its escalations, the customer's consent. The workflow's timers keep them;
// the built-in CRM mirrors them (Lead.followups, Lead.sla). Exported fields: it is carried across
// continue-as-new.
type Promises struct {
	On   bool                     `json:"on"`
	Plan *activities.FollowupPlan `json:"plan,omitempty"`
	// Generation counts sequence starts, so the steps of a restarted sequence get new ids.
	Generation int    `json:"generation,omitempty"`
	Steps      []Step `json:"steps,omitempty"`
	SLA        Clock  `json:"sla"`
	// OptOutHeard: the customer said stop; OptedOut: it is recorded on their contact.
	OptOutHeard bool       `json:"opt_out_heard,omitempty"`
	OptedOut    bool       `json:"opted_out,omitempty"`
	NoAnswerAt  *time.Time `json:"no_answer_at,omitempty"`
	// LastInbound is the customer's latest message per channel (WhatsApp's 24-hour window).
	LastInbound map[lead.Channel]time.Time `json:"last_inbound,omitempty"`
	// Unsaved: steps or the SLA changed since the CRM last got them.
	Unsaved bool `json:"unsaved,omitempty"`
}

// Step is one follow-up of a sequence: its state as the lead document shows it, and what the
// policy said to do. A step waiting for its trigger (on: no_answer) has no due time yet.
type Step struct {
	lead.Followup
	Spec    policy.FollowupStep `json:"spec"`
	Waiting bool                `json:"waiting,omitempty"`
}

// Clock is the first-touch SLA: when it falls due, who was paged and until when they may
// acknowledge, and every escalation so far. A zero Due means no clock runs (touched, closed, or
// the chain has run out).
type Clock struct {
	Due           time.Time         `json:"due"`
	Breached      bool              `json:"breached,omitempty"`
	PagedRep      string            `json:"paged_rep,omitempty"`
	AckBy         time.Time         `json:"ack_by"`
	Level         int               `json:"level,omitempty"`
	PagedLevel    int               `json:"paged_level,omitempty"` // Level+1 once this level paged
	Reassignments int               `json:"reassignments,omitempty"`
	Escalations   []lead.Escalation `json:"escalations,omitempty"`
	FirstDue      *time.Time        `json:"first_due,omitempty"` // the first deadline, as Lead.sla shows it
}

// Escalation reasons besides the notification kinds of activities.
const (
	escalationPaged        = "paged_on_call"
	escalationAcknowledged = "acknowledged"
	escalationReassigned   = "reassigned"
	escalationChainEnded   = "no_rep_left"
)

// keepsPromises decides, once, whether this run keeps follow-up promises: every run from
// RevisionPromises on; RevisionPolicy runs that had not routed their lead when promises shipped,
// as their GetVersion marker records.
func (c *conversation) keepsPromises(ctx workflow.Context) bool {
	if !c.prom.On && c.revision >= RevisionPolicy {
		c.prom.On = c.revision >= RevisionPromises || workflow.GetVersion(ctx, promisesChange, workflow.DefaultVersion, 1) == 1
	}
	return c.prom.On
}

// startPromises starts the SLA clock and the lead's sequence when it is first assigned.
func (c *conversation) startPromises(ctx workflow.Context, due time.Time) {
	p := &c.prom
	p.SLA = Clock{Due: due, FirstDue: &due}
	c.startSequence(ctx)
}

// startSequence schedules the steps of the plan's sequence from now; the steps of a sequence it
// replaces are cancelled.
func (c *conversation) startSequence(ctx workflow.Context) {
	p := &c.prom
	now := workflow.Now(ctx)
	c.cancelSteps(now, func(Step) bool { return true }, activities.ReasonSequenceChanged)
	p.Generation++
	if p.Plan == nil {
		return
	}
	firstCall := true
	for i, spec := range p.Plan.Steps {
		st := Step{Spec: spec, Followup: lead.Followup{
			ID: "s" + strconv.Itoa(p.Generation) + "-" + strconv.Itoa(i+1), Kind: lead.FollowupKind(spec.Kind),
			Status: lead.FollowupPending, Sequence: p.Plan.Sequence}}
		if spec.Kind == policy.StepCallTask && firstCall {
			st.Kind, firstCall = c.fields.FirstTask(), false // a doubtful phone is checked before it is dialled
		}
		switch {
		case spec.Kind == policy.StepCustomerMessage && p.OptedOut:
			st.Status, st.Reason, st.DueAt = lead.FollowupCancelled, activities.ReasonOptedOut, now
		case spec.On == policy.OnNoAnswer && p.NoAnswerAt == nil:
			st.Waiting = true
		default: // from now, also for a no_answer heard before this sequence started
			st.DueAt = now.Add(time.Duration(spec.After))
		}
		p.Steps = append(p.Steps, st)
	}
	p.Unsaved = true
}

// cancelSteps cancels the pending steps that match, with a reason; a step still waiting for its
// trigger is shown as cancelled now.
func (c *conversation) cancelSteps(now time.Time, match func(Step) bool, reason string) {
	for i := range c.prom.Steps {
		st := &c.prom.Steps[i]
		if st.Status == lead.FollowupPending && match(*st) {
			if st.Waiting {
				st.DueAt = now
			}
			st.Status, st.Reason, st.Waiting = lead.FollowupCancelled, reason, false
			c.prom.Unsaved = true
		}
	}
}

// followSequence switches the lead to the sequence its latest score calls for (a cold lead that
// came back warm gets the warm sequence again; one that went cold, the nurture).
func (c *conversation) followSequence(ctx workflow.Context, plan *activities.FollowupPlan) {
	p := &c.prom
	if plan == nil {
		return
	}
	changed := p.Plan == nil || p.Plan.Sequence != plan.Sequence
	p.Plan = plan
	if changed && p.On && c.assignment != nil && !c.status.Closed() && p.Generation > 0 {
		c.logger.Info("Follow-up sequence changed", "Sequence", plan.Sequence, "Tier", c.score.Tier)
		c.startSequence(ctx)
	}
}

// timed reports whether a step waits on a timer: reminders and messages do; call tasks are the
// rep's, done by their outcome.
func (st Step) timed() bool {
	return st.Status == lead.FollowupPending && !st.Waiting && st.Spec.Kind != policy.StepCallTask
}

// promiseDeadline is the next moment a promise needs the workflow: a step falling due or the SLA
// clock (or a page's acknowledgement) running out. ok is false when nothing is scheduled.
func (c *conversation) promiseDeadline() (at time.Time, run func(workflow.Context), ok bool) {
	p := &c.prom
	if !p.On || c.leadID == "" {
		return time.Time{}, nil, false
	}
	for i, st := range p.Steps {
		if st.timed() && (!ok || st.DueAt.Before(at)) {
			i := i
			at, run, ok = st.DueAt, func(ctx workflow.Context) { c.runStep(ctx, i) }, true
		}
	}
	if due := c.slaDeadline(); !due.IsZero() && (!ok || due.Before(at)) {
		at, run, ok = due, c.slaMissed, true
	}
	return at, run, ok
}

// slaDeadline is when the SLA next needs action: the page's acknowledgement deadline while a rep
// is paged, else the first-touch deadline; zero when no clock runs.
func (c *conversation) slaDeadline() time.Time {
	s := &c.prom.SLA
	switch {
	case c.touched || c.status.Closed() || c.assignment == nil:
		return time.Time{}
	case s.PagedRep != "":
		return s.AckBy
	}
	return s.Due
}

// lastStepDue is the latest due time of a pending step: the lead is not idle before it.
func (c *conversation) lastStepDue() time.Time {
	var last time.Time
	for _, st := range c.prom.Steps {
		if st.timed() && st.DueAt.After(last) {
			last = st.DueAt
		}
	}
	return last
}

// runStep carries out a step that fell due.
func (c *conversation) runStep(ctx workflow.Context, i int) {
	st := &c.prom.Steps[i]
	c.prom.Unsaved = true
	if slices.Contains(st.Spec.Unless, c.status) {
		st.Status, st.Reason = lead.FollowupCancelled, string(c.status)
		return
	}
	switch st.Spec.Kind {
	case policy.StepRepReminder:
		if err := workflow.ExecuteActivity(withOptions(ctx, notifyOptions()), a.NotifyRep, activities.NotifyInput{
			LeadID: c.leadID, RepID: c.assignment.RepID, Kind: activities.NotifyReminder, Key: "step-" + st.ID,
		}).Get(ctx, nil); err != nil {
			c.logger.Warn("Reminder not delivered beyond the rep's inbox", "Step", st.ID, "Error", err)
		}
		st.Status = lead.FollowupSent
	case policy.StepCustomerMessage:
		if c.prom.OptedOut || c.prom.OptOutHeard {
			st.Status, st.Reason = lead.FollowupCancelled, activities.ReasonOptedOut
			return
		}
		var res activities.SendResult
		if err := workflow.ExecuteActivity(withOptions(ctx, notifyOptions()), a.SendCustomerMessage, c.sendInput(*st)).Get(ctx, &res); err != nil {
			c.logger.Warn("Customer message not sent", "Step", st.ID, "Error", err)
			st.Status, st.Reason = lead.FollowupCancelled, "delivery_failed"
			return
		}
		if res.DeferUntil != nil { // the customer's quiet hours
			st.DueAt = *res.DeferUntil
			return
		}
		st.Status, st.Reason, st.Channel = res.Status, res.Reason, string(res.Channel)
	}
}

// sendInput is a customer message step with what the activity needs to pick a channel.
func (c *conversation) sendInput(st Step) activities.SendInput {
	in := activities.SendInput{LeadID: c.leadID, ContactID: c.contact.ContactID, StepID: st.ID, Template: st.Spec.Template,
		Channel: st.Spec.Channel, ConversationChannel: c.channel(), Language: value(c.fields.Language),
		FirstName: firstName(value(c.fields.FullName)), Reach: c.reach(), LastInbound: c.prom.LastInbound, Country: c.country()}
	for _, m := range c.messages {
		if m.Context != nil && m.Context.Timezone != nil {
			in.Timezone = *m.Context.Timezone
		}
	}
	return in
}

func firstName(full string) string {
	if f := strings.Fields(full); len(f) > 0 {
		return f[0]
	}
	return ""
}

// reach is where the customer can be written to, per channel: what the channels vouched for, and
// the phone and e-mail they gave.
func (c *conversation) reach() map[lead.Channel]string {
	r := map[lead.Channel]string{}
	for _, m := range c.messages {
		if m.Role != lead.RoleCustomer || m.Sender == nil || m.Sender.ExternalID == nil {
			continue
		}
		switch m.Channel {
		case lead.ChannelWhatsApp, lead.ChannelTelegram:
			r[m.Channel] = *m.Sender.ExternalID
		case lead.ChannelEmail:
			if m.Sender.Email != nil {
				r[m.Channel] = *m.Sender.Email
			}
		}
	}
	if phone := value(c.fields.Phone); phone != "" && r[lead.ChannelWhatsApp] == "" {
		r[lead.ChannelWhatsApp] = phone
	}
	if email := value(c.fields.Email); email != "" && r[lead.ChannelEmail] == "" {
		r[lead.ChannelEmail] = email
	}
	if c.channel() == lead.ChannelWeb {
		r[lead.ChannelWeb] = c.id // the chatbot gateway writes into its own conversation
	}
	return r
}

// slaMissed runs the escalation chain one step: a hot lead pages the team's on-call rep first and
// waits for an acknowledgement; then the rep and the team's manager are told, and the lead goes
// to the next eligible rep through the routing engine, at most the policy's number of times.
func (c *conversation) slaMissed(ctx workflow.Context) {
	s, plan := &c.prom.SLA, c.prom.Plan
	now := workflow.Now(ctx)
	c.prom.Unsaved = true
	if !s.Breached {
		s.Breached, c.slaBreached = true, true
		c.publish(ctx)
	}
	if s.PagedRep == "" && s.PagedLevel <= s.Level && c.score.Tier == lead.TierHot && plan != nil && plan.AckWait > 0 {
		s.PagedLevel = s.Level + 1
		var paged activities.PageResult
		if err := workflow.ExecuteActivity(withOptions(ctx, notifyOptions()), a.PageOnCall, activities.PageInput{
			LeadID: c.leadID, TeamID: c.assignment.TeamID, Level: s.Level,
		}).Get(ctx, &paged); err != nil {
			c.logger.Warn("The on-call rep was not paged; going up the chain", "Error", err)
		}
		if paged.RepID != "" {
			s.PagedRep, s.AckBy = paged.RepID, now.Add(plan.AckWait)
			s.Escalations = append(s.Escalations, lead.Escalation{At: now, RepID: paged.RepID, Reason: escalationPaged})
			c.logger.Info("First touch overdue; on-call rep paged", "RepID", paged.RepID, "AckBy", s.AckBy)
			return
		}
	}
	owner := c.assignment.RepID
	c.logger.Info("First touch overdue; escalating", "RepID", owner, "Level", s.Level)
	var esc activities.EscalateResult
	if err := workflow.ExecuteActivity(withOptions(ctx, notifyOptions()), a.EscalateFirstTouch, activities.EscalateInput{
		LeadID: c.leadID, RepID: owner, TeamID: c.assignment.TeamID, DueAt: s.Due, Level: s.Level, Prior: s.Escalations,
	}).Get(ctx, &esc); err != nil {
		c.logger.Error("Escalation failed", "Error", err)
	} else {
		s.Escalations = esc.Escalations
	}
	s.Level++
	s.PagedRep, s.AckBy = "", time.Time{}
	if plan != nil && s.Reassignments < plan.MaxReassignments {
		var route activities.RouteResult
		err := workflow.ExecuteActivity(withOptions(ctx, storeOptions()), a.ReassignLead, activities.ReassignInput{
			LeadID: c.leadID, Reason: "first_touch_sla", FromRepID: owner, Tier: c.score.Tier, WithSLA: true,
		}).Get(ctx, &route)
		if err == nil && route.Assignment != nil && route.Assignment.RepID != owner {
			s.Reassignments++
			c.reassignments++
			c.assignment = route.Assignment
			s.Due = c.firstTouchDue(route)
			s.Escalations = append(s.Escalations, lead.Escalation{At: now, RepID: route.Assignment.RepID, Reason: escalationReassigned})
			workflow.SetCurrentDetails(ctx, assignmentDetails(route.Assignment))
			c.notifyNewOwner(ctx, "sla-"+strconv.Itoa(s.Level))
			c.publish(ctx)
			return
		}
		if err != nil {
			c.logger.Warn("The lead could not be reassigned", "Error", err)
		}
	}
	s.Due = time.Time{} // the chain has run out: the manager knows, the rep keeps the lead
	s.Escalations = append(s.Escalations, lead.Escalation{At: now, RepID: owner, Reason: escalationChainEnded})
}

// firstTouchDue is the new owner's deadline from a routing answer; runs whose routing answered
// without one fall back to the conversation's first follow-up delay.
func (c *conversation) firstTouchDue(route activities.RouteResult) time.Time {
	if route.FirstTouchDue != nil {
		return *route.FirstTouchDue
	}
	return route.Assignment.AssignedAt.Add(c.settings.FirstFollowupDelay)
}

// notifyNewOwner tells the lead's new rep; key makes it once per move.
func (c *conversation) notifyNewOwner(ctx workflow.Context, key string) {
	if err := workflow.ExecuteActivity(withOptions(ctx, notifyOptions()), a.NotifyRep, activities.NotifyInput{
		LeadID: c.leadID, RepID: c.assignment.RepID, Kind: activities.NotifyNewLead, Key: "reassigned-" + key,
	}).Get(ctx, nil); err != nil {
		c.logger.Warn("Rep notification failed", "Error", err)
	}
}

// heard updates the promises for a customer message: its channel's window, and an opt-out.
func (c *conversation) heard(now time.Time, m lead.Message) {
	if m.Role != lead.RoleCustomer {
		return
	}
	if c.prom.LastInbound == nil {
		c.prom.LastInbound = map[lead.Channel]time.Time{}
	}
	c.prom.LastInbound[m.Channel] = now
	if consent.IsOptOut(m.Text) {
		c.prom.OptOutHeard = true
	}
}

// optOutPending reports whether an opt-out was heard and is not recorded yet.
func (c *conversation) optOutPending() bool {
	return c.prom.On && c.prom.OptOutHeard && !c.prom.OptedOut && c.leadID != ""
}

// recordOptOut makes the opt-out final: on the contact, and for every pending message. When the
// contact cannot be written the run still sends nothing more; only later leads of the person miss
// the record, and the error says so.
func (c *conversation) recordOptOut(ctx workflow.Context) error {
	err := workflow.ExecuteActivity(withOptions(ctx, storeOptions()), a.RecordOptOut, activities.OptOutInput{
		LeadID: c.leadID, At: workflow.Now(ctx),
	}).Get(ctx, nil)
	c.prom.OptedOut = true
	c.cancelSteps(workflow.Now(ctx), func(st Step) bool { return st.Spec.Kind == policy.StepCustomerMessage }, activities.ReasonOptedOut)
	c.logger.Info("The customer opted out; no more messages")
	return err
}

// savePromises mirrors the steps and the SLA to the built-in CRM.
func (c *conversation) savePromises(ctx workflow.Context) error {
	in := activities.SaveFollowupsInput{LeadID: c.leadID, Steps: c.followups(), SLA: c.slaDocument()}
	if c.assignment != nil {
		in.RepID = c.assignment.RepID
	}
	if err := workflow.ExecuteActivity(withOptions(ctx, storeOptions()), a.SaveFollowups, in).Get(ctx, nil); err != nil {
		return fmt.Errorf("save follow-ups: %w", err)
	}
	c.prom.Unsaved = false
	return nil
}

// followups are the steps as Lead.followups shows them; waiting steps show their trigger's
// earliest moment as unknown (the zero time is not shown: they are left out until triggered).
func (c *conversation) followups() []lead.Followup {
	out := make([]lead.Followup, 0, len(c.prom.Steps))
	for _, st := range c.prom.Steps {
		if st.Waiting {
			continue
		}
		out = append(out, st.Followup)
	}
	return out
}

// slaDocument is the SLA as Lead.sla shows it.
func (c *conversation) slaDocument() *lead.SLA {
	s := c.prom.SLA
	doc := &lead.SLA{FirstTouchDueAt: s.FirstDue, Breached: s.Breached, Escalations: slices.Clone(s.Escalations)}
	if !s.Due.IsZero() {
		due := s.Due
		doc.FirstTouchDueAt = &due
	}
	if doc.Escalations == nil {
		doc.Escalations = []lead.Escalation{}
	}
	return doc
}

// applyOutcome moves the promises on a rep's outcome: a touch ends the SLA clock and completes the
// call tasks; the first no_answer starts the steps waiting for it; a snooze moves every timer that
// falls before it to the snooze's end; a closing outcome cancels everything pending.
func (c *conversation) applyOutcome(now time.Time, note lead.OutcomeNote, next lead.Status) {
	p := &c.prom
	if !p.On {
		return
	}
	p.Unsaved = true
	switch {
	case next.Closed():
		c.cancelSteps(now, func(Step) bool { return true }, activities.ReasonClosed)
		return
	case note.Outcome == lead.OutcomeSnooze && note.SnoozeUntil != nil:
		until := *note.SnoozeUntil
		for i := range p.Steps {
			if st := &p.Steps[i]; st.Status == lead.FollowupPending && !st.Waiting && st.DueAt.Before(until) {
				st.DueAt = until
			}
		}
		if !p.SLA.Due.IsZero() && p.SLA.Due.Before(until) {
			p.SLA.Due = until
		}
		if p.SLA.PagedRep != "" && p.SLA.AckBy.Before(until) {
			p.SLA.AckBy = until
		}
		return
	case note.Outcome == lead.OutcomeNoAnswer && p.NoAnswerAt == nil:
		p.NoAnswerAt = &now
		for i := range p.Steps {
			if st := &p.Steps[i]; st.Waiting && st.Status == lead.FollowupPending {
				st.Waiting, st.DueAt = false, now.Add(time.Duration(st.Spec.After))
			}
		}
	}
	if note.Outcome != lead.OutcomeSnooze && note.Outcome != lead.OutcomeReopen {
		for i := range p.Steps {
			if st := &p.Steps[i]; st.Status == lead.FollowupPending && st.Spec.Kind == policy.StepCallTask {
				st.Status = lead.FollowupDone
			}
		}
		p.SLA.Due, p.SLA.PagedRep, p.SLA.AckBy = time.Time{}, "", time.Time{}
	}
}

func (c *conversation) validateAcknowledge(_ workflow.Context, in AcknowledgeInput) error {
	switch s := c.prom.SLA; {
	case s.PagedRep == "" || c.status.Closed():
		return temporal.NewApplicationError("nobody is paged about this lead", ErrTypeNotPaged)
	case in.RepID != s.PagedRep && !in.ByAdmin:
		return temporal.NewApplicationError("only the paged rep or an admin may acknowledge the page", ErrTypeNotAssignedRep)
	}
	return nil
}

// acknowledge is the paged on-call rep answering: the lead moves to them (unless they hold it),
// with a new first-touch deadline, and the escalation stops there.
func (c *conversation) acknowledge(ctx workflow.Context, in AcknowledgeInput) (AcknowledgeResult, error) {
	if err := c.outcomeLock.Lock(ctx); err != nil {
		return AcknowledgeResult{}, err
	}
	defer c.outcomeLock.Unlock()
	if err := c.validateAcknowledge(ctx, in); err != nil { // the page may have lapsed while this waited
		return AcknowledgeResult{}, err
	}
	s := &c.prom.SLA
	var route activities.RouteResult
	if err := workflow.ExecuteActivity(withOptions(ctx, storeOptions()), a.TakeOverLead, activities.TakeOverInput{
		LeadID: c.leadID, FromRepID: c.assignment.RepID, ToRepID: s.PagedRep, Tier: c.score.Tier,
	}).Get(ctx, &route); err != nil {
		return AcknowledgeResult{}, err
	}
	now := workflow.Now(ctx)
	moved := route.Assignment.RepID != c.assignment.RepID
	s.Escalations = append(s.Escalations, lead.Escalation{At: now, RepID: s.PagedRep, Reason: escalationAcknowledged})
	c.assignment, s.Due, s.PagedRep, s.AckBy = route.Assignment, c.firstTouchDue(route), "", time.Time{}
	s.Level++
	c.prom.Unsaved = true
	if moved {
		c.reassignments++
		workflow.SetCurrentDetails(ctx, assignmentDetails(c.assignment))
		c.publish(ctx)
	}
	return AcknowledgeResult{Assignment: *c.assignment, FirstTouchDue: s.Due}, nil
}

// promisedRep is the rep a reassignment takes the lead from, named so that a retried activity
// does not move it twice; "" for runs before promises, whose reassignment named nobody.
func (c *conversation) promisedRep() string {
	if c.prom.On && c.assignment != nil {
		return c.assignment.RepID
	}
	return ""
}
