package salesforce_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/crmadapters/salesforce"
	"github.com/leadflow/leadflow/crmadapters/salesforce/salesforcefake"
	"github.com/leadflow/leadflow/internal/lead"
)

const (
	clientID     = "3MVG9leadflow.client"
	clientSecret = "client-secret-4711"
	refreshToken = "5Aep861.refresh-token"
	data         = "/services/data/v60.0"
	firstToken   = "Bearer 00DFAKE000000001!AQ.token-1"
)

var env = map[string]string{"SF_CLIENT_ID": clientID, "SF_CLIENT_SECRET": clientSecret, "SF_REFRESH_TOKEN": refreshToken}

func getenv(k string) string { return env[k] }

func settings(baseURL string) crmadapters.Settings {
	return crmadapters.Settings{
		BaseURL:     baseURL,
		Credentials: map[string]string{"client_id": "SF_CLIENT_ID", "client_secret": "SF_CLIENT_SECRET", "refresh_token": "SF_REFRESH_TOKEN"},
		Options:     map[string]string{"token_url": baseURL + salesforcefake.TokenPath},
	}
}

// org is an adapter writing to a fake org.
type org struct {
	fake *salesforcefake.Server
	ids  *crmtest.MemoryIDs
	a    *salesforce.Adapter
}

// setup changes what newOrg builds.
type setup struct {
	cfg      salesforcefake.Config
	settings func(*crmadapters.Settings)
	wrap     func(f *salesforcefake.Server, h http.Handler) http.Handler
}

