package lead

import (
	"encoding/json"
	"time"
)

// Lead is the lead document of api-v1: what reps, the chatbot and support staff read back.
type Lead struct {
	LeadID          string        `json:"lead_id"`
	ContactID       string        `json:"contact_id"`
	ConversationIDs []string      `json:"conversation_ids"`
	IsNewContact    bool          `json:"is_new_contact"`
	Match           Match         `json:"match"`
	Fields          Fields        `json:"fields"`
	Status          Status        `json:"status"`
	Score           int           `json:"score"`
	Tier            Tier          `json:"tier"`
	ScoreBreakdown  []ScoreSignal `json:"score_breakdown"`
	// ScoreHistory is every change of the score or tier, oldest first, with the policy that made
	// it; PolicyVersion is the policy of the current score.
	ScoreHistory  []ScoreChange `json:"score_history"`
	PolicyVersion string        `json:"policy_version"`
	Assignment    *Assignment   `json:"assignment"`
	CRM           CRMRefs       `json:"crm"`
	Followups     []Followup    `json:"followups"`
	SLA           SLA           `json:"sla"`
	Outcomes      []OutcomeNote `json:"outcomes"`
	Timings       Timings       `json:"timings"`
	// ReviewFields are contact fields read with too little confidence to act on alone (see
	// ReviewThreshold): a person checks them before anyone calls.
	ReviewFields []string `json:"review_fields"`
}

// MatchDecision says how a conversation's person was found among existing contacts.
type MatchDecision string

// Match decisions of api-v1.
const (
	MatchNew    MatchDecision = "new"
	MatchMerged MatchDecision = "merged"
	MatchReview MatchDecision = "review"
)

// Match is the identity decision recorded with a lead.
type Match struct {
	Decision  MatchDecision `json:"decision"`
	MatchedBy []string      `json:"matched_by"`
	Score     float64       `json:"score"`
}

// ScoreSignal is one reason a lead's score went up or down.
type ScoreSignal struct {
	Signal string `json:"signal"`
	Points int    `json:"points"`
}

// ScoreChange is one entry of a lead's score history.
type ScoreChange struct {
	Score         int       `json:"score" db:"score"`
	Tier          Tier      `json:"tier" db:"tier"`
	PolicyVersion string    `json:"policy_version" db:"policy_version"`
	At            time.Time `json:"at" db:"at"`
}

// SkippedRep is a rep routing passed over, and why.
type SkippedRep struct {
	RepID  string `json:"rep_id"`
	Reason string `json:"reason"`
}

// Assignment is the routing decision: who owns the lead and by which rule.
type Assignment struct {
	RepID      string       `json:"rep_id"`
	TeamID     string       `json:"team_id"`
	Rule       string       `json:"rule"`
	Skipped    []SkippedRep `json:"skipped"`
	AssignedAt time.Time    `json:"assigned_at"`
	// Rotation is the team's round-robin credit per rep before and after this lead (round-robin
	// rules only): the rep with the most credit after gaining their weight took the lead.
	Rotation *Rotation `json:"rotation,omitempty"`
	// PolicyVersion is the routing policy that made the decision.
	PolicyVersion string `json:"policy_version,omitempty"`
	// ReassignedFrom is the rep the lead was taken from, when it was reassigned.
	ReassignedFrom string `json:"reassigned_from,omitempty"`
}

// Rotation is a team's round-robin position, as each rep's credit.
type Rotation struct {
	Before map[string]int64 `json:"before"`
	After  map[string]int64 `json:"after"`
}

// CRMRefs are the record ids a lead has in each CRM it was written to: the built-in CRM under
// "builtin", each external CRM under its name ("hubspot", "salesforce", …).
type CRMRefs struct {
	Builtin  *BuiltinRef
	External map[string]ExternalRef
}

// MarshalJSON writes the built-in and external CRMs side by side, as api-v1 shows them.
func (c CRMRefs) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(c.External)+1)
	for name, ref := range c.External {
		m[name] = ref
	}
	if c.Builtin != nil {
		m["builtin"] = c.Builtin
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (c *CRMRefs) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*c = CRMRefs{}
	for name, raw := range m {
		if name == "builtin" {
			c.Builtin = &BuiltinRef{}
			if err := json.Unmarshal(raw, c.Builtin); err != nil {
				return err
			}
			continue
		}
		var ref ExternalRef
		if err := json.Unmarshal(raw, &ref); err != nil {
			return err
		}
		if c.External == nil {
			c.External = map[string]ExternalRef{}
		}
		c.External[name] = ref
	}
	return nil
}

// CRMSyncState is how a lead's last write to an external CRM went.
type CRMSyncState string

// CRM sync states.
const (
	CRMSynced CRMSyncState = "synced"
	// CRMRetrying is a CRM that is down or throttling: the write is being retried.
	CRMRetrying CRMSyncState = "retrying"
	// CRMFailed is a write no retry can fix (a mapping error, a request the CRM refuses).
	CRMFailed CRMSyncState = "failed"
	// CRMReview is a write a person must decide (several CRM records the lead could be).
	CRMReview CRMSyncState = "review"
)

