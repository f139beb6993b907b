package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/crmadapters/hubspot"
	"github.com/leadflow/leadflow/crmadapters/hubspot/hubspotfake"
	"github.com/leadflow/leadflow/crmadapters/pipedrive"
	"github.com/leadflow/leadflow/crmadapters/pipedrive/pipedrivefake"
	"github.com/leadflow/leadflow/crmadapters/salesforce"
	"github.com/leadflow/leadflow/crmadapters/salesforce/salesforcefake"
	"github.com/leadflow/leadflow/crmadapters/zoho"
	"github.com/leadflow/leadflow/crmadapters/zoho/zohofake"
	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/workflows"
)

// The CRMs' secrets, as the worker reads them from its environment.
var crmEnv = map[string]string{
	"HUBSPOT_TOKEN": "pat-na1-e2e", "HUBSPOT_CLIENT_SECRET": "hubspot-app-secret",
	"SF_CLIENT_ID": "3MVG9e2e", "SF_CLIENT_SECRET": "sf-secret", "SF_REFRESH_TOKEN": "5Aep861.e2e",
	"ZOHO_CLIENT_ID": "1000.E2E", "ZOHO_CLIENT_SECRET": "zoho-secret", "ZOHO_REFRESH_TOKEN": "1000.refresh.e2e",
	"PIPEDRIVE_API_TOKEN": "pd-e2e",
}

const (
	pdContactField = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
	pdLeadField    = "0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a"
)

// faultPlan puts every fault among the requests: each CRM throttles, fails with 5xx and drops
// connections after committing while the leads sync. A fault fails the whole sync, which Temporal
// retries from the start (every write is idempotent), so one request in eight goes wrong: denser
// faults would only make the retries longer. Salesforce's throttle is its 24-hour API limit,
// which waits a quarter of an hour, so Salesforce gets every fault but that one.
var faultPlan = func() []crmtest.Fault {
	plan := make([]crmtest.Fault, 32)
	plan[3], plan[11], plan[19], plan[27] = crmtest.DropAfterCommit, crmtest.Unavailable, crmtest.Throttle, crmtest.FailAfterCommit
	return plan
}()

