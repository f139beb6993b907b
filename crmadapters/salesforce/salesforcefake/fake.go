// Package salesforcefake is an in-memory Salesforce org for tests: the OAuth 2.0 token endpoint
// (refresh token flow) and the slice of the REST API Leadflow's adapter uses — upsert and retrieve
// by external ID, create, and SOQL queries with query locators — answering with Salesforce's
// documented statuses and bodies: 201/200 (204 before API 46.0) for upserts, 300 with record URLs
// when several records hold one external ID, [{"message","errorCode"}] errors, 401
// INVALID_SESSION_ID for an unknown or expired token, 414 beyond 16,384 bytes of URI.
//
// It is strict where Salesforce is: unknown objects and fields, read-only fields, the upsert's
// external ID in its body, a unique external ID another record holds, required fields
// (Lead.LastName and Company), text lengths, restricted picklists and references to records that
// do not exist are refused. Its error messages echo
// values as Salesforce's do, so tests can check the adapter never passes them on.
package salesforcefake

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TokenPath is the OAuth token endpoint, on the fake's own host.
const TokenPath = "/services/oauth2/token"

// maxURI is Salesforce's limit on a request's URI (with its headers): 414 URI Too Long beyond.
const maxURI = 16384

// Config is the org's connected app and limits.
type Config struct {
	// ClientID, ClientSecret and RefreshToken are what the token endpoint accepts.
	ClientID, ClientSecret, RefreshToken string
	// PageSize is how many records one query answer holds before a nextRecordsUrl: 2,000 by
	// default, Salesforce's batch size.
	PageSize int
	// MaxInValues caps the values of a SOQL IN list (MALFORMED_QUERY beyond): 200 by default, a
	// stand-in for the query length limits a real org enforces.
	MaxInValues int
	// Now stamps CreatedDate and LastModifiedDate; time.Now by default.
	Now func() time.Time
}

// Request is a request the fake received.
type Request struct {
	Method      string
	Path        string // decoded
	Query       url.Values
	Auth        string // the Authorization header
	ContentType string
	Body        any        // the decoded JSON body; nil when there is none
	Form        url.Values // the token endpoint's form; nil elsewhere
}

// Server is the org. It is safe for concurrent use.
type Server struct {
	cfg Config

	mu       sync.Mutex
	requests []Request
	tokens   map[string]bool // access tokens that are valid now
	grants   int
	seq      int
	records  []*record
	rules    map[string][][]string // active duplicate rules per object: fields that must all match
	cursors  map[string]cursor     // query locators
}

// cursor is the rest of a query's answer.
type cursor struct {
	rows  []map[string]any
	total int
}

