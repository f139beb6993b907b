package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/activities/scoring"
	"github.com/leadflow/leadflow/internal/lead"
)

// Carried is a conversation's state handed from one run to the next by continue-as-new. A lead
// kept warm by weeks of nurture messages would otherwise grow one history without bound; the new
// run starts from this with a short history, and keeps every promise where the old one left it.
type Carried struct {
	Runs           int                            `json:"runs"` // runs before this one
	Status         lead.Status                    `json:"status"`
	Messages       []lead.Message                 `json:"messages"`
	Processed      int                            `json:"processed"`
	Saved          int                            `json:"saved"`
	Failures       int                            `json:"failures,omitempty"`
	LastActivity   time.Time                      `json:"last_activity"`
	NeedsContactAt time.Time                      `json:"needs_contact_at"`
	LastCustomerAt time.Time                      `json:"last_customer_at"`
	Silences       int                            `json:"silences,omitempty"`
	Reengagements  int                            `json:"reengagements,omitempty"`
	QueueEscalated bool                           `json:"queue_escalated,omitempty"`
	Reassignments  int                            `json:"reassignments,omitempty"`
	Fields         lead.Fields                    `json:"fields"`
	Facts          lead.TextFacts                 `json:"facts"`
	Extractor      string                         `json:"extractor,omitempty"`
	LLMTokens      int                            `json:"llm_tokens,omitempty"`
	ModelRead      int                            `json:"model_read,omitempty"`
	ModelAsked     int                            `json:"model_asked,omitempty"`
	LeadID         string                         `json:"lead_id"`
	Contact        activities.MatchResult         `json:"contact"`
	Score          scoring.Result                 `json:"score"`
	Assignment     *lead.Assignment               `json:"assignment,omitempty"`
	Timings        lead.Timings                   `json:"timings"`
	Touched        bool                           `json:"touched,omitempty"`
	SLABreached    bool                           `json:"sla_breached,omitempty"`
	Outcomes       map[string]RecordOutcomeResult `json:"outcomes,omitempty"`
	Promises       Promises                       `json:"promises"`
	CRMs           []string                       `json:"crms,omitempty"` // external CRMs the lead is written to
}

// continueAsNew reports whether the run should hand over to a new one now: it keeps promises, is
// waiting with nothing in flight, and its history is long.
func (c *conversation) continueAsNew(ctx workflow.Context) bool {
	if !c.prom.On || c.leadID == "" || c.pending() || c.enrichment != nil || c.modelReading || !c.retryAt.IsZero() ||
		!workflow.AllHandlersFinished(ctx) || !c.crmIdle() {
		return false
	}
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= c.settings.HistoryLimit
}

// continuation is the continue-as-new error that starts the next run with this run's state. A
// close signal still queued is moot: nothing is pending.
func (c *conversation) continuation(ctx workflow.Context) error {
	for c.closeSignals.ReceiveAsync(nil) {
	}
	c.logger.Info("Continuing as a new run", "HistoryLength", workflow.GetInfo(ctx).GetCurrentHistoryLength(), "Runs", c.runs+1)
	return workflow.NewContinueAsNewError(ctx, Conversation, &ConversationInput{
		ConversationID: c.id, Settings: c.settings, Revision: c.revision, Carried: c.carry(),
	})
}

func (c *conversation) carry() *Carried {
	return &Carried{
		Runs: c.runs + 1, Status: c.status, Messages: c.messages, Processed: c.processed, Saved: c.saved, Failures: c.failures,
		LastActivity: c.lastActivity, NeedsContactAt: c.needsContactAt, LastCustomerAt: c.lastCustomerAt, Silences: c.silences,
		Reengagements: c.reengagements, QueueEscalated: c.queuedEscalated, Reassignments: c.reassignments, Fields: c.fields,
		Facts: c.facts, Extractor: c.extractor, LLMTokens: c.llmTokens, ModelRead: c.modelRead, ModelAsked: c.modelAsked,
		LeadID: c.leadID, Contact: c.contact, Score: c.score, Assignment: c.assignment, Timings: c.timings, Touched: c.touched,
		SLABreached: c.slaBreached, Outcomes: c.outcomes, Promises: c.prom, CRMs: c.crm.names,
	}
}

func (c *conversation) restore(k *Carried) {
	c.runs, c.status, c.messages, c.processed, c.saved, c.failures = k.Runs, k.Status, k.Messages, k.Processed, k.Saved, k.Failures
	c.lastActivity, c.needsContactAt, c.lastCustomerAt, c.silences = k.LastActivity, k.NeedsContactAt, k.LastCustomerAt, k.Silences
	c.reengagements, c.queuedEscalated, c.reassignments, c.fields = k.Reengagements, k.QueueEscalated, k.Reassignments, k.Fields
	c.facts, c.extractor, c.llmTokens, c.modelRead, c.modelAsked = k.Facts, k.Extractor, k.LLMTokens, k.ModelRead, k.ModelAsked
	c.leadID, c.contact, c.score, c.assignment, c.timings = k.LeadID, k.Contact, k.Score, k.Assignment, k.Timings
	c.touched, c.slaBreached, c.prom, c.crm.names = k.Touched, k.SLABreached, k.Promises, k.CRMs
	if k.Outcomes != nil {
		c.outcomes = k.Outcomes
	}
	for _, m := range c.messages {
		c.seen[m.MessageID] = true
	}
}

// lingers reports whether a closed lead's run stays open: a lead with promises waits, until idle,
// for an admin's reopen.
func (c *conversation) lingers() bool {
	return c.prom.On && c.leadID != "" && c.status != lead.StatusNoLead
}