func newOrg(t *testing.T, opts ...func(*setup)) *org {
	t.Helper()
	st := setup{cfg: salesforcefake.Config{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken}}
	for _, o := range opts {
		o(&st)
	}
	fake := salesforcefake.New(st.cfg)
	h := fake.Handler()
	if st.wrap != nil {
		h = st.wrap(fake, h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := settings(srv.URL)
	if st.settings != nil {
		st.settings(&s)
	}
	ids := &crmtest.MemoryIDs{}
	a, err := salesforce.New(s, getenv, ids, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return &org{fake: fake, ids: ids, a: a}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestCompliance(t *testing.T) {
	crmtest.Run(t, func(t *testing.T) crmtest.Subject {
		chaos := &crmtest.Chaos{} // the suite switches the faults on in its chaos test only
		o := newOrg(t, func(s *setup) {
			s.wrap = func(f *salesforcefake.Server, h http.Handler) http.Handler {
				chaos.Throttled = f.Throttled
				return chaos.Wrap(h)
			}
		})
		return crmtest.Subject{Adapter: o.a, Remote: o.fake, Stage: salesforce.DefaultMapping().Stage, Chaos: chaos}
	})
}

func TestRequests(t *testing.T) {
	o := newOrg(t)
	ctx := t.Context()
	contactRef := must[string](t)(o.a.UpsertContact(ctx, crmtest.SampleContact("c-1", 4)))
	l := crmtest.SampleLead("l-1", "c-1", 4)
	l.ContactRef = contactRef
	leadRef := must[string](t)(o.a.UpsertLead(ctx, l))
	must[string](t)(o.a.AddNote(ctx, crmtest.SampleNote("l-1", leadRef, contactRef)))
	must[string](t)(o.a.CreateTask(ctx, crmtest.SampleTask("l-1", leadRef, contactRef)))
	if err := o.a.RecordOutcome(ctx, crmadapters.Outcome{LeadID: "l-1", LeadRef: leadRef, Status: lead.StatusWon, Outcome: lead.OutcomeWon, Key: "l-1:won"}); err != nil {
		t.Fatal(err)
	}
	must[map[string]crmadapters.RemoteLead](t)(o.a.ReadLeads(ctx, []string{"l-1", "l-1", "l-'2"}))

	write := func(method, path string, body map[string]any) salesforcefake.Request {
		return salesforcefake.Request{Method: method, Path: path, Query: url.Values{}, Auth: firstToken, ContentType: "application/json", Body: body}
	}
	want := []salesforcefake.Request{
		{Method: "POST", Path: "/services/oauth2/token", Query: url.Values{}, ContentType: "application/x-www-form-urlencoded",
			Form: url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "client_secret": {clientSecret}, "refresh_token": {refreshToken}}},
		write("PATCH", data+"/sobjects/Contact/Leadflow_Contact_Id__c/c-1", map[string]any{
			"FirstName": "Jane", "LastName": "Doe", "Email": "jane@acme.example", "Phone": "+14155550123", "MailingCountry": "US"}),
		write("PATCH", data+"/sobjects/Lead/Leadflow_Id__c/l-1", map[string]any{
			"Status": "Open - Not Contacted", "FirstName": "Jane", "LastName": "Doe", "Company": "Acme", "Email": "jane@acme.example",
			"Phone": "+14155550123", "Country": "US", "Rating": "Hot", "Description": "Wants a demo for 20 seats"}),
		write("POST", data+"/sobjects/Note", map[string]any{
			"ParentId": leadRef, "Title": "Leadflow l-1:summary", "Body": "Wants a demo for 20 seats.\nTranscript: https://leadflow.example/v1/leads/l-1"}),
		write("PATCH", data+"/sobjects/Task/Leadflow_Key__c/l-1:call-1", map[string]any{
			"WhoId": leadRef, "Subject": "Call the new lead", "Description": "First call", "ActivityDate": "2026-11-01"}),
		write("PATCH", data+"/sobjects/Lead/Leadflow_Id__c/l-1", map[string]any{"Status": "Closed - Converted"}),
		{Method: "GET", Path: data + "/query", Auth: firstToken,
			Query: url.Values{"q": {`SELECT Id, Leadflow_Id__c, Status FROM Lead WHERE Leadflow_Id__c IN ('l-1', 'l-\'2')`}}},
	}
	sameRequests(t, o.fake.Requests(), want)
}

func sameRequests(t *testing.T, got, want []salesforcefake.Request) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("request %d missing: %+v", i, want[i])
		case i >= len(want):
			t.Errorf("request %d unexpected: %+v", i, got[i])
		case !reflect.DeepEqual(got[i], want[i]):
			t.Errorf("request %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestLeadLinkedToContact(t *testing.T) {
	o := newOrg(t, func(s *setup) {
		s.settings = func(s *crmadapters.Settings) { s.Options["lead_contact_field"] = "Leadflow_Contact__c" }
	})
	contactRef := must[string](t)(o.a.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0)))
	l := crmtest.SampleLead("l-1", "c-1", 0)
	l.ContactRef = contactRef
	leadRef := must[string](t)(o.a.UpsertLead(t.Context(), l))
	if rec, _ := o.fake.Record(leadRef); rec["Leadflow_Contact__c"] != contactRef {
		t.Fatalf("the lead's Leadflow_Contact__c is %v, want the contact %s", rec["Leadflow_Contact__c"], contactRef)
	}
}

// statusLog records the status of every answer.
type statusLog struct {
	mu  sync.Mutex
	log []string
}

func (s *statusLog) wrap(_ *salesforcefake.Server, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		s.mu.Lock()
		s.log = append(s.log, fmt.Sprintf("%s %d", r.Method, rec.Code))
		s.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func TestUpsertAnswers(t *testing.T) {
	tests := []struct {
		version string
		want    []string // token, created, updated (and the id read back after a 204)
	}{
		{"v60.0", []string{"POST 200", "PATCH 201", "PATCH 200"}},
		{"v45.0", []string{"POST 200", "PATCH 201", "PATCH 204", "GET 200"}},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			answers := &statusLog{}
			o := newOrg(t, func(s *setup) {
				s.wrap = answers.wrap
				s.settings = func(s *crmadapters.Settings) { s.Options["api_version"] = tt.version }
			})
			l := crmtest.SampleLead("l-1", "c-1", 0)
			created := must[string](t)(o.a.UpsertLead(t.Context(), l))
			l.Doc.Status = lead.StatusContacted
			updated := must[string](t)(o.a.UpsertLead(t.Context(), l))
			if created == "" || updated != created {
				t.Fatalf("created %q, then updated %q: want one id", created, updated)
			}
			if got := o.fake.Stage(created); got != "Working - Contacted" {
				t.Errorf("stage after the update = %q", got)
			}
			if !slices.Equal(answers.log, tt.want) {
				t.Errorf("answers %v, want %v", answers.log, tt.want)
			}
			if last := o.fake.Requests()[len(answers.log)-1]; tt.version == "v45.0" &&
				(last.Path != "/services/data/v45.0/sobjects/Lead/Leadflow_Id__c/l-1" || last.Query.Get("fields") != "Id") {
				t.Errorf("after a 204 the id was read with %s %s?%s", last.Method, last.Path, last.Query.Encode())
			}
		})
	}
}

