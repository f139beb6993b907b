package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/activities/scoring"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/metrics"
	"github.com/leadflow/leadflow/internal/store"
)

// a is the typed nil through which the workflow names its activities; the worker registers the
// real instance.
var a *activities.Activities

// Conversation is one chatbot conversation becoming one followed-up lead. It collects messages
// (deduplicated by message_id), processes them on close or after a quiet period, waits for contact
// data when there is none, writes and routes the lead, races the rep's first touch against a timer,
// and takes the rep's outcomes until the lead closes or goes idle.
func Conversation(ctx workflow.Context, in *ConversationInput) (*ConversationResult, error) {
	c, err := newConversation(ctx, in)
	if err != nil {
		return nil, err
	}
	return c.run(ctx)
}

type conversation struct {
	id       string
	settings Settings
	revision int
	logger   log.Logger

	status          lead.Status
	messages        []lead.Message
	seen            map[string]bool
	processed       int  // messages already processed
	saved           int  // messages already in the CRM transcript
	closeRequested  bool // the chatbot closed the conversation; process without waiting
	reprocess       bool // process again although no message is new (a retry)
	retryAt         time.Time
	failures        int // consecutive failed processings
	lastActivity    time.Time
	needsContactAt  time.Time
	lastCustomerAt  time.Time // the customer's latest message: silence is counted from here
	silences        int       // decay periods passed since then (RevisionPolicy)
	reengagements   int       // returns after a silence of the policy's length (RevisionPolicy)
	queuedEscalated bool      // the queue's manager was told the lead waits
	reassignments   int       // times the lead was taken from its rep

	fields     lead.Fields
	facts      lead.TextFacts
	extractor  string      // "rules", or "llm+rules" once a model's reading was fused in
	llmTokens  int         // what the model cost this conversation so far
	enrichment *enrichment // a model's late reading, waiting for the main loop to apply it
	preread    *enrichment // a model's reading to process instead of extracting again (set by enrich)
	modelRead  int         // c.processed when the model's reading now in c.fields was asked for
	modelAsked int         // c.processed when the model was last asked (its answer may still be on the way)
	leadID     string      // set once the lead exists in the CRM
	contact    activities.MatchResult
	score      scoring.Result
	assignment *lead.Assignment
	timings    lead.Timings

	touched     bool // a rep reported an outcome other than snooze
	slaBreached bool
	prom        Promises                       // follow-up sequences, the SLA chain and consent (promises.go)
	visible     visibleState                   // the search attributes as last set
	outcomes    map[string]RecordOutcomeResult // answers by idempotency key
	outcomeLock workflow.Mutex
	crm         crmSyncs // the lead's syncs to external CRMs (crmsync.go)

	closeSignals workflow.ReceiveChannel
	modelReading bool // a model's late reading is on its way (a coroutine waits for it)
	runs         int  // runs of this conversation before this one (continue-as-new)
}

func newConversation(ctx workflow.Context, in *ConversationInput) (*conversation, error) {
	if in == nil || in.ConversationID == "" {
		return nil, temporal.NewNonRetryableApplicationError("conversation id is required", ErrTypeInvalidMessage, nil)
	}
	c := &conversation{
		id:           in.ConversationID,
		settings:     withDefaults(in.Settings),
		revision:     in.Revision,
		visible:      startedVisible(ctx),
		logger:       log.With(workflow.GetLogger(ctx), "ConversationID", in.ConversationID),
		status:       lead.StatusCollecting,
		seen:         map[string]bool{},
		outcomes:     map[string]RecordOutcomeResult{},
		outcomeLock:  workflow.NewMutex(ctx),
		lastActivity: workflow.Now(ctx),
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, c.state); err != nil {
		return nil, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAddMessage, c.addMessage,
		workflow.UpdateHandlerOptions{Validator: c.validateMessage}); err != nil {
		return nil, err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateClose, c.close); err != nil {
		return nil, err
	}
	closeSignals := workflow.GetSignalChannel(ctx, SignalClose)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var in CloseInput
			closeSignals.Receive(ctx, &in) // a malformed body still means "closed"
			_, _ = c.close(ctx, in)
		}
	})
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateRecordOutcome, c.recordOutcome,
		workflow.UpdateHandlerOptions{Validator: c.validateOutcome}); err != nil {
		return nil, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateReassign, c.reassign,
		workflow.UpdateHandlerOptions{Validator: c.validateReassign}); err != nil {
		return nil, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAcknowledge, c.acknowledge,
		workflow.UpdateHandlerOptions{Validator: c.validateAcknowledge}); err != nil {
		return nil, err
	}
	c.closeSignals = closeSignals
	if in.Carried != nil {
		c.restore(in.Carried)
	}
	return c, nil
}

