package pipedrive_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/crmadapters/pipedrive"
	"github.com/leadflow/leadflow/crmadapters/pipedrive/pipedrivefake"
	"github.com/leadflow/leadflow/internal/lead"
)

// noCompany is a sample contact whose first request is its person's create.
func noCompany(id string) crmadapters.Contact {
	c := crmtest.SampleContact(id, 0)
	c.Fields.Company = lead.Field[string]{}
	return c
}

// TestErrorAnswers checks how each Pipedrive answer is classified, that a 429 waits as its
// headers ask, and that no error repeats Pipedrive's free text, which echoes personal data.
func TestErrorAnswers(t *testing.T) {
	pipedriveError := func(status int) string {
		return fmt.Sprintf(`{"success":false,"error":"sara@parsian.example is not valid","error_info":%q,"data":null,"additional_data":null,"errorCode":%d}`,
			pipedrivefake.ErrorInfo, status)
	}
	fake := pipedrivefake.New(pipedrivefake.Config{})
	tests := []struct {
		name   string
		answer http.HandlerFunc
		class  string // "retry", "rejected" or "other" (retryable, not a RetryError)
		after  time.Duration
		code   string
	}{
		{"throttled: x-ratelimit-reset", fake.Throttled, "retry", 2 * time.Second, "429"},
		{"throttled: Retry-After first", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			fake.Throttled(w, r)
		}, "retry", 7 * time.Second, "429"},
		{"throttled: no headers", answer(http.StatusTooManyRequests, pipedriveError(429)), "retry", 0, "429"},
		{"unavailable", answer(http.StatusServiceUnavailable, `<html>busy</html>`), "retry", 0, ""},
		{"server error", answer(http.StatusInternalServerError, pipedriveError(500)), "retry", 0, "500"},
		{"bad request", answer(http.StatusBadRequest, pipedriveError(400)), "rejected", 0, "400"},
		{"unauthorized", answer(http.StatusUnauthorized, pipedriveError(401)), "rejected", 0, "401"},
		{"not found", answer(http.StatusNotFound, pipedriveError(404)), "rejected", 0, "404"},
		{"gone", answer(http.StatusGone, pipedriveError(410)), "rejected", 0, "410"},
		{"code that is text", answer(http.StatusBadRequest, `{"success":false,"error":"x","errorCode":"sara@parsian.example"}`), "rejected", 0, ""},
		{"unreadable success", answer(http.StatusCreated, `<html>`), "other", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.answer)
			defer srv.Close()
			s := settings()
			s.BaseURL = srv.URL
			a, err := pipedrive.New(s, getenv, &crmtest.MemoryIDs{}, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.UpsertContact(t.Context(), noCompany("c-1"))
			var retry *crmadapters.RetryError
			var rej *crmadapters.RejectedError
			switch {
			case err == nil:
				t.Fatal("no error")
			case strings.Contains(err.Error(), "sara") || strings.Contains(err.Error(), "Sara"):
				t.Errorf("the error carries personal data: %v", err)
			case tt.class == "retry" && (!errors.As(err, &retry) || retry.After != tt.after || retry.Msg != orStatus(tt.code, retry.Status)):
				t.Errorf("err = %#v, want a RetryError after %s", err, tt.after)
			case tt.class == "rejected" && (!errors.As(err, &rej) || rej.Code != tt.code):
				t.Errorf("err = %#v, want a RejectedError with code %q", err, tt.code)
			case tt.class == "other" && (!crmadapters.Retryable(err) || errors.As(err, &retry)):
				t.Errorf("err = %v, want a retryable error", err)
			}
		})
	}
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// orStatus is RetryError.Msg: the code, else the status text.
func orStatus(code string, status int) string {
	if code != "" {
		return code
	}
	return http.StatusText(status)
}

