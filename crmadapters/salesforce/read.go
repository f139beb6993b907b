package salesforce

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
)

// A query's IN list is split so its URL stays well inside the 16,384 bytes Salesforce takes for a
// request's URI and headers together (414 URI Too Long beyond): at most maxInValues ids, and at
// most maxInBytes of URL-encoded list, whichever comes first. 200 UUID lead ids take about 9 KB.
const (
	maxInValues = 200
	maxInBytes  = 12000
)

// Datetime formats: SOQL's literal (whole seconds, UTC) and the one answers carry.
const (
	soqlDateTime = "2006-01-02T15:04:05Z"
	sfDateTime   = "2006-01-02T15:04:05.000-0700"
)

// ReadLeads implements crmadapters.Reader with SOQL: the Lead records whose Leadflow_Id__c is
// among leadIDs, as many queries as the ids need.
func (a *Adapter) ReadLeads(ctx context.Context, leadIDs []string) (map[string]crmadapters.RemoteLead, error) {
	out := map[string]crmadapters.RemoteLead{}
	for _, batch := range inBatches(leadIDs) {
		soql := fmt.Sprintf("SELECT Id, %s, %s FROM Lead WHERE %s IN (%s)", leadKeyField, statusField, leadKeyField, strings.Join(batch, ", "))
		rows, err := query[struct {
			ID     string `json:"Id"`
			Key    string `json:"Leadflow_Id__c"`
			Status string `json:"Status"`
		}](ctx, a, soql)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if _, seen := out[r.Key]; !seen {
				out[r.Key] = crmadapters.RemoteLead{Ref: r.ID, Stage: r.Status}
			}
		}
	}
	return out, nil
}

// inBatches turns ids into quoted IN lists, each within maxInValues and maxInBytes.
func inBatches(ids []string) [][]string {
	var batches [][]string
	var cur []string
	size := 0
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		lit := soqlString(id)
		n := len(url.QueryEscape(lit + ", "))
		if len(cur) > 0 && (len(cur) == maxInValues || size+n > maxInBytes) {
			batches = append(batches, cur)
			cur, size = nil, 0
		}
		cur = append(cur, lit)
		size += n
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	return batches
}

// ChangedSince is the polling path for stage changes reps make in Salesforce (outbound messages and
// change data capture need org setup Leadflow does not assume): every Leadflow lead modified after
// since, with its Status. Every modification is reported, Leadflow's own writes included; the caller
// compares the stage with the lead's status. EventID is the record's id and LastModifiedDate, so a
// change read by two overlapping polls is one outcome.
func (a *Adapter) ChangedSince(ctx context.Context, since time.Time) ([]crmadapters.StageChange, error) {
	// SOQL datetime literals have whole seconds: since is cut down to its second, so the window
	// opens at most a second early (a change read again, one EventID) and never late.
	soql := fmt.Sprintf("SELECT Id, %s, LastModifiedDate FROM Lead WHERE %s != null AND LastModifiedDate > %s ORDER BY LastModifiedDate, Id",
		statusField, leadKeyField, since.UTC().Truncate(time.Second).Format(soqlDateTime))
	rows, err := query[struct {
		ID       string `json:"Id"`
		Status   string `json:"Status"`
		Modified string `json:"LastModifiedDate"`
	}](ctx, a, soql)
	if err != nil {
		return nil, err
	}
	out := make([]crmadapters.StageChange, 0, len(rows))
	for _, r := range rows {
		at, err := time.Parse(sfDateTime, r.Modified)
		if err != nil {
			return nil, fmt.Errorf("%s: lead %s: unreadable LastModifiedDate", name, r.ID)
		}
		out = append(out, crmadapters.StageChange{LeadRef: r.ID, Stage: r.Status, EventID: r.ID + ":" + r.Modified, At: at})
	}
	return out, nil
}
