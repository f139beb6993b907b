package zohofake

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// maxRecords is how many records one insert, update or upsert takes.
const maxRecords = 100

// maxNotesPerPage is the largest page of notes.
const maxNotesPerPage = 200

// mandatory are the fields Zoho will not create a record without.
var mandatory = map[string][]string{
	"Contacts": {"Last_Name"},
	"Deals":    {"Deal_Name", "Stage"},
	"Tasks":    {"Subject"},
	"Notes":    {"Note_Content"},
}

// upsertable are the modules POST /{module}/upsert takes; activities (Tasks) are not among them.
var upsertable = []string{"Contacts", "Deals"}

// outcome is one record's entry in a write's answer.
type outcome map[string]any

func (s *Server) upsert(w http.ResponseWriter, r *http.Request, body any) {
	module := r.PathValue("module")
	if !s.module(w, module, upsertable) {
		return
	}
	data, ok := s.data(w, body)
	if !ok {
		return
	}
	checks := s.unique[module]
	if v, ok := body.(map[string]any)["duplicate_check_fields"]; ok {
		if checks, ok = stringList(v); !ok || len(checks) == 0 || !allIn(checks, s.unique[module]) {
			writeJSON(w, http.StatusBadRequest, apiError("INVALID_DATA", "invalid duplicate check field", map[string]any{"api_name": "duplicate_check_fields"}))
			return
		}
	}
	writeOutcomes(w, http.StatusOK, eachRecord(data, func(fields map[string]any) outcome {
		id, field := s.match(module, checks, fields)
		if id == "" {
			return s.create(module, fields)
		}
		o := s.change(module, id, fields)
		if o["status"] == "success" {
			o["action"], o["duplicate_field"] = "update", field
		}
		return o
	}))
}

func (s *Server) insert(w http.ResponseWriter, r *http.Request, body any) {
	module := r.PathValue("module")
	if !s.module(w, module, []string{"Contacts", "Deals", "Tasks"}) {
		return
	}
	data, ok := s.data(w, body)
	if !ok {
		return
	}
	writeOutcomes(w, http.StatusCreated, eachRecord(data, func(fields map[string]any) outcome {
		o := s.create(module, fields)
		delete(o, "action")
		return o
	}))
}

// update is PUT /crm/v2/{module}/{id}: the one record of data is written to the record id.
func (s *Server) update(w http.ResponseWriter, r *http.Request, body any) {
	module, id := r.PathValue("module"), r.PathValue("id")
	if !s.module(w, module, []string{"Contacts", "Deals", "Tasks"}) {
		return
	}
	data, ok := s.data(w, body)
	if !ok {
		return
	}
	fields, ok := data[0].(map[string]any)
	switch {
	case len(data) != 1 || !ok:
		writeOutcomes(w, http.StatusOK, []outcome{failed("INVALID_DATA", "invalid data", nil)})
	case s.records[module][id] == nil:
		writeOutcomes(w, http.StatusOK, []outcome{failed("INVALID_DATA", "the id given seems to be invalid", map[string]any{"id": id})})
	default:
		writeOutcomes(w, http.StatusOK, []outcome{s.change(module, id, fields)})
	}
}

// addNotes is POST /crm/v2/{module}/{id}/Notes.
func (s *Server) addNotes(w http.ResponseWriter, r *http.Request, body any) {
	module, parent := r.PathValue("module"), r.PathValue("id")
	if !s.parent(w, module, parent) {
		return
	}
	data, ok := s.data(w, body)
	if !ok {
		return
	}
	writeOutcomes(w, http.StatusCreated, eachRecord(data, func(fields map[string]any) outcome {
		fields["Parent_Id"] = map[string]any{"id": parent}
		fields["$se_module"] = module
		o := s.create("Notes", fields)
		delete(o, "action")
		return o
	}))
}

// listNotes is GET /crm/v2/{module}/{id}/Notes?page=&per_page=, oldest first; 204 when the
// page is empty.
func (s *Server) listNotes(w http.ResponseWriter, r *http.Request, _ any) {
	module, parent := r.PathValue("module"), r.PathValue("id")
	if !s.parent(w, module, parent) {
		return
	}
	page, perPage, ok := paging(w, r)
	if !ok {
		return
	}
	var notes []record
	for _, id := range s.order["Notes"] {
		n := s.records["Notes"][id]
		if p, _ := n["Parent_Id"].(map[string]any); p["id"] == parent && n["$se_module"] == module {
			notes = append(notes, n)
		}
	}
	start := min((page-1)*perPage, len(notes))
	end := min(start+perPage, len(notes))
	if start == end {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": notes[start:end],
		"info": map[string]any{"per_page": perPage, "count": end - start, "page": page, "more_records": end < len(notes)}})
}

func paging(w http.ResponseWriter, r *http.Request) (page, perPage int, ok bool) {
	page, perPage = 1, maxNotesPerPage
	for _, p := range []struct {
		name string
		v    *int
		max  int
	}{{"page", &page, 1 << 20}, {"per_page", &perPage, maxNotesPerPage}} {
		if s := r.URL.Query().Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > p.max {
				writeJSON(w, http.StatusBadRequest, apiError("INVALID_DATA", "invalid data", map[string]any{"param_name": p.name}))
				return 0, 0, false
			}
			*p.v = n
		}
	}
	return page, perPage, true
}

// module answers Zoho's error for a module the operation does not take.
func (s *Server) module(w http.ResponseWriter, module string, takes []string) bool {
	switch {
	case slices.Contains(takes, module):
		return true
	case module == "Contacts" || module == "Deals" || module == "Tasks" || module == "Notes":
		writeJSON(w, http.StatusBadRequest, apiError("NOT_SUPPORTED", "the operation is not supported for the module", map[string]any{"module": module}))
	default:
		writeJSON(w, http.StatusBadRequest, apiError("INVALID_MODULE", "the module name given seems to be invalid", nil))
	}
	return false
}

