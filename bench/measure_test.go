package main

import (
	"encoding/json"
	"testing"
)

// The keys the issue tracker and docs/performance.md read must stay in latest.json.
func TestReportCarriesTheDocumentedKeys(t *testing.T) {
	b, err := json.Marshal(&report{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"leads_per_second", "baseline_workflows_per_second", "ratio", "speed_to_lead_ms",
		"light_load_speed_to_lead_ms", "ack_ms", "history_events_per_lead", "workflow_tasks_per_lead",
		"activities_per_lead", "local_activities_per_lead", "cpu_seconds_per_1000_leads", "peak_memory_mib",
		"db_round_trips_per_lead", "db_statements_per_lead", "baselines"} {
		if _, ok := m[k]; !ok {
			t.Errorf("latest.json lacks %q", k)
		}
	}
	var q map[string]float64
	if err := json.Unmarshal(m["speed_to_lead_ms"], &q); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"p50", "p95", "p99"} {
		if _, ok := q[k]; !ok {
			t.Errorf("speed_to_lead_ms lacks %q", k)
		}
	}
}

func TestStatFieldsSkipTheCommandName(t *testing.T) {
	f := statFields(1) // init's command may contain spaces and parentheses; the parse must not care
	if len(f) < 15 {
		t.Skipf("no /proc/1/stat here: %v", f)
	}
	if f[0] == "" || len(f[0]) != 1 {
		t.Errorf("state field %q", f[0])
	}
}
