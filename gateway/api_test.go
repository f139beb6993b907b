package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/localstack"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/temporalx"
	"github.com/leadflow/leadflow/workflows"
)

// updateHistories rewrites the histories the workflows package replays: run
// `go test ./gateway -run TestOutcomes -update-histories` after a deliberate, versioned workflow change.
var updateHistories = flag.Bool("update-histories", false, "write completed workflow histories to workflows/testdata/histories")

// writeHistory saves a completed run's history for the replay test, when asked to.
func writeHistory(t *testing.T, s *system, workflowID, name string) {
	t.Helper()
	if !*updateHistories {
		return
	}
	hist := &historypb.History{}
	iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, e)
	}
	raw, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	// Named by revision: the runs of every earlier revision must keep replaying.
	name = fmt.Sprintf("revision%d_%s", workflows.CurrentRevision, name)
	if err := os.WriteFile(filepath.Join("..", "workflows", "testdata", "histories", name), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

type errorView struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func validMessage() map[string]any {
	return map[string]any{"message_id": "m-1", "channel": "web", "role": "customer", "text": "Hi, demo please, +44 20 7946 0018"}
}

func TestAuthAndInputErrors(t *testing.T) {
	s := stack(t)
	var created struct {
		Key   string `json:"key"`
		KeyID string `json:"key_id"`
	}
	if code := s.call(t, http.MethodPost, "/v1/api-keys", adminKey, map[string]any{"name": "chatbot", "scopes": []string{"ingest"}}, &created); code != http.StatusCreated || created.Key == "" || created.KeyID == "" {
		t.Fatalf("create key: %d %+v", code, created)
	}
	ingestKey := created.Key
	conv := "/v1/conversations/" + uniqueID("auth") + "/messages"

	tests := []struct {
		name, method, path, key string
		body                    any
		contentType             string
		wantStatus              int
		wantCode, wantField     string
	}{
		{"no key", http.MethodPost, conv, "", validMessage(), "", 401, "unauthenticated", ""},
		{"unknown key", http.MethodPost, conv, "lf_nope", validMessage(), "", 401, "unauthenticated", ""},
		{"ingest key on admin route", http.MethodGet, "/v1/teams", ingestKey, nil, "", 403, "forbidden", ""},
		{"ingest key reading leads", http.MethodGet, "/v1/leads", ingestKey, nil, "", 403, "forbidden", ""},
		{"bad json", http.MethodPost, conv, ingestKey, `{"message_id": `, "", 400, "bad_json", ""},
		{"wrong type", http.MethodPost, conv, ingestKey, `{"message_id": 5}`, "", 400, "invalid_type", "message_id"},
		{"wrong content type", http.MethodPost, conv, ingestKey, `{}`, "text/plain", 415, "unsupported_media_type", ""},
		{"too large", http.MethodPost, conv, ingestKey, `{"text": "` + strings.Repeat("a", 70<<10) + `"}`, "", 413, "body_too_large", ""},
		{"bad channel", http.MethodPost, conv, ingestKey, map[string]any{"message_id": "m", "channel": "sms", "role": "customer", "text": "x"}, "", 422, "invalid_enum", "channel"},
		{"empty text", http.MethodPost, conv, ingestKey, map[string]any{"message_id": "m", "channel": "web", "role": "customer", "text": ""}, "", 422, "required", "text"},
		{"text over 16 KiB", http.MethodPost, conv, ingestKey, map[string]any{"message_id": "m", "channel": "web", "role": "customer", "text": strings.Repeat("é", 9000)}, "", 422, "too_long", "text"},
		{"bad country", http.MethodPost, conv, ingestKey, map[string]any{"message_id": "m", "channel": "web", "role": "customer", "text": "x", "context": map[string]any{"country": "Iran"}}, "", 422, "invalid_country", "context.country"},
		{"bad conversation id", http.MethodPost, "/v1/conversations/bad%20id/messages", ingestKey, validMessage(), "", 400, "invalid_id", "conversation_id"},
		{"unknown conversation", http.MethodGet, "/v1/conversations/" + uniqueID("none"), adminKey, nil, "", 404, "not_found", ""},
		{"close unknown conversation", http.MethodPost, "/v1/conversations/" + uniqueID("none") + "/close", adminKey, nil, "", 404, "not_found", ""},
		{"unknown lead", http.MethodGet, "/v1/leads/ld_none", adminKey, nil, "", 404, "not_found", ""},
		{"bad limit", http.MethodGet, "/v1/leads?limit=0", adminKey, nil, "", 400, "invalid_limit", "limit"},
		{"bad cursor", http.MethodGet, "/v1/leads?cursor=zzz", adminKey, nil, "", 400, "invalid_cursor", "cursor"},
		{"rep in unknown team", http.MethodPut, "/v1/reps/rep-x", adminKey, map[string]any{"name": "X", "team_id": "no-such-team"}, "", 422, "unknown_team", "team_id"},
		{"bad working hours", http.MethodPut, "/v1/reps/rep-x", adminKey, map[string]any{"name": "X", "team_id": "t", "working_hours": map[string]any{"mon": []string{"17:00-25:00"}}}, "", 422, "invalid_hours", "working_hours.mon"},
		{"bad rep slack url", http.MethodPut, "/v1/reps/rep-x", adminKey, map[string]any{"name": "X", "team_id": "t", "notify": map[string]any{"slack_webhook_url": "hooks.slack.com/services/x"}}, "", 422, "invalid_url", "notify.slack_webhook_url"},
		{"bad rep telegram chat", http.MethodPut, "/v1/reps/rep-x", adminKey, map[string]any{"name": "X", "team_id": "t", "notify": map[string]any{"telegram_chat_id": "+44 20 7946 0018"}}, "", 422, "invalid_notify", "notify.telegram_chat_id"},
		{"bad team language", http.MethodPut, "/v1/teams/t", adminKey, map[string]any{"name": "T", "languages": []string{"farsi"}}, "", 422, "invalid_code", "languages[0]"},
		{"bad scope", http.MethodPost, "/v1/api-keys", adminKey, map[string]any{"name": "x", "scopes": []string{"root"}}, "", 422, "invalid_enum", "scopes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, raw := s.do(t, tt.method, tt.path, tt.key, tt.body, tt.contentType)
			var body errorView
			decode(t, raw, &body)
			if code != tt.wantStatus || body.Error.Code != tt.wantCode || body.Error.Field != tt.wantField {
				t.Fatalf("got %d %+v, want %d %s field %q", code, body.Error, tt.wantStatus, tt.wantCode, tt.wantField)
			}
			if body.Error.Message == "" {
				t.Fatal("error without a message")
			}
		})
	}
	// Nothing that was refused started a workflow.
	var v conversationView
	if code := s.call(t, http.MethodGet, strings.TrimSuffix(conv, "/messages"), adminKey, nil, &v); code != http.StatusNotFound {
		t.Fatalf("a refused message must write nothing, but the conversation exists: %d", code)
	}
	// The new key works for what it may do.
	var ok messageResponse
	if code := s.call(t, http.MethodPost, conv, ingestKey, validMessage(), &ok); code != http.StatusAccepted || ok.Status != "accepted" {
		t.Fatalf("ingest with the new key: %d %+v", code, ok)
	}
}

