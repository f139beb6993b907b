package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/app"
	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/store"
)

// crmReconcile is `leadflow crm reconcile`: the CRMs and their secrets come from the same
// environment as the worker's (LEADFLOW_CRM_FILE and the variables it names).
func crmReconcile(ctx context.Context, args []string, databaseURL string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("crm reconcile", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	since := fs.Duration("since", 720*time.Hour, "check the leads written this long ago and later")
	only := fs.String("crm", "", "check this CRM only (default: every configured CRM)")
	dryRun := fs.Bool("dry-run", false, "report the drift without repairing it")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w\n%s", err, usage)
	}
	if databaseURL == "" {
		return errors.New("DATABASE_URL is required: reconciliation reads the leads of a running Leadflow")
	}
	cfg, err := config.LoadFrom(getenv)
	if err != nil {
		return err
	}
	if len(cfg.CRMs.CRMs) == 0 {
		return errors.New("LEADFLOW_CRM_FILE names no external CRM: there is nothing to reconcile")
	}
	st, err := store.Open(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	crms, err := app.ExternalCRMs(cfg, st.CRMIDs())
	if err != nil {
		return err
	}
	if *only != "" {
		a, ok := crms[*only]
		if !ok {
			return fmt.Errorf("--crm %s: not configured in LEADFLOW_CRM_FILE", *only)
		}
		crms = map[string]crmadapters.Adapter{*only: a}
	}
	ids, err := st.LeadIDsUpdatedSince(ctx, time.Now().Add(-*since))
	if err != nil {
		return err
	}
	r := &crmadapters.Reconciler{Store: st, CRMs: crms, IDs: st.CRMIDs(), PublicURL: cfg.PublicURL, DryRun: *dryRun}
	report, err := r.Run(ctx, ids)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(out, report)
	}
	report.Print(out)
	return nil
}
