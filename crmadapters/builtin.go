package crmadapters

import (
	"context"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// Builtin is the Postgres CRM that ships with Leadflow: the system of record for leads and their
// status. The workflow writes a lead with Save, in one transaction with its transcript, score
// history and first call task; the Adapter methods serve everything else that writes to it.
type Builtin struct {
	Store *store.Store
}

var _ Adapter = (*Builtin)(nil)

// Name implements Adapter.
func (b *Builtin) Name() string { return "builtin" }

// Save writes the lead as the workflow knows it and returns the status now stored, which a rep
// may have moved on already.
func (b *Builtin) Save(ctx context.Context, rec store.LeadRecord) (lead.Status, error) {
	return b.Store.SaveLead(ctx, rec)
}

// UpsertContact implements Adapter.
func (b *Builtin) UpsertContact(ctx context.Context, c Contact) (string, error) {
	return b.Store.PutContact(ctx, c.ContactID, c.Fields)
}

// UpsertLead implements Adapter: the lead document is written as the workflow would write it.
func (b *Builtin) UpsertLead(ctx context.Context, l Lead) (string, error) {
	d := l.Doc
	conv := ""
	if len(d.ConversationIDs) > 0 {
		conv = d.ConversationIDs[0]
	}
	_, err := b.Store.SaveLead(ctx, store.LeadRecord{
		LeadID: d.LeadID, ConversationID: conv, WorkflowID: "conversation-" + conv, ContactID: d.ContactID,
		Status: d.Status, Channel: lead.ChannelWeb, Fields: d.Fields, Score: d.Score, Tier: d.Tier,
		ScoreBreakdown: d.ScoreBreakdown, PolicyVersion: d.PolicyVersion, Assignment: d.Assignment, Timings: d.Timings,
	})
	return d.LeadID, err
}

// AddNote implements Adapter.
func (b *Builtin) AddNote(ctx context.Context, n Note) (string, error) {
	return b.Store.AddLeadNote(ctx, n.Key, n.LeadID, n.Body, n.At)
}

// CreateTask implements Adapter: a call task for the lead's owner.
func (b *Builtin) CreateTask(ctx context.Context, t Task) (string, error) {
	return b.Store.AddTask(ctx, t.Key, t.LeadID, lead.FollowupCallTask, t.DueAt)
}

// RecordOutcome implements Adapter.
func (b *Builtin) RecordOutcome(ctx context.Context, o Outcome) error {
	note := lead.OutcomeNote{Outcome: o.Outcome, At: o.At}
	if o.Note != "" {
		note.Note = &o.Note
	}
	return b.Store.RecordOutcome(ctx, store.OutcomeRecord{LeadID: o.LeadID, IdempotencyKey: o.Key, Note: note, NewStatus: o.Status})
}

// ReadLeads implements Reader: the built-in CRM's stage is the lead's status.
func (b *Builtin) ReadLeads(ctx context.Context, leadIDs []string) (map[string]RemoteLead, error) {
	statuses, err := b.Store.LeadStatuses(ctx, leadIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]RemoteLead, len(statuses))
	for id, s := range statuses {
		out[id] = RemoteLead{Ref: id, Stage: string(s)}
	}
	return out, nil
}