// ExternalRef points at a lead's records in an external CRM. Error is an error class and code,
// never the CRM's text.
type ExternalRef struct {
	ContactID string       `json:"contact_id,omitempty"`
	LeadID    string       `json:"lead_id,omitempty"`
	NoteID    string       `json:"note_id,omitempty"`
	TaskID    string       `json:"task_id,omitempty"`
	Stage     string       `json:"stage,omitempty"`
	State     CRMSyncState `json:"state"`
	Error     string       `json:"error,omitempty"`
	SyncedAt  *time.Time   `json:"synced_at,omitempty"`
}

// BuiltinRef points at the built-in Postgres CRM's records.
type BuiltinRef struct {
	ContactID string `json:"contact_id"`
	LeadID    string `json:"lead_id"`
}

// FollowupKind names a promise made to the customer.
type FollowupKind string

// Follow-up kinds.
const (
	// FollowupCallTask is the rep's first call to the customer.
	FollowupCallTask FollowupKind = "call_task"
	// FollowupReviewContact replaces the call task when the phone was read with too little
	// confidence to dial: the rep checks the contact details first.
	FollowupReviewContact FollowupKind = "review_contact"
)

// FollowupStatus is where a follow-up stands.
type FollowupStatus string

// Follow-up statuses of api-v1.
const (
	FollowupPending   FollowupStatus = "pending"
	FollowupDone      FollowupStatus = "done"
	FollowupCancelled FollowupStatus = "cancelled"
	FollowupSent      FollowupStatus = "sent"
)

// Follow-up kinds a sequence adds (internal/policy: followups.sequences).
const (
	// FollowupRepReminder reminds the rep of a lead nobody has touched yet.
	FollowupRepReminder FollowupKind = "rep_reminder"
	// FollowupCustomerMessage is a message to the customer from a template.
	FollowupCustomerMessage FollowupKind = "customer_message"
)

// Followup is one scheduled promise. ID is stable within the lead; Sequence names the policy's
// sequence it came from; Channel is where a customer message went; Reason says why a step was
// cancelled or not sent (contacted, closed, opted_out, budget, no_channel, sequence_changed…).
type Followup struct {
	ID       string         `json:"id,omitempty"`
	Kind     FollowupKind   `json:"kind"`
	DueAt    time.Time      `json:"due_at"`
	Status   FollowupStatus `json:"status"`
	Sequence string         `json:"sequence,omitempty"`
	Channel  string         `json:"channel,omitempty"`
	Reason   string         `json:"reason,omitempty"`
}

// SLA is the first-touch promise and what happened when it was missed.
type SLA struct {
	FirstTouchDueAt *time.Time   `json:"first_touch_due_at"`
	Breached        bool         `json:"breached"`
	Escalations     []Escalation `json:"escalations"`
}

// Escalation records who was told that a lead was not touched in time.
type Escalation struct {
	At     time.Time `json:"at"`
	RepID  string    `json:"rep_id"`
	Reason string    `json:"reason"`
}

// OutcomeNote is one outcome a rep reported.
type OutcomeNote struct {
	Outcome     Outcome    `json:"outcome"`
	RepID       string     `json:"rep_id"`
	At          time.Time  `json:"at"`
	Note        *string    `json:"note,omitempty"`
	Amount      *float64   `json:"amount,omitempty"`
	Reason      *string    `json:"reason,omitempty"`
	SnoozeUntil *time.Time `json:"snooze_until,omitempty"`
}

// Timings are the moments that speed-to-lead is measured from.
type Timings struct {
	FirstMessageAt      *time.Time `json:"first_message_at"`
	ProcessingStartedAt *time.Time `json:"processing_started_at"`
	CRMWrittenAt        *time.Time `json:"crm_written_at"`
	AssignedAt          *time.Time `json:"assigned_at"`
	FirstTouchAt        *time.Time `json:"first_touch_at"`
	// Speed to lead, split: the system's part is the first message to the lead being assigned
	// (quiet period, extraction, CRM write, routing); the human part is the assignment to the rep's
	// first touch. Derived from the moments above when both ends are known (Split).
	SystemSeconds      *float64 `json:"system_seconds,omitempty"`
	HumanSeconds       *float64 `json:"human_seconds,omitempty"`
	SpeedToLeadSeconds *float64 `json:"speed_to_lead_seconds,omitempty"`
}

// Split fills in the system's part, the human part and the whole of the speed to lead.
func (t Timings) Split() Timings {
	between := func(from, to *time.Time) *float64 {
		if from == nil || to == nil {
			return nil
		}
		d := max(to.Sub(*from), 0).Seconds()
		return &d
	}
	t.SystemSeconds = between(t.FirstMessageAt, t.AssignedAt)
	t.HumanSeconds = between(t.AssignedAt, t.FirstTouchAt)
	t.SpeedToLeadSeconds = between(t.FirstMessageAt, t.FirstTouchAt)
	return t
}
