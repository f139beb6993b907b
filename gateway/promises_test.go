package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/app"
	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/notify"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/temporalx"
	"github.com/leadflow/leadflow/workflows"
)

// The promises are checked on the real dev server with a policy whose delays are seconds. They
// run as a second Leadflow, in a namespace and a database of their own, so that their fast clocks
// touch none of the package's other leads.

const promisesSecret = "promises-test-webhook-secret"

// fastPolicy is the built-in policy with the follow-up delays in seconds and no hot_on_call rule,
// so that a hot lead's owner and the on-call rep it pages are different people.
func fastPolicy() *policy.Policy {
	p := *policy.Default()
	p.Version = "promises-fast"
	p.Routing.Rules = []string{policy.RuleExistingOwner, policy.RuleTeamRoundRobin}
	p.Followups = policy.Followups{
		FirstTouch: map[string]policy.Duration{"hot": policy.Duration(4 * time.Second), "warm": policy.Duration(time.Hour), "cold": policy.Duration(time.Hour)},
		Escalation: policy.Escalation{AckWait: policy.Duration(6 * time.Second), MaxReassignments: 1},
		SnoozeMax:  policy.Duration(time.Hour),
		Messages:   policy.CustomerMessages{Budget: 4, Channels: []lead.Channel{lead.ChannelWhatsApp, lead.ChannelEmail}},
		Sequences: []policy.Sequence{
			{Name: "demo-fast", Intents: []string{"demo_request"}, Steps: []policy.FollowupStep{
				{Kind: policy.StepCallTask},
				{Kind: policy.StepRepReminder, After: policy.Duration(6 * time.Second), Unless: []lead.Status{lead.StatusContacted, lead.StatusQualified}},
			}},
			{Name: "price-fast", Intents: []string{"price_inquiry"}, Steps: []policy.FollowupStep{
				{Kind: policy.StepCustomerMessage, Channel: policy.ChannelSame, Template: "price_summary"},
				{Kind: policy.StepCustomerMessage, After: policy.Duration(6 * time.Second), Channel: policy.ChannelSame, Template: "price_alternatives"},
			}},
		},
		Templates: policy.Default().Followups.Templates,
	}
	return &p
}

// chatbotFake is the chatbot gateway's outbound webhook: it checks every signature and keeps the
// customer messages by lead.
type chatbotFake struct {
	mu   sync.Mutex
	sent map[string][]string // lead id → templates
	bad  int                 // requests whose signature did not verify
}

