package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadflow/leadflow/bench/latency"
)

// report is bench/out/latest.json. The first keys are the ones the issue tracker names.
type report struct {
	LeadsPerSecond             float64   `json:"leads_per_second"`
	BaselineWorkflowsPerSecond float64   `json:"baseline_workflows_per_second"`
	Ratio                      float64   `json:"ratio"`
	SpeedToLead                quantiles `json:"speed_to_lead_ms"`
	LightLoadSpeedToLead       quantiles `json:"light_load_speed_to_lead_ms"`
	Ack                        quantiles `json:"ack_ms"` // the first message of each conversation
	HistoryEventsPerLead       float64   `json:"history_events_per_lead"`

	LightLoadAck           quantiles          `json:"light_load_ack_ms"`
	AllMessagesAck         quantiles          `json:"all_messages_ack_ms"`
	CloseAck               quantiles          `json:"close_ack_ms"`
	WorkflowTasksPerLead   float64            `json:"workflow_tasks_per_lead"`
	ActivitiesPerLead      float64            `json:"activities_per_lead"`
	LocalActivitiesPerLead float64            `json:"local_activities_per_lead"`
	UpdatesPerLead         float64            `json:"updates_per_lead"`
	TimersPerLead          float64            `json:"timers_per_lead"`
	UpsertsPerLead         float64            `json:"search_attribute_upserts_per_lead"`
	PipelineSteps          []string           `json:"pipeline_steps"`
	CPUSecondsPer1000Leads map[string]float64 `json:"cpu_seconds_per_1000_leads"`
	PeakMemoryMiB          map[string]float64 `json:"peak_memory_mib"`
	DBRoundTripsPerLead    float64            `json:"db_round_trips_per_lead"`
	DBStatementsPerLead    float64            `json:"db_statements_per_lead"`
	DBTransactionsPerLead  float64            `json:"db_transactions_per_lead"`
	// DBPlanMSPerLead and DBExecMSPerLead are Postgres' time per lead planning and running
	// statements (wall time inside Postgres, waits for locks included).
	DBPlanMSPerLead    float64          `json:"db_plan_ms_per_lead"`
	DBExecMSPerLead    float64          `json:"db_exec_ms_per_lead"`
	TopStatements      []statementStat  `json:"top_statements"`
	Baselines          []baselineResult `json:"baselines"`
	Rounds             []roundReport    `json:"rounds"`
	Leads              int              `json:"leads"`
	ReturningCustomers int              `json:"returning_customers"`
	Duplicates         int              `json:"duplicate_acks"`
	WebhooksDelivered  int64            `json:"webhooks_delivered"`
	HistoriesSampled   int              `json:"histories_sampled"`
	Extractor          string           `json:"extractor"`
	LLMRequests        int64            `json:"llm_requests"`
	Params             map[string]any   `json:"params"`
	Machine            map[string]any   `json:"machine"`
	StartedAt          time.Time        `json:"started_at"`
	DurationSeconds    float64          `json:"duration_seconds"`
}

func reportParams(p params) map[string]any {
	return map[string]any{"n": p.N, "c": p.C, "rounds": p.Rounds, "light": p.Light, "baseline_n": p.BaselineN, "repeat_share": p.RepeatShare,
		"llm_latency_ms": latency.MS(p.LLMLatency), "seed": p.Seed, "history_sample": p.Sample,
		"temporal_dynamic_config": "history.transferProcessorMaxPollRPS=1000 (both the baseline and the pipeline)",
		"postgres":                "fsync, full_page_writes and synchronous_commit on"}
}

func (r *report) fillLoad(l *loadResult, convs []conversation) {
	r.Leads = l.conversations
	r.LeadsPerSecond = round(float64(l.conversations)/l.elapsed.Seconds(), 1)
	r.SpeedToLead = l.speedToLead.Summary()
	r.Ack = l.firstAck.Summary()
	r.AllMessagesAck = l.ack.Summary()
	r.CloseAck = l.closeAck.Summary()
	r.Duplicates = l.duplicates
	r.WebhooksDelivered = l.webhooks
	for _, c := range convs {
		if c.Repeat {
			r.ReturningCustomers++
		}
	}
	r.CPUSecondsPer1000Leads = per1000(l.cpu, l.conversations)
	r.PeakMemoryMiB = l.peakMemoryMiB
	r.DBStatementsPerLead = round(float64(l.db.Statements)/float64(l.conversations), 1)
	r.DBTransactionsPerLead = round(float64(l.db.Transactions)/float64(l.conversations), 1)
	r.DBPlanMSPerLead = round(l.db.PlanMS/float64(l.conversations), 2)
	r.DBExecMSPerLead = round(l.db.ExecMS/float64(l.conversations), 2)
	r.TopStatements = l.db.Top
}

