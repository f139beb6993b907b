package pipedrivefake

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// accepted are the fields each entity takes besides custom fields (40-character keys). Pipedrive
// ignores fields it does not know; the fake refuses them, so a misspelt property fails a test.
var accepted = map[string][]string{
	persons:       {"name", "owner_id", "org_id", "email", "phone", "visible_to", "marketing_status", "add_time", "label", "label_ids", "first_name", "last_name"},
	organizations: {"name", "owner_id", "visible_to", "add_time", "label", "address"},
	deals: {"title", "value", "currency", "user_id", "person_id", "org_id", "pipeline_id", "stage_id", "status",
		"expected_close_date", "probability", "lost_reason", "visible_to", "add_time", "label"},
	notes: {"content", "lead_id", "deal_id", "person_id", "org_id", "user_id", "add_time",
		"pinned_to_lead_flag", "pinned_to_deal_flag", "pinned_to_organization_flag", "pinned_to_person_flag"},
	activities: {"subject", "type", "due_date", "due_time", "duration", "deal_id", "lead_id", "person_id", "project_id", "org_id",
		"location", "public_description", "note", "user_id", "participants", "busy_flag", "attendees", "done"},
}

// notFound is each entity's 404 error.
var notFound = map[string]string{persons: "Person not found", organizations: "Organization not found", deals: "Deal not found",
	notes: "Note not found", activities: "Activity not found"}

// activityTypes are the key_strings of a new account's activity types.
var activityTypes = []string{"call", "meeting", "task", "deadline", "email", "lunch"}

var (
	currency = regexp.MustCompile(`^[A-Z]{3}$`)
	clock    = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// invalid is a request Pipedrive refuses with 400.
type invalid string

func bodyOf(r *http.Request) map[string]any {
	b, _ := r.Context().Value(bodyKey{}).(map[string]any)
	return b
}

func (s *Server) add(entity string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := map[string]any{}
		if err := s.apply(entity, rec, bodyOf(r), true); err != "" {
			writeError(w, http.StatusBadRequest, string(err))
			return
		}
		s.lastID++
		rec["id"] = float64(s.lastID)
		s.records[entity][s.lastID] = rec
		writeData(w, http.StatusCreated, s.view(entity, rec))
	}
}

func (s *Server) update(entity string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, rec, ok := s.lookup(entity, r.PathValue("id"))
		if !ok {
			writeError(w, http.StatusNotFound, notFound[entity])
			return
		}
		rec = maps.Clone(rec)
		if err := s.apply(entity, rec, bodyOf(r), false); err != "" {
			writeError(w, http.StatusBadRequest, string(err))
			return
		}
		s.records[entity][id] = rec
		writeData(w, http.StatusOK, s.view(entity, rec))
	}
}

func (s *Server) get(entity string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, rec, ok := s.lookup(entity, r.PathValue("id"))
		if !ok {
			writeError(w, http.StatusNotFound, notFound[entity])
			return
		}
		writeData(w, http.StatusOK, s.view(entity, rec))
	}
}

func (s *Server) lookup(entity, ref string) (int, map[string]any, bool) {
	id, err := strconv.Atoi(ref)
	if err != nil {
		return 0, nil, false
	}
	rec, ok := s.records[entity][id]
	return id, rec, ok
}

// apply checks body as Pipedrive does for entity and writes it into rec.
func (s *Server) apply(entity string, rec, body map[string]any, creating bool) invalid {
	if body == nil {
		return "Request body is required"
	}
	for _, k := range slices.Sorted(maps.Keys(body)) {
		v := body[k]
		if !slices.Contains(accepted[entity], k) && !customKey.MatchString(k) {
			return invalid("Unknown field " + k)
		}
		if err := s.check(entity, k, v); err != "" {
			return err
		}
		rec[k] = v
		if k == "email" || k == "phone" {
			rec[k] = channels(v)
		}
	}
	switch entity {
	case persons, organizations:
		if n, _ := rec["name"].(string); strings.TrimSpace(n) == "" {
			return "Name must be given."
		}
	case deals:
		if t, _ := rec["title"].(string); strings.TrimSpace(t) == "" {
			return "Deal title must be given."
		}
		if creating && rec["person_id"] == nil && rec["org_id"] == nil {
			return "Deal must be linked to a person or an organization."
		}
		if err := s.place(rec, body, creating); err != "" {
			return err
		}
	case notes:
		if c, _ := rec["content"].(string); strings.TrimSpace(c) == "" {
			return "Note content must be given."
		}
		if rec["deal_id"] == nil && rec["person_id"] == nil && rec["org_id"] == nil && rec["lead_id"] == nil {
			return "Note must be attached to a deal, person, organization or lead."
		}
	case activities:
		if rec["type"] == nil {
			rec["type"] = "call"
		}
		if rec["subject"] == nil || rec["subject"] == "" {
			rec["subject"] = "Call"
		}
		if rec["done"] == nil {
			rec["done"] = false
		}
	}
	return s.unique(entity, rec)
}

