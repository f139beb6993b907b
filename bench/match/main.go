// Command match is `make bench-match`: contact matching at scale. It starts a throw-away Postgres of
// its own (internal/localstack; durable commits as in production unless -durable=false), migrates
// it, seeds -contacts synthetic contacts with set-based SQL (bench/match/synth), vacuums and
// analyzes, and then runs -matches lookups of a realistic mix (existing people by phone, national
// phone, e-mail and WhatsApp id; new people; shared office lines) through the real
// Store.MatchContact at concurrency -c, after -warmup lookups that are not counted.
//
// It prints the per-match latency (p50, p95, p99, max; overall, by kind of lookup and by the
// reviews a match opened), where the time goes in Postgres (pg_stat_statements, pg_stat_wal, scans
// of the big tables), two worst cases of the data (the biggest company and its office line), and
// the EXPLAIN (ANALYZE, BUFFERS) plans of Store.ExplainMatch for a hit, a miss, a shared office
// line and the worst cases.
//
// It writes -out (bench/out/match.json) and exits 1 when a plan reads contacts or
// contact_identities by a sequential scan, or Postgres counted one on them during the measured
// lookups. docs/matching-at-scale.md shows a run.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/leadflow/leadflow/bench/latency"
	"github.com/leadflow/leadflow/bench/match/synth"
	"github.com/leadflow/leadflow/internal/localstack"
	"github.com/leadflow/leadflow/internal/store"
)

type params struct {
	Contacts      int
	Matches       int
	Concurrency   int
	Warmup        int
	Seed          uint64
	Out           string
	Durable       bool
	SharedBuffers string
	CPUProfile    string
}

func main() {
	var p params
	flag.IntVar(&p.Contacts, "contacts", 1_000_000, "synthetic contacts seeded before matching")
	flag.IntVar(&p.Matches, "matches", 5_000, "lookups measured")
	flag.IntVar(&p.Concurrency, "c", 1, "lookups matched at once")
	flag.IntVar(&p.Warmup, "warmup", 500, "lookups matched before measuring (not counted)")
	flag.Uint64Var(&p.Seed, "seed", 1, "seed of the contacts and of the lookups")
	flag.StringVar(&p.Out, "out", "bench/out/match.json", "where the results go")
	flag.BoolVar(&p.Durable, "durable", true, "durable commits (fsync, full_page_writes, synchronous_commit on), as in production")
	flag.StringVar(&p.SharedBuffers, "shared-buffers", "", "Postgres shared_buffers (default: the server's default, 128MB)")
	flag.StringVar(&p.CPUProfile, "cpuprofile", "", "write this process's CPU profile of the measured lookups here")
	flag.Parse()
	if p.Contacts < 1 || p.Contacts > synth.MaxContacts || p.Matches < 1 || p.Concurrency < 1 || p.Warmup < 0 {
		fmt.Fprintf(os.Stderr, "match: -contacts must be 1 to %d, -matches and -c at least 1, -warmup at least 0\n", synth.MaxContacts)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, p)
	if err != nil {
		fmt.Fprintln(os.Stderr, "match:", err)
		os.Exit(1)
	}
	if !ok {
		fmt.Fprintln(os.Stderr, "match: contacts or contact_identities were read by a sequential scan (see the plans and the scan counts)")
		os.Exit(1)
	}
}

// result is bench/out/match.json.
type result struct {
	Contacts        int                  `json:"contacts"`
	Matches         int                  `json:"matches"`
	P50             float64              `json:"p50_ms"`
	P95             float64              `json:"p95_ms"`
	P99             float64              `json:"p99_ms"`
	Max             float64              `json:"max_ms"`
	PlansUseIndexes bool                 `json:"plans_use_indexes"`
	Concurrency     int                  `json:"concurrency"`
	Warmup          int                  `json:"warmup"`
	Durable         bool                 `json:"durable"`
	MatchesPerSec   float64              `json:"matches_per_second"`
	ByKind          map[string]quantiles `json:"by_kind"`
	ByReviewsOpened map[string]quantiles `json:"by_reviews_opened"`
	RoundTrip       quantiles            `json:"round_trip_select_1"`
	Decisions       map[string]outcome   `json:"decisions"`
	// UnexpectedExamples are lookups that did not come to what they should (the first ten).
	UnexpectedExamples []string             `json:"unexpected_examples,omitempty"`
	Seed               seedReport           `json:"seed"`
	Server             serverReport         `json:"server"`
	Machine            machine              `json:"machine"`
	Worst              map[string]quantiles `json:"worst_cases"`
	Biggest            synth.Biggest        `json:"biggest_company"`
	Plans              map[string]string    `json:"plans"`
	At                 time.Time            `json:"at"`
}

