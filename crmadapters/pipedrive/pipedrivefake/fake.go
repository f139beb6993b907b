// Package pipedrivefake is an in-memory Pipedrive REST API v1: the subset the pipedrive adapter
// uses (persons, organizations, deals, notes, activities, their search and lists), answering in
// Pipedrive's documented shapes — {"success":true,"data":…} and {"success":false,"error":…,
// "errorCode":N} — and as strict about requests as Pipedrive, or stricter where that catches an
// adapter bug early (see Config). Tests start it behind httptest, often with crmtest.Chaos.
package pipedrivefake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
)

// DefaultToken is the API token a fake accepts when Config.Token is empty.
const DefaultToken = "pipedrive-fake-token"

// Config is the account a fake plays.
type Config struct {
	// Token is the API token requests must carry, in the x-api-token header or the api_token
	// query parameter as Pipedrive takes either; DefaultToken when empty.
	Token string
	// ContactKeyField and LeadKeyField are the person and deal custom fields holding Leadflow's
	// ids. Pipedrive has no unique fields, but the fake refuses a second record with the same
	// value (400): a duplicate an adapter creates fails its test loudly, not only in a count.
	ContactKeyField string
	LeadKeyField    string
	// Pipelines are the account's pipelines and the ids of their stages in order;
	// {1: [1 2 3 4 5]}, Pipedrive's default pipeline, when empty.
	Pipelines map[int][]int
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   map[string]any // the decoded JSON body; nil when there was none
}

// Server is the fake account; safe for concurrent use.
type Server struct {
	cfg Config

	mu       sync.Mutex
	lastID   int
	records  map[string]map[int]map[string]any // by entity ("persons", "deals", …), then id
	requests []Request
}

// Entities, as Pipedrive's paths name them.
const (
	persons       = "persons"
	organizations = "organizations"
	deals         = "deals"
	notes         = "notes"
	activities    = "activities"
)

// kinds maps crmtest.Remote's record kinds to entities.
var kinds = map[string]string{"contact": persons, "organization": organizations, "lead": deals, "note": notes, "task": activities}

// New returns an account holding nothing.
func New(cfg Config) *Server {
	if cfg.Token == "" {
		cfg.Token = DefaultToken
	}
	if len(cfg.Pipelines) == 0 {
		cfg.Pipelines = map[int][]int{1: {1, 2, 3, 4, 5}}
	}
	s := &Server{cfg: cfg, records: map[string]map[int]map[string]any{}}
	for _, e := range kinds {
		s.records[e] = map[int]map[string]any{}
	}
	return s
}

type bodyKey struct{}

// Handler serves the API. Every request is recorded, authorized or not.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/persons", s.add(persons))
	mux.HandleFunc("PUT /v1/persons/{id}", s.update(persons))
	mux.HandleFunc("GET /v1/persons/search", s.search(persons))
	mux.HandleFunc("POST /v1/organizations", s.add(organizations))
	mux.HandleFunc("GET /v1/organizations/search", s.search(organizations))
	mux.HandleFunc("POST /v1/deals", s.add(deals))
	mux.HandleFunc("PUT /v1/deals/{id}", s.update(deals))
	mux.HandleFunc("GET /v1/deals/{id}", s.get(deals))
	mux.HandleFunc("GET /v1/deals/search", s.search(deals))
	mux.HandleFunc("GET /v1/deals/{id}/activities", s.dealActivities)
	mux.HandleFunc("POST /v1/notes", s.add(notes))
	mux.HandleFunc("GET /v1/notes", s.listNotes)
	mux.HandleFunc("POST /v1/activities", s.add(activities))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Unknown method .")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, "unreadable body")
			return
		}
		var body map[string]any
		bodyErr := error(nil)
		if len(raw) > 0 {
			bodyErr = json.Unmarshal(raw, &body)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
		if !s.authorized(r) {
			writeError(w, http.StatusUnauthorized, "unauthorized access")
			return
		}
		if len(raw) > 0 {
			if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
				writeError(w, http.StatusUnsupportedMediaType, "Unsupported content type")
				return
			}
			if bodyErr != nil || body == nil {
				writeError(w, http.StatusBadRequest, "Invalid JSON body")
				return
			}
		}
		mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyKey{}, body)))
	})
}

