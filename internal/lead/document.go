package lead

import "time"

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

// CRMRefs are the record ids a lead has in each CRM it was written to.
type CRMRefs struct {
	Builtin *BuiltinRef `json:"builtin,omitempty"`
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

// Followup is one scheduled promise.
type Followup struct {
	Kind   FollowupKind   `json:"kind"`
	DueAt  time.Time      `json:"due_at"`
	Status FollowupStatus `json:"status"`
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
}