func (f *chatbotFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := notify.VerifySignature(promisesSecret, r.Header.Get("X-Leadflow-Timestamp"), string(body), r.Header.Get("X-Leadflow-Signature"), time.Now(), time.Minute); err != nil {
		f.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var doc struct {
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal(body, &doc)
	id, _ := doc.Data["lead_id"].(string)
	tmpl, _ := doc.Data["template"].(string)
	f.sent[id] = append(f.sent[id], tmpl)
}

func (f *chatbotFake) to(leadID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent[leadID])
}

type promisesSystem struct {
	*system
	namespace string
	chatbot   *chatbotFake
	acts      *activities.Activities
	mu        sync.Mutex
	worker    worker.Worker
}

// startPromises starts the second Leadflow with the fast policy and the chatbot's webhook.
func startPromises(t *testing.T) *promisesSystem {
	t.Helper()
	fake := &chatbotFake{sent: map[string][]string{}}
	hook := httptest.NewServer(fake)
	t.Cleanup(hook.Close)
	p := startSecond(t, "promises", config.Config{Policy: fastPolicy(),
		Outbound: config.Outbound{WebhookSecret: promisesSecret, ChatbotWebhookURL: hook.URL}})
	p.chatbot = fake
	return p
}

// startSecond starts a second Leadflow beside the shared one: a namespace with the search
// attributes, a database, a worker configured by cfg (its external CRMs too), and a gateway.
func startSecond(t *testing.T, prefix string, cfg config.Config) *promisesSystem {
	t.Helper()
	ctx := context.Background()
	ns := uniqueID(prefix)
	registerNamespace(t, ns)
	st, err := store.OpenMigrated(ctx, env.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.UpsertKey(ctx, store.APIKey{KeyID: bootstrapKeyID, Name: "test admin", Scopes: allScopes}, adminKey); err != nil {
		t.Fatal(err)
	}
	tc, err := temporalx.Dial(ctx, temporalx.Options{HostPort: env.TemporalHostPort(), Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	acts, err := app.NewActivities(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	settings := workflows.DefaultSettings()
	settings.QuietPeriod, settings.LeadIdle = time.Hour, 40*time.Second
	router := NewRouter(Deps{Store: st, Temporal: tc, Namespace: ns, Settings: settings, RateLimit: 10000, Policy: cfg.Policy,
		CRMs: acts.External, CRMIDs: st.CRMIDs(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	p := &promisesSystem{system: &system{url: srv.URL, store: st, temporal: tc}, acts: acts, namespace: ns}
	p.restartWorker(t)
	t.Cleanup(func() { p.stopWorker() })
	return p
}

// registerNamespace creates a namespace with Leadflow's search attributes and waits until both
// are usable.
func registerNamespace(t *testing.T, ns string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := temporalx.Dial(ctx, temporalx.Options{HostPort: env.TemporalHostPort(), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	attrs := map[string]enumspb.IndexedValueType{}
	for name, typ := range workflows.SearchAttributeTypes() {
		attrs[name] = enumspb.IndexedValueType(enumspb.IndexedValueType_value["INDEXED_VALUE_TYPE_"+strings.ToUpper(typ)])
	}
	for {
		_, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: ns, SearchAttributes: attrs})
		var exists *serviceerror.AlreadyExists
		if err == nil || errors.As(err, &exists) {
			resp, lerr := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
			if lerr == nil && len(resp.GetCustomAttributes()) >= len(attrs) {
				return
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("namespace %s not ready: %v", ns, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// restartWorker stops the worker (if one runs) and starts a new one, as a deploy or a crash would.
func (p *promisesSystem) restartWorker(t *testing.T) {
	t.Helper()
	p.stopWorker()
	w := app.NewWorker(p.temporal, p.acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.worker = w
	p.mu.Unlock()
}

func (p *promisesSystem) stopWorker() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.worker != nil {
		p.worker.Stop()
		p.worker = nil
	}
}

// eventually polls cond every 200 ms until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last seen: %s", what, within, state)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (p *promisesSystem) lead(t *testing.T, id string) lead.Lead {
	t.Helper()
	var l lead.Lead
	if code := p.call(t, http.MethodGet, "/v1/leads/"+id, adminKey, nil, &l); code != http.StatusOK {
		t.Fatalf("lead %s: %d", id, code)
	}
	return l
}

func followup(l lead.Lead, kind lead.FollowupKind) lead.Followup {
	for _, f := range l.Followups {
		if f.Kind == kind {
			return f
		}
	}
	return lead.Followup{}
}

// TestPromisesOnTheDevServer is the check, with the delays in seconds: a hot lead nobody
// touches is paged, escalated and reassigned on time; a contacted lead gets no reminder while an
// untouched one does; an opted-out customer gets nothing more, on this lead or a later one; the
// worker is killed and restarted in the middle and none of it changes; repeated outcome calls with
// one key count once.
func TestPromisesOnTheDevServer(t *testing.T) {
	stack(t) // the shared services
	p := startPromises(t)
	run := uniqueID("pr")
	team := run + "-is"
	put := func(path string, body map[string]any) {
		t.Helper()
		if code := p.call(t, http.MethodPut, path, adminKey, body, nil); code != http.StatusOK {
			t.Fatalf("PUT %s: %d", path, code)
		}
	}
	manager, oncall := team+"-mgr", team+"-oncall"
	put("/v1/teams/"+team, map[string]any{"name": "Iceland desk", "countries": []string{"IS"}, "manager_rep_id": manager})
	for _, id := range []string{team + "-a", team + "-b"} {
		put("/v1/reps/"+id, map[string]any{"name": id, "team_id": team, "max_open_leads": 50})
	}
	// The on-call rep takes no round-robin leads (no capacity): only pages.
	put("/v1/reps/"+oncall, map[string]any{"name": "on call", "team_id": team, "max_open_leads": 0, "on_call": true})
	put("/v1/reps/"+manager, map[string]any{"name": "manager", "team_id": team, "max_open_leads": 50, "active": false})

	hot, warm, quiet := run+"-hot", run+"-warm", run+"-quiet"
	sendLead(t, p.system, hot, "IS", "We need a demo for 40 agents this week, call me on +354 611 2345", []string{"clicked_demo_cta", "requested_demo"})
	sendLead(t, p.system, warm, "IS", "Could we see a demo sometime? +354 611 2346", nil)
	whatsapp := func(convID, msgID, text string) {
		t.Helper()
		body := map[string]any{"message_id": msgID, "channel": "whatsapp", "role": "customer", "text": text,
			"sender": map[string]any{"phone": "+3546112347", "external_id": "3546112347"}, "context": map[string]any{"country": "IS"}}
		if code := p.call(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, body, nil); code != http.StatusAccepted {
			t.Fatalf("%s: message answered %d", convID, code)
		}
	}
	whatsapp(quiet, "m-1", "How much does the Team plan cost?")
	if code := p.call(t, http.MethodPost, "/v1/conversations/"+quiet+"/close", adminKey, nil, nil); code != http.StatusAccepted {
		t.Fatalf("close: %d", code)
	}
	hotLead, warmLead, quietLead := waitLead(t, p.system, hot).Lead, waitLead(t, p.system, warm).Lead, waitLead(t, p.system, quiet).Lead
	for _, l := range []*lead.Lead{hotLead, warmLead, quietLead} {
		if l == nil || l.Assignment == nil || l.SLA.FirstTouchDueAt == nil {
			t.Fatalf("want assigned leads with a first-touch deadline, got %+v", l)
		}
	}
	if hotLead.Tier != lead.TierHot || warmLead.Tier == lead.TierHot {
		t.Fatalf("tiers: hot lead %s, warm lead %s", hotLead.Tier, warmLead.Tier)
	}
	owner, due := hotLead.Assignment.RepID, *hotLead.SLA.FirstTouchDueAt

	// The warm lead's rep calls at once; the outcome is sent three times with one key, two at once.
	var wg sync.WaitGroup
	outcome := map[string]any{"rep_id": warmLead.Assignment.RepID, "outcome": "contacted", "idempotency_key": "crm-evt-" + run}
	for range 2 {
		wg.Go(func() {
			if code := p.call(t, http.MethodPost, "/v1/leads/"+warmLead.LeadID+"/outcome", adminKey, outcome, nil); code != http.StatusOK {
				t.Errorf("contacted: %d", code)
			}
		})
	}
	wg.Wait()
	if code := p.call(t, http.MethodPost, "/v1/leads/"+warmLead.LeadID+"/outcome", adminKey, outcome, nil); code != http.StatusOK {
		t.Fatalf("contacted again: %d", code)
	}

	// The price summary goes out at once on WhatsApp; then the customer opts out.
	eventually(t, 20*time.Second, "the price summary", func() (bool, string) {
		got := p.chatbot.to(quietLead.LeadID)
		return len(got) == 1, fmt.Sprint(got)
	})
	whatsapp(quiet, "m-2", "STOP")

	// Kill the worker in the middle: the hot lead's SLA (4 s) and the reminders (6 s) fall due
	// while nobody runs them.
	p.stopWorker()
	time.Sleep(3 * time.Second)
	p.restartWorker(t)

	// The hot lead: paged, not acknowledged, escalated to the manager and reassigned.
	var hotNow lead.Lead
	eventually(t, 30*time.Second, "the hot lead's escalation", func() (bool, string) {
		hotNow = p.lead(t, hotLead.LeadID)
		moved := slices.ContainsFunc(hotNow.SLA.Escalations, func(e lead.Escalation) bool { return e.Reason == "reassigned" })
		return moved && hotNow.Assignment != nil && hotNow.Assignment.RepID != owner, fmt.Sprintf("%+v", hotNow.SLA)
	})
	var reasons []string
	var reassignedAt time.Time
	for _, e := range hotNow.SLA.Escalations {
		reasons = append(reasons, e.RepID+":"+e.Reason)
		if e.Reason == "reassigned" {
			reassignedAt = e.At
		}
	}
	want := []string{oncall + ":paged_on_call", owner + ":first_touch_overdue", manager + ":escalation", hotNow.Assignment.RepID + ":reassigned"}
	if !slices.Equal(reasons[:min(len(reasons), 4)], want) || !hotNow.SLA.Breached {
		t.Errorf("escalation chain: got %v breached %v, want %v", reasons, hotNow.SLA.Breached, want)
	}
	if hotNow.Assignment.RepID == oncall || hotNow.Assignment.ReassignedFrom != owner {
		t.Errorf("reassigned to %s from %s; want the other round-robin rep, from %s", hotNow.Assignment.RepID, hotNow.Assignment.ReassignedFrom, owner)
	}
	// On time: after the SLA and the acknowledgement wait, late by at most the worker's outage and a
	// few seconds of polling and task latency.
	if late := reassignedAt.Sub(due.Add(6 * time.Second)); late < 0 || late > 10*time.Second {
		t.Errorf("reassigned %s after the acknowledgement deadline", late)
	}
	notified, err := p.store.Notifications(context.Background(), hotLead.LeadID)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"page:" + oncall, "first_touch_overdue:" + owner, "escalation:" + manager, "new_lead:" + hotNow.Assignment.RepID} {
		if !slices.Contains(notified, n) {
			t.Errorf("hot lead: %s was not notified; got %v", n, notified)
		}
	}
	desc, err := p.temporal.DescribeWorkflowExecution(context.Background(), workflows.ConversationWorkflowID(hot), "")
	if err != nil {
		t.Fatal(err)
	}
	if sa := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["SLABreached"]; sa == nil || string(sa.GetData()) != "true" {
		t.Errorf("SLABreached search attribute: %v", sa)
	}

	// Another hot lead, after the restart: the paged on-call rep acknowledges through the API and
	// takes the lead with a new deadline; a second acknowledgement finds nobody paged; the new
	// owner's snooze moves the deadline.
	acked := run + "-ack"
	sendLead(t, p.system, acked, "IS", "Demo today please, 25 seats, call +354 611 2348", []string{"clicked_demo_cta", "requested_demo"})
	ackLead := waitLead(t, p.system, acked).Lead
	eventually(t, 20*time.Second, "the page", func() (bool, string) {
		l := p.lead(t, ackLead.LeadID)
		return slices.ContainsFunc(l.SLA.Escalations, func(e lead.Escalation) bool { return e.Reason == "paged_on_call" }), fmt.Sprintf("%+v", l.SLA)
	})
	var took lead.Lead
	if code := p.call(t, http.MethodPost, "/v1/leads/"+ackLead.LeadID+"/acknowledge", adminKey, map[string]any{"rep_id": oncall}, &took); code != http.StatusOK {
		t.Fatalf("acknowledge: %d", code)
	}
	if took.Assignment == nil || took.Assignment.RepID != oncall || took.Assignment.Rule != store.RuleOnCallAcknowledged {
		t.Errorf("after the acknowledgement: %+v", took.Assignment)
	}
	var errBody errorView
	if code := p.call(t, http.MethodPost, "/v1/leads/"+ackLead.LeadID+"/acknowledge", adminKey, map[string]any{"rep_id": oncall}, &errBody); code != http.StatusConflict || errBody.Error.Code != "not_paged" {
		t.Errorf("a second acknowledgement: %d %+v", code, errBody)
	}
	snoozeUntil := time.Now().UTC().Add(30 * time.Minute).Truncate(time.Second)
	if code := p.call(t, http.MethodPost, "/v1/leads/"+ackLead.LeadID+"/outcome", adminKey, map[string]any{"rep_id": oncall, "outcome": "snooze",
		"snooze_until": snoozeUntil, "idempotency_key": "snooze-" + run}, nil); code != http.StatusOK {
		t.Fatalf("snooze: %d", code)
	}
	eventually(t, 20*time.Second, "the snoozed deadline", func() (bool, string) {
		l := p.lead(t, ackLead.LeadID)
		return l.SLA.FirstTouchDueAt != nil && l.SLA.FirstTouchDueAt.Equal(snoozeUntil), fmt.Sprintf("%+v", l.SLA)
	})
	if l := p.lead(t, ackLead.LeadID); slices.ContainsFunc(l.SLA.Escalations, func(e lead.Escalation) bool { return e.Reason == "reassigned" }) {
		t.Errorf("an acknowledged lead went up the chain: %+v", l.SLA.Escalations)
	}

	// The untouched hot lead's rep was reminded; the contacted warm lead's rep was not.
	eventually(t, 20*time.Second, "the reminders", func() (bool, string) {
		h, w := followup(p.lead(t, hotLead.LeadID), lead.FollowupRepReminder), followup(p.lead(t, warmLead.LeadID), lead.FollowupRepReminder)
		return h.Status == lead.FollowupSent && w.Status == lead.FollowupCancelled, fmt.Sprintf("hot %+v, warm %+v", h, w)
	})
	warmNotified, err := p.store.Notifications(context.Background(), warmLead.LeadID)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range warmNotified {
		if strings.HasPrefix(n, "reminder:") {
			t.Errorf("the contacted lead's rep was reminded: %v", warmNotified)
		}
	}
	warmNow := p.lead(t, warmLead.LeadID)
	if len(warmNow.Outcomes) != 1 || warmNow.Timings.HumanSeconds == nil || warmNow.Timings.SystemSeconds == nil {
		t.Errorf("one key, one outcome, and the speed to lead split: %+v %+v", warmNow.Outcomes, warmNow.Timings)
	}
	if r := followup(warmNow, lead.FollowupRepReminder).Reason; r != "contacted" {
		t.Errorf("the warm lead's reminder was cancelled for %q", r)
	}
	// Support staff send the same Update with the Temporal CLI, as the README shows.
	cli := exec.Command(filepath.Join("..", "bin", "temporal"), "workflow", "update", "execute",
		"--address", env.TemporalHostPort(), "--namespace", p.namespace,
		"--workflow-id", workflows.ConversationWorkflowID(warm), "--name", workflows.UpdateRecordOutcome, "--update-id", "support-"+run,
		"--input", fmt.Sprintf(`{"rep_id": %q, "outcome": "qualified", "idempotency_key": "support-%s", "by_admin": true}`, warmLead.Assignment.RepID, run))
	if out, err := cli.CombinedOutput(); err != nil {
		t.Fatalf("temporal workflow update execute: %v\n%s", err, out)
	}
	if l := p.lead(t, warmLead.LeadID); l.Status != lead.StatusQualified || len(l.Outcomes) != 2 {
		t.Errorf("after the CLI's outcome: %s with %d outcomes", l.Status, len(l.Outcomes))
	}

	// The opted-out customer: the alternatives (due 6 s after the summary) were cancelled, and a
	// later conversation of the same person gets nothing either.
	eventually(t, 20*time.Second, "the opt-out", func() (bool, string) {
		f := p.lead(t, quietLead.LeadID).Followups
		return len(f) == 2 && f[1].Status == lead.FollowupCancelled && f[1].Reason == "opted_out", fmt.Sprintf("%+v", f)
	})
	again := run + "-again"
	whatsapp(again, "m-1", "How much for 10 users?")
	if code := p.call(t, http.MethodPost, "/v1/conversations/"+again+"/close", adminKey, nil, nil); code != http.StatusAccepted {
		t.Fatalf("close: %d", code)
	}
	againLead := waitLead(t, p.system, again).Lead
	eventually(t, 20*time.Second, "the later lead's steps", func() (bool, string) {
		f := p.lead(t, againLead.LeadID).Followups
		return len(f) == 2 && f[0].Status == lead.FollowupCancelled && f[0].Reason == "opted_out", fmt.Sprintf("%+v", f)
	})
	if got := p.chatbot.to(quietLead.LeadID); len(got) != 1 {
		t.Errorf("the opted-out customer got %v", got)
	}
	if got := p.chatbot.to(againLead.LeadID); len(got) != 0 {
		t.Errorf("the opted-out customer's later lead sent %v", got)
	}
	if p.chatbot.bad != 0 {
		t.Errorf("%d customer messages were not signed right", p.chatbot.bad)
	}

	for name, conv := range map[string]string{"promises_hot_escalated": hot, "promises_contacted": warm, "promises_opted_out": quiet,
		"promises_acknowledged_snoozed": acked} {
		writeHistory(t, p.system, workflows.ConversationWorkflowID(conv), name+".json")
	}
}
