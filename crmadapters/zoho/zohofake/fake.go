// Package zohofake is an in-memory Zoho CRM, REST API v2, for tests: the OAuth token endpoint,
// upsert and insert of Contacts, Deals and Tasks, deal updates, deal notes and COQL queries,
// answered with Zoho's documented bodies and as strict as Zoho about what it takes.
package zohofake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Credentials are the OAuth client the server issues access tokens to.
type Credentials struct {
	ClientID, ClientSecret, RefreshToken string
}

// Request is one request the server received, its JSON body decoded (nil when it had none).
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Auth   string // the Authorization header
	Body   any
}

// record is one CRM record's fields, "id" included.
type record map[string]any

// Server is the fake CRM; safe for concurrent use.
type Server struct {
	creds Credentials

	mu       sync.Mutex
	requests []Request
	tokens   map[string]bool // access tokens still valid
	issued   int
	seq      int
	records  map[string]map[string]record // module → id → record
	order    map[string][]string          // module → ids, oldest first
	unique   map[string][]string          // module → fields that take no duplicate value
}

// New is a CRM holding nothing, whose custom key fields (Contacts.Leadflow_Contact_Id,
// Deals.Leadflow_Id, Tasks.Leadflow_Key) take no duplicate values.
func New(c Credentials) *Server {
	return &Server{
		creds:   c,
		tokens:  map[string]bool{},
		records: map[string]map[string]record{},
		order:   map[string][]string{},
		unique: map[string][]string{
			"Contacts": {"Leadflow_Contact_Id"},
			"Deals":    {"Leadflow_Id"},
			"Tasks":    {"Leadflow_Key"},
		},
	}
}

// Unique makes a module's field take no duplicate values, as an admin can (Contacts.Email).
func (s *Server) Unique(module, field string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unique[module] = append(s.unique[module], field)
}

// ExpireTokens makes every access token issued so far invalid, as an hour passing would.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// TokensIssued is how many access tokens the server has issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// Requests are the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

var kinds = map[string]string{"contact": "Contacts", "lead": "Deals", "note": "Notes", "task": "Tasks"}

// Count implements crmtest.Remote.
func (s *Server) Count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records[kinds[kind]])
}

// Stage implements crmtest.Remote: the deal's Stage.
func (s *Server) Stage(ref string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	stage, _ := s.records["Deals"][ref]["Stage"].(string)
	return stage
}

// Record is a copy of a record's fields, nil when the module holds no such id.
func (s *Server) Record(module, id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[module][id]
	if !ok {
		return nil
	}
	out := map[string]any{}
	for k, v := range r {
		out[k] = v
	}
	return out
}

// Throttled writes Zoho's answer to a client over its concurrency limit: 429 TOO_MANY_REQUESTS
// with the X-RATELIMIT-* headers, the reset in epoch milliseconds, and no Retry-After.
func (s *Server) Throttled(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("X-RATELIMIT-LIMIT", "20")
	w.Header().Set("X-RATELIMIT-REMAINING", "0")
	w.Header().Set("X-RATELIMIT-RESET", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
	writeJSON(w, http.StatusTooManyRequests, apiError("TOO_MANY_REQUESTS", "too many requests continuously", nil))
}

// Handler serves the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/v2/token", s.token)
	crm := func(pattern string, h func(w http.ResponseWriter, r *http.Request, body any)) {
		mux.HandleFunc(pattern, s.authorized(h))
	}
	crm("POST /crm/v2/coql", s.coql)
	crm("POST /crm/v2/{module}/upsert", s.upsert)
	crm("POST /crm/v2/{module}", s.insert)
	crm("PUT /crm/v2/{module}/{id}", s.update)
	crm("POST /crm/v2/{module}/{id}/Notes", s.addNotes)
	crm("GET /crm/v2/{module}/{id}/Notes", s.listNotes)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.record(r, nil)
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, apiError("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one", nil))
	})
	return mux
}

// record keeps the request; s.mu is held.
func (s *Server) record(r *http.Request, body any) {
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		Auth: r.Header.Get("Authorization"), Body: body})
}

// token is POST /oauth/v2/token with grant_type=refresh_token; a refused refresh is HTTP 200
// with an "error", as the accounts server answers.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(r, nil)
	q := r.URL.Query()
	switch {
	case q.Get("grant_type") != "refresh_token":
		writeJSON(w, http.StatusOK, map[string]string{"error": "unsupported_grant_type"})
	case q.Get("client_id") != s.creds.ClientID || q.Get("client_secret") != s.creds.ClientSecret:
		writeJSON(w, http.StatusOK, map[string]string{"error": "invalid_client"})
	case q.Get("refresh_token") != s.creds.RefreshToken:
		writeJSON(w, http.StatusOK, map[string]string{"error": "invalid_code"})
	default:
		s.issued++
		tok := fmt.Sprintf("1000.%032x", s.issued)
		s.tokens[tok] = true
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "api_domain": "http://" + r.Host,
			"token_type": "Bearer", "expires_in": 3600})
	}
}

// authorized decodes and records the request and checks its token before h runs with s.mu held.
func (s *Server) authorized(h func(w http.ResponseWriter, r *http.Request, body any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// The handler may change what it decodes; the log keeps its own copy of the body.
		var body, logged any
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<20))
		if err == nil && len(b) > 0 {
			if err = json.Unmarshal(b, &body); err == nil {
				_ = json.Unmarshal(b, &logged)
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.record(r, logged)
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Zoho-oauthtoken ")
		switch {
		case !ok || tok == "":
			writeJSON(w, http.StatusUnauthorized, apiError("AUTHENTICATION_FAILURE", "Authentication failed", nil))
		case !s.tokens[tok]:
			writeJSON(w, http.StatusUnauthorized, apiError("INVALID_TOKEN", "invalid oauth token", nil))
		case r.Method != http.MethodGet && err != nil:
			writeJSON(w, http.StatusBadRequest, apiError("INVALID_DATA", "body is not valid JSON", nil))
		default:
			h(w, r, body)
		}
	}
}

func apiError(code, message string, details map[string]any) map[string]any {
	if details == nil {
		details = map[string]any{}
	}
	return map[string]any{"code": code, "details": details, "message": message, "status": "error"}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
