package hubspot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadflow/leadflow/crmadapters"
)

// HubSpot-defined association types of activities.
const (
	noteToContact = 202
	noteToDeal    = 214
	taskToContact = 204
	taskToDeal    = 216
)

// maxNoteBody is the longest hs_note_body HubSpot takes, in characters.
const maxNoteBody = 65536

// Notes and tasks have no upsert, so each is created once per key with crmadapters.Once. The key
// travels in the record as a marker token at the end of its body, and a retry that does not know
// whether its create arrived searches for it with CONTAINS_TOKEN. A marker rather than a custom
// property: HubSpot's custom activity properties depend on the activity type and the portal's
// plan, a body is on every note and task, and a token of letters and digits is one search term
// whatever the key holds.

// marker is the token for a note or task key: "lf" and 32 hex digits of the key's hash.
func marker(key string) string {
	sum := sha256.Sum256([]byte("leadflow:" + key))
	return "lf" + hex.EncodeToString(sum[:16])
}

// marked is a body with the key's marker on a line of its own.
func marked(body, key string) string {
	return strings.TrimRight(body, "\n") + "\n\nLeadflow ref " + marker(key)
}

type association struct {
	To    idInput           `json:"to"`
	Types []associationType `json:"types"`
}

type associationType struct {
	Category string `json:"associationCategory"`
	TypeID   int    `json:"associationTypeId"`
}

// associations link an activity to its deal and contact, those Leadflow knows.
func associations(dealRef string, toDeal int, contactRef string, toContact int) []association {
	var out []association
	for _, to := range []struct {
		ref    string
		typeID int
	}{{dealRef, toDeal}, {contactRef, toContact}} {
		if to.ref != "" {
			out = append(out, association{To: idInput{ID: to.ref}, Types: []associationType{{"HUBSPOT_DEFINED", to.typeID}}})
		}
	}
	return out
}

type createRequest struct {
	Properties   map[string]string `json:"properties"`
	Associations []association     `json:"associations,omitempty"`
}

// AddNote writes the note on the deal and the contact, once per key.
func (a *Adapter) AddNote(ctx context.Context, n crmadapters.Note) (string, error) {
	if n.Key == "" {
		return "", &crmadapters.MappingError{CRM: crmName, Field: "note.key", Property: "hs_note_body", Reason: "empty"}
	}
	body := marked(n.Body, n.Key)
	if l := utf8.RuneCountInString(body); l > maxNoteBody {
		return "", &crmadapters.MappingError{CRM: crmName, Field: "note.body", Property: "hs_note_body",
			Reason: fmt.Sprintf("%d characters, the property takes %d", l, maxNoteBody)}
	}
	req := createRequest{
		Properties:   map[string]string{"hs_note_body": body, "hs_timestamp": stamp(orNow(n.At))},
		Associations: associations(n.LeadRef, noteToDeal, n.ContactRef, noteToContact),
	}
	return crmadapters.Once(ctx, a.ids, crmName, "note", n.Key,
		func(ctx context.Context) (string, bool, error) {
			return a.findMarked(ctx, "notes", "hs_note_body", n.Key)
		},
		func(ctx context.Context) (string, error) { return a.create(ctx, "notes", req) })
}

// CreateTask creates a call task on the deal and the contact, due when the task is, assigned to
// the rep's HubSpot owner when the rep has one; once per key.
func (a *Adapter) CreateTask(ctx context.Context, t crmadapters.Task) (string, error) {
	if t.Key == "" {
		return "", &crmadapters.MappingError{CRM: crmName, Field: "task.key", Property: "hs_task_body", Reason: "empty"}
	}
	props := map[string]string{
		"hs_task_subject": t.Subject,
		"hs_task_body":    marked(t.Body, t.Key),
		"hs_timestamp":    stamp(orNow(t.DueAt)),
		"hs_task_status":  "NOT_STARTED",
		"hs_task_type":    "CALL",
	}
	create := func(ctx context.Context) (string, error) {
		if t.OwnerEmail != "" {
			owner, err := a.owner(ctx, t.OwnerEmail)
			if err != nil {
				return "", err
			}
			if owner != "" {
				props[ownerProperty] = owner
			}
		}
		return a.create(ctx, "tasks", createRequest{Properties: props,
			Associations: associations(t.LeadRef, taskToDeal, t.ContactRef, taskToContact)})
	}
	return crmadapters.Once(ctx, a.ids, crmName, "task", t.Key,
		func(ctx context.Context) (string, bool, error) {
			return a.findMarked(ctx, "tasks", "hs_task_body", t.Key)
		}, create)
}

// orNow is t, or now for a record whose time Leadflow does not know: HubSpot requires one.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

func (a *Adapter) create(ctx context.Context, objectType string, req createRequest) (string, error) {
	var out object
	if _, err := a.call(ctx, http.MethodPost, "/crm/v3/objects/"+objectType, req, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("hubspot: created %s without an id", objectType)
	}
	return out.ID, nil
}

type searchFilter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        string `json:"value"`
}

type filterGroup struct {
	Filters []searchFilter `json:"filters"`
}

type searchRequest struct {
	FilterGroups []filterGroup `json:"filterGroups"`
	Properties   []string      `json:"properties"`
	Limit        int           `json:"limit"`
}

// findMarked searches the notes or tasks for the one whose body carries key's marker.
func (a *Adapter) findMarked(ctx context.Context, objectType, bodyProperty, key string) (string, bool, error) {
	token := marker(key)
	req := searchRequest{
		FilterGroups: []filterGroup{{Filters: []searchFilter{{PropertyName: bodyProperty, Operator: "CONTAINS_TOKEN", Value: token}}}},
		Properties:   []string{bodyProperty},
		Limit:        10,
	}
	var res struct {
		Results []object `json:"results"`
	}
	if _, err := a.call(ctx, http.MethodPost, "/crm/v3/objects/"+objectType+"/search", req, &res); err != nil {
		return "", false, err
	}
	for _, o := range res.Results {
		if strings.Contains(o.Properties[bodyProperty], token) {
			return o.ID, true, nil
		}
	}
	return "", false, nil
}

// ownerMissTTL is how long a rep who is no HubSpot user is remembered as such: a rep added to
// HubSpot later is found within the hour, and the calls in between spend no request on them.
const ownerMissTTL = time.Hour

// knownOwner is a rep's HubSpot owner id as last looked up; "" until expires for a rep who is
// no HubSpot user.
type knownOwner struct {
	id      string
	expires time.Time
}

// owner is the HubSpot owner id of the rep with e-mail email, "" when the rep is no HubSpot user
// (the record is then left unassigned). Answers are remembered, so a lead's writes spend one
// request on its rep at most.
func (a *Adapter) owner(ctx context.Context, email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a.mu.Lock()
	known, ok := a.owners[email]
	a.mu.Unlock()
	if ok && (known.id != "" || time.Now().Before(known.expires)) {
		return known.id, nil
	}
	var res struct {
		Results []struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"results"`
	}
	if _, err := a.call(ctx, http.MethodGet, "/crm/v3/owners/?email="+url.QueryEscape(email)+"&limit=1", nil, &res); err != nil {
		return "", err
	}
	known = knownOwner{expires: time.Now().Add(ownerMissTTL)}
	for _, o := range res.Results {
		if strings.EqualFold(o.Email, email) && o.ID != "" {
			known = knownOwner{id: o.ID}
			break
		}
	}
	a.mu.Lock()
	a.owners[email] = known
	a.mu.Unlock()
	return known.id, nil
}
