package zoho_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/crmadapters/zoho"
	"github.com/leadflow/leadflow/crmadapters/zoho/zohofake"
	"github.com/leadflow/leadflow/internal/lead"
)

var creds = zohofake.Credentials{ClientID: "client-1", ClientSecret: "secret-1", RefreshToken: "refresh-1"}

var environment = map[string]string{
	"ZOHO_CLIENT_ID": creds.ClientID, "ZOHO_CLIENT_SECRET": creds.ClientSecret, "ZOHO_REFRESH_TOKEN": creds.RefreshToken,
}

func getenv(k string) string { return environment[k] }

func settings(base string) crmadapters.Settings {
	return crmadapters.Settings{
		BaseURL: base,
		Credentials: map[string]string{"client_id": "ZOHO_CLIENT_ID", "client_secret": "ZOHO_CLIENT_SECRET",
			"refresh_token": "ZOHO_REFRESH_TOKEN"},
		Options: map[string]string{"accounts_url": base},
	}
}

// crm is an adapter pointed at a fake Zoho (which serves the accounts server too).
type crm struct {
	fake    *zohofake.Server
	adapter *zoho.Adapter
	ids     *crmtest.MemoryIDs
	url     string
}

// wrapper puts something between the adapter and the fake: a fault injector, a broken proxy.
type wrapper func(fake *zohofake.Server, h http.Handler) http.Handler

