package hubspot_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/crmadapters/hubspot"
	"github.com/leadflow/leadflow/crmadapters/hubspot/hubspotfake"
	"github.com/leadflow/leadflow/internal/lead"
)

const (
	token         = "pat-na1-0000-test"
	webhookSecret = "client-secret-1"
	webhookURL    = "https://leadflow.example/v1/crm/hubspot/events"
)

var environment = map[string]string{"HUBSPOT_TOKEN": token, "HUBSPOT_CLIENT_SECRET": webhookSecret}

func getenv(k string) string { return environment[k] }

func settings(base string) crmadapters.Settings {
	return crmadapters.Settings{
		BaseURL:     base,
		Credentials: map[string]string{"token": "HUBSPOT_TOKEN", "webhook_secret": "HUBSPOT_CLIENT_SECRET"},
		Options:     map[string]string{"webhook_url": webhookURL},
	}
}

// crm is an adapter pointed at a fake HubSpot.
type crm struct {
	fake    *hubspotfake.Server
	adapter *hubspot.Adapter
}

// newCRM starts a fake HubSpot, behind wrap when it is not nil (a fault injector, a proxy), and
// an adapter writing with mapping, the default one when nil.
func newCRM(t *testing.T, wrap func(fake *hubspotfake.Server, h http.Handler) http.Handler, mapping *crmadapters.Mapping) *crm {
	t.Helper()
	fake := hubspotfake.New(token)
	h := fake.Handler()
	if wrap != nil {
		h = wrap(fake, h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := settings(srv.URL)
	s.Mapping = mapping
	a, err := hubspot.New(s, getenv, &crmtest.MemoryIDs{}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return &crm{fake: fake, adapter: a}
}

// since is what the fake received after its first n requests.
func (c *crm) since(n int) []hubspotfake.Request { return c.fake.Requests()[n:] }

func TestCompliance(t *testing.T) {
	crmtest.Run(t, func(t *testing.T) crmtest.Subject {
		// The suite switches the faults on in its chaos test only.
		var chaos *crmtest.Chaos
		c := newCRM(t, func(fake *hubspotfake.Server, h http.Handler) http.Handler {
			chaos = &crmtest.Chaos{Throttled: fake.Throttled}
			return chaos.Wrap(h)
		}, nil)
		return crmtest.Subject{Adapter: distinctEmails{c.adapter}, Remote: c.fake, Stage: hubspot.DefaultMapping().Stage, Chaos: chaos}
	})
}

// distinctEmails gives each of the suite's contacts an e-mail of its own. HubSpot holds one
// contact per e-mail and the suite's sample people repeat every five contacts, so against HubSpot
// its twelve chaos leads would rightly be five contacts (TestContactOfAnotherLeadflowContact is
// what happens to the sixth).
type distinctEmails struct{ *hubspot.Adapter }

func (d distinctEmails) UpsertContact(ctx context.Context, c crmadapters.Contact) (string, error) {
	if v := c.Fields.Email.Value; v != nil {
		local, domain, _ := strings.Cut(*v, "@")
		c.Fields.Email = lead.Set(local+"+"+c.ContactID+"@"+domain, 0.95, "", lead.SourceRules)
	}
	return d.Adapter.UpsertContact(ctx, c)
}

// want is a request the adapter must send; body is JSON, "" for none.
type want struct {
	method, path, query, body string
}

func assertRequests(t *testing.T, got []hubspotfake.Request, wants ...want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("%d requests sent, want %d: %+v", len(got), len(wants), got)
	}
	for i, w := range wants {
		g := got[i]
		if g.Method != w.method || g.Path != w.path || g.Query.Encode() != w.query {
			t.Errorf("request %d = %s %s?%s, want %s %s?%s", i, g.Method, g.Path, g.Query.Encode(), w.method, w.path, w.query)
		}
		if g.Authorization != "Bearer "+token {
			t.Errorf("request %d: Authorization %q", i, g.Authorization)
		}
		var wantBody any
		if w.body != "" {
			if err := json.Unmarshal([]byte(w.body), &wantBody); err != nil {
				t.Fatalf("want %d: %v", i, err)
			}
		}
		if !reflect.DeepEqual(g.Body, wantBody) {
			gb, _ := json.Marshal(g.Body)
			t.Errorf("request %d body:\n got %s\nwant %s", i, gb, w.body)
		}
	}
}

// marker is the token the adapter ends a note's or task's body with, computed here on its own.
func marker(key string) string {
	sum := sha256.Sum256([]byte("leadflow:" + key))
	return "lf" + hex.EncodeToString(sum[:16])
}

func TestRequests(t *testing.T) {
	c := newCRM(t, nil, nil)
	ctx := t.Context()
	owner := c.fake.AddOwner("rep1@seller.example")

	contactRef, err := c.adapter.UpsertContact(ctx, crmtest.SampleContact("c-1", 0))
	if err != nil {
		t.Fatal(err)
	}
	assertRequests(t, c.since(0), want{"POST", "/crm/v3/objects/contacts/batch/upsert", "", `{"inputs":[{
		"idProperty":"leadflow_contact_id","id":"c-1","properties":{"leadflow_contact_id":"c-1","firstname":"Sara",
		"lastname":"Ahmadi","email":"sara@parsian.example","phone":"+989121234567","company":"Parsian Logistics",
		"country":"IR","hs_language":"fa"}}]}`})

	n := len(c.fake.Requests())
	l := crmtest.SampleLead("l-1", "c-1", 0)
	l.ContactRef = contactRef
	dealRef, err := c.adapter.UpsertLead(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	assertRequests(t, c.since(n),
		want{"GET", "/crm/v3/owners/", "email=rep1%40seller.example&limit=1", ""},
		want{"POST", "/crm/v3/objects/deals/batch/upsert", "", `{"inputs":[{"idProperty":"leadflow_lead_id","id":"l-1",
		"properties":{"leadflow_lead_id":"l-1","dealname":"Parsian Logistics: demo request","dealstage":"appointmentscheduled",
		"amount":"5000","deal_currency_code":"USD","description":"Wants a demo for 20 seats","leadflow_score":"72",
		"leadflow_tier":"hot","leadflow_intent":"demo_request","leadflow_product_interest":"crm-integration",
		"leadflow_transcript_url":"https://leadflow.example/v1/leads/l-1","pipeline":"default","hubspot_owner_id":"` + owner + `"}}]}`},
		want{"PUT", "/crm/v4/objects/deals/" + dealRef + "/associations/default/contacts/" + contactRef, "", ""})
	if got := c.fake.Associations("deals", dealRef); len(got) != 1 || got[0] != (hubspotfake.Association{ToType: "contacts", ToID: contactRef, TypeID: 3}) {
		t.Errorf("deal associations = %+v", got)
	}

	n = len(c.fake.Requests())
	if _, err := c.adapter.AddNote(ctx, crmtest.SampleNote("l-1", dealRef, contactRef)); err != nil {
		t.Fatal(err)
	}
	assertRequests(t, c.since(n), want{"POST", "/crm/v3/objects/notes", "", `{"properties":{
		"hs_note_body":"Wants a demo for 20 seats.\nTranscript: https://leadflow.example/v1/leads/l-1\n\nLeadflow ref ` + marker("l-1:summary") + `",
		"hs_timestamp":"2026-11-01T09:05:00.000Z"},"associations":[
		{"to":{"id":"` + dealRef + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":214}]},
		{"to":{"id":"` + contactRef + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":202}]}]}`})

	n = len(c.fake.Requests())
	if _, err := c.adapter.CreateTask(ctx, crmtest.SampleTask("l-1", dealRef, contactRef)); err != nil {
		t.Fatal(err)
	}
	assertRequests(t, c.since(n), want{"POST", "/crm/v3/objects/tasks", "", `{"properties":{"hs_task_subject":"Call the new lead",
		"hs_task_body":"First call\n\nLeadflow ref ` + marker("l-1:call-1") + `","hs_timestamp":"2026-11-01T09:20:00.000Z",
		"hs_task_status":"NOT_STARTED","hs_task_type":"CALL","hubspot_owner_id":"` + owner + `"},"associations":[
		{"to":{"id":"` + dealRef + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":216}]},
		{"to":{"id":"` + contactRef + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":204}]}]}`})

	n = len(c.fake.Requests())
	if err := c.adapter.RecordOutcome(ctx, crmadapters.Outcome{LeadID: "l-1", LeadRef: dealRef, Status: lead.StatusQualified,
		Outcome: lead.OutcomeQualified, Key: "l-1:qualified"}); err != nil {
		t.Fatal(err)
	}
	if err := c.adapter.RecordOutcome(ctx, crmadapters.Outcome{LeadID: "l-1", Status: lead.StatusWon, Outcome: lead.OutcomeWon, Key: "l-1:won"}); err != nil {
		t.Fatal(err)
	}
	assertRequests(t, c.since(n),
		want{"PATCH", "/crm/v3/objects/deals/" + dealRef, "", `{"properties":{"dealstage":"presentationscheduled"}}`},
		want{"PATCH", "/crm/v3/objects/deals/l-1", "idProperty=leadflow_lead_id", `{"properties":{"dealstage":"closedwon"}}`})
	if got := c.fake.Stage(dealRef); got != "closedwon" {
		t.Errorf("stage = %q", got)
	}

	n = len(c.fake.Requests())
	remote, err := c.adapter.ReadLeads(ctx, []string{"l-1", "l-9", "l-1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]crmadapters.RemoteLead{"l-1": {Ref: dealRef, Stage: "closedwon"}}; !reflect.DeepEqual(remote, want) {
		t.Errorf("ReadLeads = %+v, want %+v", remote, want)
	}
	assertRequests(t, c.since(n), want{"POST", "/crm/v3/objects/deals/batch/read", "archived=false",
		`{"idProperty":"leadflow_lead_id","inputs":[{"id":"l-1"},{"id":"l-9"}],"properties":["dealstage","leadflow_lead_id"]}`})
}

// A rep's e-mail is looked up once, whether the rep is a HubSpot user or not.
func TestOwnerLookedUpOnce(t *testing.T) {
	for _, user := range []bool{true, false} {
		t.Run(fmt.Sprintf("HubSpot user %v", user), func(t *testing.T) {
			c := newCRM(t, nil, nil)
			owner := ""
			if user {
				owner = c.fake.AddOwner("rep1@seller.example")
			}
			var ids []string
			for _, key := range []string{"l-1:call-1", "l-1:call-2"} {
				task := crmtest.SampleTask("l-1", "", "")
				task.Key = key
				id, err := c.adapter.CreateTask(t.Context(), task)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			lookups := 0
			for _, r := range c.fake.Requests() {
				if strings.HasPrefix(r.Path, "/crm/v3/owners") {
					lookups++
				}
			}
			if lookups != 1 {
				t.Errorf("%d owner lookups for two tasks of one rep, want 1", lookups)
			}
			for _, id := range ids {
				if props, _ := c.fake.Object("tasks", id); props["hubspot_owner_id"] != owner {
					t.Errorf("task %s owner %q, want %q", id, props["hubspot_owner_id"], owner)
				}
			}
		})
	}
}

// ReadLeads asks for 100 deals at a time, HubSpot's batch limit, which the fake enforces.
func TestReadLeadsInBatchesOf100(t *testing.T) {
	c := newCRM(t, nil, nil)
	var ids []string
	for i := range 250 {
		ids = append(ids, fmt.Sprintf("l-%03d", i))
	}
	if _, err := c.adapter.ReadLeads(t.Context(), ids); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, r := range c.fake.Requests() {
		sizes = append(sizes, len(r.Body.(map[string]any)["inputs"].([]any)))
	}
	if !reflect.DeepEqual(sizes, []int{100, 100, 50}) {
		t.Errorf("batch sizes %v, want [100 100 50]", sizes)
	}

	var inputs []map[string]string
	for _, id := range ids[:101] {
		inputs = append(inputs, map[string]string{"id": id})
	}
	b, _ := json.Marshal(map[string]any{"idProperty": "leadflow_lead_id", "properties": []string{"dealstage"}, "inputs": inputs})
	body := string(b)
	req, _ := http.NewRequest("POST", "/crm/v3/objects/deals/batch/read", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	c.fake.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "maximum number of inputs") {
		t.Errorf("101 inputs: HTTP %d %s, want 400 VALIDATION_ERROR", rec.Code, rec.Body)
	}
}
