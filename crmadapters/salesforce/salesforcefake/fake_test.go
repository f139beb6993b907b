package salesforcefake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/crmadapters/salesforce/salesforcefake"
)

// org is a fake org and a token for it.
func org(t *testing.T) (*salesforcefake.Server, *httptest.Server, string) {
	t.Helper()
	fake := salesforcefake.New(salesforcefake.Config{ClientID: "id", ClientSecret: "secret", RefreshToken: "refresh"})
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {"id"}, "client_secret": {"secret"}, "refresh_token": {"refresh"}}
	resp, err := srv.Client().PostForm(srv.URL+salesforcefake.TokenPath, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token answer: %v", err)
	}
	return fake, srv, tok.AccessToken
}

// call sends a request and returns the answer's status and the first error code, if any.
func call(t *testing.T, srv *httptest.Server, token, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var errs []struct {
		ErrorCode string `json:"errorCode"`
	}
	if json.Unmarshal(b, &errs) == nil && len(errs) > 0 {
		return resp.StatusCode, errs[0].ErrorCode
	}
	return resp.StatusCode, ""
}

func TestStrictness(t *testing.T) {
	const v = "/services/data/v60.0"
	q := func(soql string) string { return v + "/query?q=" + url.QueryEscape(soql) }
	lead := `{"LastName":"Doe","Company":"Acme"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"upsert creates", "PATCH", v + "/sobjects/Lead/Leadflow_Id__c/l-1", lead, 201, ""},
		{"upsert updates", "PATCH", v + "/sobjects/Lead/Leadflow_Id__c/l-1", lead, 200, ""},
		{"external ID in the body", "PATCH", v + "/sobjects/Lead/Leadflow_Id__c/l-2", `{"LastName":"Doe","Company":"Acme","Leadflow_Id__c":"l-2"}`, 400, "INVALID_FIELD"},
		{"unique external ID taken", "POST", v + "/sobjects/Lead", `{"LastName":"Doe","Company":"Acme","Leadflow_Id__c":"L-1"}`, 400, "DUPLICATE_VALUE"},
		{"required field missing", "PATCH", v + "/sobjects/Lead/Leadflow_Id__c/l-3", `{"LastName":"Doe"}`, 400, "REQUIRED_FIELD_MISSING"},
		{"unknown field", "PATCH", v + "/sobjects/Lead/Leadflow_Id__c/l-3", `{"LastName":"Doe","Company":"Acme","Budget__c":1}`, 400, "INVALID_FIELD"},
		{"read-only field", "POST", v + "/sobjects/Lead", `{"LastName":"Doe","Company":"Acme","Id":"00Q000000000001AAA"}`, 400, "INVALID_FIELD_FOR_INSERT_UPDATE"},
		{"restricted picklist", "PATCH", v + "/sobjects/Lead/Leadflow_Id__c/l-3", `{"LastName":"Doe","Company":"Acme","Status":"Won"}`, 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"},
		{"note of no record", "POST", v + "/sobjects/Note", `{"ParentId":"00Q000000000999AAA","Title":"t"}`, 400, "INVALID_CROSS_REFERENCE_KEY"},
		{"not an external ID", "PATCH", v + "/sobjects/Lead/Email/a@b.example", lead, 404, "NOT_FOUND"},
		{"unknown object", "POST", v + "/sobjects/Deal", lead, 404, "NOT_FOUND"},
		{"retrieve unknown key", "GET", v + "/sobjects/Lead/Leadflow_Id__c/l-404?fields=Id", "", 404, "NOT_FOUND"},
		{"wrong method", "DELETE", v + "/sobjects/Lead", "", 405, "METHOD_NOT_ALLOWED"},
		{"query", "GET", q(`SELECT Id FROM Lead WHERE Leadflow_Id__c = 'L-1' AND Title = 'it\'s'`), "", 200, ""},
		{"quoted datetime", "GET", q("SELECT Id FROM Lead WHERE LastModifiedDate > '2026-11-02T10:00:00Z'"), "", 400, "MALFORMED_QUERY"},
		{"bad escape", "GET", q(`SELECT Id FROM Note WHERE Title = 'a\q'`), "", 400, "MALFORMED_QUERY"},
		{"unknown column", "GET", q("SELECT Id, Stage FROM Lead"), "", 400, "INVALID_FIELD"},
		{"unknown object queried", "GET", q("SELECT Id FROM Deal"), "", 400, "INVALID_TYPE"},
		{"IN list too long", "GET", q("SELECT Id FROM Lead WHERE Leadflow_Id__c IN ('" + strings.Repeat("x', '", 200) + "x')"), "", 400, "MALFORMED_QUERY"},
		{"URI too long", "GET", q("SELECT Id FROM Lead WHERE Leadflow_Id__c = '" + strings.Repeat("x", 17000) + "'"), "", 414, ""},
		{"unsupported version", "GET", "/services/data/v99.0/query?q=x", "", 404, "NOT_FOUND"},
	}
	_, srv, token := org(t)
	for _, tt := range tests {
		if status, code := call(t, srv, token, tt.method, tt.path, tt.body); status != tt.status || code != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, code, tt.status, tt.code)
		}
	}
}

func TestSessions(t *testing.T) {
	fake, srv, token := org(t)
	path := "/services/data/v60.0/query?q=" + url.QueryEscape("SELECT Id FROM Lead")
	if status, _ := call(t, srv, token, "GET", path, ""); status != 200 {
		t.Fatalf("a fresh token: %d", status)
	}
	fake.ExpireTokens()
	if status, code := call(t, srv, token, "GET", path, ""); status != 401 || code != "INVALID_SESSION_ID" {
		t.Fatalf("an expired token: %d %s, want 401 INVALID_SESSION_ID", status, code)
	}
	if status, code := call(t, srv, "made-up", "GET", path, ""); status != 401 || code != "INVALID_SESSION_ID" {
		t.Fatalf("an unknown token: %d %s, want 401 INVALID_SESSION_ID", status, code)
	}
	resp, err := srv.Client().PostForm(srv.URL+salesforcefake.TokenPath, url.Values{"grant_type": {"refresh_token"},
		"client_id": {"id"}, "client_secret": {"secret"}, "refresh_token": {"revoked"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	if resp.StatusCode != 400 || answer.Error != "invalid_grant" {
		t.Fatalf("a revoked refresh token: %d %q, want 400 invalid_grant", resp.StatusCode, answer.Error)
	}
}