func withDefaults(s Settings) Settings {
	d := DefaultSettings()
	if s.QuietPeriod <= 0 {
		s.QuietPeriod = d.QuietPeriod
	}
	if s.ContactWait <= 0 {
		s.ContactWait = d.ContactWait
	}
	if s.FirstFollowupDelay <= 0 {
		s.FirstFollowupDelay = d.FirstFollowupDelay
	}
	if s.RouteRetry <= 0 {
		s.RouteRetry = d.RouteRetry
	}
	if s.LeadIdle <= 0 {
		s.LeadIdle = d.LeadIdle
	}
	if s.HistoryLimit <= 0 {
		s.HistoryLimit = d.HistoryLimit
	}
	return s
}

func (c *conversation) run(ctx workflow.Context) (*ConversationResult, error) {
	for {
		if c.enrichment != nil {
			if err := c.enrich(ctx); err != nil {
				c.logger.Warn("The model's reading was not written; the rules' reading stands", "Error", err)
			}
			continue
		}
		if c.optOutPending() {
			if err := c.recordOptOut(ctx); err != nil {
				c.logger.Error("The opt-out was not recorded on the contact", "Error", err)
			}
			continue
		}
		// Before settling: an opt-out or an outcome is in the CRM at once, not after the quiet period.
		if c.prom.Unsaved && c.leadID != "" {
			if err := c.savePromises(ctx); err != nil {
				c.logger.Error("Follow-ups not written; the next change writes them all again", "Error", err)
				c.prom.Unsaved = false
			}
			continue
		}
		if c.pending() {
			c.settle(ctx)
			if err := c.process(ctx); err != nil {
				// Activities already retried; keep the conversation and try again later rather
				// than lose it, backing off so a lasting outage does not flood the history.
				c.failures++
				delay := min(c.settings.RouteRetry<<min(c.failures-1, 10), maxProcessingBackoff)
				c.logger.Error("Processing failed; will retry", "Error", err, "RetryIn", delay)
				c.retryAt = workflow.Now(ctx).Add(delay)
				if c.revision >= RevisionLean {
					c.publish(ctx) // a lasting "processing" is for support staff to see
				}
			} else {
				c.failures = 0
			}
			continue
		}
		if c.continueAsNew(ctx) {
			return nil, c.continuation(ctx)
		}
		if c.status.Closed() && !c.lingers() {
			// Let in-flight updates finish; a message that slipped in reopens processing.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return nil, err
			}
			if !c.pending() {
				break
			}
			continue
		}
		wait, onTimeout := c.nextDeadline(ctx)
		arrived, err := workflow.AwaitWithTimeout(ctx, wait, func() bool {
			return c.pending() || (c.status.Closed() && !c.lingers()) || c.enrichment != nil || c.optOutPending() ||
				(c.prom.Unsaved && c.leadID != "")
		})
		if err != nil {
			return nil, err
		}
		if !arrived && onTimeout(ctx) {
			break
		}
	}
	// No external CRM write is abandoned: the run ends when every sync has.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && c.crmIdle() }); err != nil {
		return nil, err
	}
	return &ConversationResult{Status: c.status, LeadID: c.leadID}, nil
}

// pending reports whether there is something to process.
func (c *conversation) pending() bool { return len(c.messages) > c.processed || c.reprocess }

// maxProcessingBackoff caps the wait between failed processings.
const maxProcessingBackoff = 6 * time.Hour

// nextDeadline says how long to wait for news in the current status, and what to do when none
// comes; onTimeout returns true when the workflow is done.
func (c *conversation) nextDeadline(ctx workflow.Context) (time.Duration, func(workflow.Context) bool) {
	wait, onTimeout := c.statusDeadline(ctx)
	now := workflow.Now(ctx)
	if at, run, ok := c.promiseDeadline(); ok && !at.After(now.Add(wait)) {
		return until(now, at), func(ctx workflow.Context) bool {
			run(ctx)
			return false
		}
	}
	return wait, onTimeout
}

// statusDeadline is nextDeadline without the promises.
func (c *conversation) statusDeadline(ctx workflow.Context) (time.Duration, func(workflow.Context) bool) {
	now := workflow.Now(ctx)
	switch {
	case c.status == lead.StatusNeedsContact:
		return until(now, c.needsContactAt.Add(c.settings.ContactWait)), func(ctx workflow.Context) bool {
			c.logger.Info("No contact data arrived in time")
			c.setStatus(ctx, lead.StatusNoLead)
			return false // the loop ends once handlers finish
		}
	case !c.retryAt.IsZero() && c.retryAt.Before(c.lastActivity.Add(c.settings.LeadIdle)):
		return until(now, c.retryAt), func(workflow.Context) bool {
			c.reprocess = true
			return false
		}
	case c.decays():
		if at := c.nextDecay(); at.Before(c.lastActivity.Add(c.settings.LeadIdle)) {
			return until(now, at), func(ctx workflow.Context) bool {
				c.silences++
				if err := c.rescore(ctx); err != nil {
					c.logger.Warn("The decayed score was not written", "Error", err)
				}
				return false
			}
		}
	}
	// Nothing scheduled, or retrying would outlast the idle limit: the conversation ends when idle,
	// and not before its last follow-up step.
	idle := c.lastActivity.Add(c.settings.LeadIdle)
	if last := c.lastStepDue(); last.After(idle) {
		idle = last
	}
	return until(now, idle), func(workflow.Context) bool {
		c.logger.Info("Lead idle; completing", "Status", c.status)
		return true
	}
}