type seedReport struct {
	synth.SeedStats
	InsertSeconds     float64 `json:"insert_seconds"`
	VacuumSeconds     float64 `json:"vacuum_analyze_seconds"`
	CheckpointSeconds float64 `json:"checkpoint_seconds"`
	ContactsMB        float64 `json:"contacts_mb"`
	IdentitiesMB      float64 `json:"contact_identities_mb"`
	IdentitiesIndexMB float64 `json:"contact_identities_indexes_mb"`
}

// serverReport is what Postgres says about the measured lookups.
type serverReport struct {
	StatementsPerMatch float64     `json:"statements_per_match"`
	ExecMsPerMatch     float64     `json:"exec_ms_per_match"` // pg_stat_statements' execution time, summed
	PlanMsPerMatch     float64     `json:"plan_ms_per_match"` // and planning time
	WALSyncs           int64       `json:"wal_syncs"`
	WALSyncMeanMs      float64     `json:"wal_sync_mean_ms"`
	SeqScans           int64       `json:"seq_scans_big_tables"` // on contacts and contact_identities
	IndexScans         int64       `json:"index_scans_big_tables"`
	Statements         []statement `json:"statements"`
}

type statement struct {
	Query  string  `json:"query"`
	Calls  int64   `json:"calls"`
	MeanMs float64 `json:"mean_ms"`
	MaxMs  float64 `json:"max_ms"`
	Total  float64 `json:"total_ms"`
	PlanMs float64 `json:"plan_mean_ms"`
}

type machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemGiB   int    `json:"mem_gib"`
	Postgres string `json:"postgres"`
	Settings string `json:"settings"`
	Go       string `json:"go"`
}

// outcome counts the decisions of one kind of lookup and those that were not what it expected.
type outcome struct {
	Merged     int `json:"merged"`
	New        int `json:"new"`
	Review     int `json:"review"`
	Unexpected int `json:"unexpected"`
}

