package pipedrive

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/leadflow/leadflow/crmadapters"
)

// UpsertContact writes the contact as a person, with its company as the person's organization.
func (a *Adapter) UpsertContact(ctx context.Context, c crmadapters.Contact) (string, error) {
	if c.ContactID == "" {
		return "", &crmadapters.MappingError{CRM: name, Field: "contact.id", Property: ContactKeyProperty, Reason: "required, but the contact has none"}
	}
	props, err := a.mapping.ContactProperties(name, c)
	if err != nil {
		return "", err
	}
	body, err := a.body(ctx, crmadapters.ObjectContact, props)
	if err != nil {
		return "", err
	}
	return a.upsert(ctx, kindContact, c.ContactID, "persons", body, body)
}

// UpsertLead writes the lead as a deal of its contact's person.
func (a *Adapter) UpsertLead(ctx context.Context, l crmadapters.Lead) (string, error) {
	if l.Doc.LeadID == "" {
		return "", &crmadapters.MappingError{CRM: name, Field: "lead.id", Property: LeadKeyProperty, Reason: "required, but the lead has none"}
	}
	props, err := a.mapping.LeadProperties(name, l)
	if err != nil {
		return "", err
	}
	body, err := a.body(ctx, crmadapters.ObjectLead, props)
	if err != nil {
		return "", err
	}
	if l.ContactRef != "" {
		if body["person_id"], err = recordID(l.ContactRef, "lead.contact_ref", "person_id"); err != nil {
			return "", err
		}
	}
	create := body
	// Pipedrive ignores pipeline_id next to a stage_id, which names its pipeline already; a deal
	// created won or lost has no stage_id and would land in the default pipeline.
	if _, staged := body["stage_id"]; !staged && a.pipelineID > 0 {
		create = maps.Clone(body)
		create["pipeline_id"] = a.pipelineID
	}
	return a.upsert(ctx, kindLead, l.Doc.LeadID, "deals", create, body)
}

// upsert creates the record of entity for key once, and updates it on every later write.
func (a *Adapter) upsert(ctx context.Context, kind, key, entity string, create, update map[string]any) (string, error) {
	created := false
	id, err := crmadapters.Once(ctx, a.ids, name, kind, key,
		func(ctx context.Context) (string, bool, error) { return a.findByKey(ctx, entity, key) },
		func(ctx context.Context) (string, error) {
			id, err := a.create(ctx, "/v1/"+entity, create)
			created = err == nil
			return id, err
		})
	if err != nil || created {
		return id, err
	}
	return id, a.update(ctx, "/v1/"+entity+"/"+url.PathEscape(id), update)
}

// organization is the id of the organization named company, found by name or created: reps
// often add a customer's organization before Leadflow meets them, and it must not be doubled. The
// id map remembers it by the normalised name, so later contacts of the company cost no search.
// When several organizations share the name, the best match Pipedrive ranks first is used. An
// empty name is no organization (0).
func (a *Adapter) organization(ctx context.Context, company string) (int, error) {
	company = strings.Join(strings.Fields(company), " ")
	if company == "" {
		return 0, nil
	}
	searched := false
	find := func(ctx context.Context) (string, bool, error) {
		searched = true
		ids, err := a.search(ctx, "organizations", "name", company)
		if err != nil || len(ids) == 0 {
			return "", false, err
		}
		return ids[0], true, nil
	}
	id, err := crmadapters.Once(ctx, a.ids, name, kindOrganization, strings.ToLower(company), find,
		func(ctx context.Context) (string, error) {
			if !searched {
				if id, found, err := find(ctx); err != nil || found {
					return id, err
				}
			}
			return a.create(ctx, "/v1/organizations", map[string]any{"name": company})
		})
	if err != nil {
		return 0, err
	}
	return recordID(id, "contact.company", OrganizationProperty)
}

// RecordOutcome moves the deal to the stage of the outcome's status. A PUT of the same stage is
// harmless, so an outcome needs no key of its own.
func (a *Adapter) RecordOutcome(ctx context.Context, o crmadapters.Outcome) error {
	deal, err := recordID(o.LeadRef, "outcome.lead_ref", "deal id")
	if err != nil {
		return err
	}
	stage := a.mapping.Stage(o.Status)
	if stage == "" {
		return &crmadapters.MappingError{CRM: name, Field: "lead.status", Property: StageProperty, Reason: fmt.Sprintf("no stage for status %q", o.Status)}
	}
	fields, err := stageFields(stage)
	if err != nil {
		return &crmadapters.MappingError{CRM: name, Field: "lead.status", Property: StageProperty, Reason: err.Error()}
	}
	return a.update(ctx, "/v1/deals/"+strconv.Itoa(deal), fields)
}

// ReadLeads reads the deals the id map knows for the lead ids. API v1 reads deals one at a time
// (only v2 takes several ids), so it costs one GET /v1/deals/{id} per known lead, a small share
// of the daily token budget each; a lead the map does not know costs nothing, as Leadflow never
// wrote it. A deal deleted in Pipedrive is absent.
func (a *Adapter) ReadLeads(ctx context.Context, leadIDs []string) (map[string]crmadapters.RemoteLead, error) {
	out := map[string]crmadapters.RemoteLead{}
	for _, id := range leadIDs {
		ref, err := a.ids.Lookup(ctx, name, kindLead, id)
		if err != nil {
			return nil, err
		}
		if ref == "" {
			continue
		}
		ans, err := call[struct {
			Status  string `json:"status"`
			StageID int    `json:"stage_id"`
		}](ctx, a, http.MethodGet, "/v1/deals/"+url.PathEscape(ref), nil)
		var rej *crmadapters.RejectedError
		if errors.As(err, &rej) && (rej.Status == http.StatusNotFound || rej.Status == http.StatusGone) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if ans.Data.Status == "deleted" {
			continue
		}
		out[id] = crmadapters.RemoteLead{Ref: ref, Stage: stageOf(ans.Data.Status, ans.Data.StageID)}
	}
	return out, nil
}