// TestRetryAfterLostCreate drops the answer of each create after Pipedrive committed it: the
// retry finds the record (by search, or in the deal's list) and creates no second one.
func TestRetryAfterLostCreate(t *testing.T) {
	tests := []struct {
		kind    string
		prepare func(t *testing.T, r *rig) func() (string, error) // seeds what the write needs
		find    string                                            // the path that finds the lost record
	}{
		{"contact", func(t *testing.T, r *rig) func() (string, error) {
			return func() (string, error) { return r.adapter.UpsertContact(t.Context(), noCompany("c-1")) }
		}, "/v1/persons/search"},
		{"lead", func(t *testing.T, r *rig) func() (string, error) {
			l := crmtest.SampleLead("l-1", "c-1", 0)
			l.Doc.Fields.Company = lead.Field[string]{}
			l.ContactRef = r.fake.Seed("contact", map[string]any{"name": "Sara"})
			return func() (string, error) { return r.adapter.UpsertLead(t.Context(), l) }
		}, "/v1/deals/search"},
		{"note", func(t *testing.T, r *rig) func() (string, error) {
			n := crmtest.SampleNote("l-1", seedDeal(r), "")
			return func() (string, error) { return r.adapter.AddNote(t.Context(), n) }
		}, "/v1/notes"},
		{"task", func(t *testing.T, r *rig) func() (string, error) {
			task := crmtest.SampleTask("l-1", seedDeal(r), "")
			return func() (string, error) { return r.adapter.CreateTask(t.Context(), task) }
		}, "/v1/deals/"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			r := newRig(t)
			write := tt.prepare(t, r)
			held := r.fake.Count(tt.kind)
			r.chaos.Plan = append([]crmtest.Fault{crmtest.DropAfterCommit}, slices.Repeat([]crmtest.Fault{crmtest.Pass}, 9)...)
			r.faulty.Store(true)
			_, err := write()
			r.faulty.Store(false)
			if err == nil || !crmadapters.Retryable(err) {
				t.Fatalf("a dropped answer gave %v, want a retryable error", err)
			}
			if r.fake.Count(tt.kind) != held+1 {
				t.Fatal("the dropped create was not committed: the test proves nothing")
			}
			n := len(r.fake.Requests())
			id, err := write()
			if err != nil {
				t.Fatal(err)
			}
			if got := r.fake.Count(tt.kind); got != held+1 {
				t.Errorf("%d %ss after the retry, want %d", got, tt.kind, held+1)
			}
			if r.fake.Record(tt.kind, id) == nil {
				t.Errorf("the retry answered id %s, which the fake does not hold", id)
			}
			found := false
			for _, req := range r.fake.Requests()[n:] {
				found = found || req.Method == http.MethodGet && strings.HasPrefix(req.Path, tt.find)
				if req.Method == http.MethodPost {
					t.Errorf("the retry created again: POST %s", req.Path)
				}
			}
			if !found {
				t.Errorf("the retry did not look for the lost record (%s)", tt.find)
			}
		})
	}
}

// seedDeal is a deal a note or a task is written on.
func seedDeal(r *rig) string {
	return r.fake.Seed("lead", map[string]any{"title": "Deal", "status": "open", "stage_id": 1, "pipeline_id": 1})
}

// TestRememberedIDIsUpdated: a key the id map knows is updated in place, with no search (which
// costs more of the budget and lags) and no create.
func TestRememberedIDIsUpdated(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	person := r.fake.Seed("contact", map[string]any{"name": "Sara", contactField: "c-1"})
	deal := r.fake.Seed("lead", map[string]any{"title": "Deal", "person_id": mustFloat(person), "status": "open", "stage_id": 1, "pipeline_id": 1, leadField: "l-1"})
	for kind, key := range map[string]string{"contact": "c-1", "lead": "l-1"} {
		if err := r.ids.Remember(ctx, "pipedrive", kind, key, map[string]string{"contact": person, "lead": deal}[kind]); err != nil {
			t.Fatal(err)
		}
	}
	if id, err := r.adapter.UpsertContact(ctx, noCompany("c-1")); err != nil || id != person {
		t.Fatalf("UpsertContact = %q, %v; want the remembered %s", id, err, person)
	}
	l := crmtest.SampleLead("l-1", "c-1", 0)
	l.Doc.Fields.Company = lead.Field[string]{}
	l.ContactRef = person
	if id, err := r.adapter.UpsertLead(ctx, l); err != nil || id != deal {
		t.Fatalf("UpsertLead = %q, %v; want the remembered %s", id, err, deal)
	}
	reqs := r.fake.Requests()
	if len(reqs) != 2 || reqs[0].Method != "PUT" || reqs[0].Path != "/v1/persons/"+person || reqs[1].Method != "PUT" || reqs[1].Path != "/v1/deals/"+deal {
		t.Errorf("requests %v, want one PUT of the person and one of the deal", reqs)
	}
	if name := r.fake.Record("contact", person)["name"]; name != "Sara Ahmadi" {
		t.Errorf("the person's name is %v after the update", name)
	}
}