func TestMultipleChoicesNeedReview(t *testing.T) {
	o := newOrg(t)
	shared := map[string]any{"LastName": "Doe", "Company": "Acme", "Leadflow_Id__c": "l-dup"}
	first, second := o.fake.Seed("Lead", shared), o.fake.Seed("Lead", shared)
	_, err := o.a.UpsertLead(t.Context(), crmtest.SampleLead("l-dup", "c-1", 4))
	wantReview(t, err, first, second)
	err = o.a.RecordOutcome(t.Context(), crmadapters.Outcome{LeadID: "l-dup", Status: lead.StatusWon, Key: "l-dup:won"})
	wantReview(t, err, first, second)
	if n := o.fake.Count("lead"); n != 2 {
		t.Errorf("the org holds %d leads, want the 2 seeded", n)
	}
}

func TestDuplicateRuleNeedsReview(t *testing.T) {
	o := newOrg(t)
	o.fake.BlockDuplicates("Lead", "Email")
	existing := o.fake.Seed("Lead", map[string]any{"LastName": "Doe", "Company": "Acme", "Email": "JANE@acme.example"})
	_, err := o.a.UpsertLead(t.Context(), crmtest.SampleLead("l-9", "c-9", 4))
	wantReview(t, err, existing)
	if strings.Contains(err.Error(), "jane@acme.example") {
		t.Errorf("the error carries the lead's e-mail: %v", err)
	}
	if n := o.fake.Count("lead"); n != 1 {
		t.Errorf("the org holds %d leads: the rule was overridden", n)
	}
}

func wantReview(t *testing.T, err error, candidates ...string) {
	t.Helper()
	var review *crmadapters.ReviewError
	if !errors.As(err, &review) {
		t.Fatalf("err = %v, want a review", err)
	}
	if !slices.Equal(review.Candidates, candidates) {
		t.Errorf("candidates %v, want %v", review.Candidates, candidates)
	}
	if crmadapters.Retryable(err) {
		t.Error("a review is retried")
	}
}

func TestRequestLimitWaitsLong(t *testing.T) {
	var calls atomic.Int32
	o := newOrg(t, func(s *setup) {
		s.wrap = func(f *salesforcefake.Server, h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/services/data/") && calls.Add(1) == 1 {
					f.Throttled(w, r)
					return
				}
				h.ServeHTTP(w, r)
			})
		}
	})
	_, err := o.a.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
	var retry *crmadapters.RetryError
	if !errors.As(err, &retry) || retry.Status != http.StatusForbidden || retry.After != 15*time.Minute || retry.Msg != "REQUEST_LIMIT_EXCEEDED" {
		t.Fatalf("err = %#v, want a retry after 15m for REQUEST_LIMIT_EXCEEDED", err)
	}
	must[string](t)(o.a.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0)))
}

