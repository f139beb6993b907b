package hubspotfake

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// batchUpsert is POST /crm/v3/objects/{type}/batch/upsert: each input is found by the unique
// property idProperty holding id, then updated, or created with that value.
func (s *Server) batchUpsert(w http.ResponseWriter, r *http.Request) {
	objectType := r.PathValue("type")
	var in struct {
		Inputs []struct {
			ID                 string            `json:"id"`
			IDProperty         string            `json:"idProperty"`
			Properties         map[string]string `json:"properties"`
			ObjectWriteTraceID string            `json:"objectWriteTraceId"`
		} `json:"inputs"`
	}
	if !decode(w, r, &in) {
		return
	}
	if e := batchSize(knownType(objectType), len(in.Inputs)); e != nil {
		e.write(w)
		return
	}
	started := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	type plan struct {
		existing *record
		props    map[string]string
	}
	plans := make([]plan, 0, len(in.Inputs))
	for _, input := range in.Inputs {
		if input.ID == "" || !slices.Contains(unique[objectType], input.IDProperty) {
			invalid("idProperty must name a unique value property and id its value", nil).write(w)
			return
		}
		props := merged(nil, input.Properties)
		props[input.IDProperty] = input.ID
		existing := s.findBy(objectType, input.IDProperty, input.ID)
		self := ""
		if existing != nil {
			self = existing.id
		}
		if e := s.check(objectType, self, merged(existing, props)); e != nil {
			e.write(w)
			return
		}
		plans = append(plans, plan{existing, props})
	}
	results := make([]map[string]any, 0, len(plans))
	for _, p := range plans {
		o := p.existing
		if o == nil {
			o = s.insert(objectType, map[string]string{})
		}
		set(o, p.props)
		res := objectJSON(o, nil)
		res["new"] = p.existing == nil
		results = append(results, res)
	}
	writeJSON(w, http.StatusOK, batchAnswer(started, results, nil))
}

// batchRead is POST /crm/v3/objects/{type}/batch/read: the records found, and a 207 with an
// OBJECT_NOT_FOUND error naming the ids that were not.
func (s *Server) batchRead(w http.ResponseWriter, r *http.Request) {
	objectType := r.PathValue("type")
	var in struct {
		IDProperty string `json:"idProperty"`
		Inputs     []struct {
			ID string `json:"id"`
		} `json:"inputs"`
		Properties            []string `json:"properties"`
		PropertiesWithHistory []string `json:"propertiesWithHistory"`
	}
	if !decode(w, r, &in) {
		return
	}
	if e := batchSize(knownType(objectType), len(in.Inputs)); e != nil {
		e.write(w)
		return
	}
	started := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	results := []map[string]any{}
	var missing []string
	for _, input := range in.Inputs {
		if seen[input.ID] {
			invalid("Duplicate IDs found in batch input", map[string][]string{"ids": {input.ID}}).write(w)
			return
		}
		seen[input.ID] = true
		o, e := s.lookup(objectType, input.ID, in.IDProperty)
		switch {
		case e != nil && e.status == http.StatusNotFound:
			missing = append(missing, input.ID)
		case e != nil:
			e.write(w)
			return
		default:
			results = append(results, objectJSON(o, in.Properties))
		}
	}
	if len(missing) == 0 {
		writeJSON(w, http.StatusOK, batchAnswer(started, results, nil))
		return
	}
	object := strings.ToUpper(strings.TrimSuffix(objectType, "s"))
	writeJSON(w, http.StatusMultiStatus, batchAnswer(started, results, []map[string]any{{
		"status":   "error",
		"category": "OBJECT_NOT_FOUND",
		"message":  fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.", object),
		"context":  map[string][]string{"ids": missing},
	}}))
}

// create is POST /crm/v3/objects/{type}: a new record, with its associations.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	objectType := r.PathValue("type")
	var in struct {
		Properties   map[string]string `json:"properties"`
		Associations []struct {
			To struct {
				ID string `json:"id"`
			} `json:"to"`
			Types []struct {
				AssociationCategory string `json:"associationCategory"`
				AssociationTypeID   int    `json:"associationTypeId"`
			} `json:"types"`
		} `json:"associations"`
		ObjectWriteTraceID string `json:"objectWriteTraceId"`
	}
	if !decode(w, r, &in) {
		return
	}
	if e := knownType(objectType); e != nil {
		e.write(w)
		return
	}
	if in.Properties == nil {
		invalid("properties are required", nil).write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.check(objectType, "", in.Properties); e != nil {
		e.write(w)
		return
	}
	var edges []edge
	for _, a := range in.Associations {
		if len(a.Types) == 0 {
			invalid("an association needs at least one type", nil).write(w)
			return
		}
		for _, t := range a.Types {
			to, ok := associationTarget(objectType, t.AssociationTypeID)
			if t.AssociationCategory != "HUBSPOT_DEFINED" || !ok {
				invalid(fmt.Sprintf("%s/%d is not a valid association type from %s", t.AssociationCategory, t.AssociationTypeID, objectType), nil).write(w)
				return
			}
			if _, ok := s.objects[to][a.To.ID]; !ok {
				invalid("One or more associations are invalid", map[string][]string{"ids": {a.To.ID}}).write(w)
				return
			}
			edges = append(edges, edge{toType: to, toID: a.To.ID, typeID: t.AssociationTypeID})
		}
	}
	o := s.insert(objectType, merged(nil, in.Properties))
	for _, e := range edges {
		e.fromType, e.fromID = objectType, o.id
		s.edges[e] = true
	}
	writeJSON(w, http.StatusCreated, objectJSON(o, nil))
}

