package hubspot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"

	"github.com/leadflow/leadflow/crmadapters"
)

// upsertInput is one input of a batch upsert: the record whose unique property idProperty holds
// id, created when none does.
type upsertInput struct {
	IDProperty string            `json:"idProperty"`
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
}

type upsertRequest struct {
	Inputs []upsertInput `json:"inputs"`
}

// UpsertContact writes the contact by its Leadflow id in one batch upsert, so a retry of a write
// whose answer was lost updates the contact it created. A contact HubSpot already holds under the
// same e-mail (created by a rep, or by a form) is adopted: see adoptContact.
func (a *Adapter) UpsertContact(ctx context.Context, c crmadapters.Contact) (string, error) {
	if c.ContactID == "" {
		return "", &crmadapters.MappingError{CRM: crmName, Field: "contact.id", Property: contactKey, Reason: "empty"}
	}
	props, err := a.mapping.ContactProperties(crmName, c)
	if err != nil {
		return "", err
	}
	in := text(props)
	var out batchAnswer
	ans, err := a.call(ctx, http.MethodPost, "/crm/v3/objects/contacts/batch/upsert",
		upsertRequest{Inputs: []upsertInput{{IDProperty: contactKey, ID: c.ContactID, Properties: in}}}, &out)
	if ans.Status == http.StatusConflict {
		return a.adoptContact(ctx, c.ContactID, in, ans)
	}
	if err != nil {
		return "", err
	}
	return out.only()
}

// existingID reads the id of the contact HubSpot's e-mail conflict names ("Contact already
// exists. Existing ID: 12345"): the one place the adapter reads HubSpot's free text, and only
// the digits of it.
var existingID = regexp.MustCompile(`Existing ID: ([0-9]+)`)

// adoptContact handles the upsert's 409: HubSpot keeps one contact per e-mail, and another
// contact holds this one's. That contact becomes Leadflow's: it is given the Leadflow id and the
// mapped properties, and its id is the answer, so the person stays one HubSpot contact. A contact
// that already carries another Leadflow contact's id is not taken from it: two Leadflow contacts
// HubSpot sees as one person is for a person to decide.
func (a *Adapter) adoptContact(ctx context.Context, contactID string, props map[string]string, conflict crmadapters.Answer) (string, error) {
	existing := conflictingID(conflict)
	if existing == "" {
		return "", a.fail(conflict)
	}
	path := "/crm/v3/objects/contacts/" + url.PathEscape(existing)
	var cur object
	if _, err := a.call(ctx, http.MethodGet, path+"?properties="+contactKey, nil, &cur); err != nil {
		return "", err
	}
	if owner := cur.Properties[contactKey]; owner != "" && owner != contactID {
		return "", &crmadapters.ReviewError{CRM: crmName, Reason: "the contact's e-mail belongs to the HubSpot contact of another Leadflow contact",
			Candidates: []string{existing}}
	}
	props[contactKey] = contactID
	ans, err := a.call(ctx, http.MethodPatch, path, map[string]any{"properties": props}, nil)
	if ans.Status == http.StatusConflict {
		// Another HubSpot contact holds the Leadflow id: the contact's e-mail changed to one of
		// another HubSpot contact.
		candidates := []string{existing}
		if other := conflictingID(ans); other != "" && other != existing {
			candidates = append(candidates, other)
		}
		return "", &crmadapters.ReviewError{CRM: crmName, Reason: "two HubSpot contacts hold the contact's Leadflow id and e-mail",
			Candidates: candidates}
	}
	if err != nil {
		return "", err
	}
	return existing, nil
}

// conflictingID is the id of the record a 409 CONFLICT names; "" for any other answer.
func conflictingID(ans crmadapters.Answer) string {
	var e struct {
		Category string `json:"category"`
		Message  string `json:"message"`
	}
	if ans.Status != http.StatusConflict || json.Unmarshal(ans.Body, &e) != nil || e.Category != "CONFLICT" {
		return ""
	}
	if m := existingID.FindStringSubmatch(e.Message); m != nil {
		return m[1]
	}
	return ""
}
