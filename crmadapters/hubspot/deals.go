package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/leadflow/leadflow/crmadapters"
)

// maxBatchRead is how many records HubSpot reads in one batch request.
const maxBatchRead = 100

// UpsertLead writes the lead as a deal of the configured pipeline, by its Leadflow id in one batch
// upsert, assigned to the rep's HubSpot owner when the rep has one, then associates the deal
// with its contact. Both writes are idempotent, so the whole call can be retried.
func (a *Adapter) UpsertLead(ctx context.Context, l crmadapters.Lead) (string, error) {
	if l.Doc.LeadID == "" {
		return "", &crmadapters.MappingError{CRM: crmName, Field: "lead.id", Property: leadKey, Reason: "empty"}
	}
	props, err := a.mapping.LeadProperties(crmName, l)
	if err != nil {
		return "", err
	}
	in := text(props)
	if in[stageProperty] == "" {
		return "", &crmadapters.MappingError{CRM: crmName, Field: "lead.stage", Property: stageProperty,
			Reason: fmt.Sprintf("no stage for status %q", l.Doc.Status)}
	}
	if _, ok := in[pipelineProperty]; !ok {
		in[pipelineProperty] = a.pipeline
	}
	if _, ok := in[ownerProperty]; !ok && l.OwnerEmail != "" {
		owner, err := a.owner(ctx, l.OwnerEmail)
		if err != nil {
			return "", err
		}
		if owner != "" {
			in[ownerProperty] = owner
		}
	}
	var out batchAnswer
	if _, err := a.call(ctx, http.MethodPost, "/crm/v3/objects/deals/batch/upsert",
		upsertRequest{Inputs: []upsertInput{{IDProperty: leadKey, ID: l.Doc.LeadID, Properties: in}}}, &out); err != nil {
		return "", err
	}
	dealID, err := out.only()
	if err != nil || l.ContactRef == "" {
		return dealID, err
	}
	// HubSpot's default deal-to-contact association; making it again changes nothing.
	path := "/crm/v4/objects/deals/" + url.PathEscape(dealID) + "/associations/default/contacts/" + url.PathEscape(l.ContactRef)
	if _, err := a.call(ctx, http.MethodPut, path, nil, nil); err != nil {
		return "", err
	}
	return dealID, nil
}

// RecordOutcome moves the deal to the mapping's stage for the outcome's status: by its HubSpot id
// when Leadflow knows it, else by its Leadflow id. Setting a stage is idempotent.
func (a *Adapter) RecordOutcome(ctx context.Context, o crmadapters.Outcome) error {
	stage := a.mapping.Stage(o.Status)
	if stage == "" {
		return &crmadapters.MappingError{CRM: crmName, Field: "lead.status", Property: stageProperty,
			Reason: fmt.Sprintf("no stage for status %q", o.Status)}
	}
	path := "/crm/v3/objects/deals/" + url.PathEscape(o.LeadRef)
	if o.LeadRef == "" {
		path = "/crm/v3/objects/deals/" + url.PathEscape(o.LeadID) + "?idProperty=" + leadKey
	}
	_, err := a.call(ctx, http.MethodPatch, path, map[string]any{"properties": map[string]string{stageProperty: stage}}, nil)
	return err
}

type readRequest struct {
	IDProperty string    `json:"idProperty"`
	Inputs     []idInput `json:"inputs"`
	Properties []string  `json:"properties"`
}

type idInput struct {
	ID string `json:"id"`
}

// ReadLeads reads the deals by Leadflow id, 100 a request. HubSpot answers 207 Multi-Status with
// an OBJECT_NOT_FOUND error for ids it holds no deal for: those leads are absent, not an error.
func (a *Adapter) ReadLeads(ctx context.Context, leadIDs []string) (map[string]crmadapters.RemoteLead, error) {
	ids := slices.Compact(slices.Sorted(slices.Values(leadIDs))) // HubSpot refuses an id twice in a batch
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == "" })
	out := map[string]crmadapters.RemoteLead{}
	for chunk := range slices.Chunk(ids, maxBatchRead) {
		req := readRequest{IDProperty: leadKey, Properties: []string{stageProperty, leadKey}}
		for _, id := range chunk {
			req.Inputs = append(req.Inputs, idInput{ID: id})
		}
		var res batchAnswer
		ans, err := a.call(ctx, http.MethodPost, "/crm/v3/objects/deals/batch/read?archived=false", req, &res)
		if err != nil {
			return nil, err
		}
		for _, e := range res.Errors {
			if e.Category != "OBJECT_NOT_FOUND" {
				return nil, &crmadapters.RejectedError{CRM: crmName, Status: ans.Status, Code: e.Category, Msg: "batch read failed for some deals"}
			}
		}
		for _, d := range res.Results {
			if id := d.Properties[leadKey]; id != "" {
				out[id] = crmadapters.RemoteLead{Ref: d.ID, Stage: d.Properties[stageProperty]}
			}
		}
	}
	return out, nil
}
