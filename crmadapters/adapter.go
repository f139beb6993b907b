// Package crmadapters holds the Adapter interface that every CRM Leadflow writes to implements, the
// built-in Postgres CRM, the field mapping external CRMs are written through, and what every
// external adapter shares: error classes, exactly-once creation and the HTTP round trip. Each
// external CRM (HubSpot, Salesforce, Zoho, Pipedrive) has a package of its own below this one.
package crmadapters

import (
	"context"
	"net/http"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
)

// Adapter writes leads to one CRM. Every method is idempotent by the Leadflow keys it is given
// (contact id, lead id, note and task keys): the activity that calls it is retried, and a CRM may
// have committed a write whose answer never arrived. Each returns the CRM's own id of the record.
type Adapter interface {
	// Name is the CRM's name in configuration, Lead.crm and the audit log ("hubspot").
	Name() string
	UpsertContact(ctx context.Context, c Contact) (string, error)
	// UpsertLead writes the lead (a deal, an opportunity or a lead, as the CRM calls it), linked
	// to the contact the CRM already holds (Lead.ContactRef).
	UpsertLead(ctx context.Context, l Lead) (string, error)
	AddNote(ctx context.Context, n Note) (string, error)
	CreateTask(ctx context.Context, t Task) (string, error)
	// RecordOutcome moves the lead to the CRM's status or stage for a rep's outcome.
	RecordOutcome(ctx context.Context, o Outcome) error
	Reader
}

// Contact is the person as Leadflow knows them.
type Contact struct {
	ContactID string // Leadflow's contact id: the CRM-side unique key
	Fields    lead.Fields
}

// Lead is the lead as Leadflow knows it, linked to its contact's record in the same CRM.
type Lead struct {
	Doc        lead.Lead
	ContactRef string // the CRM's id of the lead's contact
	// OwnerEmail is the assigned rep's e-mail, which CRMs match to their own users; empty when
	// nobody owns the lead yet.
	OwnerEmail string
	// TranscriptURL is where the whole conversation can be read.
	TranscriptURL string
}

// Note is a text attached to a lead and its contact: the conversation summary and transcript link.
type Note struct {
	Key        string // unique per lead and note: the note is written once per key
	LeadID     string
	LeadRef    string // the CRM's id of the lead
	ContactRef string
	Body       string
	At         time.Time
}

// Task is a to-do for the lead's owner, such as the first call.
type Task struct {
	Key        string // unique per lead and task: the task is created once per key
	LeadID     string
	LeadRef    string
	ContactRef string
	Subject    string
	Body       string
	DueAt      time.Time
	OwnerEmail string
}

// Outcome is a rep's report and the status it moved the lead to.
type Outcome struct {
	LeadID  string
	LeadRef string
	Status  lead.Status
	Outcome lead.Outcome
	Key     string // the outcome's idempotency key
	Note    string
	At      time.Time
}

// RemoteLead is what a CRM holds for one of Leadflow's leads.
type RemoteLead struct {
	Ref   string // the CRM's id of the lead record
	Stage string
}

// Reader reads back what a CRM holds, so reconciliation can find drift. Every adapter is one.
type Reader interface {
	// ReadLeads returns the CRM's lead records by Leadflow lead id; a lead the CRM does not hold is
	// absent from the map. It splits ids into as many requests as the CRM's limits need.
	ReadLeads(ctx context.Context, leadIDs []string) (map[string]RemoteLead, error)
}

// StageChange is a lead's stage moved inside the CRM (by a rep working there), as the CRM's
// webhook reported it; it reaches the lead as a rep outcome.
type StageChange struct {
	LeadRef string // the CRM's id of the lead record
	Stage   string
	EventID string // the CRM's id of the event: the outcome's idempotency key
	At      time.Time
}

// EventSource is an adapter whose CRM reports stage changes on Leadflow's webhook
// (POST /webhooks/crm/{crm}). Events checks the request's signature with the secret the adapter
// was configured with and reads the stage changes it carries; an unsigned or badly signed request
// is ErrBadSignature.
type EventSource interface {
	Events(r *http.Request, body []byte, now time.Time) ([]StageChange, error)
}

// ChangePoller is an adapter whose CRM is asked for stage changes instead (Salesforce): the
// gateway polls it (LEADFLOW_CRM_POLL_EVERY). Leadflow's own writes come back too; a change to
// the status the lead already has is no outcome.
type ChangePoller interface {
	// ChangedSince lists the lead records modified after since, oldest first.
	ChangedSince(ctx context.Context, since time.Time) ([]StageChange, error)
}