func TestOutcomesThroughTheAPI(t *testing.T) {
	s := stack(t)
	for _, p := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/teams/oc-team", map[string]any{"name": "Outcome desk", "languages": []string{"tr"}, "priority": 100, "manager_rep_id": "oc-mgr"}},
		{"/v1/reps/oc-rep-a", map[string]any{"name": "A", "team_id": "oc-team", "languages": []string{"tr"}}},
		{"/v1/reps/oc-mgr", map[string]any{"name": "Manager", "team_id": "oc-team", "active": false}},
	} {
		if code := s.call(t, http.MethodPut, p.path, adminKey, p.body, nil); code != http.StatusOK {
			t.Fatalf("PUT %s: %d", p.path, code)
		}
	}
	var repKey struct {
		Key string `json:"key"`
	}
	s.call(t, http.MethodPost, "/v1/api-keys", adminKey, map[string]any{"name": "crm", "scopes": []string{"rep"}}, &repKey)

	convID := uniqueID("tr")
	msg := map[string]any{"message_id": "m-1", "channel": "whatsapp", "role": "customer",
		"text":    "Merhaba, benim adım Ayşe Yılmaz. Fiyat teklifi istiyorum, beni 0532 123 45 67 numarasından arayın.",
		"context": map[string]any{"country": "tr"}}
	s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, msg, nil)
	s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/close", adminKey, nil, nil)
	v := waitSettled(t, s, convID)
	if v.Status != lead.StatusAssigned || v.Lead == nil || v.Lead.Assignment.RepID != "oc-rep-a" {
		t.Fatalf("want the Turkish lead assigned to oc-rep-a, got %s %+v", v.Status, v.Lead)
	}
	skipped := v.Lead.Assignment.Skipped
	if len(skipped) != 1 || skipped[0].RepID != "oc-mgr" || skipped[0].Reason != "inactive" {
		t.Errorf("inactive manager must be reported as skipped, got %+v", skipped)
	}
	leadPath := "/v1/leads/" + v.Lead.LeadID + "/outcome"

	var errBody errorView
	if code := s.call(t, http.MethodPost, leadPath, repKey.Key, map[string]any{"rep_id": "oc-mgr", "outcome": "contacted"}, &errBody); code != http.StatusForbidden {
		t.Fatalf("another rep with a rep key: want 403, got %d %+v", code, errBody)
	}
	if code := s.call(t, http.MethodPost, leadPath, repKey.Key, map[string]any{"rep_id": "oc-rep-a", "outcome": "called"}, &errBody); code != http.StatusUnprocessableEntity || errBody.Error.Field != "outcome" {
		t.Fatalf("unknown outcome: want 422 on outcome, got %d %+v", code, errBody)
	}
	var got lead.Lead
	if code := s.call(t, http.MethodPost, leadPath, repKey.Key, map[string]any{"rep_id": "oc-rep-a", "outcome": "contacted", "note": "demo booked", "idempotency_key": "evt-1"}, &got); code != http.StatusOK || got.Status != lead.StatusContacted {
		t.Fatalf("contacted: %d %s", code, got.Status)
	}
	callDone := false
	for _, f := range got.Followups {
		callDone = callDone || (f.Kind == lead.FollowupCallTask && f.Status == lead.FollowupDone)
	}
	if got.Timings.FirstTouchAt == nil || len(got.Outcomes) != 1 || !callDone {
		t.Errorf("contacted must record first touch, the outcome and close the call task: %+v %+v %+v", got.Timings, got.Outcomes, got.Followups)
	}
	if code := s.call(t, http.MethodPost, leadPath, repKey.Key, map[string]any{"rep_id": "oc-rep-a", "outcome": "contacted", "idempotency_key": "evt-1"}, &got); code != http.StatusOK || len(got.Outcomes) != 1 {
		t.Fatalf("repeated idempotency key must change nothing: %d, %d outcomes", code, len(got.Outcomes))
	}
	if code := s.call(t, http.MethodPost, leadPath, repKey.Key, map[string]any{"rep_id": "oc-rep-a", "outcome": "won", "amount": 1200, "idempotency_key": "evt-2"}, &got); code != http.StatusOK || got.Status != lead.StatusWon {
		t.Fatalf("won: %d %s", code, got.Status)
	}
	if code := s.call(t, http.MethodPost, leadPath, repKey.Key, map[string]any{"rep_id": "oc-rep-a", "outcome": "contacted", "idempotency_key": "evt-3"}, &errBody); code != http.StatusConflict {
		t.Fatalf("anything after won: want 409, got %d %+v", code, errBody)
	}
	if code := s.call(t, http.MethodPost, leadPath, repKey.Key, map[string]any{"rep_id": "oc-rep-a", "outcome": "won", "idempotency_key": "evt-2"}, &got); code != http.StatusOK || got.Status != lead.StatusWon {
		t.Fatalf("repeated key after won must give the first answer: %d", code)
	}

	writeHistory(t, s, workflows.ConversationWorkflowID(convID), "assigned_contacted_won.json")

	// The rep's lead list, and the run as support staff see it: readable search attributes, no
	// personal data in the workflow id or the attributes.
	var list struct {
		Leads []lead.Lead `json:"leads"`
	}
	if code := s.call(t, http.MethodGet, "/v1/leads?rep_id=oc-rep-a&status=won", repKey.Key, nil, &list); code != http.StatusOK || len(list.Leads) != 1 || list.Leads[0].LeadID != got.LeadID {
		t.Fatalf("list by rep and status: %d %+v", code, list.Leads)
	}
	desc, err := s.temporal.DescribeWorkflowExecution(context.Background(), workflows.ConversationWorkflowID(convID), "")
	if err != nil {
		t.Fatal(err)
	}
	attrs := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	for _, name := range []string{"LeadStatus", "LeadTier", "LeadScore", "TeamID", "RepID", "Channel", "Intent", "Language", "SLABreached"} {
		if _, ok := attrs[name]; !ok {
			t.Errorf("search attribute %s not set", name)
		}
	}
	for name, p := range attrs {
		if strings.Contains(string(p.GetData()), "532") || strings.Contains(string(p.GetData()), "Ayşe") {
			t.Errorf("search attribute %s carries personal data", name)
		}
	}

	// The customer writes again after the run completed: the gateway, which last sent this
	// conversation a plain Update, finds the run closed and starts a new one; the lead is
	// updated, never duplicated, and keeps the rep's outcome.
	again := map[string]any{"message_id": "m-2", "channel": "whatsapp", "role": "customer", "text": "Teklif için tekrar yazıyorum."}
	if code := s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, again, nil); code != http.StatusAccepted {
		t.Fatalf("message after the run completed: %d, want 202", code)
	}
	if code := s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, again, nil); code != http.StatusOK {
		t.Fatalf("the same message again: %d, want 200 duplicate", code)
	}
	s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/close", adminKey, nil, nil)
	waitSettled(t, s, convID)
	if code := s.call(t, http.MethodGet, "/v1/leads?rep_id=oc-rep-a&status=won", repKey.Key, nil, &list); code != http.StatusOK || len(list.Leads) != 1 || list.Leads[0].LeadID != got.LeadID {
		t.Fatalf("after the reopening, want the one lead still won: %d %+v", code, list.Leads)
	}
}

