package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/workflows"
)

// TestHistoryStaysLean checks, on the real server, what RevisionLean promises support staff and
// the engine: a conversation of several messages arms one quiet-period timer (not one per message),
// its search attributes are written once, when the lead is assigned (the gateway set the rest at
// start), and the close is a signal. docs/performance.md measures what this saves.
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
	if n := counts[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]; n != len(texts) {
		t.Errorf("%d updates accepted, want one per message (%d)", n, len(texts))
	}
	if n := counts[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]; n != 1 {
		t.Errorf("%d signals, want the close", n)
	}
	if n := counts[enumspb.EVENT_TYPE_TIMER_STARTED]; n != 1 {
		t.Errorf("%d quiet-period timers started while collecting %d messages, want 1", n, len(texts))
	}
	if n := counts[enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]; n != 0 {
		t.Errorf("%d search-attribute upserts while collecting, want none (the gateway set them at start)", n)
	}
}
