package hubspot_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/crmadapters/hubspot"
	"github.com/leadflow/leadflow/crmadapters/hubspot/hubspotfake"
	"github.com/leadflow/leadflow/internal/lead"
)

// A contact whose e-mail HubSpot already holds (a rep created it) is that contact: the upsert's
// 409 names it, and the adapter gives it the Leadflow id instead of failing or duplicating it.
func TestContactEmailConflictAdoptsTheContact(t *testing.T) {
	c := newCRM(t, nil, nil)
	existing := c.fake.AddContact(map[string]string{"email": "Sara@Parsian.example", "firstname": "S."})
	contact := crmtest.SampleContact("c-1", 0)

	id, err := c.adapter.UpsertContact(t.Context(), contact)
	if err != nil {
		t.Fatal(err)
	}
	if id != existing || c.fake.Count("contact") != 1 {
		t.Fatalf("UpsertContact = %q with %d contacts, want the existing %q alone", id, c.fake.Count("contact"), existing)
	}
	assertRequests(t, c.since(0),
		want{"POST", "/crm/v3/objects/contacts/batch/upsert", "", `{"inputs":[{"idProperty":"leadflow_contact_id","id":"c-1",
		"properties":{"leadflow_contact_id":"c-1","firstname":"Sara","lastname":"Ahmadi","email":"sara@parsian.example",
		"phone":"+989121234567","company":"Parsian Logistics","country":"IR","hs_language":"fa"}}]}`},
		want{"GET", "/crm/v3/objects/contacts/" + existing, "properties=leadflow_contact_id", ""},
		want{"PATCH", "/crm/v3/objects/contacts/" + existing, "", `{"properties":{"leadflow_contact_id":"c-1","firstname":"Sara",
		"lastname":"Ahmadi","email":"sara@parsian.example","phone":"+989121234567","company":"Parsian Logistics","country":"IR","hs_language":"fa"}}`})

	// Adopted, the contact is found by its Leadflow id from now on.
	n := len(c.fake.Requests())
	if again, err := c.adapter.UpsertContact(t.Context(), contact); err != nil || again != existing {
		t.Fatalf("second upsert = %q, %v; want %q", again, err, existing)
	}
	if got := len(c.since(n)); got != 1 {
		t.Errorf("second upsert sent %d requests, want 1", got)
	}
}

