package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/leadflow/leadflow/bench/latency"
)

// durations and quantiles are the shared latency summary (bench/latency).
type (
	durations = latency.Durations
	quantiles = latency.Quantiles
)

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// --- CPU and memory of the processes, from /proc -------------------------------------------------

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every Linux we run on.
const clockTicks = 100

// component is a process the report names: the worker, the gateway, the Temporal server, the
// bench itself, and Postgres (a tree: the postmaster and its backends).
type component struct {
	name string
	pid  int
	tree bool
}

func (s *system) components() []component {
	return []component{{"worker", s.worker.PID(), false}, {"gateway", s.gateway.PID(), false},
		{"temporal", s.stack.Temporal.PID(), false}, {"postgres", s.stack.Postgres.PID(), true}, {"bench", os.Getpid(), false}}
}

// per1000 scales CPU seconds over n items to seconds per 1000 items.
func per1000(cpu map[string]float64, n int) map[string]float64 {
	out := make(map[string]float64, len(cpu))
	for k, v := range cpu {
		out[k] = round(v*1000/float64(max(n, 1)), 2)
	}
	return out
}

// meter takes the components' CPU time at both ends of a phase. Peak memory is the kernel's own
// high-water mark (VmHWM) for single processes; for Postgres, whose backends share buffers, it is
// the tree's proportional set size, sampled every two seconds. (Reading smaps is costly: sampling
// every process often made the bench the busiest process on the machine.)
type meter struct {
	comps    []component
	cpu0     map[string]float64
	peakMiB  map[string]float64
	mu       sync.Mutex
	stopping chan struct{}
	done     chan struct{}
}

func (s *system) startMeter(comps []component) *meter {
	m := &meter{comps: comps, cpu0: map[string]float64{}, peakMiB: map[string]float64{},
		stopping: make(chan struct{}), done: make(chan struct{})}
	for _, c := range m.comps {
		m.cpu0[c.name] = c.cpuSeconds()
	}
	go func() {
		defer close(m.done)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stopping:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *meter) sample() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.comps {
		if c.tree {
			m.peakMiB[c.name] = max(m.peakMiB[c.name], round(treePSSMiB(c.pid), 1))
		}
	}
}

// stop returns CPU seconds used since start and peak memory in MiB.
func (m *meter) stop() (cpu, peakMiB map[string]float64) {
	close(m.stopping)
	<-m.done
	m.sample()
	cpu = map[string]float64{}
	for _, c := range m.comps {
		cpu[c.name] = round(c.cpuSeconds()-m.cpu0[c.name], 2)
		if !c.tree {
			m.peakMiB[c.name] = round(highWaterMiB(c.pid), 1)
		}
	}
	return cpu, m.peakMiB
}

func (c component) cpuSeconds() float64 {
	pids := []int{c.pid}
	if c.tree {
		pids = tree(c.pid)
	}
	var ticks int64
	for _, p := range pids {
		f := statFields(p)
		if len(f) < 15 {
			continue
		}
		for _, k := range []int{11, 12, 13, 14} {
			v, _ := strconv.ParseInt(f[k], 10, 64)
			ticks += v
		}
	}
	return float64(ticks) / clockTicks
}

// highWaterMiB is a process's peak resident set size since it started.
func highWaterMiB(pid int) float64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return float64(v) / 1024
		}
	}
	return 0
}

// tree is pid and its descendants.
func tree(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := statFields(p); len(f) > 1 {
			if pp, err := strconv.Atoi(f[1]); err == nil {
				children[pp] = append(children[pp], p)
			}
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// statFields are /proc/<pid>/stat's fields after the command name: [0] is the state, [1] the
// parent, [11..14] utime, stime, cutime, cstime.
func statFields(pid int) []string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

func treePSSMiB(pid int) float64 {
	var kib int64
	for _, p := range tree(pid) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p), "smaps_rollup"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
				v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				kib += v
			}
		}
	}
	return float64(kib) / 1024
}

// --- database ------------------------------------------------------------------------------------