func until(now, t time.Time) time.Duration {
	if d := t.Sub(now); d > time.Second {
		return d
	}
	return time.Second
}

// settle waits for the quiet period after the latest message, unless the chatbot closed the
// conversation or this is a retry with nothing new.
func (c *conversation) settle(ctx workflow.Context) {
	if c.revision < RevisionLean {
		c.settleTimerPerMessage(ctx)
		return
	}
	// One timer at a time: a message that arrives moves the deadline without touching the timer
	// (cancelling and starting one per message cost two events each); when the timer fires, a new
	// one covers whatever is left of the quiet period.
	for len(c.messages) > c.processed && !c.closeRequested {
		left := c.lastActivity.Add(c.settings.QuietPeriod).Sub(workflow.Now(ctx))
		if left <= 0 {
			break
		}
		timerCtx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(timerCtx, left)
		err := workflow.Await(ctx, func() bool { return timer.IsReady() || c.closeRequested })
		if !timer.IsReady() {
			cancel()
		}
		if err != nil {
			break
		}
	}
	c.closeRequested = false
}

// settleTimerPerMessage is RevisionInitial's settle, kept for the runs that started with it.
func (c *conversation) settleTimerPerMessage(ctx workflow.Context) {
	for len(c.messages) > c.processed && !c.closeRequested {
		n := len(c.messages)
		news, err := workflow.AwaitWithTimeout(ctx, c.settings.QuietPeriod, func() bool {
			return len(c.messages) != n || c.closeRequested
		})
		if err != nil || !news {
			break
		}
	}
	c.closeRequested = false
}

// process runs the pipeline over everything said so far: Extract → Match → Score → Route →
// WriteCRM → Notify. Every step is idempotent by lead id, so processing again after new messages
// updates the same lead.
func (c *conversation) process(ctx workflow.Context) error {
	c.processed, c.reprocess, c.retryAt = len(c.messages), false, time.Time{}
	now := workflow.Now(ctx)
	if c.timings.ProcessingStartedAt == nil {
		c.timings.ProcessingStartedAt = &now
	}
	if c.leadID == "" {
		if c.revision < RevisionLean {
			c.setStatus(ctx, lead.StatusProcessing)
		} else {
			c.status = lead.StatusProcessing // published if it lasts: see run and the end of process
		}
	}

	if err := c.read(ctx); err != nil {
		return err
	}
	if c.leadID == "" {
		switch {
		case c.fields.IsSpam():
			c.logger.Info("Conversation is spam; no lead")
			c.setStatus(ctx, lead.StatusNoLead)
			return nil
		case !c.fields.Reachable():
			if c.status != lead.StatusNeedsContact {
				c.needsContactAt = now
			}
			c.setStatus(ctx, lead.StatusNeedsContact)
			return nil
		}
	}

	leadID := LeadID(c.id)
	if err := workflow.ExecuteActivity(withOptions(ctx, storeOptions()), a.MatchContact, c.matchInput(leadID)).Get(ctx, &c.contact); err != nil {
		return fmt.Errorf("match: %w", err)
	}
	if err := c.scoreLead(ctx); err != nil {
		return err
	}
	newlyAssigned := false
	var route activities.RouteResult
	if c.assignment == nil {
		if err := workflow.ExecuteActivity(withOptions(ctx, storeOptions()), a.RouteLead, activities.RouteInput{
			LeadID: leadID, ContactID: c.contact.ContactID, Language: value(c.fields.Language), Country: c.country(),
			Products: list(c.fields.ProductInterest), Tier: c.score.Tier, WithSLA: c.keepsPromises(ctx),
		}).Get(ctx, &route); err != nil {
			return fmt.Errorf("route: %w", err)
		}
		if route.Assignment != nil {
			c.assignment, newlyAssigned = route.Assignment, true
			at := route.Assignment.AssignedAt
			c.timings.AssignedAt = &at
			c.recordSpeed(ctx, metrics.PartSystem, c.timings.FirstMessageAt, &at)
			if c.revision >= RevisionPolicy {
				workflow.SetCurrentDetails(ctx, assignmentDetails(route.Assignment))
			}
		}
	}

	status := lead.StatusProcessing
	var firstTouchDue *time.Time
	if c.assignment != nil {
		status = lead.StatusAssigned
		due := c.assignment.AssignedAt.Add(c.settings.FirstFollowupDelay)
		if c.prom.On {
			if newlyAssigned {
				c.startPromises(ctx, c.firstTouchDue(route))
			}
			due = c.prom.SLA.Due
		}
		firstTouchDue = &due
	}
	if c.status.Closed() || c.status == lead.StatusContacted || c.status == lead.StatusQualified {
		status = c.status // a rep already moved the lead on; the CRM keeps that too
	}
	if err := c.writeCRM(ctx, leadID, status, firstTouchDue); err != nil {
		return err
	}

	if c.assignment == nil {
		c.logger.Warn("No rep can take the lead now; routing again later", "Reason", route.NotAssigned, "RetryIn", c.settings.RouteRetry)
		c.retryAt = workflow.Now(ctx).Add(c.settings.RouteRetry)
		if route.QueueTeamID != "" {
			c.escalateQueued(ctx, leadID, route)
		}
		return nil
	}
	if newlyAssigned {
		if err := workflow.ExecuteActivity(withOptions(ctx, notifyOptions()), a.NotifyRep, activities.NotifyInput{
			LeadID: leadID, RepID: c.assignment.RepID, Kind: activities.NotifyNewLead, Key: "new-lead",
		}).Get(ctx, nil); err != nil {
			// The lead is assigned and in the CRM; a rep webhook that refuses does not undo that.
			c.logger.Warn("Rep notification failed", "Error", err)
		}
		if c.status == lead.StatusAssigned && !c.prom.On {
			workflow.Go(ctx, func(ctx workflow.Context) { c.watchFirstTouch(ctx, *firstTouchDue) })
		}
	}
	return nil
}