func TestOperationsRoutes(t *testing.T) {
	s := stack(t)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/v1/openapi.json": 200} {
		if code := s.call(t, http.MethodGet, path, "", nil, nil); code != want {
			t.Errorf("GET %s: %d, want %d", path, code, want)
		}
	}
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	s.call(t, http.MethodGet, "/v1/openapi.json", "", nil, &doc)
	// Every route the router serves is documented, with its method.
	router := NewRouter(Deps{Store: s.store, Temporal: s.temporal, Logger: slog.New(slog.DiscardHandler)})
	for _, r := range router.Routes() {
		path := regexp.MustCompile(`:([a-z_]+)`).ReplaceAllString(r.Path, "{$1}")
		ops, ok := doc.Paths[path].(map[string]any)
		if _, has := ops[strings.ToLower(r.Method)]; !ok || !has {
			t.Errorf("openapi document lacks %s %s", r.Method, path)
		}
	}
}

// TestUnavailableBackends: with Temporal or Postgres unreachable the API answers 503 and accepts
// nothing, and /readyz says so.
func TestUnavailableBackends(t *testing.T) {
	s := stack(t)
	deadTemporal, err := temporalx.Lazy(temporalx.Options{HostPort: "127.0.0.1:1", Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer deadTemporal.Close()
	noTemporal := httptest.NewServer(NewRouter(Deps{Store: s.store, Temporal: deadTemporal, Logger: slog.New(slog.DiscardHandler)}))
	defer noTemporal.Close()
	down := &system{url: noTemporal.URL, store: s.store}
	var ev errorView
	code, raw := down.do(t, http.MethodPost, "/v1/conversations/"+uniqueID("down")+"/messages", adminKey, validMessage(), "")
	if decode(t, raw, &ev); code != http.StatusServiceUnavailable || ev.Error.Code != "unavailable" {
		t.Fatalf("temporal down: want 503 unavailable, got %d %s", code, raw)
	}
	if code, raw := down.do(t, http.MethodGet, "/readyz", "", nil, ""); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with temporal down: %d %s", code, raw)
	}

	// A Postgres of its own, stopped under the gateway.
	pg, err := localstack.StartPostgres(context.Background(), localstack.PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	noPG := httptest.NewServer(NewRouter(Deps{Store: st, Temporal: s.temporal, Logger: slog.New(slog.DiscardHandler)}))
	defer noPG.Close()
	down = &system{url: noPG.URL}
	if code, raw := down.do(t, http.MethodGet, "/v1/leads", adminKey, nil, ""); code != http.StatusServiceUnavailable {
		t.Fatalf("postgres down: want 503, got %d %s", code, raw)
	}
}
