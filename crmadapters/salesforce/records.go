package salesforce

import (
	"context"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/leadflow/leadflow/crmadapters"
)

// Lengths of the standard fields notes and tasks write.
const (
	noteTitleMax   = 80
	taskSubjectMax = 255
	longTextMax    = 32000 // Note.Body, Task.Description
)

// notePrefix starts a note's Title; the rest is the note's key, which finds the note again.
const notePrefix = "Leadflow "

// UpsertContact implements crmadapters.Adapter: an upsert by Leadflow_Contact_Id__c.
func (a *Adapter) UpsertContact(ctx context.Context, c crmadapters.Contact) (string, error) {
	props, err := a.mapping.ContactProperties(name, c)
	if err != nil {
		return "", err
	}
	return a.upsert(ctx, extID{"Contact", contactKeyField, "contact.id", c.ContactID}, props)
}

// UpsertLead implements crmadapters.Adapter: an upsert by Leadflow_Id__c, whose Status is the
// mapping's stage for the lead's status.
func (a *Adapter) UpsertLead(ctx context.Context, l crmadapters.Lead) (string, error) {
	props, err := a.mapping.LeadProperties(name, l)
	if err != nil {
		return "", err
	}
	if a.leadContactField != "" && l.ContactRef != "" {
		props[a.leadContactField] = l.ContactRef
	}
	return a.upsert(ctx, extID{"Lead", leadKeyField, "lead.id", l.Doc.LeadID}, props)
}

// AddNote implements crmadapters.Adapter. Note takes no custom field and has no upsert, so the
// note is created once per key (crmadapters.Once) and an attempt that may have lost the answer
// looks for the lead's note whose Title carries the key before creating one.
func (a *Adapter) AddNote(ctx context.Context, n crmadapters.Note) (string, error) {
	title := notePrefix + n.Key
	if err := fits("note.key", "Note.Title", title, noteTitleMax); err != nil {
		return "", err
	}
	if err := fits("note.body", "Note.Body", n.Body, longTextMax); err != nil {
		return "", err
	}
	find := func(ctx context.Context) (string, bool, error) {
		soql := "SELECT Id FROM Note WHERE ParentId = " + soqlString(n.LeadRef) + " AND Title = " + soqlString(title)
		notes, err := query[struct {
			ID string `json:"Id"`
		}](ctx, a, soql)
		if err != nil || len(notes) == 0 {
			return "", false, err
		}
		return notes[0].ID, true, nil
	}
	create := func(ctx context.Context) (string, error) {
		body := map[string]any{"ParentId": n.LeadRef, "Title": title, "Body": n.Body}
		ans, err := a.do(ctx, http.MethodPost, a.data+"/sobjects/Note", body)
		if err != nil {
			return "", err
		}
		if ans.Status != http.StatusCreated {
			return "", a.fail(ans, "Note "+title)
		}
		return savedID(ans)
	}
	return crmadapters.Once(ctx, a.ids, name, "note", n.Key, find, create)
}

// CreateTask implements crmadapters.Adapter: an upsert by Leadflow_Key__c, related to the lead
// (WhoId). Status is left to Salesforce's default (Not Started) rather than sent: a repeated call
// must not reopen a task the rep has completed since.
func (a *Adapter) CreateTask(ctx context.Context, t crmadapters.Task) (string, error) {
	if err := fits("task.subject", "Task.Subject", t.Subject, taskSubjectMax); err != nil {
		return "", err
	}
	if err := fits("task.body", "Task.Description", t.Body, longTextMax); err != nil {
		return "", err
	}
	body := crmadapters.Properties{"WhoId": t.LeadRef, "Subject": t.Subject, "Description": t.Body}
	if !t.DueAt.IsZero() {
		// ActivityDate is a date without a zone; the due time's UTC date is the one sent.
		body["ActivityDate"] = t.DueAt.UTC().Format(time.DateOnly)
	}
	return a.upsert(ctx, extID{"Task", taskKeyField, "task.key", t.Key}, body)
}

// RecordOutcome implements crmadapters.Adapter: the lead's Status becomes the mapping's stage for
// the outcome's status, written by Leadflow_Id__c.
func (a *Adapter) RecordOutcome(ctx context.Context, o crmadapters.Outcome) error {
	stage := a.mapping.Stage(o.Status)
	if stage == "" {
		return &crmadapters.MappingError{CRM: name, Field: "lead.stage", Property: "Lead." + statusField,
			Reason: fmt.Sprintf("no stage for status %q", o.Status)}
	}
	_, err := a.save(ctx, extID{"Lead", leadKeyField, "lead.id", o.LeadID}, crmadapters.Properties{statusField: stage})
	return err
}

// fits refuses a text longer than its field takes: Salesforce would refuse it for good
// (STRING_TOO_LONG), and Leadflow never cuts a text silently.
func fits(field, property, s string, limit int) error {
	if n := utf8.RuneCountInString(s); n > limit {
		return &crmadapters.MappingError{CRM: name, Field: field, Property: property,
			Reason: fmt.Sprintf("%d characters, the field takes %d", n, limit)}
	}
	return nil
}
