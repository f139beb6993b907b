package pipedrive_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/crmadapters/pipedrive"
	"github.com/leadflow/leadflow/crmadapters/pipedrive/pipedrivefake"
	"github.com/leadflow/leadflow/internal/lead"
)

const (
	token        = "pd-test-token"
	tokenEnv     = "PIPEDRIVE_API_TOKEN"
	contactField = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
	leadField    = "0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a"
)

func settings() crmadapters.Settings {
	return crmadapters.Settings{
		Credentials: map[string]string{"api_token": tokenEnv},
		Options:     map[string]string{"contact_key_field": contactField, "lead_key_field": leadField},
	}
}

func getenv(k string) string {
	if k == tokenEnv {
		return token
	}
	return ""
}

// rig is an adapter writing to a fake account, through Chaos while faulty is set.
type rig struct {
	fake    *pipedrivefake.Server
	ids     *crmtest.MemoryIDs
	adapter *pipedrive.Adapter
	chaos   *crmtest.Chaos
	faulty  atomic.Bool
}

type option func(*crmadapters.Settings, *pipedrivefake.Config)

func newRig(t *testing.T, opts ...option) *rig {
	t.Helper()
	s := settings()
	cfg := pipedrivefake.Config{Token: token, ContactKeyField: contactField, LeadKeyField: leadField}
	for _, o := range opts {
		o(&s, &cfg)
	}
	r := &rig{fake: pipedrivefake.New(cfg), ids: &crmtest.MemoryIDs{}}
	r.chaos = &crmtest.Chaos{Throttled: r.fake.Throttled}
	plain, faulty := r.fake.Handler(), r.chaos.Wrap(r.fake.Handler())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.faulty.Load() {
			faulty.ServeHTTP(w, req)
			return
		}
		plain.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	s.BaseURL = srv.URL
	a, err := pipedrive.New(s, getenv, r.ids, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	r.adapter = a
	return r
}

// TestCompliance runs the suite every adapter passes; its chaos test alone goes through Chaos.
func TestCompliance(t *testing.T) {
	crmtest.Run(t, func(t *testing.T) crmtest.Subject {
		r := newRig(t)
		r.faulty.Store(true) // the suite switches the faults on in its chaos test only
		return crmtest.Subject{Adapter: r.adapter, Remote: r.fake, Stage: pipedrive.DefaultMapping().Stage, Chaos: r.chaos}
	})
}

// sent is a request as a test expects it; body is JSON, "" for none.
type sent struct {
	method, path string
	query        url.Values
	body         string
}

// expect checks the requests the fake received from index from on, and returns where they end.
func expect(t *testing.T, fake *pipedrivefake.Server, from int, want ...sent) int {
	t.Helper()
	got := fake.Requests()[from:]
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("sent %s %s?%s %v", g.Method, g.Path, g.Query.Encode(), g.Body)
		}
		t.Fatalf("%d requests sent, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		var body map[string]any
		if w.body != "" {
			if err := json.Unmarshal([]byte(w.body), &body); err != nil {
				t.Fatalf("request %d: bad expected body: %v", i, err)
			}
		}
		query := w.query
		if query == nil {
			query = url.Values{}
		}
		if g.Method != w.method || g.Path != w.path || !reflect.DeepEqual(g.Query, query) || !reflect.DeepEqual(g.Body, body) {
			t.Errorf("request %d:\n got %s %s ?%s %v\nwant %s %s ?%s %v", i, g.Method, g.Path, g.Query.Encode(), g.Body,
				w.method, w.path, query.Encode(), body)
		}
		if h := g.Header.Get("x-api-token"); h != token {
			t.Errorf("request %d: x-api-token %q, want the configured token", i, h)
		}
		if g.Query.Has("api_token") {
			t.Errorf("request %d: the token is in the URL", i)
		}
	}
	return from + len(got)
}

