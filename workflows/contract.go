// Package workflows holds the ConversationWorkflow and its contract: the task queue, the workflow
// id helpers, the update and query names, the search attributes and the JSON-tagged types that the
// gateway and the worker both import. Nothing here does I/O.
package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/internal/lead"
)

// TaskQueue is where conversation workflows and their activities run.
const TaskQueue = "leadflow-conversations"

// Message names.
const (
	// UpdateAddMessage delivers one chatbot message; answers accepted or duplicate.
	UpdateAddMessage = "add_message"
	// UpdateClose says the conversation is over: process now instead of after the quiet period.
	// The gateway sends it as an Update: the server runs an Update's workflow task speculatively and
	// writes it once, with the commands it led to, where a signal is written, dispatched as a
	// transfer task and written again when the task starts and completes (docs/performance.md).
	UpdateClose = "close"
	// SignalClose is the same as a signal, for support staff with the Temporal CLI and for the
	// gateways that sent it; still served.
	SignalClose = "close"
	// UpdateRecordOutcome is a rep's outcome; the validator rejects transitions that are not allowed.
	UpdateRecordOutcome = "record_outcome"
	// UpdateReassign takes the lead from its rep and routes it again (admin); the validator
	// rejects a lead that is not assigned or is closed.
	UpdateReassign = "reassign"
	// UpdateAcknowledge is the paged on-call rep answering the page for a hot lead nobody touched:
	// the lead moves to them with a new first-touch deadline. The validator rejects anyone else.
	UpdateAcknowledge = "acknowledge"
	// QueryState returns the live ConversationState.
	QueryState = "state"
)

// ConversationWorkflowID is the workflow id of a conversation. Conversation ids are the chatbot's
// opaque ids and carry no personal data.
func ConversationWorkflowID(conversationID string) string { return "conversation-" + conversationID }

// LeadID is the id of the lead a conversation yields: derived, so every run, retry and replay of
// the conversation writes the same lead.
func LeadID(conversationID string) string {
	h := sha256.Sum256([]byte("lead:" + conversationID))
	return "ld_" + hex.EncodeToString(h[:10])
}

// Search attributes: what support staff filter on in the Temporal UI. None of them holds personal
// data. The stack registers them (see SearchAttributeTypes); the workflow upserts them.
var (
	AttrLeadStatus  = temporal.NewSearchAttributeKeyKeyword("LeadStatus")
	AttrLeadTier    = temporal.NewSearchAttributeKeyKeyword("LeadTier")
	AttrLeadScore   = temporal.NewSearchAttributeKeyInt64("LeadScore")
	AttrTeamID      = temporal.NewSearchAttributeKeyKeyword("TeamID")
	AttrRepID       = temporal.NewSearchAttributeKeyKeyword("RepID")
	AttrChannel     = temporal.NewSearchAttributeKeyKeyword("Channel")
	AttrIntent      = temporal.NewSearchAttributeKeyKeyword("Intent")
	AttrLanguage    = temporal.NewSearchAttributeKeyKeyword("Language")
	AttrSLABreached = temporal.NewSearchAttributeKeyBool("SLABreached")
)

// SearchAttributeTypes names every custom search attribute and its type, for registration.
func SearchAttributeTypes() map[string]string {
	return map[string]string{
		"LeadStatus": "Keyword", "LeadTier": "Keyword", "LeadScore": "Int", "TeamID": "Keyword", "RepID": "Keyword",
		"Channel": "Keyword", "Intent": "Keyword", "Language": "Keyword", "SLABreached": "Bool",
	}
}

// Settings are the conversation's timings, fixed when its workflow starts.
type Settings struct {
	// QuietPeriod: a conversation silent this long is processed without a close.
	QuietPeriod time.Duration `json:"quiet_period"`
	// ContactWait: how long a conversation without phone or email waits for one before no_lead.
	ContactWait time.Duration `json:"contact_wait"`
	// FirstFollowupDelay: the rep's first call task falls due this long after assignment.
	FirstFollowupDelay time.Duration `json:"first_followup_delay"`
	// RouteRetry: how often a lead no rep could take is routed again.
	RouteRetry time.Duration `json:"route_retry"`
	// LeadIdle: how long an open lead's workflow waits for outcomes or messages before completing.
	LeadIdle time.Duration `json:"lead_idle"`
	// HistoryLimit: a lead waiting on its follow-ups continues as a new run once its history has
	// this many events (or Temporal suggests it), so weeks of nurture do not grow it without bound.
	HistoryLimit int `json:"history_limit,omitempty"`
}

// DefaultSettings are the timings when the caller gives none.
func DefaultSettings() Settings {
	return Settings{QuietPeriod: 2 * time.Minute, ContactWait: 24 * time.Hour, FirstFollowupDelay: 15 * time.Minute,
		RouteRetry: 10 * time.Minute, LeadIdle: 30 * 24 * time.Hour, HistoryLimit: 2000}
}

// ConversationInput starts a conversation's workflow.
type ConversationInput struct {
	ConversationID string   `json:"conversation_id"`
	Settings       Settings `json:"settings"`
	// Revision is the conversation logic the run follows; starters set CurrentRevision. It is in
	// the run's input, so in its history: a run started before a change of commands keeps replaying
	// the logic it started with, at no cost in events (a GetVersion marker would add two per run).
	Revision int `json:"revision,omitempty"`
	// Carried is the state of the run this one continues (continue-as-new); nil for a new conversation.
	Carried *Carried `json:"carried,omitempty"`
}

