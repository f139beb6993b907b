package pipedrivefake

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxLimit is the largest page Pipedrive v1 lists and searches return. Pipedrive itself caps a
// larger limit; the fake refuses it (400), so an adapter asking for more than it gets is caught.
const maxLimit = 500

// searchable are the fields each entity's search endpoint takes in its fields parameter.
var searchable = map[string][]string{
	persons:       {"custom_fields", "email", "notes", "phone", "name"},
	organizations: {"address", "custom_fields", "notes", "name"},
	deals:         {"custom_fields", "notes", "title"},
}

// itemTypes are the type search results give each entity.
var itemTypes = map[string]string{persons: "person", organizations: "organization", deals: "deal"}

// search serves GET /v1/{entity}/search: term (at least 2 characters, or 1 with exact_match),
// fields, exact_match (case-insensitive equality), start and limit. Notes are not indexed.
func (s *Server) search(entity string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		term := q.Get("term")
		exact, err := strconv.ParseBool(q.Get("exact_match"))
		if q.Get("exact_match") == "" {
			exact, err = false, nil
		}
		switch {
		case err != nil:
			writeError(w, http.StatusBadRequest, "exact_match must be a boolean")
			return
		case utf8.RuneCountInString(term) < 2 && !(exact && term != ""):
			writeError(w, http.StatusBadRequest, "Search term must be at least 2 characters long")
			return
		}
		fields := searchable[entity]
		if f := q.Get("fields"); f != "" {
			fields = strings.Split(f, ",")
			for _, f := range fields {
				if !slices.Contains(searchable[entity], f) {
					writeError(w, http.StatusBadRequest, fmt.Sprintf("fields: %q cannot be searched", f))
					return
				}
			}
		}
		var items []any
		for _, id := range slices.Sorted(maps.Keys(s.records[entity])) {
			rec := s.records[entity][id]
			if rec["status"] == "deleted" || rec["active_flag"] == false {
				continue
			}
			if matches(rec, fields, term, exact) {
				items = append(items, map[string]any{"result_score": 1.0, "item": s.searchItem(entity, rec)})
			}
		}
		page, more, err := paginate(items, q)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if page == nil {
			page = []any{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "data": map[string]any{"items": page}, "additional_data": more})
	}
}

func matches(rec map[string]any, fields []string, term string, exact bool) bool {
	for _, f := range fields {
		for _, v := range searchValues(rec, f) {
			if exact && strings.EqualFold(v, term) || !exact && strings.Contains(strings.ToLower(v), strings.ToLower(term)) {
				return true
			}
		}
	}
	return false
}

// searchValues are the texts a search in field looks at.
func searchValues(rec map[string]any, field string) []string {
	var out []string
	switch field {
	case "custom_fields":
		for k, v := range rec {
			if customKey.MatchString(k) && v != nil {
				out = append(out, fmt.Sprint(v))
			}
		}
	case "email", "phone":
		for _, c := range channels(rec[field]) {
			out = append(out, c.(map[string]any)["value"].(string))
		}
	case "name", "title", "address":
		if v, ok := rec[field].(string); ok {
			out = append(out, v)
		}
	}
	return out
}

// searchItem is a record as search results show it.
func (s *Server) searchItem(entity string, rec map[string]any) map[string]any {
	item := map[string]any{"id": rec["id"], "type": itemTypes[entity], "visible_to": 3, "owner": map[string]any{"id": 1},
		"custom_fields": searchValues(rec, "custom_fields"), "notes": []string{}}
	switch entity {
	case persons:
		item["name"] = rec["name"]
		item["emails"], item["phones"] = searchValues(rec, "email"), searchValues(rec, "phone")
		item["organization"] = s.link(organizations, rec["org_id"])
	case organizations:
		item["name"], item["address"] = rec["name"], rec["address"]
	case deals:
		for _, k := range []string{"title", "value", "currency", "status"} {
			item[k] = rec[k]
		}
		item["stage"] = map[string]any{"id": rec["stage_id"], "name": fmt.Sprintf("Stage %v", rec["stage_id"])}
		item["person"] = s.link(persons, rec["person_id"])
		item["organization"] = s.link(organizations, rec["org_id"])
	}
	return item
}

func (s *Server) link(entity string, ref any) any {
	id, ok := intValue(ref)
	if !ok {
		return nil
	}
	return map[string]any{"id": id, "name": s.records[entity][id]["name"]}
}

// listNotes serves GET /v1/notes, filtered by deal_id, person_id and org_id.
func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filters := map[string]int{}
	for _, f := range []string{"deal_id", "person_id", "org_id"} {
		if v := q.Get(f); v != "" {
			id, err := strconv.Atoi(v)
			if err != nil {
				writeError(w, http.StatusBadRequest, f+" must be an integer")
				return
			}
			filters[f] = id
		}
	}
	s.list(w, q, notes, func(rec map[string]any) bool {
		for f, id := range filters {
			if n, _ := intValue(rec[f]); n != id {
				return false
			}
		}
		return true
	})
}

// dealActivities serves GET /v1/deals/{id}/activities.
func (s *Server) dealActivities(w http.ResponseWriter, r *http.Request) {
	id, _, ok := s.lookup(deals, r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, notFound[deals])
		return
	}
	s.list(w, r.URL.Query(), activities, func(rec map[string]any) bool {
		n, _ := intValue(rec["deal_id"])
		return n == id
	})
}

// list writes a page of entity's records that keep, oldest first; an empty list's data is null,
// as Pipedrive's is.
func (s *Server) list(w http.ResponseWriter, q url.Values, entity string, keep func(map[string]any) bool) {
	var items []any
	for _, id := range slices.Sorted(maps.Keys(s.records[entity])) {
		if rec := s.records[entity][id]; keep(rec) {
			items = append(items, s.view(entity, rec))
		}
	}
	page, more, err := paginate(items, q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "data": page, "additional_data": more})
}

// paginate cuts a page by start and limit (100 when absent) and describes it as Pipedrive's
// additional_data.
func paginate(items []any, q url.Values) ([]any, map[string]any, error) {
	start, limit := 0, 100
	var err error
	if v := q.Get("start"); v != "" {
		if start, err = strconv.Atoi(v); err != nil || start < 0 {
			return nil, nil, fmt.Errorf("start must be a non-negative integer")
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxLimit {
			return nil, nil, fmt.Errorf("limit must be between 1 and %d", maxLimit)
		}
	}
	end := min(start+limit, len(items))
	var page []any
	if start < len(items) {
		page = items[start:end]
	}
	p := map[string]any{"start": start, "limit": limit, "more_items_in_collection": end < len(items)}
	if end < len(items) {
		p["next_start"] = end
	}
	return page, map[string]any{"pagination": p}, nil
}