// TestClaimedWithoutIDSearchesThenCreates: an earlier attempt that claimed the key and failed
// before Pipedrive saw it leaves nothing to find; the retry searches, then creates.
func TestClaimedWithoutIDSearchesThenCreates(t *testing.T) {
	r := newRig(t)
	if _, _, err := r.ids.Claim(t.Context(), "pipedrive", "contact", "c-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.adapter.UpsertContact(t.Context(), noCompany("c-1")); err != nil {
		t.Fatal(err)
	}
	expect(t, r.fake, 0,
		sent{"GET", "/v1/persons/search", url.Values{"term": {"c-1"}, "fields": {"custom_fields"}, "exact_match": {"true"}}, ""},
		sent{"POST", "/v1/persons", nil, `{"` + contactField + `":"c-1","name":"Sara Ahmadi",
			"email":[{"value":"sara@parsian.example","primary":true,"label":"work"}],
			"phone":[{"value":"+989121234567","primary":true,"label":"mobile"}]}`})
}

// TestDuplicateKeysNeedReview: two persons carrying one contact id (a rep copied one) are not
// guessed between.
func TestDuplicateKeysNeedReview(t *testing.T) {
	r := newRig(t)
	first := r.fake.Seed("contact", map[string]any{"name": "Sara", contactField: "c-1"})
	second := r.fake.Seed("contact", map[string]any{"name": "Sara A.", contactField: "c-1"})
	if _, _, err := r.ids.Claim(t.Context(), "pipedrive", "contact", "c-1"); err != nil {
		t.Fatal(err)
	}
	_, err := r.adapter.UpsertContact(t.Context(), noCompany("c-1"))
	var review *crmadapters.ReviewError
	if !errors.As(err, &review) || !slices.Equal(review.Candidates, []string{first, second}) {
		t.Fatalf("err = %v, want a review of persons %s and %s", err, first, second)
	}
	if n := r.fake.Count("contact"); n != 2 {
		t.Errorf("%d persons, want the 2 seeded", n)
	}
}

// TestOrganizationFoundOrCreatedOnce: a company a rep already added is linked, not doubled, and
// its id is remembered by the normalised name, so later contacts of it cost no request.
func TestOrganizationFoundOrCreatedOnce(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	org := r.fake.Seed("organization", map[string]any{"name": "PARSIAN LOGISTICS"})
	person, err := r.adapter.UpsertContact(ctx, crmtest.SampleContact("c-1", 0))
	if err != nil {
		t.Fatal(err)
	}
	n := expect(t, r.fake, 0,
		sent{"GET", "/v1/organizations/search", url.Values{"term": {"Parsian Logistics"}, "fields": {"name"}, "exact_match": {"true"}}, ""},
		sent{"POST", "/v1/persons", nil, `{"` + contactField + `":"c-1","name":"Sara Ahmadi","org_id":` + org + `,
			"email":[{"value":"sara@parsian.example","primary":true,"label":"work"}],
			"phone":[{"value":"+989121234567","primary":true,"label":"mobile"}]}`})
	c := crmtest.SampleContact("c-2", 0)
	c.Fields.Company = lead.Set("  parsian   LOGISTICS ", 0.9, "", lead.SourceRules)
	if _, err := r.adapter.UpsertContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	reqs := r.fake.Requests()[n:]
	if len(reqs) != 1 || reqs[0].Path != "/v1/persons" || reqs[0].Body["org_id"] != mustFloat(org) {
		t.Errorf("second contact of the company sent %+v, want only its person, linked to organization %s", reqs, org)
	}
	if got := r.fake.Count("organization"); got != 1 || r.fake.Record("contact", person) == nil {
		t.Errorf("%d organizations, want the one seeded", got)
	}
}

