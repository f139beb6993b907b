package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/workflows"
)

// TestHistoryStaysLean checks, on the real server, what RevisionLean promises support staff and
// the engine: a conversation of several messages arms one quiet-period timer (not one per message),
// its search attributes are written once, when the lead is assigned (the gateway set the rest at
// start), and the close is an Update. docs/performance.md measures what this saves.
func TestHistoryStaysLean(t *testing.T) {
	s := stack(t)
	seedTeams(t, s)
	convID := uniqueID("lean")
	texts := []string{"Hi, I'm Tom Walker from Kestrel Labs.", "We need a demo for 20 agents.", "Call me on 07912 345678.", "Thanks!"}
	for i, text := range texts {
		m := map[string]any{"message_id": fmt.Sprintf("m-%d", i), "channel": "web", "role": "customer", "text": text,
			"context": map[string]any{"country": "GB"}}
		if code := s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, m, nil); code != http.StatusAccepted {
			t.Fatalf("message %d: %d", i, code)
		}
	}
	s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/close", adminKey, nil, nil)
	if v := waitSettled(t, s, convID); v.Status != lead.StatusAssigned {
		t.Fatalf("want assigned, got %s", v.Status)
	}

	counts := map[enumspb.EventType]int{}
	iter := s.temporal.GetWorkflowHistory(context.Background(), workflows.ConversationWorkflowID(convID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		counts[e.GetEventType()]++
		if e.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED {
			break // the pipeline started: what came before is the collecting
		}
	}
	if n := counts[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]; n != len(texts)+1 {
		t.Errorf("%d updates accepted, want one per message (%d) and the close", n, len(texts))
	}
	if n := counts[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]; n != 0 {
		t.Errorf("%d signals, want none (the close is an Update)", n)
	}
	// What support staff send by hand is still served: a second conversation closed by the signal.
	closedBySignal(t, s)
	if n := counts[enumspb.EVENT_TYPE_TIMER_STARTED]; n != 1 {
		t.Errorf("%d quiet-period timers started while collecting %d messages, want 1", n, len(texts))
	}
	if n := counts[enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]; n != 0 {
		t.Errorf("%d search-attribute upserts while collecting, want none (the gateway set them at start)", n)
	}
	assertNoVersionMarker(t, s, workflows.ConversationWorkflowID(convID))
}

// assertNoVersionMarker checks RevisionPromises on the real server: a new run keeps its promises
// without a GetVersion marker, and so without the TemporalChangeVersion search attribute the SDK
// upserts beside one; the pipeline's only upsert is the assignment's.
func assertNoVersionMarker(t *testing.T, s *system, workflowID string) {
	t.Helper()
	var markers, upserts []string
	for deadline := time.Now().Add(15 * time.Second); ; {
		markers, upserts = nil, nil
		notified := false
		iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			e, err := iter.Next()
			if err != nil {
				t.Fatal(err)
			}
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_MARKER_RECORDED:
				markers = append(markers, e.GetMarkerRecordedEventAttributes().GetMarkerName())
			case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
				upserts = append(upserts, strings.Join(slices.Sorted(maps.Keys(
					e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields())), ","))
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				notified = notified || e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == "NotifyRep"
			}
		}
		if notified {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the rep was never notified")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !slices.Equal(markers, []string{"LocalActivity"}) {
		t.Errorf("markers %v, want only scoring's local activity (no GetVersion marker)", markers)
	}
	if len(upserts) != 1 || strings.Contains(upserts[0], "TemporalChangeVersion") {
		t.Errorf("search-attribute upserts %v, want the assignment's alone", upserts)
	}
}

// closedBySignal closes a conversation with the close signal, as `temporal workflow signal --name
// close` does, and waits for its lead.
func closedBySignal(t *testing.T, s *system) {
	t.Helper()
	convID := uniqueID("signal")
	m := map[string]any{"message_id": "m-1", "channel": "web", "role": "customer",
		"text": "I'm Ana Lopez, ana@lopez-dental.example, we need a quote for 3 clinics.", "context": map[string]any{"country": "ES"}}
	if code := s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, m, nil); code != http.StatusAccepted {
		t.Fatalf("message: %d", code)
	}
	if err := s.temporal.SignalWorkflow(context.Background(), workflows.ConversationWorkflowID(convID), "", workflows.SignalClose, workflows.CloseInput{}); err != nil {
		t.Fatal(err)
	}
	if v := waitSettled(t, s, convID); v.Status != lead.StatusAssigned {
		t.Fatalf("closed by the signal: want assigned, got %s", v.Status)
	}
}