// Revisions of the conversation logic.
const (
	// RevisionInitial: a new quiet-period timer for every message; search attributes upserted on
	// every status change.
	RevisionInitial = 0
	// RevisionLean: one quiet-period timer at a time, re-armed when it fires; search attributes
	// upserted only when they change, and "processing" only when it lasts (the pipeline failed or
	// no rep was free). Seven fewer history events per lead (docs/performance.md).
	RevisionLean = 1
	// RevisionPolicy: silence decays the score and a return after silence raises it, as the policy
	// says (a timer per decay period while the lead waits); the routing decision is shown as the
	// run's current details in the Temporal UI.
	RevisionPolicy = 2
	// RevisionPromises: the run keeps follow-up promises (SLA, escalation, sequences) from its
	// start, without the GetVersion marker RevisionPolicy runs record when they first route: two
	// history events and a visibility write fewer per lead (docs/performance.md).
	RevisionPromises = 3

	CurrentRevision = RevisionPromises
)

// ConversationResult is how a conversation ended.
type ConversationResult struct {
	Status lead.Status `json:"status"`
	LeadID string      `json:"lead_id,omitempty"`
}

// AddMessageInput is one chatbot message.
type AddMessageInput struct {
	Message lead.Message `json:"message"`
}

// Answers to AddMessage.
const (
	MessageAccepted  = "accepted"
	MessageDuplicate = "duplicate"
)

// AddMessageResult says whether the message was new.
type AddMessageResult struct {
	Status string `json:"status"`
}

// CloseInput ends the conversation from the chatbot's side.
type CloseInput struct {
	Reason string `json:"reason,omitempty"`
}

// CloseResult is the conversation's status when the close was taken.
type CloseResult struct {
	Status lead.Status `json:"status"`
}

// RecordOutcomeInput is a rep's outcome.
type RecordOutcomeInput struct {
	RepID          string       `json:"rep_id"`
	Outcome        lead.Outcome `json:"outcome"`
	Note           *string      `json:"note,omitempty"`
	Amount         *float64     `json:"amount,omitempty"`
	Reason         *string      `json:"reason,omitempty"`
	SnoozeUntil    *time.Time   `json:"snooze_until,omitempty"`
	IdempotencyKey string       `json:"idempotency_key"`
	// ByAdmin lets an admin report for a rep who is not the lead's owner.
	ByAdmin bool `json:"by_admin,omitempty"`
}

// AcknowledgeInput is UpdateAcknowledge's argument: the paged rep, or an admin for them.
type AcknowledgeInput struct {
	RepID   string `json:"rep_id"`
	ByAdmin bool   `json:"by_admin,omitempty"`
}

// AcknowledgeResult is the lead's assignment after the page was answered.
type AcknowledgeResult struct {
	Assignment    lead.Assignment `json:"assignment"`
	FirstTouchDue time.Time       `json:"first_touch_due"`
}

// ReassignInput is UpdateReassign's argument.
type ReassignInput struct {
	Reason string `json:"reason,omitempty"`
}

// ReassignResult is the lead's new assignment.
type ReassignResult struct {
	Assignment lead.Assignment `json:"assignment"`
}

// RecordOutcomeResult is the lead's status after the outcome.
type RecordOutcomeResult struct {
	Status lead.Status `json:"status"`
	// Duplicate is true when the idempotency key was seen before and nothing changed.
	Duplicate bool `json:"duplicate"`
}

// Error types of update rejections, mapped to HTTP statuses by the gateway.
const (
	ErrTypeInvalidMessage    = "InvalidMessage"
	ErrTypeOutcomeNotAllowed = "OutcomeNotAllowed"
	ErrTypeNotAssignedRep    = "NotAssignedRep"
	ErrTypeInvalidOutcome    = "InvalidOutcome"
	// ErrTypeNotAssigned is a reassignment of a lead no rep holds yet.
	ErrTypeNotAssigned = "NotAssigned"
	// ErrTypeNoRepAvailable is a reassignment nobody else can take now.
	ErrTypeNoRepAvailable = "NoRepAvailable"
	// ErrTypeNotPaged is an acknowledgement of a lead nobody was paged about, or by someone else.
	ErrTypeNotPaged = "NotPaged"
)

// ConversationState is the live state a query returns.
type ConversationState struct {
	ConversationID string      `json:"conversation_id"`
	WorkflowID     string      `json:"workflow_id"`
	Status         lead.Status `json:"status"`
	MissingFields  []string    `json:"missing_fields"`
	LeadID         string      `json:"lead_id,omitempty"`
	RepID          string      `json:"rep_id,omitempty"`
	TeamID         string      `json:"team_id,omitempty"`
	Messages       int         `json:"messages"`
	// Score, Tier and Assignment are the lead's as the run holds them: support staff read the
	// routing decision (rule, skipped reps, rotation) here and in the RouteLead result.
	Score         int              `json:"score,omitempty"`
	Tier          lead.Tier        `json:"tier,omitempty"`
	PolicyVersion string           `json:"policy_version,omitempty"`
	Assignment    *lead.Assignment `json:"assignment,omitempty"`
	// Extractor is "rules", or "llm+rules" once a model's reading was fused in; LLMTokens is what
	// the model cost this conversation (prompt and completion).
	Extractor string `json:"extractor,omitempty"`
	LLMTokens int    `json:"llm_tokens,omitempty"`
	// Followups, SLA and OptedOut are the lead's promises as the run keeps them (runs that keep
	// follow-up promises); Runs counts the continue-as-new runs before this one.
	Followups []lead.Followup `json:"followups,omitempty"`
	SLA       *lead.SLA       `json:"sla,omitempty"`
	OptedOut  bool            `json:"opted_out,omitempty"`
	Runs      int             `json:"runs,omitempty"`
}
