// Command bench is `make bench`: it brings up its own Leadflow (Postgres with durable commits, the
// Temporal dev server, a fake OpenAI-compatible server, the worker and the gateway as separate
// processes) and measures, in one run and on one server:
//
//  1. light load: conversations one at a time through the gateway, for speed to lead without
//     queueing; their histories also tell the shape of the pipeline (plain and local activities);
//  2. the bare engine: a no-op workflow and a workflow of no-op steps of exactly that shape, started
//     through the same client and worker settings;
//  3. the pipeline under load: N conversations (several languages, a share of repeat customers)
//     posted and closed through the gateway at concurrency C.
//
// It prints a table and writes bench/out/latest.json (and a dated copy). Nothing is special-cased
// for the benchmark: the gateway, worker, database and every write are the production ones.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

// params are the knobs of one run.
type params struct {
	N           int           // conversations under load
	C           int           // concurrency under load
	Light       int           // conversations at concurrency 1
	BaselineN   int           // workflows per baseline shape
	Rounds      int           // rounds the pipeline's conversations are posted in, the bare engine measured between them
	RepeatShare float64       // share of conversations from a person seen before
	LLMLatency  time.Duration // the fake LLM's answer time
	LLM         bool          // configure the worker with the fake LLM (else the rules path alone)
	Seed        int64
	OutDir      string
	Timeout     time.Duration // for the pipeline to write every lead
	Sample      int           // histories read for the per-lead counts
	Keep        bool          // keep data and logs of the run
	CPUProfile  string        // where to write the bench process's own CPU profile
	Profile     bool          // take CPU profiles of the worker and gateway under load
}

func main() {
	var p params
	flag.IntVar(&p.N, "n", 2000, "conversations posted under load")
	flag.IntVar(&p.C, "c", 50, "concurrent conversations under load")
	flag.IntVar(&p.Light, "light", 50, "conversations posted one at a time (light load)")
	flag.IntVar(&p.BaselineN, "baseline-n", 1000, "workflows per baseline shape (and per measurement between rounds)")
	flag.IntVar(&p.Rounds, "rounds", 4, "rounds the -n conversations are posted in, with the bare engine measured before, between and after them")
	flag.Float64Var(&p.RepeatShare, "repeat", 0.2, "share of conversations from a returning customer")
	flag.DurationVar(&p.LLMLatency, "llm-latency", 0, "latency of the fake OpenAI-compatible server")
	flag.BoolVar(&p.LLM, "llm", false, "extract with the fake OpenAI-compatible server as well as the rules (default: the rules path)")
	flag.Int64Var(&p.Seed, "seed", 1, "seed of the generated conversations")
	flag.StringVar(&p.OutDir, "out", "bench/out", "where latest.json, the dated copies and the logs go")
	flag.DurationVar(&p.Timeout, "timeout", 5*time.Minute, "how long to wait for the pipeline to write every lead")
	flag.IntVar(&p.Sample, "sample", 200, "workflow histories read for the per-lead counts")
	flag.BoolVar(&p.Keep, "keep", false, "keep the run's data directory")
	flag.StringVar(&p.CPUProfile, "cpuprofile", "", "write the bench process's own CPU profile here")
	flag.BoolVar(&p.Profile, "profile", false, "write 10 s CPU profiles of the worker and gateway under load to <out>/profiles")
	flag.Parse()
	if err := p.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, p); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func (p params) validate() error {
	switch {
	case p.N < 1 || p.C < 1 || p.Light < 1 || p.BaselineN < 1 || p.Sample < 1 || p.Rounds < 1:
		return fmt.Errorf("-n, -c, -light, -baseline-n, -rounds and -sample must be at least 1")
	case p.Rounds > p.N:
		return fmt.Errorf("-rounds must not exceed -n")
	case p.RepeatShare < 0 || p.RepeatShare >= 1:
		return fmt.Errorf("-repeat must be in [0, 1)")
	case p.LLMLatency < 0:
		return fmt.Errorf("-llm-latency must not be negative")
	}
	return nil
}