// writeCRM writes the lead as the workflow knows it, with the messages not saved yet.
func (c *conversation) writeCRM(ctx workflow.Context, leadID string, status lead.Status, firstTouchDue *time.Time) error {
	var written activities.WriteCRMResult
	rec := store.LeadRecord{
		LeadID: leadID, ConversationID: c.id, WorkflowID: ConversationWorkflowID(c.id), ContactID: c.contact.ContactID,
		Status: status, Channel: c.channel(), Fields: c.fields, Score: c.score.Score, Tier: c.score.Tier,
		ScoreBreakdown: c.score.Breakdown, PolicyVersion: c.score.PolicyVersion, ScoreContext: c.scoreContext(), Country: c.country(), Assignment: c.assignment, FirstTouchDue: firstTouchDue, Timings: c.timings,
		Messages: c.messages[c.saved:c.processed], Extractor: c.extractor, LLMTokens: c.llmTokens,
	}
	unsaved := c.prom.On && c.assignment != nil
	if unsaved {
		rec.SLA, rec.FirstTouchDue = c.slaDocument(), nil
		if c.prom.Unsaved {
			rec.Followups = c.followups()
		}
	}
	if err := workflow.ExecuteActivity(withOptions(ctx, storeOptions()), a.WriteCRM, activities.WriteCRMInput{Lead: rec}).Get(ctx, &written); err != nil {
		return fmt.Errorf("write crm: %w", err)
	}
	if unsaved {
		c.prom.Unsaved = false
	}
	c.leadID, c.saved = leadID, c.processed
	if c.timings.CRMWrittenAt == nil {
		c.timings.CRMWrittenAt = &written.CRMWrittenAt
	}
	c.setStatus(ctx, written.Status)
	c.syncCRMs(ctx, written.External)
	return nil
}

// read sets c.fields from the conversation: the rules' reading, enriched by the model when one is
// configured and answers within its wait. A model that answers later enriches the lead then
// (enrich); one that fails leaves the rules' reading, so a model outage never holds a lead back.
func (c *conversation) read(ctx workflow.Context) error {
	if p := c.preread; p != nil {
		c.preread = nil
		if p.batch == c.processed { // no message came in since: the model read everything
			c.fields, c.modelRead = p.fields, p.batch
			return nil
		}
	}
	if c.modelRead == c.processed {
		return nil // nothing new since the model read it all (a routing retry): keep its reading
	}
	var ex activities.ExtractResult
	if err := workflow.ExecuteActivity(withOptions(ctx, extractOptions()), a.ExtractLead, c.extractInput()).Get(ctx, &ex); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	c.fields, c.facts = ex.Fields, ex.Facts
	if c.extractor == "" {
		c.extractor = extractorRules
	}
	if !ex.LLM || c.modelAsked == c.processed {
		return nil // no model, or it is already reading these messages (a routing retry while it is slow)
	}
	batch := c.processed
	c.modelAsked = batch
	model := workflow.ExecuteActivity(withOptions(ctx, llmOptions()), a.ExtractWithLLM, c.extractInput())
	if ex.LLMWait > 0 {
		timerCtx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(timerCtx, ex.LLMWait)
		workflow.NewSelector(ctx).AddFuture(model, func(workflow.Future) {}).AddFuture(timer, func(workflow.Future) {}).Select(ctx)
		if model.IsReady() {
			cancel()
			if r, ok := c.awaitModel(ctx, model); ok {
				c.fields, c.modelRead = r.Fields, batch
			}
			return nil
		}
	}
	c.logger.Info("The model is slow; the lead goes out on the rules' reading", "Waited", ex.LLMWait)
	c.modelReading = true
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { c.modelReading = false }()
		if r, ok := c.awaitModel(ctx, model); ok {
			c.enrichment = &enrichment{fields: r.Fields, batch: batch}
		}
	})
	return nil
}

// extractor names of ConversationState.
const (
	extractorRules = "rules"
	extractorLLM   = "llm+rules"
)

