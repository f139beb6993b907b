package hubspotfake

import (
	"encoding/json"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Search limits HubSpot documents.
const (
	maxFilterGroups = 5
	maxGroupFilters = 6
	maxFilters      = 18
)

type filter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        string   `json:"value,omitempty"`
	Values       []string `json:"values,omitempty"`
}

// filterGroup matches a record when all its filters do.
type filterGroup struct {
	Filters []filter `json:"filters"`
}

func (g filterGroup) matches(props map[string]string) bool {
	return !slices.ContainsFunc(g.Filters, func(f filter) bool { return !matchers[f.Operator](props, f) })
}

// search is POST /crm/v3/objects/{type}/search: the records any filter group matches all filters
// of, oldest first, a page at a time.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	objectType := r.PathValue("type")
	var in struct {
		FilterGroups []filterGroup     `json:"filterGroups"`
		Properties   []string          `json:"properties"`
		Limit        int               `json:"limit"`
		After        string            `json:"after"`
		Sorts        []json.RawMessage `json:"sorts"`
	}
	if !decode(w, r, &in) {
		return
	}
	if e := knownType(objectType); e != nil {
		e.write(w)
		return
	}
	total := 0
	for _, g := range in.FilterGroups {
		total += len(g.Filters)
		if len(g.Filters) > maxGroupFilters {
			invalid("too many filters in a filter group", nil).write(w)
			return
		}
		for _, f := range g.Filters {
			if _, ok := matchers[f.Operator]; !ok {
				invalid("unsupported operator "+f.Operator, nil).write(w)
				return
			}
		}
	}
	after, err := strconv.Atoi(in.After)
	switch {
	case len(in.FilterGroups) > maxFilterGroups || total > maxFilters:
		invalid("too many filters", nil).write(w)
		return
	case in.Limit < 0 || in.Limit > maxSearchLimit:
		invalid("limit must be between 0 and 200", nil).write(w)
		return
	case in.After != "" && (err != nil || after < 0):
		invalid("after must be a paging cursor", nil).write(w)
		return
	}
	limit := in.Limit
	if limit == 0 {
		limit = 10
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []*record
	for _, o := range s.objects[objectType] {
		if len(in.FilterGroups) == 0 || slices.ContainsFunc(in.FilterGroups, func(g filterGroup) bool { return g.matches(o.props) }) {
			found = append(found, o)
		}
	}
	slices.SortFunc(found, idOrder)
	props := in.Properties
	if props == nil {
		props = []string{}
	}
	results := []map[string]any{}
	for _, o := range found[min(after, len(found)):min(after+limit, len(found))] {
		results = append(results, objectJSON(o, props))
	}
	answer := map[string]any{"total": len(found), "results": results}
	if after+limit < len(found) {
		answer["paging"] = map[string]any{"next": map[string]string{"after": strconv.Itoa(after + limit)}}
	}
	writeJSON(w, http.StatusOK, answer)
}

// matchers are the search operators the fake knows.
var matchers = map[string]func(props map[string]string, f filter) bool{
	"EQ":  func(p map[string]string, f filter) bool { return strings.EqualFold(p[f.PropertyName], f.Value) },
	"NEQ": func(p map[string]string, f filter) bool { return !strings.EqualFold(p[f.PropertyName], f.Value) },
	"IN": func(p map[string]string, f filter) bool {
		return slices.ContainsFunc(f.Values, func(v string) bool { return strings.EqualFold(p[f.PropertyName], v) })
	},
	"HAS_PROPERTY":       func(p map[string]string, f filter) bool { return p[f.PropertyName] != "" },
	"NOT_HAS_PROPERTY":   func(p map[string]string, f filter) bool { return p[f.PropertyName] == "" },
	"CONTAINS_TOKEN":     containsToken,
	"NOT_CONTAINS_TOKEN": func(p map[string]string, f filter) bool { return !containsToken(p, f) },
}

// containsToken matches a word of the property's text, as HubSpot's search index splits it: on
// anything that is not a letter or a digit, without case; "*" in the value is a wildcard.
func containsToken(p map[string]string, f filter) bool {
	want := strings.ToLower(f.Value)
	tokens := strings.FieldsFunc(strings.ToLower(p[f.PropertyName]), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	return slices.ContainsFunc(tokens, func(t string) bool {
		ok, _ := path.Match(want, t)
		return ok
	})
}