func mustFloat(id string) float64 {
	var f float64
	if _, err := fmt.Sscan(id, &f); err != nil {
		panic(err)
	}
	return f
}

// TestStageConvention: won and lost are the deal's status, any other stage a stage id of an
// open deal; the fake reports both back as the mapping wrote them.
func TestStageConvention(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	deal := seedDeal(r)
	tests := []struct {
		status lead.Status
		body   string
	}{
		{lead.StatusProcessing, `{"stage_id":1,"status":"open"}`},
		{lead.StatusContacted, `{"stage_id":2,"status":"open"}`},
		{lead.StatusQualified, `{"stage_id":3,"status":"open"}`},
		{lead.StatusUnqualified, `{"status":"lost"}`},
		{lead.StatusWon, `{"status":"won"}`},
		{lead.StatusLost, `{"status":"lost"}`},
		{lead.StatusAssigned, `{"stage_id":1,"status":"open"}`},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			n := len(r.fake.Requests())
			if err := r.adapter.RecordOutcome(ctx, crmadapters.Outcome{LeadID: "l-1", LeadRef: deal, Status: tt.status}); err != nil {
				t.Fatal(err)
			}
			expect(t, r.fake, n, sent{"PUT", "/v1/deals/" + deal, nil, tt.body})
			if got, want := r.fake.Stage(deal), pipedrive.DefaultMapping().Stage(tt.status); got != want {
				t.Errorf("stage %q, want %q", got, want)
			}
		})
	}
	err := r.adapter.RecordOutcome(ctx, crmadapters.Outcome{LeadID: "l-1", LeadRef: deal, Status: lead.StatusCollecting})
	var mapping *crmadapters.MappingError
	if !errors.As(err, &mapping) {
		t.Errorf("a status without a stage gave %v, want a MappingError", err)
	}
}

// TestClosedDealGoesToConfiguredPipeline: a deal created won has no stage to name its pipeline,
// so the configured one is sent; an open deal's stage names it already.
func TestClosedDealGoesToConfiguredPipeline(t *testing.T) {
	r := newRig(t, func(s *crmadapters.Settings, c *pipedrivefake.Config) {
		s.Options["pipeline_id"] = "2"
		c.Pipelines = map[int][]int{1: {1, 2, 3, 4, 5}, 2: {6, 7}}
	})
	person := r.fake.Seed("contact", map[string]any{"name": "Sara"})
	for _, tt := range []struct {
		status   lead.Status
		pipeline any
	}{{lead.StatusWon, 2.0}, {lead.StatusAssigned, nil}} {
		l := crmtest.SampleLead("l-"+string(tt.status), "c-1", 0)
		l.Doc.Fields.Company = lead.Field[string]{}
		l.Doc.Status, l.ContactRef = tt.status, person
		n := len(r.fake.Requests())
		deal, err := r.adapter.UpsertLead(t.Context(), l)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.fake.Requests()[n].Body["pipeline_id"]; got != tt.pipeline {
			t.Errorf("%s: pipeline_id %v sent, want %v", tt.status, got, tt.pipeline)
		}
		if got := r.fake.Record("lead", deal)["pipeline_id"]; tt.status == lead.StatusWon && got != 2.0 {
			t.Errorf("the won deal is in pipeline %v, want 2", got)
		}
	}
}