// A HubSpot contact that already is another Leadflow contact's is not taken from it: HubSpot sees
// one person where Leadflow sees two, and a person decides.
func TestContactOfAnotherLeadflowContact(t *testing.T) {
	c := newCRM(t, nil, nil)
	first, err := c.adapter.UpsertContact(t.Context(), crmtest.SampleContact("c-0", 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.adapter.UpsertContact(t.Context(), crmtest.SampleContact("c-5", 5)) // the same person, by e-mail
	var review *crmadapters.ReviewError
	if !errors.As(err, &review) || !reflect.DeepEqual(review.Candidates, []string{first}) {
		t.Fatalf("err = %v, want a review naming %s", err, first)
	}
	if props, _ := c.fake.Object("contacts", first); props["leadflow_contact_id"] != "c-0" || c.fake.Count("contact") != 1 {
		t.Errorf("the first contact now holds %+v (%d contacts)", props, c.fake.Count("contact"))
	}
	if strings.Contains(err.Error(), "sara") {
		t.Errorf("the error carries the e-mail: %v", err)
	}
}

// A contact whose e-mail changes to one another HubSpot contact holds is two HubSpot contacts for
// one Leadflow contact: a review naming both.
func TestContactEmailMovedToAnotherHubSpotContact(t *testing.T) {
	c := newCRM(t, nil, nil)
	contact := crmtest.SampleContact("c-1", 0)
	first, err := c.adapter.UpsertContact(t.Context(), contact)
	if err != nil {
		t.Fatal(err)
	}
	other := c.fake.AddContact(map[string]string{"email": "sara@other.example"})
	contact.Fields.Email = lead.Set("sara@other.example", 0.9, "", lead.SourceRules)
	_, err = c.adapter.UpsertContact(t.Context(), contact)
	var review *crmadapters.ReviewError
	if !errors.As(err, &review) || !reflect.DeepEqual(review.Candidates, []string{other, first}) {
		t.Fatalf("err = %v, want a review naming %s and %s", err, other, first)
	}
}

// The rate-limit answers HubSpot documents, and the other failures, each in its error class with
// the wait the answer asked for.
func TestFailures(t *testing.T) {
	untilMidnight := func() time.Duration {
		now := time.Now().UTC()
		return min(time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC).Sub(now), time.Hour)
	}
	rateLimit := func(policy string) string {
		return `{"status":"error","message":"You have reached your ` + strings.ToLower(policy) + ` limit.","errorType":"RATE_LIMIT",
			"correlationId":"c","policyName":"` + policy + `"}`
	}
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
		retry  bool
		after  func() time.Duration
		code   string
	}{
		{"ten-secondly", 429, map[string]string{"X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Max": "190",
			"X-HubSpot-RateLimit-Remaining": "0"}, rateLimit("TEN_SECONDLY_ROLLING"), true, fixed(10 * time.Second), "TEN_SECONDLY_ROLLING"},
		{"secondly", 429, map[string]string{"X-HubSpot-RateLimit-Interval-Milliseconds": "1000", "X-HubSpot-RateLimit-Secondly": "19",
			"X-HubSpot-RateLimit-Secondly-Remaining": "0"}, rateLimit("SECONDLY"), true, fixed(time.Second), "SECONDLY"},
		{"interval as the header says", 429, map[string]string{"X-HubSpot-RateLimit-Interval-Milliseconds": "2500"},
			rateLimit("TEN_SECONDLY_ROLLING"), true, fixed(2500 * time.Millisecond), "TEN_SECONDLY_ROLLING"},
		{"Retry-After before the interval", 429, map[string]string{"Retry-After": "3", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"},
			rateLimit("TEN_SECONDLY_ROLLING"), true, fixed(3 * time.Second), "TEN_SECONDLY_ROLLING"},
		{"ten-secondly without headers", 429, nil, rateLimit("TEN_SECONDLY_ROLLING"), true, fixed(10 * time.Second), "TEN_SECONDLY_ROLLING"},
		{"daily: midnight in the portal's time zone, an hour at most", 429, map[string]string{"X-HubSpot-RateLimit-Daily": "500000",
			"X-HubSpot-RateLimit-Daily-Remaining": "0"}, rateLimit("DAILY"), true, untilMidnight, "DAILY"},
		{"unavailable", 503, nil, `<html>upstream</html>`, true, fixed(0), ""},
		{"rejected", 400, nil, `{"status":"error","message":"Property values were not valid: sara@parsian.example","category":"VALIDATION_ERROR"}`,
			false, nil, "VALIDATION_ERROR"},
		{"unauthorized", 401, nil, `{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}`,
			false, nil, "INVALID_AUTHENTICATION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCRM(t, func(*hubspotfake.Server, http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					for k, v := range tt.header {
						w.Header().Set(k, v)
					}
					w.WriteHeader(tt.status)
					_, _ = w.Write([]byte(tt.body))
				})
			}, nil)
			_, err := c.adapter.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
			if crmadapters.Retryable(err) != tt.retry {
				t.Fatalf("err = %v, retryable %v, want %v", err, crmadapters.Retryable(err), tt.retry)
			}
			if strings.Contains(err.Error(), "sara") || strings.Contains(err.Error(), "upstream") {
				t.Errorf("the error carries the answer's text: %v", err)
			}
			var retry *crmadapters.RetryError
			var rejected *crmadapters.RejectedError
			switch {
			case errors.As(err, &retry):
				if want := tt.after(); retry.After < want-time.Minute || retry.After > want || retry.Status != tt.status {
					t.Errorf("RetryError %+v, want HTTP %d after %s", retry, tt.status, want)
				}
				if tt.code != "" && retry.Msg != tt.code {
					t.Errorf("RetryError.Msg = %q, want %q", retry.Msg, tt.code)
				}
			case errors.As(err, &rejected):
				if rejected.Code != tt.code || rejected.Status != tt.status {
					t.Errorf("RejectedError %+v, want HTTP %d %s", rejected, tt.status, tt.code)
				}
			default:
				t.Errorf("err = %T %v", err, err)
			}
		})
	}
}

func fixed(d time.Duration) func() time.Duration { return func() time.Duration { return d } }

// The fake's rate-limit answer, which the chaos test throttles with, asks for its interval.
func TestThrottledByTheFake(t *testing.T) {
	c := newCRM(t, func(fake *hubspotfake.Server, h http.Handler) http.Handler {
		return (&crmtest.Chaos{Plan: []crmtest.Fault{crmtest.Throttle}, Throttled: fake.Throttled}).Wrap(h)
	}, nil)
	_, err := c.adapter.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
	var retry *crmadapters.RetryError
	if !errors.As(err, &retry) || retry.After != 10*time.Second || retry.Msg != "TEN_SECONDLY_ROLLING" {
		t.Fatalf("err = %#v, want a retry after 10s", err)
	}
}

// A note or task whose create reached HubSpot but whose answer was lost is found by the marker in
// its body on the retry, not created again.
func TestActivityCreatedOnceAfterLostAnswer(t *testing.T) {
	tests := []struct {
		objectType, kind string
		write            func(a crmadapters.Adapter, t *testing.T) (string, error)
	}{
		{"notes", "note", func(a crmadapters.Adapter, t *testing.T) (string, error) {
			return a.AddNote(t.Context(), crmtest.SampleNote("l-1", "", ""))
		}},
		{"tasks", "task", func(a crmadapters.Adapter, t *testing.T) (string, error) {
			task := crmtest.SampleTask("l-1", "", "")
			task.OwnerEmail = ""
			return a.CreateTask(t.Context(), task)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			c := newCRM(t, func(fake *hubspotfake.Server, h http.Handler) http.Handler {
				plan := []crmtest.Fault{crmtest.DropAfterCommit}
				for range 10 {
					plan = append(plan, crmtest.Pass)
				}
				return (&crmtest.Chaos{Plan: plan, Throttled: fake.Throttled}).Wrap(h)
			}, nil)
			if _, err := tt.write(c.adapter, t); err == nil || !crmadapters.Retryable(err) {
				t.Fatalf("the dropped create answered %v, want a retryable error", err)
			}
			id, err := tt.write(c.adapter, t)
			if err != nil {
				t.Fatal(err)
			}
			if n := c.fake.Count(tt.kind); n != 1 {
				t.Fatalf("%d %ss after a retry, want 1", n, tt.kind)
			}
			got := c.since(1)
			if len(got) != 1 || got[0].Path != "/crm/v3/objects/"+tt.objectType+"/search" {
				t.Fatalf("the retry sent %+v, want one search", got)
			}
			if _, ok := c.fake.Object(tt.objectType, id); !ok {
				t.Errorf("the retry answered %q, which HubSpot does not hold", id)
			}
		})
	}
}

