package crmadapters

import (
	"context"
	"strings"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
)

// Kinds of records Sync remembers in the id map, so a CRM's webhook finds its lead.
const (
	KindContact = "contact"
	KindLead    = "lead"
)

// Mapped is an adapter written through a field mapping; the sync reports the stage it wrote, and
// the CRM's webhook reads stages back into statuses with it.
type Mapped interface {
	Mapping() Mapping
}

// outcomeOf is the rep outcome a lead status stands for, for statuses a rep moves a lead to.
var outcomeOf = map[lead.Status]lead.Outcome{
	lead.StatusContacted: lead.OutcomeContacted, lead.StatusQualified: lead.OutcomeQualified,
	lead.StatusUnqualified: lead.OutcomeUnqualified, lead.StatusWon: lead.OutcomeWon, lead.StatusLost: lead.OutcomeLost,
}

// OutcomeFor is the rep outcome that moves a lead to status; false for statuses no outcome
// leads to (a stage moved back to "assigned" inside a CRM is not an outcome).
func OutcomeFor(s lead.Status) (lead.Outcome, bool) {
	o, ok := outcomeOf[s]
	return o, ok
}

// Sync writes one lead to one CRM: its contact, the lead, the conversation note (summary and
// transcript link), the owner's first-touch task, and the status its rep's outcomes moved it to. Every
// write is idempotent, so a retried or repeated sync changes what changed and creates nothing
// twice. The refs learnt so far are returned with the error, so a sync that fails half-way still
// shows what exists.
func Sync(ctx context.Context, a Adapter, ids IDs, l Lead) (lead.ExternalRef, error) {
	d := l.Doc
	ref := lead.ExternalRef{}
	var err error
	if ref.ContactID, err = a.UpsertContact(ctx, Contact{ContactID: d.ContactID, Fields: d.Fields}); err != nil {
		return ref, err
	}
	if err := ids.Remember(ctx, a.Name(), KindContact, d.ContactID, ref.ContactID); err != nil {
		return ref, err
	}
	l.ContactRef = ref.ContactID
	if ref.LeadID, err = a.UpsertLead(ctx, l); err != nil {
		return ref, err
	}
	if err := ids.Remember(ctx, a.Name(), KindLead, d.LeadID, ref.LeadID); err != nil {
		return ref, err
	}
	if ref.NoteID, err = a.AddNote(ctx, Note{Key: d.LeadID + ":conversation", LeadID: d.LeadID, LeadRef: ref.LeadID,
		ContactRef: ref.ContactID, Body: noteBody(l), At: firstMessageAt(d)}); err != nil {
		return ref, err
	}
	if due, ok := firstTouchDue(d); ok {
		if ref.TaskID, err = a.CreateTask(ctx, Task{Key: d.LeadID + ":first-touch", LeadID: d.LeadID, LeadRef: ref.LeadID, ContactRef: ref.ContactID,
			Subject: "Call the new lead", Body: "First touch of a lead from Leadflow: " + l.TranscriptURL, DueAt: due, OwnerEmail: l.OwnerEmail}); err != nil {
			return ref, err
		}
	}
	if o, ok := OutcomeFor(d.Status); ok {
		if err := a.RecordOutcome(ctx, Outcome{LeadID: d.LeadID, LeadRef: ref.LeadID, Status: d.Status, Outcome: o,
			Key: d.LeadID + ":status:" + string(d.Status), At: lastOutcomeAt(d)}); err != nil {
			return ref, err
		}
	}
	if m, ok := a.(Mapped); ok {
		ref.Stage = m.Mapping().Stage(d.Status)
	}
	ref.State = lead.CRMSynced
	return ref, nil
}

// noteBody is the conversation note: the summary the extraction wrote, and where the whole
// conversation can be read.
func noteBody(l Lead) string {
	var b strings.Builder
	if s := l.Doc.Fields.Summary.Value; s != nil && *s != "" {
		b.WriteString(*s)
		b.WriteString("\n\n")
	}
	b.WriteString("Conversation: ")
	b.WriteString(l.TranscriptURL)
	return b.String()
}

// firstTouchDue is when the lead's owner must first reach the person: the first call task's due
// time, or the first-touch deadline of a lead whose sequence starts with something else. A lead
// nobody owns yet has no task.
func firstTouchDue(d lead.Lead) (time.Time, bool) {
	if d.Assignment == nil {
		return time.Time{}, false
	}
	for _, f := range d.Followups {
		if f.Kind == lead.FollowupCallTask || f.Kind == lead.FollowupReviewContact {
			return f.DueAt, true
		}
	}
	if d.SLA.FirstTouchDueAt != nil {
		return *d.SLA.FirstTouchDueAt, true
	}
	return d.Assignment.AssignedAt, true
}

func firstMessageAt(d lead.Lead) (t time.Time) {
	if d.Timings.FirstMessageAt != nil {
		return *d.Timings.FirstMessageAt
	}
	return t
}

func lastOutcomeAt(d lead.Lead) (t time.Time) {
	if n := len(d.Outcomes); n > 0 {
		return d.Outcomes[n-1].At
	}
	return t
}
