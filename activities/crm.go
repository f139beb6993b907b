package activities

import (
	"context"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// WriteCRMInput is the lead as the workflow knows it.
type WriteCRMInput struct {
	Lead store.LeadRecord
}

// WriteCRMResult says where the lead landed and the status the system of record holds.
type WriteCRMResult struct {
	Builtin      lead.BuiltinRef
	Status       lead.Status
	CRMWrittenAt time.Time
}

// WriteCRM writes the lead to the built-in CRM, idempotently by lead id.
func (a *Activities) WriteCRM(ctx context.Context, in WriteCRMInput) (WriteCRMResult, error) {
	r := in.Lead
	if r.LeadID == "" || r.ContactID == "" || r.ConversationID == "" {
		return WriteCRMResult{}, invalid("write crm: lead, contact and conversation ids are required", nil)
	}
	at := a.now()
	if r.Timings.CRMWrittenAt == nil {
		r.Timings.CRMWrittenAt = &at
	}
	ref, err := a.CRM.UpsertLead(ctx, r)
	if err != nil {
		return WriteCRMResult{}, classify("write crm", err)
	}
	return WriteCRMResult{Builtin: lead.BuiltinRef{ContactID: ref.ContactID, LeadID: ref.LeadID}, Status: ref.Status, CRMWrittenAt: at}, nil
}