// check checks one field's value.
func (s *Server) check(entity, k string, v any) invalid {
	if v == nil {
		return ""
	}
	switch k {
	case "person_id", "org_id", "deal_id":
		linked := map[string]string{"person_id": persons, "org_id": organizations, "deal_id": deals}[k]
		id, ok := intValue(v)
		if _, exists := s.records[linked][id]; !ok || !exists {
			return invalid(notFound[linked])
		}
	case "lead_id":
		return "Lead not found" // the fake holds no Pipedrive leads
	case "name", "title", "content", "subject", "note", "lost_reason", "address":
		if _, ok := v.(string); !ok {
			return invalid(k + " must be a string")
		}
	case "email", "phone":
		if channels(v) == nil {
			return invalid(k + " must be a string or an array of {value, primary, label}")
		}
		for _, c := range channels(v) {
			if l := c.(map[string]any)["label"]; !slices.Contains(labels[k], l.(string)) {
				return invalid(fmt.Sprintf("%s label %q is not one of %s", k, l, strings.Join(labels[k], ", ")))
			}
		}
	case "status":
		if !slices.Contains([]any{"open", "won", "lost", "deleted"}, v) {
			return "Status must be one of open, won, lost, deleted."
		}
	case "stage_id", "pipeline_id":
		if _, ok := intValue(v); !ok {
			return invalid(k + " must be an integer")
		}
	case "value":
		switch n := v.(type) {
		case float64:
		case string:
			if _, err := strconv.ParseFloat(n, 64); err != nil {
				return "value must be a number"
			}
		default:
			return "value must be a number"
		}
	case "currency":
		if c, _ := v.(string); !currency.MatchString(c) {
			return "Currency must be a 3-character currency code."
		}
	case "add_time":
		if t, _ := v.(string); !parses(time.DateTime, t) {
			return "add_time must be YYYY-MM-DD HH:MM:SS"
		}
	case "due_date":
		if t, _ := v.(string); !parses(time.DateOnly, t) {
			return "due_date must be YYYY-MM-DD"
		}
	case "due_time":
		if t, _ := v.(string); !clock.MatchString(t) {
			return "due_time must be HH:MM"
		}
	case "type":
		if entity == activities && !slices.Contains(activityTypes, fmt.Sprint(v)) {
			return "Activity type is not valid."
		}
	}
	return ""
}

func parses(layout, v string) bool {
	_, err := time.Parse(layout, v)
	return err == nil
}

// labels are what Pipedrive takes as an e-mail's or a phone's label.
var labels = map[string][]string{"email": {"work", "home", "other", ""}, "phone": {"work", "home", "mobile", "other", ""}}

// channels reads e-mail addresses or phone numbers given as a string or as an array of
// {value, primary, label}; nil when they are neither.
func channels(v any) []any {
	switch c := v.(type) {
	case string:
		return []any{map[string]any{"value": c, "primary": true, "label": ""}}
	case []any:
		out := make([]any, 0, len(c))
		for _, item := range c {
			m, ok := item.(map[string]any)
			if !ok {
				return nil
			}
			value, ok := m["value"].(string)
			primary, pok := m["primary"].(bool)
			label, lok := m["label"].(string)
			if !ok || value == "" || (m["primary"] != nil && !pok) || (m["label"] != nil && !lok) {
				return nil
			}
			for k := range m {
				if k != "value" && k != "primary" && k != "label" {
					return nil
				}
			}
			out = append(out, map[string]any{"value": value, "primary": primary, "label": label})
		}
		return out
	}
	return nil
}

// place sets a deal's stage and pipeline. A stage names its pipeline, and Pipedrive ignores
// pipeline_id next to stage_id; a pipeline alone means its first stage; a deal created with
// neither starts in the first stage of the first pipeline.
func (s *Server) place(rec, body map[string]any, creating bool) invalid {
	if rec["status"] == nil {
		rec["status"] = "open"
	}
	pipeline, stage := 0, 0
	switch {
	case body["stage_id"] != nil:
		stage, _ = intValue(body["stage_id"])
		for p, stages := range s.cfg.Pipelines {
			if slices.Contains(stages, stage) {
				pipeline = p
			}
		}
		if pipeline == 0 {
			return "Stage not found"
		}
	case body["pipeline_id"] != nil:
		pipeline, _ = intValue(body["pipeline_id"])
		if len(s.cfg.Pipelines[pipeline]) == 0 {
			return "Pipeline not found"
		}
		stage = s.cfg.Pipelines[pipeline][0]
	case creating:
		pipeline = slices.Min(slices.Collect(maps.Keys(s.cfg.Pipelines)))
		stage = s.cfg.Pipelines[pipeline][0]
	default:
		return ""
	}
	rec["stage_id"], rec["pipeline_id"] = float64(stage), float64(pipeline)
	return ""
}

// unique refuses a second person or deal holding the same Leadflow key (see Config).
func (s *Server) unique(entity string, rec map[string]any) invalid {
	field := map[string]string{persons: s.cfg.ContactKeyField, deals: s.cfg.LeadKeyField}[entity]
	if field == "" || rec[field] == nil {
		return ""
	}
	for id, other := range s.records[entity] {
		if other["id"] != rec["id"] && other[field] == rec[field] {
			return invalid(fmt.Sprintf("fake: %s %d already holds this key", entity, id))
		}
	}
	return ""
}