// New starts an empty org.
func New(cfg Config) *Server {
	if cfg.PageSize <= 0 {
		cfg.PageSize = 2000
	}
	if cfg.MaxInValues <= 0 {
		cfg.MaxInValues = 200
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Server{cfg: cfg, tokens: map[string]bool{}, rules: map[string][][]string{}, cursors: map[string]cursor{}}
}

// Handler serves the token endpoint and the REST API.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Throttled answers as Salesforce does once the org has used its rolling 24-hour API allowance:
// 403 REQUEST_LIMIT_EXCEEDED, the usage in Sforce-Limit-Info, and no Retry-After.
func (s *Server) Throttled(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Sforce-Limit-Info", "api-usage=15001/15000")
	writeError(w, &apiError{http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", nil})
}

// ExpireTokens ends every session, as a session timeout or a revoked token does: the next API
// request answers 401 INVALID_SESSION_ID until a new token is fetched.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// TokenGrants is how many access tokens the token endpoint issued.
func (s *Server) TokenGrants() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants
}

// Requests are the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count implements crmtest.Remote: "contact", "lead", "note" or "task".
func (s *Server) Count(kind string) int {
	object := map[string]string{"contact": "Contact", "lead": "Lead", "note": "Note", "task": "Task"}[kind]
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.records {
		if r.object == object {
			n++
		}
	}
	return n
}

// Stage implements crmtest.Remote: the Status of Lead ref.
func (s *Server) Stage(ref string) string {
	f, _ := s.Record(ref)
	st, _ := f["Status"].(string)
	return st
}

// Record is a copy of a record's fields, without Id and dates.
func (s *Server) Record(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.byID(id); r != nil {
		return maps.Clone(r.fields), true
	}
	return nil, false
}

// Seed writes a record as a person in Salesforce would, checking nothing: a lead a rep created, or
// a second record holding an external ID (Salesforce lets two records share one unless the field
// is also marked Unique), so a test can meet a 300 Multiple Choices. It returns the record's id.
func (s *Server) Seed(object string, fields map[string]any) string {
	if _, ok := sobjects[object]; !ok {
		panic("salesforcefake: unknown object " + object)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := maps.Clone(fields)
	if f == nil {
		f = map[string]any{}
	}
	return s.insert(object, f).id
}

// Edit changes a record as a rep working in Salesforce would, moving its LastModifiedDate to now.
func (s *Server) Edit(id string, fields map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.byID(id)
	if r == nil {
		return fmt.Errorf("salesforcefake: no record %s", id)
	}
	for k, v := range fields {
		r.fields[k] = v
	}
	r.modified = s.now()
	return nil
}

// BlockDuplicates activates a duplicate rule that blocks saving a record of object whose fields
// all hold the values of an existing record's (400 DUPLICATES_DETECTED).
func (s *Server) BlockDuplicates(object string, fields ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules[object] = append(s.rules[object], fields)
}

var dataPath = regexp.MustCompile(`^/services/data/v([0-9]+\.[0-9])(/.*)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type")}
	if r.URL.Path == TokenPath {
		req.Form, _ = url.ParseQuery(string(body))
		s.requests = append(s.requests, req)
		s.token(w, r, req.Form)
		return
	}
	bodyErr := len(body) > 0 && json.Unmarshal(body, &req.Body) != nil
	s.requests = append(s.requests, req)
	if len(r.RequestURI) > maxURI {
		http.Error(w, "URI Too Long", http.StatusRequestURITooLong)
		return
	}
	m := dataPath.FindStringSubmatch(r.URL.EscapedPath())
	version := 0.0
	if m != nil {
		version, _ = strconv.ParseFloat(m[1], 64)
	}
	if version < 20 || version > 66 {
		writeError(w, &apiError{http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist", nil})
		return
	}
	tok, ok := strings.CutPrefix(req.Auth, "Bearer ")
	if !ok || !s.tokens[tok] {
		writeError(w, &apiError{http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid", nil})
		return
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if !strings.HasPrefix(req.ContentType, "application/json") {
			writeError(w, &apiError{http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Content-Type header specified in HTTP request is not supported: " + req.ContentType, nil})
			return
		}
		if _, isObject := req.Body.(map[string]any); bodyErr || !isObject {
			writeError(w, &apiError{http.StatusBadRequest, "JSON_PARSER_ERROR", "The request body is not a JSON object", nil})
			return
		}
	}
	a := api{s: s, w: w, version: m[1], legacy: version < 46}
	var segs []string
	for _, p := range strings.Split(strings.Trim(m[2], "/"), "/") {
		seg, err := url.PathUnescape(p)
		if err != nil {
			writeError(w, &apiError{http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist", nil})
			return
		}
		segs = append(segs, seg)
	}
	fields, _ := req.Body.(map[string]any)
	switch {
	case len(segs) == 1 && segs[0] == "query":
		if a.allow(r, http.MethodGet) {
			a.query(req.Query.Get("q"))
		}
	case len(segs) == 2 && segs[0] == "query":
		if a.allow(r, http.MethodGet) {
			a.more(segs[1])
		}
	case len(segs) == 2 && segs[0] == "sobjects":
		if a.allow(r, http.MethodPost) {
			a.create(segs[1], fields)
		}
	case len(segs) == 4 && segs[0] == "sobjects" && r.Method == http.MethodGet:
		a.retrieve(segs[1], segs[2], segs[3], req.Query.Get("fields"))
	case len(segs) == 4 && segs[0] == "sobjects":
		if a.allow(r, http.MethodGet, http.MethodPatch) {
			a.upsert(segs[1], segs[2], segs[3], fields)
		}
	default:
		writeError(w, &apiError{http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist", nil})
	}
}

// token is the refresh token flow: a form-encoded POST with grant_type=refresh_token, the
// connected app's client_id and client_secret, and the refresh token.
func (s *Server) token(w http.ResponseWriter, r *http.Request, form url.Values) {
	fail := func(code, desc string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
	}
	switch {
	case r.Method != http.MethodPost:
		fail("invalid_request", "must use HTTP POST")
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		fail("invalid_request", "the request must be form-encoded")
	case form.Get("grant_type") != "refresh_token":
		fail("unsupported_grant_type", "grant type not supported")
	case form.Get("client_id") != s.cfg.ClientID:
		fail("invalid_client_id", "client identifier invalid")
	case form.Get("client_secret") != s.cfg.ClientSecret:
		fail("invalid_client", "invalid client credentials")
	case form.Get("refresh_token") != s.cfg.RefreshToken:
		fail("invalid_grant", "expired access/refresh token")
	default:
		s.grants++
		tok := fmt.Sprintf("00DFAKE000000001!AQ.token-%d", s.grants)
		s.tokens[tok] = true
		instance := "http://" + r.Host
		writeJSON(w, http.StatusOK, map[string]string{
			"access_token": tok,
			"signature":    "fake-signature",
			"scope":        "api refresh_token",
			"instance_url": instance,
			"id":           instance + "/id/00DFAKE000000001/005FAKE000000001",
			"token_type":   "Bearer",
			"issued_at":    strconv.FormatInt(s.cfg.Now().UnixMilli(), 10),
		})
	}
}

// api answers one REST request, with the lock held.
type api struct {
	s       *Server
	w       http.ResponseWriter
	version string // "60.0"
	legacy  bool   // before API 46.0: an upsert that updates answers 204 No Content
}

func (a api) allow(r *http.Request, methods ...string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	writeError(a.w, &apiError{http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
		fmt.Sprintf("HTTP Method '%s' not allowed. Allowed are %s", r.Method, strings.Join(methods, ",")), nil})
	return false
}

func (a api) url(r *record) string {
	return "/services/data/v" + a.version + "/sobjects/" + r.object + "/" + r.id
}

// upsert is PATCH /sobjects/{object}/{field}/{value}: create when no record holds the external ID,
// update when one does, 300 with the records' URLs when several do.
func (a api) upsert(object, keyField, key string, body map[string]any) {
	name, f, ok := lookup(object, keyField)
	if !ok || f.kind != externalID {
		writeError(a.w, &apiError{http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist", nil})
		return
	}
	found := a.s.match(object, name, key)
	if len(found) > 1 {
		a.choices(found)
		return
	}
	var old *record
	if len(found) == 1 {
		old = found[0]
	}
	fields, e := a.s.apply(object, old, body, name)
	if e != nil {
		writeError(a.w, e)
		return
	}
	fields[name] = key
	if e := a.s.taken(object, fields, old); e != nil {
		writeError(a.w, e)
		return
	}
	if a.blocked(object, fields, old) {
		return
	}
	if old == nil {
		r := a.s.insert(object, fields)
		a.saved(http.StatusCreated, r.id, true)
		return
	}
	old.fields = fields
	old.modified = a.s.now()
	if a.legacy {
		a.w.WriteHeader(http.StatusNoContent)
		return
	}
	a.saved(http.StatusOK, old.id, false)
}

// create is POST /sobjects/{object}.
func (a api) create(object string, body map[string]any) {
	if _, ok := sobjects[object]; !ok {
		writeError(a.w, &apiError{http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist", nil})
		return
	}
	fields, e := a.s.apply(object, nil, body, "")
	if e == nil {
		e = a.s.taken(object, fields, nil)
	}
	if e != nil {
		writeError(a.w, e)
		return
	}
	if a.blocked(object, fields, nil) {
		return
	}
	r := a.s.insert(object, fields)
	writeJSON(a.w, http.StatusCreated, map[string]any{"id": r.id, "success": true, "errors": []any{}})
}

// retrieve is GET /sobjects/{object}/{field}/{value}?fields=…
func (a api) retrieve(object, keyField, key, fieldList string) {
	name, f, ok := lookup(object, keyField)
	if !ok || f.kind != externalID {
		writeError(a.w, &apiError{http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist", nil})
		return
	}
	found := a.s.match(object, name, key)
	switch len(found) {
	case 0:
		writeError(a.w, &apiError{http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist", nil})
		return
	case 1:
	default:
		a.choices(found)
		return
	}
	fields := append(systemFields[:1:1], slices.Sorted(maps.Keys(sobjects[object].fields))...)
	if fieldList != "" {
		fields = nil
		for _, n := range strings.Split(fieldList, ",") {
			f, e := column(object, strings.TrimSpace(n))
			if e != nil {
				writeError(a.w, e)
				return
			}
			fields = append(fields, f)
		}
	}
	writeJSON(a.w, http.StatusOK, a.row(found[0], fields))
}

// query is GET /query?q=SOQL.
func (a api) query(q string) {
	if q == "" {
		writeError(a.w, malformed("the q parameter is required"))
		return
	}
	parsed, e := parseSOQL(q, a.s.cfg.MaxInValues)
	if e != nil {
		writeError(a.w, e)
		return
	}
	var rows []map[string]any
	for _, r := range a.s.run(parsed) {
		rows = append(rows, a.row(r, parsed.fields))
	}
	a.page(cursor{rows: rows, total: len(rows)})
}

// more is GET /query/{locator}: the next batch of a query's records.
func (a api) more(locator string) {
	c, ok := a.s.cursors[locator]
	if !ok {
		writeError(a.w, &apiError{http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator", nil})
		return
	}
	delete(a.s.cursors, locator)
	a.page(c)
}

func (a api) page(c cursor) {
	n := min(len(c.rows), a.s.cfg.PageSize)
	out := map[string]any{"totalSize": c.total, "done": n == len(c.rows), "records": append([]map[string]any{}, c.rows[:n]...)}
	if n < len(c.rows) {
		a.s.seq++
		locator := fmt.Sprintf("01gFAKE%09d-%d", a.s.seq, c.total-len(c.rows)+n)
		a.s.cursors[locator] = cursor{rows: c.rows[n:], total: c.total}
		out["nextRecordsUrl"] = "/services/data/v" + a.version + "/query/" + locator
	}
	writeJSON(a.w, http.StatusOK, out)
}

func (a api) row(r *record, fields []string) map[string]any {
	out := map[string]any{"attributes": map[string]string{"type": r.object, "url": a.url(r)}}
	for _, f := range fields {
		v := r.get(f)
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format("2006-01-02T15:04:05.000-0700")
		}
		out[f] = v
	}
	return out
}

// saved is an upsert's or a create's success answer; created is absent before API 46.0.
func (a api) saved(status int, id string, created bool) {
	out := map[string]any{"id": id, "success": true, "errors": []any{}}
	if !a.legacy {
		out["created"] = created
	}
	writeJSON(a.w, status, out)
}

// choices is 300 Multiple Choices: the URLs of the records that hold one external ID.
func (a api) choices(found []*record) {
	urls := make([]string, len(found))
	for i, r := range found {
		urls[i] = a.url(r)
	}
	writeJSON(a.w, http.StatusMultipleChoices, urls)
}

// blocked answers DUPLICATES_DETECTED when a duplicate rule blocks the save.
func (a api) blocked(object string, fields map[string]any, self *record) bool {
	dups := a.s.duplicates(object, fields, self)
	if len(dups) == 0 {
		return false
	}
	matches := make([]map[string]any, len(dups))
	for i, r := range dups {
		matches[i] = map[string]any{"additionalInformation": []any{}, "fieldDiffs": []any{}, "matchConfidence": 100.0,
			"record": map[string]any{"attributes": map[string]string{"type": object, "url": a.url(r)}, "Id": r.id}}
	}
	msg := "You're creating a duplicate record. We recommend you use an existing record instead."
	writeJSON(a.w, http.StatusBadRequest, []map[string]any{{
		"duplicateResult": map[string]any{
			"allowSave": false, "duplicateRule": "Standard_" + object + "_Duplicate_Rule", "duplicateRuleEntityType": object,
			"errorMessage": msg,
			"matchResults": []map[string]any{{"entityType": object, "errors": []any{}, "matchEngine": "ExactMatchEngine",
				"matchRecords": matches, "rule": "Standard_" + object + "_Match_Rule_v1_0", "size": len(dups), "success": true}},
		},
		"errorCode": "DUPLICATES_DETECTED",
		"message":   msg,
	}})
	return true
}

func writeError(w http.ResponseWriter, e *apiError) {
	entry := map[string]any{"message": e.msg, "errorCode": e.code}
	if len(e.fields) > 0 {
		entry["fields"] = e.fields
	}
	writeJSON(w, e.status, []map[string]any{entry})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