// enrichment is a model's reading that arrived after the lead went out.
type enrichment struct {
	fields lead.Fields
	batch  int // c.processed when it was asked for
}

// awaitModel waits for the model's answer and counts its cost; ok is false when it failed.
func (c *conversation) awaitModel(ctx workflow.Context, f workflow.Future) (activities.ExtractResult, bool) {
	var r activities.ExtractResult
	if err := f.Get(ctx, &r); err != nil {
		c.logger.Warn("The model could not read the conversation; the rules' reading stands", "Error", err)
		return r, false
	}
	if r.Usage != nil {
		c.llmTokens += r.Usage.PromptTokens + r.Usage.CompletionTokens
	}
	c.extractor = extractorLLM
	return r, true
}

// enrich applies a model's late reading: the lead is scored again and written again (same lead,
// idempotent by id; routing stands). A reading overtaken by newer messages is dropped, as those
// were read again. Without a lead yet (no contact data in the rules' reading), the conversation is
// processed again on the model's reading.
func (c *conversation) enrich(ctx workflow.Context) error {
	e := c.enrichment
	c.enrichment = nil
	if e.batch != c.processed || c.status.Closed() {
		return nil
	}
	if c.leadID == "" {
		if c.status == lead.StatusNeedsContact && e.fields.Reachable() && !e.fields.IsSpam() {
			c.preread, c.reprocess = e, true
		}
		return nil
	}
	c.fields, c.modelRead = e.fields, e.batch
	return c.rescore(ctx)
}

// rescore scores the lead again (a late reading, a silence) and writes it; routing stands.
func (c *conversation) rescore(ctx workflow.Context) error {
	if err := c.scoreLead(ctx); err != nil {
		return err
	}
	return c.writeCRM(ctx, c.leadID, c.status, nil)
}

// scoreLead scores what the conversation says under the worker's policy, with the silences and
// returns counted so far.
func (c *conversation) scoreLead(ctx workflow.Context) error {
	var r activities.ScoreResult
	if err := workflow.ExecuteLocalActivity(withLocalOptions(ctx), a.ScoreLead, scoring.Input{
		Fields: c.fields, ScoreContext: c.scoreContext(),
	}).Get(ctx, &r); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	c.score = r.Result
	c.followSequence(ctx, r.Plan)
	return nil
}

func (c *conversation) scoreContext() lead.ScoreContext {
	return lead.ScoreContext{Events: c.events(), Facts: c.facts, Silences: c.silences, Reengagements: c.reengagements}
}

// decays reports whether silence costs this lead points now: it exists, is still open, and the
// policy decays scores.
func (c *conversation) decays() bool {
	return c.revision >= RevisionPolicy && c.leadID != "" && !c.status.Closed() && c.score.DecayAfter > 0 &&
		c.score.Score > 0 && !c.lastCustomerAt.IsZero()
}

// nextDecay is when the current silence next costs points.
func (c *conversation) nextDecay() time.Time {
	return c.lastCustomerAt.Add(time.Duration(c.silences+1) * c.score.DecayAfter)
}

// escalateQueued tells the team's manager, once, that a lead waits in the team's queue for longer
// than the policy allows.
func (c *conversation) escalateQueued(ctx workflow.Context, leadID string, route activities.RouteResult) {
	if c.queuedEscalated || c.timings.ProcessingStartedAt == nil ||
		workflow.Now(ctx).Sub(*c.timings.ProcessingStartedAt) < route.QueueEscalateAfter {
		return
	}
	if err := workflow.ExecuteActivity(withOptions(ctx, notifyOptions()), a.EscalateQueuedLead, activities.QueueInput{
		LeadID: leadID, TeamID: route.QueueTeamID,
	}).Get(ctx, nil); err != nil {
		c.logger.Warn("The queue's manager was not told", "Error", err)
		return
	}
	c.queuedEscalated = true
}

