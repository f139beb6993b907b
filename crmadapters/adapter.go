// Package crmadapters holds the Adapter interface that every CRM Leadflow writes to implements, and
// the built-in Postgres CRM. External CRMs (HubSpot, Salesforce, Zoho, Pipedrive) get a package each.
package crmadapters

import (
	"context"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// Ref is where a lead landed in one CRM.
type Ref struct {
	ContactID string
	LeadID    string
	// Status is the lead status the CRM holds after the write; only the built-in CRM, the system of
	// record for rep outcomes, reports one.
	Status lead.Status
}

// Adapter writes leads to one CRM. Implementations must be idempotent per LeadRecord.LeadID: the
// activity that calls them is retried.
type Adapter interface {
	Name() string
	UpsertLead(ctx context.Context, rec store.LeadRecord) (Ref, error)
}

// Builtin is the Postgres CRM that ships with Leadflow.
type Builtin struct {
	Store *store.Store
}

var _ Adapter = (*Builtin)(nil)

// Name implements Adapter.
func (b *Builtin) Name() string { return "builtin" }

// UpsertLead implements Adapter.
func (b *Builtin) UpsertLead(ctx context.Context, rec store.LeadRecord) (Ref, error) {
	status, err := b.Store.SaveLead(ctx, rec)
	if err != nil {
		return Ref{}, err
	}
	return Ref{ContactID: rec.ContactID, LeadID: rec.LeadID, Status: status}, nil
}
