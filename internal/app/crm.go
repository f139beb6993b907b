package app

import (
	"fmt"
	"net/http"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/hubspot"
	"github.com/leadflow/leadflow/crmadapters/pipedrive"
	"github.com/leadflow/leadflow/crmadapters/salesforce"
	"github.com/leadflow/leadflow/crmadapters/zoho"
	"github.com/leadflow/leadflow/internal/config"
)

// ExternalCRMs builds an adapter for every CRM the configuration names. Each adapter checks its
// settings, secrets and field mapping here, so a worker or gateway with a wrong CRM file does not
// start.
func ExternalCRMs(cfg config.Config, ids crmadapters.IDs) (map[string]crmadapters.Adapter, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	out := map[string]crmadapters.Adapter{}
	for name, s := range cfg.CRMs.CRMs {
		var (
			a   crmadapters.Adapter
			err error
		)
		switch name {
		case "hubspot":
			a, err = hubspot.New(s, cfg.Getenv, ids, client)
		case "salesforce":
			a, err = salesforce.New(s, cfg.Getenv, ids, client)
		case "zoho":
			a, err = zoho.New(s, cfg.Getenv, ids, client)
		case "pipedrive":
			a, err = pipedrive.New(s, cfg.Getenv, ids, client)
		default:
			err = fmt.Errorf("unknown CRM %q", name)
		}
		if err != nil {
			return nil, fmt.Errorf("LEADFLOW_CRM_FILE: %w", err)
		}
		out[name] = a
	}
	return out, nil
}
