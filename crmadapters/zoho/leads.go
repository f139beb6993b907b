package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/lead"
)

// readChunk is how many lead ids one COQL query asks about: "in" takes at most 50 values.
const readChunk = 50

// upsertBody is the body of POST /crm/v2/{module}/upsert.
type upsertBody struct {
	Data                 []crmadapters.Properties `json:"data"`
	DuplicateCheckFields []string                 `json:"duplicate_check_fields"`
}

// UpsertContact writes the contact by Leadflow_Contact_Id.
func (a *Adapter) UpsertContact(ctx context.Context, c crmadapters.Contact) (string, error) {
	props, err := a.mapping.ContactProperties(name, c)
	if err != nil {
		return "", err
	}
	out, err := a.write(ctx, http.MethodPost, api+"/Contacts/upsert", "Contacts",
		upsertBody{Data: []crmadapters.Properties{props}, DuplicateCheckFields: []string{contactKey}}, 1)
	if err != nil {
		return "", err
	}
	return out[0].id, out[0].err
}

// UpsertLead writes the lead as a deal by Leadflow_Id, linked to its contact.
func (a *Adapter) UpsertLead(ctx context.Context, l crmadapters.Lead) (string, error) {
	props, err := a.dealProperties(l)
	if err != nil {
		return "", err
	}
	out, err := a.upsertDeals(ctx, []crmadapters.Properties{props})
	if err != nil {
		return "", err
	}
	return out[0].id, out[0].err
}

// UpsertLeads writes many deals (a backfill of many leads at once) in requests of at most 100 (Zoho's
// limit). The ids are in the order of leads, "" for a lead that was not written; the error joins
// each such lead's error, named by its lead id.
func (a *Adapter) UpsertLeads(ctx context.Context, leads []crmadapters.Lead) ([]string, error) {
	ids := make([]string, len(leads))
	var errs []error
	var batch []crmadapters.Properties
	var at []int // the index in leads of each record in batch
	flush := func() error {
		out, err := a.upsertDeals(ctx, batch)
		if err != nil {
			return err
		}
		for i, w := range out {
			ids[at[i]] = w.id
			if w.err != nil {
				errs = append(errs, fmt.Errorf("lead %s: %w", leads[at[i]].Doc.LeadID, w.err))
			}
		}
		batch, at = batch[:0], at[:0]
		return nil
	}
	for i, l := range leads {
		props, err := a.dealProperties(l)
		if err != nil {
			errs = append(errs, fmt.Errorf("lead %s: %w", l.Doc.LeadID, err))
			continue
		}
		batch, at = append(batch, props), append(at, i)
		if len(batch) == maxRecords {
			if err := flush(); err != nil {
				return ids, errors.Join(append(errs, err)...)
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			errs = append(errs, err)
		}
	}
	return ids, errors.Join(errs...)
}

func (a *Adapter) dealProperties(l crmadapters.Lead) (crmadapters.Properties, error) {
	props, err := a.mapping.LeadProperties(name, l)
	if err != nil {
		return nil, err
	}
	if l.ContactRef != "" {
		props[contactLink] = map[string]string{"id": l.ContactRef}
	}
	return props, nil
}

func (a *Adapter) upsertDeals(ctx context.Context, deals []crmadapters.Properties) ([]written, error) {
	return a.write(ctx, http.MethodPost, api+"/Deals/upsert", "Deals",
		upsertBody{Data: deals, DuplicateCheckFields: []string{leadKey}}, len(deals))
}

// RecordOutcome moves the deal to the stage of the outcome's status (PUT /crm/v2/Deals/{id}),
// written through the mapping's lead.stage rule; setting a stage twice changes nothing.
func (a *Adapter) RecordOutcome(ctx context.Context, o crmadapters.Outcome) error {
	if err := needRef("an outcome", o.LeadRef); err != nil {
		return err
	}
	only := crmadapters.Mapping{Lead: []crmadapters.Rule{a.stage}, Stages: a.mapping.Stages}
	props, err := only.LeadProperties(name, crmadapters.Lead{Doc: lead.Lead{LeadID: o.LeadID, Status: o.Status}})
	if err != nil {
		return err
	}
	if len(props) == 0 {
		return &crmadapters.MappingError{CRM: name, Field: "lead.stage", Property: a.stage.To, Reason: fmt.Sprintf("no stage for status %q", o.Status)}
	}
	_, err = a.one(ctx, http.MethodPut, recordPath("Deals", o.LeadRef), "Deals", props)
	return err
}

// ReadLeads finds the deals by Leadflow_Id with COQL (POST /crm/v2/coql), 50 ids a query; Zoho
// answers 204 No Content when none match.
func (a *Adapter) ReadLeads(ctx context.Context, leadIDs []string) (map[string]crmadapters.RemoteLead, error) {
	out := map[string]crmadapters.RemoteLead{}
	for start := 0; start < len(leadIDs); start += readChunk {
		chunk := leadIDs[start:min(start+readChunk, len(leadIDs))]
		query := fmt.Sprintf("select id, %s, %s from Deals where %s in (%s) limit 200", leadKey, a.stage.To, leadKey, literals(chunk))
		rows, err := a.query(ctx, query)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			id, _ := row[leadKey].(string)
			ref, _ := row["id"].(string)
			stage, _ := row[a.stage.To].(string)
			if id != "" && ref != "" {
				out[id] = crmadapters.RemoteLead{Ref: ref, Stage: stage}
			}
		}
	}
	return out, nil
}

// query runs a COQL select; no match is no rows.
func (a *Adapter) query(ctx context.Context, q string) ([]map[string]any, error) {
	ans, err := a.do(ctx, http.MethodPost, api+"/coql", map[string]string{"select_query": q})
	if err != nil {
		return nil, err
	}
	if ans.Status == http.StatusNoContent {
		return nil, nil
	}
	if !ans.OK() {
		return nil, a.fail(ans)
	}
	var answer struct {
		Data []map[string]any `json:"data"`
	}
	if err := ans.Decode(name, &answer); err != nil {
		return nil, err
	}
	return answer.Data, nil
}

// literals writes values as COQL string literals, quotes and backslashes escaped.
func literals(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = literal(v)
	}
	return strings.Join(quoted, ", ")
}

func literal(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