func (r *report) fillHistory(h historyStats) {
	r.HistoriesSampled = h.leads
	r.HistoryEventsPerLead = h.perLead(h.events)
	r.WorkflowTasksPerLead = h.perLead(h.workflowTasks)
	r.ActivitiesPerLead = h.perLead(h.activities)
	r.LocalActivitiesPerLead = h.perLead(h.localActivity)
	r.UpdatesPerLead = h.perLead(h.updates)
	r.TimersPerLead = h.perLead(h.timers)
	r.UpsertsPerLead = h.perLead(h.searchAttrSets)
}

// print writes the report as a table for people.
func (r *report) print(out io.Writer) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(k, v string, args ...any) { fmt.Fprintf(w, "%s\t"+v+"\n", append([]any{k}, args...)...) }
	qs := func(q quantiles) string {
		return fmt.Sprintf("p50 %.1f  p95 %.1f  p99 %.1f  max %.1f ms", q.P50, q.P95, q.P99, q.Max)
	}

	fmt.Fprintln(w, "\nLeadflow benchmark\t")
	fmt.Fprintln(w, "------------------\t")
	row("leads per second", "%.1f  (%d conversations at concurrency %v, %d returning customers)", r.LeadsPerSecond, r.Leads, r.Params["c"], r.ReturningCustomers)
	for _, b := range r.Baselines {
		row("bare engine: "+b.Name, "%.1f workflows/s at concurrency %d; %s; latency %s; CPU s/1000: %s",
			b.WorkflowsPerSecond, b.Concurrency, shapeString(b.Steps), qs(b.LatencyMS), kv(b.CPUSecondsPer1000, "%.1f"))
	}
	for i, rr := range r.Rounds {
		row(fmt.Sprintf("pipeline round %d", i+1), "%.1f leads/s (%d); bare engine before / after %.1f / %.1f workflows/s; ratio %.2f",
			rr.LeadsPerSecond, rr.Leads, rr.BaselineBefore, rr.BaselineAfter, rr.Ratio)
	}
	row("ratio (leads / pipeline-shape workflows around each round)", "%.2f  (baseline %.1f/s)", r.Ratio, r.BaselineWorkflowsPerSecond)
	row("speed to lead under load", "%s", qs(r.SpeedToLead))
	row("speed to lead, light load (c=1)", "%s", qs(r.LightLoadSpeedToLead))
	row("ack of the first message", "%s", qs(r.Ack))
	row("ack of the first message, light load", "%s", qs(r.LightLoadAck))
	row("ack of every message / of close", "%s / %s", qs(r.AllMessagesAck), qs(r.CloseAck))
	row("per lead: history events, workflow tasks", "%.1f, %.1f", r.HistoryEventsPerLead, r.WorkflowTasksPerLead)
	row("per lead: activities, local activities, updates", "%.1f, %.1f, %.1f", r.ActivitiesPerLead, r.LocalActivitiesPerLead, r.UpdatesPerLead)
	row("per lead: timers started, search-attribute upserts", "%.1f, %.1f", r.TimersPerLead, r.UpsertsPerLead)
	row("per lead: db round trips, statements, transactions", "%.1f, %.1f, %.1f", r.DBRoundTripsPerLead, r.DBStatementsPerLead, r.DBTransactionsPerLead)
	row("per lead: ms in Postgres planning, running statements", "%.2f, %.2f", r.DBPlanMSPerLead, r.DBExecMSPerLead)
	row("CPU seconds per 1000 leads", "%s", kv(r.CPUSecondsPer1000Leads, "%.1f"))
	row("peak memory, MiB (RSS high-water; Postgres: PSS)", "%s", kv(r.PeakMemoryMiB, "%.0f"))
	row("rep webhooks delivered", "%d", r.WebhooksDelivered)
	row("extractor, LLM requests", "%s, %d", r.Extractor, r.LLMRequests)
	row("run took", "%.0f s", r.DurationSeconds)
	_ = w.Flush()
}

func kv(m map[string]float64, format string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s "+format, k, m[k])
	}
	return strings.Join(parts, ", ")
}