// dbStats is what Leadflow asked of Postgres during a phase (the bench's own queries excluded).
type dbStats struct {
	Statements   int64 `json:"statements"`
	Transactions int64 `json:"transactions"`
	// PlanMS and ExecMS are Postgres' time planning and running all of them over the phase.
	PlanMS float64         `json:"plan_ms"`
	ExecMS float64         `json:"exec_ms"`
	Top    []statementStat `json:"top_statements"`
}

type statementStat struct {
	Calls int64 `json:"calls"`
	// PlanMS and ExecMS are the time Postgres spent planning and running the statement over the
	// phase, all calls.
	PlanMS float64 `json:"plan_ms"`
	ExecMS float64 `json:"exec_ms"`
	Query  string  `json:"query"`
}

func (s *system) resetDBStats(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "SELECT pg_stat_statements_reset()"); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, "SELECT pg_stat_reset()")
	return err
}

func (s *system) dbStats(ctx context.Context) (dbStats, error) {
	var st dbStats
	const ours = `dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND query NOT LIKE '%leadflow-bench%' AND query NOT LIKE '%pg_stat%'`
	if err := s.db.QueryRowContext(ctx, `/* leadflow-bench */ SELECT coalesce(sum(calls), 0)::bigint,
		coalesce(sum(total_plan_time), 0)::float8, coalesce(sum(total_exec_time), 0)::float8
		FROM pg_stat_statements WHERE `+ours).Scan(&st.Statements, &st.PlanMS, &st.ExecMS); err != nil {
		return st, fmt.Errorf("pg_stat_statements: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `/* leadflow-bench */ SELECT calls, round(total_plan_time::numeric, 1)::float8,
		round(total_exec_time::numeric, 1)::float8,
		regexp_replace(query, '\s+', ' ', 'g') FROM pg_stat_statements WHERE `+ours+` ORDER BY calls DESC LIMIT 30`)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var t statementStat
		if err := rows.Scan(&t.Calls, &t.PlanMS, &t.ExecMS, &t.Query); err != nil {
			return st, err
		}
		if len(t.Query) > 160 {
			t.Query = t.Query[:157] + "…"
		}
		st.Top = append(st.Top, t)
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	// Transactions the workers committed or rolled back; pg_stat_database lags by up to a
	// second (the stats collector's flush), which the bench's waits cover.
	err = s.db.GetContext(ctx, &st.Transactions, `/* leadflow-bench */ SELECT (xact_commit + xact_rollback)::bigint
		FROM pg_stat_database WHERE datname = current_database()`)
	return st, err
}

// --- workflow histories --------------------------------------------------------------------------

// historyStats are per-lead counts from a sample of the conversations' histories.
type historyStats struct {
	leads          int
	events         int
	workflowTasks  int
	activities     int
	localActivity  int
	updates        int
	timers         int
	firstSequence  []string // the first history's steps, in order
	searchAttrSets int
}

func (h historyStats) perLead(n int) float64 { return round(float64(n)/float64(max(h.leads, 1)), 2) }

// shape is the pipeline's sequence of steps, from a history.
func (h historyStats) shape() []string { return h.firstSequence }

// historyStats reads up to sample histories, spread over ids.
func (s *system) historyStats(ctx context.Context, ids []string, sample int) (historyStats, error) {
	var h historyStats
	step := max(1, len(ids)/sample)
	for i := 0; i < len(ids) && h.leads < sample; i += step {
		it := s.temporal.GetWorkflowHistory(ctx, ids[i], "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var seq []string
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return h, fmt.Errorf("history of %s: %w", ids[i], err)
			}
			h.events++
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				h.workflowTasks++
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				h.activities++
				seq = append(seq, stepActivity)
			case enumspb.EVENT_TYPE_MARKER_RECORDED:
				if e.GetMarkerRecordedEventAttributes().GetMarkerName() == "LocalActivity" {
					h.localActivity++
					seq = append(seq, stepLocal)
				}
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
				h.updates++
			case enumspb.EVENT_TYPE_TIMER_STARTED:
				h.timers++
			case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
				h.searchAttrSets++
			}
		}
		if h.leads == 0 {
			h.firstSequence = seq
		}
		h.leads++
	}
	if h.leads == 0 {
		return h, fmt.Errorf("no histories read")
	}
	return h, nil
}