func run(ctx context.Context, p params) (bool, error) {
	settings := map[string]string{
		"shared_preload_libraries":          "pg_stat_statements",
		"pg_stat_statements.track_planning": "on",
		"track_io_timing":                   "on",
		"track_wal_io_timing":               "on",
		"max_wal_size":                      "4GB", // the seeding writes a few GB of WAL at once
	}
	if p.Durable {
		settings["fsync"], settings["full_page_writes"], settings["synchronous_commit"] = "on", "on", "on"
	}
	if p.SharedBuffers != "" {
		settings["shared_buffers"] = p.SharedBuffers
	}
	pg, err := localstack.StartPostgres(ctx, localstack.PostgresOptions{Settings: settings})
	if err != nil {
		return false, err
	}
	defer func() {
		if err := pg.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "match: stop postgres:", err)
		}
	}()
	if err := pg.CreateDatabase(ctx, "leadflow"); err != nil {
		return false, err
	}
	st, err := store.OpenMigrated(ctx, pg.URL("leadflow"))
	if err != nil {
		return false, err
	}
	defer st.Close()
	db := st.DB()
	if _, err := db.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		return false, err
	}
	res := result{Contacts: p.Contacts, Matches: p.Matches, Concurrency: p.Concurrency, Warmup: p.Warmup,
		Durable: p.Durable, At: time.Now().UTC(), Plans: map[string]string{}}
	res.Machine = describeMachine()
	if err := db.GetContext(ctx, &res.Machine.Postgres, `SELECT version()`); err != nil {
		return false, err
	}
	if err := db.GetContext(ctx, &res.Machine.Settings, `SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name)
		FROM pg_settings WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'full_page_writes', 'work_mem', 'effective_cache_size')`); err != nil {
		return false, err
	}

	fmt.Printf("seeding %d contacts…\n", p.Contacts)
	if res.Seed.SeedStats, err = synth.Seed(ctx, db, p.Contacts, 1/float64(p.Seed+1)); err != nil {
		return false, err
	}
	res.Seed.InsertSeconds = round(res.Seed.Took.Seconds(), 1)
	start := time.Now()
	if _, err := db.ExecContext(ctx, `VACUUM (ANALYZE) contacts, contact_identities`); err != nil {
		return false, err
	}
	res.Seed.VacuumSeconds = round(time.Since(start).Seconds(), 1)
	// The load's dirty pages are written now, not by a checkpoint in the middle of the measurement.
	start = time.Now()
	if _, err := db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		return false, err
	}
	res.Seed.CheckpointSeconds = round(time.Since(start).Seconds(), 1)
	if err := db.QueryRowxContext(ctx, `SELECT pg_total_relation_size('contacts') / 1048576.0,
		pg_relation_size('contact_identities') / 1048576.0, pg_indexes_size('contact_identities') / 1048576.0`).
		Scan(&res.Seed.ContactsMB, &res.Seed.IdentitiesMB, &res.Seed.IdentitiesIndexMB); err != nil {
		return false, err
	}
	fmt.Printf("seeded %d contacts, %d keys, %d companies in %.1f s (%s); VACUUM ANALYZE %.1f s; CHECKPOINT %.1f s; "+
		"contacts %.0f MB, contact_identities %.0f MB + indexes %.0f MB\n",
		res.Seed.Contacts, res.Seed.Identities, res.Seed.Companies, res.Seed.InsertSeconds, steps(res.Seed.Steps), res.Seed.VacuumSeconds,
		res.Seed.CheckpointSeconds, res.Seed.ContactsMB, res.Seed.IdentitiesMB, res.Seed.IdentitiesIndexMB)

	lookups, err := synth.NewLookups(ctx, db, min(p.Contacts, 20_000), p.Seed, "m")
	if err != nil {
		return false, err
	}
	draw := func(n int) []synth.Lookup {
		out := make([]synth.Lookup, n)
		for i := range out {
			out[i] = lookups.Next()
		}
		return out
	}
	if _, err := matchAll(ctx, st, draw(p.Warmup), p.Concurrency); err != nil {
		return false, fmt.Errorf("warm-up: %w", err)
	}
	if _, err := db.ExecContext(ctx, `SELECT pg_stat_statements_reset(), pg_stat_reset(), pg_stat_reset_shared('wal')`); err != nil {
		return false, err
	}
	measured := draw(p.Matches)
	if p.CPUProfile != "" {
		f, err := os.Create(p.CPUProfile)
		if err != nil {
			return false, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return false, err
		}
	}
	start = time.Now()
	done, err := matchAll(ctx, st, measured, p.Concurrency)
	if err != nil {
		return false, err
	}
	res.MatchesPerSec = round(float64(len(done))/time.Since(start).Seconds(), 1)
	if p.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	if res.Server, err = serverStats(ctx, st, len(done)); err != nil {
		return false, err
	}
	if res.RoundTrip, err = roundTrip(ctx, st); err != nil {
		return false, err
	}
	reviews := map[string]int{}
	var opened []struct {
		LeadID string `db:"lead_id"`
		N      int    `db:"n"`
	}
	if err := db.SelectContext(ctx, &opened, `SELECT lead_id, count(*) AS n FROM contact_reviews GROUP BY lead_id`); err != nil {
		return false, err
	}
	for _, o := range opened {
		reviews[o.LeadID] = o.N
	}
	byReviews := map[string]durations{}

	all := durations{}
	byKind := map[string]durations{}
	res.Decisions = map[string]outcome{}
	for i, d := range done {
		l := measured[i]
		all = append(all, d.took)
		byKind[l.Kind] = append(byKind[l.Kind], d.took)
		bucket := reviewBucket(reviews[l.Req.LeadID])
		byReviews[bucket] = append(byReviews[bucket], d.took)
		o := res.Decisions[l.Kind]
		switch d.res.Match.Decision {
		case "merged":
			o.Merged++
		case "review":
			o.Review++
		default:
			o.New++
		}
		switch {
		case l.Want == "merged" && d.res.ContactID != l.Contact,
			l.Want == "new" && !d.res.IsNewContact,
			l.Want == "review" && d.res.Match.Decision != "review":
			o.Unexpected++
			if len(res.UnexpectedExamples) < 10 {
				res.UnexpectedExamples = append(res.UnexpectedExamples, fmt.Sprintf("%s: want %s %s, got %s %s (new contact %v) by %v, score %.3f",
					l.Kind, l.Want, l.Contact, d.res.Match.Decision, d.res.ContactID, d.res.IsNewContact, d.res.Match.MatchedBy, d.res.Match.Score))
			}
		}
		res.Decisions[l.Kind] = o
	}
	q := all.Summary()
	res.P50, res.P95, res.P99, res.Max = q.P50, q.P95, q.P99, q.Max
	res.ByKind = map[string]quantiles{"all": q}
	for k, d := range byKind {
		res.ByKind[k] = d.Summary()
	}
	res.ByReviewsOpened = map[string]quantiles{}
	for k, d := range byReviews {
		res.ByReviewsOpened[k] = d.Summary()
	}

	// The worst cases of the data, outside the mix: a new person at the biggest company (blocking
	// by company and names reads every colleague's name) and a call from its office line with
	// nothing else said (the most holders of one key: maxCandidates of them compared, reviews).
	if res.Biggest, err = synth.BiggestCompany(ctx, db); err != nil {
		return false, err
	}
	big := res.Biggest
	worst := map[string]func(i int) store.MatchRequest{
		"new_at_biggest_company": func(i int) store.MatchRequest {
			return store.MatchRequest{LeadID: fmt.Sprintf("worst-new-%d", i), Channel: "web", Name: "James Smith",
				Email: fmt.Sprintf("james.smith.w%d@%s", i, big.Domain), Company: big.Company, Phone: fmt.Sprintf("+447508%06d", i)}
		},
		"biggest_office_line_only": func(i int) store.MatchRequest {
			return store.MatchRequest{LeadID: fmt.Sprintf("worst-line-%d", i), Channel: "web", Phone: big.OfficeLine}
		},
	}
	res.Worst = map[string]quantiles{}
	for name, req := range worst {
		var d durations
		for i := range 20 {
			start := time.Now()
			if _, err := st.MatchContact(ctx, req(i)); err != nil {
				return false, fmt.Errorf("%s: %w", name, err)
			}
			d = append(d, time.Since(start))
		}
		res.Worst[name] = d.Summary()
	}

	// The plans, after the run: a hit by phone, a new person at an existing company (a miss that
	// also blocks by company and names), a colleague calling from a shared office line, and the
	// two worst cases.
	miss := lookups.Of(synth.KindNew)
	for i := 0; i < 100 && miss.Req.Company == ""; i++ {
		miss = lookups.Of(synth.KindNew)
	}
	seqScan := regexp.MustCompile(`Seq Scan on (contacts|contact_identities)\b`)
	plansOK := true
	for _, c := range []struct {
		name string
		req  store.MatchRequest
	}{{"hit", lookups.Of(synth.KindPhone).Req}, {"miss", miss.Req}, {"office_line", lookups.Of(synth.KindOfficeColleague).Req},
		{"new_at_biggest_company", worst["new_at_biggest_company"](100)}, {"biggest_office_line_only", worst["biggest_office_line_only"](100)}} {
		plan, err := st.ExplainMatch(ctx, c.req)
		if err != nil {
			return false, err
		}
		res.Plans[c.name] = plan
		if seqScan.MatchString(plan) {
			plansOK = false
		}
	}
	res.PlansUseIndexes = plansOK && res.Server.SeqScans == 0

	report(os.Stdout, p, res)
	if err := os.MkdirAll(filepath.Dir(p.Out), 0o755); err != nil {
		return false, err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return false, err
	}
	if err := os.WriteFile(p.Out, append(b, '\n'), 0o644); err != nil {
		return false, err
	}
	fmt.Println("wrote", p.Out)
	return res.PlansUseIndexes, nil
}