// parent checks the record a related list hangs from.
func (s *Server) parent(w http.ResponseWriter, module, id string) bool {
	if !s.module(w, module, []string{"Contacts", "Deals"}) {
		return false
	}
	if s.records[module][id] == nil {
		writeJSON(w, http.StatusBadRequest, apiError("INVALID_DATA", "the related id given seems to be invalid", map[string]any{"id": id}))
		return false
	}
	return true
}

// data is the body's "data": 1 to 100 records.
func (s *Server) data(w http.ResponseWriter, body any) ([]any, bool) {
	obj, _ := body.(map[string]any)
	data, ok := obj["data"].([]any)
	switch {
	case !ok || len(data) == 0:
		writeJSON(w, http.StatusBadRequest, apiError("REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"param": "data"}))
		return nil, false
	case len(data) > maxRecords:
		writeJSON(w, http.StatusBadRequest, apiError("LIMIT_EXCEEDED", "limit exceeded", map[string]any{"api_name": "data", "limit": maxRecords}))
		return nil, false
	}
	return data, true
}

// eachRecord answers each record of data with write's outcome, as Zoho does record by record; a
// record that is not an object fails alone.
func eachRecord(data []any, write func(fields map[string]any) outcome) []outcome {
	out := make([]outcome, len(data))
	for i, d := range data {
		fields, ok := d.(map[string]any)
		if !ok {
			out[i] = failed("INVALID_DATA", "invalid data", nil)
			continue
		}
		out[i] = write(fields)
	}
	return out
}

// match finds the record whose value of a duplicate-check field equals the one given.
func (s *Server) match(module string, checks []string, fields map[string]any) (id, field string) {
	for _, f := range checks {
		v, ok := fields[f]
		if !ok || v == nil || v == "" {
			continue
		}
		for _, id := range s.order[module] {
			if s.records[module][id][f] == v {
				return id, f
			}
		}
	}
	return "", ""
}

// create inserts a record, refusing what Zoho refuses.
func (s *Server) create(module string, fields map[string]any) outcome {
	for _, f := range mandatory[module] {
		if v, ok := fields[f]; !ok || v == nil || v == "" {
			return failed("MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": f})
		}
	}
	if o := s.check(module, "", fields); o != nil {
		return o
	}
	s.seq++
	id := fmt.Sprintf("5725767%012d", s.seq)
	rec := record{"id": id}
	for k, v := range fields {
		rec[k] = v
	}
	if s.records[module] == nil {
		s.records[module] = map[string]record{}
	}
	s.records[module][id] = rec
	s.order[module] = append(s.order[module], id)
	return succeeded(id, "record added", "insert")
}

// change writes fields over record id.
func (s *Server) change(module, id string, fields map[string]any) outcome {
	if o := s.check(module, id, fields); o != nil {
		return o
	}
	for k, v := range fields {
		s.records[module][id][k] = v
	}
	return succeeded(id, "record updated", "")
}

// check refuses a lookup to a record that does not exist and a value another record of the
// module already holds in a unique field.
func (s *Server) check(module, self string, fields map[string]any) outcome {
	lookups := map[string]string{"Contact_Name": "Contacts", "Who_Id": "Contacts"}
	if m, ok := fields["$se_module"].(string); ok {
		lookups["What_Id"] = m
	}
	for f, target := range lookups {
		v, ok := fields[f]
		if !ok || v == nil {
			continue
		}
		ref, _ := v.(map[string]any)
		id, _ := ref["id"].(string)
		if s.records[target][id] == nil {
			return failed("INVALID_DATA", "invalid data", map[string]any{"api_name": f, "expected_data_type": "lookup"})
		}
	}
	if _, ok := fields["What_Id"]; ok && lookups["What_Id"] == "" {
		return failed("MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "$se_module"})
	}
	for _, f := range s.unique[module] {
		v, ok := fields[f]
		if !ok || v == nil || v == "" {
			continue
		}
		for _, id := range s.order[module] {
			if id != self && s.records[module][id][f] == v {
				return failed("DUPLICATE_DATA", "duplicate data", map[string]any{"api_name": f, "id": id})
			}
		}
	}
	return nil
}

func succeeded(id, message, action string) outcome {
	now := time.Now().UTC().Format(time.RFC3339)
	by := map[string]any{"name": "Leadflow", "id": "5725767000000000001"}
	o := outcome{"code": "SUCCESS", "message": message, "status": "success", "details": map[string]any{
		"id": id, "Created_Time": now, "Modified_Time": now, "Created_By": by, "Modified_By": by}}
	if action != "" {
		o["action"], o["duplicate_field"] = action, nil
	}
	return o
}

func failed(code, message string, details map[string]any) outcome {
	return outcome(apiError(code, message, details))
}

// writeOutcomes answers a write: ok when every record was written, 400 when none was, 207
// Multi-Status when some were.
func writeOutcomes(w http.ResponseWriter, ok int, out []outcome) {
	written := 0
	for _, o := range out {
		if o["status"] == "success" {
			written++
		}
	}
	status := ok
	switch {
	case written == 0:
		status = http.StatusBadRequest
	case written < len(out):
		status = http.StatusMultiStatus
	}
	writeJSON(w, status, map[string]any{"data": out})
}

func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, isString := e.(string)
		if !isString {
			return nil, false
		}
		out = append(out, s)
	}
	return out, ok
}

func allIn(values, set []string) bool {
	for _, v := range values {
		if !slices.Contains(set, v) {
			return false
		}
	}
	return true
}