// assignmentDetails is the routing decision as the Temporal UI shows it: ids and reasons only.
func assignmentDetails(as *lead.Assignment) string {
	var b strings.Builder
	b.WriteString("Assigned to " + as.RepID + " (team " + as.TeamID + ") by rule " + as.Rule)
	if as.PolicyVersion != "" {
		b.WriteString(", policy " + as.PolicyVersion)
	}
	for i, s := range as.Skipped {
		if i == 0 {
			b.WriteString("; skipped ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(s.RepID + " (" + s.Reason + ")")
	}
	return b.String()
}

// watchFirstTouch is the SLA: the rep's first call task falls due at due; if no outcome arrived by
// then, the rep is reminded and the team's manager told.
func (c *conversation) watchFirstTouch(ctx workflow.Context, due time.Time) {
	touched, err := workflow.AwaitWithTimeout(ctx, until(workflow.Now(ctx), due), func() bool {
		return c.touched || c.status.Closed()
	})
	if err != nil || touched {
		return
	}
	c.logger.Info("First touch overdue; escalating", "RepID", c.assignment.RepID)
	if err := workflow.ExecuteActivity(withOptions(ctx, notifyOptions()), a.EscalateFirstTouch, activities.EscalateInput{
		LeadID: c.leadID, RepID: c.assignment.RepID, TeamID: c.assignment.TeamID, DueAt: due,
	}).Get(ctx, nil); err != nil {
		c.logger.Error("Escalation failed", "Error", err)
	}
	c.slaBreached = true
	c.publish(ctx)
}

func (c *conversation) validateMessage(_ workflow.Context, in AddMessageInput) error {
	if err := lead.ValidateMessage(in.Message); err != nil {
		return temporal.NewApplicationError(err.Error(), ErrTypeInvalidMessage)
	}
	return nil
}

func (c *conversation) addMessage(ctx workflow.Context, in AddMessageInput) (AddMessageResult, error) {
	m := in.Message
	if c.seen[m.MessageID] {
		return AddMessageResult{Status: MessageDuplicate}, nil
	}
	c.seen[m.MessageID] = true
	c.messages = append(c.messages, m)
	now := workflow.Now(ctx)
	c.lastActivity = now
	if c.revision >= RevisionPolicy {
		c.heard(now, m)
	}
	if c.revision >= RevisionPolicy && m.Role == lead.RoleCustomer {
		if c.leadID != "" && c.score.ReengageAfter > 0 && now.Sub(c.lastCustomerAt) >= c.score.ReengageAfter {
			c.reengagements++ // scored with the new message, when it is processed
		}
		c.lastCustomerAt, c.silences = now, 0
	}
	if c.timings.FirstMessageAt == nil {
		c.timings.FirstMessageAt = &now
		c.publish(ctx)
	}
	return AddMessageResult{Status: MessageAccepted}, nil
}

func (c *conversation) close(_ workflow.Context, _ CloseInput) (CloseResult, error) {
	if len(c.messages) > c.processed {
		c.closeRequested = true
	}
	return CloseResult{Status: c.status}, nil
}

func (c *conversation) validateOutcome(ctx workflow.Context, in RecordOutcomeInput) error {
	if _, seen := c.outcomes[in.IdempotencyKey]; seen && in.IdempotencyKey != "" {
		return nil // answered again with the first answer
	}
	switch {
	case in.RepID == "":
		return temporal.NewApplicationError("rep_id is required", ErrTypeInvalidOutcome)
	case !in.Outcome.Valid():
		return temporal.NewApplicationError("outcome must be one of contacted, no_answer, qualified, unqualified, won, lost, snooze", ErrTypeInvalidOutcome)
	case in.Outcome == lead.OutcomeSnooze && (in.SnoozeUntil == nil || !in.SnoozeUntil.After(workflow.Now(ctx))):
		return temporal.NewApplicationError("snooze needs a snooze_until in the future", ErrTypeInvalidOutcome)
	case in.Outcome == lead.OutcomeSnooze && c.prom.On && c.prom.Plan != nil && c.prom.Plan.SnoozeMax > 0 &&
		in.SnoozeUntil.Sub(workflow.Now(ctx)) > c.prom.Plan.SnoozeMax:
		return temporal.NewApplicationError("snooze_until is further away than the policy allows ("+c.prom.Plan.SnoozeMax.String()+")", ErrTypeInvalidOutcome)
	case in.Outcome == lead.OutcomeReopen && !in.ByAdmin:
		return temporal.NewApplicationError("only an admin may reopen a lead", ErrTypeNotAssignedRep)
	case in.Outcome == lead.OutcomeReopen && !c.lingers():
		return temporal.NewApplicationError("this lead's run cannot reopen it", ErrTypeOutcomeNotAllowed)
	case c.assignment != nil && in.RepID != c.assignment.RepID && !in.ByAdmin:
		return temporal.NewApplicationError("only the assigned rep or an admin may report on this lead", ErrTypeNotAssignedRep)
	}
	if _, err := lead.Apply(c.status, in.Outcome); err != nil {
		return temporal.NewApplicationError(err.Error(), ErrTypeOutcomeNotAllowed)
	}
	return nil
}

func (c *conversation) recordOutcome(ctx workflow.Context, in RecordOutcomeInput) (RecordOutcomeResult, error) {
	// One outcome at a time: each one's transition is computed from the previous one's result.
	if err := c.outcomeLock.Lock(ctx); err != nil {
		return RecordOutcomeResult{}, err
	}
	defer c.outcomeLock.Unlock()
	if first, seen := c.outcomes[in.IdempotencyKey]; seen {
		first.Duplicate = true
		return first, nil
	}
	next, err := lead.Apply(c.status, in.Outcome)
	if err != nil { // the status moved while this update waited for the lock
		return RecordOutcomeResult{}, temporal.NewApplicationError(err.Error(), ErrTypeOutcomeNotAllowed)
	}
	note := lead.OutcomeNote{Outcome: in.Outcome, RepID: in.RepID, At: workflow.Now(ctx), Note: in.Note,
		Amount: in.Amount, Reason: in.Reason, SnoozeUntil: in.SnoozeUntil}
	if err := workflow.ExecuteActivity(withOptions(ctx, storeOptions()), a.RecordOutcome, activities.RecordOutcomeInput{
		LeadID: c.leadID, IdempotencyKey: in.IdempotencyKey, Note: note, NewStatus: next,
	}).Get(ctx, nil); err != nil {
		return RecordOutcomeResult{}, err
	}
	if in.Outcome != lead.OutcomeSnooze && in.Outcome != lead.OutcomeReopen {
		c.touched = true
		if c.timings.FirstTouchAt == nil {
			c.timings.FirstTouchAt = &note.At
			c.recordSpeed(ctx, metrics.PartHuman, c.timings.AssignedAt, &note.At)
			c.recordSpeed(ctx, metrics.PartTotal, c.timings.FirstMessageAt, &note.At)
		}
	}
	c.applyOutcome(note.At, note, next)
	c.lastActivity = note.At
	c.setStatus(ctx, next)
	c.syncCRMs(ctx, c.crm.names) // the outcome moves the lead's stage in every external CRM
	res := RecordOutcomeResult{Status: next}
	c.outcomes[in.IdempotencyKey] = res
	return res, nil
}

func (c *conversation) validateReassign(_ workflow.Context, _ ReassignInput) error {
	switch {
	case c.assignment == nil:
		return temporal.NewApplicationError("the lead is not assigned yet", ErrTypeNotAssigned)
	case c.status.Closed():
		return temporal.NewApplicationError("the lead is closed", ErrTypeOutcomeNotAllowed)
	}
	return nil
}

// reassign takes the lead from its rep through the routing engine (the rep is credited back in the
// rotation), tells the new rep, and writes the lead.
func (c *conversation) reassign(ctx workflow.Context, in ReassignInput) (ReassignResult, error) {
	if err := c.outcomeLock.Lock(ctx); err != nil { // not while an outcome is being recorded
		return ReassignResult{}, err
	}
	defer c.outcomeLock.Unlock()
	if err := c.validateReassign(ctx, in); err != nil {
		return ReassignResult{}, err
	}
	var route activities.RouteResult
	if err := workflow.ExecuteActivity(withOptions(ctx, storeOptions()), a.ReassignLead, activities.ReassignInput{
		LeadID: c.leadID, Reason: in.Reason, FromRepID: c.promisedRep(), Tier: c.score.Tier, WithSLA: c.prom.On,
	}).Get(ctx, &route); err != nil {
		return ReassignResult{}, err
	}
	if route.Assignment == nil {
		return ReassignResult{}, temporal.NewApplicationError("no other rep can take the lead now: "+route.NotAssigned, ErrTypeNoRepAvailable)
	}
	c.assignment, c.reassignments = route.Assignment, c.reassignments+1
	if c.prom.On && !c.touched { // the new rep owes the first touch, on their own clock
		c.prom.SLA.Due, c.prom.SLA.PagedRep, c.prom.SLA.AckBy = c.firstTouchDue(route), "", time.Time{}
		c.prom.Unsaved = true
	}
	workflow.SetCurrentDetails(ctx, assignmentDetails(route.Assignment))
	if err := workflow.ExecuteActivity(withOptions(ctx, notifyOptions()), a.NotifyRep, activities.NotifyInput{
		LeadID: c.leadID, RepID: c.assignment.RepID, Kind: activities.NotifyNewLead, Key: "reassigned-" + strconv.Itoa(c.reassignments),
	}).Get(ctx, nil); err != nil {
		c.logger.Warn("Rep notification failed", "Error", err)
	}
	if err := c.writeCRM(ctx, c.leadID, c.status, nil); err != nil {
		return ReassignResult{}, err
	}
	return ReassignResult{Assignment: *c.assignment}, nil
}

func (c *conversation) state() (ConversationState, error) {
	s := ConversationState{ConversationID: c.id, WorkflowID: ConversationWorkflowID(c.id), Status: c.status,
		MissingFields: []string{}, LeadID: c.leadID, Messages: len(c.messages), Extractor: c.extractor, LLMTokens: c.llmTokens}
	if c.status == lead.StatusNeedsContact || c.status == lead.StatusCollecting || c.status == lead.StatusProcessing {
		s.MissingFields = c.fields.MissingFields()
	}
	if c.assignment != nil {
		s.RepID, s.TeamID = c.assignment.RepID, c.assignment.TeamID
	}
	if c.leadID != "" {
		s.Score, s.Tier, s.PolicyVersion, s.Assignment = c.score.Score, c.score.Tier, c.score.PolicyVersion, c.assignment
	}
	if c.prom.On {
		s.Followups, s.OptedOut = c.followups(), c.prom.OptedOut || c.prom.OptOutHeard
		if c.assignment != nil {
			s.SLA = c.slaDocument()
		}
	}
	s.Runs = c.runs
	return s, nil
}

func (c *conversation) setStatus(ctx workflow.Context, s lead.Status) {
	if c.status != s {
		c.logger.Info("Status changed", "From", c.status, "To", s)
		c.status = s
	}
	c.publish(ctx)
}

// publish upserts the search attributes support staff filter on. Only ids and enums: no personal
// data. From RevisionLean on, nothing is upserted when nothing changed: each upsert is a history
// event and a visibility write.
func (c *conversation) publish(ctx workflow.Context) {
	now := c.visibleState()
	if c.revision >= RevisionLean && now == c.visible {
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		AttrLeadStatus.ValueSet(string(now.status)),
		AttrSLABreached.ValueSet(now.slaBreached),
	}
	if now.channel != "" {
		updates = append(updates, AttrChannel.ValueSet(string(now.channel)))
	}
	if now.hasLead {
		updates = append(updates, AttrLeadTier.ValueSet(string(now.tier)), AttrLeadScore.ValueSet(int64(now.score)))
	}
	if now.intent != "" {
		updates = append(updates, AttrIntent.ValueSet(now.intent))
	}
	if now.language != "" {
		updates = append(updates, AttrLanguage.ValueSet(now.language))
	}
	if now.teamID != "" {
		updates = append(updates, AttrTeamID.ValueSet(now.teamID), AttrRepID.ValueSet(now.repID))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		c.logger.Warn("Search attributes not updated", "Error", err)
		return
	}
	c.visible = now
}

// visibleState is what the search attributes show of a conversation.
type visibleState struct {
	status                          lead.Status
	slaBreached, hasLead            bool
	channel                         lead.Channel
	tier                            lead.Tier
	score                           int
	intent, language, teamID, repID string
}

func (c *conversation) visibleState() visibleState {
	v := visibleState{status: c.status, slaBreached: c.slaBreached, channel: c.channel(), hasLead: c.leadID != ""}
	if v.hasLead {
		v.tier, v.score = c.score.Tier, c.score.Score
	}
	if c.fields.Intent.Known() {
		v.intent = string(*c.fields.Intent.Value)
	}
	if c.fields.Language.Known() {
		v.language = *c.fields.Language.Value
	}
	if c.assignment != nil {
		v.teamID, v.repID = c.assignment.TeamID, c.assignment.RepID
	}
	return v
}

// startedVisible is what the starter set (the gateway sets the status, the channel and
// SLABreached), so that the first publish upserts only what differs.
func startedVisible(ctx workflow.Context) visibleState {
	sa := workflow.GetTypedSearchAttributes(ctx)
	var v visibleState
	if s, ok := sa.GetKeyword(AttrLeadStatus); ok {
		v.status = lead.Status(s)
	}
	if ch, ok := sa.GetKeyword(AttrChannel); ok {
		v.channel = lead.Channel(ch)
	}
	if b, ok := sa.GetBool(AttrSLABreached); ok {
		v.slaBreached = b
	} else {
		v.status = "" // never set: the first publish must set it
	}
	return v
}

func (c *conversation) extractInput() activities.ExtractInput {
	in := activities.ExtractInput{ConversationID: c.id, Messages: c.messages[:c.processed], Channel: c.channel(), Country: c.country()}
	for _, m := range c.messages[:c.processed] {
		if m.Sender != nil {
			in.Sender = m.Sender
		}
		if m.Context != nil && m.Context.Locale != nil {
			in.Locale = *m.Context.Locale
		}
	}
	return in
}

// matchInput is who the conversation says its person is, with the sender of the channel it
// started on (the latest one given).
func (c *conversation) matchInput(leadID string) activities.MatchInput {
	var sender *lead.Sender
	for _, m := range c.messages {
		if m.Sender != nil && m.Channel == c.channel() {
			sender = m.Sender
		}
	}
	return activities.NewMatchInput(leadID, c.fields, c.channel(), c.country(), sender)
}

// channel is the channel of the first message: where the conversation started.
func (c *conversation) channel() lead.Channel {
	if len(c.messages) == 0 {
		return ""
	}
	return c.messages[0].Channel
}

// country is the visit's country from the chatbot's context, the latest one given.
func (c *conversation) country() string {
	for i := len(c.messages) - 1; i >= 0; i-- {
		if ctx := c.messages[i].Context; ctx != nil && ctx.Country != nil {
			return strings.ToUpper(*ctx.Country)
		}
	}
	if c.fields.Country.Known() {
		return *c.fields.Country.Value
	}
	return ""
}

func (c *conversation) events() []string {
	var events []string
	for _, m := range c.messages {
		if m.Context != nil {
			events = append(events, m.Context.Events...)
		}
	}
	return events
}

func value[T ~string](f lead.Field[T]) string { return string(f.Or("")) }

func list(f lead.Field[[]string]) []string {
	return f.Or(nil)
}

// recordSpeed records one part of the speed to lead (Lead.timings) as the worker's Prometheus
// histogram. Temporal's metrics handler skips replays: a lead counts once.
func (c *conversation) recordSpeed(ctx workflow.Context, part string, from, to *time.Time) {
	if from == nil || to == nil {
		return
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{metrics.PartTag: part}).Timer(metrics.SpeedToLead).Record(max(to.Sub(*from), 0))
}