type matched struct {
	res  store.MatchResult
	took time.Duration
}

// matchAll matches the lookups, conc at a time, and returns each one's result and latency.
func matchAll(ctx context.Context, st *store.Store, lookups []synth.Lookup, conc int) ([]matched, error) {
	out := make([]matched, len(lookups))
	next := make(chan int)
	errs := make(chan error, conc)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := range next {
				start := time.Now()
				r, err := st.MatchContact(ctx, lookups[i].Req)
				out[i] = matched{res: r, took: time.Since(start)}
				if err != nil {
					errs <- fmt.Errorf("lookup %d (%s): %w", i, lookups[i].Kind, err)
					return
				}
			}
		})
	}
	var err error
feed:
	for i := range lookups {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if err != nil {
		return nil, err
	}
	for e := range errs {
		return nil, e
	}
	return out, nil
}

// serverStats reads what Postgres counted over the measured lookups.
func serverStats(ctx context.Context, st *store.Store, n int) (serverReport, error) {
	var r serverReport
	db := st.DB()
	var rows []struct {
		Query string  `db:"query"`
		Calls int64   `db:"calls"`
		Total float64 `db:"total_exec_time"`
		Mean  float64 `db:"mean_exec_time"`
		Max   float64 `db:"max_exec_time"`
		Plan  float64 `db:"total_plan_time"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT query, calls, total_exec_time, mean_exec_time, max_exec_time, total_plan_time
		FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND query NOT LIKE '%pg_stat%' ORDER BY total_exec_time DESC`); err != nil {
		return r, err
	}
	var calls int64
	var total, plan float64
	space := regexp.MustCompile(`\s+`)
	for _, s := range rows {
		calls += s.Calls
		total += s.Total
		plan += s.Plan
		q := space.ReplaceAllString(strings.TrimSpace(s.Query), " ")
		if len(q) > 90 {
			q = q[:87] + "..."
		}
		r.Statements = append(r.Statements, statement{Query: q, Calls: s.Calls, MeanMs: round(s.Mean, 3),
			MaxMs: round(s.Max, 2), Total: round(s.Total, 1), PlanMs: round(s.Plan/float64(max(s.Calls, 1)), 3)})
	}
	r.StatementsPerMatch = round(float64(calls)/float64(n), 1)
	r.ExecMsPerMatch = round(total/float64(n), 3)
	r.PlanMsPerMatch = round(plan/float64(n), 3)
	var syncTime float64
	if err := db.QueryRowxContext(ctx, `SELECT wal_sync, wal_sync_time FROM pg_stat_wal`).Scan(&r.WALSyncs, &syncTime); err != nil {
		return r, err
	}
	if r.WALSyncs > 0 {
		r.WALSyncMeanMs = round(syncTime/float64(r.WALSyncs), 3)
	}
	// pg_stat_reset() cleared these at the start of the measured run.
	if err := db.QueryRowxContext(ctx, `SELECT coalesce(sum(seq_scan), 0), coalesce(sum(idx_scan), 0) FROM pg_stat_user_tables
		WHERE relname IN ('contacts', 'contact_identities')`).Scan(&r.SeqScans, &r.IndexScans); err != nil {
		return r, err
	}
	return r, nil
}