// TestReadLeads reads only the deals the id map knows, one request each; deleted deals are
// absent.
func TestReadLeads(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	open := r.fake.Seed("lead", map[string]any{"title": "Open", "status": "open", "stage_id": 3})
	won := r.fake.Seed("lead", map[string]any{"title": "Won", "status": "won", "stage_id": 4})
	deleted := r.fake.Seed("lead", map[string]any{"title": "Deleted", "status": "deleted", "stage_id": 1})
	for key, id := range map[string]string{"l-open": open, "l-won": won, "l-deleted": deleted, "l-gone": "999"} {
		if err := r.ids.Remember(ctx, "pipedrive", "lead", key, id); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.adapter.ReadLeads(ctx, []string{"l-open", "l-won", "l-deleted", "l-gone", "l-never-written"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]crmadapters.RemoteLead{"l-open": {Ref: open, Stage: "3"}, "l-won": {Ref: won, Stage: "won"}}
	if len(got) != len(want) || got["l-open"] != want["l-open"] || got["l-won"] != want["l-won"] {
		t.Errorf("ReadLeads = %v, want %v", got, want)
	}
	expect(t, r.fake, 0, sent{"GET", "/v1/deals/" + open, nil, ""}, sent{"GET", "/v1/deals/" + won, nil, ""},
		sent{"GET", "/v1/deals/" + deleted, nil, ""}, sent{"GET", "/v1/deals/999", nil, ""})
}

// TestNoteFoundOnALaterPage: a deal with more notes than a page holds is paged through, and the
// marker of another key does not match.
func TestNoteFoundOnALaterPage(t *testing.T) {
	r := newRig(t)
	deal := seedDeal(r)
	for i := range 600 {
		r.fake.Seed("note", map[string]any{"deal_id": mustFloat(deal), "content": fmt.Sprintf("note %d<!-- leadflow:l-1:other-%d -->", i, i)})
	}
	lost := r.fake.Seed("note", map[string]any{"deal_id": mustFloat(deal), "content": "Summary<!-- leadflow:l-1:summary -->"})
	if _, _, err := r.ids.Claim(t.Context(), "pipedrive", "note", "l-1:summary"); err != nil {
		t.Fatal(err)
	}
	id, err := r.adapter.AddNote(t.Context(), crmtest.SampleNote("l-1", deal, ""))
	if err != nil || id != lost {
		t.Fatalf("AddNote = %q, %v; want the note %s found", id, err, lost)
	}
	expect(t, r.fake, 0,
		sent{"GET", "/v1/notes", url.Values{"deal_id": {deal}, "start": {"0"}, "limit": {"500"}}, ""},
		sent{"GET", "/v1/notes", url.Values{"deal_id": {deal}, "start": {"500"}, "limit": {"500"}}, ""})
}

// TestMappingErrorsSendNothing: a value the mapping cannot express is the mapping's error, as
// is, before any request.
func TestMappingErrorsSendNothing(t *testing.T) {
	r := newRig(t, func(s *crmadapters.Settings, _ *pipedrivefake.Config) {
		m := pipedrive.DefaultMapping()
		m.Contact = append(m.Contact, crmadapters.Rule{From: "contact.job_title", To: "0000000000000000000000000000000000000001", Required: true})
		m.Lead = append(m.Lead, crmadapters.Rule{From: "lead.tier", To: "0000000000000000000000000000000000000002", Transform: "map", Values: map[string]string{"cold": "1"}})
		s.Mapping = &m
	})
	_, err := r.adapter.UpsertContact(t.Context(), crmtest.SampleContact("c-1", 0))
	var mapping *crmadapters.MappingError
	if !errors.As(err, &mapping) || mapping.Field != "contact.job_title" {
		t.Errorf("UpsertContact: %v, want the mapping error of contact.job_title", err)
	}
	_, err = r.adapter.UpsertLead(t.Context(), crmtest.SampleLead("l-1", "c-1", 0))
	if !errors.As(err, &mapping) || mapping.Field != "lead.tier" {
		t.Errorf("UpsertLead: %v, want the mapping error of lead.tier", err)
	}
	if n := len(r.fake.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
