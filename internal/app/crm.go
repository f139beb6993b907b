package app

import (
	"fmt"
	"net/http"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
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
			_, _ = s, client
			err = fmt.Errorf("%s: adapter not built yet", name)
		case "salesforce":
			_, _ = s, client
			err = fmt.Errorf("%s: adapter not built yet", name)
		case "zoho":
			_, _ = s, client
			err = fmt.Errorf("%s: adapter not built yet", name)
		case "pipedrive":
			_, _ = s, client
			err = fmt.Errorf("%s: adapter not built yet", name)
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