// TestRequests pins the exact requests of every operation, first and repeated.
func TestRequests(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	a := r.adapter
	contact := crmtest.SampleContact("c-1", 0)
	l := crmtest.SampleLead("l-1", "c-1", 0)
	l.ContactRef = "2"
	person := `{"` + contactField + `":"c-1","name":"Sara Ahmadi","org_id":1,
		"email":[{"value":"sara@parsian.example","primary":true,"label":"work"}],
		"phone":[{"value":"+989121234567","primary":true,"label":"mobile"}]}`
	deal := `{"` + leadField + `":"l-1","title":"Parsian Logistics: demo request","stage_id":1,"status":"open",
		"value":5000,"currency":"USD","org_id":1,"person_id":2}`
	note := `{"content":"Wants a demo for 20 seats.<br>Transcript: https://leadflow.example/v1/leads/l-1<!-- leadflow:l-1:summary -->",
		"deal_id":3,"person_id":2,"add_time":"2026-11-01 09:05:00"}`
	activity := `{"subject":"Call the new lead","type":"call","deal_id":3,"person_id":2,"due_date":"2026-11-01","due_time":"09:20",
		"note":"First call<!-- leadflow:l-1:call-1 -->"}`
	outcome := func(s lead.Status) error {
		return a.RecordOutcome(ctx, crmadapters.Outcome{LeadID: "l-1", LeadRef: "3", Status: s, Key: "l-1:" + string(s), At: time.Now()})
	}
	ref := func(want string, do func() (string, error)) func() error {
		return func() error {
			got, err := do()
			if err == nil && got != want {
				t.Errorf("id %q, want %q", got, want)
			}
			return err
		}
	}
	steps := []struct {
		name string
		do   func() error
		want []sent
	}{
		{"contact, first", ref("2", func() (string, error) { return a.UpsertContact(ctx, contact) }), []sent{
			{"GET", "/v1/organizations/search", url.Values{"term": {"Parsian Logistics"}, "fields": {"name"}, "exact_match": {"true"}}, ""},
			{"POST", "/v1/organizations", nil, `{"name":"Parsian Logistics"}`},
			{"POST", "/v1/persons", nil, person},
		}},
		{"contact, again", ref("2", func() (string, error) { return a.UpsertContact(ctx, contact) }), []sent{
			{"PUT", "/v1/persons/2", nil, person},
		}},
		{"lead, first", ref("3", func() (string, error) { return a.UpsertLead(ctx, l) }), []sent{
			{"POST", "/v1/deals", nil, deal},
		}},
		{"lead, again", ref("3", func() (string, error) { return a.UpsertLead(ctx, l) }), []sent{
			{"PUT", "/v1/deals/3", nil, deal},
		}},
		{"note", ref("4", func() (string, error) { return a.AddNote(ctx, crmtest.SampleNote("l-1", "3", "2")) }), []sent{
			{"POST", "/v1/notes", nil, note},
		}},
		{"note, again", ref("4", func() (string, error) { return a.AddNote(ctx, crmtest.SampleNote("l-1", "3", "2")) }), nil},
		{"task", ref("5", func() (string, error) { return a.CreateTask(ctx, crmtest.SampleTask("l-1", "3", "2")) }), []sent{
			{"POST", "/v1/activities", nil, activity},
		}},
		{"task, again", ref("5", func() (string, error) { return a.CreateTask(ctx, crmtest.SampleTask("l-1", "3", "2")) }), nil},
		{"outcome won", func() error { return outcome(lead.StatusWon) }, []sent{{"PUT", "/v1/deals/3", nil, `{"status":"won"}`}}},
		{"outcome reopened", func() error { return outcome(lead.StatusContacted) }, []sent{
			{"PUT", "/v1/deals/3", nil, `{"stage_id":2,"status":"open"}`},
		}},
		{"read back", func() error {
			got, err := a.ReadLeads(ctx, []string{"l-1", "l-unknown"})
			if want := map[string]crmadapters.RemoteLead{"l-1": {Ref: "3", Stage: "2"}}; err == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("ReadLeads = %v, want %v", got, want)
			}
			return err
		}, []sent{{"GET", "/v1/deals/3", nil, ""}}},
	}
	n := 0
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.do(); err != nil {
				t.Fatal(err)
			}
			n = expect(t, r.fake, n, s.want...)
		})
	}
}
