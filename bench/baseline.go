package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/leadflow/leadflow/internal/app"
)

// baselineQueue is the bare engine's task queue, served by a worker inside the bench with the
// production worker's options.
const baselineQueue = "leadflow-bench-baseline"

// Step kinds of a pipeline shape, as the histories show them.
const (
	stepActivity = "activity"
	stepLocal    = "local"
)

// BaselineNoop is the least a workflow can be: started, one workflow task, completed.
func BaselineNoop(workflow.Context) error { return nil }

// BaselineSteps runs no-op steps in the given order: plain activities (a task round trip through
// the server each) and local activities (run inside the workflow task, recorded as markers).
func BaselineSteps(ctx workflow.Context, steps []string) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 30 * time.Second})
	for _, s := range steps {
		var f workflow.Future
		if s == stepLocal {
			f = workflow.ExecuteLocalActivity(ctx, NoopStep)
		} else {
			f = workflow.ExecuteActivity(ctx, NoopStep)
		}
		if err := f.Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// NoopStep does nothing: what is measured is the engine carrying it.
func NoopStep(context.Context) error { return nil }

// baselineResult is one shape of the bare engine at one concurrency.
type baselineResult struct {
	Name               string    `json:"name"`
	Steps              []string  `json:"steps"`
	Concurrency        int       `json:"concurrency"`
	Workflows          int       `json:"workflows"`
	WorkflowsPerSecond float64   `json:"workflows_per_second"`
	LatencyMS          quantiles `json:"latency_ms"`
	// CPUSecondsPer1000 is the Temporal server's and the bench's (starter and worker) CPU.
	CPUSecondsPer1000 map[string]float64 `json:"cpu_seconds_per_1000_workflows"`
}

// baselineSpec is one shape of the bare engine to run.
type baselineSpec struct {
	name        string
	steps       []string // nil: the no-op workflow
	concurrency int
	n           int
}

// runBaselines runs the specs in order on the same server as the pipeline, with a worker that
// has the production worker's options.
func (s *system) runBaselines(ctx context.Context, specs []baselineSpec) ([]baselineResult, error) {
	w := worker.New(s.temporal, baselineQueue, app.WorkerOptions())
	w.RegisterWorkflow(BaselineNoop)
	w.RegisterWorkflow(BaselineSteps)
	w.RegisterActivity(NoopStep)
	if err := w.Start(); err != nil {
		return nil, err
	}
	defer w.Stop()

	var out []baselineResult
	for _, b := range specs {
		r, err := s.runBaseline(ctx, b.name, b.steps, b.concurrency, b.n)
		if err != nil {
			return nil, err
		}
		logf("  %-22s %7.1f workflows/s, p50 %.1f ms", b.name, r.WorkflowsPerSecond, r.LatencyMS.P50)
		out = append(out, r)
	}
	return out, nil
}

func (s *system) runBaseline(ctx context.Context, name string, steps []string, concurrency, n int) (baselineResult, error) {
	var (
		next    atomic.Int64
		mu      sync.Mutex
		latency durations
		firstEr error
		wg      sync.WaitGroup
	)
	m := s.startMeter([]component{{"temporal", s.stack.Temporal.PID(), false}, {"bench", os.Getpid(), false}})
	begin := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine durations
			for {
				i := next.Add(1)
				if i > int64(n) || ctx.Err() != nil {
					break
				}
				opts := client.StartWorkflowOptions{ID: fmt.Sprintf("bench-baseline-%s-%d", name, i), TaskQueue: baselineQueue}
				var wf any = BaselineNoop
				args := []any{}
				if steps != nil {
					wf, args = BaselineSteps, []any{steps}
				}
				t0 := time.Now()
				run, err := s.temporal.ExecuteWorkflow(ctx, opts, wf, args...)
				if err == nil {
					err = run.Get(ctx, nil)
				}
				if err != nil {
					mu.Lock()
					firstEr = err
					mu.Unlock()
					break
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latency = append(latency, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	cpu, _ := m.stop()
	if firstEr != nil {
		return baselineResult{}, fmt.Errorf("%s: %w", name, firstEr)
	}
	if err := ctx.Err(); err != nil {
		return baselineResult{}, err
	}
	if steps == nil {
		steps = []string{}
	}
	return baselineResult{Name: name, Steps: steps, Concurrency: concurrency, Workflows: len(latency),
		WorkflowsPerSecond: round(float64(len(latency))/elapsed.Seconds(), 1), LatencyMS: latency.Summary(),
		CPUSecondsPer1000: per1000(cpu, len(latency))}, nil
}

func shapeString(steps []string) string {
	if len(steps) == 0 {
		return "no steps"
	}
	return strings.Join(steps, " → ")
}