func newCRM(t *testing.T, wrap wrapper, mapping *crmadapters.Mapping) *crm {
	t.Helper()
	fake := zohofake.New(creds)
	h := fake.Handler()
	if wrap != nil {
		h = wrap(fake, h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := settings(srv.URL)
	s.Mapping = mapping
	ids := &crmtest.MemoryIDs{}
	a, err := zoho.New(s, getenv, ids, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return &crm{fake: fake, adapter: a, ids: ids, url: srv.URL}
}

// since is what the fake received after the first n requests.
func (c *crm) since(n int) []zohofake.Request { return c.fake.Requests()[n:] }

func TestCompliance(t *testing.T) {
	crmtest.Run(t, func(t *testing.T) crmtest.Subject {
		// The suite switches the faults on in its chaos test only.
		var chaos *crmtest.Chaos
		c := newCRM(t, func(fake *zohofake.Server, h http.Handler) http.Handler {
			chaos = &crmtest.Chaos{Throttled: fake.Throttled}
			return chaos.Wrap(h)
		}, nil)
		return crmtest.Subject{Adapter: c.adapter, Remote: c.fake, Stage: zoho.DefaultMapping().Stage, Chaos: chaos}
	})
}

// jsonBody is v as the fake decodes a request body.
func jsonBody(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func assertRequests(t *testing.T, got, want []zohofake.Request) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("sent %d requests, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
	}
	for i := range want {
		if want[i].Query == nil {
			want[i].Query = url.Values{}
		}
		want[i].Body = jsonBody(t, want[i].Body)
		if !reflect.DeepEqual(got[i], want[i]) {
			g, _ := json.MarshalIndent(got[i], "", " ")
			w, _ := json.MarshalIndent(want[i], "", " ")
			t.Errorf("request %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

// tokenRequest is the refresh the adapter makes before its first call.
var tokenRequest = zohofake.Request{Method: "POST", Path: "/oauth/v2/token", Query: url.Values{
	"grant_type": {"refresh_token"}, "client_id": {creds.ClientID}, "client_secret": {creds.ClientSecret},
	"refresh_token": {creds.RefreshToken}}}

func bearer(n int) string { return "Zoho-oauthtoken 1000." + fmt.Sprintf("%032x", n) }

// TestRequests asserts the exact requests of each operation, in the order the sync makes them.
func TestRequests(t *testing.T) {
	c := newCRM(t, nil, nil)
	ctx := t.Context()
	auth := bearer(1)
	var contactRef, dealRef string
	l := crmtest.SampleLead("l-1", "c-1", 0)
	tests := []struct {
		name string
		call func() error
		want func() []zohofake.Request
	}{
		{"contact upsert", func() (err error) {
			contactRef, err = c.adapter.UpsertContact(ctx, crmtest.SampleContact("c-1", 0))
			return err
		}, func() []zohofake.Request {
			return []zohofake.Request{tokenRequest, {Method: "POST", Path: "/crm/v2/Contacts/upsert", Auth: auth, Body: map[string]any{
				"data": []any{map[string]any{"Leadflow_Contact_Id": "c-1", "First_Name": "Sara", "Last_Name": "Ahmadi",
					"Email": "sara@parsian.example", "Phone": "+989121234567", "Mailing_Country": "IR"}},
				"duplicate_check_fields": []string{"Leadflow_Contact_Id"}}}}
		}},
		{"deal upsert", func() (err error) {
			l.ContactRef = contactRef
			dealRef, err = c.adapter.UpsertLead(ctx, l)
			return err
		}, func() []zohofake.Request {
			return []zohofake.Request{{Method: "POST", Path: "/crm/v2/Deals/upsert", Auth: auth, Body: map[string]any{
				"data": []any{map[string]any{"Leadflow_Id": "l-1", "Deal_Name": "Parsian Logistics: demo request",
					"Stage": "Qualification", "Amount": 5000, "Description": "Wants a demo for 20 seats",
					"Contact_Name": map[string]any{"id": contactRef}}},
				"duplicate_check_fields": []string{"Leadflow_Id"}}}}
		}},
		{"note", func() error {
			_, err := c.adapter.AddNote(ctx, crmtest.SampleNote("l-1", dealRef, contactRef))
			return err
		}, func() []zohofake.Request {
			return []zohofake.Request{{Method: "POST", Path: "/crm/v2/Deals/" + dealRef + "/Notes", Auth: auth, Body: map[string]any{
				"data": []any{map[string]any{"Note_Title": "Leadflow l-1:summary",
					"Note_Content": "Wants a demo for 20 seats.\nTranscript: https://leadflow.example/v1/leads/l-1"}}}}}
		}},
		{"note whose answer was lost: searched before it is written", func() error {
			n := crmtest.SampleNote("l-1", dealRef, contactRef)
			n.Key = "l-1:lost"
			if _, _, err := c.ids.Claim(ctx, "zoho", "note", n.Key); err != nil {
				return err
			}
			_, err := c.adapter.AddNote(ctx, n)
			return err
		}, func() []zohofake.Request {
			return []zohofake.Request{
				{Method: "GET", Path: "/crm/v2/Deals/" + dealRef + "/Notes", Auth: auth,
					Query: url.Values{"page": {"1"}, "per_page": {"200"}}},
				{Method: "POST", Path: "/crm/v2/Deals/" + dealRef + "/Notes", Auth: auth, Body: map[string]any{
					"data": []any{map[string]any{"Note_Title": "Leadflow l-1:lost",
						"Note_Content": "Wants a demo for 20 seats.\nTranscript: https://leadflow.example/v1/leads/l-1"}}}},
			}
		}},
		{"task", func() error {
			_, err := c.adapter.CreateTask(ctx, crmtest.SampleTask("l-1", dealRef, contactRef))
			return err
		}, func() []zohofake.Request {
			return []zohofake.Request{{Method: "POST", Path: "/crm/v2/Tasks", Auth: auth, Body: map[string]any{
				"data": []any{map[string]any{"Leadflow_Key": "l-1:call-1", "Subject": "Call the new lead", "Description": "First call",
					"Status": "Not Started", "Due_Date": "2026-11-01", "What_Id": map[string]any{"id": dealRef}, "$se_module": "Deals",
					"Who_Id": map[string]any{"id": contactRef}}}}}}
		}},
		{"task whose answer was lost: searched by its key", func() error {
			ids := &crmtest.MemoryIDs{} // another worker's map, which never learnt the task's id
			if _, _, err := ids.Claim(ctx, "zoho", "task", "l-1:call-1"); err != nil {
				return err
			}
			a, err := zoho.New(settings(c.url), getenv, ids, nil)
			if err != nil {
				return err
			}
			_, err = a.CreateTask(ctx, crmtest.SampleTask("l-1", dealRef, contactRef))
			return err
		}, func() []zohofake.Request {
			return []zohofake.Request{
				tokenRequest,
				{Method: "POST", Path: "/crm/v2/coql", Auth: bearer(2), Body: map[string]any{
					"select_query": "select id from Tasks where Leadflow_Key = 'l-1:call-1' limit 1"}},
			}
		}},
		{"outcome", func() error {
			return c.adapter.RecordOutcome(ctx, crmadapters.Outcome{LeadID: "l-1", LeadRef: dealRef, Status: lead.StatusWon,
				Outcome: lead.OutcomeWon, Key: "l-1:won"})
		}, func() []zohofake.Request {
			return []zohofake.Request{{Method: "PUT", Path: "/crm/v2/Deals/" + dealRef, Auth: auth, Body: map[string]any{
				"data": []any{map[string]any{"Stage": "Closed Won"}}}}}
		}},
		{"read back", func() error {
			_, err := c.adapter.ReadLeads(ctx, []string{"l-1", `o'brien\1`})
			return err
		}, func() []zohofake.Request {
			return []zohofake.Request{{Method: "POST", Path: "/crm/v2/coql", Auth: auth, Body: map[string]any{
				"select_query": `select id, Leadflow_Id, Stage from Deals where Leadflow_Id in ('l-1', 'o\'brien\\1') limit 200`}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(c.fake.Requests())
			if err := tt.call(); err != nil {
				t.Fatal(err)
			}
			assertRequests(t, c.since(before), tt.want())
		})
	}
}

// written is a contact and a deal in the CRM, for the tests of what comes after.
func (c *crm) written(t *testing.T, leadID string, i int) (contactRef, dealRef string) {
	t.Helper()
	ctx := t.Context()
	contactRef, err := c.adapter.UpsertContact(ctx, crmtest.SampleContact("c-"+leadID, i))
	if err != nil {
		t.Fatal(err)
	}
	l := crmtest.SampleLead(leadID, "c-"+leadID, i)
	l.ContactRef = contactRef
	if dealRef, err = c.adapter.UpsertLead(ctx, l); err != nil {
		t.Fatal(err)
	}
	return contactRef, dealRef
}

func TestExpiredTokenIsRefreshedOnceAndTheRequestRepeated(t *testing.T) {
	c := newCRM(t, nil, nil)
	c.written(t, "l-1", 0)
	c.fake.ExpireTokens()
	before := len(c.fake.Requests())
	if _, err := c.adapter.UpsertContact(t.Context(), crmtest.SampleContact("c-l-1", 0)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range c.since(before) {
		got = append(got, r.Method+" "+r.Path+" "+r.Auth)
	}
	want := []string{"POST /crm/v2/Contacts/upsert " + bearer(1), "POST /oauth/v2/token ", "POST /crm/v2/Contacts/upsert " + bearer(2)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("requests = %q, want %q", got, want)
	}
}

func TestTokenRefusedAgainIsRejectedAfterOneRepeat(t *testing.T) {
	c := newCRM(t, func(_ *zohofake.Server, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/crm/") { // a token Zoho revoked as soon as it issued it
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	}, nil)
	_, err := c.adapter.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
	var rej *crmadapters.RejectedError
	if !errors.As(err, &rej) || rej.Status != http.StatusUnauthorized || rej.Code != "INVALID_TOKEN" {
		t.Fatalf("err = %v, want rejected 401 INVALID_TOKEN", err)
	}
	if n := c.fake.TokensIssued(); n != 2 {
		t.Errorf("%d tokens fetched, want the first and one refresh", n)
	}
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	c := newCRM(t, nil, nil)
	upsertAll := func() {
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				if _, err := c.adapter.UpsertContact(t.Context(), crmtest.SampleContact(fmt.Sprintf("c-%d", i), i)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	upsertAll()
	if n := c.fake.TokensIssued(); n != 1 {
		t.Fatalf("16 first calls fetched %d tokens, want 1", n)
	}
	c.fake.ExpireTokens()
	upsertAll()
	if n := c.fake.TokensIssued(); n != 2 {
		t.Fatalf("16 calls with an expired token fetched %d more tokens, want 1", n-1)
	}
}

func TestRefreshRefused(t *testing.T) {
	fake := zohofake.New(zohofake.Credentials{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, RefreshToken: "revoked"})
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	a, err := zoho.New(settings(srv.URL), getenv, &crmtest.MemoryIDs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
	var rej *crmadapters.RejectedError
	if !errors.As(err, &rej) || rej.Code != "invalid_code" || crmadapters.Retryable(err) {
		t.Fatalf("err = %v, want rejected invalid_code", err)
	}
	if strings.Contains(err.Error(), creds.RefreshToken) || strings.Contains(err.Error(), creds.ClientSecret) {
		t.Fatalf("the error shows a secret: %v", err)
	}
}

func TestUpsertLeadsWritesAtMost100ARequest(t *testing.T) {
	c := newCRM(t, nil, nil)
	contactRef, _ := c.written(t, "l-0", 0)
	leads := make([]crmadapters.Lead, 250)
	for i := range leads {
		leads[i] = crmtest.SampleLead(fmt.Sprintf("l-batch-%d", i), "c-l-0", i)
		leads[i].ContactRef = contactRef
	}
	before := len(c.fake.Requests())
	ids, err := c.adapter.UpsertLeads(t.Context(), leads)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, r := range c.since(before) {
		if r.Path != "/crm/v2/Deals/upsert" {
			t.Fatalf("unexpected %s %s", r.Method, r.Path)
		}
		sizes = append(sizes, len(r.Body.(map[string]any)["data"].([]any)))
	}
	if !reflect.DeepEqual(sizes, []int{100, 100, 50}) {
		t.Fatalf("requests of %v records, want [100 100 50]", sizes)
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if id == "" || seen[id] || c.fake.Record("Deals", id)["Leadflow_Id"] != leads[i].Doc.LeadID {
			t.Fatalf("id %d = %q: not the deal of %s", i, id, leads[i].Doc.LeadID)
		}
		seen[id] = true
	}
	if n := c.fake.Count("lead"); n != 251 {
		t.Fatalf("the CRM holds %d deals, want 251", n)
	}
}

func TestUpsertLeadsReportsEachRefusedLead(t *testing.T) {
	c := newCRM(t, nil, nil)
	contactRef, _ := c.written(t, "l-0", 0)
	leads := make([]crmadapters.Lead, 3)
	for i := range leads {
		leads[i] = crmtest.SampleLead(fmt.Sprintf("l-%d", i+1), "c-l-0", i)
		leads[i].ContactRef = contactRef
	}
	leads[1].ContactRef = "5725767999999999999" // a contact Zoho does not hold
	leads[2].Doc.Status = lead.StatusNoLead     // no stage: the mapping cannot express it
	ids, err := c.adapter.UpsertLeads(t.Context(), leads)
	if ids[0] == "" || ids[1] != "" || ids[2] != "" {
		t.Fatalf("ids = %q, want only the first written", ids)
	}
	var rej *crmadapters.RejectedError
	var mapping *crmadapters.MappingError
	if !errors.As(err, &rej) || rej.Code != "INVALID_DATA" || !errors.As(err, &mapping) || !strings.Contains(err.Error(), "lead l-2") {
		t.Fatalf("err = %v, want l-2 rejected INVALID_DATA and l-3's mapping error", err)
	}
}

func TestRecordErrorsCarryTheCodeOnly(t *testing.T) {
	noLastName := zoho.DefaultMapping()
	noLastName.Contact = slicesDelete(noLastName.Contact, "Last_Name")
	tests := []struct {
		name    string
		mapping *crmadapters.Mapping
		prepare func(t *testing.T, c *crm)
		check   func(t *testing.T, err error)
	}{
		{"mandatory field missing", &noLastName, nil, func(t *testing.T, err error) {
			var rej *crmadapters.RejectedError
			if !errors.As(err, &rej) || rej.Code != "MANDATORY_NOT_FOUND" || rej.Status != http.StatusBadRequest {
				t.Fatalf("err = %v, want rejected 400 MANDATORY_NOT_FOUND", err)
			}
		}},
		{"another contact holds the e-mail", nil, func(t *testing.T, c *crm) {
			c.fake.Unique("Contacts", "Email")
			if _, err := c.adapter.UpsertContact(t.Context(), crmtest.SampleContact("c-other", 0)); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, err error) {
			var rev *crmadapters.ReviewError
			if !errors.As(err, &rev) || len(rev.Candidates) != 1 || crmadapters.Retryable(err) {
				t.Fatalf("err = %v, want a review with the contact holding the e-mail", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCRM(t, nil, tt.mapping)
			if tt.prepare != nil {
				tt.prepare(t, c)
			}
			_, err := c.adapter.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
			tt.check(t, err)
			for _, secret := range []string{"Sara", "Ahmadi", "sara@", "+98912", "required field not found", "duplicate data"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows %q: %v", secret, err)
				}
			}
		})
	}
}

func slicesDelete(rules []crmadapters.Rule, to string) []crmadapters.Rule {
	var out []crmadapters.Rule
	for _, r := range rules {
		if r.To != to {
			out = append(out, r)
		}
	}
	return out
}

func TestThrottledAndFailingAreRetried(t *testing.T) {
	tests := []struct {
		name      string
		fault     crmtest.Fault
		status    int
		wantAfter bool
	}{
		{"429 waits for X-RATELIMIT-RESET", crmtest.Throttle, http.StatusTooManyRequests, true},
		{"503", crmtest.Unavailable, http.StatusServiceUnavailable, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCRM(t, func(fake *zohofake.Server, h http.Handler) http.Handler {
				chaos := &crmtest.Chaos{Throttled: fake.Throttled, Plan: []crmtest.Fault{crmtest.Pass, tt.fault}} // the token passes
				return chaos.Wrap(h)
			}, nil)
			_, err := c.adapter.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
			var retry *crmadapters.RetryError
			if !errors.As(err, &retry) || retry.Status != tt.status || !crmadapters.Retryable(err) {
				t.Fatalf("err = %v, want retry after HTTP %d", err, tt.status)
			}
			if tt.wantAfter && (retry.After < 25*time.Second || retry.After > 30*time.Second || retry.Msg != "TOO_MANY_REQUESTS") {
				t.Fatalf("retry = %+v, want TOO_MANY_REQUESTS after the 30s to the reset", retry)
			}
		})
	}
}

func TestReadLeads(t *testing.T) {
	c := newCRM(t, nil, nil)
	_, dealRef := c.written(t, "l-1", 0)
	_, quotedRef := c.written(t, `l-'2`, 1)
	ids := []string{"l-1", `l-'2`}
	for i := range 118 {
		ids = append(ids, fmt.Sprintf("l-missing-%d", i))
	}
	before := len(c.fake.Requests())
	got, err := c.adapter.ReadLeads(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]crmadapters.RemoteLead{"l-1": {Ref: dealRef, Stage: "Qualification"}, `l-'2`: {Ref: quotedRef, Stage: "Qualification"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadLeads = %+v, want %+v", got, want)
	}
	var values []int
	for _, r := range c.since(before) {
		q := r.Body.(map[string]any)["select_query"].(string)
		values = append(values, strings.Count(q, "', '")+1)
	}
	if !reflect.DeepEqual(values, []int{50, 50, 20}) {
		t.Fatalf("queries of %v ids, want [50 50 20] (COQL's in takes 50)", values)
	}
	// The last two queries match nothing: Zoho's 204 No Content is no rows, not an error.
	if got, err := c.adapter.ReadLeads(t.Context(), []string{"l-none"}); err != nil || len(got) != 0 {
		t.Fatalf("ReadLeads of an unknown lead = %v, %v; want nothing", got, err)
	}
}

func TestNoteFoundOnALaterPage(t *testing.T) {
	c := newCRM(t, nil, nil)
	ctx := t.Context()
	contactRef, dealRef := c.written(t, "l-1", 0)
	var last string
	for i := range 250 {
		n := crmtest.SampleNote("l-1", dealRef, contactRef)
		n.Key = fmt.Sprintf("l-1:note-%d", i)
		id, err := c.adapter.AddNote(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		last = id
	}
	// Another attempt claimed note 249 and lost Zoho's answer: it is on the second page.
	ids := &crmtest.MemoryIDs{}
	if _, _, err := ids.Claim(ctx, "zoho", "note", "l-1:note-249"); err != nil {
		t.Fatal(err)
	}
	a, err := zoho.New(settings(c.url), getenv, ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := crmtest.SampleNote("l-1", dealRef, contactRef)
	n.Key = "l-1:note-249"
	if id, err := a.AddNote(ctx, n); err != nil || id != last {
		t.Fatalf("AddNote = %q, %v; want the note already written, %q", id, err, last)
	}
	if got := c.fake.Count("note"); got != 250 {
		t.Fatalf("the CRM holds %d notes, want 250", got)
	}
}

func TestWritesAboutAnUnknownDealAreRejected(t *testing.T) {
	c := newCRM(t, nil, nil)
	ctx := t.Context()
	const unknown = "5725767999999999999"
	calls := map[string]func() error{
		"note": func() error { _, err := c.adapter.AddNote(ctx, crmtest.SampleNote("l-1", unknown, "")); return err },
		"task": func() error { _, err := c.adapter.CreateTask(ctx, crmtest.SampleTask("l-1", unknown, "")); return err },
		"outcome": func() error {
			return c.adapter.RecordOutcome(ctx, crmadapters.Outcome{LeadID: "l-1", LeadRef: unknown, Status: lead.StatusLost})
		},
	}
	for name, call := range calls {
		var rej *crmadapters.RejectedError
		if err := call(); !errors.As(err, &rej) || rej.Code != "INVALID_DATA" {
			t.Errorf("%s: err = %v, want rejected INVALID_DATA", name, err)
		}
	}
	var rej *crmadapters.RejectedError
	if _, err := c.adapter.AddNote(ctx, crmtest.SampleNote("l-1", "", "")); !errors.As(err, &rej) || rej.Code != "NO_LEAD_REF" {
		t.Errorf("a note without the deal's id: err = %v, want rejected NO_LEAD_REF", err)
	}
}

func TestOutcomeMovesTheDealsStage(t *testing.T) {
	c := newCRM(t, nil, nil)
	_, dealRef := c.written(t, "l-1", 0)
	for _, s := range []lead.Status{lead.StatusQualified, lead.StatusLost} {
		if err := c.adapter.RecordOutcome(t.Context(), crmadapters.Outcome{LeadID: "l-1", LeadRef: dealRef, Status: s}); err != nil {
			t.Fatal(err)
		}
		if got, want := c.fake.Stage(dealRef), zoho.DefaultMapping().Stage(s); got != want {
			t.Fatalf("stage after %s = %q, want %q", s, got, want)
		}
	}
	var mapping *crmadapters.MappingError
	err := c.adapter.RecordOutcome(t.Context(), crmadapters.Outcome{LeadID: "l-1", LeadRef: dealRef, Status: lead.StatusNoLead})
	if !errors.As(err, &mapping) {
		t.Fatalf("an outcome to a status without a stage: err = %v, want a mapping error", err)
	}
}

// TestFakeIsStrict sends the fake what the adapter never does, to prove it refuses what Zoho
// refuses.
func TestFakeIsStrict(t *testing.T) {
	c := newCRM(t, nil, nil)
	c.written(t, "l-1", 0) // a token is issued
	many := func(n int) any {
		data := make([]any, n)
		for i := range data {
			data[i] = map[string]any{"Leadflow_Id": fmt.Sprint(i), "Deal_Name": "d", "Stage": "Qualification"}
		}
		return map[string]any{"data": data, "duplicate_check_fields": []string{"Leadflow_Id"}}
	}
	in := make([]string, 51)
	for i := range in {
		in[i] = fmt.Sprintf("'l-%d'", i)
	}
	tests := []struct {
		name, method, path, auth string
		body                     any
		status                   int
		code                     string
	}{
		{"no token", "POST", "/crm/v2/Deals/upsert", "", many(1), 401, "AUTHENTICATION_FAILURE"},
		{"unknown token", "POST", "/crm/v2/Deals/upsert", "Zoho-oauthtoken 1000.nope", many(1), 401, "INVALID_TOKEN"},
		{"101 records", "POST", "/crm/v2/Deals/upsert", bearer(1), many(101), 400, "LIMIT_EXCEEDED"},
		{"tasks have no upsert", "POST", "/crm/v2/Tasks/upsert", bearer(1), many(1), 400, "NOT_SUPPORTED"},
		{"51 values for in", "POST", "/crm/v2/coql", bearer(1),
			map[string]string{"select_query": "select id from Deals where Leadflow_Id in (" + strings.Join(in, ", ") + ")"}, 400, "LIMIT_EXCEEDED"},
		{"limit over 200", "POST", "/crm/v2/coql", bearer(1),
			map[string]string{"select_query": "select id from Deals where Leadflow_Id = 'a' limit 201"}, 400, "LIMIT_EXCEEDED"},
		{"unknown path", "GET", "/crm/v2/Deals/1/Attachments", bearer(1), nil, 404, "INVALID_URL_PATTERN"},
		{"unknown deal's notes", "GET", "/crm/v2/Deals/1/Notes", bearer(1), nil, 400, "INVALID_DATA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body bytes.Buffer
			if tt.body != nil {
				_ = json.NewEncoder(&body).Encode(tt.body)
			}
			req, _ := http.NewRequest(tt.method, c.url+tt.path, &body)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var answer struct{ Code, Status string }
			_ = json.NewDecoder(resp.Body).Decode(&answer)
			if resp.StatusCode != tt.status || answer.Code != tt.code || answer.Status != "error" {
				t.Fatalf("answer = %d %+v, want %d %s", resp.StatusCode, answer, tt.status, tt.code)
			}
		})
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	withMapping := func(change func(m *crmadapters.Mapping)) func(s *crmadapters.Settings) {
		return func(s *crmadapters.Settings) {
			m := zoho.DefaultMapping()
			change(&m)
			s.Mapping = &m
		}
	}
	tests := []struct {
		name   string
		change func(s *crmadapters.Settings)
		want   string
	}{
		{"no base url", func(s *crmadapters.Settings) { s.BaseURL = "" }, "base_url"},
		{"base url not http", func(s *crmadapters.Settings) { s.BaseURL = "ftp://zoho.example" }, "base_url"},
		{"unknown option", func(s *crmadapters.Settings) { s.Options["pipeline"] = "x" }, `unknown option "pipeline"`},
		{"bad accounts url", func(s *crmadapters.Settings) { s.Options["accounts_url"] = "accounts.zoho.eu" }, "accounts_url"},
		{"credential not configured", func(s *crmadapters.Settings) { delete(s.Credentials, "refresh_token") }, "credentials.refresh_token"},
		{"credential not set", func(s *crmadapters.Settings) { s.Credentials["client_secret"] = "ZOHO_UNSET" }, "ZOHO_UNSET"},
		{"stage missing", withMapping(func(m *crmadapters.Mapping) { delete(m.Stages, lead.StatusWon) }), `no stage for status "won"`},
		{"key not mapped", withMapping(func(m *crmadapters.Mapping) { m.Lead = slicesDelete(m.Lead, "Leadflow_Id") }), `"Leadflow_Id" must be mapped`},
		{"key from another field", withMapping(func(m *crmadapters.Mapping) {
			m.Contact[0].From = "contact.email"
		}), "must be mapped from contact.id"},
		{"contact link mapped", withMapping(func(m *crmadapters.Mapping) {
			m.Lead = append(m.Lead, crmadapters.Rule{From: "lead.owner_email", To: "Contact_Name"})
		}), "link to the contact"},
		{"stage not from lead.stage", withMapping(func(m *crmadapters.Mapping) {
			for i := range m.Lead {
				if m.Lead[i].To == "Stage" {
					m.Lead[i].From = "lead.status"
				}
			}
		}), "no lead rule maps lead.stage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings("https://www.zohoapis.com")
			tt.change(&s)
			_, err := zoho.New(s, getenv, &crmtest.MemoryIDs{}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
	if _, err := zoho.New(settings("https://www.zohoapis.com"), getenv, nil, nil); err == nil {
		t.Fatal("New took no id map")
	}
}