func associationTarget(from string, typeID int) (string, bool) {
	for k, id := range associationTypes {
		if k[0] == from && id == typeID {
			return k[1], true
		}
	}
	return "", false
}

// get is GET /crm/v3/objects/{type}/{id}?properties=…&idProperty=….
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	objectType := r.PathValue("type")
	if e := knownType(objectType); e != nil {
		e.write(w)
		return
	}
	q := r.URL.Query()
	var props []string
	for _, p := range q["properties"] {
		props = append(props, strings.Split(p, ",")...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, e := s.lookup(objectType, r.PathValue("id"), q.Get("idProperty"))
	if e != nil {
		e.write(w)
		return
	}
	if props == nil {
		props = []string{}
	}
	writeJSON(w, http.StatusOK, objectJSON(o, props))
}

// update is PATCH /crm/v3/objects/{type}/{id}?idProperty=…: the properties given are written.
func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	objectType := r.PathValue("type")
	var in struct {
		Properties         map[string]string `json:"properties"`
		ObjectWriteTraceID string            `json:"objectWriteTraceId"`
	}
	if !decode(w, r, &in) {
		return
	}
	if e := knownType(objectType); e != nil {
		e.write(w)
		return
	}
	if len(in.Properties) == 0 {
		invalid("properties are required", nil).write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, e := s.lookup(objectType, r.PathValue("id"), r.URL.Query().Get("idProperty"))
	if e == nil {
		e = s.check(objectType, o.id, merged(o, in.Properties))
	}
	if e != nil {
		e.write(w)
		return
	}
	set(o, in.Properties)
	writeJSON(w, http.StatusOK, objectJSON(o, nil))
}

// associateDefault is PUT /crm/v4/objects/{from}/{fromID}/associations/default/{to}/{toID}: the
// two records are associated with HubSpot's default type, both ways; associating them again
// changes nothing.
func (s *Server) associateDefault(w http.ResponseWriter, r *http.Request) {
	from, to := r.PathValue("from"), r.PathValue("to")
	fromID, toID := r.PathValue("fromID"), r.PathValue("toID")
	typeID, ok := associationTypes[[2]string{from, to}]
	back, okBack := associationTypes[[2]string{to, from}]
	if !ok || !okBack {
		invalid(fmt.Sprintf("no default association from %s to %s", from, to), nil).write(w)
		return
	}
	started := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range []struct{ objectType, id string }{{from, fromID}, {to, toID}} {
		if _, ok := s.objects[x.objectType][x.id]; !ok {
			notFound(x.id).write(w)
			return
		}
	}
	s.edges[edge{from, fromID, to, toID, typeID}] = true
	s.edges[edge{to, toID, from, fromID, back}] = true
	writeJSON(w, http.StatusOK, batchAnswer(started, []map[string]any{{
		"from":            map[string]string{"id": fromID},
		"to":              map[string]string{"id": toID},
		"associationSpec": map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": typeID},
	}}, nil))
}

func batchSize(e *apiError, n int) *apiError {
	switch {
	case e != nil:
		return e
	case n == 0:
		return invalid("inputs must not be empty", nil)
	case n > maxBatch:
		return invalid(fmt.Sprintf("The maximum number of inputs supported in a batch request is %d. Please reduce the number of items and try again", maxBatch), nil)
	}
	return nil
}

func batchAnswer(started time.Time, results []map[string]any, errs []map[string]any) map[string]any {
	a := map[string]any{"status": "COMPLETE", "results": results, "startedAt": stamp(started), "completedAt": stamp(time.Now())}
	if len(errs) > 0 {
		a["errors"] = errs
		a["numErrors"] = len(errs)
	}
	return a
}

// objectJSON is a record as HubSpot answers it: with only the properties asked for when props is
// not nil, else every property it holds.
func objectJSON(o *record, props []string) map[string]any {
	out := map[string]string{"hs_object_id": o.id}
	for k, v := range o.props {
		if props == nil || slices.Contains(props, k) {
			out[k] = v
		}
	}
	return map[string]any{"id": o.id, "properties": out, "createdAt": stamp(o.createdAt), "updatedAt": stamp(o.updatedAt), "archived": false}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func idOrder(a, b *record) int {
	x, _ := strconv.Atoi(a.id)
	y, _ := strconv.Atoi(b.id)
	return x - y
}
