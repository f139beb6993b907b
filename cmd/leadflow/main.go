// Command leadflow is the operator's tool. It reads DATABASE_URL like the worker.
//
//	leadflow policy replay --policy new.yaml [--since 720h] [--json] [--limit 50]
//
// scores and routes the recent leads again under a candidate policy and prints how tiers, teams
// and rules would change, without writing anything.
//
//	leadflow crm reconcile [--since 720h] [--crm hubspot] [--dry-run] [--json]
//
// compares the leads written since then with what each external CRM of LEADFLOW_CRM_FILE holds,
// and repairs every drift (a missing record, a stage behind the lead's status) by writing the lead
// again, idempotently; --dry-run only reports.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/shadow"
	"github.com/leadflow/leadflow/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv("DATABASE_URL"), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "leadflow:", err)
		os.Exit(2)
	}
}

const usage = `usage:
  leadflow policy replay --policy FILE [--since 720h] [--json] [--limit 50]
  leadflow crm reconcile [--since 720h] [--crm NAME] [--dry-run] [--json]`

func run(ctx context.Context, args []string, databaseURL string, out io.Writer) error {
	switch {
	case len(args) >= 2 && args[0] == "policy" && args[1] == "replay":
		return policyReplay(ctx, args[2:], databaseURL, out)
	case len(args) >= 2 && args[0] == "crm" && args[1] == "reconcile":
		return crmReconcile(ctx, args[2:], databaseURL, os.Getenv, out)
	}
	return errors.New(usage)
}

func policyReplay(ctx context.Context, args []string, databaseURL string, out io.Writer) error {
	fs := flag.NewFlagSet("policy replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("policy", "", "the candidate policy file (YAML or JSON)")
	since := fs.Duration("since", 720*time.Hour, "replay the leads created this long ago and later")
	asJSON := fs.Bool("json", false, "print the report as JSON, every changed lead included")
	limit := fs.Int("limit", 50, "changed leads to list in the table")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w\n%s", err, usage)
	}
	if *file == "" {
		return errors.New("--policy is required\n" + usage)
	}
	if databaseURL == "" {
		return errors.New("DATABASE_URL is required: the replay reads the leads of a running Leadflow")
	}
	candidate, err := policy.Load(*file)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	report, err := replay(ctx, st, candidate, time.Now().Add(-*since))
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(out, report)
	}
	report.Print(out, *limit)
	return nil
}

// replay reads what it needs in reads only and hands it to shadow.Replay.
func replay(ctx context.Context, st *store.Store, p *policy.Policy, since time.Time) (shadow.Report, error) {
	roster, err := st.Roster(ctx)
	if err != nil {
		return shadow.Report{}, err
	}
	owners, err := st.OwnersBefore(ctx, since)
	if err != nil {
		return shadow.Report{}, err
	}
	rows, err := st.LeadsSince(ctx, since)
	if err != nil {
		return shadow.Report{}, err
	}
	leads := make([]shadow.Lead, len(rows))
	for i, r := range rows {
		leads[i] = shadow.Lead{LeadID: r.LeadID, ContactID: r.ContactID, CreatedAt: r.CreatedAt, Fields: r.Fields.V,
			Context: r.ScoreContext.V, Language: r.Language.String, Country: r.Country.String, Score: r.Score,
			Tier: lead.Tier(r.Tier), TeamID: r.TeamID.String, RepID: r.RepID.String, Rule: r.Rule.String, Open: r.Open}
	}
	return shadow.Replay(p, roster, owners, leads), nil
}

// printJSON writes a report as indented JSON, for scripts.
func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
