package hubspotfake

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The portal's schema: what HubSpot checks before it writes a record.
var (
	// unique are the unique-value properties per object type: HubSpot's own contact e-mail, and
	// the Leadflow keys, which a portal set up for Leadflow defines with hasUniqueValue.
	unique = map[string][]string{"contacts": {"email", "leadflow_contact_id"}, "deals": {"leadflow_lead_id"}}
	// required are the properties HubSpot refuses to create a record without.
	required = map[string][]string{"deals": {"dealname", "dealstage"}, "notes": {"hs_timestamp"}, "tasks": {"hs_timestamp"}}
	// pipelines are the portal's deal pipelines and their stages: HubSpot's default sales pipeline.
	pipelines = map[string][]string{"default": {"appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
		"decisionmakerboughtin", "contractsent", "closedwon", "closedlost"}}
	// enums are the options of enumeration properties.
	enums = map[string]map[string][]string{"tasks": {
		"hs_task_status":   {"NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"},
		"hs_task_type":     {"CALL", "EMAIL", "TODO", "LINKED_IN", "MEETING"},
		"hs_task_priority": {"NONE", "LOW", "MEDIUM", "HIGH"},
	}}
	// associationTypes are HubSpot-defined association type ids, from one object type to another.
	associationTypes = map[[2]string]int{
		{"notes", "contacts"}: 202, {"notes", "deals"}: 214,
		{"tasks", "contacts"}: 204, {"tasks", "deals"}: 216,
		{"deals", "contacts"}: 3, {"contacts", "deals"}: 4,
	}
)

// Limits HubSpot documents.
const (
	maxBatch       = 100   // inputs per batch request
	maxSearchLimit = 200   // results per search page
	maxNoteBody    = 65536 // characters of hs_note_body
)

// apiError is an error answer in HubSpot's shape.
type apiError struct {
	status   int
	category string
	message  string
	context  map[string][]string
}

func (e *apiError) write(w http.ResponseWriter) {
	writeError(w, e.status, e.category, e.message, e.context)
}

func invalid(message string, context map[string][]string) *apiError {
	return &apiError{status: http.StatusBadRequest, category: "VALIDATION_ERROR", message: message, context: context}
}

func notFound(id string) *apiError {
	return &apiError{status: http.StatusNotFound, category: "OBJECT_NOT_FOUND",
		message: "Object not found.  objectId are usually numeric.", context: map[string][]string{"id": {id}}}
}

func knownType(t string) *apiError {
	if slices.Contains(objectTypes, t) {
		return nil
	}
	return invalid("Unable to infer object type from: "+t, nil)
}

// check is HubSpot's validation of a record of objectType about to hold props; self is the
// record's id, "" for a record being created. The caller holds s.mu.
func (s *Server) check(objectType, self string, props map[string]string) *apiError {
	if self == "" {
		var missing []string
		for _, p := range required[objectType] {
			if props[p] == "" {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			return invalid("Some required properties were not set.", map[string][]string{"properties": missing})
		}
	}
	if objectType == "deals" {
		pipeline := props["pipeline"]
		if pipeline == "" {
			pipeline = "default"
		}
		stages, ok := pipelines[pipeline]
		if !ok || (props["dealstage"] != "" && !slices.Contains(stages, props["dealstage"])) {
			return invalid("Property values were not valid", map[string][]string{"properties": {"pipeline", "dealstage"}})
		}
	}
	for p, options := range enums[objectType] {
		if v, ok := props[p]; ok && !slices.Contains(options, v) {
			return invalid("Property values were not valid", map[string][]string{"properties": {p}})
		}
	}
	if o, ok := props["hubspot_owner_id"]; ok && !slices.ContainsFunc(s.owners, func(x owner) bool { return x.id == o }) {
		return invalid("Property values were not valid", map[string][]string{"properties": {"hubspot_owner_id"}})
	}
	if utf8.RuneCountInString(props["hs_note_body"]) > maxNoteBody {
		return invalid("Property values were not valid", map[string][]string{"properties": {"hs_note_body"}})
	}
	for _, p := range unique[objectType] {
		if props[p] == "" {
			continue
		}
		if other := s.findBy(objectType, p, props[p]); other != nil && other.id != self {
			msg := "A record with this unique property value already exists. Existing ID: " + other.id
			if objectType == "contacts" && p == "email" {
				msg = "Contact already exists. Existing ID: " + other.id
			}
			return &apiError{status: http.StatusConflict, category: "CONFLICT", message: msg}
		}
	}
	return nil
}

// findBy finds the record of objectType whose property p holds v; e-mails compare without case,
// as HubSpot stores them. The caller holds s.mu.
func (s *Server) findBy(objectType, p, v string) *record {
	for _, o := range s.objects[objectType] {
		if o.props[p] == v || (p == "email" && strings.EqualFold(o.props[p], v)) {
			return o
		}
	}
	return nil
}

// lookup finds a record by its id, or by the value of idProperty when that is set. The caller
// holds s.mu.
func (s *Server) lookup(objectType, id, idProperty string) (*record, *apiError) {
	if idProperty == "" || idProperty == "hs_object_id" {
		if o, ok := s.objects[objectType][id]; ok {
			return o, nil
		}
		return nil, notFound(id)
	}
	if !slices.Contains(unique[objectType], idProperty) {
		return nil, invalid(idProperty+" is not a unique identifier property", nil)
	}
	if o := s.findBy(objectType, idProperty, id); o != nil {
		return o, nil
	}
	return nil, notFound(id)
}

// insert stores a new record. The caller holds s.mu.
func (s *Server) insert(objectType string, props map[string]string) *record {
	s.nextID++
	now := time.Now().UTC()
	if props == nil {
		props = map[string]string{}
	}
	o := &record{id: strconv.Itoa(s.nextID), props: props, createdAt: now, updatedAt: now}
	s.objects[objectType][o.id] = o
	return o
}

// set writes props onto a record; an empty value clears the property, as in HubSpot. The caller
// holds s.mu.
func set(o *record, props map[string]string) {
	for k, v := range props {
		if v == "" {
			delete(o.props, k)
			continue
		}
		o.props[k] = v
	}
	o.updatedAt = time.Now().UTC()
}

func merged(o *record, props map[string]string) map[string]string {
	out := map[string]string{}
	if o != nil {
		maps.Copy(out, o.props)
	}
	maps.Copy(out, props)
	return out
}
