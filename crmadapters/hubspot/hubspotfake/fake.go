// Package hubspotfake is an in-memory HubSpot: the part of the CRM v3 objects, v4 associations and
// owners APIs the hubspot adapter calls, answering with HubSpot's documented shapes and refusing
// what HubSpot refuses (a missing token, a missing required property, a second record with a
// unique value, more than 100 inputs in a batch, an unknown id). It records every request, so
// tests can assert exactly what the adapter sent, and it is what the end-to-end tests run the
// adapter against, behind a crmtest.Chaos.
package hubspotfake

import (
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request is one request the fake received, as the adapter sent it.
type Request struct {
	Method        string
	Path          string
	Query         url.Values
	Authorization string
	// Body is the decoded JSON body (map[string]any, []any …); nil when there was none.
	Body any
}

// Association is an association the fake holds from one record to another.
type Association struct {
	ToType string // "contacts", "deals" …
	ToID   string
	TypeID int // HubSpot's association type id, e.g. 202 note → contact
}

// record is one CRM object: HubSpot keeps every property as text.
type record struct {
	id        string
	props     map[string]string
	createdAt time.Time
	updatedAt time.Time
}

type edge struct {
	fromType, fromID, toType, toID string
	typeID                         int
}

type owner struct{ id, email string }

// Server is the fake HubSpot portal. It is safe for concurrent use.
type Server struct {
	token string

	mu       sync.Mutex
	nextID   int
	objects  map[string]map[string]*record // object type ("contacts") → id → record
	edges    map[edge]bool
	owners   []owner
	requests []Request
}

// New is an empty portal that accepts the private app token token.
func New(token string) *Server {
	s := &Server{token: token, nextID: 1000, objects: map[string]map[string]*record{}, edges: map[edge]bool{}}
	for _, t := range objectTypes {
		s.objects[t] = map[string]*record{}
	}
	return s
}

// objectTypes are the CRM objects the fake holds.
var objectTypes = []string{"contacts", "deals", "notes", "tasks"}

// Handler serves HubSpot's API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /crm/v3/objects/{type}/batch/upsert", s.batchUpsert)
	mux.HandleFunc("POST /crm/v3/objects/{type}/batch/read", s.batchRead)
	mux.HandleFunc("POST /crm/v3/objects/{type}/search", s.search)
	mux.HandleFunc("POST /crm/v3/objects/{type}", s.create)
	mux.HandleFunc("GET /crm/v3/objects/{type}/{id}", s.get)
	mux.HandleFunc("PATCH /crm/v3/objects/{type}/{id}", s.update)
	mux.HandleFunc("PUT /crm/v4/objects/{from}/{fromID}/associations/default/{to}/{toID}", s.associateDefault)
	mux.HandleFunc("GET /crm/v3/owners", s.listOwners)
	mux.HandleFunc("GET /crm/v3/owners/", s.listOwners)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found", nil)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "unreadable request body", nil)
			return
		}
		s.record(r, body)
		if r.Header.Get("Authorization") != "Bearer "+s.token {
			writeError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
				"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview", nil)
			return
		}
		if len(body) > 0 {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				writeError(w, http.StatusUnsupportedMediaType, "VALIDATION_ERROR", "Content-Type must be application/json", nil)
				return
			}
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) record(r *http.Request, body []byte) {
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Authorization: r.Header.Get("Authorization")}
	if len(body) > 0 {
		var v any
		if json.Unmarshal(body, &v) == nil {
			req.Body = v
		} else {
			req.Body = string(body)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
}

// Requests are the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// kinds are the compliance suite's record kinds by HubSpot object type.
var kinds = map[string]string{"contact": "contacts", "lead": "deals", "note": "notes", "task": "tasks"}

// Count implements crmtest.Remote: how many contacts, leads (deals), notes or tasks the portal holds.
func (s *Server) Count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objects[kinds[kind]])
}

// Stage implements crmtest.Remote: the dealstage of deal ref.
func (s *Server) Stage(ref string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.objects["deals"][ref]; ok {
		return d.props["dealstage"]
	}
	return ""
}

// Object is a copy of the properties of a record, and whether it exists.
func (s *Server) Object(objectType, id string) (map[string]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[objectType][id]
	if !ok {
		return nil, false
	}
	return maps.Clone(o.props), true
}

// Associations are the associations from a record, ordered by target.
func (s *Server) Associations(objectType, id string) []Association {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Association
	for e := range s.edges {
		if e.fromType == objectType && e.fromID == id {
			out = append(out, Association{ToType: e.toType, ToID: e.toID, TypeID: e.typeID})
		}
	}
	slices.SortFunc(out, func(a, b Association) int {
		return strings.Compare(a.ToType+"/"+a.ToID+"/"+strconv.Itoa(a.TypeID), b.ToType+"/"+b.ToID+"/"+strconv.Itoa(b.TypeID))
	})
	return out
}

// AddContact stores a contact the way a rep would create it in HubSpot (no Leadflow key) and
// returns its id.
func (s *Server) AddContact(props map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.insert("contacts", maps.Clone(props)).id
}

// AddOwner makes a HubSpot user with email an owner records can be assigned to; it returns the
// owner id.
func (s *Server) AddOwner(email string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := strconv.Itoa(s.nextID)
	s.owners = append(s.owners, owner{id: id, email: email})
	return id
}

// Throttled writes HubSpot's answer to a private app over its ten-secondly limit: 429, the
// X-HubSpot-RateLimit-* headers and the RATE_LIMIT body. It is crmtest.Chaos's Throttled.
func (*Server) Throttled(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("X-HubSpot-RateLimit-Daily", "500000")
	h.Set("X-HubSpot-RateLimit-Daily-Remaining", "499000")
	h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
	h.Set("X-HubSpot-RateLimit-Max", "190")
	h.Set("X-HubSpot-RateLimit-Remaining", "0")
	h.Set("X-HubSpot-RateLimit-Secondly", "19")
	h.Set("X-HubSpot-RateLimit-Secondly-Remaining", "0")
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"status":        "error",
		"message":       "You have reached your ten_secondly_rolling limit.",
		"errorType":     "RATE_LIMIT",
		"correlationId": correlationID(),
		"policyName":    "TEN_SECONDLY_ROLLING",
		"groupName":     "publicapi:private-app",
	})
}

func (s *Server) listOwners(w http.ResponseWriter, r *http.Request) {
	email := strings.ToLower(r.URL.Query().Get("email"))
	s.mu.Lock()
	defer s.mu.Unlock()
	results := []map[string]any{}
	for _, o := range s.owners {
		if email == "" || strings.ToLower(o.email) == email {
			results = append(results, map[string]any{"id": o.id, "email": o.email, "type": "PERSON",
				"firstName": "", "lastName": "", "archived": false, "createdAt": stamp(time.Now()), "updatedAt": stamp(time.Now())})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}