func run(ctx context.Context, p params) (err error) {
	begin := time.Now()
	if p.CPUProfile != "" {
		f, err := os.Create(p.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	logf("starting Postgres, Temporal, the fake LLM, the worker and the gateway …")
	sys, err := startSystem(ctx, p)
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := sys.stop(); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	rep := &report{StartedAt: begin.UTC(), Params: reportParams(p), Machine: machine()}
	gen := newGenerator(p.Seed, p.RepeatShare)

	logf("light load: %d conversations, one at a time …", p.Light)
	light, err := sys.runLight(ctx, gen.take(p.Light))
	if err != nil {
		return fmt.Errorf("light load: %w", err)
	}
	rep.LightLoadSpeedToLead = light.speedToLead.Summary()
	rep.LightLoadAck = light.firstAck.Summary()
	lightShape, err := sys.historyStats(ctx, light.workflowIDs, p.Sample)
	if err != nil {
		return err
	}
	shape := lightShape.shape()
	rep.PipelineSteps = shape
	logf("pipeline shape from its histories: %s", shapeString(shape))

	// The bare engine runs before the pipeline, between its rounds and after it, and each round is
	// set against the bare rates measured right before and right after it: this machine's speed
	// drifts within minutes (docs/performance.md), and the two sides must see the same machine.
	logf("bare engine: %d workflows per shape at concurrency %d …", p.BaselineN, p.C)
	before, err := sys.runBaselines(ctx, []baselineSpec{
		{"noop", nil, p.C, p.BaselineN},
		{"pipeline_shape_before", shape, p.C, p.BaselineN},
		{"pipeline_shape_light", shape, 1, min(p.BaselineN, max(p.Light, 100))},
	})
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	rep.Baselines = before

	convs := gen.take(p.N)
	if err := sys.resetDBStats(ctx); err != nil {
		return err
	}
	load := &loadResult{}
	rounds := make([]pipelineRound, 0, p.Rounds)
	for i, part := range splitRounds(convs, p.Rounds) {
		logf("pipeline, round %d of %d: %d conversations at concurrency %d …", i+1, p.Rounds, len(part), p.C)
		if p.Profile && i == 0 {
			go sys.profile(ctx, filepath.Join(p.OutDir, "profiles"), 3*time.Second, 10*time.Second)
		}
		l, err := sys.runLoad(ctx, part, p.C, p.Timeout)
		if err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		load.add(l)
		if i == p.Rounds-1 { // the pipeline's statements, before the last baseline's idle
			if load.db, err = sys.dbStats(ctx); err != nil {
				return err
			}
		}
		name := "pipeline_shape_after"
		if i < p.Rounds-1 {
			name = fmt.Sprintf("pipeline_shape_after_round_%d", i+1)
		}
		after, err := sys.runBaselines(ctx, []baselineSpec{{name, shape, p.C, p.BaselineN}})
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		rep.Baselines = append(rep.Baselines, after...)
		rounds = append(rounds, pipelineRound{leads: l.conversations, elapsed: l.elapsed, after: after[0].WorkflowsPerSecond})
	}
	rep.Rounds = roundReports(before[1].WorkflowsPerSecond, rounds)
	rep.fillLoad(load, convs)
	rep.BaselineWorkflowsPerSecond = round(baselineOverRounds(before[1].WorkflowsPerSecond, rounds), 1)
	if rep.BaselineWorkflowsPerSecond > 0 {
		rep.Ratio = round(rep.LeadsPerSecond/rep.BaselineWorkflowsPerSecond, 3)
	}
	hist, err := sys.historyStats(ctx, load.workflowIDs, p.Sample)
	if err != nil {
		return err
	}
	rep.fillHistory(hist)
	logf("database round trips: %d conversations one at a time, through a counting proxy, after %d not counted …",
		roundTripProbe, roundTripWarmup)
	if rep.DBRoundTripsPerLead, err = sys.probeRoundTrips(ctx, gen.take(roundTripWarmup), gen.take(roundTripProbe)); err != nil {
		return fmt.Errorf("round trips: %w", err)
	}
	rep.LLMRequests = sys.llm.Requests()
	rep.Extractor = "rules" // what the fake LLM saw decides, not what the bench was told
	if rep.LLMRequests > 0 {
		rep.Extractor = "llm+rules"
	}
	rep.DurationSeconds = round(time.Since(begin).Seconds(), 1)

	rep.print(os.Stdout)
	return rep.write(p.OutDir)
}

// roundTripProbe is how many conversations the round-trip count is taken over, after
// roundTripWarmup that prepare the restarted processes' statements (internal/store/stmtcache.go):
// a long-running worker has prepared them long since.
const (
	roundTripProbe  = 20
	roundTripWarmup = 10
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func machine() map[string]any {
	return map[string]any{"cpus": runtime.NumCPU(), "go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH}
}

// write puts the report in dir as latest.json and as a copy named by its start time.
func (r *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	dated := filepath.Join(dir, "run-"+r.StartedAt.Format("20060102-150405")+".json")
	if err := os.WriteFile(dated, b, 0o644); err != nil {
		return err
	}
	latest := filepath.Join(dir, "latest.json")
	if err := os.WriteFile(latest, b, 0o644); err != nil {
		return err
	}
	logf("wrote %s and %s", latest, dated)
	return nil
}