func report(w *os.File, p params, r result) {
	fmt.Fprintf(w, "\n%d lookups against %d contacts at concurrency %d (%d warm-up lookups before), durable commits %v: %.1f matches/s\n\n",
		r.Matches, r.Contacts, r.Concurrency, r.Warmup, r.Durable, r.MatchesPerSec)
	fmt.Fprintf(w, "%-17s %6s %8s %8s %8s %8s   %6s %6s %6s %10s\n", "lookup", "n", "p50 ms", "p95 ms", "p99 ms", "max ms",
		"merged", "new", "review", "unexpected")
	kinds := []string{"all"}
	for _, m := range synth.Mix {
		if _, ok := r.ByKind[m.Kind]; ok {
			kinds = append(kinds, m.Kind)
		}
	}
	for _, k := range kinds {
		q := r.ByKind[k]
		o := r.Decisions[k]
		if k == "all" {
			for _, d := range r.Decisions {
				o.Merged, o.New, o.Review, o.Unexpected = o.Merged+d.Merged, o.New+d.New, o.Review+d.Review, o.Unexpected+d.Unexpected
			}
		}
		fmt.Fprintf(w, "%-17s %6d %8.2f %8.2f %8.2f %8.2f   %6d %6d %6d %10d\n", k, q.N, q.P50, q.P95, q.P99, q.Max,
			o.Merged, o.New, o.Review, o.Unexpected)
	}
	s := r.Server
	for _, u := range r.UnexpectedExamples {
		fmt.Fprintln(w, "unexpected:", u)
	}
	fmt.Fprintf(w, "\n%-17s %6s %8s %8s %8s %8s\n", "reviews opened", "n", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, k := range reviewBuckets {
		if q, ok := r.ByReviewsOpened[k]; ok {
			fmt.Fprintf(w, "%-17s %6d %8.2f %8.2f %8.2f %8.2f\n", k, q.N, q.P50, q.P95, q.P99, q.Max)
		}
	}
	fmt.Fprintf(w, "\nround trip (SELECT 1 through the store's pool): p50 %.3f ms, p99 %.3f ms\n", r.RoundTrip.P50, r.RoundTrip.P99)
	fmt.Fprintf(w, "Postgres, over the measured lookups: %.1f statements, %.3f ms of execution and %.3f ms of planning per match; "+
		"%d WAL syncs of %.3f ms on average; %d sequential and %d index scans of contacts and contact_identities\n",
		s.StatementsPerMatch, s.ExecMsPerMatch, s.PlanMsPerMatch, s.WALSyncs, s.WALSyncMeanMs, s.SeqScans, s.IndexScans)
	fmt.Fprintf(w, "\n%8s %9s %9s %9s %10s  %s\n", "calls", "plan ms", "mean ms", "max ms", "total ms", "statement")
	for _, st := range s.Statements[:min(len(s.Statements), 14)] {
		fmt.Fprintf(w, "%8d %9.3f %9.3f %9.2f %10.1f  %s\n", st.Calls, st.PlanMs, st.MeanMs, st.MaxMs, st.Total, st.Query)
	}
	fmt.Fprintf(w, "\nworst cases, 20 lookups each (the biggest company: %d contacts; its office line: %d holders)\n",
		r.Biggest.Contacts, r.Biggest.OfficeHolders)
	for _, k := range []string{"new_at_biggest_company", "biggest_office_line_only"} {
		q := r.Worst[k]
		fmt.Fprintf(w, "%-26s p50 %.2f ms, max %.2f ms\n", k, q.P50, q.Max)
	}
	for _, name := range []string{"hit", "miss", "office_line", "new_at_biggest_company", "biggest_office_line_only"} {
		fmt.Fprintf(w, "\n== plan: %s\n%s", name, r.Plans[name])
	}
	fmt.Fprintf(w, "\nplans use indexes: %v\n", r.PlansUseIndexes)
	fmt.Fprintf(w, "machine: %s, %d cores, %d GiB; %s; %s\n", r.Machine.CPU, r.Machine.Cores, r.Machine.MemGiB,
		r.Machine.Postgres, r.Machine.Settings)
}

// steps lists the seeding steps in the order they run.
func steps(s map[string]float64) string {
	var out []string
	for _, k := range []string{"draws", "people", "keys", "contacts", "identities", "commit"} {
		out = append(out, fmt.Sprintf("%s %.1f s", k, s[k]))
	}
	return strings.Join(out, ", ")
}

// reviewBuckets group the lookups by the reviews for a human they opened (each costs three statements).
var reviewBuckets = []string{"0", "1-4", "5-19", "20+"}

func reviewBucket(n int) string {
	switch {
	case n == 0:
		return "0"
	case n < 5:
		return "1-4"
	case n < 20:
		return "5-19"
	}
	return "20+"
}

// roundTrip times SELECT 1 through the store's pool: the floor under every statement of a match.
func roundTrip(ctx context.Context, st *store.Store) (quantiles, error) {
	var d durations
	for range 2000 {
		start := time.Now()
		var one int
		if err := st.DB().QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
			return quantiles{}, err
		}
		d = append(d, time.Since(start))
	}
	return d.Summary(), nil
}

// durations and quantiles are the shared latency summary (bench/latency).
type (
	durations = latency.Durations
	quantiles = latency.Quantiles
)

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// describeMachine reads the CPU model and memory from /proc.
func describeMachine() machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	read := func(path, key string) string {
		f, err := os.Open(path)
		if err != nil {
			return ""
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == key {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	m.CPU = read("/proc/cpuinfo", "model name")
	var kb int
	if _, err := fmt.Sscanf(read("/proc/meminfo", "MemTotal"), "%d", &kb); err == nil {
		m.MemGiB = int(math.Round(float64(kb) / (1 << 20)))
	}
	return m
}