// quickly is a CRM's own rate-limit answer with its waits shortened to a second, so the test
// honours them without waiting ten (HubSpot) or thirty (Zoho) seconds.
func quickly(throttled http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		throttled(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		h := w.Header()
		if h.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "" {
			h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", "1000")
		}
		if reset := h.Get("X-Ratelimit-Reset"); len(reset) > 10 { // Zoho: epoch milliseconds
			h.Set("X-Ratelimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).UnixMilli(), 10))
		} else if reset != "" {
			h.Set("X-Ratelimit-Reset", "1")
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}
}

// fakeCRMs are the four CRMs behind their faults.
type fakeCRMs struct {
	hubspot    *hubspotfake.Server
	salesforce *salesforcefake.Server
	zoho       *zohofake.Server
	pipedrive  *pipedrivefake.Server
	chaos      map[string]*crmtest.Chaos
	hubspotURL string
	file       crmadapters.File
}

func (f *fakeCRMs) remote(name string) crmtest.Remote {
	return map[string]crmtest.Remote{"hubspot": f.hubspot, "salesforce": f.salesforce, "zoho": f.zoho, "pipedrive": f.pipedrive}[name]
}

func startFakeCRMs(t *testing.T, webhookURL string) *fakeCRMs {
	t.Helper()
	f := &fakeCRMs{
		hubspot:    hubspotfake.New(crmEnv["HUBSPOT_TOKEN"]),
		salesforce: salesforcefake.New(salesforcefake.Config{ClientID: crmEnv["SF_CLIENT_ID"], ClientSecret: crmEnv["SF_CLIENT_SECRET"], RefreshToken: crmEnv["SF_REFRESH_TOKEN"]}),
		zoho:       zohofake.New(zohofake.Credentials{ClientID: crmEnv["ZOHO_CLIENT_ID"], ClientSecret: crmEnv["ZOHO_CLIENT_SECRET"], RefreshToken: crmEnv["ZOHO_REFRESH_TOKEN"]}),
		pipedrive:  pipedrivefake.New(pipedrivefake.Config{Token: crmEnv["PIPEDRIVE_API_TOKEN"], ContactKeyField: pdContactField, LeadKeyField: pdLeadField}),
		chaos:      map[string]*crmtest.Chaos{},
		file:       crmadapters.File{Version: crmadapters.DictionaryVersion, CRMs: map[string]crmadapters.Settings{}},
	}
	serve := func(name string, h http.Handler, throttled http.HandlerFunc) string {
		plan := faultPlan
		if name == "salesforce" {
			plan = slices.Clone(faultPlan)
			plan[19] = crmtest.Pass
		}
		c := &crmtest.Chaos{Plan: plan, Throttled: quickly(throttled)}
		f.chaos[name] = c
		srv := httptest.NewServer(c.Wrap(h))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	f.hubspotURL = serve("hubspot", f.hubspot.Handler(), f.hubspot.Throttled)
	f.file.CRMs["hubspot"] = crmadapters.Settings{BaseURL: f.hubspotURL,
		Credentials: map[string]string{"token": "HUBSPOT_TOKEN", "webhook_secret": "HUBSPOT_CLIENT_SECRET"},
		Options:     map[string]string{"webhook_url": webhookURL}}
	sf := serve("salesforce", f.salesforce.Handler(), f.salesforce.Throttled)
	f.file.CRMs["salesforce"] = crmadapters.Settings{BaseURL: sf,
		Credentials: map[string]string{"client_id": "SF_CLIENT_ID", "client_secret": "SF_CLIENT_SECRET", "refresh_token": "SF_REFRESH_TOKEN"},
		Options:     map[string]string{"token_url": sf + salesforcefake.TokenPath}}
	zh := serve("zoho", f.zoho.Handler(), f.zoho.Throttled)
	f.file.CRMs["zoho"] = crmadapters.Settings{BaseURL: zh,
		Credentials: map[string]string{"client_id": "ZOHO_CLIENT_ID", "client_secret": "ZOHO_CLIENT_SECRET", "refresh_token": "ZOHO_REFRESH_TOKEN"},
		Options:     map[string]string{"accounts_url": zh}}
	f.file.CRMs["pipedrive"] = crmadapters.Settings{BaseURL: serve("pipedrive", f.pipedrive.Handler(), f.pipedrive.Throttled),
		Credentials: map[string]string{"api_token": "PIPEDRIVE_API_TOKEN"},
		Options:     map[string]string{"contact_key_field": pdContactField, "lead_key_field": pdLeadField}}
	return f
}

var stageOf = map[string]func(lead.Status) string{
	"hubspot": hubspot.DefaultMapping().Stage, "salesforce": salesforce.DefaultMapping().Stage,
	"zoho": zoho.DefaultMapping().Stage, "pipedrive": pipedrive.DefaultMapping().Stage,
}

// TestExternalCRMsOnTheDevServer is the check: with CRMs that throttle, fail with 5xx and
// drop connections after committing, every lead appears exactly once in every configured CRM, with
// the mapped fields, and nothing is lost; a rep's outcome reaches every CRM's stage, and a stage
// moved inside HubSpot comes back as the rep's outcome.
func TestExternalCRMsOnTheDevServer(t *testing.T) {
	stack(t)
	const webhookPath = "/webhooks/crm/hubspot"
	// The gateway's address is known only once it runs; HubSpot signs the URL it calls, which
	// reaches the gateway through this proxy address in the test.
	proxy := &gatewayProxy{}
	proxySrv := httptest.NewServer(proxy)
	t.Cleanup(proxySrv.Close)
	crms := startFakeCRMs(t, proxySrv.URL+webhookPath)
	p := startSecond(t, "crm", config.Config{Policy: fastPolicy(), CRMs: crms.file, Getenv: func(k string) string { return crmEnv[k] },
		PublicURL: "https://leadflow.example"})
	proxy.target = p.url

	run := uniqueID("crm")
	team := run + "-de"
	if code := p.call(t, http.MethodPut, "/v1/teams/"+team, adminKey, map[string]any{"name": "DACH desk", "countries": []string{"DE"}}, nil); code != http.StatusOK {
		t.Fatalf("team: %d", code)
	}
	if code := p.call(t, http.MethodPut, "/v1/reps/"+team+"-a", adminKey, map[string]any{"name": "Anna", "team_id": team,
		"email": "anna@seller.example", "max_open_leads": 50}, nil); code != http.StatusOK {
		t.Fatalf("rep: %d", code)
	}
	texts := []string{
		"We need a demo for 30 seats, I am Lena Vogel from Vogel Logistik, lena@vogel-logistik.example",
		"Guten Tag, Preis für 10 Lizenzen? Jonas Weber, +49 151 23456789",
		"Demo please. Олег Смирнов, oleg@volga-trade.example, +49 160 1234567",
		"سلام، قیمت برای ۲۰ کاربر؟ سارا احمدی، sara@parsian.example",
		"Pricing for our team, Wang Wei, wang@hua-tech.example",
		"Call me about a demo: +49 171 7654321",
	}
	convs := make([]string, len(texts))
	for i, text := range texts {
		convs[i] = fmt.Sprintf("%s-%d", run, i)
		sendLead(t, p.system, convs[i], "DE", text, []string{"requested_demo"})
	}
	leads := make([]string, len(convs))
	for i, conv := range convs {
		v := waitLead(t, p.system, conv)
		if v.Lead == nil || v.Lead.Assignment == nil {
			t.Fatalf("%s: no assigned lead: %+v", conv, v)
		}
		leads[i] = v.Lead.LeadID
	}

	names := []string{"hubspot", "pipedrive", "salesforce", "zoho"}
	synced := func(status lead.Status) {
		t.Helper()
		eventually(t, 3*time.Minute, "every lead synced to every CRM", func() (bool, string) {
			for _, id := range leads {
				l := p.lead(t, id)
				for _, name := range names {
					ref := l.CRM.External[name]
					if ref.State != lead.CRMSynced || ref.LeadID == "" {
						return false, fmt.Sprintf("%s in %s: %+v", id, name, ref)
					}
					if l.Status == status {
						if got, want := crms.remote(name).Stage(ref.LeadID), stageOf[name](status); got != want {
							return false, fmt.Sprintf("%s in %s: stage %q, want %q", id, name, got, want)
						}
					}
				}
			}
			return true, ""
		})
	}
	synced(lead.StatusAssigned)
	for _, name := range names {
		for _, kind := range []string{"contact", "lead", "note", "task"} {
			if n := crms.remote(name).Count(kind); n != len(leads) {
				t.Errorf("%s holds %d %ss for %d leads", name, n, kind, len(leads))
			}
		}
		for _, f := range []crmtest.Fault{crmtest.DropAfterCommit, crmtest.Unavailable, crmtest.FailAfterCommit} {
			if crms.chaos[name].Count(f) == 0 {
				t.Errorf("%s never got fault %d: the test proved nothing about it", name, f)
			}
		}
		if name != "salesforce" && crms.chaos[name].Count(crmtest.Throttle) == 0 {
			t.Errorf("%s was never throttled", name)
		}
	}

	// The mapped fields, as each CRM holds them.
	first := p.lead(t, leads[0])
	deal, ok := crms.hubspot.Object("deals", first.CRM.External["hubspot"].LeadID)
	if !ok || deal["leadflow_lead_id"] != first.LeadID || deal["dealname"] == "" || deal["dealstage"] != "appointmentscheduled" {
		t.Errorf("HubSpot deal: %v", deal)
	}
	contact, _ := crms.hubspot.Object("contacts", first.CRM.External["hubspot"].ContactID)
	if contact["email"] != "lena@vogel-logistik.example" || contact["leadflow_contact_id"] != first.ContactID {
		t.Errorf("HubSpot contact: %v", contact)
	}
	if rec, _ := crms.salesforce.Record(first.CRM.External["salesforce"].LeadID); rec["Leadflow_Id__c"] != first.LeadID {
		t.Errorf("Salesforce lead: %v", rec)
	}
	if rec := crms.zoho.Record("Deals", first.CRM.External["zoho"].LeadID); rec["Leadflow_Id"] != first.LeadID {
		t.Errorf("Zoho deal: %v", rec)
	}
	if rec := crms.pipedrive.Record("lead", first.CRM.External["pipedrive"].LeadID); rec[pdLeadField] != first.LeadID {
		t.Errorf("Pipedrive deal: %v", rec)
	}

	// A rep's outcome moves the lead's stage in every CRM.
	if code := p.call(t, http.MethodPost, "/v1/leads/"+first.LeadID+"/outcome", adminKey,
		map[string]any{"rep_id": first.Assignment.RepID, "outcome": "won", "idempotency_key": run + "-won"}, nil); code != http.StatusOK {
		t.Fatalf("won: %d", code)
	}
	eventually(t, 2*time.Minute, "won reaches every CRM", func() (bool, string) {
		l := p.lead(t, first.LeadID)
		for _, name := range names {
			if got, want := crms.remote(name).Stage(l.CRM.External[name].LeadID), stageOf[name](lead.StatusWon); got != want {
				return false, fmt.Sprintf("%s: %q, want %q", name, got, want)
			}
		}
		return true, ""
	})

	// A rep moves the second lead to closed-lost inside HubSpot: the webhook makes it the lead's
	// outcome, once however often HubSpot delivers it, and the other CRMs follow.
	second := p.lead(t, leads[1])
	events := fmt.Sprintf(`[{"eventId":%d,"subscriptionId":1,"portalId":62515,"occurredAt":%d,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":%s,"propertyName":"dealstage","propertyValue":"closedlost","changeSource":"CRM_UI"}]`,
		time.Now().UnixNano()%1e9, time.Now().UnixMilli(), second.CRM.External["hubspot"].LeadID)
	for attempt := range 2 {
		var res crmEventsResult
		if code := hubspotEvent(t, proxySrv.URL+webhookPath, events, crmEnv["HUBSPOT_CLIENT_SECRET"], &res); code != http.StatusOK {
			t.Fatalf("webhook delivery %d: %d", attempt, code)
		}
		if want := (crmEventsResult{Applied: 1 - attempt, Ignored: attempt}); res != want {
			t.Errorf("webhook delivery %d: %+v, want %+v", attempt, res, want)
		}
	}
	if l := p.lead(t, second.LeadID); l.Status != lead.StatusLost || len(l.Outcomes) != 1 || l.Outcomes[0].RepID != second.Assignment.RepID {
		t.Errorf("after HubSpot's closedlost: status %s, outcomes %+v", l.Status, l.Outcomes)
	}
	eventually(t, 2*time.Minute, "lost reaches the other CRMs", func() (bool, string) {
		l := p.lead(t, second.LeadID)
		for _, name := range names {
			if got, want := crms.remote(name).Stage(l.CRM.External[name].LeadID), stageOf[name](lead.StatusLost); got != want {
				return false, fmt.Sprintf("%s: %q, want %q", name, got, want)
			}
		}
		return true, ""
	})

	// A rep marks the third lead contacted inside Salesforce, which has no webhook: the gateway's
	// poll finds the change and records it as the owner's outcome, once over two polls.
	third := p.lead(t, leads[2])
	if err := crms.salesforce.Edit(third.CRM.External["salesforce"].LeadID, map[string]any{"Status": "Working - Contacted"}); err != nil {
		t.Fatal(err)
	}
	poller := &server{store: p.store, temporal: p.temporal, namespace: p.namespace, logger: slog.New(slog.DiscardHandler),
		crms: p.acts.External, crmIDs: p.store.CRMIDs()}
	for range 2 {
		poller.pollCRMsOnce(t.Context(), time.Now(), 10*time.Minute)
	}
	if l := p.lead(t, third.LeadID); l.Status != lead.StatusContacted || len(l.Outcomes) != 1 {
		t.Errorf("after Salesforce's Working - Contacted: status %s, outcomes %+v", l.Status, l.Outcomes)
	}

	if code := hubspotEvent(t, proxySrv.URL+webhookPath, events, "not-the-secret", nil); code != http.StatusUnauthorized {
		t.Errorf("a badly signed delivery: %d, want 401", code)
	}
	if code := p.call(t, http.MethodPost, "/webhooks/crm/dynamics", "", map[string]any{}, nil); code != http.StatusNotFound {
		t.Errorf("a CRM that is not configured: %d, want 404", code)
	}

	// Still exactly once after all of it.
	for _, name := range names {
		if n := crms.remote(name).Count("lead"); n != len(leads) {
			t.Errorf("%s holds %d leads for %d", name, n, len(leads))
		}
	}
	for name, conv := range map[string]string{"crm_synced_won": convs[0], "crm_hubspot_lost": convs[1]} {
		writeHistory(t, p.system, workflows.ConversationWorkflowID(conv), name+".json")
	}
}

// gatewayProxy forwards to the gateway, whose address is known only after the CRMs are.
type gatewayProxy struct{ target string }

func (g *gatewayProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, g.target+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	_, _ = w.Write(b.Bytes())
}

// hubspotEvent delivers events the way HubSpot does: signed (v3) over method, URL, body and time.
func hubspotEvent(t *testing.T, url, body, secret string, out any) int {
	t.Helper()
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(http.MethodPost + url + body + ts))
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-HubSpot-Signature-v3", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-HubSpot-Request-Timestamp", ts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}
