package pipedrive

import (
	"context"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
)

// AddNote writes the note on the lead's deal (and its person), found again by the marker its
// content carries.
func (a *Adapter) AddNote(ctx context.Context, n crmadapters.Note) (string, error) {
	if n.Key == "" {
		return "", &crmadapters.MappingError{CRM: name, Field: "note.key", Property: "content", Reason: "required, but the note has none"}
	}
	deal, err := recordID(n.LeadRef, "note.lead_ref", "deal_id")
	if err != nil {
		return "", err
	}
	body := map[string]any{"content": marked(n.Body, n.Key), "deal_id": deal}
	if err := linkPerson(body, n.ContactRef, "note.contact_ref"); err != nil {
		return "", err
	}
	if !n.At.IsZero() {
		body["add_time"] = n.At.UTC().Format(time.DateTime)
	}
	return crmadapters.Once(ctx, a.ids, name, kindNote, n.Key,
		func(ctx context.Context) (string, bool, error) {
			return a.findMarked(ctx, "/v1/notes", url.Values{"deal_id": {strconv.Itoa(deal)}}, marker(n.Key))
		},
		func(ctx context.Context) (string, error) { return a.create(ctx, "/v1/notes", body) })
}

// CreateTask writes the task as a call activity on the lead's deal, found again by the marker its
// note carries. Its owner stays the API token's user: assigning the rep needs their Pipedrive
// user id, which Leadflow does not hold.
func (a *Adapter) CreateTask(ctx context.Context, t crmadapters.Task) (string, error) {
	if t.Key == "" {
		return "", &crmadapters.MappingError{CRM: name, Field: "task.key", Property: "note", Reason: "required, but the task has none"}
	}
	deal, err := recordID(t.LeadRef, "task.lead_ref", "deal_id")
	if err != nil {
		return "", err
	}
	body := map[string]any{"subject": t.Subject, "type": "call", "deal_id": deal, "note": marked(t.Body, t.Key)}
	if err := linkPerson(body, t.ContactRef, "task.contact_ref"); err != nil {
		return "", err
	}
	if !t.DueAt.IsZero() {
		due := t.DueAt.UTC() // Pipedrive reads due_time as UTC
		body["due_date"] = due.Format(time.DateOnly)
		body["due_time"] = due.Format("15:04")
	}
	return crmadapters.Once(ctx, a.ids, name, kindTask, t.Key,
		func(ctx context.Context) (string, bool, error) {
			return a.findMarked(ctx, "/v1/deals/"+strconv.Itoa(deal)+"/activities", url.Values{}, marker(t.Key))
		},
		func(ctx context.Context) (string, error) { return a.create(ctx, "/v1/activities", body) })
}

// linkPerson links the record to the contact's person when Leadflow knows it.
func linkPerson(body map[string]any, ref, field string) error {
	if ref == "" {
		return nil
	}
	id, err := recordID(ref, field, "person_id")
	body["person_id"] = id
	return err
}

// marked is text as the HTML Pipedrive notes hold, ending in the key's marker. The text is
// escaped, so no text can forge a marker.
func marked(text, key string) string {
	return strings.ReplaceAll(html.EscapeString(text), "\n", "<br>") + marker(key)
}

// marker is an HTML comment carrying the key: hidden from reps, kept in the content the API
// returns.
func marker(key string) string {
	return "<!-- leadflow:" + html.EscapeString(key) + " -->"
}
