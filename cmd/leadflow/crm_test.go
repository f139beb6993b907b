package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/zoho"
	"github.com/leadflow/leadflow/crmadapters/zoho/zohofake"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// Leads written while a CRM was not configured yet (or was down past its retries) are missing
// there: reconcile reports them in a dry run, writes them once, and then finds nothing; a stage a
// rep's outcome moved on in Leadflow is put right in the CRM.
func TestCRMReconcile(t *testing.T) {
	ctx := context.Background()
	url := env.DatabaseURL(t)
	st, err := store.OpenMigrated(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seed(t, st)

	fake := zohofake.New(zohofake.Credentials{ClientID: "1000.X", ClientSecret: "s", RefreshToken: "1000.r"})
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "crm.yaml")
	if err := os.WriteFile(file, []byte("version: 1\ncrms:\n  zoho:\n    base_url: "+srv.URL+"\n    options: {accounts_url: "+srv.URL+"}\n"+
		"    credentials: {client_id: ZOHO_CLIENT_ID, client_secret: ZOHO_CLIENT_SECRET, refresh_token: ZOHO_REFRESH_TOKEN}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"LEADFLOW_CRM_FILE": file, "ZOHO_CLIENT_ID": "1000.X", "ZOHO_CLIENT_SECRET": "s", "ZOHO_REFRESH_TOKEN": "1000.r"}
	getenv := func(k string) string { return vars[k] }
	reconcile := func(args ...string) crmadapters.Report {
		t.Helper()
		var out bytes.Buffer
		if err := crmReconcile(ctx, append(args, "--json"), url, getenv, &out); err != nil {
			t.Fatal(err)
		}
		var r crmadapters.Report
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		return r
	}

	dry := reconcile("--dry-run")
	if dry.Leads != 6 || len(dry.Drifts) != 6 || dry.Repaired != 0 || dry.Drifts[0].Kind != "missing" || fake.Count("lead") != 0 {
		t.Fatalf("dry run: %+v, the CRM holds %d", dry, fake.Count("lead"))
	}
	fixed := reconcile()
	if fixed.Repaired != 6 || fixed.Failed != 0 || fake.Count("lead") != 6 || fake.Count("contact") != 6 || fake.Count("note") != 6 {
		t.Fatalf("repair: %+v; the CRM holds %d deals, %d contacts, %d notes", fixed, fake.Count("lead"), fake.Count("contact"), fake.Count("note"))
	}
	doc, err := st.Lead(ctx, "ld-0")
	if err != nil {
		t.Fatal(err)
	}
	if ref := doc.CRM.External["zoho"]; ref.State != lead.CRMSynced || ref.LeadID == "" {
		t.Fatalf("Lead.crm after the repair: %+v", ref)
	}
	if again := reconcile(); len(again.Drifts) != 0 {
		t.Fatalf("a second run found drift: %+v", again)
	}

	// A rep's outcome recorded while the CRM was unreachable: the CRM's stage is behind.
	if err := st.RecordOutcome(ctx, store.OutcomeRecord{LeadID: "ld-0", IdempotencyKey: "k-won", Note: lead.OutcomeNote{Outcome: lead.OutcomeWon, RepID: doc.Assignment.RepID},
		NewStatus: lead.StatusWon}); err != nil {
		t.Fatal(err)
	}
	stage := reconcile()
	want := zoho.DefaultMapping().Stage(lead.StatusWon)
	if len(stage.Drifts) != 1 || stage.Drifts[0].Kind != "stage" || stage.Drifts[0].Want != want || !stage.Drifts[0].Repaired {
		t.Fatalf("stage drift: %+v", stage)
	}
	if got := fake.Stage(doc.CRM.External["zoho"].LeadID); got != want {
		t.Fatalf("the CRM's stage after the repair: %q, want %q", got, want)
	}

	var out bytes.Buffer
	if err := crmReconcile(ctx, []string{"--crm", "hubspot"}, url, getenv, &out); err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Fatalf("--crm of a CRM not configured: %v", err)
	}
	if err := crmReconcile(ctx, nil, url, func(string) string { return "" }, &out); err == nil || !strings.Contains(err.Error(), "LEADFLOW_CRM_FILE") {
		t.Fatalf("no CRM file: %v", err)
	}
	out.Reset()
	if err := crmReconcile(ctx, []string{"--dry-run"}, url, getenv, &out); err != nil || !strings.HasPrefix(out.String(), "6 leads checked in 1 CRMs: 0 drifted") {
		t.Fatalf("the table: %v %q", err, out.String())
	}
}