// TestAnswersClassified meets answers the fake does not give, from a stub org.
func TestAnswersClassified(t *testing.T) {
	const email = "sara@parsian.example"
	tests := []struct {
		name   string
		status int
		header string // Retry-After
		body   string
		want   string // retry, rejected or review
		after  time.Duration
		code   string
	}{
		{"429 waits what Retry-After asks", 429, "7", "", "retry", 7 * time.Second, ""},
		{"503 is retried", 503, "", "<html>down</html>", "retry", 0, ""},
		{"REQUEST_LIMIT_EXCEEDED waits 15 minutes", 403, "", `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, "retry", 15 * time.Minute, ""},
		{"a locked row is retried", 400, "", `[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]`, "retry", 0, ""},
		{"a bad field is refused without its message", 400, "", `[{"message":"Email: invalid email address: ` + email + `","errorCode":"INVALID_EMAIL_ADDRESS","fields":["Email"]}]`, "rejected", 0, "INVALID_EMAIL_ADDRESS"},
		{"free text is no error code", 400, "", `[{"message":"x","errorCode":"bad ` + email + `"}]`, "rejected", 0, ""},
		{"not found", 404, "", `[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]`, "rejected", 0, "NOT_FOUND"},
		{"300 names the records", 300, "", `["/services/data/v60.0/sobjects/Contact/003000000000001AAA","/services/data/v60.0/sobjects/Contact/003000000000002AAA"]`, "review", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == salesforcefake.TokenPath {
					_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer"}`))
					return
				}
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			a, err := salesforce.New(settings(srv.URL), getenv, &crmtest.MemoryIDs{}, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
			var retry *crmadapters.RetryError
			var rejected *crmadapters.RejectedError
			var review *crmadapters.ReviewError
			switch {
			case err == nil:
				t.Fatal("no error")
			case strings.Contains(err.Error(), email):
				t.Errorf("the error carries the CRM's text: %v", err)
			}
			switch tt.want {
			case "retry":
				if !errors.As(err, &retry) || retry.After != tt.after {
					t.Errorf("err = %#v, want a retry after %s", err, tt.after)
				}
			case "rejected":
				if !errors.As(err, &rejected) || rejected.Status != tt.status || rejected.Code != tt.code {
					t.Errorf("err = %#v, want rejected with code %q", err, tt.code)
				}
			case "review":
				if !errors.As(err, &review) || !slices.Equal(review.Candidates, []string{"003000000000001AAA", "003000000000002AAA"}) {
					t.Errorf("err = %#v, want a review of both contacts", err)
				}
			}
		})
	}
}

func TestExpiredSessionRefreshedOnceForAll(t *testing.T) {
	const callers = 8
	var stale atomic.Pointer[string]
	var arrived sync.WaitGroup
	arrived.Add(callers)
	o := newOrg(t, func(s *setup) {
		s.wrap = func(_ *salesforcefake.Server, h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// Every caller's request with the expired token is answered 401 at once, so all
				// of them meet the expiry together.
				if old := stale.Load(); old != nil && r.Header.Get("Authorization") == *old {
					arrived.Done()
					arrived.Wait()
				}
				h.ServeHTTP(w, r)
			})
		}
	})
	ctx := t.Context()
	must[string](t)(o.a.UpsertContact(ctx, crmtest.SampleContact("c-0", 0)))
	old := firstToken
	stale.Store(&old)
	o.fake.ExpireTokens()
	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			_, err := o.a.UpsertContact(ctx, crmtest.SampleContact(fmt.Sprintf("c-%d", i+1), i))
			errs <- err
		}()
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := o.fake.TokenGrants(); n != 2 {
		t.Errorf("%d tokens were fetched, want the first and one refresh shared by %d callers", n, callers)
	}
	if n := o.fake.Count("contact"); n != callers+1 {
		t.Errorf("the org holds %d contacts, want %d", n, callers+1)
	}
}