// What the mapping cannot express fails before anything is sent, as a MappingError.
func TestMappingErrors(t *testing.T) {
	strict := hubspot.DefaultMapping()
	strict.Contact = append(strict.Contact, crmadapters.Rule{From: "contact.job_title", To: "leadflow_job_title", Required: true})
	collecting := crmtest.SampleLead("l-1", "c-1", 0)
	collecting.Doc.Status = lead.StatusCollecting
	long := crmtest.SampleNote("l-1", "", "")
	long.Body = strings.Repeat("x", 65536)
	tests := []struct {
		name     string
		call     func(a crmadapters.Adapter, t *testing.T) error
		property string
	}{
		{"required property without a value", func(a crmadapters.Adapter, t *testing.T) error {
			_, err := a.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
			return err
		}, "leadflow_job_title"},
		{"lead status without a stage", func(a crmadapters.Adapter, t *testing.T) error {
			_, err := a.UpsertLead(t.Context(), collecting)
			return err
		}, "dealstage"},
		{"outcome status without a stage", func(a crmadapters.Adapter, t *testing.T) error {
			return a.RecordOutcome(t.Context(), crmadapters.Outcome{LeadID: "l-1", LeadRef: "1", Status: lead.StatusCollecting, Key: "k"})
		}, "dealstage"},
		{"note longer than HubSpot takes", func(a crmadapters.Adapter, t *testing.T) error {
			_, err := a.AddNote(t.Context(), long)
			return err
		}, "hs_note_body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCRM(t, nil, &strict)
			err := tt.call(c.adapter, t)
			var mapping *crmadapters.MappingError
			if !errors.As(err, &mapping) || mapping.Property != tt.property || mapping.CRM != "hubspot" {
				t.Fatalf("err = %v, want a mapping error on %s", err, tt.property)
			}
			if n := len(c.fake.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// The fake refuses what HubSpot refuses.
func TestFakeIsStrict(t *testing.T) {
	tests := []struct {
		name, method, path, auth, body string
		status                         int
		category                       string
	}{
		{"no token", "GET", "/crm/v3/objects/deals/1", "", "", 401, "INVALID_AUTHENTICATION"},
		{"unknown id", "GET", "/crm/v3/objects/deals/999", "Bearer " + token, "", 404, "OBJECT_NOT_FOUND"},
		{"deal without its required properties", "POST", "/crm/v3/objects/deals/batch/upsert", "Bearer " + token,
			`{"inputs":[{"idProperty":"leadflow_lead_id","id":"l-1","properties":{"amount":"1"}}]}`, 400, "VALIDATION_ERROR"},
		{"stage of no pipeline", "POST", "/crm/v3/objects/deals/batch/upsert", "Bearer " + token,
			`{"inputs":[{"idProperty":"leadflow_lead_id","id":"l-1","properties":{"dealname":"x","dealstage":"won"}}]}`, 400, "VALIDATION_ERROR"},
		{"upsert by a property that is not unique", "POST", "/crm/v3/objects/contacts/batch/upsert", "Bearer " + token,
			`{"inputs":[{"idProperty":"phone","id":"1","properties":{}}]}`, 400, "VALIDATION_ERROR"},
		{"a field HubSpot does not know", "POST", "/crm/v3/objects/notes", "Bearer " + token,
			`{"properties":{"hs_timestamp":"2026-11-01T09:00:00.000Z"},"association":[]}`, 400, "VALIDATION_ERROR"},
		{"note without its timestamp", "POST", "/crm/v3/objects/notes", "Bearer " + token, `{"properties":{"hs_note_body":"x"}}`, 400, "VALIDATION_ERROR"},
		{"association to nothing", "POST", "/crm/v3/objects/notes", "Bearer " + token,
			`{"properties":{"hs_timestamp":"1"},"associations":[{"to":{"id":"77"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":214}]}]}`,
			400, "VALIDATION_ERROR"},
		{"association to an unknown deal", "PUT", "/crm/v4/objects/deals/1/associations/default/contacts/2", "Bearer " + token, "", 404, "OBJECT_NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			req.Header.Set("Authorization", tt.auth)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			hubspotfake.New(token).Handler().ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), `"category":"`+tt.category+`"`) {
				t.Errorf("HTTP %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.category)
			}
		})
	}
}