func (s *Server) authorized(r *http.Request) bool {
	if token := r.Header.Get("x-api-token"); token != "" {
		return token == s.cfg.Token
	}
	return r.URL.Query().Get("api_token") == s.cfg.Token
}

// Requests are the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count implements crmtest.Remote: "contact" (persons), "lead" (deals), "note", "task"
// (activities) and "organization".
func (s *Server) Count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records[kinds[kind]])
}

// Stage implements crmtest.Remote in the adapter's Stages convention: "won" or "lost" for a
// closed deal, its stage id for an open one ("deleted" for a deleted one, "" for none).
func (s *Server) Stage(ref string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.Atoi(ref)
	d, ok := s.records[deals][id]
	if !ok {
		return ""
	}
	if st := d["status"]; st != "open" {
		return fmt.Sprint(st)
	}
	n, _ := intValue(d["stage_id"])
	return strconv.Itoa(n)
}

// Record is what the account holds for one record, as its GET answer shows it; nil when none.
func (s *Server) Record(kind, ref string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.Atoi(ref)
	r, ok := s.records[kinds[kind]][id]
	if !ok {
		return nil
	}
	return s.view(kinds[kind], r)
}

// Seed stores a record as a rep working in Pipedrive would have made it, without the API's
// checks (two persons with one key, a deleted deal); kind is one of Count's. It returns the id.
func (s *Server) Seed(kind string, fields map[string]any) string {
	b, err := json.Marshal(fields)
	if err != nil {
		panic("pipedrivefake: Seed: " + err.Error())
	}
	var rec map[string]any
	_ = json.Unmarshal(b, &rec) // numbers as the API decodes them
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastID++
	rec["id"] = float64(s.lastID)
	s.records[kinds[kind]][s.lastID] = rec
	return strconv.Itoa(s.lastID)
}

// Throttled writes Pipedrive's rate-limit answer: 429 with the window's headers, the wait in
// x-ratelimit-reset (seconds) and no Retry-After.
func (s *Server) Throttled(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("X-Ratelimit-Limit", "40")
	h.Set("X-Ratelimit-Remaining", "0")
	h.Set("X-Ratelimit-Reset", "2")
	writeError(w, http.StatusTooManyRequests, "Request over limit")
}

// ErrorInfo is the error_info every Pipedrive error carries.
const ErrorInfo = "Please check developers.pipedrive.com for more information about Pipedrive API."

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"success": false, "error": msg, "error_info": ErrorInfo,
		"data": nil, "additional_data": nil, "errorCode": status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeData(w http.ResponseWriter, status int, data any) {
	writeJSON(w, status, map[string]any{"success": true, "data": data})
}

var customKey = regexp.MustCompile(`^[0-9a-f]{40}$`)

// intValue reads a JSON number holding an id or a count.
func intValue(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		if n == float64(int(n)) {
			return int(n), true
		}
	case int:
		return n, true
	}
	return 0, false
}

// links are the fields v1 answers expand into {"name":…,"value":id}, per entity.
var links = map[string]map[string]string{
	deals:   {"person_id": persons, "org_id": organizations},
	persons: {"org_id": organizations},
}

// view is a record as Pipedrive's answers show it.
func (s *Server) view(entity string, rec map[string]any) map[string]any {
	out := maps.Clone(rec)
	for field, linked := range links[entity] {
		if id, ok := intValue(rec[field]); ok {
			out[field] = map[string]any{"name": s.records[linked][id]["name"], "value": id}
		}
	}
	return out
}