func TestSessionRefusedAfterRefreshIsRejected(t *testing.T) {
	var api atomic.Int32
	o := newOrg(t, func(s *setup) {
		s.wrap = func(_ *salesforcefake.Server, h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == salesforcefake.TokenPath {
					h.ServeHTTP(w, r)
					return
				}
				api.Add(1)
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`))
			})
		}
	})
	_, err := o.a.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
	var rejected *crmadapters.RejectedError
	if !errors.As(err, &rejected) || rejected.Status != http.StatusUnauthorized || rejected.Code != "INVALID_SESSION_ID" {
		t.Fatalf("err = %v, want rejected INVALID_SESSION_ID", err)
	}
	if n, grants := api.Load(), o.fake.TokenGrants(); n != 2 || grants != 2 {
		t.Errorf("%d requests and %d tokens, want the request repeated once after one refresh", n, grants)
	}
}

func TestRevokedRefreshTokenIsRejected(t *testing.T) {
	o := newOrg(t, func(s *setup) { s.cfg.RefreshToken = "a-newer-refresh-token" })
	_, err := o.a.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
	var rejected *crmadapters.RejectedError
	if !errors.As(err, &rejected) || rejected.Code != "invalid_grant" {
		t.Fatalf("err = %v, want rejected invalid_grant", err)
	}
	if s := err.Error(); strings.Contains(s, refreshToken) || strings.Contains(s, clientSecret) {
		t.Errorf("the error carries a secret: %v", err)
	}
}

func TestNoteFoundAfterLostAnswer(t *testing.T) {
	// A key with a quote and backslashes: the find query must escape them.
	const key = `l-7:it's a \ "note"`
	for _, seeded := range []bool{true, false} {
		t.Run(fmt.Sprintf("created before: %v", seeded), func(t *testing.T) {
			o := newOrg(t)
			ctx := t.Context()
			leadRef := o.fake.Seed("Lead", map[string]any{"LastName": "Doe", "Company": "Acme", "Leadflow_Id__c": "l-7"})
			// An earlier attempt claimed the key, and its answer was lost.
			if _, _, err := o.ids.Claim(ctx, "salesforce", "note", key); err != nil {
				t.Fatal(err)
			}
			before := ""
			if seeded {
				before = o.fake.Seed("Note", map[string]any{"ParentId": leadRef, "Title": "Leadflow " + key, "Body": "Summary"})
			}
			id := must[string](t)(o.a.AddNote(ctx, crmadapters.Note{Key: key, LeadID: "l-7", LeadRef: leadRef, Body: "Summary"}))
			if seeded && id != before {
				t.Errorf("AddNote = %s, want the note created before, %s", id, before)
			}
			if n := o.fake.Count("note"); n != 1 {
				t.Errorf("the org holds %d notes, want 1", n)
			}
			reqs := o.fake.Requests()
			wantQ := `SELECT Id FROM Note WHERE ParentId = '` + leadRef + `' AND Title = 'Leadflow l-7:it\'s a \\ \"note\"'`
			if q := reqs[1].Query.Get("q"); reqs[1].Path != data+"/query" || q != wantQ {
				t.Errorf("find sent %s ?q=%s, want %s", reqs[1].Path, q, wantQ)
			}
			if posted := len(reqs) == 3 && reqs[2].Method == "POST"; posted == seeded {
				t.Errorf("note posted: %v, with a note there before: %v", posted, seeded)
			}
		})
	}
}

func TestReadLeadsBatchesAndPages(t *testing.T) {
	o := newOrg(t, func(s *setup) { s.cfg.PageSize = 2 })
	var ids []string
	for i := range 450 {
		ids = append(ids, fmt.Sprintf("l-%03d", i))
	}
	want := map[string]crmadapters.RemoteLead{}
	for _, id := range []string{"l-000", "l-001", "l-002", "l-003", "l-004", "l-250", "l-449"} {
		ref := o.fake.Seed("Lead", map[string]any{"LastName": "Doe", "Company": "Acme", "Leadflow_Id__c": id, "Status": "Working - Contacted"})
		want[id] = crmadapters.RemoteLead{Ref: ref, Stage: "Working - Contacted"}
	}
	got := must[map[string]crmadapters.RemoteLead](t)(o.a.ReadLeads(t.Context(), ids))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadLeads = %v\nwant %v", got, want)
	}
	var lists []int
	gets := 0
	for _, r := range o.fake.Requests() {
		if r.Method == "GET" {
			gets++
		}
		if q := r.Query.Get("q"); q != "" {
			lists = append(lists, strings.Count(q, "', '")+1)
		}
	}
	if !slices.Equal(lists, []int{200, 200, 50}) || gets != 5 {
		t.Errorf("IN lists of %v in %d GETs, want 200, 200 and 50, and 2 more pages of the first", lists, gets)
	}
}

// clock is the fake org's time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func TestChangedSince(t *testing.T) {
	at := func(h, m, s, ms int) time.Time { return time.Date(2026, 11, 2, h, m, s, ms*1e6, time.UTC) }
	clk := &clock{now: at(9, 0, 0, 0)}
	o := newOrg(t, func(s *setup) { s.cfg.Now = clk.Now })
	ctx := t.Context()
	worked := must[string](t)(o.a.UpsertLead(ctx, crmtest.SampleLead("l-1", "c-1", 0)))
	must[string](t)(o.a.UpsertLead(ctx, crmtest.SampleLead("l-2", "c-2", 1)))
	repsOwn := o.fake.Seed("Lead", map[string]any{"LastName": "Walk-in", "Company": "Acme"})
	clk.set(at(10, 0, 0, 0))
	for _, id := range []string{worked, repsOwn} {
		if err := o.fake.Edit(id, map[string]any{"Status": "Working - Contacted"}); err != nil {
			t.Fatal(err)
		}
	}
	got := must[[]crmadapters.StageChange](t)(o.a.ChangedSince(ctx, at(9, 30, 0, 750)))
	want := crmadapters.StageChange{LeadRef: worked, Stage: "Working - Contacted", EventID: worked + ":2026-11-02T10:00:00.000+0000", At: at(10, 0, 0, 0)}
	if len(got) != 1 || got[0].LeadRef != want.LeadRef || got[0].Stage != want.Stage || got[0].EventID != want.EventID || !got[0].At.Equal(want.At) {
		t.Errorf("ChangedSince = %+v, want only %+v", got, want)
	}
	reqs := o.fake.Requests()
	wantQ := "SELECT Id, Status, LastModifiedDate FROM Lead WHERE Leadflow_Id__c != null AND LastModifiedDate > 2026-11-02T09:30:00Z ORDER BY LastModifiedDate, Id"
	if q := reqs[len(reqs)-1].Query.Get("q"); q != wantQ {
		t.Errorf("query %q, want %q", q, wantQ)
	}
	if got := must[[]crmadapters.StageChange](t)(o.a.ChangedSince(ctx, at(10, 0, 0, 0))); len(got) != 0 {
		t.Errorf("ChangedSince(the change's own time) = %+v, want none", got)
	}
}

func TestRequiredFieldsDefaulted(t *testing.T) {
	o := newOrg(t)
	l := crmtest.SampleLead("l-1", "c-1", 0)
	l.Doc.Fields.Company = lead.Field[string]{}
	l.Doc.Fields.FullName = lead.Set("Sara", 0.9, "Sara", lead.SourceRules)
	ref := must[string](t)(o.a.UpsertLead(t.Context(), l))
	rec, _ := o.fake.Record(ref)
	if rec["Company"] != "[not provided]" || rec["LastName"] != "Sara" || rec["FirstName"] != nil {
		t.Errorf("lead without a company = %v", rec)
	}
	c := crmtest.SampleContact("c-1", 0)
	c.Fields.FullName = lead.Field[string]{}
	ref = must[string](t)(o.a.UpsertContact(t.Context(), c))
	if rec, _ := o.fake.Record(ref); rec["LastName"] != "[not provided]" {
		t.Errorf("contact without a name = %v", rec)
	}
}

func TestMappingErrorsSendNothing(t *testing.T) {
	m := salesforce.DefaultMapping()
	m.Contact = append(m.Contact, crmadapters.Rule{From: "contact.language", To: "Description", Required: true})
	o := newOrg(t, func(s *setup) { s.settings = func(s *crmadapters.Settings) { s.Mapping = &m } })
	ctx := t.Context()
	c := crmtest.SampleContact("c-1", 0)
	c.Fields.Language = lead.Field[string]{}
	tests := map[string]error{
		"required value missing": func() error { _, err := o.a.UpsertContact(ctx, c); return err }(),
		"status without a stage": o.a.RecordOutcome(ctx, crmadapters.Outcome{LeadID: "l-1", Status: lead.StatusCollecting}),
		"note body too long": func() error {
			_, err := o.a.AddNote(ctx, crmadapters.Note{Key: "l-1:summary", LeadRef: "00Q000000000001AAA", Body: strings.Repeat("x", 32001)})
			return err
		}(),
		"task subject too long": func() error {
			_, err := o.a.CreateTask(ctx, crmadapters.Task{Key: "l-1:call", Subject: strings.Repeat("x", 256)})
			return err
		}(),
	}
	for name, err := range tests {
		if _, ok := err.(*crmadapters.MappingError); !ok {
			t.Errorf("%s: err = %#v, want a *MappingError as is", name, err)
		}
	}
	if n := len(o.fake.Requests()); n != 0 {
		t.Errorf("%d requests sent for writes the mapping refused", n)
	}
}

func TestRefusedWriteCarriesNoPersonalData(t *testing.T) {
	m := salesforce.DefaultMapping()
	for i, r := range m.Contact {
		if r.To == "Email" {
			m.Contact[i].Max = 0 // the org's limit is left to the org
		}
	}
	o := newOrg(t, func(s *setup) { s.settings = func(s *crmadapters.Settings) { s.Mapping = &m } })
	email := strings.Repeat("sara", 20) + "@parsian.example"
	c := crmtest.SampleContact("c-1", 0)
	c.Fields.Email = lead.Set(email, 0.9, email, lead.SourceRules)
	_, err := o.a.UpsertContact(t.Context(), c)
	var rejected *crmadapters.RejectedError
	if !errors.As(err, &rejected) || rejected.Code != "STRING_TOO_LONG" {
		t.Fatalf("err = %v, want rejected STRING_TOO_LONG", err)
	}
	if strings.Contains(err.Error(), "parsian") {
		t.Errorf("the error carries the e-mail: %v", err)
	}
}

func TestNew(t *testing.T) {
	without := func(rules []crmadapters.Rule, to string) []crmadapters.Rule {
		return slices.DeleteFunc(slices.Clone(rules), func(r crmadapters.Rule) bool { return r.To == to })
	}
	mapping := func(edit func(m *crmadapters.Mapping)) func(s *crmadapters.Settings) {
		return func(s *crmadapters.Settings) {
			m := salesforce.DefaultMapping()
			edit(&m)
			s.Mapping = &m
		}
	}
	tests := []struct {
		name  string
		edit  func(s *crmadapters.Settings)
		noIDs bool
		want  string // in the error; "" for none
	}{
		{"defaults", func(*crmadapters.Settings) {}, false, ""},
		{"no base_url", func(s *crmadapters.Settings) { s.BaseURL = "" }, false, "base_url"},
		{"base_url without a scheme", func(s *crmadapters.Settings) { s.BaseURL = "acme.my.salesforce.com" }, false, "base_url"},
		{"unknown option", func(s *crmadapters.Settings) { s.Options["pipeline"] = "x" }, false, `unknown option "pipeline"`},
		{"api version without v", func(s *crmadapters.Settings) { s.Options["api_version"] = "60.0" }, false, "api_version"},
		{"token_url not http", func(s *crmadapters.Settings) { s.Options["token_url"] = "ftp://login.salesforce.com" }, false, "token_url"},
		{"lead_contact_field not a custom field", func(s *crmadapters.Settings) { s.Options["lead_contact_field"] = "ContactId" }, false, "lead_contact_field"},
		{"client_secret not configured", func(s *crmadapters.Settings) { delete(s.Credentials, "client_secret") }, false, "credentials.client_secret is not configured"},
		{"refresh token unset", func(s *crmadapters.Settings) { s.Credentials["refresh_token"] = "SF_UNSET" }, false, "SF_UNSET (credentials.refresh_token) is not set"},
		{"lead key unmapped", mapping(func(m *crmadapters.Mapping) { m.Lead = without(m.Lead, "Leadflow_Id__c") }), false, `"Leadflow_Id__c" must be mapped`},
		{"company unmapped", mapping(func(m *crmadapters.Mapping) { m.Lead = without(m.Lead, "Company") }), false, `"Company" must be mapped`},
		{"lead key from another field", mapping(func(m *crmadapters.Mapping) {
			m.Lead = append(without(m.Lead, "Leadflow_Id__c"), crmadapters.Rule{From: "lead.title", To: "Leadflow_Id__c"})
		}), false, "Leadflow_Id__c must be mapped from lead.id"},
		{"contact key transformed", mapping(func(m *crmadapters.Mapping) {
			m.Contact = append(without(m.Contact, "Leadflow_Contact_Id__c"), crmadapters.Rule{From: "contact.id", To: "Leadflow_Contact_Id__c", Transform: "upper"})
		}), false, "Leadflow_Contact_Id__c must be mapped from contact.id"},
		{"stage missing", mapping(func(m *crmadapters.Mapping) { delete(m.Stages, lead.StatusWon) }), false, `no stage for status "won"`},
		{"no id map", func(*crmadapters.Settings) {}, true, "id map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings("https://acme.my.salesforce.com")
			tt.edit(&s)
			var ids crmadapters.IDs = &crmtest.MemoryIDs{}
			if tt.noIDs {
				ids = nil
			}
			_, err := salesforce.New(s, getenv, ids, nil)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("New: %v, want an error with %q", err, tt.want)
			}
		})
	}
}
